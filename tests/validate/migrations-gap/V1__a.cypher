MATCH (c:C) SET c.a = 1;
