#!/usr/bin/env bash
# Install the independent readers the value tests use (tests/readers/read_graph.py) into a
# private Python virtual environment, with pinned versions of the official clients:
#
#   scripts/setup-readers.sh          # creates or updates the venv (quick when up to date)
#
# The venv lands in ${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}/py-readers:
#   redis   the official Redis client (RESP3), which reads FalkorDB without any harness code
#   neo4j   the official Neo4j Python driver (Bolt), pinned for reading Neo4j pairs the same way
#           (tests/readers/read_graph.py reads FalkorDB only so far)
# Tests find its python at py-readers/bin/python and fail with this script's name when it is
# missing. Needs: python3 with the venv module and pip.
set -euo pipefail
readonly REDIS_VERSION="8.1.0"
readonly NEO4J_VERSION="6.4.1"
CACHE_DIR="${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}"
VENV="$CACHE_DIR/py-readers"
STAMP="$VENV/installed"
WANT="redis==$REDIS_VERSION neo4j==$NEO4J_VERSION"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  echo "readers: $WANT already in $VENV"
  exit 0
fi
mkdir -p "$CACHE_DIR"
rm -rf "$VENV"
python3 -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $WANT
"$VENV/bin/python" -c 'import redis, neo4j; print("readers: redis", redis.__version__, "neo4j", neo4j.__version__)'
echo "$WANT" >"$STAMP"
