#!/usr/bin/env bash
# Throwaway single-node Apache Kafka 4 (KRaft: broker and controller in one JVM, no
# ZooKeeper) for tests, on 127.0.0.1 only. The broker's jars come from Maven Central
# through mvn (tools/stack/kafka/pom.xml) and are cached, so only the first `up` fetches.
#
#   tools/stack/kafka.sh up|down|status
#
# Env: STACK_DIR (default /tmp/ticketing-stack), KAFKA_PORT (default 9092),
#      KAFKA_CONTROLLER_PORT (default 9093), KAFKA_LIBS_DIR (jar cache, default
#      $STACK_DIR/kafka-libs; kept by `down`), KAFKA_HEAP (default 512m),
#      KAFKA_START_TIMEOUT (seconds, default 90),
#      STACK_KEEP_DATA=1 (`down` keeps the log dirs and `up` reuses them: a restart
#      that keeps topics, messages and committed offsets).
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIBS_DIR="${KAFKA_LIBS_DIR:-$STACK_DIR/kafka-libs}"
KAFKA_PIDFILE="$STACK_DIR/kafka.pid"
KAFKA_LOG="$STACK_DIR/kafka.log"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_POM="$STACK_SCRIPTS_DIR/kafka/pom.xml"
KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT}"

java_major() {
  java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

ensure_java_and_maven() {
  if ! command -v java >/dev/null 2>&1 || [[ "$(java_major)" -lt 17 ]]; then
    ensure_apt_pkg openjdk-17-jre-headless
  fi
  command -v mvn >/dev/null 2>&1 || ensure_apt_pkg maven
  command -v java >/dev/null 2>&1 || die "kafka: java not found after installing"
  [[ "$(java_major)" -ge 17 ]] || die "kafka: needs Java 17 or newer (found $(java_major)); put it first on PATH"
  command -v mvn >/dev/null 2>&1 || die "kafka: mvn not found after installing"
}

# The cache is valid for exactly the pom it was fetched with.
pom_digest() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }

ensure_kafka_libs() {
  local stamp="$KAFKA_LIBS_DIR/.pom-sha256"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$(pom_digest)" ]] && compgen -G "$KAFKA_LIBS_DIR/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  log "kafka: fetching the broker's jars from Maven Central into $KAFKA_LIBS_DIR"
  local staging="$KAFKA_LIBS_DIR.partial.$$"
  rm -rf "$staging"
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$staging" >&2; then
    rm -rf "$staging"
    die "kafka: mvn could not fetch the broker's jars"
  fi
  pom_digest >"$staging/.pom-sha256"
  # Swap in whole, so an interrupted fetch never leaves a half-filled cache behind.
  rm -rf "$KAFKA_LIBS_DIR"
  mv "$staging" "$KAFKA_LIBS_DIR"
}

# kafka_pid: print the pid from our pidfile if that process is a live Kafka broker.
kafka_pid() {
  [[ -f "$KAFKA_PIDFILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$KAFKA_PIDFILE")"
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}

kafka_answers() { port_open 127.0.0.1 "$KAFKA_PORT"; }

# Ready means the broker listens and has finished its start (the port opens a little earlier).
kafka_ready() {
  kafka_answers && grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null
}

# A KRaft cluster id: base64url of 16 random bytes, like `StorageTool random-uuid`
# (which costs a JVM start); Kafka refuses ids starting with '-'.
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [[ "$id" != -* ]] && break
  done
  printf '%s\n' "$id"
}

write_server_properties() {
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by tools/stack/kafka.sh: one node, broker and controller, 127.0.0.1 only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${KAFKA_DIR}/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created by the platform at start; a typo must not create one silently.
auto.create.topics.enable=false
EOF
}

cmd_up() {
  ensure_java_and_maven
  ensure_stack_dir

  if kafka_pid >/dev/null; then
    if kafka_answers; then
      log "kafka: already running on $KAFKA_BROKERS (nothing to do)"
      printf '%s\n' "$KAFKA_BROKERS"
      return 0
    fi
    die "kafka: our broker (pid $(kafka_pid)) is not answering on $KAFKA_BROKERS; run '$0 down' first"
  fi
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open 127.0.0.1 "$port"; then
      die "kafka: port 127.0.0.1:$port is already in use by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
    fi
  done

  ensure_kafka_libs

  if [[ "${STACK_KEEP_DATA:-0}" != 1 ]]; then
    rm -rf "$KAFKA_DIR"
  fi
  mkdir -p "$KAFKA_DIR/data"
  rm -f "$KAFKA_PIDFILE"
  : >"$KAFKA_LOG"
  write_server_properties
  cp "$STACK_SCRIPTS_DIR/kafka/log4j2.properties" "$KAFKA_DIR/log4j2.properties"

  local classpath="$KAFKA_LIBS_DIR/*"
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    # A short-lived JVM: C1 only starts faster and is plenty for formatting.
    if ! java -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
      -cp "$classpath" kafka.tools.StorageTool format \
      -t "$(new_cluster_id)" -c "$KAFKA_DIR/server.properties" --ignore-formatted >>"$KAFKA_LOG" 2>&1; then
      show_log_tail "$KAFKA_LOG"
      die "kafka: formatting the storage failed"
    fi
  fi

  log "kafka: starting on $KAFKA_BROKERS (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, log: $KAFKA_LOG)"
  # setsid: the broker outlives this script and a Ctrl+C in the caller's terminal;
  # `down` stops it by its pid.
  # C1 only and the serial collector: a test broker starts seconds sooner and needs no peak throughput.
  setsid nohup java -Xmx"$KAFKA_HEAP" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$classpath" kafka.Kafka "$KAFKA_DIR/server.properties" >>"$KAFKA_LOG" 2>&1 </dev/null &
  echo $! >"$KAFKA_PIDFILE"

  if ! wait_until "$KAFKA_START_TIMEOUT" kafka_ready; then
    show_log_tail "$KAFKA_LOG"
    local pid
    if pid="$(kafka_pid)"; then kill -KILL "$pid" 2>/dev/null || true; fi
    die "kafka: not ready on $KAFKA_BROKERS within ${KAFKA_START_TIMEOUT}s"
  fi
  log "kafka: ready at $KAFKA_BROKERS"
  printf '%s\n' "$KAFKA_BROKERS"
}

cmd_down() {
  local pid=""
  pid="$(kafka_pid)" || pid=""
  if [[ -z "$pid" ]]; then
    log "kafka: not running"
  else
    log "kafka: stopping (pid $pid)"
    terminate_pid kafka "$pid" || die "kafka: could not stop pid $pid"
    log "kafka: stopped"
  fi
  rm -f "$KAFKA_PIDFILE"
  if [[ "${STACK_KEEP_DATA:-0}" != 1 && -d "$KAFKA_DIR" ]]; then
    rm -rf "$KAFKA_DIR"
  fi
}

cmd_status() {
  local pid=""
  pid="$(kafka_pid)" || pid=""
  if kafka_answers; then
    if [[ -n "$pid" ]]; then
      printf 'kafka: running on %s, pid %s\n' "$KAFKA_BROKERS" "$pid"
    else
      printf 'kafka: a broker not started by this script answers on %s\n' "$KAFKA_BROKERS"
    fi
    return 0
  elif [[ -n "$pid" ]]; then
    printf 'kafka: pid %s alive but not answering on %s\n' "$pid" "$KAFKA_BROKERS"
    return 1
  fi
  printf 'kafka: stopped\n'
  return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) stack_usage "$0" ;;
esac
