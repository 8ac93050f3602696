#!/usr/bin/env bash
# The README's Slurm recipe on a real single-node Slurm cluster: munged,
# slurmctld and slurmd (Debian's munge and slurm-wlm) started here, in a
# temporary folder, on localhost ports that are free, and stopped at the
# end whatever happens. The job array and its final step are submitted as
# the README writes them (quick.yaml in place of monthly.yaml); the maps
# they make are compared with a single run, byte for byte. Prints the wall
# time from the submission to the final step's end.
#
# The daemons need root (slurmd starts jobs as their user): elsewhere, and
# where slurm-wlm is not installed, the test says so and is skipped (exit
# 77, ctest's SKIP_RETURN_CODE).
#
# Usage: slurm.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR" >&2
  exit 2
fi
BIN=$1
REPO=$2
SCRATCH=$3
case $SCRATCH in
  "" | /) echo "$0: refusing scratch folder '$SCRATCH'" >&2; exit 2 ;;
esac
mkdir -p "$SCRATCH" && SCRATCH=$(cd "$SCRATCH" && pwd) || exit 2
REPO=$(cd "$REPO" && pwd) || exit 2
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
find "$SCRATCH" -mindepth 1 -delete || exit 2

for p in munged slurmctld slurmd sbatch squeue; do
  if ! command -v $p >/dev/null && [ ! -x /usr/sbin/$p ]; then
    echo "ok - # SKIP $p is not installed (slurm-wlm, munge)"
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "ok - # SKIP the Slurm daemons need root"
  exit 77
fi
export PATH=$PATH:/usr/sbin

if [ -f "$REPO/tests/lsan.supp" ] && [[ ${LSAN_OPTIONS:-} != *suppressions=* ]]; then
  export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX JOB_COMPLETION_INDEX
unset SLURM_CPUS_PER_TASK SLURM_JOB_ID

# Sockets have short paths: the daemons' folder is in /tmp.
T=$(mktemp -d /tmp/influmap-slurm.XXXXXX) || exit 2
pids=()
stop() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap stop EXIT
fail() {
  echo "not ok - $1"
  for f in "$T"/*.log; do
    [ -f "$f" ] && { echo "# --- $f"; tail -15 "$f" | sed 's/^/# /'; }
  done
  exit 1
}

# --- the cluster ---

head -c 1024 /dev/urandom >"$T/munge.key"
chmod 400 "$T/munge.key"
munged --force --foreground --key-file="$T/munge.key" --socket="$T/munge.sock" --pid-file="$T/munged.pid" \
  --seed-file="$T/munge.seed" >>"$T/munged.log" 2>&1 &
pids+=($!)

read -r ctld_port slurmd_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
node=influmap-node
cpus=$(nproc)
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<EOF
ClusterName=influmap-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
PlugStackConfig=/dev/null
NodeName=$node NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
for _ in $(seq 1 50); do
  [ -S "$T/munge.sock" ] && break
  sleep 0.1
done
[ -S "$T/munge.sock" ] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" >>"$T/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >>"$T/slurmd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  [ "$(sinfo -h -n "$node" -o '%t' 2>/dev/null)" = idle ] && break
  sleep 0.1
done
[ "$(sinfo -h -n "$node" -o '%t' 2>/dev/null)" = idle ] || fail "the node did not become idle: $(sinfo 2>&1 | tr '\n' '|')"
echo "ok - a single-node cluster is up ($cpus CPUs)"

# --- the recipe, as the README writes it ---

mkdir -p "$SCRATCH/bin"
ln -s "$BIN" "$SCRATCH/bin/influmap"
export PATH=$SCRATCH/bin:$PATH
recipe() {
  python3 - "$REPO/README.md" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<!-- recipe: %s -->\s*```[a-z]*\n(.*?)```" % re.escape(sys.argv[2]), text, re.S)
if not m:
    sys.exit("no recipe '%s' in the README" % sys.argv[2])
print(m.group(1).replace("styles/monthly.yaml", "styles/quick.yaml").replace("out/monthly/", "out/batch/"), end="")
EOF
}
for d in single cluster; do
  mkdir -p "$SCRATCH/$d"
  ln -s "$REPO/styles" "$SCRATCH/$d/styles"
  ln -s "$REPO/shapes" "$SCRATCH/$d/shapes"
done
(cd "$SCRATCH/single" && influmap batch styles/quick.yaml -j 2 >"$SCRATCH/single.log" 2>&1)
code=$?
# With its log: a crash's report (cli/crash.c) is the end of it.
[ "$code" -eq 0 ] || fail "the single run failed (exit status $code): $(tail -40 "$SCRATCH/single.log" | sed 's/^/# /')"
recipe slurm-array >"$SCRATCH/cluster/influmap-monthly.sh" || exit 1
recipe slurm-submit >"$SCRATCH/submit.sh" || exit 1
# The cluster has $cpus CPUs: a recipe asking more would pend forever.
asked=$(sed -n 's/^#SBATCH --cpus-per-task=\([0-9]*\)$/\1/p' "$SCRATCH/cluster/influmap-monthly.sh")
[ "${asked:-0}" -le "$cpus" ] || fail "the recipe asks $asked CPUs per task; this machine has $cpus"

start=$(date +%s.%N)
(cd "$SCRATCH/cluster" && bash -e "$SCRATCH/submit.sh") >"$SCRATCH/submit.log" 2>&1 || fail "sbatch: $(cat "$SCRATCH/submit.log")"
# Until the queue is empty: the array, then the final job.
for _ in $(seq 1 1800); do
  [ -z "$(squeue -h -o %i 2>/dev/null)" ] && [ -n "$(ls "$SCRATCH/cluster" | grep '^slurm-')" ] && break
  sleep 0.1
done
end=$(date +%s.%N)
[ -z "$(squeue -h -o %i)" ] || fail "jobs still queued after 3 minutes: $(squeue 2>&1 | tr '\n' '|')"
wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')

# --- what it made ---

d=$SCRATCH/cluster/out/batch
why=
final=$(grep -l '^12 maps: ' "$SCRATCH"/cluster/slurm-*.out 2>/dev/null | head -1)
tasks=$(grep -l '^shard [0-9]*/16 (SLURM_ARRAY_TASK_ID=' "$SCRATCH"/cluster/slurm-*.out 2>/dev/null | wc -l)
if [ "$tasks" -ne 16 ]; then
  why="$tasks task logs name their shard, expected 16: $(head -3 "$SCRATCH"/cluster/slurm-*.out | tr '\n' '|')"
elif [ -z "$final" ] || ! grep -q '^12 maps: 0 rendered, 12 up to date, 0 failed' "$final"; then
  why="the final job did not find the 12 maps up to date: $(cat "$final" 2>/dev/null | tail -3 | tr '\n' '|')"
elif [ "$(pdfinfo "$d/atlas.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')" != 4 ]; then
  why="the final job made no atlas of the 4 PDF maps"
elif [ -n "$(ls "$d" | grep 'shard-\|\.running\|\.journal')" ]; then
  why="left after the final job: $(ls "$d" | grep 'shard-\|\.running\|\.journal' | tr '\n' ' ')"
fi
for f in $(cd "$SCRATCH/single/out/batch" && ls actor-*); do
  [ -z "$why" ] && ! cmp -s "$SCRATCH/single/out/batch/$f" "$d/$f" && why="$f differs from the single run's (or is missing)"
done
if [ -n "$why" ]; then
  fail "Slurm recipe: $why"
fi
echo "ok - Slurm recipe: the array of 16 and the afterok final job make the single run's maps (wall time $wall s)"
