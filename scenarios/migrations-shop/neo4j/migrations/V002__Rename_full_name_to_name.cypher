MATCH (c:Customer) WHERE c.fullName IS NOT NULL
SET c.name = c.fullName
REMOVE c.fullName;
