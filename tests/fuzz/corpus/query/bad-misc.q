level: AND :x n:>abc OR
