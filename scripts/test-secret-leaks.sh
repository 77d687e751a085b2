#!/usr/bin/env bash
# Secret-leak proof (issue 9): tests/e2e/leak/secret-leaks.test.mjs seeds canary secrets, runs
# the whole flow with the CLI and in the real window, and scans every output, IPC answer,
# page state, log and written file for them. This script gives it what the scan needs: a fresh
# HOME and XDG directories, and wrappers that run the app and the CLI under
# `strace -ff -e trace=<file writes>` so that every file any of their processes (GTK, WebKit's
# web and network processes included) opens for writing, creates or renames into place is
# known, wherever it is. Method and figures: docs/security.md.
# Needs the release app (tauri build) and the debug CLI.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

app="$CARGO_TARGET_DIR/release/ks-onboard"
cli="$CARGO_TARGET_DIR/debug/ks-onboard-cli"
[ -x "$app" ] || die "no app at $app: build it with 'npm exec --prefix ui -- tauri build'"
[ -x "$cli" ] || die "no debug ks-onboard-cli: run 'cargo build -p onboard-cli'"
for tool in strace xvfb-run node; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/test.sh, which installs it"
done

work=$(mktemp -d /tmp/ks-onboard-leaks.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/traces" "$work/home" "$work/fixtures/kube-cache"
calls=openat,open,creat,rename,renameat,renameat2,link,linkat
for name in app cli; do
  binary=$app
  [ "$name" = cli ] && binary=$cli
  cat >"$work/$name" <<WRAPPER
#!/bin/sh
exec strace -ff -qq --seccomp-bpf -e trace=$calls -o "$work/traces/$name.\$\$" "$binary" "\$@"
WRAPPER
  chmod +x "$work/$name"
done

cd "$ROOT/tests/e2e"
# kubectl (the spec's oracle) keeps its cache with the fixtures: it is not ours to scan.
HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache" KUBECACHEDIR="$work/fixtures/kube-cache" \
  LEAK_WORK="$work" LEAK_CLI="$work/cli" KS_ONBOARD_APP="$work/app" \
  "$ROOT/scripts/lib/keyring-session.sh" \
  xvfb-run -a --server-args="-screen 0 1280x860x24" node --test --test-concurrency=1 leak/secret-leaks.test.mjs \
  || die "secret-leak test failed (traces were in $work/traces; the app's output is tests/e2e/artifacts/tauri-driver.log)"
echo "secret leaks: none ($(cat "$work/summary.txt"))"
