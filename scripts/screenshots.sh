#!/usr/bin/env bash
# Rebuilds the app and saves a screenshot of every stage, in English and Chinese, to docs/screenshots/.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
ensure_system_packages
ensure_toolchain
ensure_cargo_tool tauri-driver tauri-driver
ensure_npm_deps "$ROOT/ui"
ensure_npm_deps "$ROOT/tests/e2e"
build_app
xvfb-run -a --server-args="-screen 0 1280x860x24" npm --prefix "$ROOT/tests/e2e" run --silent screenshots
