((((a OR (b AND c)))))
