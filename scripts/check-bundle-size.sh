#!/usr/bin/env bash
# Fails when the .deb outgrows its budget (DESIGN.md: 8 MB) and prints the sizes.
set -euo pipefail
target=${CARGO_TARGET_DIR:-/var/cache/ks-onboard/target}
budget=$((8 * 1000 * 1000))
deb=$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "error: no .deb under $target/release/bundle/deb" >&2; exit 1; }
size=$(stat -c %s "$deb")
binary=$(stat -c %s "$target/release/ks-onboard")
echo "binary $binary bytes, $(basename "$deb") $size bytes (budget $budget)"
[ "$size" -le "$budget" ] || { echo "error: the .deb is over its budget" >&2; exit 1; }
