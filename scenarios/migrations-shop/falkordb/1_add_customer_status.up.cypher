MATCH (c:Customer) WHERE c.status IS NULL
SET c.status = 'active';
