#!/usr/bin/env python3
"""Driver of bench/cluster (issue 5, item 10); run.sh starts the cluster and calls it, see README.md.

  driver.py run --nodes 10 --instances 500 --runs 30 --window 10 --port-base 4300 --out-dir DIR
      With the lighthouse (home $WORK/lh, API 127.0.0.1:PORT_BASE+1) and workers $WORK/w0..w{N-1} (cluster ports
      PORT_BASE+10+i) up: waits for N hosts, finds the master, starts INSTANCES of idle.sh spread over the cluster,
      measures per-daemon CPU% and RSS over WINDOW s, times `pbm list --json` RUNS times through the workers'
      sockets (round-robin) and through the lighthouse API, then SIGKILLs a non-master host and then the master's
      host and times each failover (poll `list` through the API every 200 ms until every instance is online on a
      surviving host). Writes DIR/results.json; every instance pid seen goes to DIR/pids.txt (for cleanup).
  driver.py table DIR      print the table (and write DIR/summary.md)

PBM_BIN and WORK come from the environment (run.sh).
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

DIR = os.path.dirname(os.path.abspath(__file__))
IDLE = os.path.join(DIR, "idle.sh")
PBM = os.environ.get("PBM_BIN", "")
WORK = os.environ.get("WORK", "")
POLL = 0.2
TICK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Cluster:
    def __init__(self, nodes, port_base, out_dir):
        self.nodes, self.base, self.out = nodes, port_base, out_dir
        self.api = f"127.0.0.1:{port_base + 1}"
        self.token = open(os.path.join(WORK, "lh", "token")).read().strip()
        self.pids_seen = set()

    def home(self, i):
        return os.path.join(WORK, f"w{i}")

    def port(self, i):
        return self.base + 10 + i

    def local(self, i, *args, timeout=60):
        env = dict(os.environ, PBM_HOME=self.home(i))
        return subprocess.run([PBM, *args], env=env, capture_output=True, text=True, timeout=timeout)

    def remote(self, *args, timeout=60):
        env = dict(os.environ, PBM_HOME=os.path.join(WORK, "lh"))
        return subprocess.run([PBM, *args, "--endpoint", self.api, "--token", self.token], env=env,
                              capture_output=True, text=True, timeout=timeout)

    def daemon_pid(self, i):
        try:
            return int(open(os.path.join(self.home(i), "daemon.pid")).read().strip())
        except (OSError, ValueError):
            return None

    def lighthouse_pid(self):
        return int(open(os.path.join(WORK, "lh.pid")).read().strip())

    def hosts(self):
        try:
            r = self.remote("hosts", "--json", timeout=30)
            return json.loads(r.stdout) if r.returncode == 0 else None
        except (subprocess.TimeoutExpired, ValueError):
            return None

    def instances(self, app, via=None):
        """Instances of app from `list --json` (through the API, or worker via's socket); None if list failed."""
        try:
            r = self.remote("list", "--json", timeout=30) if via is None else self.local(via, "list", "--json", timeout=30)
            if r.returncode != 0:
                return None
            d = json.loads(r.stdout)
        except (subprocess.TimeoutExpired, ValueError):
            return None
        out = [i for a in d.get("apps", []) if (a.get("spec") or {}).get("name", a.get("name")) == app
               for i in a.get("instances", [])]
        new = {i["pid"] for i in out if i.get("pid")} - self.pids_seen
        if new:
            self.pids_seen |= new
            with open(os.path.join(self.out, "pids.txt"), "a") as f:
                f.write("".join(f"{p}\n" for p in new))
        return out


def cpu_ticks(pid):
    s = open(f"/proc/{pid}/stat").read()
    f = s[s.rindex(")") + 2:].split()
    return int(f[11]) + int(f[12])   # utime, stime (fields 14, 15)


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(what, fn, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = fn()
        if v:
            return time.monotonic() - t0
        time.sleep(1)
    raise SystemExit(f"driver: timed out after {timeout} s waiting for {what}")


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def find_master(c, alive):
    for i in alive:
        try:
            r = c.local(i, "actor", "hierarchy", "-d", "2", timeout=30)
        except subprocess.TimeoutExpired:
            continue
        if re.search(r"\bmaster\b", r.stdout):
            return i
    return None


def failover(c, app, n, victim, alive, label):
    """SIGKILL worker victim's daemon; poll list via the API every 200 ms until n instances are online, none on it."""
    name_suffix = f":{c.port(victim)}"
    before = c.instances(app) or []
    lost = sum(1 for i in before if i.get("host", "").endswith(name_suffix))
    pid = c.daemon_pid(victim)
    log(f"== failover ({label}): kill -9 worker {victim} (daemon pid {pid}, {lost} instances on it)")
    # `list` can block for seconds while a node is unreachable, so polls are not serialized: a new one starts every
    # 200 ms (threads) whatever the earlier ones are doing; failover = when the first complete answer came back.
    import threading
    samples, lock, stop = [], threading.Lock(), threading.Event()
    def poll(ts):
        try:
            r = c.remote("list", "--json", timeout=60)
            ok = r.returncode == 0
            d = json.loads(r.stdout) if ok else None
            err = None if ok else (r.stdout + r.stderr).strip()[-300:]
        except (subprocess.TimeoutExpired, ValueError) as e:
            d, err = None, repr(e)[:300]
        te = time.monotonic() - t0
        s = {"start": round(ts, 3), "end": round(te, 3)}
        if d is None:
            s["error"] = err
        else:
            inst = [i for x in d.get("apps", []) if (x.get("spec") or {}).get("name") == app for i in x.get("instances", [])]
            new = {i["pid"] for i in inst if i.get("pid")}
            with lock:
                c.pids_seen |= new
            online = [i for i in inst if i.get("status") == "online" and not i.get("host", "").endswith(name_suffix)]
            s.update(total=len(inst), online_survivors=len(online),
                     on_victim=sum(1 for i in inst if i.get("host", "").endswith(name_suffix)))
            if len(inst) == n and len(online) == n:
                stop.set()
        with lock:
            samples.append(s)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    threads = []
    while not stop.is_set() and time.monotonic() - t0 < 240:
        th = threading.Thread(target=poll, args=(time.monotonic() - t0,), daemon=True)
        th.start()
        threads.append(th)
        stop.wait(POLL)
    for th in threads:
        th.join(65)
    with open(os.path.join(c.out, "pids.txt"), "a") as f:
        f.write("".join(f"{p}\n" for p in c.pids_seen))
    samples.sort(key=lambda s: s["start"])
    complete = [s for s in samples if s.get("total") == n and s.get("online_survivors") == n]
    done = min(s["end"] for s in complete) if complete else None
    first_list_ok = min((s["end"] for s in samples if "total" in s), default=None)
    alive.remove(victim)
    res = {"label": label, "victim": victim, "victim_node": name_suffix, "lost_instances": lost,
           "failover_s": round(done, 2) if done is not None else None, "first_list_ok_s": first_list_ok,
           "polls": len(samples), "failed_polls": sum(1 for s in samples if "error" in s),
           "max_list_s": max((s["end"] - s["start"] for s in samples), default=None),
           "partial_answers": sum(1 for s in samples if "total" in s and s["total"] < n), "samples": samples}
    log(f"   failover {label}: {res['failover_s']} s ({len(samples)} polls)")
    return res


def run(a):
    c = Cluster(a.nodes, a.port_base, a.out_dir)
    res = {}
    alive = list(range(a.nodes))
    log(f"== waiting for {a.nodes} hosts")
    res["hosts_wait_s"] = wait_for("hosts", lambda: (h := c.hosts()) is not None and len(h) == a.nodes, 120)
    res["hosts"] = c.hosts()
    master = find_master(c, alive)
    res["master_before"] = master
    log(f"   master on worker {master}")

    # --- list latency with an empty cluster ---
    def list_latency(tag):
        out = {"socket": [], "api": []}
        for k in range(a.runs):
            for via in ("socket", "api"):
                w = alive[k % len(alive)]
                t = time.perf_counter()
                r = c.local(w, "list", "--json") if via == "socket" else c.remote("list", "--json")
                dt = (time.perf_counter() - t) * 1000
                if r.returncode == 0:
                    out[via].append(dt)
                else:
                    out.setdefault(via + "_errors", []).append(r.stderr[-300:])
        log(f"   list {tag}: socket median {statistics.median(out['socket']):.0f} ms, api median {statistics.median(out['api']):.0f} ms")
        return out
    log("== list latency, no apps")
    res["list_empty"] = list_latency("empty")

    # --- INSTANCES idle instances ---
    log(f"== start {a.instances} x idle.sh spread over the cluster")
    t = time.monotonic()
    r = c.remote("start", IDLE, "-i", str(a.instances), "--name", "many", "--interpreter", "none", timeout=600)
    res["start_cmd_s"] = round(time.monotonic() - t, 2)
    res["start_rc"], res["start_out"] = r.returncode, (r.stdout + r.stderr)[-2000:]
    if r.returncode != 0:
        log(r.stdout, r.stderr)
    def all_online():
        inst = c.instances("many")
        return inst is not None and len(inst) == a.instances and all(i.get("status") == "online" for i in inst)
    res["all_online_s"] = round(time.monotonic() - t, 2) if wait_for("all instances online", all_online, 600) is not None else None
    inst = c.instances("many")
    per_host = {}
    for i in inst:
        per_host[i.get("host", "")] = per_host.get(i.get("host", ""), 0) + 1
    res["per_host"] = per_host
    log(f"   all online after {res['all_online_s']} s: {per_host}")
    time.sleep(3)

    # --- CPU and RSS of each daemon over WINDOW s ---
    log(f"== CPU/RSS over {a.window} s")
    procs = {f"w{i}": c.daemon_pid(i) for i in alive}
    procs["lighthouse"] = c.lighthouse_pid()
    t0 = {k: cpu_ticks(p) for k, p in procs.items()}
    w0 = time.monotonic()
    time.sleep(a.window)
    wall = time.monotonic() - w0
    usage = {}
    for k, p in procs.items():
        usage[k] = {"pid": p, "cpu_pct": round((cpu_ticks(p) - t0[k]) / TICK / wall * 100, 2), "rss_mb": round(rss_mb(p), 1),
                    "instances": sum(v for h, v in per_host.items() if k.startswith("w") and h.endswith(f":{c.port(int(k[1:]))}"))}
    inst_rss = 0.0
    for i in inst:
        try:
            inst_rss += rss_mb(i["pid"])
        except (OSError, KeyError, TypeError):
            pass
    res["usage"], res["instances_rss_mb_total"], res["usage_load"] = usage, round(inst_rss, 1), open("/proc/loadavg").read().split()[:3]
    log("   " + ", ".join(f"{k} {v['cpu_pct']}% {v['rss_mb']:.0f}MB" for k, v in usage.items()))

    log(f"== list latency with {a.instances} instances")
    res["list_full"] = list_latency("full")

    # --- failover: a plain host, then the master's host ---
    victim = max(i for i in alive if i != master)
    res["failover_host"] = failover(c, "many", a.instances, victim, alive, "host kill")
    master = find_master(c, alive)
    res["master_before_kill"] = master
    if master is None:
        log("   no master found on any live worker")
    else:
        res["failover_master"] = failover(c, "many", a.instances, master, alive, "master kill")
        res["master_after"] = find_master(c, alive)
    res["hosts_after"] = c.hosts()
    json.dump(res, open(os.path.join(a.out_dir, "results.json"), "w"), indent=1)


def table(d):
    res = json.load(open(os.path.join(d, "results.json")))
    meta = json.load(open(os.path.join(d, "meta.json")))
    L = []
    L.append(f"pbm {meta['pbm_commit']}, {meta['nodes']} workers + 1 lighthouse, {meta['cores']} cores, "
             f"load {meta['load_before']} before, {meta.get('load_after')} after")
    L.append("")
    L.append("| `pbm list --json` | instances | via | runs | median ms | p95 ms | min ms |")
    L.append("|---|---:|---|---:|---:|---:|---:|")
    for key, n in (("list_empty", 0), ("list_full", meta["instances"])):
        for via, lab in (("socket", "worker socket (round-robin)"), ("api", "lighthouse TCP API")):
            xs = res[key][via]
            L.append(f"| | {n} | {lab} | {len(xs)} | {statistics.median(xs):.0f} | {pct(xs, 95):.0f} | {min(xs):.0f} |")
    L.append("")
    L.append("| failover | victim | instances moved | s to all online on survivors | first list answer s | slowest list s | failed lists | partial lists | polls |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for k in ("failover_host", "failover_master"):
        f = res.get(k)
        if f:
            L.append(f"| {f['label']} | w{f['victim']} ({f['victim_node']}) | {f['lost_instances']} | {f['failover_s']} | {f['first_list_ok_s']} | {f['max_list_s']:.1f} | {f['failed_polls']} | {f['partial_answers']} | {f['polls']} |")
    L.append("")
    L.append(f"{meta['instances']} instances: start command {res['start_cmd_s']} s, all online {res['all_online_s']} s; "
             f"load during the window {res['usage_load']}")
    L.append("")
    L.append(f"| process | instances | CPU % of a core ({meta['window_s']} s) | RSS MB |")
    L.append("|---|---:|---:|---:|")
    tot_c = tot_r = 0
    for k, v in res["usage"].items():
        tag = " (master)" if k == "w%s" % res.get("master_before") else ""
        L.append(f"| {k}{tag} | {v['instances']} | {v['cpu_pct']:.1f} | {v['rss_mb']:.0f} |")
        tot_c += v["cpu_pct"]; tot_r += v["rss_mb"]
    L.append(f"| **all pbm processes** | | {tot_c:.1f} | {tot_r:.0f} |")
    L.append(f"| instances (sum of RSS) | {meta['instances']} | | {res['instances_rss_mb_total']:.0f} |")
    s = "\n".join(L)
    print(s)
    open(os.path.join(d, "summary.md"), "w").write(s + "\n")


if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser()
    sp = p.add_subparsers(dest="cmd", required=True)
    r = sp.add_parser("run")
    r.add_argument("--nodes", type=int, default=10)
    r.add_argument("--instances", type=int, default=500)
    r.add_argument("--runs", type=int, default=30)
    r.add_argument("--window", type=float, default=10)
    r.add_argument("--port-base", type=int, default=4300)
    r.add_argument("--out-dir", required=True)
    t = sp.add_parser("table")
    t.add_argument("dir")
    a = p.parse_args()
    run(a) if a.cmd == "run" else table(a.dir)
