#!/usr/bin/env bash
# Rebuilds the app and saves a screenshot of every stage, in English and Chinese, to docs/screenshots/.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
prepare_window_run
xvfb-run -a --server-args="-screen 0 1280x860x24" npm --prefix "$ROOT/tests/e2e" run --silent screenshots
