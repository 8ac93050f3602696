#!/usr/bin/env bash
# influmap render killed with SIGKILL at random moments, over an existing
# output: after every kill the output is the old file or the whole new one
# (byte-identical to an uninterrupted render), never a partial one. What a
# SIGKILL leaves is only ".NAME.PID.N.tmp" files of the killed processes,
# beside the output; the next render of that output removes them.
#
# Usage: kill_render.sh INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR [KILLS-PER-FORMAT]
# KILL_SEED=N repeats a run's random moments (each run prints its seed).
set -u

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 INFLUMAP-BINARY REPO-ROOT SCRATCH-DIR [KILLS-PER-FORMAT]" >&2
  exit 2
fi
BIN=$1
REPO=$2
SCRATCH=$3
KILLS=${4:-10}
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

seed=${KILL_SEED:-$(( $$ ^ $(date +%s) ))}
RANDOM=$seed
echo "# KILL_SEED=$seed"

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

SPEC=$REPO/styles/latam-overview.yaml
# About a quarter to a third of a second in a plain build: kills within
# 0-400 ms land before, during and after the rename.
NEW=(--size 120x90mm --dpi 150)
OLD=(--size 100x80mm --dpi 150)

for fmt in png pdf; do
  dir=$SCRATCH/$fmt
  mkdir -p "$dir"
  why=
  t0=$(date +%s%N)
  "$BIN" render "$SPEC" -o "$SCRATCH/new.$fmt" "${NEW[@]}" 2>"$SCRATCH/err" || why="reference render failed: $(head -c 300 "$SCRATCH/err")"
  # Kills land within 0-400 ms, or within 1.25 times a render where one
  # takes longer (a sanitizer build), so that some come after the rename.
  render_ms=$((($(date +%s%N) - t0) / 1000000))
  window=$((render_ms * 5 / 4 > 400 ? render_ms * 5 / 4 : 400))
  "$BIN" render "$SPEC" -o "$SCRATCH/old.$fmt" "${OLD[@]}" 2>"$SCRATCH/err" || why="old render failed: $(head -c 300 "$SCRATCH/err")"
  if [ -z "$why" ] && cmp -s "$SCRATCH/old.$fmt" "$SCRATCH/new.$fmt"; then
    why="the old and new renders are the same bytes: the test could not tell them apart"
  fi
  check "$fmt: reference and old renders" "$why"
  [ -z "$why" ] || continue

  target=$dir/map.$fmt
  kept_old=0
  got_new=0
  killed=()
  why=
  for ((i = 1; i <= KILLS; i++)); do
    cp "$SCRATCH/old.$fmt" "$target"
    ms=$((RANDOM % (window + 1)))
    "$BIN" render "$SPEC" -o "$target" "${NEW[@]}" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    killed+=("$pid")
    if cmp -s "$target" "$SCRATCH/old.$fmt"; then
      kept_old=$((kept_old + 1))
    elif cmp -s "$target" "$SCRATCH/new.$fmt"; then
      got_new=$((got_new + 1))
    else
      why="kill $i after $ms ms: the output is neither the old file nor the new one ($(stat -c %s "$target") bytes)"
      break
    fi
    # Anything else in the folder must be a temporary file of a killed render.
    for f in "$dir"/.* "$dir"/*; do
      name=${f##*/}
      case $name in . | .. | "map.$fmt" | ".*" | "*") continue ;; esac
      ok=
      for p in "${killed[@]}"; do
        [[ $name =~ ^\.map\.$fmt\.$p\.[0-9]+\.tmp$ ]] && ok=1
      done
      [ -n "$ok" ] || why="kill $i after $ms ms: unexpected file $name"
    done
    [ -z "$why" ] || break
  done
  temps=$(find "$dir" -name '.*.tmp' | wc -l)
  check "$fmt: $KILLS SIGKILLs at 0-$window ms (a render: $render_ms ms): $kept_old left the old file, \
$got_new the new one, never a partial" "$why"

  # The next render removes the killed renders' temporary files.
  why=
  if ! "$BIN" render "$SPEC" -o "$target" "${NEW[@]}" 2>"$SCRATCH/err"; then
    why="render failed: $(head -c 300 "$SCRATCH/err")"
  elif ! cmp -s "$target" "$SCRATCH/new.$fmt"; then
    why="an uninterrupted render differs from the reference (rendering is not deterministic)"
  elif [ -n "$(find "$dir" -mindepth 1 ! -name "map.$fmt")" ]; then
    why="left: $(find "$dir" -mindepth 1 ! -name "map.$fmt" | head -3 | tr '\n' ' ')"
  fi
  check "$fmt: the next render replaces the output and removes what the kills left ($temps temporary files)" "$why"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
