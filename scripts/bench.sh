#!/usr/bin/env bash
# The benchmark suite (issue 9; not a test, not run by CI): measures every budget of DESIGN.md
# on this machine and rewrites docs/benchmarks.md from the figures.
#   - .deb and binary size            (tauri build --bundles deb)
#   - cold start, idle memory, Ready → UI   (tests/e2e/measure.mjs, real window under Xvfb)
#   - kubeconfig load + merge in process, 1k / 10k / 50k contexts  (benches/budgets.rs)
#   - the CLI against kubectl 1.32 on the same files, ratio          (scripts/bench-kubeconfig.sh)
#   - preflight and one-click apply at 0 / 100 ms injected latency  (benches/budgets.rs)
# Usage: scripts/bench.sh          RUNS=5 (window, preflight, apply), KUBECONFIG_RUNS=3
# Takes 20–40 minutes on 2 cores (the release builds, the 50k kubeconfig against kubectl).
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
prepare_window_run
build_app deb
ensure_cargo_tool tauri-driver tauri-driver
runs=${RUNS:-5}
kruns=${KUBECONFIG_RUNS:-3}
# Kept, so that a page can be written again from them (render-benchmarks.py DIR OUTPUT).
out="$CARGO_TARGET_DIR/bench-results"
rm -rf "$out" && mkdir -p "$out"
cd "$ROOT"

log "building the benchmark and the CLIs"
cargo bench -p onboard-core --bench budgets --no-run
cargo build -p onboard-cli                  # the window measurement's sandbox and `cluster add`
cargo build --release -p onboard-cli        # against kubectl
bench() {
  cargo bench -q -p onboard-core --bench budgets -- "$@" 2>>"$out/bench.log" \
    || { cat "$out/bench.log" >&2; die "benchmark '$*' failed"; }
}

log "sizes"
deb=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)
printf '{"deb": %s, "binary": %s, "cli": %s}\n' "$(stat -c %s "$deb")" \
  "$(stat -c %s "$CARGO_TARGET_DIR/release/ks-onboard")" "$(stat -c %s "$CARGO_TARGET_DIR/release/ks-onboard-cli")" >"$out/sizes.json"

log "window: cold start, idle memory, Ready → UI ($runs runs each)"
(cd tests/e2e && RUNS=$runs "$ROOT/scripts/lib/keyring-session.sh" \
  xvfb-run -a --server-args="-screen 0 1280x860x24" node measure.mjs) >"$out/window.json"

log "preflight and one-click apply at 0 and 100 ms ($runs runs each)"
for latency in 0 100; do
  bench preflight "$latency" "$runs" >>"$out/flows.jsonl"
  bench apply "$latency" "$runs" >>"$out/flows.jsonl"
done

log "kubeconfigs: in-process load at 1k / 10k / 50k, then the CLI against kubectl"
for n in 1000 10000 50000; do
  python3 scripts/gen-kubeconfig.py "$n" "$out/kubeconfig-$n.yaml"
  bench kubeconfig "$out/kubeconfig-$n.yaml" "$kruns" >>"$out/kubeconfig.jsonl"
  rm -f "$out/kubeconfig-$n.yaml"
done
SKIP_BUILD=1 RUNS=$kruns scripts/bench-kubeconfig.sh >"$out/kubectl.md"

log "writing docs/benchmarks.md"
python3 scripts/lib/render-benchmarks.py "$out" docs/benchmarks.md
echo "docs/benchmarks.md rewritten from $(ls "$out" | wc -l) result files"
