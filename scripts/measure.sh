#!/usr/bin/env bash
# Measures cold start and idle memory of the release app (see docs/benchmarks.md for the method).
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
prepare_window_run
xvfb-run -a --server-args="-screen 0 1280x860x24" node "$ROOT/tests/e2e/measure.mjs"
