#!/usr/bin/env bash
# bench/soak/nojoin.sh: does a node that can never join stay bounded? Starts, each in its own PBM_HOME (mktemp),
#   wrong-seeds  a daemon whose only seed is a loopback port where nothing listens (refused, every join attempt);
#   wrong-peer   a daemon whose seed is a port that accepts TCP and answers garbage (an HTTP server: handshakes fail);
#   wrong-tls    a daemon with TLS on (a self-signed PKCS#12) whose seed is a plaintext lighthouse (handshakes fail);
# and samples, every INTERVAL s for MINUTES, each daemon's RSS, threads, open fds and the bytes of its pbm.log
# (rotated files included). Prints a CSV (bench/soak/nojoin-*.csv) and a summary: first vs last sample, the
# largest, and the log's growth per hour. Stops every process it started, by pid.
#
# Environment: MINUTES (60), INTERVAL (30), PORT_BASE (5700).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../.." && pwd)"
MINUTES="${MINUTES:-60}"; INTERVAL="${INTERVAL:-30}"; PORT_BASE="${PORT_BASE:-5700}"
"$ROOT/pbm" --version >/dev/null
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pbm-soak.XXXXXX")"
cp -a "$ROOT/.build/bin" "$WORK/bin"   # the build may be replaced while this runs
PBM="$WORK/bin/pbm"
unset PBM_ENDPOINT PBM_TOKEN PBM_HOME PBM_SEEDS CLUSTER_SEEDS CLUSTER_PORT CLUSTER_IP
export PBM_ALLOW_PLAINTEXT=1
PIDS=(); STARTS=()
cleanup() {
  set +e
  for c in wrong-seeds wrong-peer wrong-tls lighthouse; do
    [[ -S "$WORK/$c/rpc.sock" ]] && PBM_HOME="$WORK/$c" timeout 20 "$PBM" kill >/dev/null 2>&1
    [[ -f "$WORK/$c/daemon.pid" ]] && kill "$(cat "$WORK/$c/daemon.pid")" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK"/{wrong-seeds,wrong-peer,wrong-tls,lighthouse}
# wrong-peer: something that accepts and speaks HTTP.
python3 -m http.server $((PORT_BASE + 2)) --bind 127.0.0.1 >/dev/null 2>&1 & PIDS+=($!)
# wrong-tls: a plaintext lighthouse, and a node that insists on TLS.
"$WORK/bin/pbm-lighthouse" --home "$WORK/lighthouse" --cluster-port $((PORT_BASE + 3)) >/dev/null 2>&1 & PIDS+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=soak" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$WORK/node.key" -out "$WORK/node.pem" >/dev/null 2>&1
openssl pkcs12 -export -in "$WORK/node.pem" -inkey "$WORK/node.key" -out "$WORK/node.pfx" -passout pass:secret
cat > "$WORK/wrong-tls/pbm.hocon" <<HOCON
akka.remote.dot-netty.tcp {
  enable-ssl = true
  ssl { suppress-validation = false, certificate { path = "$WORK/node.pfx", password = "secret", use-thumbprint-over-file = false } }
}
HOCON
sleep 2
PBM_HOME="$WORK/wrong-seeds" "$PBM" daemon --seeds 127.0.0.1:$((PORT_BASE + 1)) --cluster-port $((PORT_BASE + 11)) >/dev/null 2>&1 & STARTS+=($!)
PBM_HOME="$WORK/wrong-peer" "$PBM" daemon --seeds 127.0.0.1:$((PORT_BASE + 2)) --cluster-port $((PORT_BASE + 12)) >/dev/null 2>&1 & STARTS+=($!)
PBM_HOME="$WORK/wrong-tls" "$PBM" daemon --seeds 127.0.0.1:$((PORT_BASE + 3)) --cluster-port $((PORT_BASE + 13)) >/dev/null 2>&1 & STARTS+=($!)

# Each `pbm daemon` waits 30 s for a readiness that never comes (exit 1, the daemon runs on): started side by side.
for p in "${STARTS[@]}"; do wait "$p" || true; done
CSV="$DIR/nojoin-$(date +%Y%m%d-%H%M).csv"
echo "seconds,case,rss_kb,threads,fds,log_bytes" > "$CSV"
sample() {
  local t=$1 c pid
  for c in wrong-seeds wrong-peer wrong-tls; do
    pid=$(cat "$WORK/$c/daemon.pid" 2>/dev/null || echo 0)
    if [[ ! -d /proc/$pid ]]; then echo "$t,$c,dead,0,0,0" >> "$CSV"; continue; fi
    local rss thr fds logb
    rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status); thr=$(awk '/Threads/{print $2}' /proc/$pid/status)
    fds=$(ls /proc/$pid/fd | wc -l); logb=$(cat "$WORK/$c"/pbm.log* 2>/dev/null | wc -c)
    echo "$t,$c,$rss,$thr,$fds,$logb" >> "$CSV"
  done
}
start=$(date +%s); end=$((start + MINUTES * 60))
while (( $(date +%s) < end )); do sample $(( $(date +%s) - start )); sleep "$INTERVAL"; done
sample $(( $(date +%s) - start ))
for c in wrong-seeds wrong-peer wrong-tls; do tail -2 "$WORK/$c/pbm.log" | sed "s/^/[$c] /" | cut -c1-220; done
python3 - "$CSV" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["rss_kb"] != "dead"]
dead = [r for r in csv.DictReader(open(sys.argv[1])) if r["rss_kb"] == "dead"]
for case in ("wrong-seeds", "wrong-peer", "wrong-tls"):
    rs = [r for r in rows if r["case"] == case]
    if not rs: print(f"{case}: no samples (dead)"); continue
    first, last = rs[0], rs[-1]
    hours = max(int(last["seconds"]) - int(first["seconds"]), 1) / 3600
    # Growth measured after the first 5 minutes (start-up, JIT-free AOT but caches filling).
    warm = [r for r in rs if int(r["seconds"]) >= 300] or rs
    print(f"{case}: {len(rs)} samples over {int(last['seconds'])/60:.0f} min; RSS {int(first['rss_kb'])/1024:.1f} -> {int(last['rss_kb'])/1024:.1f} MB "
          f"(max {max(int(r['rss_kb']) for r in rs)/1024:.1f}, after 5 min {int(warm[0]['rss_kb'])/1024:.1f} -> {int(warm[-1]['rss_kb'])/1024:.1f}); "
          f"threads {first['threads']} -> {last['threads']}; fds {first['fds']} -> {last['fds']}; "
          f"pbm.log {int(first['log_bytes'])} -> {int(last['log_bytes'])} bytes ({(int(last['log_bytes'])-int(first['log_bytes']))/hours/1024:.0f} KB/h)")
if dead: print(f"DEAD samples: {len(dead)}")
PY
echo "csv: $CSV"
