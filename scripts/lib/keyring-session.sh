#!/usr/bin/env bash
# Runs a command with a real OS keyring of its own: a private D-Bus session bus with
# gnome-keyring's Secret Service, its login keyring created in a temporary directory and
# unlocked with a throwaway password. The user's own keyring is never touched.
# Usage: scripts/lib/keyring-session.sh COMMAND [ARGS...]
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
if [ -z "${KS_ONBOARD_IN_KEYRING_SESSION:-}" ]; then
  export KS_ONBOARD_IN_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
home=$(mktemp -d)
trap 'kill "${GNOME_KEYRING_PID:-}" 2>/dev/null || true; rm -rf "$home"' EXIT
export XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'ks-onboard-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
"$@"
