#!/usr/bin/env bash
# Entry point of `npm run test:full`: bring up the real backing services,
# run the full vitest suite against them, and always tear them down again.
#
#   tools/stack/test-full.sh [vitest args...]
#
# Exits with vitest's exit code (or the failing `up`'s code).
set -euo pipefail

STACK_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_SCRIPTS_DIR/../.." && pwd)"

# Components to bring up, in order; each is tools/stack/<name>.sh with the
# same `up|down|status` interface. They are torn down in reverse order.
# chromium only installs the browser the web app's end-to-end tests drive;
# postgres-replica streams from postgres (the read-replica tests); zipkin receives the tracing
# tests' spans (TEST_ZIPKIN_URL, from env.sh).
COMPONENTS="postgres postgres-replica redis kafka zipkin chromium"

log() { printf '[stack] %s\n' "$*" >&2; }

# The test servers may lose their data in a crash: nothing in them outlives the run, and
# without fsync the suite runs faster. What users start (stack.sh up) stays durable.
export PG_DURABILITY="${PG_DURABILITY:-off}"

# One full run at a time per machine: the servers use fixed ports, so a second run
# waits here instead of tearing down the first one's servers.
exec 9>"${STACK_LOCK:-/tmp/ticketing-stack.lock}"
if ! flock -n 9; then
  log "another test:full run holds the stack; waiting for it"
  flock 9
fi

STARTED=()

stack_teardown() {
  local rc=$?
  trap - EXIT
  set +e
  local i name
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    name="${STARTED[i]}"
    "$STACK_SCRIPTS_DIR/$name.sh" down || log "warning: '$name.sh down' failed"
  done
  exit "$rc"
}
trap stack_teardown EXIT
# Turn signals into a normal exit so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM

for name in $COMPONENTS; do
  [[ -x "$STACK_SCRIPTS_DIR/$name.sh" ]] || { log "no such component script: $STACK_SCRIPTS_DIR/$name.sh"; exit 1; }
  # Register before `up` so a half-started component is torn down too.
  STARTED+=("$name")
  "$STACK_SCRIPTS_DIR/$name.sh" up >/dev/null
done

# shellcheck source=tools/stack/env.sh
. "$STACK_SCRIPTS_DIR/env.sh"
export TEST_FULL=1
# The service tests keep the in-process bus (a platform started from this environment
# would otherwise pick Kafka up); the Kafka tests find the broker under this name.
export TEST_KAFKA_BROKERS="$KAFKA_BROKERS"
# The read-replica tests point DATABASE_READ_URL at it themselves; no other test reads there.
export TEST_DATABASE_READ_URL="postgres://postgres@127.0.0.1:${PG_REPLICA_PORT:-55433}/postgres"
unset KAFKA_BROKERS

cd "$REPO_ROOT"
log "running: npx vitest run $*"
rc=0
npx vitest run "$@" || rc=$?
log "tests finished with exit code $rc"

# Then, alone on the machine, the distributed mode as tools/stack/stack.sh runs it (a process
# per service, on its own ports) and its fault tests; skipped when vitest was given arguments.
if [[ $# -eq 0 && "${TEST_STACK:-1}" == 1 ]]; then
  log "running: TEST_STACK=1 npx vitest run tools/stack/test"
  stack_rc=0
  TEST_STACK=1 npx vitest run tools/stack/test || stack_rc=$?
  log "stack tests finished with exit code $stack_rc"
  ((rc == 0)) && rc=$stack_rc
fi
exit "$rc"
