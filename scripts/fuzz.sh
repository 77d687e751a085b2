#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ and runs each for SECONDS (default 20: the smoke run
# scripts/test.sh does; run longer locally, e.g. `scripts/fuzz.sh 600`). Names after SECONDS
# pick targets: `scripts/fuzz.sh 300 kubeconfig`. FUZZ_JOBS targets run at once (default:
# one per core, at most 2).
#
# Seeds: the kubeconfig fixtures of the CLI tests (alone and merged in pairs), tower's agent
# template (fuzz/seeds, kept current by onboard-core's properties test), the configuration
# samples in fuzz/seeds, with a dictionary per target (fuzz/dicts). Each run starts from the
# seeds and the corpus kept in $FUZZ_CORPUS_DIR (outside the clone, like the build); inputs
# that reach new code are merged into it afterwards, so it grows only with coverage.
# A failing input stops its target: it is saved under fuzz/artifacts/TARGET/ and the script
# prints how to replay and minimize it, then fails.
#
# cargo-fuzz passes nightly -Z flags (sanitizer, coverage); RUSTC_BOOTSTRAP=1 lets the stable
# compiler accept them. The build has its own target directory, so the main one stays warm.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

seconds=${1:-20}
shift || true
[[ $seconds =~ ^[0-9]+$ ]] || die "usage: scripts/fuzz.sh [SECONDS] [TARGET...]"

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-/var/cache/ks-onboard/fuzz-target}
corpus_root=${FUZZ_CORPUS_DIR:-/var/cache/ks-onboard/fuzz-corpus}
jobs=${FUZZ_JOBS:-$(( $(nproc) < 2 ? 1 : 2 ))}
bin_dir="$CARGO_TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release"
artifacts="$ROOT/fuzz/artifacts"

prepare_fuzz_run

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list --fuzz-dir "$ROOT/fuzz")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seeds: checked-in ones, plus the CLI's kubeconfig fixtures, alone and as NUL-separated
# pairs (the kubeconfig target reads up to three files split on NUL; an empty one is missing).
make_seeds() {
  local fixtures="$ROOT/crates/onboard-cli/tests/fixtures/kubeconfig" target a b
  for target in "${targets[@]}"; do
    mkdir -p "$work/seeds/$target"
    if [ -d "$ROOT/fuzz/seeds/$target" ]; then
      cp "$ROOT/fuzz/seeds/$target"/* "$work/seeds/$target/"
    fi
  done
  [ -d "$work/seeds/kubeconfig" ] || return 0
  for a in "$fixtures"/*.yaml "$fixtures"/*.json "$fixtures"/relative/*.yaml; do
    cp "$a" "$work/seeds/kubeconfig/$(basename "$(dirname "$a")")-$(basename "$a")"
  done
  for a in merge-first basic later-current anchors; do
    for b in merge-second dangling-current sorting duplicate-name; do
      { cat "$fixtures/$a.yaml"; printf '\0'; cat "$fixtures/$b.yaml"; } >"$work/seeds/kubeconfig/pair-$a-$b"
    done
  done
  { cat "$fixtures/merge-first.yaml"; printf '\0\0'; cat "$fixtures/merge-second.yaml"; } \
    >"$work/seeds/kubeconfig/with-a-missing-file"
}

# One target: fuzz into a fresh directory, then merge what found new code into the corpus.
run_target() {
  local target=$1 log="$work/$target.log" dict=()
  local corpus="$corpus_root/$target" new="$work/new/$target"
  mkdir -p "$corpus" "$new" "$artifacts/$target" "$work/tmp/$target"
  [ -f "$ROOT/fuzz/dicts/$target.dict" ] && dict=("-dict=$ROOT/fuzz/dicts/$target.dict")
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: one needing 2 GiB is a leak.
  # The kubeconfig target writes its files under TMPDIR.
  if ! TMPDIR="$work/tmp/$target" ASAN_OPTIONS=detect_odr_violation=0 "$bin_dir/$target" \
      "$new" "$corpus" "$work/seeds/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -artifact_prefix="$artifacts/$target/" -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
    echo FAILED >"$work/$target.status"
    return 0
  fi
  echo ok >"$work/$target.status"
  TMPDIR="$work/tmp/$target" ASAN_OPTIONS=detect_odr_violation=0 "$bin_dir/$target" \
    -merge=1 "$corpus" "$new" >"$work/$target.merge.log" 2>&1 \
    || echo "    (could not merge the new inputs of $target into $corpus: later runs start without them)"
}

log "building fuzz targets (${targets[*]})"
t=$SECONDS
build=()
[ ${#targets[@]} -eq 1 ] && build=("${targets[0]}")  # one target, or all of them
cargo fuzz build --fuzz-dir "$ROOT/fuzz" "${build[@]}" || die "cargo fuzz build failed"
echo "    ($((SECONDS - t)) s)"
make_seeds

log "fuzzing ${targets[*]} for ${seconds} s each, $jobs at a time"
t=$SECONDS
running=0
for target in "${targets[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
echo "    ($((SECONDS - t)) s)"

failed=()
log "fuzzing summary (${seconds} s each)"
for target in "${targets[@]}"; do
  status=$(cat "$work/$target.status" 2>/dev/null || echo FAILED)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$target.log" | tail -1)
  size=$(find "$corpus_root/$target" -type f | wc -l)
  printf '%-16s %-7s %10s execs %7s/s  corpus %6s\n' "$target" "$status" "${execs:-?}" "${speed:-?}" "$size"
  [ "$status" = ok ] || failed+=("$target")
done

for target in "${failed[@]}"; do
  log "$target failed"
  tail -n 40 "$work/$target.log" >&2
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/$target.log" | tail -1)
  if [ -n "$artifact" ]; then
    printf '\033[31mfailing input of %s: %s\033[0m\n' "$target" "$artifact" >&2
    printf 'replay it:   RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=%s cargo fuzz run --fuzz-dir fuzz %s %s\n' \
      "$CARGO_TARGET_DIR" "$target" "$artifact" >&2
    printf 'minimize it: RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=%s cargo fuzz tmin --fuzz-dir fuzz %s %s\n' \
      "$CARGO_TARGET_DIR" "$target" "$artifact" >&2
  else
    printf '\033[31m%s failed without saving an input; its log is above\033[0m\n' "$target" >&2
  fi
done
[ ${#failed[@]} -eq 0 ] || die "fuzz targets failed: ${failed[*]}"
