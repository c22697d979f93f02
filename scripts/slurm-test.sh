#!/usr/bin/env bash
# The real engine: run one drillsim scenario as a four-task Slurm job array on a one-node
# cluster started here (slurmctld and slurmd on localhost, its own munge key), merge the four
# partial summaries, and check the result byte for byte (outside `timing`) against one
# process running every trial.
#
#   bash scripts/slurm-test.sh            # as root, with Debian's packages reachable
#   DRILLSIM=path/to/drillsim bash scripts/slurm-test.sh
#
# It installs slurm-wlm and munge with apt-get when they are missing (only as root). Where it
# cannot run (not root, no packages, a daemon that does not start) it prints one line
# "SKIPPED: why" and exits 0, so CI does not fail on a machine without Slurm; a wrong result
# exits 1. Everything it starts (munged, slurmctld, slurmd, the job) is stopped on every way
# out, and its folder removed; nothing outside that folder is configured.
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
SCENARIO=scenarios/plan1/compound.toml
TRIALS=40000
SEED=7

skip() {
    echo "SKIPPED: $*"
    exit 0
}
fail() {
    echo "FAILED: $*" >&2
    for f in "$W"/*.log "$W"/out/*; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    exit 1
}

[ "$(id -u)" = 0 ] || skip "not root: slurmd must run as root to start jobs (and apt-get to install slurm-wlm and munge)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
    echo "installing slurm-wlm and munge with apt-get ..."
    if ! { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq slurm-wlm munge; } >/tmp/drillsim-slurm-apt.log 2>&1; then
        skip "cannot install slurm-wlm and munge (no package mirror?): see /tmp/drillsim-slurm-apt.log"
    fi
fi
for tool in slurmctld slurmd munged sbatch sinfo scancel; do
    command -v "$tool" >/dev/null || skip "$tool is missing after installing slurm-wlm and munge"
done

TARGET=${CARGO_TARGET_DIR:-target}
BIN=${DRILLSIM:-$TARGET/release/drillsim}
if [ ! -x "$BIN" ]; then
    echo "building the release binary ..."
    cargo build --release --quiet || fail "cargo build --release failed"
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

W=$(mktemp -d /tmp/drillsim-slurm.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() {
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
        scancel --quiet --user=root >/dev/null 2>&1 || true
    fi
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

HOST=$(hostname -s)
CPUS=$(nproc)
# Ports of this cluster only, away from Slurm's defaults (6817/6818) and from each other run.
BASE=$((20000 + ($$ % 5000) * 2))
mkdir -p "$W/state" "$W/spool" "$W/out" "$W/parts" "$W/munge"
chmod 700 "$W/munge"

# munge: a key of this cluster's own, on a socket of its own.
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
munged --foreground --force --key-file="$W/munge/munge.key" --socket="$W/munge/munge.sock" \
    --pid-file="$W/munge/munged.pid" --log-file="$W/munged.log" --seed-file="$W/munge/munged.seed" \
    >>"$W/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$W/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$W/munge/munge.sock" ] || skip "munged did not start (see its log: $(tail -n 1 "$W/munged.log" 2>/dev/null))"

export SLURM_CONF=$W/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=drillsim-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$BASE
SlurmdPort=$((BASE + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
PlugStackConfig=$W/plugstack.conf
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
: >"$W/plugstack.conf"

slurmctld -D -i -f "$SLURM_CONF" >>"$W/slurmctld.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$HOST" >>"$W/slurmd.log" 2>&1 &
PIDS+=($!)

ready=
for _ in $(seq 120); do
    state=$(sinfo --noheader --nodes="$HOST" --format=%T 2>/dev/null | head -n 1)
    case "$state" in
        idle*|mixed*|allocated*) ready=1; break ;;
    esac
    sleep 0.5
done
[ -n "$ready" ] || skip "the one-node cluster did not come up (node state: ${state:-none}; slurmctld: $(tail -n 1 "$W/slurmctld.log" 2>/dev/null); slurmd: $(tail -n 1 "$W/slurmd.log" 2>/dev/null))"
echo "cluster up: node $HOST, $CPUS CPU(s), ports $BASE/$((BASE + 1))"

# The job array: each task finds its shard in SLURM_ARRAY_TASK_ID and _COUNT (--shard auto).
cat >"$W/shard.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=drillsim-shard
#SBATCH --output=$W/out/shard-%a.out
#SBATCH --cpus-per-task=1
cd "$REPO"
exec "$BIN" run "$SCENARIO" --trials $TRIALS --seed $SEED -j 1 -q \\
    --shard auto --partial "$W/parts/part-\$SLURM_ARRAY_TASK_ID.json"
EOF
echo "sbatch --wait --array=0-3 ..."
timeout 600 sbatch --wait --array=0-3 "$W/shard.sbatch" >"$W/sbatch.log" 2>&1 || fail "the job array failed: $(cat "$W/sbatch.log")"
for k in 0 1 2 3; do
    [ -s "$W/parts/part-$k.json" ] || fail "task $k wrote no part"
    cat "$W/out/shard-$k.out"
done

"$BIN" merge "$W"/parts/part-{0,1,2,3}.json --json "$W/merged.json" --out "$W/merged" --format json,md >"$W/merge.log" 2>&1 ||
    fail "merge failed: $(cat "$W/merge.log")"
"$BIN" run "$SCENARIO" --trials $TRIALS --seed $SEED -q --json "$W/whole.json" --out "$W/whole" --format json,md >"$W/whole.log" 2>&1 ||
    fail "the one-process run failed: $(cat "$W/whole.log")"

# Outside `timing` (a block of the pretty JSON) and the report's one "run time" line.
strip_timing() { awk '/^  "timing": \{/ { skip = 1 } !skip { print } skip && /^  \},?$/ { skip = 0 }' "$1"; }
cmp -s <(strip_timing "$W/merged.json") <(strip_timing "$W/whole.json") ||
    fail "merged JSON differs from the one-process run: $(diff <(strip_timing "$W/merged.json") <(strip_timing "$W/whole.json") | head -n 20)"
grep -q '"timing"' "$W/merged.json" || fail "the merged JSON has no timing block to leave out"
cmp -s <(grep -v 'run time' "$W/merged/report.md") <(grep -v 'run time' "$W/whole/report.md") ||
    fail "merged report.md differs from the one-process run"
echo "PASSED: 4 Slurm array tasks of $SCENARIO ($TRIALS trials, seed $SEED) merged into the one-process result, byte for byte outside timing"
