#!/usr/bin/env bash
# Runs every test of Onboard for KubeSphere: formatting, lints, licences, Rust unit and
# integration tests, a fuzzing smoke run, the UI's type check and unit tests, the installers
# (built, installed and started), the end-to-end suite in the real window, the app's
# network isolation, and the proof that no secret reaches an output, the page or a file.
# Installs what is missing first. Stops at the first failure.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

started=$SECONDS
step() { log "$1"; shift; local t=$SECONDS; "$@" || die "step failed: $*"; echo "    ($((SECONDS - t)) s)"; }

ensure_system_packages
ensure_toolchain
ensure_cargo_tool tauri-driver tauri-driver
ensure_cargo_tool cargo-deny cargo-deny
ensure_cargo_tool cargo-nextest cargo-nextest
ensure_cargo_tool cargo-fuzz cargo-fuzz
ensure_npm_deps "$ROOT/ui"
ensure_npm_deps "$ROOT/tests/e2e"

step "rustfmt" cargo fmt --all --check
step "UI type check and build" npm --prefix ui run --silent build
step "UI unit tests (vitest)" npm --prefix ui test --silent
step "cargo deny (licences, bans, sources; advisories need the internet)" \
  cargo deny --log-level error check licenses bans sources
step "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
# Inside a private D-Bus session with gnome-keyring: the vault's tests use the real keyring.
step "Rust tests (nextest, real OS keyring)" \
  scripts/lib/keyring-session.sh cargo nextest run --workspace --locked --no-fail-fast
# Its own target directory (and corpus) under /var/cache/ks-onboard; longer: scripts/fuzz.sh 600.
step "fuzz smoke (cargo fuzz, 4 targets × 20 s)" scripts/fuzz.sh 20
step "installers (.deb, .rpm)" build_app deb,rpm
step "installed .deb starts (dpkg -i, window under Xvfb, dpkg -r)" timeout 300 scripts/test-installed-deb.sh
step "installer size budget" scripts/check-bundle-size.sh
step "end-to-end, real window (xvfb + tauri-driver)" \
  timeout 600 scripts/lib/keyring-session.sh \
    xvfb-run -a --server-args="-screen 0 1280x860x24" npm --prefix tests/e2e test
step "network: only the chosen clusters (join spec under strace, loopback-only netns)" \
  timeout 600 scripts/test-network-isolation.sh
step "secrets: canaries through the CLI and the window, every output and written file scanned" \
  timeout 600 scripts/test-secret-leaks.sh

log "all tests passed in $((SECONDS - started)) s"
