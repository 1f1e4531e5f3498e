#!/usr/bin/env bash
# bench/cluster (issue 5, item 10): a 10-node pbm cluster on this machine (one pbm-lighthouse seed with the TCP
# control API + 10 worker daemons, loopback): `pbm list` latency through a worker's socket and through the
# lighthouse API; INSTANCES (500) idle instances (idle.sh, `exec sleep`) spread over the cluster with each daemon's
# CPU% and RSS; failover time for a host kill and for a master kill (SIGKILL until `list` shows every instance
# online on surviving hosts). One command; private homes, private copy of .build/bin; stops everything it started.
# Raw results go to bench/cluster/results/TIMESTAMP/ (git-ignored). See README.md.
#
# Environment: NODES (10) workers, INSTANCES (500), RUNS (30) of each list, WINDOW (10) s CPU window,
#              PORT_BASE (4300: seed, +1 API, +10.. workers).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../.." && pwd)"
NODES="${NODES:-10}"; INSTANCES="${INSTANCES:-500}"; RUNS="${RUNS:-30}"; WINDOW="${WINDOW:-10}"; PORT_BASE="${PORT_BASE:-4300}"
SEED=$PORT_BASE; API=$((PORT_BASE + 1))
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$DIR/results/$STAMP"
mkdir -p "$RESULTS"
command -v python3 >/dev/null || { echo "run.sh: python3 is needed" >&2; exit 1; }

"$ROOT/pbm" --version >/dev/null          # builds if needed (the build lock serializes concurrent builds)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pbm-bench-cluster.XXXXXX")"
cp -a "$ROOT/.build/bin" "$WORK/pbm-bin"
PBM_BIN="$WORK/pbm-bin/pbm"
export PBM_BIN WORK RESULTS
unset PBM_ENDPOINT PBM_TOKEN PBM_HOME

LH_PID=""
cleanup() {
  set +e
  echo "== cleanup" >&2
  for i in $(seq 0 $((NODES - 1))); do
    [[ -S "$WORK/w$i/rpc.sock" ]] && PBM_HOME="$WORK/w$i" timeout 30 "$PBM_BIN" kill >/dev/null 2>&1
  done
  local pids="$LH_PID"
  for i in $(seq 0 $((NODES - 1))); do [[ -f "$WORK/w$i/daemon.pid" ]] && pids+=" $(cat "$WORK/w$i/daemon.pid")"; done
  # every instance pid the driver ever saw (orphans of killed hosts included), only if still our idle.sh sleep
  [[ -f "$RESULTS/pids.txt" ]] && for p in $(sort -u "$RESULTS/pids.txt"); do
    grep -qs "sleep.100000" "/proc/$p/cmdline" 2>/dev/null && pids+=" $p"
  done
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  for pid in $pids; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "run.sh: pid $pid survived SIGTERM; SIGKILL" >&2; kill -9 "$pid" 2>/dev/null; }
  done
  for i in $(seq 0 $((NODES - 1))); do [[ -f "$WORK/w$i/pbm.log" ]] && cp "$WORK/w$i/pbm.log" "$RESULTS/w$i.pbm.log"; done
  cp "$WORK/lh.log" "$RESULTS/lighthouse.log" 2>/dev/null
  left=$(pgrep -f "$WORK" | wc -l)
  [[ "$left" != 0 ]] && echo "run.sh: $left processes still mention $WORK" >&2
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $SEED $API $(seq $((PORT_BASE + 10)) $((PORT_BASE + 9 + NODES))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "run.sh: port $p is taken; set PORT_BASE" >&2; exit 1; fi
done

cat >"$RESULTS/meta.json" <<EOF2
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "host": "$(uname -n)", "cores": $(nproc),
 "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
 "mem_total_gb": $(free -g | awk '/Mem:/{print $2}'), "mem_avail_gb_before": $(free -g | awk '/Mem:/{print $7}'),
 "load_before": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "pbm_commit": "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src hocon 2>/dev/null || echo '+uncommitted src changes')",
 "nodes": $NODES, "instances": $INSTANCES, "runs": $RUNS, "window_s": $WINDOW}
EOF2

echo "== lighthouse (seed 127.0.0.1:$SEED, API 127.0.0.1:$API)" >&2
mkdir -p "$WORK/lh"
PBM_HOME="$WORK/lh" "$WORK/pbm-bin/pbm-lighthouse" --home "$WORK/lh" --cluster-port "$SEED" --api "127.0.0.1:$API" >"$WORK/lh.log" 2>&1 &
LH_PID=$!
echo "$LH_PID" >"$WORK/lh.pid"
for _ in $(seq 300); do [[ -s "$WORK/lh/token" ]] && break; sleep 0.1; done

start_worker() { mkdir -p "$WORK/w$1"; PBM_HOME="$WORK/w$1" "$PBM_BIN" daemon --seeds "127.0.0.1:$SEED" --cluster-port "$((PORT_BASE + 10 + $1))" >"$WORK/w$1.start.log" 2>&1 || { echo "worker $1 failed:" >&2; cat "$WORK/w$1.start.log" >&2; return 1; }; }
T0=$(date +%s.%N)
echo "== worker 0 first (the oldest member: the master singleton's host)" >&2
start_worker 0
echo "== workers 1..$((NODES - 1)) in parallel" >&2
pids=(); for i in $(seq 1 $((NODES - 1))); do start_worker "$i" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
echo "{\"workers_started_s\": $(echo "$(date +%s.%N) - $T0" | bc)}" >"$RESULTS/startup.json"

python3 "$DIR/driver.py" run --nodes "$NODES" --instances "$INSTANCES" --runs "$RUNS" --window "$WINDOW" \
  --port-base "$PORT_BASE" --out-dir "$RESULTS"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["load_after"]=open("/proc/loadavg").read().split()[:3]; json.dump(d,open(sys.argv[1],"w"))' "$RESULTS/meta.json"
python3 "$DIR/driver.py" table "$RESULTS"
