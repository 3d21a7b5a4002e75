#!/usr/bin/env bash
# Throwaway Zipkin server for tests and the local stack: traces kept in memory, on 127.0.0.1
# only. Its executable jar (io.zipkin:zipkin-server, exec classifier) comes from Maven Central
# through mvn and is cached, so only the first `up` fetches; it runs on Java 17.
#
#   tools/stack/zipkin.sh up|down|status
#
# Env: STACK_DIR (default /tmp/ticketing-stack), ZIPKIN_PORT (default 9411),
#      ZIPKIN_LIBS_DIR (jar cache, default $STACK_DIR/zipkin-libs; kept by `down`),
#      ZIPKIN_HEAP (default 384m), ZIPKIN_MAX_SPANS (kept in memory, oldest traces dropped first;
#      default 100000), ZIPKIN_START_TIMEOUT (seconds, default 90).
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ZIPKIN_VERSION="3.6.1"
ZIPKIN_PORT="${ZIPKIN_PORT:-9411}"
ZIPKIN_DIR="$STACK_DIR/zipkin"
ZIPKIN_LIBS_DIR="${ZIPKIN_LIBS_DIR:-$STACK_DIR/zipkin-libs}"
ZIPKIN_JAR="$ZIPKIN_LIBS_DIR/zipkin-server-${ZIPKIN_VERSION}-exec.jar"
ZIPKIN_PIDFILE="$STACK_DIR/zipkin.pid"
ZIPKIN_LOG="$STACK_DIR/zipkin.log"
ZIPKIN_HEAP="${ZIPKIN_HEAP:-384m}"
ZIPKIN_MAX_SPANS="${ZIPKIN_MAX_SPANS:-100000}"
ZIPKIN_START_TIMEOUT="${ZIPKIN_START_TIMEOUT:-90}"
ZIPKIN_URL="http://127.0.0.1:${ZIPKIN_PORT}"

java_major() {
  java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

ensure_java_and_maven() {
  if ! command -v java >/dev/null 2>&1 || [[ "$(java_major)" -lt 17 ]]; then
    ensure_apt_pkg openjdk-17-jre-headless
  fi
  command -v mvn >/dev/null 2>&1 || ensure_apt_pkg maven
  command -v curl >/dev/null 2>&1 || ensure_apt_pkg curl
  [[ "$(java_major)" -ge 17 ]] || die "zipkin: needs Java 17 or newer (found $(java_major)); put it first on PATH"
}

ensure_zipkin_jar() {
  [[ -s "$ZIPKIN_JAR" ]] && return 0
  log "zipkin: fetching io.zipkin:zipkin-server:${ZIPKIN_VERSION} (exec jar) from Maven Central into $ZIPKIN_LIBS_DIR"
  local staging="$ZIPKIN_LIBS_DIR.partial.$$"
  rm -rf "$staging"
  if ! mvn -B -q -Dstyle.color=never dependency:copy \
    -Dartifact="io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec" -DoutputDirectory="$staging" >&2; then
    rm -rf "$staging"
    die "zipkin: mvn could not fetch the server's jar"
  fi
  # Swap in whole, so an interrupted fetch never leaves a half-written jar behind.
  rm -rf "$ZIPKIN_LIBS_DIR"
  mv "$staging" "$ZIPKIN_LIBS_DIR"
}

# zipkin_pid: print the pid from our pidfile if that process is a live Zipkin server.
zipkin_pid() {
  [[ -f "$ZIPKIN_PIDFILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$ZIPKIN_PIDFILE")"
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'zipkin-server' || return 1
  printf '%s\n' "$pid"
}

zipkin_answers() { port_open 127.0.0.1 "$ZIPKIN_PORT"; }
zipkin_ready() { curl -sf "$ZIPKIN_URL/health" >/dev/null 2>&1; }

cmd_up() {
  ensure_java_and_maven
  ensure_stack_dir

  if zipkin_pid >/dev/null; then
    if zipkin_answers; then
      log "zipkin: already running at $ZIPKIN_URL (nothing to do)"
      printf '%s\n' "$ZIPKIN_URL"
      return 0
    fi
    die "zipkin: our server (pid $(zipkin_pid)) is not answering at $ZIPKIN_URL; run '$0 down' first"
  fi
  if port_open 127.0.0.1 "$ZIPKIN_PORT"; then
    die "zipkin: port 127.0.0.1:$ZIPKIN_PORT is already in use by another process (set ZIPKIN_PORT)"
  fi

  ensure_zipkin_jar
  mkdir -p "$ZIPKIN_DIR"
  rm -f "$ZIPKIN_PIDFILE"
  : >"$ZIPKIN_LOG"

  log "zipkin: starting at $ZIPKIN_URL (in-memory storage, log: $ZIPKIN_LOG)"
  # setsid: the server outlives this script; `down` stops it by its pid. C1 only and the serial
  # collector: a test server starts sooner and needs no peak throughput.
  STORAGE_TYPE=mem MEM_MAX_SPANS="$ZIPKIN_MAX_SPANS" setsid nohup java -Xmx"$ZIPKIN_HEAP" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Djava.awt.headless=true -Djava.io.tmpdir="$ZIPKIN_DIR" -jar "$ZIPKIN_JAR" \
    "--armeria.ports[0].port=${ZIPKIN_PORT}" "--armeria.ports[0].ip=127.0.0.1" \
    "--armeria.ports[0].protocols[0]=http" --armeria.graceful-shutdown-quiet-period-millis=0 \
    --armeria.graceful-shutdown-timeout-millis=1000 >>"$ZIPKIN_LOG" 2>&1 </dev/null &
  echo $! >"$ZIPKIN_PIDFILE"

  if ! wait_until "$ZIPKIN_START_TIMEOUT" zipkin_ready; then
    show_log_tail "$ZIPKIN_LOG"
    local pid
    if pid="$(zipkin_pid)"; then kill -KILL "$pid" 2>/dev/null || true; fi
    die "zipkin: not ready at $ZIPKIN_URL within ${ZIPKIN_START_TIMEOUT}s"
  fi
  log "zipkin: ready at $ZIPKIN_URL"
  printf '%s\n' "$ZIPKIN_URL"
}

cmd_down() {
  local pid=""
  pid="$(zipkin_pid)" || pid=""
  if [[ -z "$pid" ]]; then
    log "zipkin: not running"
  else
    log "zipkin: stopping (pid $pid)"
    terminate_pid zipkin "$pid" || die "zipkin: could not stop pid $pid"
    log "zipkin: stopped"
  fi
  rm -f "$ZIPKIN_PIDFILE"
  rm -rf "$ZIPKIN_DIR"
}

cmd_status() {
  local pid=""
  pid="$(zipkin_pid)" || pid=""
  if zipkin_answers; then
    if [[ -n "$pid" ]]; then
      printf 'zipkin: running at %s, pid %s\n' "$ZIPKIN_URL" "$pid"
    else
      printf 'zipkin: a server not started by this script answers at %s\n' "$ZIPKIN_URL"
    fi
    return 0
  elif [[ -n "$pid" ]]; then
    printf 'zipkin: pid %s alive but not answering at %s\n' "$pid" "$ZIPKIN_URL"
    return 1
  fi
  printf 'zipkin: stopped\n'
  return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) stack_usage "$0" ;;
esac
