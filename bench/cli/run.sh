#!/usr/bin/env bash
# bench/cli: how long `pbm list --json` takes with APPS (default 20) apps running, through the installed pbm
# (./pbm install into a temp prefix), the ./pbm script (which checks the sources for changes first) and, when
# bench/node_modules has PM2, `pm2 jlist` with the same apps. Each command runs RUNS times (default 50, after 3
# warm-up runs), the commands taking turns so that a machine getting slower weighs on all of them alike; the
# figures are each command's wall time in ms: min, median, max. Run by hand only; everything is in a temp folder.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
PM2="$BENCH/node_modules/.bin/pm2"
APPS="${APPS:-20}"
RUNS="${RUNS:-50}"
WORK="$(mktemp -d /tmp/pbm-bench-cli-XXXX)"
export PBM_HOME="$WORK/home" PM2_HOME="$WORK/pm2"
cleanup() {
  "$WORK/prefix/bin/pbm" kill >/dev/null 2>&1 || true
  "$WORK/prefix/bin/pbm" uninstall --prefix "$WORK/prefix" >/dev/null 2>&1 || true
  [[ -x "$PM2" ]] && "$PM2" kill >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$ROOT/pbm" install --prefix "$WORK/prefix" >/dev/null
PBM="$WORK/prefix/bin/pbm"
SLEEP="$(command -v sleep)"
for i in $(seq 1 "$APPS"); do "$PBM" start "$SLEEP" --name "nap$i" -- 1000000 >/dev/null; done
commands=("$PBM list --json" "$ROOT/pbm list --json")
if [[ -x "$PM2" ]]; then
  for i in $(seq 1 "$APPS"); do "$PM2" start "$SLEEP" --name "nap$i" --interpreter none -- 1000000 >/dev/null; done
  commands+=("$PM2 jlist")
fi

# One run: its wall time in microseconds (EPOCHREALTIME: bash's clock, no fork to read it).
run() {
  local start=$EPOCHREALTIME
  $1 >/dev/null
  local end=$EPOCHREALTIME
  echo $(( ${end/./} - ${start/./} ))
}
for c in "${commands[@]}"; do for _ in 1 2 3; do run "$c" >/dev/null; done; done
declare -A times
for _ in $(seq 1 "$RUNS"); do
  for c in "${commands[@]}"; do times[$c]+="$(run "$c") "; done
done
printf '%-24s %6s %8s %8s   (%s apps, %s runs, wall ms)\n' command min median max "$APPS" "$RUNS"
for c in "${commands[@]}"; do
  sorted=($(tr ' ' '\n' <<<"${times[$c]}" | grep . | sort -n))
  n=${#sorted[@]}
  label="${c/#$PBM/installed}"; label="${label/#$ROOT\/pbm/./pbm}"; label="${label/#$PM2/pm2}"
  printf '%-24s %6.1f %8.1f %8.1f\n' "$label" "$(bc -l <<<"${sorted[0]}/1000")" "$(bc -l <<<"${sorted[n/2]}/1000")" "$(bc -l <<<"${sorted[n-1]}/1000")"
done
