MATCH (c:Customer)
REMOVE c.orderCount;
