MATCH (c:C) SET c.b = 1;
