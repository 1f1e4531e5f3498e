#!/usr/bin/env python3
"""Driver of bench/restart (issue 2, item 11); run.sh calls it, see README.md.

  driver.py restart TARGET... --out-dir DIR [--kills 20] [--gap 1.5]
      TARGET floor:PORT: spawn examples/hello/app.js by hand, SIGKILL it, reap it, spawn a new one at once.
      TARGET pbm:KEY:APP:PORT | pm2:KEY:APP:PORT: read the instance's pid from the manager (pbm list --json /
      pm2 jlist), SIGKILL it and wait for the manager to bring up a new one. Results: DIR/restart-KEY.json.
      The targets' kills are interleaved (kill 1 of each, then kill 2 of each, ...).
      Each kill: t0 right before kill(2); then GET http://127.0.0.1:P/ every 1 ms on a fresh connection until
      the JSON answer carries a pid other than the killed one: t1. Latency = t1 - t0. Then wait --gap seconds.
  driver.py listtime --out FILE [--runs 20] -- NAME=CMD ...   time commands (interleaved loop; hyperfine too if present)
  driver.py table DIR                                       print the results table (and write DIR/summary.md)

Manager binaries come from PBM_BIN and PM2_BIN; PBM_HOME and PM2_HOME must already point at private homes.
"""
import errno
import json
import os
import selectors
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELLO = os.path.join(ROOT, "examples", "hello", "app.js")
POLL_INTERVAL = 0.001      # 1 ms between attempts
CONNECT_TIMEOUT = 0.05     # a refused connect fails at once; this only bounds a stuck SYN
READ_TIMEOUT = 1.0         # an accepted connection is given this long to answer, then counted as hung
GIVE_UP = 30.0             # a restart slower than this is recorded as a failure


def now():
    return time.perf_counter_ns()


def probe(port):
    """One GET / on a fresh connection; the pid in the JSON answer, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(CONNECT_TIMEOUT)
        s.connect(("127.0.0.1", port))
        s.settimeout(READ_TIMEOUT)
        s.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        chunks = []
        while True:
            b = s.recv(4096)
            if not b:
                break
            chunks.append(b)
        data = b"".join(chunks)
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") and not head.startswith(b"HTTP/1.0 200"):
            return None
        return int(json.loads(body)["pid"])
    except (OSError, ValueError, KeyError):
        return None
    finally:
        s.close()


def wait_new_pid(port, old_pid, t0):
    """
    Open a fresh connection every 1 ms until one answers with a pid other than old_pid. Connections are
    non-blocking and overlap: one that is accepted but not answered (PM2 cluster's master may hold it) does not
    delay the next attempts; it is given READ_TIMEOUT, then counted as hung.
    Returns (t1 or None, new_pid or None, attempts, hung).
    """
    sel = selectors.DefaultSelector()
    attempts = hung = 0
    next_at = now()
    req = b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    try:
        while True:
            t = now()
            if (t - t0) / 1e9 > GIVE_UP:
                return None, None, attempts, hung
            if t >= next_at:
                attempts += 1
                next_at = t + int(POLL_INTERVAL * 1e9)
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                err = s.connect_ex(("127.0.0.1", port))
                if err in (0, errno.EINPROGRESS):
                    sel.register(s, selectors.EVENT_WRITE, {"state": "connect", "buf": b"", "deadline": t + int(READ_TIMEOUT * 1e9)})
                else:
                    s.close()
            timeout = max(0.0, (next_at - now()) / 1e9)
            for key, _ in sel.select(timeout):
                s, st = key.fileobj, key.data
                try:
                    if st["state"] == "connect":
                        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                            raise OSError("refused")
                        s.send(req)
                        st["state"] = "read"
                        sel.modify(s, selectors.EVENT_READ, st)
                        continue
                    b = s.recv(65536)
                    if b:
                        st["buf"] += b
                        continue
                    sel.unregister(s)
                    s.close()
                    head, _, body = st["buf"].partition(b"\r\n\r\n")
                    if head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                        pid = int(json.loads(body)["pid"])
                        if pid != old_pid:
                            return now(), pid, attempts, hung
                except (OSError, ValueError, KeyError):
                    try:
                        sel.unregister(s)
                    except (KeyError, ValueError):
                        pass
                    s.close()
            t = now()
            for key in list(sel.get_map().values()):
                if key.data["deadline"] < t:
                    hung += 1
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
    finally:
        for key in list(sel.get_map().values()):
            key.fileobj.close()
        sel.close()


def wait_answer(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = probe(port)
        if pid is not None:
            return pid
        time.sleep(0.02)
    raise SystemExit(f"driver: nothing answers on 127.0.0.1:{port} after {timeout} s")


# --- managers -------------------------------------------------------------------------------------------------

def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    # pm2 may print a banner before the JSON; take from the first [ or {.
    i = min([p for p in (out.find("["), out.find("{")) if p >= 0] or [0])
    return json.loads(out[i:])


def pbm_pid(app):
    doc = run_json([os.environ["PBM_BIN"], "list", "--json"])
    for a in doc["apps"]:
        if a["spec"]["name"] == app:
            inst = a["instances"][0]
            return inst["pid"] if inst["status"] == "online" else None, inst
    raise SystemExit(f"driver: pbm has no app {app}")


def pm2_pid(app):
    doc = run_json([os.environ["PM2_BIN"], "jlist"])
    for p in doc:
        if p["name"] == app:
            st = p.get("pm2_env", {}).get("status")
            return p["pid"] if st == "online" and p["pid"] else None, {"status": st, "restarts": p.get("pm2_env", {}).get("restart_time")}
    raise SystemExit(f"driver: pm2 has no app {app}")


def manager_pid(kind, app, expect=None, timeout=10.0):
    """The manager's pid of the instance, waiting (up to timeout) until it reports `expect` when given."""
    get = pbm_pid if kind == "pbm" else pm2_pid
    deadline = time.monotonic() + timeout
    while True:
        pid, info = get(app)
        if pid is not None and (expect is None or pid == expect):
            return pid, info
        if time.monotonic() > deadline:
            return pid, info
        time.sleep(0.05)


# --- restart benchmark ------------------------------------------------------------------------------------------

class Target:
    """One instance to kill: floor (spawned here), pbm or pm2 (read from the manager)."""

    def __init__(self, spec):
        parts = spec.split(":")
        self.kind = parts[0]
        if self.kind == "floor":
            self.key, self.app, self.port = "floor", None, int(parts[1])
        else:
            self.key, self.app, self.port = parts[1], parts[2], int(parts[3])
        self.child = None
        self.http_pid = None
        self.rows = []

    def spawn(self):
        env = dict(os.environ, PORT=str(self.port))
        self.child = subprocess.Popen(["node", HELLO], env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)

    def start(self):
        if self.kind == "floor":
            self.spawn()
        self.http_pid = wait_answer(self.port)

    def kill_once(self, i):
        if self.kind == "floor":
            pid, info = self.child.pid, {}
        else:
            pid, info = manager_pid(self.kind, self.app, expect=self.http_pid)
        if pid is None or pid != self.http_pid:
            print(f"driver: {self.key} kill {i}: manager says pid {pid} ({info}), HTTP says {self.http_pid}", file=sys.stderr)
            pid = pid or self.http_pid
        extra = {}
        t0_wall = time.time()
        t0 = now()
        os.kill(pid, signal.SIGKILL)
        if self.kind == "floor":
            self.child.wait()            # what a manager does on SIGCHLD: reap, then spawn
            extra["reaped_ms"] = (now() - t0) / 1e6
            self.spawn()
            extra["spawned_ms"] = (now() - t0) / 1e6
        t1, new_pid, attempts, hung = wait_new_pid(self.port, pid, t0)
        ms = None if t1 is None else (t1 - t0) / 1e6
        self.rows.append({"kill": i, "killed_pid": pid, "new_pid": new_pid, "ms": ms, "attempts": attempts, "hung": hung,
                          "t0_wall": t0_wall, **extra})
        print(f"  {self.key:12s} kill {i:2d}: pid {pid} -> {new_pid}  {ms if ms is None else round(ms, 1)} ms  "
              f"({attempts} probes, {hung} hung)", file=sys.stderr, flush=True)
        self.http_pid = new_pid if new_pid is not None else wait_answer(self.port)

    def finish(self, out_dir, kills, gap):
        if self.kind != "floor":
            mp, info = manager_pid(self.kind, self.app, expect=self.http_pid)
            if mp != self.http_pid:
                print(f"driver: {self.key}: manager's final pid {mp} != HTTP pid {self.http_pid} ({info})", file=sys.stderr)
        ok = [r["ms"] for r in self.rows if r["ms"] is not None]
        res = {"kind": self.kind, "key": self.key, "port": self.port, "kills": kills, "gap_s": gap, "rows": self.rows,
               "failures": len(self.rows) - len(ok)}
        if ok:
            res.update(median_ms=statistics.median(ok), max_ms=max(ok), min_ms=min(ok), mean_ms=statistics.fmean(ok))
        with open(os.path.join(out_dir, f"restart-{self.key}.json"), "w") as f:
            json.dump(res, f, indent=1)

    def close(self):
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.wait()


def restart(specs, kills, gap, out_dir):
    """
    Interleaved: kill k of every target, one target at a time, gap seconds after each new pid answered; so a
    target's own kills are len(targets) * gap apart, and the load of a shared machine falls on all of them alike.
    """
    targets = [Target(s) for s in specs]
    try:
        for t in targets:
            t.start()
        time.sleep(gap)
        for i in range(1, kills + 1):
            for t in targets:
                t.kill_once(i)
                time.sleep(gap)
        for t in targets:
            t.finish(out_dir, kills, gap)
    finally:
        for t in targets:
            t.close()


# --- list timing --------------------------------------------------------------------------------------------------

def listtime(runs, pairs, out):
    """Round-robin over the commands (3 warm-up rounds, then `runs`), so load drift hits all alike; then hyperfine
    (if installed) as a cross-check, one command after the other."""
    res = {"runs": runs, "tool": "interleaved loop (subprocess.run, wall clock)", "commands": {}}
    argvs = [(name, shlex.split(c)) for name, c in pairs]
    times = {name: [] for name, _ in argvs}
    for r in range(3 + runs):
        order = argvs[r % len(argvs):] + argvs[:r % len(argvs)]
        for name, argv in order:
            s = now()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r >= 3:
                times[name].append((now() - s) / 1e6)
    for name, t in times.items():
        res["commands"][name] = {"median_ms": statistics.median(t), "min_ms": min(t), "max_ms": max(t), "times_ms": t}
    hf = shutil.which("hyperfine")
    if hf:
        tmp = out + ".hyperfine.json"
        cmd = [hf, "-N", "--runs", str(runs), "--warmup", "3", "--style", "basic", "--export-json", tmp]
        for name, c in pairs:
            cmd += ["-n", name, c]
        subprocess.run(cmd, check=True, stdout=sys.stderr)
        with open(tmp) as f:
            for r in json.load(f)["results"]:
                t = [x * 1000 for x in r["times"]]
                if r["command"] in res["commands"]:
                    res["commands"][r["command"]]["hyperfine_median_ms"] = statistics.median(t)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)


# --- table --------------------------------------------------------------------------------------------------------

def table(d):
    def load(n):
        p = os.path.join(d, n)
        if not os.path.exists(p):
            return None
        with open(p) as f:
            return json.load(f)

    lines = []
    meta = load("meta.json") or {}
    if meta:
        lines.append(f"run {meta.get('date')}  host {meta.get('host')}  {meta.get('cores')} cores  "
                     f"load avg before {meta.get('load_before')}  after {meta.get('load_after', '?')}")
        lines.append(f"pbm {meta.get('pbm_commit')}  pm2 {meta.get('pm2_version')}  node {meta.get('node_version')}")
        lines.append("")
    lines.append("Restart: SIGKILL of the instance -> a NEW pid answers GET / (interleaved kills, 1.5 s after each answer)")
    lines.append("")
    lines.append("| manager | median ms | max ms | min ms | failures | hung connections |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    rs = {}
    for key, label in (("floor", "floor (node app.js by hand)"), ("pbm", "pbm"),
                       ("pm2-fork", "PM2 fork mode"), ("pm2-cluster", "PM2 cluster mode (-i 1)")):
        r = load(f"restart-{key}.json")
        if r is None:
            continue
        rs[key] = r
        hung = sum(x.get("hung", 0) for x in r["rows"])
        if "median_ms" in r:
            lines.append(f"| {label} | {r['median_ms']:.1f} | {r['max_ms']:.1f} | {r['min_ms']:.1f} | {r['failures']} | {hung} |")
        else:
            lines.append(f"| {label} | - | - | - | {r['failures']} | {hung} |")
    lines.append("")
    if "pbm" in rs and "median_ms" in rs["pbm"]:
        p = rs["pbm"]["median_ms"]
        if "floor" in rs:
            f = rs["floor"]["median_ms"]
            lines.append(f"pbm - floor (median): {p - f:+.1f} ms   (target: within 10 ms -> {'MET' if p - f <= 10 else 'NOT MET'})")
        for key, label in (("pm2-fork", "PM2 fork"), ("pm2-cluster", "PM2 cluster")):
            if key in rs and "median_ms" in rs[key]:
                q = rs[key]["median_ms"]
                lines.append(f"pbm / {label} (median): {p / q:.2f}   (pbm - {label}: {p - q:+.1f} ms)")
        if "floor" in rs:
            for key, label in (("pm2-fork", "PM2 fork"), ("pm2-cluster", "PM2 cluster")):
                if key in rs and "median_ms" in rs[key]:
                    lines.append(f"{label} - floor (median): {rs[key]['median_ms'] - rs['floor']['median_ms']:+.1f} ms")
        lines.append("")
    lt = load("list.json")
    if lt:
        lines.append(f"Listing 20 instances ({lt['runs']} runs, {lt['tool']})")
        lines.append("")
        lines.append("| command | median ms | min ms | max ms | hyperfine median ms |")
        lines.append("|---|---:|---:|---:|---:|")
        for name, c in lt["commands"].items():
            hf = c.get("hyperfine_median_ms")
            lines.append(f"| {name} | {c['median_ms']:.1f} | {c['min_ms']:.1f} | {c['max_ms']:.1f} | {'-' if hf is None else f'{hf:.1f}'} |")
        c = lt["commands"]
        if "pbm list" in c and "pm2 jlist" in c:
            r = c["pbm list"]["median_ms"] / c["pm2 jlist"]["median_ms"]
            lines.append("")
            lines.append(f"pbm list / pm2 jlist (median): {r:.2f}   (target: at most 0.50 -> {'MET' if r <= 0.5 else 'NOT MET'})")
    bd = breakdown(d, rs)
    if bd:
        lines.append("")
        lines.extend(bd)
    extra = os.path.join(d, "pbm-restart-log.txt")
    if os.path.exists(extra):
        lines.append("")
        with open(extra) as f:
            lines.append(f.read().rstrip())
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write(text + "\n")


def breakdown(d, rs):
    """Where the time goes: the floor's own reap/spawn marks, and pbm's log lines (exit seen, new pid started)."""
    out = []
    f = rs.get("floor")
    if f and f["rows"] and "reaped_ms" in f["rows"][0]:
        ok = [r for r in f["rows"] if r["ms"] is not None]
        out.append("Floor breakdown (medians): kill -> reaped %.1f ms, -> Popen returned %.1f ms, -> new pid answers %.1f ms"
                   % (statistics.median(r["reaped_ms"] for r in ok), statistics.median(r["spawned_ms"] for r in ok),
                      statistics.median(r["ms"] for r in ok)))
    p = rs.get("pbm")
    log = os.path.join(d, "pbm.log")
    if not p or not os.path.exists(log):
        return out
    import re
    from datetime import datetime, timezone
    stamp = re.compile(r"\[(\d\d)/(\d\d)/(\d{4}) (\d\d:\d\d:\d\d\.\d+)Z\]")
    exited, started = {}, {}
    with open(log) as fh:
        for line in fh:
            m = stamp.search(line)
            if not m:
                continue
            mo, dd, yy, hms = m.groups()
            t = datetime.strptime(f"{yy}-{mo}-{dd} {hms}", "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
            e = re.search(r" pid (\d+) exited with", line)
            if e:
                exited[int(e.group(1))] = t
            st = re.search(r" started pid (\d+)", line)
            if st:
                started[int(st.group(1))] = t
    a, b, c = [], [], []
    for r in p["rows"]:
        if r["ms"] is None or r["killed_pid"] not in exited or r.get("new_pid") not in started:
            continue
        te, ts = exited[r["killed_pid"]], started[r["new_pid"]]
        a.append((te - r["t0_wall"]) * 1000)
        b.append((ts - te) * 1000)
        c.append(r["ms"] - (ts - r["t0_wall"]) * 1000)
    if a:
        out.append("pbm breakdown from pbm.log (medians, 1 ms log resolution, %d kills): kill -> 'exited' logged %.1f ms, "
                   "-> 'started pid' logged %.1f ms, -> new pid answers %.1f ms"
                   % (len(a), statistics.median(a), statistics.median(b), statistics.median(c)))
        out.append("  per kill (exit seen / exit->started / started->answers, ms): "
                   + " ".join("%.0f/%.0f/%.0f" % x for x in zip(a, b, c)))
    return out


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd = argv[1]
    if cmd == "restart":
        import argparse
        ap = argparse.ArgumentParser(prog="driver.py restart")
        ap.add_argument("targets", nargs="+", help="floor:PORT | pbm:KEY:APP:PORT | pm2:KEY:APP:PORT")
        ap.add_argument("--out-dir", required=True)
        ap.add_argument("--kills", type=int, default=20)
        ap.add_argument("--gap", type=float, default=1.5)
        a = ap.parse_args(argv[2:])
        restart(a.targets, a.kills, a.gap, a.out_dir)
    elif cmd == "listtime":
        import argparse
        i = argv.index("--")
        ap = argparse.ArgumentParser(prog="driver.py listtime")
        ap.add_argument("--out", required=True)
        ap.add_argument("--runs", type=int, default=20)
        a = ap.parse_args(argv[2:i])
        pairs = [tuple(x.split("=", 1)) for x in argv[i + 1:]]
        listtime(a.runs, pairs, a.out)
    elif cmd == "table":
        table(argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
