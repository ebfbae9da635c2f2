// (:Order)-[:CONTAINS {quantity}]->(:Product) becomes
// (:Order)-[:HAS_LINE]->(:LineItem {quantity})-[:OF_PRODUCT]->(:Product).
MATCH (o:Order)-[r:CONTAINS]->(p:Product)
CREATE (o)-[:HAS_LINE]->(:LineItem {quantity: r.quantity})-[:OF_PRODUCT]->(p)
DELETE r;
