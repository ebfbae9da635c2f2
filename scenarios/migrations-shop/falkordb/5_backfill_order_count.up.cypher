// Backfill in batches of 1000 customers (FalkorDB has no CALL ... IN TRANSACTIONS: each
// statement is one batch; the script repeats it, and a repeat with nothing left does nothing).
MATCH (c:Customer) WHERE c.orderCount IS NULL
WITH c LIMIT 1000
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WITH c, count(o) AS orders
SET c.orderCount = orders;
MATCH (c:Customer) WHERE c.orderCount IS NULL
WITH c LIMIT 1000
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WITH c, count(o) AS orders
SET c.orderCount = orders;
