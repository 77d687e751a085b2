#!/usr/bin/env bash
# Runs Onboard for KubeSphere. Installs what is missing, builds the UI and the app, opens the window.
#   bash scripts/run.sh                     the app, on your kubeconfigs (KUBECONFIG or ~/.kube/config)
#   bash scripts/run.sh --kubeconfig FILE   the app, on the given kubeconfig file(s) (repeatable)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

ensure_system_packages
ensure_toolchain
ensure_npm_deps "$ROOT/ui"
build_app

app="$CARGO_TARGET_DIR/release/ks-onboard"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  log "no display found: running the window on a virtual screen (xvfb-run)"
  exec xvfb-run -a "$app" "$@"
fi
exec "$app" "$@"
