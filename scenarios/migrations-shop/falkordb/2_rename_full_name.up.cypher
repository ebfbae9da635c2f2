MATCH (c:Customer) WHERE c.fullName IS NOT NULL
SET c.name = c.fullName, c.fullName = NULL;
