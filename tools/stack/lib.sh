# shellcheck shell=bash
# Shared helpers for tools/stack/*.sh. Source it, don't execute it:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Conventions:
#   - all diagnostics go to stderr with a "[stack]" prefix, so stdout stays
#     clean for machine-readable output (e.g. the URL printed by `up`);
#   - everything lives under $STACK_DIR (default /tmp/ticketing-stack).

if [[ -n "${_STACK_LIB_LOADED:-}" ]]; then
  return 0
fi
_STACK_LIB_LOADED=1

STACK_DIR="${STACK_DIR:-/tmp/ticketing-stack}"
STACK_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[stack] %s\n' "$*" >&2; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[stack] ERROR: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command with root privileges (directly when root, else via sudo).
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# ensure_stack_dir: create $STACK_DIR (world-traversable, so a dedicated
# service user such as ticketing-pg can reach its own sub-directory).
ensure_stack_dir() {
  mkdir -p "$STACK_DIR"
  chmod 755 "$STACK_DIR" 2>/dev/null || true
}

# apt_pkg_installed PKG: true when dpkg reports PKG as installed.
apt_pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# _apt_install PKG...: one `apt-get install` attempt (output to stderr).
_apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "$@" >&2
}

# ensure_apt_pkg PKG...: install the given Debian packages if missing.
# Runs `apt-get update` only if the first install attempt fails (e.g. empty
# package lists on a fresh CI image). Package maintainer scripts are stopped
# from auto-starting system services (we start our own processes) by a
# temporary /usr/sbin/policy-rc.d, unless one already exists.
ensure_apt_pkg() {
  local missing=() pkg
  for pkg in "$@"; do
    apt_pkg_installed "$pkg" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  command -v apt-get >/dev/null 2>&1 ||
    die "missing packages (${missing[*]}) and apt-get is not available; install them manually"

  log "installing with apt-get: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d created_policy=0 rc=0
  if [[ ! -e "$policy" ]]; then
    if as_root sh -c "printf '#!/bin/sh\n# temporary, created by tools/stack (do not start services)\nexit 101\n' > '$policy' && chmod 755 '$policy'"; then
      created_policy=1
    fi
  fi

  _apt_install "${missing[@]}" || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "apt-get install failed (exit $rc); running apt-get update and retrying"
    rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update >&2 || rc=$?
    [[ $rc -eq 0 ]] && { _apt_install "${missing[@]}" || rc=$?; }
  fi

  if [[ $created_policy -eq 1 ]]; then
    as_root rm -f "$policy" || true
  fi
  [[ $rc -eq 0 ]] || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# wait_until TIMEOUT_SECS CMD...: re-run CMD every 0.2s until it succeeds.
# Returns 1 if it still fails after TIMEOUT_SECS.
wait_until() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.2
  done
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  local host=$1 port=$2
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
  else
    bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
  fi
}

# wait_for_port HOST PORT [TIMEOUT_SECS=60]
wait_for_port() {
  wait_until "${3:-60}" port_open "$1" "$2"
}

# pid_alive PID: true when PID is a running (non-zombie) process.
pid_alive() {
  local pid=$1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local state
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [[ "$state" != "Z" ]]
}

pid_gone() { ! pid_alive "$1"; }

# terminate_pid NAME PID [GRACE_SECS=30]: SIGTERM, and SIGKILL once the grace period is over;
# false when the process outlives both.
terminate_pid() {
  local name=$1 pid=$2 grace=${3:-30}
  kill -TERM "$pid" 2>/dev/null || true
  wait_until "$grace" pid_gone "$pid" && return 0
  warn "$name: pid $pid still alive after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_until 5 pid_gone "$pid"
}

# show_log_tail FILE [LINES=50]: dump the end of a log file to stderr.
show_log_tail() {
  local file=$1 lines=${2:-50}
  if [[ -s "$file" ]]; then
    log "---- last $lines lines of $file ----"
    tail -n "$lines" "$file" | sed 's/^/[stack]   /' >&2
    log "---- end of $file ----"
  else
    log "(log file $file is empty or missing)"
  fi
}

# stack_usage NAME: standard usage message for component scripts.
stack_usage() {
  printf 'usage: %s up|down|status\n' "$1" >&2
  exit 2
}
