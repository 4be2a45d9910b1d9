status:(>=500 <600) latency_ms:>1000.5 n:<=-1e3
