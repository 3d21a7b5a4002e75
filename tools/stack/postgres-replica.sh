#!/usr/bin/env bash
# A streaming read replica of the throwaway PostgreSQL server (postgres.sh must be up):
# pg_basebackup of the primary, then a hot standby on 127.0.0.1 that replays its WAL.
# The platform reads browse and search queries from it when DATABASE_READ_URL names it.
#
#   tools/stack/postgres-replica.sh up|down|status
#
# Env: PG_REPLICA_PORT (default 55433) and postgres.sh's (STACK_DIR, PG_PORT, PG_BIN, …).
set -euo pipefail

# shellcheck source=tools/stack/postgres.sh
. "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

PG_PRIMARY_PORT="$PG_PORT"
PG_REPLICA_PORT="${PG_REPLICA_PORT:-55433}"
PG_REPLICA_DATA="$STACK_DIR/pg-replica"
PG_REPLICA_LOG="$STACK_DIR/pg-replica.log"
PG_REPLICA_URL="postgres://postgres@127.0.0.1:${PG_REPLICA_PORT}/postgres"

replica_running() {
  [[ -n "${PG_BIN:-}" && -f "$PG_REPLICA_DATA/PG_VERSION" ]] || return 1
  pg_run "$PG_BIN/pg_ctl" status -D "$PG_REPLICA_DATA" >/dev/null 2>&1
}

replica_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_REPLICA_PORT" -U postgres -d postgres -t 2
}

cmd_replica_up() {
  PG_BIN="$(find_pg_bin)" || die "postgres-replica: PostgreSQL is not installed; run postgres.sh up first"
  PG_PORT="$PG_PRIMARY_PORT"
  pg_ready || die "postgres-replica: no primary on 127.0.0.1:$PG_PRIMARY_PORT; run postgres.sh up first"
  if replica_running; then
    replica_ready || die "postgres-replica: running from $PG_REPLICA_DATA but not accepting connections"
    log "postgres-replica: already running on 127.0.0.1:$PG_REPLICA_PORT (nothing to do)"
    printf '%s\n' "$PG_REPLICA_URL"
    return 0
  fi
  if port_open 127.0.0.1 "$PG_REPLICA_PORT"; then
    die "postgres-replica: port 127.0.0.1:$PG_REPLICA_PORT is already in use (set PG_REPLICA_PORT)"
  fi

  rm -rf "$PG_REPLICA_DATA"
  mkdir -p "$PG_REPLICA_DATA"
  chown "$PG_RUN_USER:" "$PG_REPLICA_DATA"
  chmod 700 "$PG_REPLICA_DATA"
  : >"$PG_REPLICA_LOG"
  chown "$PG_RUN_USER:" "$PG_REPLICA_LOG"
  log "postgres-replica: copying the primary (pg_basebackup) into $PG_REPLICA_DATA"
  # -R writes standby.signal and primary_conninfo: the copy starts as a standby streaming WAL.
  if ! pg_run "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres \
    -D "$PG_REPLICA_DATA" -X stream -R --checkpoint=fast >>"$PG_REPLICA_LOG" 2>&1; then
    show_log_tail "$PG_REPLICA_LOG"
    die "postgres-replica: pg_basebackup failed"
  fi
  # The copied postgresql.conf names the primary's port; the last setting wins.
  cat >>"$PG_REPLICA_DATA/postgresql.conf" <<CONF

# ---- tools/stack/postgres-replica.sh (hot standby of the test server) ----
port = $PG_REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
CONF

  log "postgres-replica: starting on 127.0.0.1:$PG_REPLICA_PORT (log: $PG_REPLICA_LOG)"
  if ! pg_run "$PG_BIN/pg_ctl" start -D "$PG_REPLICA_DATA" -l "$PG_REPLICA_LOG" -w -t "$PG_START_TIMEOUT" \
    >/dev/null 2>>"$PG_REPLICA_LOG"; then
    show_log_tail "$PG_REPLICA_LOG"
    pg_run "$PG_BIN/pg_ctl" stop -D "$PG_REPLICA_DATA" -m immediate >/dev/null 2>&1 || true
    die "postgres-replica: failed to start"
  fi
  wait_until "$PG_START_TIMEOUT" replica_ready || {
    show_log_tail "$PG_REPLICA_LOG"
    die "postgres-replica: not accepting connections within ${PG_START_TIMEOUT}s"
  }
  log "postgres-replica: streaming from 127.0.0.1:$PG_PRIMARY_PORT, ready at $PG_REPLICA_URL"
  printf '%s\n' "$PG_REPLICA_URL"
}

cmd_replica_down() {
  PG_BIN="$(find_pg_bin)" || PG_BIN=""
  if replica_running; then
    log "postgres-replica: stopping (fast)"
    pg_run "$PG_BIN/pg_ctl" stop -D "$PG_REPLICA_DATA" -m fast -w -t 60 >/dev/null 2>>"$PG_REPLICA_LOG" ||
      pg_run "$PG_BIN/pg_ctl" stop -D "$PG_REPLICA_DATA" -m immediate -w -t 30 >/dev/null 2>>"$PG_REPLICA_LOG" ||
      die "postgres-replica: could not stop the server (data dir $PG_REPLICA_DATA)"
    log "postgres-replica: stopped"
  else
    log "postgres-replica: not running"
  fi
  if [[ "${STACK_KEEP_DATA:-0}" != 1 && -d "$PG_REPLICA_DATA" ]]; then
    rm -rf "$PG_REPLICA_DATA"
  fi
}

cmd_replica_status() {
  PG_BIN="$(find_pg_bin)" || PG_BIN=""
  if replica_running && replica_ready; then
    printf 'postgres-replica: running on 127.0.0.1:%s (%s)\n' "$PG_REPLICA_PORT" "$PG_REPLICA_URL"
    return 0
  elif replica_running; then
    printf 'postgres-replica: running from %s but not accepting connections\n' "$PG_REPLICA_DATA"
    return 1
  fi
  printf 'postgres-replica: stopped\n'
  return 3
}

case "${1:-}" in
  up) cmd_replica_up ;;
  down) cmd_replica_down ;;
  status) cmd_replica_status ;;
  *) stack_usage "$0" ;;
esac
