// '2025-11-03' (STRING) becomes 20251103 (INTEGER, yyyymmdd) in a new property.
MATCH (o:Order) WHERE o.placed IS NOT NULL
SET o.placedOn = toInteger(replace(o.placed, '-', '')), o.placed = NULL;
