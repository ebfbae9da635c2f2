// Every product gets a default priority. exists(prop) was removed in Neo4j 5.
MATCH (p:Product)
WHERE NOT exists(p.priority)
SET p.priority = 0;
