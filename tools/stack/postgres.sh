#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests, the distributed mode and the benchmark, on 127.0.0.1 only.
#
#   tools/stack/postgres.sh up|down|status
#
# Env: STACK_DIR (default /tmp/ticketing-stack), PG_PORT (default 55432),
#      PG_BIN (override the bin dir; default: newest /usr/lib/postgresql/*/bin),
#      PG_SOCKET_DIR (default /tmp), PG_START_TIMEOUT (seconds, default 60),
#      PG_DURABILITY=on|off (default on: PostgreSQL's own fsync, synchronous_commit and
#      full_page_writes; off turns the three off, for the test suite's speed only: a crash can
#      then lose committed transactions or corrupt the data directory),
#      PG_PRELOAD_LIBRARIES (shared_preload_libraries, e.g. pg_stat_statements; default none),
#      STACK_KEEP_DATA=1 (keep the data dir after `down`).
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${PG_PORT:-55432}"
PG_DATA="$STACK_DIR/pg"
PG_LOG="$STACK_DIR/pg.log"
PG_INITDB_LOG="$STACK_DIR/pg-initdb.log"
PG_SOCKET_DIR="${PG_SOCKET_DIR:-/tmp}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-60}"
PG_SERVICE_USER=ticketing-pg
PG_DURABILITY="${PG_DURABILITY:-on}"
[[ "$PG_DURABILITY" == on || "$PG_DURABILITY" == off ]] ||
  die "PG_DURABILITY must be on or off (got '$PG_DURABILITY')"
PG_PRELOAD_LIBRARIES="${PG_PRELOAD_LIBRARIES:-}"
PG_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres"

# PostgreSQL refuses to run as root: as root we use a dedicated system user,
# otherwise the invoking user.
if is_root; then
  PG_RUN_USER="$PG_SERVICE_USER"
else
  PG_RUN_USER="$(id -un)"
fi

# find_pg_bin: newest /usr/lib/postgresql/<major>/bin with a server in it.
find_pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/postgres" ]] || die "PG_BIN=$PG_BIN does not contain a postgres binary"
    printf '%s\n' "$PG_BIN"
    return 0
  fi
  local d best=""
  while IFS= read -r d; do
    if [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
      best="$d"
    fi
  done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
  [[ -n "$best" ]] || return 1
  printf '%s\n' "$best"
}

ensure_pg_installed() {
  if ! PG_BIN="$(find_pg_bin)"; then
    ensure_apt_pkg postgresql
    PG_BIN="$(find_pg_bin)" || die "postgresql installed but no /usr/lib/postgresql/*/bin found"
  fi
  log "postgres: using $PG_BIN"

  # pg_trgm ships in the server package on Debian (postgresql-contrib is a
  # dependency-only package); make sure `CREATE EXTENSION pg_trgm` will work.
  local sharedir
  sharedir="$("$PG_BIN/pg_config" --sharedir 2>/dev/null || true)"
  if [[ -z "$sharedir" || ! -d "$sharedir" ]]; then
    sharedir="/usr/share/postgresql/$(basename "$(dirname "$PG_BIN")")"
  fi
  if [[ ! -f "$sharedir/extension/pg_trgm.control" ]]; then
    ensure_apt_pkg postgresql-contrib
    [[ -f "$sharedir/extension/pg_trgm.control" ]] ||
      die "pg_trgm is not available for $PG_BIN ($sharedir/extension/pg_trgm.control missing)"
  fi
}

ensure_run_user() {
  is_root || return 0
  if ! id -u "$PG_SERVICE_USER" >/dev/null 2>&1; then
    log "postgres: creating system user $PG_SERVICE_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$PG_SERVICE_USER"
  fi
}

# pg_run CMD...: run CMD as the postgres run user, from / (so the server
# never tries to access the caller's cwd, e.g. /root).
pg_run() {
  if [[ "$PG_RUN_USER" == "$(id -un)" ]]; then
    (cd / && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$PG_RUN_USER" -- "$@")
  else
    (cd / && su -s /bin/bash "$PG_RUN_USER" -c "$(printf '%q ' "$@")")
  fi
}

pg_running() {
  [[ -n "${PG_BIN:-}" && -f "$PG_DATA/PG_VERSION" ]] || return 1
  id -u "$PG_RUN_USER" >/dev/null 2>&1 || return 1
  pg_run "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2
}

pg_init_datadir() {
  rm -rf "$PG_DATA"
  mkdir -p "$PG_DATA"
  chown "$PG_RUN_USER:" "$PG_DATA"
  chmod 700 "$PG_DATA"
  pg_run test -w "$PG_DATA" ||
    die "user $PG_RUN_USER cannot write $PG_DATA (is every parent of STACK_DIR=$STACK_DIR traversable?)"
  : >"$PG_INITDB_LOG"
  : >"$PG_LOG"
  chown "$PG_RUN_USER:" "$PG_LOG" "$PG_INITDB_LOG"

  local common=(-D "$PG_DATA" --auth=trust -U postgres --encoding=UTF8)
  if ! pg_run "$PG_BIN/initdb" "${common[@]}" --locale=C.UTF-8 >>"$PG_INITDB_LOG" 2>&1; then
    log "postgres: initdb with --locale=C.UTF-8 failed; retrying with --no-locale"
    rm -rf "${PG_DATA:?}"/* "${PG_DATA:?}"/.[!.]* 2>/dev/null || true
    if ! pg_run "$PG_BIN/initdb" "${common[@]}" --no-locale >>"$PG_INITDB_LOG" 2>&1; then
      show_log_tail "$PG_INITDB_LOG"
      die "postgres: initdb failed"
    fi
  fi

  cat >>"$PG_DATA/postgresql.conf" <<CONF

# ---- tools/stack/postgres.sh ----
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 300
shared_buffers = 128MB
logging_collector = off
shared_preload_libraries = '$PG_PRELOAD_LIBRARIES'
CONF
  # Durable unless asked otherwise: what `stack.sh up` and the benchmark run must not lose a
  # confirmed order in a crash, nor flatter the figures. Only the test suite trades that for speed.
  if [[ "$PG_DURABILITY" == off ]]; then
    log "postgres: PG_DURABILITY=off: fsync, synchronous_commit and full_page_writes off (tests only)"
    cat >>"$PG_DATA/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
}

cmd_up() {
  ensure_pg_installed
  ensure_run_user
  ensure_stack_dir

  if pg_running; then
    if pg_ready; then
      log "postgres: already running on 127.0.0.1:$PG_PORT (nothing to do)"
      printf '%s\n' "$PG_URL"
      return 0
    fi
    die "postgres: a server is running from $PG_DATA but is not accepting connections on 127.0.0.1:$PG_PORT; run '$0 down' first"
  fi
  if port_open 127.0.0.1 "$PG_PORT"; then
    die "postgres: port 127.0.0.1:$PG_PORT is already in use by another process (set PG_PORT to use another port)"
  fi

  log "postgres: initialising fresh data dir $PG_DATA"
  pg_init_datadir

  log "postgres: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
  local start=$SECONDS
  if ! pg_run "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_START_TIMEOUT" >/dev/null 2>>"$PG_LOG"; then
    show_log_tail "$PG_LOG"
    pg_run "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate >/dev/null 2>&1 || true
    die "postgres: failed to start"
  fi
  local remaining=$((PG_START_TIMEOUT - (SECONDS - start)))
  ((remaining < 1)) && remaining=1
  if ! wait_until "$remaining" pg_ready; then
    show_log_tail "$PG_LOG"
    pg_run "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate >/dev/null 2>&1 || true
    die "postgres: pg_isready did not succeed within ${PG_START_TIMEOUT}s"
  fi
  log "postgres: ready at $PG_URL"
  printf '%s\n' "$PG_URL"
}

cmd_down() {
  PG_BIN="$(find_pg_bin)" || PG_BIN=""
  if pg_running; then
    log "postgres: stopping (fast)"
    if ! pg_run "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null 2>>"$PG_LOG"; then
      warn "postgres: fast shutdown failed; trying immediate"
      pg_run "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 >/dev/null 2>>"$PG_LOG" ||
        die "postgres: could not stop the server (data dir $PG_DATA)"
    fi
    log "postgres: stopped"
  else
    log "postgres: not running"
  fi
  if [[ "${STACK_KEEP_DATA:-0}" != 1 && -d "$PG_DATA" ]]; then
    rm -rf "$PG_DATA"
  fi
}

cmd_status() {
  PG_BIN="$(find_pg_bin)" || PG_BIN=""
  if pg_running && pg_ready; then
    printf 'postgres: running on 127.0.0.1:%s (%s)\n' "$PG_PORT" "$PG_URL"
    return 0
  elif pg_running; then
    printf 'postgres: running from %s but not accepting connections on 127.0.0.1:%s\n' "$PG_DATA" "$PG_PORT"
    return 1
  fi
  printf 'postgres: stopped\n'
  return 3
}

# Sourced (by postgres-replica.sh) it only defines the functions above.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) stack_usage "$0" ;;
  esac
fi
