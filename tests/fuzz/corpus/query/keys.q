url:http://x/y severity:INFO Host:web1
level=info msg="x"
