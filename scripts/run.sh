#!/usr/bin/env bash
# Runs Onboard for KubeSphere. Installs what is missing, builds the UI and the app, opens the window.
#   bash scripts/run.sh                     on the built-in sandbox: a simulated host and member,
#                                           so the whole flow works with no cluster
#   bash scripts/run.sh --own               on your kubeconfigs (KUBECONFIG or ~/.kube/config)
#   bash scripts/run.sh --kubeconfig FILE   on the given kubeconfig file(s) (repeatable)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

own=false
app_args=()
for arg in "$@"; do
  case "$arg" in
    --own) own=true ;;
    --kubeconfig|--kubeconfig=*) own=true; app_args+=("$arg") ;;
    *) app_args+=("$arg") ;;
  esac
done

ensure_system_packages
ensure_toolchain
ensure_npm_deps "$ROOT/ui"
build_app

if ! $own; then
  log "starting the sandbox (ks-onboard-cli sandbox up)"
  (cd "$ROOT" && cargo build --quiet -p onboard-cli) || die "building ks-onboard-cli failed"
  sandbox_dir=$(mktemp -d "${TMPDIR:-/tmp}/ks-onboard-sandbox.XXXXXX")
  "$CARGO_TARGET_DIR/debug/ks-onboard-cli" sandbox up --dir "$sandbox_dir" > "$sandbox_dir/sandbox.log" 2>&1 &
  sandbox_pid=$!
  trap 'kill "$sandbox_pid" 2>/dev/null; wait "$sandbox_pid" 2>/dev/null; rm -rf "$sandbox_dir"' EXIT
  for _ in $(seq 300); do
    grep -q '^ready' "$sandbox_dir/sandbox.log" 2>/dev/null && break
    kill -0 "$sandbox_pid" 2>/dev/null || die "the sandbox stopped: $(cat "$sandbox_dir/sandbox.log")"
    sleep 0.1
  done
  grep -q '^ready' "$sandbox_dir/sandbox.log" || die "the sandbox did not get ready within 30 s"
  echo "    $(grep '^ready' "$sandbox_dir/sandbox.log")"
  app_args=(--kubeconfig "$sandbox_dir/host.kubeconfig" --kubeconfig "$sandbox_dir/member.kubeconfig" "${app_args[@]}")
fi

app="$CARGO_TARGET_DIR/release/ks-onboard"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  log "no display found: running the window on a virtual screen (xvfb-run)"
  xvfb-run -a "$app" "${app_args[@]}"
else
  "$app" "${app_args[@]}"
fi
