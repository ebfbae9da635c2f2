MATCH (c:Customer) WHERE c.status = 'active'
REMOVE c.status;
