#!/usr/bin/env bash
# Runs Onboard for KubeSphere. Installs what is missing, builds the UI and the app, opens the window.
#   bash scripts/run.sh                     on the built-in sandbox: simulated KubeSphere host and
#                                           member clusters inside the app, no cluster needed
#   bash scripts/run.sh --scenario NAME     the sandbox in another scenario (ks-onboard-cli sandbox scenarios)
#   bash scripts/run.sh --own               on your kubeconfigs (KUBECONFIG or ~/.kube/config)
#   bash scripts/run.sh --kubeconfig FILE   on the given kubeconfig file(s) (repeatable)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

own=false
scenario=healthy
app_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --own) own=true ;;
    --scenario) scenario=${2:?--scenario needs a name}; shift ;;
    --kubeconfig) own=true; app_args+=("$1" "${2:?--kubeconfig needs a file}"); shift ;;
    *) app_args+=("$1") ;;
  esac
  shift
done
$own || app_args=(--sandbox "$scenario" "${app_args[@]}")

ensure_system_packages
ensure_toolchain
ensure_npm_deps "$ROOT/ui"
build_app

app="$CARGO_TARGET_DIR/release/ks-onboard"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  log "no display found: running the window on a virtual screen (xvfb-run)"
  exec xvfb-run -a "$app" "${app_args[@]}"
fi
exec "$app" "${app_args[@]}"
