#!/usr/bin/env bash
# The README's batch recipes, read from the README itself so the two cannot
# drift: GNU parallel (run as written), the Kubernetes Indexed Job (its
# command run once per index with JOB_COMPLETION_INDEX set, as the Job
# would) and the Slurm job array (its script run once per task id with the
# variables Slurm sets, a failed pair resubmitted alone as the README says,
# then the final step of its --wrap). Each runs with styles/quick.yaml in
# place of monthly.yaml, in a folder of its own, and what the shards and the
# final step make is compared with a single run, byte for byte. Not a Slurm
# cluster: the scheduler's arithmetic is what is tested here.
#
# Usage: recipes.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR
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

if [ -f "$REPO/tests/lsan.supp" ] && [[ ${LSAN_OPTIONS:-} != *suppressions=* ]]; then
  export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX JOB_COMPLETION_INDEX
unset SLURM_CPUS_PER_TASK

passed=0
failed=0
check() {
  if [ -z "$2" ]; then
    echo "ok - $1"
    passed=$((passed + 1))
  else
    echo "not ok - $1: $2"
    failed=$((failed + 1))
  fi
}

# `influmap` on the PATH, as the recipes assume.
mkdir -p "$SCRATCH/bin"
ln -s "$BIN" "$SCRATCH/bin/influmap"
export PATH=$SCRATCH/bin:$PATH

# recipe NAME: the fenced block after "<!-- recipe: NAME -->" in the
# README, with quick.yaml for monthly.yaml (and its output folder).
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

# A folder that looks like the repository: the recipes run from its root.
tree() {
  mkdir -p "$SCRATCH/$1"
  ln -s "$REPO/styles" "$SCRATCH/$1/styles"
  ln -s "$REPO/shapes" "$SCRATCH/$1/shapes"
}

# same DIR: the maps under DIR/out/batch are those of the single run, byte
# for byte, and the final step left one lock file and nothing running.
same() {
  local d=$SCRATCH/$1/out/batch f
  for f in $(cd "$SCRATCH/single/out/batch" && ls actor-*); do
    if ! cmp -s "$SCRATCH/single/out/batch/$f" "$d/$f"; then
      echo "$f differs from the single run's (or is missing)"
      return
    fi
  done
  if [ "$(ls "$d" | grep -c '^actor-')" -ne 12 ]; then
    echo "$(ls "$d" | grep -c '^actor-') maps, expected 12"
  elif [ -n "$(ls "$d" | grep 'shard-\|\.running\|\.journal')" ]; then
    echo "left after the final step: $(ls "$d" | grep 'shard-\|\.running\|\.journal' | tr '\n' ' ')"
  elif [ ! -f "$d/quick.influmap.lock" ]; then
    echo "no merged lock file"
  fi
}

# final DIR LOG: the final step found every map up to date and made the atlas.
final_ok() {
  if ! grep -q '^12 maps: 0 rendered, 12 up to date, 0 failed' "$2"; then
    echo "the final step: $(tail -2 "$2" | tr '\n' '|')"
  elif [ "$(pdfinfo "$SCRATCH/$1/out/batch/atlas.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')" != 4 ]; then
    echo "the atlas does not have the 4 PDF maps"
  fi
}

tree single
(cd "$SCRATCH/single" && influmap batch styles/quick.yaml -j 2 >"$SCRATCH/single.log" 2>&1)
code=$?
# A crash's report (cli/crash.c) ends the log: its last lines are shown.
check "a single run renders the 12 maps" "$(grep -q '^12 maps: 12 rendered' "$SCRATCH/single.log" ||
  { echo "exit status $code:"; tail -40 "$SCRATCH/single.log" | sed 's/^/# /'; })"

# --- GNU parallel, as written ---

tree parallel
recipe parallel >"$SCRATCH/parallel.sh" || exit 1
why=
if ! command -v parallel >/dev/null; then
  why="GNU parallel is not installed (scripts/deps.sh has it)"
else
  (cd "$SCRATCH/parallel" && bash -e "$SCRATCH/parallel.sh" </dev/null >"$SCRATCH/parallel.log" 2>&1)
  code=$?
  [ "$code" -ne 0 ] && why="exit $code: $(tail -3 "$SCRATCH/parallel.log" | tr '\n' '|')"
  [ -z "$why" ] && [ "$(grep -c '^\[.*\] rendered' "$SCRATCH/parallel.log")" -ne 12 ] &&
    why="the shards rendered $(grep -c '^\[.*\] rendered' "$SCRATCH/parallel.log") maps, not 12 once each"
  [ -z "$why" ] && why=$(final_ok parallel "$SCRATCH/parallel.log")
  [ -z "$why" ] && why=$(same parallel)
fi
check "GNU parallel recipe: 4 shards and the final step make the single run's maps" "$why"

# --- the Kubernetes Indexed Job: each index as the Job runs it ---

recipe kubernetes >"$SCRATCH/job.yaml" || exit 1
completions=$(sed -n 's/^ *completions: *\([0-9]*\).*/\1/p' "$SCRATCH/job.yaml")
mapfile -t command < <(python3 -c '
import re, sys
line = re.search(r"^ *command: *\[(.*)\]", open(sys.argv[1]).read(), re.M).group(1)
for word in line.split(","):
    print(word.strip().strip("\""))' "$SCRATCH/job.yaml")
why=
if [ -z "$completions" ] || [ "${command[0]:-}" != influmap ]; then
  why="cannot read completions ('$completions') or the command ('${command[*]}') from the README's Job"
elif ! grep -q 'backoffLimit:' "$SCRATCH/job.yaml" || ! grep -q 'ReadWriteMany' "$SCRATCH/job.yaml"; then
  why="the Job does not state backoffLimit and the ReadWriteMany volume"
fi
tree k8s
: >"$SCRATCH/k8s.log"
for ((i = 0; i < ${completions:-0}; i++)); do
  (cd "$SCRATCH/k8s" && JOB_COMPLETION_INDEX=$i "${command[@]}" >>"$SCRATCH/k8s.log" 2>&1) ||
    { [ -z "$why" ] && why="index $i failed: $(tail -2 "$SCRATCH/k8s.log" | tr '\n' '|')"; }
done
[ -z "$why" ] && [ "$(grep -c '^shard [0-9]*/'"$completions"' (JOB_COMPLETION_INDEX=' "$SCRATCH/k8s.log")" -ne "$completions" ] &&
  why="the logs do not name each index's shard"
[ -z "$why" ] && [ "$(grep -c '^\[.*\] rendered' "$SCRATCH/k8s.log")" -ne 12 ] && why="the indexes rendered $(grep -c '^\[.*\] rendered' "$SCRATCH/k8s.log") maps, not 12"
recipe parallel | tail -1 >"$SCRATCH/final.sh"
(cd "$SCRATCH/k8s" && bash -e "$SCRATCH/final.sh" >"$SCRATCH/k8s-final.log" 2>&1)
[ -z "$why" ] && why=$(final_ok k8s "$SCRATCH/k8s-final.log")
[ -z "$why" ] && why=$(same k8s)
# The real manifest's indexes, listed: the whole of monthly.yaml once.
if [ -z "$why" ]; then
  args=("${command[@]:1}")
  args=("${args[@]/styles\/quick.yaml/$REPO/styles/monthly.yaml}")
  influmap batch "$REPO/styles/monthly.yaml" --list | sort >"$SCRATCH/monthly.all"
  for ((i = 0; i < completions; i++)); do
    JOB_COMPLETION_INDEX=$i influmap "${args[@]}" --list
  done | sort >"$SCRATCH/monthly.union"
  if [ "$(wc -l <"$SCRATCH/monthly.all")" -ne 4416 ] || ! cmp -s "$SCRATCH/monthly.all" "$SCRATCH/monthly.union"; then
    why="the Job's $completions indexes over monthly.yaml do not list its 4416 maps once each"
  fi
fi
check "Kubernetes recipe: every JOB_COMPLETION_INDEX, then the final step, make the single run's maps" "$why"

# --- the Slurm job array: the script once per task id, as sbatch would ---

recipe slurm-array >"$SCRATCH/influmap-monthly.sh" || exit 1
recipe slurm-submit >"$SCRATCH/submit.sh" || exit 1
array=$(sed -n 's/^#SBATCH --array=\([0-9]*-[0-9]*\)$/\1/p' "$SCRATCH/influmap-monthly.sh")
cpus=$(sed -n 's/^#SBATCH --cpus-per-task=\([0-9]*\)$/\1/p' "$SCRATCH/influmap-monthly.sh")
wrap=$(sed -n "s/.*--wrap '\(.*\)'.*/\1/p" "$SCRATCH/submit.sh")
why=
[ -z "$array" ] || [ -z "$cpus" ] || [ -z "$wrap" ] || ! grep -q 'afterok' "$SCRATCH/submit.sh" &&
  why="cannot read --array ('$array'), --cpus-per-task ('$cpus') or the final step's --wrap ('$wrap') from the README"
tree slurm
task() { # ID MIN MAX COUNT
  (cd "$SCRATCH/slurm" && SLURM_ARRAY_TASK_ID=$1 SLURM_ARRAY_TASK_MIN=$2 SLURM_ARRAY_TASK_MAX=$3 \
    SLURM_ARRAY_TASK_COUNT=$4 SLURM_CPUS_PER_TASK=$cpus bash -e "$SCRATCH/influmap-monthly.sh" >>"$SCRATCH/slurm.log" 2>&1)
}
: >"$SCRATCH/slurm.log"
if [ -z "$why" ]; then
  lo=${array%-*} hi=${array#*-}
  # Tasks 5 and 9 fail (the node died): they never ran.
  for ((id = lo; id <= hi; id++)); do
    [ $id -eq 5 ] || [ $id -eq 9 ] && continue
    task $id "$lo" "$hi" $((hi - lo + 1)) || { [ -z "$why" ] && why="task $id failed: $(tail -2 "$SCRATCH/slurm.log" | tr '\n' '|')"; }
  done
  # The final step refuses nothing here, but the union is not complete yet.
  [ -z "$why" ] && [ "$(find "$SCRATCH/slurm/out/batch" -name 'actor-*' | wc -l)" -eq 12 ] &&
    why="tasks 5 and 9 were not needed: the test proves nothing (pick other tasks)"
  # sbatch --array=5,9: Slurm sets MIN 5, MAX 9, COUNT 2.
  task 5 5 9 2 && task 9 5 9 2 || { [ -z "$why" ] && why="the resubmission failed: $(tail -2 "$SCRATCH/slurm.log" | tr '\n' '|')"; }
  grep -q '^shard 6/16 (SLURM_ARRAY_TASK_ID=5)' "$SCRATCH/slurm.log" || { [ -z "$why" ] && why="the log does not say 'shard 6/16 (SLURM_ARRAY_TASK_ID=5)'"; }
  (cd "$SCRATCH/slurm" && bash -ec "$wrap" >"$SCRATCH/slurm-final.log" 2>&1)
  [ -z "$why" ] && why=$(final_ok slurm "$SCRATCH/slurm-final.log")
  [ -z "$why" ] && why=$(same slurm)
fi
check "Slurm recipe: the array less tasks 5 and 9, then --array=5,9, then the final step, make the single run's maps" "$why"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
