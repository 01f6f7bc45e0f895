#!/usr/bin/env python3
"""What Loom's own machinery costs around the model, with a model that answers
at once: the scripted fake server (tests/fakesrv) replies instantly, so what
`loom run` spends beyond the server's time is the harness: the workers'
start, IPC, prompt building, the Explorer's Context Loom query, diffs, the
atomic apply with fsync and the undo journal.

Each run is `loom run --approve=all --json` of a plan of --steps steps, each
step an edit of a different file of the repository (a comment added after a
line found once in it); `loom undo` puts the files back between runs. Read
from the run's own summary event (timing, memory_kb):

  harness per step   (steps_ms - steps_model_ms) / steps
  fixed per run      index refresh, worker start, plan (minus the model)
  peak RSS           the session core, and each worker (VmHWM, read by loom)

Baselines measured in the same run, interleaved:
  git status --porcelain in the same repository (a familiar per-command cost)
  peak RSS (VmHWM) of a python3 that imports requests, and of one that imports
  urllib.request (a Python harness before it does anything)

usage: bench/harness.py [--loom PATH] [--fakesrv PATH] [--runs N] [--steps K] REPO
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd, **kw):
    """Wall seconds and stdout of one command run as a child."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    out, err = p.communicate()
    dt = time.monotonic() - t0
    if p.returncode != 0:
        raise SystemExit("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                 err.decode(errors="replace")[-500:]))
    return dt, out


def python_peak_kib(module):
    """VmHWM of a fresh python3 that imports module: read by that process itself,
    since a vfork'd child's ru_maxrss would carry this script's memory too."""
    code = ("import %s\nfor l in open('/proc/self/status'):\n"
            "    l.startswith('VmHWM') and print(l.split()[1])" % module)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    return int(out.stdout.strip())


def pick_files(repo, k):
    """k tracked C files of 2-40 KB, each with a line found once in it, spread over the tree."""
    names = subprocess.run(["git", "ls-files", "-z", "*.c"], cwd=repo, capture_output=True,
                           check=True).stdout.split(b"\0")
    names = sorted(n.decode() for n in names if n)
    picks = []
    stride = max(1, len(names) // (k * 4))
    for name in names[::stride]:
        path = os.path.join(repo, name)
        if os.path.islink(path) or not 2000 <= os.path.getsize(path) <= 40000:
            continue
        try:
            lines = open(path, encoding="utf-8").read().split("\n")
        except UnicodeDecodeError:
            continue
        for ln in lines:
            if len(ln) > 12 and ln.rstrip() == ln and lines.count(ln) == 1 and \
                    "*/" not in ln and "/*" not in ln and not ln.endswith("\\"):
                picks.append((name, ln))
                break
        if len(picks) == k:
            return picks
    raise SystemExit("not enough suitable files in %s" % repo)


def write_script(d, picks):
    os.makedirs(d)
    plan = {"steps": [{"goal": "Add a marker comment to %s" % n, "files": [n]} for n, _ in picks]}
    with open(os.path.join(d, "000.reply"), "w") as f:
        f.write("---\n%s\n" % json.dumps(plan))
    for i, (name, line) in enumerate(picks, 1):
        with open(os.path.join(d, "%03d.reply" % i), "w") as f:
            f.write("---\n%s\n<<<<<<< SEARCH\n%s\n=======\n%s\n/* loom bench */\n>>>>>>> REPLACE\n"
                    % (name, line, line))


def start_server(fakesrv, script, tmp):
    port_file = os.path.join(tmp, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    p = subprocess.Popen([fakesrv, "--script", script, "--port-file", port_file],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and os.path.getsize(port_file):
            return p, "http://127.0.0.1:%s" % open(port_file).read().strip()
        time.sleep(0.01)
    p.kill()
    raise SystemExit("the fake server did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("--loom", default=os.path.join(HERE, "..", "build", "loom"))
    ap.add_argument("--fakesrv", default=os.path.join(HERE, "..", "build", "loom-fakesrv"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--json", dest="json_out")
    a = ap.parse_args()
    loom, fakesrv = os.path.abspath(a.loom), os.path.abspath(a.fakesrv)
    repo = os.path.abspath(a.repo)
    log = lambda s: print(s, file=sys.stderr, flush=True)

    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                      capture_output=True, check=True).stdout:
        raise SystemExit("%s has modified files; the bench edits and undoes files there" % repo)
    run([loom, "index"], repo)  # the index is current before the first run
    picks = pick_files(repo, a.steps)
    tmp = tempfile.mkdtemp(prefix="loom-harness-")
    rows, status = [], []
    try:
        for i in range(a.runs):
            script = os.path.join(tmp, "s%d" % i)
            write_script(script, picks)
            srv, url = start_server(fakesrv, script, tmp)
            try:
                status.append(run(["git", "status", "--porcelain"], repo)[0])
                dt, out = run([loom, "run", "--approve=all", "--json", "--endpoint", url,
                                 "add marker comments"], repo)
            finally:
                srv.send_signal(signal.SIGTERM)
                srv.wait()
            ev = [json.loads(l) for l in out.decode().splitlines()]
            summ = ev[-1]
            if summ.get("event") != "summary" or summ["applied"] != a.steps:
                raise SystemExit("run %d did not apply every step: %s" % (i + 1, ev[-3:]))
            for _ in range(a.steps):
                run([loom, "undo"], repo)
            t, m = summ["timing"], summ["memory_kb"]
            row = {
                "wall_ms": dt * 1000,
                "per_step_ms": (t["steps_ms"] - t["steps_model_ms"]) / a.steps,
                "index_ms": t["index_ms"], "start_ms": t["start_ms"],
                "plan_ms": t["plan_ms"] - t["plan_model_ms"],
                "model_ms": t["model_ms"], "total_ms": t["total_ms"],
                "core_kib": m["core"], "architect_kib": m["architect"],
                "explorer_kib": m["explorer"], "coder_kib": m["coder"],
            }
            rows.append(row)
            log("run %d: %.1f ms per step, start %.1f ms, index %.1f ms, total %.0f ms "
                "(model %.1f ms); RSS core %d, workers %d/%d/%d KiB" % (
                    i + 1, row["per_step_ms"], row["start_ms"], row["index_ms"],
                    row["total_ms"], row["model_ms"], m["core"], m["architect"],
                    m["explorer"], m["coder"]))
        if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                          capture_output=True, check=True).stdout:
            raise SystemExit("the undo left %s modified" % repo)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    py_req = [python_peak_kib("requests") for _ in range(5)]
    py_url = [python_peak_kib("urllib.request") for _ in range(5)]
    med = lambda k: statistics.median(r[k] for r in rows)
    res = {k: med(k) for k in rows[0]}
    res.update({"worst_per_step_ms": max(r["per_step_ms"] for r in rows),
                "git_status_ms": statistics.median(status) * 1000,
                "python_requests_kib": statistics.median(py_req),
                "python_urllib_kib": statistics.median(py_url),
                "runs": a.runs, "steps": a.steps, "repo": repo})
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
    w = max(res["architect_kib"], res["explorer_kib"], res["coder_kib"])
    print("| measure (median of %d runs of %d steps) | loom | baseline | ratio |" % (a.runs, a.steps))
    print("|---|---|---|---|")
    print("| harness per step (worst run) | %.1f ms (%.1f) | %.1f ms (git status) | %.2f× |" % (
        res["per_step_ms"], res["worst_per_step_ms"], res["git_status_ms"],
        res["per_step_ms"] / res["git_status_ms"]))
    print("| per run: index refresh / worker start / plan | %.1f / %.1f / %.1f ms | | |" % (
        res["index_ms"], res["start_ms"], res["plan_ms"]))
    print("| peak RSS, session core | %.1f MiB | %.1f MiB (python3 -c 'import requests') | %.2f× |" % (
        res["core_kib"] / 1024, res["python_requests_kib"] / 1024,
        res["core_kib"] / res["python_requests_kib"]))
    print("| peak RSS, architect / explorer / coder | %.1f / %.1f / %.1f MiB | "
          "%.1f MiB (import urllib.request) | %.2f× |" % (
              res["architect_kib"] / 1024, res["explorer_kib"] / 1024, res["coder_kib"] / 1024,
              res["python_urllib_kib"] / 1024, w / res["python_urllib_kib"]))


if __name__ == "__main__":
    main()
