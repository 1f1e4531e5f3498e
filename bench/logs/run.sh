#!/usr/bin/env bash
# bench/logs: an app prints numbered lines as fast as it can for 10 s, under pbm and then under PM2 (from
# bench/node_modules: cd bench && npm install). Reports lines/s that reached the log files and lines lost.
# Both managers timestamp lines (pbm by default, PM2 with --time). Run by hand; never by the test suite.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
PM2="$BENCH/node_modules/.bin/pm2"
DURATION="${DURATION:-10}"
[[ -x "$PM2" ]] || { echo "bench/logs: PM2 missing: cd bench && npm install" >&2; exit 1; }
"$ROOT/pbm" --version >/dev/null
WORK="$(mktemp -d /tmp/pbm-bench-logs-XXXX)"
trap 'PBM_HOME="$WORK/pbm" "$ROOT/pbm" kill >/dev/null 2>&1 || true; PM2_HOME="$WORK/pm2" "$PM2" kill >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

settle() { # waits until the given files stop growing
  local prev="" cur
  while true; do
    sleep 2
    cur="$(cat "$@" 2>/dev/null | wc -c)"
    [[ "$cur" == "$prev" ]] && return
    prev="$cur"
  done
}

report() { # name count-file log files...
  local name="$1" sent; sent="$(cat "$2")"; shift 2
  local got; got="$(node "$BENCH/logs/count.js" "$@")"
  node -e '
    const [name, sent, dur] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const g = JSON.parse(process.argv[4]);
    console.log(`${name.padEnd(5)} printed ${sent} lines in ${dur} s (${Math.round(sent / dur)}/s); in the log files: ${g.unique} (${Math.round(g.unique / dur)}/s), lost ${sent - g.unique}, out of order ${g.outOfOrder}`);
  ' "$name" "$sent" "$DURATION" "$got"
}

echo "== pbm"
export PBM_HOME="$WORK/pbm"
DURATION=$DURATION COUNT_FILE="$WORK/pbm.count" "$ROOT/pbm" start "$BENCH/logs/flood.js" --name flood --no-autorestart --log-max-size 4G >/dev/null
until [[ -s "$WORK/pbm.count" ]]; do sleep 0.5; done
settle "$PBM_HOME"/logs/flood-0-out.log*
report pbm "$WORK/pbm.count" $(ls -r "$PBM_HOME"/logs/flood-0-out.log*)
"$ROOT/pbm" show flood --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log("pbm   dropped (counted by pbm):", JSON.parse(s).instances[0].logDropped))'
"$ROOT/pbm" kill >/dev/null
unset PBM_HOME

echo "== pm2"
export PM2_HOME="$WORK/pm2"
DURATION=$DURATION COUNT_FILE="$WORK/pm2.count" "$PM2" start "$BENCH/logs/flood.js" --name flood --no-autorestart --time \
  -o "$WORK/pm2-out.log" -e "$WORK/pm2-err.log" >/dev/null
until [[ -s "$WORK/pm2.count" ]]; do sleep 0.5; done
settle "$WORK/pm2-out.log"
report pm2 "$WORK/pm2.count" "$WORK/pm2-out.log"
"$PM2" kill >/dev/null
