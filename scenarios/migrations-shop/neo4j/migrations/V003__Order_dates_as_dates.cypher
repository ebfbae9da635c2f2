// '2025-11-03' (STRING) becomes date('2025-11-03') (DATE) in a new property.
MATCH (o:Order) WHERE o.placed IS NOT NULL
SET o.placedOn = date(o.placed)
REMOVE o.placed;
