level:ERROR AND "timeout"
