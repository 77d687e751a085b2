#!/usr/bin/env bash
# Proves the app connects to nothing but the clusters the user chose: the end-to-end join spec
# runs against the CLI's sandbox (API servers on 127.0.0.1) with the app's whole process tree
# (GTK, WebKit's web and network processes) under `strace -f -e trace=connect`, and all of it
# (Xvfb, D-Bus, tauri-driver, node, the sandbox) inside a network namespace that has only
# loopback, so nothing else could even answer. Every AF_INET/AF_INET6 connect() must go to
# 127.0.0.0/8 or ::1, to the sandbox's API servers or WebDriver's socket; AF_UNIX (X11, D-Bus)
# and AF_NETLINK are local. A DNS query, a font CDN, an update check or telemetry would show as
# a connect() to another address and fail the test. Method and result: docs/security.md.
# Needs the release app (tauri build) and the debug CLI (the join spec starts the sandbox).
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

app="$CARGO_TARGET_DIR/release/ks-onboard"
[ -x "$app" ] || die "no app at $app: build it with 'npm exec --prefix ui -- tauri build'"
[ -x "$CARGO_TARGET_DIR/debug/ks-onboard-cli" ] || die "no debug ks-onboard-cli: run 'cargo build -p onboard-cli'"
for tool in strace unshare ip xvfb-run node; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/test.sh, which installs it"
done
spec=specs/join.test.mjs

# Inside the namespace (the script runs itself again under `unshare --net`).
if [ "${1:-}" = --inside ]; then
  work=$2
  ip link set lo up
  [ "$(ip -o link show | wc -l)" -eq 1 ] || die "the namespace has more than loopback: $(ip -o link show)"
  ! ip route get 1.1.1.1 >/dev/null 2>&1 || die "the namespace has a route out"
  # tauri-driver starts WebKitWebDriver, which starts this wrapper as "the app": the app and
  # every process it starts are traced; each start writes its own file.
  cat >"$work/app" <<EOF
#!/bin/sh
prev=
for arg in "\$@"; do  # the sandbox's API server ports, from the kubeconfigs the spec passes
  [ "\$prev" = --kubeconfig ] && sed -n 's|.*server: https://127\.0\.0\.1:\([0-9]*\).*|\1|p' "\$arg" >>"$work/ports"
  prev=\$arg
done
# WebKitWebDriver's automation socket, which WebKit in the app dials (the test harness).
echo "\${WEBKIT_INSPECTOR_SERVER:-}" >>"$work/inspector"
exec strace -f -qq --seccomp-bpf -e trace=connect -o "$work/trace.\$\$" "$app" "\$@"
EOF
  chmod +x "$work/app"
  cd "$ROOT/tests/e2e"
  KS_ONBOARD_APP="$work/app" "$ROOT/scripts/lib/keyring-session.sh" \
    xvfb-run -a --server-args="-screen 0 1280x860x24" node --test --test-concurrency=1 "$spec"
  # The kernel's count of packets (and connects) it had no route for, for everything in the
  # namespace, traced or not: sendto() without connect() shows here too.
  awk '/^Ip: [A-Z]/ {for (i = 2; i <= NF; i++) if ($i == "OutNoRoutes") c = i}
       /^Ip: [0-9]/ {print "ipv4", $c} /^Ip6OutNoRoutes/ {print "ipv6", $2}' \
    /proc/net/snmp /proc/net/snmp6 >"$work/noroutes"
  exit 0
fi

unshare --net true || die "unshare --net failed: a network namespace needs root (CAP_SYS_ADMIN)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "join spec ($spec) in a loopback-only network namespace, the app under strace"
unshare --net -- "$ROOT/scripts/test-network-isolation.sh" --inside "$work" || die "the join spec failed inside the namespace"

cat "$work"/trace.* >"$work/all" 2>/dev/null || die "no strace output: the wrapper never started the app"
mkdir -p "$ROOT/tests/e2e/artifacts"
cp "$work/all" "$ROOT/tests/e2e/artifacts/network-trace.txt"  # kept for a look after a failure
connects=$(grep -c 'connect(' "$work/all" || true)
[ "$connects" -gt 0 ] || die "the trace has no connect() at all: strace did not see the app"
echo "connect() calls by the app's process tree: $connects, in $(ls "$work"/trace.* | wc -l) app start(s)"
grep -o 'sa_family=AF_[A-Z0-9]*' "$work/all" | sort | uniq -c | sed 's/sa_family=/  /'

# The loopback ports the app may dial: the sandbox's API servers (the clusters it was given)
# and WebKitWebDriver's automation socket. Any other one (a DNS stub on 127.0.0.53, a local
# proxy) is as wrong as a public address.
ports=" $(sort -u "$work/ports" 2>/dev/null | paste -sd' ' || true) "
harness=" $(sed -n 's/^\(127\.0\.0\.1\|\[::1\]\):\([0-9]*\)$/\2/p' "$work/inspector" 2>/dev/null | sort -u | paste -sd' ' || true) "
[ -n "${ports// /}" ] || die "the wrapper saw no sandbox kubeconfig among the app's arguments"
: >"$work/bad" >"$work/seen"
while IFS= read -r line; do
  case $line in
    *"sa_family=AF_UNIX,"* | *"sa_family=AF_NETLINK,"* | *"sa_family=AF_UNSPEC,"*) continue ;;
    *"sa_family=AF_INET,"* | *"sa_family=AF_INET6,"*) ;;
    *) echo "unexpected address family: $line" >>"$work/bad"; continue ;;
  esac
  port=? addr=?
  [[ $line =~ sin6?_port=htons\(([0-9]+)\) ]] && port=${BASH_REMATCH[1]}
  [[ $line =~ (inet_addr\(|inet_pton\(AF_INET6,\ )\"([^\"]*)\" ]] && addr=${BASH_REMATCH[2]}
  case $addr in
    127.* | ::1 | ::ffff:127.*) ;;
    *) echo "leaves loopback: $line" >>"$work/bad"; continue ;;
  esac
  if [[ $ports == *" $port "* ]]; then echo "sandbox API server $addr:$port" >>"$work/seen"
  elif [[ $harness == *" $port "* ]]; then echo "WebDriver automation $addr:$port" >>"$work/seen"
  else echo "unknown local service: $line" >>"$work/bad"
  fi
done < <(grep 'connect(' "$work/all")
echo "  AF_INET/AF_INET6 destinations:"
sort "$work/seen" | uniq -c | sed 's/^/  /'
[ ! -s "$work/bad" ] || die "the app connected somewhere other than the chosen clusters:
$(cat "$work/bad")
(whole trace: tests/e2e/artifacts/network-trace.txt)"
# The check must be able to fail: the app has to be seen talking to the sandbox it was given.
grep -q '^sandbox API server' "$work/seen" \
  || die "no connect() to the sandbox's API servers (ports$ports): the trace missed the app's traffic"

# The namespace's own counters: nothing in it (traced or not; sendto() without connect()
# included) tried to reach an address it had no route to.
echo "kernel: packets/connects without a route in the namespace: $(paste -sd' ' "$work/noroutes")"
awk '$2 != 0 {exit 1}' "$work/noroutes" \
  || die "something in the namespace tried to reach a non-loopback address (OutNoRoutes): $(paste -sd' ' "$work/noroutes")"
echo "network isolation: ok, only the sandbox's API servers (and WebDriver's socket) on loopback"
