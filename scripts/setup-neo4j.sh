#!/usr/bin/env bash
# setup-neo4j.sh — install real Neo4j Community versions for neo4j-migration-harness
# as local Java processes (no Docker): jars from Maven Central (org.neo4j:neo4j, GPLv3)
# plus the launcher in launchers/neo4j/.
#
# Usage:
#   scripts/setup-neo4j.sh [VERSION ...]   install + smoke-test (default: the default list)
#   scripts/setup-neo4j.sh --list          supported/installed versions and what Maven Central serves
#   scripts/setup-neo4j.sh --force ...     redo every step even if the stamp says it is done
#
# VERSION is an exact Neo4j version (5.26.30, 2026.08.1, 4.4.48, ...) or one of the
# short names: 5.26, 4.4, latest (newest 2025.x/2026.x pinned here), all.
#
# Layout written under ${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}/neo4j/:
#   launcher.jar               the launcher (rebuilt when launchers/neo4j changes)
#   launcher.sha256            sha256 of the launcher sources it was built from
#   aliases                    "SHORT EXACT" lines (5.26 5.26.30, 2026 2026.08.1, latest ..., ...)
#   <version>/classpath        Neo4j jars (absolute paths, ':'-separated, one line)
#   <version>/java-home        JAVA_HOME to run this version with
#   <version>/jvm-opts         JVM options, one per line (heap not included)
#   <version>/version          kernel version the launcher reports
#   <version>/smoke            results of the last smoke test (start_ms, rss_mb, ...)
#   <version>/cds.jsa          class-data-sharing archive (only valid with -cp launcher.jar:<classpath>)
#   <version>/stamp            key of a completed setup; an unchanged key makes re-runs instant
#
# Environment: MH_CACHE_DIR, MH_JAVA17_HOME, MH_JAVA21_HOME, MH_JAVA25_HOME,
#   MH_NEO4J_CDS=0 (skip the CDS archive), MH_NEO4J_START_TIMEOUT (seconds, default 240).
set -euo pipefail

SCRIPT_REV=4 # bump to invalidate every stamp

# Newest patch releases seen on Maven Central (see docs/NEO4J-LOCAL.md).
PIN_526=5.26.30
PIN_CALVER=2026.08.1
PIN_44=4.4.48
DEFAULT_VERSIONS=("$PIN_526" "$PIN_CALVER")
ALL_VERSIONS=("$PIN_44" "$PIN_526" "$PIN_CALVER")

HEAP_OPTS=(-Xms256m -Xmx768m) # used by the smoke test; the harness passes its own

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAUNCHER_SRC="$REPO_ROOT/launchers/neo4j"
CACHE_ROOT="${MH_CACHE_DIR:-$HOME/.cache/neo4j-migration-harness}"
CACHE="$CACHE_ROOT/neo4j"
M2_REPO="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
START_TIMEOUT="${MH_NEO4J_START_TIMEOUT:-240}"
MAIN_CLASS=io.migrationharness.neo4j.Launcher
MVN=(mvn -q -B -Dstyle.color=never)
# MAVEN_REPO_LOCAL moves Maven's own cache too (a fresh-machine test can start from empty).
[ -z "${MAVEN_REPO_LOCAL:-}" ] || MVN+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")

log() { printf '%s\n' "$*" >&2; }
die() { printf 'setup-neo4j: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# ------------------------------------------------------------------ java

# java_major JAVA_HOME -> major version number (e.g. 17), or nothing
java_major() {
    local jh=$1 v
    [ -x "$jh/bin/java" ] || return 0
    v=$("$jh/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}') || true
    v=${v%%.*}
    [ "$v" = 1 ] && v=8
    printf '%s' "$v"
}

java_home_of_path() {
    local j
    j=$(command -v java 2>/dev/null) || return 0
    j=$(readlink -f "$j")
    dirname "$(dirname "$j")"
}

# find_java MIN MAX [candidates...] -> first JAVA_HOME whose major is in [MIN, MAX]
find_java() {
    local min=$1 max=$2 c m
    shift 2
    for c in "$@"; do
        [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
        m=$(java_major "$c")
        [ -n "$m" ] || continue
        if [ "$m" -ge "$min" ] && [ "$m" -le "$max" ]; then
            printf '%s' "$c"
            return 0
        fi
    done
    return 1
}

find_java17() {
    # 4.4 (on 17 with --add-opens) and 5.x support Java 17 and 21.
    find_java 17 21 "${MH_JAVA17_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/*17* \
        "${JAVA_HOME:-}" "$(java_home_of_path)" /usr/lib/jvm/*21*
}
find_java21() {
    find_java 21 21 "${MH_JAVA21_HOME:-}" /usr/lib/jvm/*21* "${JAVA_HOME:-}" "$(java_home_of_path)"
}
find_java25() {
    find_java 25 99 "${MH_JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}" /usr/lib/jvm/temurin-25-jdk-amd64 \
        /usr/lib/jvm/*25* "${JAVA_HOME:-}" "$(java_home_of_path)"
}

# java_needed VERSION -> 17 | 21 | 25, or nothing when the version is not supported
java_needed() {
    case $1 in
        4.4.*) echo 17 ;;
        5.*) echo 17 ;;
        2025.0[1-9].*) echo 21 ;;
        2025.1[0-2].* | 202[6-9].*) echo 25 ;;
        *) ;;
    esac
}

java_for_version() {
    local v=$1 need jh
    need=$(java_needed "$v")
    case $need in
        17) jh=$(find_java17) || die "Neo4j $v needs Java 17 (or 21). None found: install openjdk-17-jdk (apt) or Temurin 17, or set MH_JAVA17_HOME." ;;
        21) jh=$(find_java21) || die "Neo4j $v (2025.01-2025.09) needs Java 21, which is not installed here. Install openjdk-21-jdk / Temurin 21 (adoptium.net) and set MH_JAVA21_HOME, or use $PIN_CALVER (Java 25) instead." ;;
        25) jh=$(find_java25) || die "Neo4j $v (2025.10 and newer) needs Java 25. Install Temurin 25 (adoptium.net) and set MH_JAVA25_HOME (looked in /usr/lib/jvm/*25*)." ;;
        *) die "Neo4j $v is not supported (supported: 4.4.x, 5.x, 2025.10+ and 2026.x; 2025.01-09 with MH_JAVA21_HOME)" ;;
    esac
    printf '%s' "$jh"
}

# jvm_opts_base JAVA_MAJOR -> one option per line
jvm_opts_base() {
    local major=$1
    cat <<EOF
-XX:+UseG1GC
-XX:TieredStopAtLevel=1
-XX:-OmitStackTraceInFastThrow
--add-opens=java.base/java.nio=ALL-UNNAMED
--add-opens=java.base/java.io=ALL-UNNAMED
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
--add-opens=java.base/java.lang=ALL-UNNAMED
-Dio.netty.tryReflectionSetAccessible=true
-Djdk.nio.maxCachedBufferSize=1024
-Dlog4j2.disable.jmx=true
-Xlog:disable
-Xlog:all=warning:stderr
EOF
    if [ "$major" -ge 24 ]; then
        echo "--enable-native-access=ALL-UNNAMED"
        echo "--sun-misc-unsafe-memory-access=allow"
    fi
}

# ------------------------------------------------------------------ launcher

launcher_sources_sha() {
    (cd "$LAUNCHER_SRC" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}

build_launcher() {
    local sha jh out
    command -v mvn >/dev/null || die "mvn (Maven 3) not found on PATH; install it (apt-get install maven)"
    [ -f "$LAUNCHER_SRC/pom.xml" ] || die "launcher sources missing: $LAUNCHER_SRC/pom.xml"
    sha=$(launcher_sources_sha)
    if [ -f "$CACHE/launcher.jar" ] && [ "$(cat "$CACHE/launcher.sha256" 2>/dev/null)" = "$sha" ]; then
        return 0
    fi
    jh=$(find_java17) || die "building the launcher needs a JDK 17+ (javac): install openjdk-17-jdk or set MH_JAVA17_HOME"
    [ -x "$jh/bin/javac" ] || die "$jh has no javac: a full JDK (not a JRE) is needed to build the launcher"
    log "setup-neo4j: building the launcher ($LAUNCHER_SRC) with $jh"
    out="$CACHE/launcher-build.log"
    if ! JAVA_HOME="$jh" "${MVN[@]}" -f "$LAUNCHER_SRC/pom.xml" -Dmh.build.dir="$CACHE/launcher-build" package >"$out" 2>&1; then
        tail -n 30 "$out" >&2
        die "building the launcher failed (full log: $out)"
    fi
    cp "$CACHE/launcher-build/neo4j-launcher.jar" "$CACHE/launcher.jar.tmp"
    mv -f "$CACHE/launcher.jar.tmp" "$CACHE/launcher.jar"
    printf '%s\n' "$sha" >"$CACHE/launcher.sha256"
}

# ------------------------------------------------------------------ maven

resolve_classpath() {
    local v=$1 vdir=$2 rdir="$2/resolve" cp jar
    [ -s "$vdir/classpath" ] && return 0
    mkdir -p "$rdir"
    cat >"$rdir/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/setup-neo4j.sh: resolves org.neo4j:neo4j:$v -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.migrationharness.cache</groupId>
  <artifactId>neo4j-runtime</artifactId>
  <version>$v</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>$v</version></dependency>
  </dependencies>
</project>
EOF
    log "setup-neo4j: resolving org.neo4j:neo4j:$v with Maven"
    # -U: retry versions an earlier failed attempt marked as missing in ~/.m2
    if ! "${MVN[@]}" -U -f "$rdir/pom.xml" dependency:build-classpath -Dmdep.outputFile="$rdir/classpath.out" \
        >"$rdir/mvn.log" 2>&1; then
        log "---- mvn output (tail) ----"
        sed 's/\x1b\[[0-9;]*m//g' "$rdir/mvn.log" | grep -v '^\s*$' |
            grep -vE '^\[ERROR\] \[Help|re-run|Re-run|-e switch|-X switch|full stack trace|For more information|^\[ERROR\] *$' |
            tail -n 12 >&2 || true
        log "---------------------------"
        die "Maven could not resolve org.neo4j:neo4j:$v (is it a released version? try --list; full log: $rdir/mvn.log)"
    fi
    cp=$(cat "$rdir/classpath.out")
    [ -n "$cp" ] || die "Maven returned an empty classpath for org.neo4j:neo4j:$v"
    IFS=: read -r -a jars <<<"$cp"
    for jar in "${jars[@]}"; do
        [ -f "$jar" ] || die "resolved jar missing: $jar"
    done
    printf '%s\n' "$cp" >"$vdir/classpath.tmp"
    mv -f "$vdir/classpath.tmp" "$vdir/classpath"
}

# ------------------------------------------------------------------ processes

free_port() {
    local p i
    for i in $(seq 1 100); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            printf '%s' "$p"
            return 0
        fi
    done
    return 1
}

show_output() {
    local prefix=$1
    log "---- launcher stdout (last lines) ----"
    tail -n 5 "$prefix.out" >&2 2>/dev/null || true
    log "---- launcher stderr (last lines) ----"
    tail -n 25 "$prefix.err" >&2 2>/dev/null || true
    log "--------------------------------------"
}

# start_stop VDIR HOME PREFIX EXTRA_OPT... : start, wait for READY, measure, SIGTERM, check a clean stop.
# Sets RUN_START_MS, RUN_RSS_MB, RUN_STOP_MS, RUN_READY_LINE.
start_stop() {
    local vdir=$1 home=$2 prefix=$3
    shift 3
    local jh cp port t0 pid line rc=0 deadline opts=()
    jh=$(cat "$vdir/java-home")
    cp="$CACHE/launcher.jar:$(cat "$vdir/classpath")"
    mapfile -t opts <"$vdir/jvm-opts.base"
    port=$(free_port) || die "no free local port found"
    t0=$(now_ms)
    MH_NEO4J_PASSWORD="$SMOKE_PASSWORD" "$jh/bin/java" "${opts[@]}" "$@" "${HEAP_OPTS[@]}" -cp "$cp" "$MAIN_CLASS" \
        --home "$home" --bolt-port "$port" </dev/null >"$prefix.out" 2>"$prefix.err" &
    pid=$!
    deadline=$(($(date +%s) + START_TIMEOUT))
    line=
    while :; do
        line=$(grep -m1 -E '^MH-LAUNCHER (READY|FAILED)' "$prefix.out" 2>/dev/null || true)
        [ -n "$line" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            show_output "$prefix"
            die "launcher did not report READY within ${START_TIMEOUT}s (MH_NEO4J_START_TIMEOUT)"
        fi
        sleep 0.1
    done
    RUN_START_MS=$(($(now_ms) - t0))
    if [[ "$line" != "MH-LAUNCHER READY "* ]]; then
        wait "$pid" 2>/dev/null || rc=$?
        show_output "$prefix"
        die "launcher failed to start (exit code $rc): ${line:-no MH-LAUNCHER line}"
    fi
    RUN_READY_LINE=$line
    RUN_RSS_MB=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo '?')
    t0=$(now_ms)
    kill -TERM "$pid"
    deadline=$(($(date +%s) + 60))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            show_output "$prefix"
            die "launcher did not stop within 60s of SIGTERM"
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || rc=$?
    RUN_STOP_MS=$(($(now_ms) - t0))
    if [ "$rc" -ne 0 ] || [ "$(tail -n 1 "$prefix.out")" != "MH-LAUNCHER STOPPED" ]; then
        show_output "$prefix"
        die "unclean stop after SIGTERM (exit code $rc, last stdout line: $(tail -n 1 "$prefix.out"))"
    fi
    if [ "$(grep -c '^MH-LAUNCHER READY' "$prefix.out")" -ne 1 ]; then
        show_output "$prefix"
        die "expected exactly one READY line"
    fi
}

# ------------------------------------------------------------------ per version

setup_version() {
    local v=$1 vdir="$CACHE/$1" jh major key reported tmp cds_ok=0 first_ms dump_opts=()
    jh=$(java_for_version "$v")
    major=$(java_major "$jh")
    mkdir -p "$vdir"
    resolve_classpath "$v" "$vdir"

    key=$( {
        echo "rev=$SCRIPT_REV v=$v jh=$jh cds=${MH_NEO4J_CDS:-1}"
        "$jh/bin/java" -version 2>&1
        cat "$CACHE/launcher.sha256"
        cat "$vdir/classpath"
        jvm_opts_base "$major"
    } | sha256sum | cut -c1-64)
    if [ "$FORCE" = 0 ] && [ "$(cat "$vdir/stamp" 2>/dev/null)" = "$key" ] && [ -s "$vdir/jvm-opts" ]; then
        log "neo4j $v: up to date ($(tr '\n' ' ' <"$vdir/smoke" 2>/dev/null))"
        return 0
    fi
    rm -f "$vdir/stamp"

    printf '%s\n' "$jh" >"$vdir/java-home"
    jvm_opts_base "$major" >"$vdir/jvm-opts.base"

    reported=$(MH_NEO4J_PASSWORD= "$jh/bin/java" "-Xlog:disable" -cp "$CACHE/launcher.jar:$(cat "$vdir/classpath")" \
        "$MAIN_CLASS" --version-only 2>"$vdir/version-only.err") || {
        tail -n 20 "$vdir/version-only.err" >&2
        die "Neo4j $v: the launcher could not read the version from the classpath (java $major at $jh)"
    }
    [ "$reported" = "$v" ] || die "Neo4j $v: the classpath reports version '$reported'"
    printf '%s\n' "$reported" >"$vdir/version"

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/mh-neo4j-smoke.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    mkdir -m 700 "$tmp/home"

    # Run 1: fresh home (store creation); also records the classes loaded for the CDS archive.
    log "neo4j $v: first start (java $major, fresh home) ..."
    rm -f "$vdir/cds.jsa" "$vdir/cds.classlist"
    if [ "${MH_NEO4J_CDS:-1}" != 0 ]; then
        start_stop "$vdir" "$tmp/home" "$tmp/run1" "-XX:DumpLoadedClassList=$tmp/classes.lst"
    else
        start_stop "$vdir" "$tmp/home" "$tmp/run1"
    fi
    first_ms=$RUN_START_MS
    log "neo4j $v: first start ${first_ms} ms, rss ${RUN_RSS_MB} MB, stop ${RUN_STOP_MS} ms"

    if [ "${MH_NEO4J_CDS:-1}" != 0 ] && [ -s "$tmp/classes.lst" ]; then
        log "neo4j $v: building the class-data-sharing archive (one-off, ~1 min) ..."
        # lambda-proxy lines longer than the JVM's 4096-char limit break -Xshare:dump
        awk 'length($0) < 4000' "$tmp/classes.lst" >"$vdir/cds.classlist"
        # Dump with the run-time options: Java 25 logs CDS errors when module options differ.
        mapfile -t dump_opts <"$vdir/jvm-opts.base"
        if "$jh/bin/java" "${dump_opts[@]}" -Xshare:dump -XX:SharedClassListFile="$vdir/cds.classlist" \
            -XX:SharedArchiveFile="$vdir/cds.jsa.tmp" -cp "$CACHE/launcher.jar:$(cat "$vdir/classpath")" \
            >"$vdir/cds-dump.log" 2>&1 && mv -f "$vdir/cds.jsa.tmp" "$vdir/cds.jsa" &&
            "$jh/bin/java" -Xshare:on -XX:SharedArchiveFile="$vdir/cds.jsa" -Xlog:disable \
                -cp "$CACHE/launcher.jar:$(cat "$vdir/classpath")" "$MAIN_CLASS" --version-only >/dev/null 2>&1; then
            cds_ok=1
            echo "-XX:SharedArchiveFile=$vdir/cds.jsa" >>"$vdir/jvm-opts.base"
        else
            log "neo4j $v: warning: CDS archive not usable, continuing without it (see $vdir/cds-dump.log)"
            rm -f "$vdir/cds.jsa" "$vdir/cds.jsa.tmp"
        fi
    fi

    # Run 2: same home again (persistence / restart), with the final options.
    log "neo4j $v: second start (same home) ..."
    start_stop "$vdir" "$tmp/home" "$tmp/run2"
    cp "$vdir/jvm-opts.base" "$vdir/jvm-opts.tmp"
    mv -f "$vdir/jvm-opts.tmp" "$vdir/jvm-opts"
    cat >"$vdir/smoke" <<EOF
start_ms=$RUN_START_MS
first_start_ms=$first_ms
rss_mb=$RUN_RSS_MB
stop_ms=$RUN_STOP_MS
cds=$cds_ok
java_major=$major
heap=${HEAP_OPTS[*]}
ready_line=$RUN_READY_LINE
tested_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
    rm -rf "$tmp"
    trap - EXIT
    printf '%s\n' "$key" >"$vdir/stamp"
    log "neo4j $v: OK  start ${RUN_START_MS} ms (first start on an empty home ${first_ms} ms), rss ${RUN_RSS_MB} MB, clean stop ${RUN_STOP_MS} ms, java $major, cds=$cds_ok"
}

# ------------------------------------------------------------------ aliases / list

installed_versions() {
    local d
    for d in "$CACHE"/*/; do
        [ -f "$d/stamp" ] && [ -s "$d/version" ] && basename "$d"
    done | sort -V
}

write_aliases() {
    local v newest_calver= out="$CACHE/aliases.tmp" key
    declare -A alias=()
    for v in $(installed_versions); do # ascending: later (newer) wins
        case $v in
            [0-9].*)
                alias[${v%.*}]=$v    # 5.26 -> 5.26.30
                alias[${v%%.*}]=$v   # 5 -> newest 5.x
                ;;
            20[0-9][0-9].*)
                alias[${v%.*}]=$v    # 2026.08 -> 2026.08.1
                alias[${v%%.*}]=$v   # 2026 -> newest 2026.x
                newest_calver=$v
                ;;
        esac
    done
    if [ -n "$newest_calver" ]; then
        alias[latest]=$newest_calver
        alias[calver]=$newest_calver
        # No cross-year aliases: "2025" names only a 2025.x (the harness checks the version a
        # server reports against the one asked for, and 2026.08 is not 2025).
    fi
    {
        echo "# generated by scripts/setup-neo4j.sh: SHORT EXACT (exact versions are installed under this directory)"
        for key in $(printf '%s\n' "${!alias[@]}" | sort -V); do
            echo "$key ${alias[$key]}"
        done
    } >"$out"
    mv -f "$out" "$CACHE/aliases"
}

list_versions() {
    local v need jh st meta
    echo "Supported by this script (pinned newest patches):"
    for v in "${ALL_VERSIONS[@]}"; do
        need=$(java_needed "$v")
        st="not installed"
        [ -f "$CACHE/$v/stamp" ] && st="installed ($(tr '\n' ' ' <"$CACHE/$v/smoke" | sed 's/ready_line=.*//'))"
        jh=$(case $need in 17) find_java17 ;; 21) find_java21 ;; 25) find_java25 ;; esac) || jh="MISSING"
        printf '  %-10s java %s (%s)  %s%s\n' "$v" "$need" "$jh" "$st" \
            "$(for d in "${DEFAULT_VERSIONS[@]}"; do [ "$d" = "$v" ] && printf '  [default]'; done)"
    done
    echo "Installed: $(installed_versions | tr '\n' ' ')"
    [ -f "$CACHE/aliases" ] && { echo "Aliases ($CACHE/aliases):"; grep -v '^#' "$CACHE/aliases" | sed 's/^/  /'; }
    echo "Maven Central (org.neo4j:neo4j, 4.4 / 5.26 / 2025+):"
    if "${MVN[@]}" -U dependency:get -Dartifact=org.neo4j:neo4j:RELEASE:pom -Dtransitive=false >/dev/null 2>&1; then
        meta="$M2_REPO/org/neo4j/neo4j/maven-metadata-central.xml"
        for v in $(grep -o '<version>[^<]*' "$meta" | sed 's/<version>//' | grep -E '^(4\.4\.|5\.26\.|20[0-9][0-9]\.)' | sort -V); do
            printf '%s(j%s) ' "$v" "$(java_needed "$v")"
        done | fold -s -w 100 | sed 's/^/  /'
        echo
    else
        echo "  (mvn could not read the version list)"
    fi
}

# ------------------------------------------------------------------ main

FORCE=0
LIST=0
REQUESTED=()
for a in "$@"; do
    case $a in
        --list) LIST=1 ;;
        --force) FORCE=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        all) REQUESTED+=("${ALL_VERSIONS[@]}") ;;
        5.26) REQUESTED+=("$PIN_526") ;;
        4.4) REQUESTED+=("$PIN_44") ;;
        latest | calver) REQUESTED+=("$PIN_CALVER") ;;
        -*) die "unknown option: $a (see --help)" ;;
        [0-9]*.*.*) REQUESTED+=("$a") ;;
        *) die "not a Neo4j version: $a (exact like 5.26.30 / 2026.08.1, or 5.26, 4.4, latest, all)" ;;
    esac
done

mkdir -p "$CACHE"
if command -v flock >/dev/null; then
    exec 9>"$CACHE/.lock"
    flock 9
fi

if [ "$LIST" = 1 ]; then
    list_versions
    exit 0
fi

[ "${#REQUESTED[@]}" -gt 0 ] || REQUESTED=("${DEFAULT_VERSIONS[@]}")
for v in "${REQUESTED[@]}"; do
    [ -n "$(java_needed "$v")" ] || die "Neo4j $v is not supported (supported: 4.4.x, 5.x, 2025.x, 2026.x)"
done

SMOKE_PASSWORD="mh$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
build_launcher
for v in "${REQUESTED[@]}"; do
    setup_version "$v"
done
write_aliases
log "setup-neo4j: ready in $CACHE (installed: $(installed_versions | tr '\n' ' '))"
