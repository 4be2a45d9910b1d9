(a OR b
