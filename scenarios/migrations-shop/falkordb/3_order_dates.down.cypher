MATCH (o:Order) WHERE o.placedOn IS NOT NULL
WITH o, toString(o.placedOn) AS d
SET o.placed = substring(d, 0, 4) + '-' + substring(d, 4, 2) + '-' + substring(d, 6, 2), o.placedOn = NULL;
