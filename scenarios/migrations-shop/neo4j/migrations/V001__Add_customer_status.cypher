// Every customer gets a status; existing ones keep theirs.
MATCH (c:Customer) WHERE c.status IS NULL
SET c.status = 'active';
