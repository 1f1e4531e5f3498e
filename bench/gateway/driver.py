#!/usr/bin/env python3
"""Driver of bench/gateway (issue 4, item 12); run.sh calls it, see README.md.

  driver.py throughput --out FILE [--rounds 2] [--duration 10] [--warmup 3] NAME=PORT ...
      wrk -t2 -c50 --latency against each target in turn (a --warmup s run first, not recorded), --rounds times.
  driver.py reload --out FILE --port P --manager pbm|pm2 --app NAME [--reloads 3]
      wrk under load on P while `pbm reload NAME` / `pm2 reload NAME` runs --reloads times, one after the other.
  driver.py killloop --out FILE --port P --manager pbm|pm2|hand --app NAME|PIDFILE,PIDFILE [--kills 10] [--gap 1]
      wrk under load on P while one of the two instances (alternately) is SIGKILLed every --gap s.
      hand: the instances were started by run.sh (pid files); the driver restarts a killed one at once itself
      (what supervisord does: reap, spawn), on the same PORT, and rewrites its pid file.
  driver.py table DIR      print the results table (and write DIR/summary.md)

Manager binaries come from PBM_BIN and PM2_BIN; PBM_HOME and PM2_HOME must already point at private homes.
Every wrk run uses the same settings: WRK_THREADS (2), WRK_CONNS (50), --timeout WRK_TIMEOUT (2s).
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELLO = os.path.join(ROOT, "examples", "hello", "app.js")
THREADS = os.environ.get("WRK_THREADS", "2")
CONNS = os.environ.get("WRK_CONNS", "50")
TIMEOUT = os.environ.get("WRK_TIMEOUT", "2s")


def wrk_cmd(port, duration, statuses=False):
    script = ["-s", os.path.join(os.path.dirname(os.path.abspath(__file__)), "status.lua")] if statuses else []
    return ["wrk", *script, f"-t{THREADS}", f"-c{CONNS}", f"-d{duration}s", f"--timeout={TIMEOUT}", "--latency",
            f"http://127.0.0.1:{port}/"]


UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(v):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", v)
    return float(m.group(1)) * UNIT[m.group(2)]


def parse_wrk(text):
    r = {"raw": text}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    r["rps"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    r["requests"] = int(m.group(1)) if m else None
    for p in ("50", "90", "99"):
        m = re.search(rf"^\s+{p}(?:\.000)?%\s+(\S+)", text, re.M)
        r[f"p{p}_ms"] = ms(m.group(1)) if m else None
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) if m else \
        {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    r["errors"] = sum(r["socket_errors"].values()) + r["non2xx"]
    r["statuses"] = {m.group(1): int(m.group(2)) for m in re.finditer(r"^STATUS (\d+) (\d+)$", text, re.M)}
    return r


def run_wrk(port, duration):
    out = subprocess.run(wrk_cmd(port, duration), capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


class Load:
    """wrk in the background for an open-ended time; stop() sends SIGINT (wrk then prints its totals)."""

    def __init__(self, port):
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(wrk_cmd(port, 600, statuses=True), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        out, _ = self.p.communicate(timeout=30)
        r = parse_wrk(out)
        r["duration_s"] = round(time.monotonic() - self.t0, 2)
        return r


# --- managers -------------------------------------------------------------------------------------------------

def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    i = min([p for p in (out.find("["), out.find("{")) if p >= 0] or [0])
    return json.loads(out[i:])


def pids_pbm(app):
    apps = run_json([os.environ["PBM_BIN"], "list", "--json"])["apps"]
    inst = next(a for a in apps if a["spec"]["name"] == app)["instances"]
    return [i.get("pid") for i in sorted(inst, key=lambda i: i["index"])]


def pids_pm2(app):
    procs = [p for p in run_json([os.environ["PM2_BIN"], "jlist"]) if p["name"] == app]
    return [p.get("pid") for p in sorted(procs, key=lambda p: p["pm2_env"].get("NODE_APP_INSTANCE", p["pm_id"]))]


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def hand_kill_and_respawn(pidfile):
    """SIGKILL the instance in pidfile, wait until it is gone (what SIGCHLD tells a supervisor), spawn it again."""
    pid = int(open(pidfile).read())
    port = int(re.search(r"(\d+)\.pid$", pidfile).group(1))
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        os.waitpid(pid, os.WNOHANG)  # ours only if a previous kill loop respawned it
    except ChildProcessError:
        pass
    log = open(pidfile[:-4] + ".log", "ab")
    p = subprocess.Popen(["node", HELLO], env={**os.environ, "PORT": str(port)}, stdout=log, stderr=log,
                         start_new_session=True)
    with open(pidfile, "w") as f:
        f.write(str(p.pid))
    return pid


# --- commands -------------------------------------------------------------------------------------------------

def cmd_throughput(args):
    out, rounds, duration, warmup, targets = args
    results = {name: [] for name, _ in targets}
    for rnd in range(rounds):
        for name, port in targets:
            if warmup > 0:
                run_wrk(port, warmup)
            r = run_wrk(port, duration)
            r["round"] = rnd + 1
            r["load1"] = float(open("/proc/loadavg").read().split()[0])
            results[name].append(r)
            print(f"  round {rnd + 1} {name:8s} {r['rps']:10.0f} req/s  p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}"
                  f"  (load {r['load1']})", file=sys.stderr)
    json.dump({"settings": {"threads": THREADS, "conns": CONNS, "duration_s": duration, "warmup_s": warmup,
                            "rounds": rounds, "order": [n for n, _ in targets]}, "results": results},
              open(out, "w"), indent=1)


def cmd_reload(out, port, manager, app, reloads):
    binary = os.environ["PBM_BIN" if manager == "pbm" else "PM2_BIN"]
    before = pids_pbm(app) if manager == "pbm" else pids_pm2(app)
    load = Load(port)
    time.sleep(2)
    times = []
    for _ in range(reloads):
        t = time.monotonic()
        rc = subprocess.run([binary, "reload", app], capture_output=True, text=True)
        times.append({"s": round(time.monotonic() - t, 2), "rc": rc.returncode, "out": (rc.stdout + rc.stderr)[-400:]})
        time.sleep(1)
    time.sleep(1)
    r = load.stop()
    after = pids_pbm(app) if manager == "pbm" else pids_pm2(app)
    r.update({"manager": manager, "reloads": times, "pids_before": before, "pids_after": after})
    print(f"  reload {manager}: {reloads} reloads ({', '.join(str(x['s']) + ' s' for x in times)}), "
          f"{r['requests']} requests, errors {r['errors']} {r['socket_errors']} statuses {r['statuses']}", file=sys.stderr)
    json.dump(r, open(out, "w"), indent=1)


def cmd_killloop(out, port, manager, app, kills, gap):
    load = Load(port)
    time.sleep(1)
    start = time.monotonic()
    killed = []
    for k in range(kills):
        at = start + k * gap
        time.sleep(max(0.0, at - time.monotonic()))
        idx = k % 2
        if manager == "hand":
            pid = hand_kill_and_respawn(app.split(",")[idx])
        else:
            pids = pids_pbm(app) if manager == "pbm" else pids_pm2(app)
            pid = pids[idx] if idx < len(pids) else None
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pid = None
        killed.append({"t": round(time.monotonic() - start, 3), "instance": idx, "pid": pid})
    time.sleep(gap + 2)  # let the last restart finish and hung requests reach wrk's timeout
    r = load.stop()
    r.update({"manager": manager, "kills": killed})
    if manager != "hand":
        r["pids_after"] = pids_pbm(app) if manager == "pbm" else pids_pm2(app)
    print(f"  kill loop {manager}: {sum(1 for k in killed if k['pid'])} kills, {r['requests']} requests, "
          f"errors {r['errors']} {r['socket_errors']} statuses {r['statuses']}", file=sys.stderr)
    json.dump(r, open(out, "w"), indent=1)


def fmt(v, f="{:.0f}"):
    return "-" if v is None else f.format(v)


def cmd_table(d):
    lines = []
    meta = json.load(open(os.path.join(d, "meta.json")))
    tp = json.load(open(os.path.join(d, "throughput.json")))
    s = tp["settings"]
    lines.append(f"date {meta['date']}, {meta['cores']} cores ({meta['cpu']}), load {meta['load_before']} -> "
                 f"{meta.get('load_after', '?')}; pbm {meta['pbm_commit']}, PM2 {meta['pm2_version']}, "
                 f"{meta['nginx_version']}, node {meta['node_version']}")
    lines.append(f"throughput: wrk -t{s['threads']} -c{s['conns']} -d{s['duration_s']}s --latency, "
                 f"{s['warmup_s']} s warm-up each, {s['rounds']} round(s), order {' -> '.join(s['order'])}; "
                 f"req/s and p99 are the mean over rounds (each round in parentheses)")
    lines.append("")
    lines.append("| target | req/s | p99 ms | x direct (req/s) | x nginx (req/s) | p99 x nginx | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    res = tp["results"]
    mean = {n: (statistics.mean(r["rps"] for r in rs), statistics.mean(r["p99_ms"] for r in rs)) for n, rs in res.items()}
    label = {"direct": "direct (one instance)", "pbm": "pbm gateway (-i 2)", "pm2": "PM2 cluster (-i 2)",
             "nginx": "nginx round-robin (2)"}
    for n, rs in res.items():
        rps, p99 = mean[n]
        per = lambda k, f: " (" + ", ".join(f.format(r[k]) for r in rs) + ")" if len(rs) > 1 else ""
        lines.append(f"| {label.get(n, n)} | {rps:.0f}{per('rps', '{:.0f}')} | {p99:.2f}{per('p99_ms', '{:.2f}')} | "
                     f"{rps / mean['direct'][0]:.2f} | {rps / mean['nginx'][0]:.2f} | {p99 / mean['nginx'][1]:.2f} | "
                     f"{sum(r['errors'] for r in rs)} |")
    lines.append("")
    lines.append("errors under load (wrk, same settings; errors = socket errors connect/read/write/timeout + non-2xx/3xx):")
    lines.append("")
    lines.append("| test | requests | errors | connect | read | write | timeout | non-2xx | statuses | notes |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for f, name in (("reload-pbm.json", "reload: pbm reload"), ("reload-pm2.json", "reload: pm2 reload"),
                    ("kill-pbm.json", "kill loop: pbm gateway"), ("kill-pm2.json", "kill loop: PM2 cluster"),
                    ("kill-nginx.json", "kill loop: nginx + respawn by script")):
        p = os.path.join(d, f)
        if not os.path.exists(p):
            continue
        r = json.load(open(p))
        e = r["socket_errors"]
        if "reloads" in r:
            note = f"{len(r['reloads'])} reloads, {', '.join(str(x['s']) for x in r['reloads'])} s each; rc " + \
                   ",".join(str(x["rc"]) for x in r["reloads"])
        else:
            note = f"{sum(1 for k in r['kills'] if k['pid'])} SIGKILLs, 1 s apart"
        note += f"; {r['duration_s']} s under load"
        lines.append(f"| {name} | {r['requests']} | **{r['errors']}** | {e['connect']} | {e['read']} | {e['write']} | "
                     f"{e['timeout']} | {r['non2xx']} | {' '.join(f'{k}:{v}' for k, v in sorted(r.get('statuses', {}).items()))} | {note} |")
    text = "\n".join(lines)
    extra = os.path.join(d, "pbm-log-summary.txt")
    if os.path.exists(extra):
        text += "\n\n" + open(extra).read().rstrip()
    open(os.path.join(d, "summary.md"), "w").write(text + "\n")
    print(text)


def main():
    a = sys.argv[1:]
    if not a:
        print(__doc__)
        return

    def opt(name, default=None, conv=str):
        if name in a:
            i = a.index(name)
            v = a[i + 1]
            del a[i:i + 2]
            return conv(v)
        return default

    cmd = a.pop(0)
    if cmd == "throughput":
        out = opt("--out")
        rounds, duration, warmup = opt("--rounds", 2, int), opt("--duration", 10, int), opt("--warmup", 3, int)
        targets = [(t.split("=")[0], int(t.split("=")[1])) for t in a]
        cmd_throughput((out, rounds, duration, warmup, targets))
    elif cmd == "reload":
        cmd_reload(opt("--out"), opt("--port", conv=int), opt("--manager"), opt("--app"), opt("--reloads", 3, int))
    elif cmd == "killloop":
        cmd_killloop(opt("--out"), opt("--port", conv=int), opt("--manager"), opt("--app"), opt("--kills", 10, int),
                     opt("--gap", 1.0, float))
    elif cmd == "table":
        cmd_table(a[0])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
