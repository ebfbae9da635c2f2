MATCH (c:C) REMOVE c.a;
