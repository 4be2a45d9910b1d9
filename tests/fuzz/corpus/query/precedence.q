a OR b AND NOT (c OR d) -e
