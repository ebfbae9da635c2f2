MATCH (p:Product) WHERE p.title IS NOT NULL
SET p.name = p.title
REMOVE p.title;
