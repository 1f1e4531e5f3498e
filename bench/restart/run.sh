#!/usr/bin/env bash
# bench/restart (issue 2, item 11): time from SIGKILL of an instance to a NEW pid answering HTTP, for the app started
# by hand (the floor), pbm, PM2 fork mode and PM2 cluster mode; then `pbm list` against `pm2 jlist` with 20 instances.
# One command: installs pm2 here if missing, runs everything with private homes, cleans up, prints the table.
# Raw results (JSON, pbm.log, summary.md) go to bench/restart/results/TIMESTAMP/ (git-ignored). See README.md.
#
# Environment: KILLS (20), GAP seconds between kills (1.5), RUNS of each list command (20),
#              PORT_BASE (4100: floor, +1 pbm, +2 PM2 fork, +3 PM2 cluster), SKIP_CLUSTER=1 to leave PM2 cluster out.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../.." && pwd)"
KILLS="${KILLS:-20}"; GAP="${GAP:-1.5}"; RUNS="${RUNS:-20}"; PORT_BASE="${PORT_BASE:-4100}"
HELLO="$ROOT/examples/hello/app.js"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$DIR/results/$STAMP"
mkdir -p "$RESULTS"

for c in node npm python3; do command -v "$c" >/dev/null || { echo "run.sh: $c is needed" >&2; exit 1; }; done

# --- PM2, installed here from npm (bench/**/node_modules is git-ignored) ---
PM2_BIN="$DIR/node_modules/.bin/pm2"
if [[ ! -x "$PM2_BIN" ]]; then
  echo "== installing pm2 into $DIR/node_modules" >&2
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error >&2
fi

# --- pbm: build if needed, then run a private copy so a concurrent rebuild of .build/bin cannot swap it mid-run ---
"$ROOT/pbm" version >/dev/null
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pbm-bench-restart.XXXXXX")"
cp -a "$ROOT/.build/bin" "$WORK/pbm-bin"
PBM_BIN="$WORK/pbm-bin/pbm"
export PBM_HOME="$WORK/pbm-home" PM2_HOME="$WORK/pm2-home" PBM_BIN PM2_BIN
mkdir -p "$PBM_HOME" "$PM2_HOME"
unset PBM_ENDPOINT PBM_TOKEN

cleanup() {
  set +e
  # Every process this run started, by pid: both daemons and every instance they report.
  local pids=""
  [[ -f "$PBM_HOME/daemon.pid" ]] && pids+=" $(cat "$PBM_HOME/daemon.pid")"
  [[ -f "$PM2_HOME/pm2.pid" ]] && pids+=" $(cat "$PM2_HOME/pm2.pid")"
  [[ -S "$PBM_HOME/rpc.sock" ]] && pids+=" $("$PBM_BIN" list --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(str(i["pid"]) for a in json.load(sys.stdin)["apps"] for i in a["instances"] if i.get("pid")))' 2>/dev/null)"
  [[ -f "$PM2_HOME/pm2.pid" ]] && pids+=" $("$PM2_BIN" jlist 2>/dev/null | python3 -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin) if p.get("pid")))' 2>/dev/null)"
  "$PBM_BIN" kill >/dev/null 2>&1
  "$PM2_BIN" kill >/dev/null 2>&1
  for pid in $pids; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "run.sh: pid $pid still runs 10 s after its manager's kill; SIGKILL" >&2; kill -9 "$pid" 2>/dev/null; fi
  done
  [[ -f "$PBM_HOME/pbm.log" ]] && cp "$PBM_HOME/pbm.log" "$RESULTS/pbm.log"
  [[ -f "$PM2_HOME/pm2.log" ]] && cp "$PM2_HOME/pm2.log" "$RESULTS/pm2.log"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in 0 1 2 3; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$((PORT_BASE + p))") 2>/dev/null; then
    echo "run.sh: port $((PORT_BASE + p)) is taken; set PORT_BASE" >&2; exit 1
  fi
done

cat >"$RESULTS/meta.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "host": "$(uname -n)", "cores": $(nproc),
 "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
 "load_before": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "pbm_commit": "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src hocon 2>/dev/null || echo '+uncommitted src changes')",
 "pm2_version": "$("$PM2_BIN" --version 2>/dev/null | tail -1)", "node_version": "$(node --version)",
 "kills": $KILLS, "gap_s": $GAP}
EOF

D="$DIR/driver.py"

echo "== restart: floor (port $PORT_BASE), pbm ($((PORT_BASE + 1))), PM2 fork ($((PORT_BASE + 2)))$([[ "${SKIP_CLUSTER:-0}" == 1 ]] || echo ", PM2 cluster -i 1 ($((PORT_BASE + 3)))"), kills interleaved" >&2
PORT=$((PORT_BASE + 1)) "$PBM_BIN" start "$HELLO" --name hello >&2
PORT=$((PORT_BASE + 2)) "$PM2_BIN" start "$HELLO" --name hello-fork >/dev/null
TARGETS=("floor:$PORT_BASE" "pbm:pbm:hello:$((PORT_BASE + 1))" "pm2:pm2-fork:hello-fork:$((PORT_BASE + 2))")
if [[ "${SKIP_CLUSTER:-0}" != 1 ]]; then
  PORT=$((PORT_BASE + 3)) "$PM2_BIN" start "$HELLO" --name hello-cluster -i 1 >/dev/null
  TARGETS+=("pm2:pm2-cluster:hello-cluster:$((PORT_BASE + 3))")
fi
python3 "$D" restart "${TARGETS[@]}" --kills "$KILLS" --gap "$GAP" --out-dir "$RESULTS"
"$PBM_BIN" delete hello >&2
"$PM2_BIN" delete all >/dev/null

# What pbm decided after each exit, from its own log (restart delay and unstable count).
{
  echo "pbm.log, hello restarts: $(grep -c 'hello:0 restart #' "$PBM_HOME/pbm.log" || true) logged;" \
       "delays chosen (ms -> count): $(grep -o 'hello:0 restart #[0-9]* in [0-9]* ms' "$PBM_HOME/pbm.log" | awk '{print $5}' | sort -n | uniq -c | awk '{printf "%s->%s ", $2, $1}')"
  echo "pbm.log, unstable counts (n -> count): $(grep -o 'unstable starts in a row: [0-9]*' "$PBM_HOME/pbm.log" | awk '{print $NF}' | sort -n | uniq -c | awk '{printf "%s->%s ", $2, $1}')"
} >"$RESULTS/pbm-restart-log.txt"

echo "== 20 idle instances under each manager; timing the list commands" >&2
"$PBM_BIN" start "$DIR/idle.js" --name idle -i 20 >&2
cat >"$WORK/idle.config.js" <<EOF
module.exports = { apps: [{ name: 'idle', script: '$DIR/idle.js', exec_mode: 'fork', instances: 20 }] };
EOF
"$PM2_BIN" start "$WORK/idle.config.js" >/dev/null
for _ in $(seq 100); do
  a=$("$PBM_BIN" list --json | python3 -c 'import json,sys; print(sum(i["status"]=="online" for a in json.load(sys.stdin)["apps"] for i in a["instances"]))')
  b=$("$PM2_BIN" jlist | python3 -c 'import json,sys; print(sum(p["pm2_env"]["status"]=="online" for p in json.load(sys.stdin)))')
  [[ "$a" == 20 && "$b" == 20 ]] && break
  sleep 0.2
done
echo "online: pbm $a, pm2 $b" >&2
sleep 2
python3 "$D" listtime --out "$RESULTS/list.json" --runs "$RUNS" -- \
  "pbm list=$PBM_BIN list" "pbm list --json=$PBM_BIN list --json" "pm2 jlist=$PM2_BIN jlist" "pm2 list=$PM2_BIN list"

python3 - "$RESULTS/meta.json" <<'EOF'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["load_after"] = " ".join(open("/proc/loadavg").read().split()[:3])
json.dump(m, open(p, "w"), indent=1)
EOF

cp "$PBM_HOME/pbm.log" "$RESULTS/pbm.log"
echo >&2
python3 "$D" table "$RESULTS"
echo
echo "(raw results: $RESULTS)"
