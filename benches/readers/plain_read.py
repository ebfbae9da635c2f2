#!/usr/bin/env python3
"""A plain reader of one FalkorDB graph: the independent baseline `cargo bench --bench
baselines` measures the harness's reads against. It uses only the redis client (with the
hiredis parser) and none of the harness's code: nodes paged by ranges of internal ids,
relationships by their start node's id range, each returned whole in FalkorDB's compact
reply format (ids, label/type ids, property ids and values), which hiredis parses.

Usage: plain_read.py URL GRAPH [PAGE]
Prints one JSON line: nodes, relationships, seconds, cpu_seconds, max_rss_mib.
"""
import json
import resource
import sys
import time

import redis


def main():
    url, graph = sys.argv[1], sys.argv[2]
    page = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    conn = redis.Redis.from_url(url)

    def query(text):
        return conn.execute_command("GRAPH.RO_QUERY", graph, text, "--compact")

    begin = time.monotonic()
    # compact reply: [header, rows, statistics]; a cell is [type, value]
    rows = query("MATCH (n) RETURN max(id(n))")[1]
    top = rows[0][0][1] if rows and rows[0][0][1] is not None else -1
    nodes = relationships = 0
    lo = 0
    while lo <= top:
        hi = lo + page
        nodes += len(query(f"MATCH (n) WHERE id(n) >= {lo} AND id(n) < {hi} RETURN n")[1])
        lo = hi
    lo = 0
    while lo <= top:
        hi = lo + page
        relationships += len(
            query(f"MATCH (a)-[r]->() WHERE id(a) >= {lo} AND id(a) < {hi} RETURN r")[1]
        )
        lo = hi
    seconds = time.monotonic() - begin
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "nodes": nodes,
                "relationships": relationships,
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "max_rss_mib": usage.ru_maxrss / 1024.0,
            }
        )
    )


if __name__ == "__main__":
    main()
