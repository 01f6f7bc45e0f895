#!/usr/bin/env python3
"""`loom eval` on the starter suite with the scripted fake model server: what
Loom itself costs per task when the model is instant and always right.

The script is made from the suite's reference solutions: for each task a
one-step plan naming the solution's files, then the Coder's reply with each
file whole (edit_format = whole). So every task should pass, and what a task
takes beyond the model's time is Loom's: copying the fixture, the index, the
workers, the checks in the scratch copy (the baseline and the proposal's),
the apply, and the final check.

Baseline, measured in the same run, interleaved: the task's check run twice
by hand in a fresh copy of its fixture (before and after the solution), which
is the least any verifying harness must spend.

usage: bench/eval.py [--loom PATH] [--runs N] [--suite DIR]
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


def write_script(suite, out):
    n = 0
    for tid in sorted(os.listdir(suite)):
        tj = os.path.join(suite, tid, "task.json")
        if not os.path.exists(tj):
            continue
        t = json.load(open(tj))
        plan = {"steps": [{"goal": t["task"], "files": t["files"]}]}
        parts = []
        for f in t["files"]:
            body = open(os.path.join(suite, tid, "solution", f)).read()
            parts.append("%s\n```\n%s%s```" % (f, body, "" if body.endswith("\n") else "\n"))
        for text in (json.dumps(plan), "\n\n".join(parts)):
            n += 1
            with open(os.path.join(out, "%04d.reply" % n), "w") as fh:
                fh.write("---\n" + text + "\n")
    return n


def check_twice(suite, tid, tmp):
    """The task's check in a fresh copy: before the solution, then after it."""
    t = json.load(open(os.path.join(suite, tid, "task.json")))
    d = os.path.join(tmp, "base-" + tid)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(suite, tid, "repo"), d, symlinks=True)
    subprocess.run(["git", "init", "-q", d], check=True)
    subprocess.run(["git", "-C", d, "add", "-A"], check=True)
    subprocess.run(["git", "-C", d, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
                    "fixture"], check=True)
    t0 = time.monotonic()
    subprocess.run(["sh", "-c", t["check"]], cwd=d, capture_output=True)
    for f in t["files"]:
        shutil.copy(os.path.join(suite, tid, "solution", f), os.path.join(d, f))
    p = subprocess.run(["sh", "-c", t["check"]], cwd=d, capture_output=True)
    dt = time.monotonic() - t0
    shutil.rmtree(d, ignore_errors=True)
    return dt, p.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loom", default=os.path.join(HERE, "..", "build", "loom"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--suite", default=os.path.join(HERE, "..", "eval", "starter"))
    a = ap.parse_args()
    loom = os.path.abspath(a.loom)
    fakesrv = os.path.join(os.path.dirname(loom), "loom-fakesrv")
    suite = os.path.abspath(a.suite)
    tmp = tempfile.mkdtemp(prefix="loom-bench-eval.")
    per_task = {}
    base = {}
    totals = []
    try:
        for run in range(a.runs):
            script = os.path.join(tmp, "script%d" % run)
            os.makedirs(script)
            write_script(suite, script)
            port = os.path.join(tmp, "port%d" % run)
            srv = subprocess.Popen([fakesrv, "--script", script, "--port-file", port, "--api",
                                    "llamacpp", "--n-ctx", "16384"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not (os.path.exists(port) and open(port).read().strip()):
                time.sleep(0.01)
            env = dict(os.environ, LOOM_ENDPOINT="http://127.0.0.1:" + open(port).read().strip(),
                       LOOM_API="llamacpp", LOOM_EDIT_FORMAT="whole", LOOM_MAX_TOKENS="16384")
            t0 = time.monotonic()
            out = subprocess.run([loom, "eval", "--json", suite], env=env, capture_output=True,
                                 text=True)
            totals.append(time.monotonic() - t0)
            srv.send_signal(signal.SIGTERM)
            srv.wait()
            rep = json.loads(out.stdout)
            for t in rep["tasks"]:
                per_task.setdefault(t["id"], []).append(t)
            for tid in sorted(per_task):
                dt, ok = check_twice(suite, tid, tmp)
                base.setdefault(tid, []).append(dt)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = statistics.median
    print("%-32s %5s %9s %9s %9s %9s %9s %6s" % ("task", "pass", "tokens", "wall s", "check s",
                                               "loom ms", "2 checks", "ratio"))
    walls, harness, tokens, ratios, passed = [], [], [], [], 0
    for tid in sorted(per_task):
        rs = per_task[tid]
        w = med([r["wall_s"] for r in rs])
        h = med([r["harness_ms"] for r in rs])
        c = med([r["check_ms"] for r in rs]) / 1000
        tk = med([r["tokens_prompt"] + r["tokens_generated"] for r in rs])
        b = med(base[tid])
        ok = all(r["passed"] for r in rs)
        passed += ok
        walls.append(w)
        harness.append(h)
        tokens.append(tk)
        ratios.append(w / b if b > 0 else float("nan"))
        print("%-32s %5s %9.0f %9.2f %9.2f %9.0f %9.2f %6.2f" % (tid, "yes" if ok else "NO", tk, w,
                                                              c, h, b, w / b if b else 0))
    print("\n%d tasks, %d runs: passed %d; per task (median): wall %.2f s, Loom's own %.0f ms, "
          "tokens %.0f; wall / (the check twice by hand): median %.2f; whole suite %.1f s" % (
              len(per_task), a.runs, passed, med(walls), med(harness), med(tokens), med(ratios),
              med(totals)))


if __name__ == "__main__":
    sys.exit(main())
