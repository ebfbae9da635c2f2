MATCH (c:Customer)
SET c.orderCount = NULL;
