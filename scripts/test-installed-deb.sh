#!/usr/bin/env bash
# The .deb as a user gets it: installs the freshly built package with dpkg, checks that it puts
# the binary and the menu entry where a desktop finds them, starts the *installed* copy under
# Xvfb until its window appears (a missing library or a broken bundle shows here, not in the
# target-dir binary the other tests run), screenshots it, then removes the package again.
#   UPDATE_SCREENSHOTS=1   keep the screenshot as docs/screenshots/installed-deb.png
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

deb=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || die "no .deb under $CARGO_TARGET_DIR/release/bundle/deb: build it with 'tauri build --bundles deb'"
rpm=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm 2>/dev/null | head -1 || true)
package=$(dpkg-deb -f "$deb" Package)
title=$(sed -n 's/^ *"title": "\(.*\)",\?$/\1/p' "$ROOT/tauri.conf.json" | head -1)  # the window's title
[ -n "$title" ] || die "no window title in tauri.conf.json"
[ "$(id -u)" -eq 0 ] && sudo="" || sudo="sudo"

work=$(mktemp -d)
was_installed=false
dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && was_installed=true
cleanup() {
  local rc=$?
  # Leave the machine as it was: a package we installed goes again, even half-installed.
  local state
  state=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if ! $was_installed && [ -n "$state" ] && [ "$state" != not-installed ]; then
    $sudo dpkg -r "$package" >/dev/null || echo "error: dpkg -r $package failed" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
$was_installed && echo "note: $package was installed before this test; it stays installed (now this build)"

log "dpkg -i $(basename "$deb")"
if ! $sudo dpkg -i "$deb"; then
  # dpkg does not fetch dependencies; apt completes (or undoes) the half-installed package.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -f -y -qq --no-install-recommends \
    || die "dpkg -i $deb failed and apt-get install -f could not satisfy its dependencies"
fi
dpkg-query -W -f='${Status}' "$package" | grep -q "install ok installed" || die "$package is not installed after dpkg -i"

files=$(dpkg -L "$package")
grep -qx /usr/bin/ks-onboard <<<"$files" || die "dpkg -L $package does not list /usr/bin/ks-onboard"
desktop=$(grep -m1 '^/usr/share/applications/.*\.desktop$' <<<"$files") \
  || die "dpkg -L $package lists no .desktop file under /usr/share/applications"
grep -q '^Exec=ks-onboard' "$desktop" || die "$desktop does not start ks-onboard: $(grep ^Exec= "$desktop")"

# Sizes for docs/benchmarks.md (Installed-Size is in KiB, as dpkg-deb reports it).
echo "sizes: $(basename "$deb") $(stat -c %s "$deb") bytes;" \
  "${rpm:+$(basename "$rpm") $(stat -c %s "$rpm") bytes;}" \
  "Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB; /usr/bin/ks-onboard $(stat -c %s /usr/bin/ks-onboard) bytes"

shot="$work/installed-deb.png"
[ "${UPDATE_SCREENSHOTS:-}" = 1 ] && shot="$ROOT/docs/screenshots/installed-deb.png"
log "starting /usr/bin/ks-onboard under Xvfb (fresh HOME; window \"$title\")"
mkdir -p "$work/home"
# A fresh HOME and XDG dirs (keyring-session.sh sets its own data/config/runtime ones): the
# run reads no kubeconfig of the user's and writes nothing into their home.
env -u KUBECONFIG HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache" \
  timeout 120 "$ROOT/scripts/lib/keyring-session.sh" \
  xvfb-run -a --server-args="-screen 0 1280x860x24" bash -c '
    set -euo pipefail
    /usr/bin/ks-onboard >"$2" 2>&1 & app=$!
    trap "kill $app 2>/dev/null || true" EXIT  # a failed check leaves no app behind
    t=$SECONDS
    timeout 30 xdotool search --sync --onlyvisible --name "$1" >/dev/null \
      || { echo "error: no window named \"$1\" within 30 s; app log:" >&2; cat "$2" >&2; exit 1; }
    echo "window \"$1\" up after $((SECONDS - t)) s"
    sleep 3  # let WebKit paint the first stage before the screenshot
    kill -0 "$app" 2>/dev/null || { echo "error: the app exited after opening its window" >&2; cat "$2" >&2; exit 1; }
    import -window root "$0"
    kill "$app"; wait "$app" || true
  ' "$shot" "$title" "$work/app.log" || die "the installed app did not start and show its window"

# A window that never painted is a single colour; the first stage has text and an icon.
colours=$(identify -format '%k' "$shot")
[ "$colours" -gt 16 ] || die "the screenshot has only $colours colours: the window looks blank ($shot)"
echo "screenshot: $shot ($colours colours)"

log "dpkg -r $package"
if ! $was_installed; then
  $sudo dpkg -r "$package" >/dev/null || die "dpkg -r $package failed"
  [ ! -e /usr/bin/ks-onboard ] || die "/usr/bin/ks-onboard is still there after dpkg -r"
fi
echo "installed .deb: ok"
