#!/usr/bin/env bash
# Throwaway Redis server for tests, on 127.0.0.1 only, no persistence.
#
#   tools/stack/redis.sh up|down|status
#
# Env: STACK_DIR (default /tmp/ticketing-stack), REDIS_PORT (default 56379),
#      REDIS_START_TIMEOUT (seconds, default 30),
#      STACK_KEEP_DATA=1 (keep the working dir after `down`).
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_PORT="${REDIS_PORT:-56379}"
REDIS_DIR="$STACK_DIR/redis"
REDIS_PIDFILE="$STACK_DIR/redis.pid"
REDIS_LOG="$STACK_DIR/redis.log"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
REDIS_URL="redis://127.0.0.1:${REDIS_PORT}"

ensure_redis_installed() {
  command -v redis-server >/dev/null 2>&1 || ensure_apt_pkg redis-server
  command -v redis-cli >/dev/null 2>&1 || ensure_apt_pkg redis-tools
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found after installing"
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found after installing"
}

redis_cli() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

redis_ping() {
  command -v redis-cli >/dev/null 2>&1 || return 1
  [[ "$(redis_cli ping 2>/dev/null)" == "PONG" ]]
}

redis_silent() { ! redis_ping; }

# redis_pid: print the pid from our pidfile if that process is a live redis-server.
redis_pid() {
  [[ -f "$REDIS_PIDFILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$REDIS_PIDFILE")"
  pid_alive "$pid" || return 1
  grep -q '^redis-server' "/proc/$pid/comm" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

cmd_up() {
  ensure_redis_installed
  ensure_stack_dir

  if redis_pid >/dev/null; then
    if redis_ping; then
      log "redis: already running on 127.0.0.1:$REDIS_PORT (nothing to do)"
      printf '%s\n' "$REDIS_URL"
      return 0
    fi
    die "redis: our redis-server (pid $(redis_pid)) is not answering on 127.0.0.1:$REDIS_PORT; run '$0 down' first"
  fi
  if port_open 127.0.0.1 "$REDIS_PORT"; then
    die "redis: port 127.0.0.1:$REDIS_PORT is already in use by another process (set REDIS_PORT to use another port)"
  fi

  rm -rf "$REDIS_DIR"
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PIDFILE"
  : >"$REDIS_LOG"

  log "redis: starting on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOG)"
  if ! redis-server \
    --bind 127.0.0.1 \
    --port "$REDIS_PORT" \
    --protected-mode yes \
    --dir "$REDIS_DIR" \
    --daemonize yes \
    --pidfile "$REDIS_PIDFILE" \
    --logfile "$REDIS_LOG" \
    --save "" \
    --appendonly no >>"$REDIS_LOG" 2>&1; then
    show_log_tail "$REDIS_LOG"
    die "redis: redis-server failed to start"
  fi

  if ! wait_until "$REDIS_START_TIMEOUT" redis_ping; then
    show_log_tail "$REDIS_LOG"
    local pid
    if pid="$(redis_pid)"; then kill "$pid" 2>/dev/null || true; fi
    die "redis: no PONG from 127.0.0.1:$REDIS_PORT within ${REDIS_START_TIMEOUT}s"
  fi
  log "redis: ready at $REDIS_URL"
  printf '%s\n' "$REDIS_URL"
}

cmd_down() {
  local pid=""
  pid="$(redis_pid)" || pid=""

  if [[ -z "$pid" ]] && ! redis_ping; then
    log "redis: not running"
  else
    log "redis: stopping"
    if redis_ping; then
      redis_cli shutdown nosave >/dev/null 2>&1 || true
    fi
    if [[ -n "$pid" ]]; then
      if ! wait_until 10 pid_gone "$pid"; then
        warn "redis: pid $pid still alive after SHUTDOWN; sending SIGTERM"
        terminate_pid redis "$pid" 10 || die "redis: could not stop pid $pid"
      fi
    else
      log "redis: no pidfile; asked the server on 127.0.0.1:$REDIS_PORT to shut down"
      wait_until 10 redis_silent || die "redis: server on 127.0.0.1:$REDIS_PORT did not shut down"
    fi
    log "redis: stopped"
  fi
  rm -f "$REDIS_PIDFILE"
  if [[ "${STACK_KEEP_DATA:-0}" != 1 && -d "$REDIS_DIR" ]]; then
    rm -rf "$REDIS_DIR"
  fi
}

cmd_status() {
  local pid=""
  pid="$(redis_pid)" || pid=""
  if redis_ping; then
    if [[ -n "$pid" ]]; then
      printf 'redis: running on 127.0.0.1:%s, pid %s (%s)\n' "$REDIS_PORT" "$pid" "$REDIS_URL"
    else
      printf 'redis: a redis not started by this script answers on 127.0.0.1:%s\n' "$REDIS_PORT"
    fi
    return 0
  elif [[ -n "$pid" ]]; then
    printf 'redis: pid %s alive but not answering on 127.0.0.1:%s\n' "$pid" "$REDIS_PORT"
    return 1
  fi
  printf 'redis: stopped\n'
  return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) stack_usage "$0" ;;
esac
