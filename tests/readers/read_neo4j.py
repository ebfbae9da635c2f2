#!/usr/bin/env python3
"""An independent Neo4j reader: prints a whole graph as canonical text, one line per entity,
sorted, and can change one double in its last bit.

It shares no code with the harness: Neo4j is read over Bolt with the official `neo4j` Python
driver (installed by scripts/setup-readers.sh), user `neo4j` with the password the caller
knows. Two graphs hold the same values exactly when their outputs are equal. Ids are not
printed: a relationship line carries its endpoints' whole lines.

    read_neo4j.py <port> <password> dump
    read_neo4j.py <port> <password> nudge <label> <key> <key value (int)> <property>

`nudge` adds one ulp to that node's double property (written as a Bolt parameter, exactly) and
prints the old and new double's bits.

Value forms: `null`, `b:true`, `i:<int>`, `f:<16 hex digits of the double's bits>` (every NaN
as `f:nan`), `s:<json string>`, `y:<hex bytes>` (a byte array), `[a,b]`,
`p:<srid>:<hex bits of each coordinate>`, `date:<y>-<m>-<d>`, `localtime:<h>:<m>:<s>.<ns>`,
`time:<h>:<m>:<s>.<ns><offset seconds>`, `localdatetime:<date>T<time>`,
`datetime:<date>T<time>@<offset seconds>[<zone id or empty>]`,
`duration:<months>,<days>,<seconds>,<nanoseconds>`. Every field is the driver's own integer
field (nanoseconds included), so nothing is rounded through a float or a text form. A
duration is printed as the driver normalises it (`{seconds: -5, nanoseconds: 1}` reads as
`-4,-999999999`); used by tests/it/values_exact_neo4j.rs (the FalkorDB reader is read_graph.py).
"""

import json
import math
import struct
import sys


def f64_hex(x):
    if math.isnan(x):
        return "f:nan"
    return "f:%016x" % struct.unpack(">Q", struct.pack(">d", x))[0]


def clock(t):
    return "%02d:%02d:%02d.%09d" % (t.hour, t.minute, t.second, t.nanosecond)


def day(d):
    return "%04d-%02d-%02d" % (d.year, d.month, d.day)


def offset_seconds(v):
    off = v.utcoffset()
    return "none" if off is None else "%+d" % int(off.total_seconds())


def zone_id(tz):
    for attr in ("key", "zone"):  # zoneinfo.ZoneInfo, pytz
        name = getattr(tz, attr, None)
        if isinstance(name, str):
            return name
    return ""  # a fixed offset


def value(v):
    from neo4j import time as nt
    from neo4j.spatial import Point

    if v is None:
        return "null"
    if isinstance(v, bool):
        return "b:" + ("true" if v else "false")
    if isinstance(v, int):
        return "i:%d" % v
    if isinstance(v, float):
        return f64_hex(v)
    if isinstance(v, str):
        return "s:" + json.dumps(v, ensure_ascii=False)
    if isinstance(v, (bytes, bytearray)):
        return "y:" + bytes(v).hex()
    if isinstance(v, list):
        return "[" + ",".join(value(x) for x in v) + "]"
    if isinstance(v, Point):
        return "p:%d:%s" % (v.srid, ",".join(f64_hex(float(c))[2:] for c in v))
    if isinstance(v, nt.Duration):
        return "duration:%d,%d,%d,%d" % (v.months, v.days, v.seconds, v.nanoseconds)
    if isinstance(v, nt.DateTime):
        if v.tzinfo is None:
            return "localdatetime:%sT%s" % (day(v), clock(v))
        return "datetime:%sT%s@%s[%s]" % (
            day(v), clock(v), offset_seconds(v), zone_id(v.tzinfo))
    if isinstance(v, nt.Date):
        return "date:" + day(v)
    if isinstance(v, nt.Time):
        if v.tzinfo is None:
            return "localtime:" + clock(v)
        return "time:%s%s" % (clock(v), offset_seconds(v))
    raise SystemExit("unexpected value %r (%s)" % (v, type(v)))


def props(m):
    return json.dumps({k: value(v) for k, v in m.items()}, sort_keys=True, ensure_ascii=False)


def dump(session):
    nodes, out = {}, []
    for rec in session.run("MATCH (n) RETURN elementId(n) AS id, labels(n) AS l, properties(n) AS p"):
        line = "(%s %s)" % (":".join(sorted(rec["l"])), props(rec["p"]))
        nodes[rec["id"]] = line
        out.append("node " + line)
    for rec in session.run(
        "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, type(r) AS t, properties(r) AS p, "
        "elementId(b) AS b"
    ):
        out.append("rel %s -[%s %s]-> %s" % (nodes[rec["a"]], rec["t"], props(rec["p"]), nodes[rec["b"]]))
    for line in sorted(out):
        print(line)


def nudge(session, label, key, key_value, prop):
    q = "MATCH (n:`%s`) WHERE n.`%s` = $k RETURN n.`%s` AS v" % (label, key, prop)
    old = session.run(q, k=key_value).single(strict=True)["v"]
    if not isinstance(old, float):
        raise SystemExit("%s is not a double: %r" % (prop, old))
    new = math.nextafter(old, math.inf)
    session.run(
        "MATCH (n:`%s`) WHERE n.`%s` = $k SET n.`%s` = $v" % (label, key, prop), k=key_value, v=new
    ).consume()
    back = session.run(q, k=key_value).single(strict=True)["v"]
    if f64_hex(back) != f64_hex(new):
        raise SystemExit("wrote %s, read back %s" % (f64_hex(new), f64_hex(back)))
    print(f64_hex(old), f64_hex(new), repr(new))


def main(argv):
    if len(argv) < 4 or argv[3] not in ("dump", "nudge"):
        raise SystemExit(__doc__)
    import neo4j

    driver = neo4j.GraphDatabase.driver("bolt://127.0.0.1:%s" % argv[1], auth=("neo4j", argv[2]))
    try:
        with driver.session(database="neo4j") as session:
            if argv[3] == "dump" and len(argv) == 4:
                dump(session)
            elif argv[3] == "nudge" and len(argv) == 8:
                nudge(session, argv[4], argv[5], int(argv[6]), argv[7])
            else:
                raise SystemExit(__doc__)
    finally:
        driver.close()


if __name__ == "__main__":
    main(sys.argv)
