# Installs what building, running and testing ks-onboard needs, skipping what is present.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again and again.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Outside the clone, so a fresh clone (CI) reuses the previous build.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/ks-onboard/target}
export PATH="$HOME/.cargo/bin:$PATH"

SYSTEM_PACKAGES=(
  libwebkit2gtk-4.1-dev librsvg2-dev libssl-dev pkg-config file  # build the app
  xvfb xauth webkit2gtk-driver                                   # window without a screen, e2e
  libdbus-1-dev gnome-keyring dbus-x11                           # the OS keyring; a real one in tests
  imagemagick fonts-noto-cjk                                     # screenshots, Chinese text
  xdotool python3-gi gir1.2-gtk-3.0                              # e2e: drag files onto the window
  strace iproute2                                                # e2e: trace connect(), loopback-only netns
)

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

ensure_system_packages() {
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

ensure_toolchain() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
  command -v npm >/dev/null || die "npm not found: install Node.js 20 or newer"
  rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt
}

# npm ci only when package-lock.json changed since the last install.
ensure_npm_deps() {
  local dir=$1 stamp="$1/node_modules/.ks-onboard-lock"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then return 0; fi
  log "npm ci in ${dir#"$ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
  cp "$dir/package-lock.json" "$stamp"
}

ensure_cargo_tool() {
  local binary=$1 crate=$2
  command -v "$binary" >/dev/null && return 0
  log "cargo install $crate"
  cargo install "$crate" --locked --quiet || die "cargo install $crate failed"
}

# The release-like app binary, with the UI built into it (what `tauri build` makes).
# With an argument ("deb,rpm") it also makes those installers.
build_app() {
  local bundle=(--no-bundle)
  [ -n "${1:-}" ] && bundle=(--bundles "$1")
  log "building the app (tauri build ${bundle[*]})"
  (cd "$ROOT" && npm exec --prefix ui -- tauri build "${bundle[@]}" --ci) || die "tauri build failed"
}

# What scripts/fuzz.sh needs: cargo-fuzz (its -Z flags run on the stable compiler with
# RUSTC_BOOTSTRAP=1, which the script sets).
prepare_fuzz_run() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
  ensure_cargo_tool cargo-fuzz cargo-fuzz
}

# Everything a script that drives the real window needs: packages, tools, UI deps, the app.
prepare_window_run() {
  ensure_system_packages
  ensure_toolchain
  ensure_cargo_tool tauri-driver tauri-driver
  ensure_npm_deps "$ROOT/ui"
  ensure_npm_deps "$ROOT/tests/e2e"
  build_app
}
