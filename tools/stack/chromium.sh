#!/usr/bin/env bash
# Debian's Chromium for the web app's browser tests (playwright-core drives it headless).
# Nothing runs between tests: each test file launches its own browser, so `up` only makes
# sure the package is installed and `down` has nothing to stop.
#
#   tools/stack/chromium.sh up|down|status
#
# Env: CHROMIUM_PATH (default /usr/bin/chromium; the tests read the same variable).
set -euo pipefail

# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

chromium_version() {
  # The Debian wrapper script prints a shell warning on some systems; keep only the version line.
  "$CHROMIUM_PATH" --version 2>/dev/null | grep -m1 -i 'chromium' || true
}

cmd_up() {
  if [[ ! -x "$CHROMIUM_PATH" ]]; then
    [[ "$CHROMIUM_PATH" == /usr/bin/chromium ]] || die "chromium: $CHROMIUM_PATH is not an executable"
    ensure_apt_pkg chromium
    [[ -x "$CHROMIUM_PATH" ]] || die "chromium: $CHROMIUM_PATH not found after installing the chromium package"
  fi
  log "chromium: ready at $CHROMIUM_PATH ($(chromium_version))"
  printf '%s\n' "$CHROMIUM_PATH"
}

cmd_down() {
  # Browsers belong to the test files that launched them and close with them.
  log "chromium: nothing to stop"
}

cmd_status() {
  if [[ -x "$CHROMIUM_PATH" ]]; then
    printf 'chromium: installed at %s (%s)\n' "$CHROMIUM_PATH" "$(chromium_version)"
    return 0
  fi
  printf 'chromium: not installed (%s missing)\n' "$CHROMIUM_PATH"
  return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) stack_usage "$0" ;;
esac
