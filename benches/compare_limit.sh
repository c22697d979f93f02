#!/usr/bin/env bash
# Compare drillsim with the hand-coded ref20 floor, interleaved, and print medians and ratios.
#
#   benches/compare_limit.sh PATH/TO/ref20-limit [ROUNDS]
#
# A round runs, back to back: the limit on 1 thread, drillsim -j 1, the limit on 2 threads,
# drillsim -j 2 (1,000,000 trials of ref20, seed 42), and drillsim -j 1 on the larger plan
# (benches/plan40.toml, 300,000 trials), compared as engine events per second against the
# limit's events per second on ref20 (plan40: 42 events a trial, the limit: 20; `cargo run
# --release --example profile_trials -- benches/plan40.toml 20000` prints the 42).
# On a shared machine other processes steal cores, so each run also measures how much CPU
# everything else used meanwhile (from /proc/stat and the run's own CPU time), and a round
# counts only if no run in it shared the machine with more than a tenth of a core. The script stops after ROUNDS clean rounds
# (default 5) or 10 x ROUNDS tries. Run it from the repository root after
# `cargo build --release`.
set -euo pipefail
LIMIT=${1:?usage: benches/compare_limit.sh PATH/TO/ref20-limit [ROUNDS]}
ROUNDS=${2:-5}
DS=${DRILLSIM:-target/release/drillsim}
TRIALS=1000000
PLAN40_EVENTS=42 LIMIT_EVENTS=20
HZ=$(getconf CLK_TCK)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# measure THREADS CMD...: prints "TRIALS_PER_S OTHERS" (OTHERS: cores used by other processes).
measure() {
  local threads=$1 b0 b1 t0 t1
  shift
  b0=$(busy); t0=$(date +%s.%N)
  RAYON_NUM_THREADS=$threads /usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" >"$tmp/out"
  t1=$(date +%s.%N); b1=$(busy)
  local tps
  tps=$(sed -n -e 's/.*trials_per_s=\([0-9.]*\).*/\1/p' -e 's/.*"trials_per_second": \([0-9.e+]*\).*/\1/p' "$tmp/out")
  awk -v tps="$tps" -v b0="$b0" -v b1="$b1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" -v cpu="$(cat "$tmp/cpu")" 'BEGIN {
    split(cpu, c, " "); others = ((b1 - b0) / hz - c[1] - c[2]) / (t1 - t0)
    printf "%s %.3f\n", tps, (others > 0 ? others : 0)
  }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

l1=() d1=() l2=() d2=() r1=() r2=() e40=()
clean=0 tries=0
while ((clean < ROUNDS && tries < 10 * ROUNDS)); do
  tries=$((tries + 1))
  read -r a oa < <(measure 1 "$LIMIT" "$TRIALS" 42)
  read -r b ob < <(measure 1 "$DS" run scenarios/ref20.toml --trials "$TRIALS" --seed 42 -q -j 1 --json -)
  read -r c oc < <(measure 2 "$LIMIT" "$TRIALS" 42)
  read -r d od < <(measure 2 "$DS" run scenarios/ref20.toml --trials "$TRIALS" --seed 42 -q -j 2 --json -)
  read -r e oe < <(measure 1 "$DS" run benches/plan40.toml --trials 300000 --seed 42 -q -j 1 --json -)
  ok=$(awk -v a="$oa" -v b="$ob" -v c="$oc" -v d="$od" -v e="$oe" 'BEGIN { print (a < 0.1 && b < 0.1 && c < 0.1 && d < 0.1 && e < 0.1) ? "clean" : "shared" }')
  printf 'try %d: limit1 %.0f  drillsim1 %.0f  limit2 %.0f  drillsim2 %.0f  plan40 %.0f trials/s  (others: %s %s %s %s %s cores) %s\n' \
    "$tries" "$a" "$b" "$c" "$d" "$e" "$oa" "$ob" "$oc" "$od" "$oe" "$ok"
  if [[ $ok == clean ]]; then
    clean=$((clean + 1))
    l1+=("$a") d1+=("$b") l2+=("$c") d2+=("$d")
    r1+=("$(awk -v x="$b" -v y="$a" 'BEGIN { print x / y }')")
    r2+=("$(awk -v x="$d" -v y="$b" 'BEGIN { print x / y }')")
    e40+=("$(awk -v x="$e" -v y="$a" -v ex="$PLAN40_EVENTS" -v ey="$LIMIT_EVENTS" 'BEGIN { print x * ex / (y * ey) }')")
  fi
done
if ((clean == 0)); then
  echo "no clean round: the machine was never idle enough" >&2
  exit 1
fi
L1=$(printf '%s\n' "${l1[@]}" | median) D1=$(printf '%s\n' "${d1[@]}" | median)
L2=$(printf '%s\n' "${l2[@]}" | median) D2=$(printf '%s\n' "${d2[@]}" | median)
R1=$(printf '%s\n' "${r1[@]}" | median) R2=$(printf '%s\n' "${r2[@]}" | median)
E40=$(printf '%s\n' "${e40[@]}" | median)
awk -v n="$clean" -v e40="$E40" -v l1="$L1" -v d1="$D1" -v l2="$L2" -v d2="$D2" -v r1="$R1" -v r2="$R2" 'BEGIN {
  printf "medians of %d clean rounds: limit1 %.0f  drillsim1 %.0f  limit2 %.0f  drillsim2 %.0f trials/s\n", n, l1, d1, l2, d2
  printf "drillsim / limit, 1 thread:     %.2f (median of per-round ratios %.2f)\n", d1 / l1, r1
  printf "drillsim / limit, 2 threads:    %.2f\n", d2 / l2
  printf "drillsim 2 threads / 1 thread:  %.2f (median of per-round ratios %.2f)\n", d2 / d1, r2
  printf "limit 2 threads / 1 thread:     %.2f\n", l2 / l1
  printf "plan40 events/s / limit events/s, 1 thread: %.2f (median of per-round ratios)\n", e40
}'
