MATCH (c:C) SET c.c = 1;
