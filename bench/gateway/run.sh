#!/usr/bin/env bash
# bench/gateway (issue 4, item 12): the same Node app (examples/hello/app.js), two instances, behind pbm's gateway,
# PM2 cluster mode (-i 2) and nginx round-robin, against one instance direct: req/s and p99 with wrk, in one run;
# then errors under load during rolling reloads (pbm reload vs pm2 reload) and during a kill loop (one of the two
# instances SIGKILLed every second for 10 s) for pbm, PM2 cluster and nginx (instances respawned by this script).
# One command: installs wrk, nginx (apt) and pm2 (npm, here) if missing, runs everything with private homes,
# stops everything it started, prints the table. Raw results go to bench/gateway/results/TIMESTAMP/ (git-ignored).
#
# Environment: ROUNDS (2) throughput rounds, DURATION (10) s per wrk run, WARMUP (3) s unrecorded wrk run before
#              each, RELOADS (3) reloads under one load, KILLS (10), WRK_THREADS (2), WRK_CONNS (50),
#              WRK_TIMEOUT (2s), PORT_BASE (4200: direct A, +1 direct B, +2 nginx, +3 pbm gateway, +4 PM2 cluster),
#              SKIP_ERRORS=1 to run the throughput part only, NGINX_FORWARDED=0 for nginx without the X-Forwarded-*
#              headers pbm sets (see the nginx config below).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../.." && pwd)"
ROUNDS="${ROUNDS:-2}"; DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-3}"; RELOADS="${RELOADS:-3}"; KILLS="${KILLS:-10}"
PORT_BASE="${PORT_BASE:-4200}"
P_A=$PORT_BASE; P_B=$((PORT_BASE + 1)); P_NGINX=$((PORT_BASE + 2)); P_PBM=$((PORT_BASE + 3)); P_PM2=$((PORT_BASE + 4))
HELLO="$ROOT/examples/hello/app.js"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$DIR/results/$STAMP"
mkdir -p "$RESULTS"

for c in node npm python3; do command -v "$c" >/dev/null || { echo "run.sh: $c is needed" >&2; exit 1; }; done

# --- wrk and nginx from Debian; PM2 from npm into bench/gateway/node_modules (git-ignored) ---
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
if (( ${#need[@]} )); then
  echo "== apt-get install ${need[*]}" >&2
  apt-get install -y "${need[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${need[@]}" >&2; }
  # the Debian package starts a system nginx on :80; this bench does not use it (it runs its own).
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
PM2_BIN="$DIR/node_modules/.bin/pm2"
if [[ ! -x "$PM2_BIN" ]]; then
  echo "== installing pm2 into $DIR/node_modules" >&2
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error >&2
fi

# --- pbm: build if needed, then run a private copy so a concurrent rebuild of .build/bin cannot swap it mid-run ---
"$ROOT/pbm" version >/dev/null
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pbm-bench-gateway.XXXXXX")"
cp -a "$ROOT/.build/bin" "$WORK/pbm-bin"
PBM_BIN="$WORK/pbm-bin/pbm"
export PBM_HOME="$WORK/pbm-home" PM2_HOME="$WORK/pm2-home" PBM_BIN PM2_BIN
mkdir -p "$PBM_HOME" "$PM2_HOME" "$WORK/nginx"
unset PBM_ENDPOINT PBM_TOKEN

cleanup() {
  set +e
  # Every process this run started, by pid: both daemons and every instance they report, nginx, hand instances.
  local pids=""
  [[ -f "$PBM_HOME/daemon.pid" ]] && pids+=" $(cat "$PBM_HOME/daemon.pid")"
  [[ -f "$PM2_HOME/pm2.pid" ]] && pids+=" $(cat "$PM2_HOME/pm2.pid")"
  [[ -S "$PBM_HOME/rpc.sock" ]] && pids+=" $("$PBM_BIN" list --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(str(i["pid"]) for a in json.load(sys.stdin)["apps"] for i in a["instances"] if i.get("pid")))' 2>/dev/null)"
  [[ -f "$PM2_HOME/pm2.pid" ]] && pids+=" $("$PM2_BIN" jlist 2>/dev/null | python3 -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin) if p.get("pid")))' 2>/dev/null)"
  "$PBM_BIN" kill >/dev/null 2>&1
  "$PM2_BIN" kill >/dev/null 2>&1
  if [[ -f "$WORK/nginx/nginx.pid" ]]; then
    pids+=" $(cat "$WORK/nginx/nginx.pid")"; kill -QUIT "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
  fi
  for f in "$WORK"/hand-*.pid; do [[ -f "$f" ]] && { pids+=" $(cat "$f")"; kill -TERM "$(cat "$f")" 2>/dev/null; }; done
  for pid in $pids; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "run.sh: pid $pid still runs 10 s after its stop; SIGKILL" >&2; kill -9 "$pid" 2>/dev/null; fi
  done
  [[ -f "$PBM_HOME/pbm.log" ]] && cp "$PBM_HOME/pbm.log" "$RESULTS/pbm.log"
  [[ -f "$PM2_HOME/pm2.log" ]] && cp "$PM2_HOME/pm2.log" "$RESULTS/pm2.log"
  cp "$WORK/nginx/error.log" "$RESULTS/nginx-error.log" 2>/dev/null
  cp "$WORK/nginx/nginx.conf" "$RESULTS/nginx.conf" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $P_A $P_B $P_NGINX $P_PBM $P_PM2; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "run.sh: port $p is taken; set PORT_BASE" >&2; exit 1; fi
done

wait_http() {  # port [seconds]
  for _ in $(seq $((${2:-30} * 20))); do
    curl -fs -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0; sleep 0.05
  done
  echo "run.sh: nothing answers on 127.0.0.1:$1" >&2; return 1
}

# --- the four setups, all up for the whole run (idle ones cost next to nothing) ---
echo "== starting: direct instances :$P_A :$P_B, nginx :$P_NGINX over both, pbm gateway :$P_PBM (-i 2), PM2 cluster :$P_PM2 (-i 2)" >&2
# Every server runs in a session of its own, as the managers' processes do (pbm's daemon and instances, PM2's
# daemon and workers) and as services do in production: with kernel.sched_autogroup_enabled (the default) the
# scheduler shares the CPU between sessions, so a server left in wrk's session would share wrk's slice and get its
# wake-ups within it, which on a busy machine made nginx and direct look up to 2x faster than the same nginx in a
# session of its own (README, Method). setsid execs in place here (no job control), so $! is the server's pid.
for p in $P_A $P_B; do
  PORT=$p setsid node "$HELLO" >"$WORK/hand-$p.log" 2>&1 &
  echo $! >"$WORK/hand-$p.pid"; disown
done
# nginx passes on the same X-Forwarded-For/-Proto/-Host headers as pbm's gateway (what a production nginx in front
# of Node is set up to do, and what issue 4 asks of pbm): three more header lines cost the Node app ~2 us of its
# ~18 us per request (measured with wrk -H direct to one instance), so without them nginx's apps do less work than
# pbm's. NGINX_FORWARDED=0 runs nginx's bare default (Host and Connection only) instead.
NGINX_FORWARDED_LINES=""
if [[ "${NGINX_FORWARDED:-1}" != 0 ]]; then
  NGINX_FORWARDED_LINES='      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;'
fi
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream hello {
    server 127.0.0.1:$P_A;
    server 127.0.0.1:$P_B;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$P_NGINX;
    location / {
      proxy_pass http://hello;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
$NGINX_FORWARDED_LINES
    }
  }
}
EOF
setsid "$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
"$PBM_BIN" start "$HELLO" --name web -i 2 --port "$P_PBM" >&2
PORT=$P_PM2 "$PM2_BIN" start "$HELLO" --name web -i 2 >/dev/null
for p in $P_A $P_B $P_NGINX $P_PBM $P_PM2; do wait_http "$p"; done
for _ in $(seq 100); do
  n=$("$PM2_BIN" jlist | python3 -c 'import json,sys; print(sum(p["pm2_env"]["status"]=="online" for p in json.load(sys.stdin)))')
  [[ "$n" == 2 ]] && break; sleep 0.2
done

cat >"$RESULTS/meta.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "host": "$(uname -n)", "cores": $(nproc),
 "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
 "load_before": "$(cut -d' ' -f1-3 /proc/loadavg)", "sched_autogroup": "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)",
 "pbm_commit": "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src hocon 2>/dev/null || echo '+uncommitted src changes')",
 "pm2_version": "$("$PM2_BIN" --version 2>/dev/null | tail -1)", "node_version": "$(node --version)",
 "nginx_version": "$("$NGINX" -v 2>&1 | sed 's/.*: //')", "wrk_version": "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)", "nginx_forwarded_headers": "${NGINX_FORWARDED:-1}"}
EOF

D="$DIR/driver.py"
echo "== throughput: $ROUNDS round(s) of direct, pbm, PM2 cluster, nginx; ${WARMUP} s warm-up + ${DURATION} s each" >&2
python3 "$D" throughput --out "$RESULTS/throughput.json" --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" \
  direct=$P_A pbm=$P_PBM pm2=$P_PM2 nginx=$P_NGINX

if [[ "${SKIP_ERRORS:-0}" != 1 ]]; then
  echo "== reload under load: pbm reload web, pm2 reload web ($RELOADS each)" >&2
  python3 "$D" reload --out "$RESULTS/reload-pbm.json" --port $P_PBM --manager pbm --app web --reloads "$RELOADS"
  python3 "$D" reload --out "$RESULTS/reload-pm2.json" --port $P_PM2 --manager pm2 --app web --reloads "$RELOADS"
  echo "== kill loop under load: one of two instances SIGKILLed every 1 s, $KILLS kills" >&2
  python3 "$D" killloop --out "$RESULTS/kill-pbm.json" --port $P_PBM --manager pbm --app web --kills "$KILLS"
  python3 "$D" killloop --out "$RESULTS/kill-pm2.json" --port $P_PM2 --manager pm2 --app web --kills "$KILLS"
  python3 "$D" killloop --out "$RESULTS/kill-nginx.json" --port $P_NGINX --manager hand \
    --app "$WORK/hand-$P_A.pid,$WORK/hand-$P_B.pid" --kills "$KILLS"
fi

python3 - "$RESULTS/meta.json" <<'EOF'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["load_after"] = " ".join(open("/proc/loadavg").read().split()[:3])
json.dump(m, open(p, "w"), indent=1)
EOF

# What pbm's log says about the gateway during the run (warnings, errors, instance exits and readiness).
{
  echo "pbm.log: $(wc -l <"$PBM_HOME/pbm.log") lines; by level: $(awk '{print $2}' "$PBM_HOME/pbm.log" | grep -E '^[A-Z]+$' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')"
  echo "pbm.log, lines mentioning gateway/forward/proxy/drain: $(grep -ciE 'gateway|forward|proxy|drain' "$PBM_HOME/pbm.log" || true)"
  echo "pbm.log, warning/error lines (first 15, deduplicated by text after the timestamp):"
  grep -iE 'warn|error|fail|exception' "$PBM_HOME/pbm.log" | cut -c1-300 | sed -E 's/^[^ ]+ +//' | sort | uniq -c | sort -rn | head -15 | sed 's/^/    /'
} >"$RESULTS/pbm-log-summary.txt" 2>/dev/null || true
cp "$PBM_HOME/pbm.log" "$RESULTS/pbm.log"

echo >&2
python3 "$D" table "$RESULTS"
echo
echo "(raw results: $RESULTS)"
