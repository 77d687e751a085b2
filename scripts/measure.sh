#!/usr/bin/env bash
# Measures cold start and idle memory of the release app (see docs/benchmarks.md for the method).
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
ensure_system_packages
ensure_toolchain
ensure_cargo_tool tauri-driver tauri-driver
ensure_npm_deps "$ROOT/ui"
ensure_npm_deps "$ROOT/tests/e2e"
build_app
xvfb-run -a --server-args="-screen 0 1280x860x24" node "$ROOT/tests/e2e/measure.mjs"
