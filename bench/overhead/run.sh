#!/usr/bin/env bash
# bench/overhead: the daemon's own CPU and memory with 0, 20 and 200 idle instances, pbm and then PM2
# (from bench/node_modules: cd bench && npm install). Instances are `sleep` processes, so what is measured is
# the manager, not Node. CPU is averaged over WINDOW seconds (default 20) after SETTLE seconds (default 30: a daemon runs for months, so tiered JIT compiling at start is left out). Run by hand only.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
PM2="$BENCH/node_modules/.bin/pm2"
SECONDS_SAMPLED="${WINDOW:-20}"   # not $SECONDS: bash counts seconds since start in it
COUNTS="${COUNTS:-0 20 200}"
[[ -x "$PM2" ]] || { echo "bench/overhead: PM2 missing: cd bench && npm install" >&2; exit 1; }
"$ROOT/pbm" --version >/dev/null
WORK="$(mktemp -d /tmp/pbm-bench-overhead-XXXX)"
trap 'PBM_HOME="$WORK/pbm" "$ROOT/pbm" kill >/dev/null 2>&1 || true; PM2_HOME="$WORK/pm2" "$PM2" kill >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
SLEEP="$(command -v sleep)"

for n in $COUNTS; do
  export PBM_HOME="$WORK/pbm"
  "$ROOT/pbm" ping >/dev/null
  [[ "$n" -gt 0 ]] && "$ROOT/pbm" start "$SLEEP" --name idle -i "$n" -- 1000000 >/dev/null
  sleep "${SETTLE:-30}"
  echo "pbm  instances=$n $(node "$BENCH/overhead/measure.js" "$(cat "$PBM_HOME/daemon.pid")" "$SECONDS_SAMPLED")"
  "$ROOT/pbm" kill >/dev/null
  unset PBM_HOME

  export PM2_HOME="$WORK/pm2"
  "$PM2" ping >/dev/null
  if [[ "$n" -gt 0 ]]; then
    node -e '
      const n = Number(process.argv[1]);
      const apps = Array.from({ length: n }, (_, i) => ({ name: `idle-${i}`, script: process.argv[2], args: "1000000", interpreter: "none", exec_mode: "fork" }));
      require("fs").writeFileSync(process.argv[3], JSON.stringify({ apps }));
    ' "$n" "$SLEEP" "$WORK/eco.json"
    "$PM2" start "$WORK/eco.json" >/dev/null
  fi
  sleep "${SETTLE:-30}"
  echo "pm2  instances=$n $(node "$BENCH/overhead/measure.js" "$(cat "$PM2_HOME/pm2.pid")" "$SECONDS_SAMPLED")"
  "$PM2" kill >/dev/null
  unset PM2_HOME
done
