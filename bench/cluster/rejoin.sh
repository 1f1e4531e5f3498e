#!/usr/bin/env bash
# bench/cluster/rejoin.sh: how often does a host agent that is kill -9'd and restarted on the SAME address fail to
# rejoin? Loops ROUNDS times: a pbm-lighthouse seed + 3 workers (loopback, private PBM_HOMEs in a mktemp dir), wait
# until all are Up, kill -9 the VICTIMS workers, start them again DELAY s later on the same ports, then measure the
# seconds until each restarted node's own `pbm cluster show --json` says it is Up (TIMEOUT s: a failure). LOAD=2
# runs two busy loops (setsid bash -c 'while :; do :; done') for the whole run, as the report that found the bug did.
# Stops every process it started, by pid (`pbm kill` per home first), and prints a summary line.
#
# Environment: ROUNDS (10), VICTIMS ("1 2": worker indexes 0-2; 0 is the oldest, the master's host), DELAY (0.5),
#              TIMEOUT (30), LOAD (0), PORT_BASE (5600: seed, +1 API, +10.. workers), KEEP_LOGS (dir for the logs of
#              failed rounds), DEBUG (1: akka.loglevel=DEBUG, remote lifecycle events and dead letters in every
#              node's pbm.log; it slows the nodes enough to hide the race; 2: only the lifecycle events, at INFO).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../.." && pwd)"
ROUNDS="${ROUNDS:-10}"; VICTIMS="${VICTIMS:-1 2}"; DELAY="${DELAY:-0.5}"; TIMEOUT="${TIMEOUT:-30}"; LOAD="${LOAD:-0}"
PORT_BASE="${PORT_BASE:-5600}"; KEEP_LOGS="${KEEP_LOGS:-}"; DEBUG="${DEBUG:-0}"
SEED=$PORT_BASE; API=$((PORT_BASE + 1)); NODES=3

"$ROOT/pbm" --version >/dev/null
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pbm-rejoin.XXXXXX")"
cp -a "$ROOT/.build/bin" "$WORK/pbm-bin"
PBM_BIN="$WORK/pbm-bin/pbm"
unset PBM_ENDPOINT PBM_TOKEN PBM_HOME PBM_SEEDS CLUSTER_SEEDS CLUSTER_PORT CLUSTER_IP
if [[ "$DEBUG" == 2 ]]; then export AKKA__REMOTE__LOG_REMOTE_LIFECYCLE_EVENTS=INFO; fi
if [[ "$DEBUG" == 1 ]]; then export AKKA__LOGLEVEL=DEBUG AKKA__REMOTE__LOG_REMOTE_LIFECYCLE_EVENTS=DEBUG AKKA__LOG_DEAD_LETTERS=on; fi

LH_PID=""; LOAD_PIDS=(); ROUND_DIR=""
stop_round() {
  set +e
  local pids="$LH_PID"
  for i in $(seq 0 $((NODES - 1))); do
    [[ -S "$ROUND_DIR/w$i/rpc.sock" ]] && PBM_HOME="$ROUND_DIR/w$i" timeout 20 "$PBM_BIN" kill >/dev/null 2>&1
    [[ -f "$ROUND_DIR/w$i/daemon.pid" ]] && pids+=" $(cat "$ROUND_DIR/w$i/daemon.pid")"
  done
  pids+=" ${ALL_PIDS:-}"
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  for pid in $pids; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  done
  LH_PID=""; ALL_PIDS=""
  set -e
}
cleanup() {
  set +e
  [[ -n "$ROUND_DIR" ]] && stop_round
  for p in "${LOAD_PIDS[@]}"; do kill -- "-$p" 2>/dev/null; kill "$p" 2>/dev/null; done
  # every daemon ever started is gone: the reap watchdogs ("--reap-instances") follow their daemon
  sleep 0.5
  left=$(pgrep -f "$WORK" | wc -l)
  [[ "$left" != 0 ]] && { echo "rejoin.sh: $left processes still mention $WORK:" >&2; pgrep -fa "$WORK" >&2; }
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $SEED $API $(seq $((PORT_BASE + 10)) $((PORT_BASE + 9 + NODES))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "rejoin.sh: port $p is taken; set PORT_BASE" >&2; exit 1; fi
done

for _ in $(seq "$LOAD"); do setsid bash -c 'while :; do :; done' & LOAD_PIDS+=($!); done

start_worker() { # index
  mkdir -p "$ROUND_DIR/w$1"
  PBM_HOME="$ROUND_DIR/w$1" timeout 90 "$PBM_BIN" daemon --seeds "127.0.0.1:$SEED" --cluster-port "$((PORT_BASE + 10 + $1))" \
    >>"$ROUND_DIR/w$1.start.log" 2>&1
}
self_up() { # index: the node's own view says it is an Up member
  PBM_HOME="$ROUND_DIR/w$1" timeout 5 "$PBM_BIN" cluster show --json 2>/dev/null |
    jq -e '.members[] | select(.isSelf and .status == "Up")' >/dev/null 2>&1
}
members_up() { # count of Up members the lighthouse sees
  timeout 5 "$PBM_BIN" cluster show --json --endpoint "127.0.0.1:$API" --token "$(cat "$ROUND_DIR/lh/token")" 2>/dev/null |
    jq '[.members[] | select(.status == "Up" and .reachable)] | length' 2>/dev/null || echo 0
}

fails=0; results=()
for round in $(seq "$ROUNDS"); do
  ROUND_DIR="$WORK/r$round"; mkdir -p "$ROUND_DIR/lh"; ALL_PIDS=""
  PBM_HOME="$ROUND_DIR/lh" "$WORK/pbm-bin/pbm-lighthouse" --home "$ROUND_DIR/lh" --cluster-port "$SEED" --api "127.0.0.1:$API" \
    >"$ROUND_DIR/lh.out" 2>&1 &
  LH_PID=$!
  for _ in $(seq 300); do [[ -s "$ROUND_DIR/lh/token" ]] && break; sleep 0.1; done
  start_worker 0
  start_worker 1 & p1=$!; start_worker 2 & p2=$!; wait $p1 $p2
  for _ in $(seq 120); do [[ "$(members_up)" == 4 ]] && break; sleep 0.5; done
  [[ "$(members_up)" == 4 ]] || { echo "round $round: cluster did not form" >&2; stop_round; continue; }
  sleep 1
  for v in $VICTIMS; do kill -9 "$(cat "$ROUND_DIR/w$v/daemon.pid")"; done
  sleep "$DELAY"
  T0=$(date +%s.%N)
  for v in $VICTIMS; do start_worker "$v" & ALL_PIDS+=" $!"; done
  declare -A took=()
  while :; do
    now=$(date +%s.%N); el=$(echo "$now - $T0" | bc)
    for v in $VICTIMS; do [[ -z "${took[$v]:-}" ]] && self_up "$v" && took[$v]=$(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)"); done
    done_all=1; for v in $VICTIMS; do [[ -z "${took[$v]:-}" ]] && done_all=0; done
    [[ $done_all == 1 ]] && break
    (( $(echo "$el > $TIMEOUT" | bc) )) && break
    sleep 0.25
  done
  line="round $round:"; failed=0
  for v in $VICTIMS; do line+=" w$v=${took[$v]:-FAIL}"; [[ -z "${took[$v]:-}" ]] && failed=1; done
  unset took
  echo "$line" >&2; results+=("$line")
  if [[ $failed == 1 ]]; then
    fails=$((fails + 1))
    if [[ -n "$KEEP_LOGS" ]]; then
      d="$KEEP_LOGS/round-$round-$(date +%H%M%S)"; mkdir -p "$d"
      cp "$ROUND_DIR/lh/pbm.log" "$d/lighthouse.log" 2>/dev/null || cp "$ROUND_DIR/lh.out" "$d/lighthouse.log"
      for i in $(seq 0 $((NODES - 1))); do cp "$ROUND_DIR/w$i/pbm.log" "$d/w$i.log" 2>/dev/null; cp "$ROUND_DIR/w$i.start.log" "$d/" 2>/dev/null; done
      echo "  logs kept in $d" >&2
    fi
  fi
  stop_round
  rm -rf "$ROUND_DIR"
done
echo "rejoin: $fails of $ROUNDS rounds had a node not Up within ${TIMEOUT}s (victims: $VICTIMS, delay ${DELAY}s, load $LOAD, $(git -C "$ROOT" rev-parse --short HEAD))"
