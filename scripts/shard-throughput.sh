#!/usr/bin/env bash
# Throughput of N shards run as N parallel processes on this machine (one thread each), and
# the cost of merging many parts through the binary. Prints trials per second and the ratio
# to one process; see docs/scale.md.
#
#   bash scripts/shard-throughput.sh [TRIALS] [MAX_PROCESSES]     # default 2000000 and 4
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DRILLSIM:-${CARGO_TARGET_DIR:-target}/release/drillsim}
[ -x "$BIN" ] || cargo build --release --quiet
TRIALS=${1:-2000000}
MAX=${2:-4}
SCENARIO=scenarios/ref20.toml
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }

echo "cores: $(nproc); $SCENARIO, $TRIALS trials, seed 42, one thread per process"
base=
for n in $(seq 1 "$MAX"); do
    [ "$n" -eq 1 ] || [ "$n" -eq 2 ] || [ "$n" -eq 4 ] || [ "$n" -eq 8 ] || continue
    t0=$(now)
    for k in $(seq 1 "$n"); do
        "$BIN" run "$SCENARIO" --trials "$TRIALS" --seed 42 -j 1 -q --shard "$k/$n" --partial "$W/p$n-$k.json" >/dev/null &
    done
    wait
    t1=$(now)
    rate=$(awk -v a="$TRIALS" -v b="$t0" -v c="$t1" 'BEGIN { print a / (c - b) }')
    [ -n "$base" ] || base=$rate
    printf "%2d process(es): %6.2f s  %10.0f trials/s  x%.2f\n" "$n" "$(awk -v b="$t0" -v c="$t1" 'BEGIN { print c - b }')" "$rate" "$(awk -v a="$rate" -v b="$base" 'BEGIN { print a / b }')"
done

# Merging: 1000 parts of 100 trials each, written by 1000 processes, merged by one.
PARTS=${PARTS:-1000}
mkdir -p "$W/many"
for k in $(seq 1 "$PARTS"); do
    "$BIN" run "$SCENARIO" --trials $((PARTS * 100)) --seed 42 -j 1 -q --shard "$k/$PARTS" --partial "$W/many/p$k.json" >/dev/null
done
size=$(du -cb "$W"/many/*.json | tail -n 1 | cut -f1)
t0=$(now)
"$BIN" merge "$W"/many/*.json --json "$W/merged.json" >/dev/null
t1=$(now)
printf "merge of %d parts (%d bytes each on average): %.2f s, the whole command\n" "$PARTS" $((size / PARTS)) "$(awk -v b="$t0" -v c="$t1" 'BEGIN { print c - b }')"
