#!/usr/bin/env bash
# The distributed mode on one machine: PostgreSQL, Redis and Kafka (postgres.sh, redis.sh,
# kafka.sh), then every service as its own process — two instances each of ticket and
# order, which the gateway and the other services balance over — with one log file per
# process under $STACK_DIR/services/.
#
#   tools/stack/stack.sh up [--replica] | down | status
#
# --replica also starts a streaming read replica (postgres-replica.sh) and points the services'
# DATABASE_READ_URL at it (browse and search reads; ADR 0024). It stays on until `down`.
#
# Env: STACK_DIR (default /tmp/ticketing-stack), the component scripts' variables
#      (PG_PORT, REDIS_PORT, KAFKA_PORT, …), STACK_SEED=0 (skip the demo data),
#      SERVICE_START_TIMEOUT (seconds per process, default 120),
#      STACK_ZIPKIN=1 (also start Zipkin, zipkin.sh, and send every service's traces there;
#      OTEL_EXPORTER_OTLP_* set by the caller reach the services as they are, see ADR 0023).
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO_ROOT="$(cd "$STACK_SCRIPTS_DIR/../.." && pwd)"
SERVICES_DIR="$STACK_DIR/services"
SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-120}"
COMPONENTS=(postgres redis kafka)

# Instances in start order (a service after those it calls, the gateway last): name:port.
INSTANCES=(
  user-1:8081
  ticket-1:8083
  ticket-2:8093
  event-1:8082
  payment-1:8085
  order-1:8084
  order-2:8094
  notification-1:8086
  gateway-1:8080
)

# The environment every service process gets: the stack's connection settings, one shared
# internal-token secret, and the instance lists the clients and the gateway balance over.
service_env() {
  # shellcheck source=tools/stack/env.sh
  . "$STACK_SCRIPTS_DIR/env.sh"
  export DATA_DIR="$SERVICES_DIR/data"
  if [[ -f "$SERVICES_DIR/replica" ]]; then
    export DATABASE_READ_URL="postgres://postgres@127.0.0.1:${PG_REPLICA_PORT:-55433}/postgres"
  fi
  if [[ -f "$SERVICES_DIR/zipkin" ]]; then export ZIPKIN_URL="$TEST_ZIPKIN_URL"; fi
  export INTERNAL_TOKEN_SECRET
  INTERNAL_TOKEN_SECRET="$(cat "$SERVICES_DIR/internal-token-secret")"
  local entry name port upper
  declare -A urls=()
  for entry in "${INSTANCES[@]}"; do
    name="${entry%%:*}"
    name="${name%-*}"
    port="${entry##*:}"
    urls[$name]="${urls[$name]:+${urls[$name]},}http://127.0.0.1:$port"
  done
  for name in "${!urls[@]}"; do
    upper="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')"
    export "${upper}_SERVICE_URL=${urls[$name]}"
  done
}

instance_pidfile() { printf '%s/%s.pid' "$SERVICES_DIR" "$1"; }
instance_log() { printf '%s/%s.log' "$SERVICES_DIR" "$1"; }

instance_pid() {
  local file pid
  file="$(instance_pidfile "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'ticketing\.js' || return 1
  printf '%s\n' "$pid"
}

instance_healthy() {
  local port=$1
  command -v curl >/dev/null 2>&1 || { port_open 127.0.0.1 "$port"; return; }
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/actuator/health" 2>/dev/null
}

start_instance() {
  local entry=$1 name service port upper log pid
  name="${entry%%:*}"
  service="${name%-*}"
  port="${entry##*:}"
  upper="$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')"
  log="$(instance_log "$name")"
  if pid="$(instance_pid "$name")"; then
    log "services: $name already running (pid $pid, port $port)"
    return 0
  fi
  port_open 127.0.0.1 "$port" && die "services: port 127.0.0.1:$port for $name is taken by another process"
  log "services: starting $name on 127.0.0.1:$port, /metrics on $((port + 10000)) (log: $log)"
  (
    cd "$REPO_ROOT"
    export "${upper}_PORT=$port"
    # /metrics of the instance (ADR 0030), 10000 above its service port.
    export "MANAGEMENT_PORT=$((port + 10000))"
    exec setsid nohup node bin/ticketing.js start --service "$service" >>"$log" 2>&1 </dev/null
  ) &
  echo $! >"$(instance_pidfile "$name")"
  if ! wait_until "$SERVICE_START_TIMEOUT" instance_healthy "$port"; then
    show_log_tail "$log" 30
    die "services: $name did not become healthy on 127.0.0.1:$port within ${SERVICE_START_TIMEOUT}s"
  fi
}

stop_instance() {
  local name=$1 pid
  pid="$(instance_pid "$name")" || {
    rm -f "$(instance_pidfile "$name")"
    return 0
  }
  log "services: stopping $name (pid $pid)"
  terminate_pid "services: $name" "$pid" 20 || true
  rm -f "$(instance_pidfile "$name")"
}

cmd_up() {
  local replica=0
  case "${1:-}" in
    "") ;;
    --replica) replica=1 ;;
    *) die "unknown option for up: $1 (only --replica)" ;;
  esac
  command -v node >/dev/null 2>&1 || die "node is not installed"
  ensure_stack_dir
  mkdir -p "$SERVICES_DIR/data"
  for component in "${COMPONENTS[@]}"; do "$STACK_SCRIPTS_DIR/$component.sh" up >/dev/null; done
  if ((replica)); then
    "$STACK_SCRIPTS_DIR/postgres-replica.sh" up >/dev/null
    : >"$SERVICES_DIR/replica"
  fi
  if [[ "${STACK_ZIPKIN:-0}" == 1 ]]; then
    "$STACK_SCRIPTS_DIR/zipkin.sh" up >/dev/null
    : >"$SERVICES_DIR/zipkin"
  fi
  if [[ ! -s "$SERVICES_DIR/internal-token-secret" ]]; then
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=' >"$SERVICES_DIR/internal-token-secret")
  fi
  log "services: compiling (tsc -b)"
  (cd "$REPO_ROOT" && npx tsc -b) >&2 || die "services: the build failed"
  service_env
  # Migrations once, before any instance, so two instances never race to create a schema.
  (cd "$REPO_ROOT" && node bin/ticketing.js migrate >>"$SERVICES_DIR/migrate.log" 2>&1) ||
    { show_log_tail "$SERVICES_DIR/migrate.log"; die "services: migrations failed"; }
  if [[ "${STACK_SEED:-1}" == 1 && ! -f "$SERVICES_DIR/data/seeded" ]]; then
    log "services: seeding the demo data (once)"
    (cd "$REPO_ROOT" && node bin/ticketing.js seed >>"$SERVICES_DIR/seed.log" 2>&1) ||
      { show_log_tail "$SERVICES_DIR/seed.log"; die "services: seeding failed"; }
  fi
  local entry
  for entry in "${INSTANCES[@]}"; do start_instance "$entry"; done
  log "services: all running; gateway at http://127.0.0.1:8080 (logs in $SERVICES_DIR)"
  printf 'http://127.0.0.1:8080\n'
}

cmd_down() {
  local i entry
  if [[ -d "$SERVICES_DIR" ]]; then
    for ((i = ${#INSTANCES[@]} - 1; i >= 0; i--)); do
      entry="${INSTANCES[i]}"
      stop_instance "${entry%%:*}"
    done
  fi
  "$STACK_SCRIPTS_DIR/postgres-replica.sh" down || warn "postgres-replica.sh down failed"
  rm -f "$SERVICES_DIR/replica"
  if [[ -f "$SERVICES_DIR/zipkin" ]]; then "$STACK_SCRIPTS_DIR/zipkin.sh" down || warn "zipkin.sh down failed"; fi
  rm -f "$SERVICES_DIR/zipkin"
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    "$STACK_SCRIPTS_DIR/${COMPONENTS[i]}.sh" down || warn "${COMPONENTS[i]}.sh down failed"
  done
  # The database is gone with postgres.sh down; so is what described its contents.
  if [[ "${STACK_KEEP_DATA:-0}" != 1 ]]; then rm -rf "$SERVICES_DIR/data" "$SERVICES_DIR/internal-token-secret"; fi
}

cmd_status() {
  local rc=0 entry name port pid
  for component in "${COMPONENTS[@]}"; do "$STACK_SCRIPTS_DIR/$component.sh" status || rc=1; done
  if [[ -f "$SERVICES_DIR/replica" ]]; then "$STACK_SCRIPTS_DIR/postgres-replica.sh" status || rc=1; fi
  if [[ -f "$SERVICES_DIR/zipkin" ]]; then "$STACK_SCRIPTS_DIR/zipkin.sh" status || rc=1; fi
  for entry in "${INSTANCES[@]}"; do
    name="${entry%%:*}"
    port="${entry##*:}"
    if pid="$(instance_pid "$name")"; then
      if instance_healthy "$port"; then
        printf '%s: running on 127.0.0.1:%s, pid %s\n' "$name" "$port" "$pid"
      else
        printf '%s: pid %s alive but not healthy on 127.0.0.1:%s\n' "$name" "$pid" "$port"
        rc=1
      fi
    else
      printf '%s: stopped\n' "$name"
      rc=3
    fi
  done
  return "$rc"
}

case "${1:-}" in
  up) cmd_up "${2:-}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) stack_usage "$0" ;;
esac
