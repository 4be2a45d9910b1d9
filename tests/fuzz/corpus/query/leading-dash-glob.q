---*-----*--upstream--
upstream -----
