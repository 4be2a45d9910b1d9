a "bc
