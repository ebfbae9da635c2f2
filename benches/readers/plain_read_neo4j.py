#!/usr/bin/env python3
"""A plain reader of one Neo4j database: the independent baseline `cargo bench --bench neo4j`
measures the harness's content hash against. It uses only the official `neo4j` Python driver
(the py-readers venv of scripts/setup-readers.sh) and none of the harness's code: every node,
then every relationship, each returned whole and streamed (the driver's default fetch size).

Usage: MH_BENCH_PASSWORD=... plain_read_neo4j.py PORT
(the password comes from the environment, never from the command line, which `ps` shows).
Prints one JSON line: nodes, relationships, seconds, cpu_seconds.
"""
import json
import os
import resource
import sys
import time

from neo4j import GraphDatabase


def main():
    port = sys.argv[1]
    password = os.environ["MH_BENCH_PASSWORD"]
    driver = GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("neo4j", password))
    begin = time.monotonic()
    with driver.session() as session:
        nodes = sum(1 for _ in session.run("MATCH (n) RETURN n"))
        relationships = sum(1 for _ in session.run("MATCH ()-[r]->() RETURN r"))
    seconds = time.monotonic() - begin
    driver.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "nodes": nodes,
                "relationships": relationships,
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            }
        )
    )


if __name__ == "__main__":
    main()
