// Batched backfill: each batch of customers commits on its own.
MATCH (c:Customer)
CALL {
  WITH c
  OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
  WITH c, count(o) AS orders
  SET c.orderCount = orders
} IN TRANSACTIONS OF 2 ROWS;
