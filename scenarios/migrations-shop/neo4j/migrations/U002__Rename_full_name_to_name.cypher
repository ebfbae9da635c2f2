MATCH (c:Customer) WHERE c.name IS NOT NULL
SET c.fullName = c.name
REMOVE c.name;
