#!/usr/bin/env python3
"""An independent reader: prints a whole graph as canonical text, one line per entity, sorted.

It shares no code with the harness: FalkorDB is read with the official `redis` client over
RESP3 (installed by scripts/setup-readers.sh). Two graphs hold the same values exactly when
their outputs are equal. Ids are not printed: a relationship line carries its endpoints' whole
lines.

    read_graph.py falkordb <port> <graph>

Neo4j has its own reader, tests/readers/read_neo4j.py (the official `neo4j` driver; used by
tests/it/values_exact_neo4j.rs); this one is used by tests/it/values_exact.rs.

Value forms: `null`, `b:true`, `i:<int>`, `f:<16 hex digits of the double's bits>` (every NaN
as `f:nan`), `s:<json string>`, `v:[<8 hex digits per f32>,...]` (a FalkorDB vecf32),
`p:<lat f32 bits>,<lon f32 bits>`, `<temporal type>:<stored text or integer>`, `[a,b]`.

FalkorDB prints doubles with 15 significant digits, also over RESP3, so the reader recovers
each double exactly by asking the server which of the doubles nearest to that text equals the
stored one (`c = n['k']`, candidates sent as a `CYPHER` parameter, whose parser reads the
shortest round-trip text exactly); zeros, infinities and NaN are exact in the text itself.
Exactly one candidate must match, or the reader fails.
"""

import json
import math
import struct
import sys


def f64_hex(x):
    if math.isnan(x):
        return "f:nan"
    return "f:%016x" % struct.unpack(">Q", struct.pack(">d", x))[0]


def f32_hex(x):
    if math.isnan(x):
        return "nan"
    return "%08x" % struct.unpack(">I", struct.pack(">f", x))[0]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


# ---------------------------------------------------------------------------------------------
# FalkorDB

SPAN = 64  # 15 significant digits are within ~45 ulps of the double they print


def candidates(printed):
    """The doubles within SPAN ulps of the 15-digit text."""
    centre = float(printed)
    if math.isinf(centre):  # DBL_MAX prints as 1.79769313486232e+308, which overflows
        centre = math.copysign(sys.float_info.max, centre)
    out = [centre]
    lo = hi = centre
    for _ in range(SPAN):
        lo = math.nextafter(lo, -math.inf)
        hi = math.nextafter(hi, math.inf)
        out += [lo, hi]
    return [c for c in out if math.isfinite(c)]


class Falkor:
    def __init__(self, port, graph):
        import redis

        self.r = redis.Redis(host="127.0.0.1", port=int(port), protocol=3)
        self.graph = graph

    def query(self, q):
        reply = self.r.execute_command("GRAPH.QUERY", self.graph, q, "--compact")
        if len(reply) == 1:
            return []
        return reply[1]

    def value(self, cell, path, doubles):
        """Canonical text of a compact cell; doubles needing the server go into `doubles`."""
        t, v = cell
        if t == 1:
            return "null"
        if t == 2:
            return "s:" + json.dumps(text(v), ensure_ascii=False)
        if t == 3:
            return "i:%d" % v
        if t == 4:
            return "b:" + text(v)
        if t == 5:
            s = text(v)
            if s in ("nan", "-nan"):
                return "f:nan"
            if s in ("inf", "-inf", "0", "-0"):
                return f64_hex(float(s))
            slot = len(doubles)
            doubles.append((path, s))
            return "\0%d\0" % slot
        if t == 6:
            return "[" + ",".join(
                self.value(c, path + [i], doubles) for i, c in enumerate(v)
            ) + "]"
        if t == 11:
            lat, lon = v
            return "p:%s,%s" % (f32_hex(float(text(lat))), f32_hex(float(text(lon))))
        if t == 12:
            return "v:[" + ",".join(f32_hex(float(text(x))) for x in v) + "]"
        if t in (13, 14, 15, 16):
            name = {13: "localdatetime", 14: "date", 15: "localtime", 16: "duration"}[t]
            return "%s:%d" % (name, v)
        raise SystemExit("unexpected compact type %d in %r" % (t, cell))

    def dump(self):
        out = []
        nodes = {}
        for row in self.query(
            "MATCH (n) RETURN id(n), labels(n), keys(n), [k IN keys(n) | n[k]]"
        ):
            nid = row[0][1]
            labels = sorted(text(l[1]) for l in row[1][1])
            keys = [text(k[1]) for k in row[2][1]]
            doubles = []
            props = {k: self.value(c, [k], doubles) for k, c in zip(keys, row[3][1])}
            props = self.resolve("MATCH (n) WHERE id(n) = %d" % nid, "n", doubles, props)
            line = "(%s %s)" % (":".join(labels), json.dumps(props, sort_keys=True))
            nodes[nid] = line
            out.append("node " + line)
        for row in self.query(
            "MATCH (a)-[r]->(b) RETURN id(r), type(r), keys(r), [k IN keys(r) | r[k]], id(a), id(b)"
        ):
            rid = row[0][1]
            keys = [text(k[1]) for k in row[2][1]]
            doubles = []
            props = {k: self.value(c, [k], doubles) for k, c in zip(keys, row[3][1])}
            props = self.resolve(
                "MATCH ()-[r]->() WHERE id(r) = %d" % rid, "r", doubles, props
            )
            out.append(
                "rel %s -[%s %s]-> %s"
                % (
                    nodes[row[4][1]],
                    text(row[1][1]),
                    json.dumps(props, sort_keys=True),
                    nodes[row[5][1]],
                )
            )
        return out

    def resolve(self, match, var, doubles, props):
        """Replaces each double placeholder in `props` with the exact double's bits."""
        if not doubles:
            return props
        cands = [candidates(printed) for _, printed in doubles]
        params, columns = [], []
        for i, (path, _) in enumerate(doubles):
            key, rest = path[0], path[1:]
            expr = "%s[%s]" % (var, json.dumps(key)) + "".join("[%d]" % j for j in rest)
            params.append("c%d=[%s]" % (i, ",".join(repr(c) for c in cands[i])))
            columns.append(
                "[j IN range(0, size($c%d) - 1) WHERE $c%d[j] = %s]" % (i, i, expr)
            )
        q = "CYPHER %s %s RETURN %s" % (" ".join(params), match, ", ".join(columns))
        rows = self.query(q)
        if len(rows) != 1:
            raise SystemExit("expected one row for %s, got %d" % (match, len(rows)))
        exact = {}
        for i, (_, found) in enumerate(rows[0][:len(doubles)]):
            if len(found) != 1:
                raise SystemExit(
                    "%s: %d candidates equal %s (printed %s)"
                    % (match, len(found), doubles[i][0], doubles[i][1])
                )
            exact["\0%d\0" % i] = f64_hex(cands[i][found[0][1]])
        resolved = {}
        for k, v in props.items():
            for placeholder, bits in exact.items():
                v = v.replace(placeholder, bits)
            resolved[k] = v
        return resolved


def main(argv):
    if len(argv) == 4 and argv[1] == "falkordb":
        lines = Falkor(argv[2], argv[3]).dump()
    else:
        raise SystemExit(__doc__)
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main(sys.argv)
