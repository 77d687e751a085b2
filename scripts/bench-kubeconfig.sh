#!/usr/bin/env bash
# Benchmark (not a test, not run by CI): loading large kubeconfigs, ours against kubectl.
#
# Generates realistic kubeconfigs of 1k, 10k and 50k contexts (scripts/gen-kubeconfig.py)
# and, on each, measures wall time and max RSS (median of 3 runs, /usr/bin/time) of
#   kubectl 1.32  config get-contexts -o name     |  ks-onboard-cli kubeconfig get-contexts -o name
#   kubectl 1.32  config view --raw -o json       |  ks-onboard-cli kubeconfig view --raw -o json
# and checks that our output equals kubectl's (names line for line, JSON as data), so the
# figures also prove the reader correct at scale. Prints a Markdown table for docs/benchmarks.md.
#
# Usage: scripts/bench-kubeconfig.sh [SIZES...]   (default: 1000 10000 50000)
#   KUBECTL=path    the kubectl to compare with (default: the plain 1.32 build beside gcloud's)
#   SKIP_BUILD=1    use the release CLI already built
#   RUNS=3          runs per measurement
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("${@:-1000 10000 50000}")
read -r -a sizes <<<"${sizes[*]}"
runs=${RUNS:-3}
target=${CARGO_TARGET_DIR:-target}
ours="$target/release/ks-onboard-cli"
kubectl=${KUBECTL:-$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.1.32}
[[ -x $kubectl ]] || { echo "no plain kubectl at $kubectl; set KUBECTL" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 1; }

if [[ -z ${SKIP_BUILD:-} ]]; then
  cargo build --release -p onboard-cli >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME OUTPUT CMD...: runs CMD $runs times, keeps the last stdout in OUTPUT and
# prints "median_seconds median_rss_mib".
measure() {
  local name=$1 output=$2
  shift 2
  local times=() rss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$output"
    read -r seconds kib <"$work/time"
    times+=("$seconds")
    rss+=("$kib")
  done
  local t r
  t=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
  r=$(printf '%s\n' "${rss[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
  echo "$name: ${times[*]} s, ${rss[*]} KiB" >&2
  echo "$t $((r / 1024))"
}

same_json() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1]) as a, open(sys.argv[2]) as b:
    sys.exit(0 if json.load(a) == json.load(b) else 1)
EOF
}

echo "| contexts | file | command | kubectl s | ours s | ratio | kubectl RSS MiB | ours RSS MiB | same output |"
echo "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"
for n in "${sizes[@]}"; do
  file="$work/kubeconfig-$n.yaml"
  python3 scripts/gen-kubeconfig.py "$n" "$file"
  size_mb=$(($(stat -c %s "$file") / 1000000))
  export KUBECONFIG=$file
  for command in names json; do
    if [[ $command == names ]]; then
      theirs=$(measure "kubectl get-contexts $n" "$work/theirs" "$kubectl" config get-contexts -o name)
      mine=$(measure "ours get-contexts $n" "$work/ours" "$ours" kubeconfig get-contexts -o name)
      label='get-contexts -o name'
      if cmp -s "$work/theirs" "$work/ours"; then same=yes; else same=NO; fi
    else
      theirs=$(measure "kubectl view $n" "$work/theirs" "$kubectl" config view --raw -o json)
      mine=$(measure "ours view $n" "$work/ours" "$ours" kubeconfig view --raw -o json)
      label='view --raw -o json'
      if same_json "$work/theirs" "$work/ours"; then same=yes; else same=NO; fi
    fi
    read -r t_theirs r_theirs <<<"$theirs"
    read -r t_mine r_mine <<<"$mine"
    ratio=$(python3 -c "print(f'1/{$t_theirs / max($t_mine, 0.01):.1f}')")
    echo "| $n | $size_mb MB | \`$label\` | $t_theirs | $t_mine | $ratio | $r_theirs | $r_mine | $same |"
  done
  rm -f "$file" "$work/theirs" "$work/ours"
done
