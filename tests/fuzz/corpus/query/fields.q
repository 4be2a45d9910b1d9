lvl:(error OR warn) svc:pay* msg:*time*out*
some log line with timeout
