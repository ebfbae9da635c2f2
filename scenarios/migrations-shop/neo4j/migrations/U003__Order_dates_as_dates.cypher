MATCH (o:Order) WHERE o.placedOn IS NOT NULL
SET o.placed = toString(o.placedOn)
REMOVE o.placedOn;
