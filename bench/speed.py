#!/usr/bin/env python3
"""Speed and memory of the Context Loom on one repository, against baselines
measured in the same run (the machine is shared and noisy: compare ratios).

  floor   `git ls-files -z | xargs -0 cat >/dev/null`   (reading every file once)
  status  `git status --porcelain`

Measured, each run interleaved with its baseline:
  cold index      rm -rf .loom; loom index              vs floor    (--runs times)
  no-change index loom index on an indexed, unchanged tree vs status (--runs * 3)
  query           loom query --no-refresh for each task text: p50, p95
  query+refresh   loom query (refresh included) for each task text: p50, p95
  peak RSS        cold index, and the worst query
  database size   .loom/index.db (+ -wal) against the bytes of the indexed files

usage: bench/speed.py [--loom PATH] [--runs N] --tasks FILE REPO
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd, cwd, shell=False):
    """Wall seconds and peak RSS (KiB) of one command run as a child."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, shell=shell, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 123):  # xargs: 123 when cat saw a dir symlink
        raise SystemExit("command failed: %s" % cmd)
    return dt, ru.ru_maxrss


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("--loom", default=os.path.join(os.path.dirname(__file__), "..", "build", "loom"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tasks", required=True)
    ap.add_argument("--json", dest="json_out")
    a = ap.parse_args()
    loom = os.path.abspath(a.loom)
    repo = os.path.abspath(a.repo)
    tasks = [l.strip() for l in open(a.tasks) if l.strip() and not l.startswith("#")]
    floor_cmd = "git ls-files -z | xargs -0 cat >/dev/null 2>&1"
    log = lambda s: print(s, file=sys.stderr, flush=True)

    # warm the page cache once so that every run reads from memory
    timed(floor_cmd, repo, shell=True)
    floor, cold, cold_rss = [], [], []
    for i in range(a.runs):
        floor.append(timed(floor_cmd, repo, shell=True)[0])
        shutil.rmtree(os.path.join(repo, ".loom"), ignore_errors=True)
        dt, rss = timed([loom, "index", repo], repo)
        cold.append(dt)
        cold_rss.append(rss)
        log("cold index %d: %.2f s (floor %.2f s), %d MiB" % (i + 1, dt, floor[-1], rss // 1024))

    status, nochange, nochange_rss = [], [], []
    for i in range(a.runs * 3):
        status.append(timed(["git", "status", "--porcelain"], repo)[0])
        dt, rss = timed([loom, "index", repo], repo)
        nochange.append(dt)
        nochange_rss.append(rss)
    log("no-change index: median %.3f s (git status %.3f s)" % (statistics.median(nochange),
                                                                statistics.median(status)))

    q, qr, q_rss, qr_rss = [], [], [], []
    for t in tasks:
        dt, rss = timed([loom, "query", "--no-refresh", "-C", repo, t], repo)
        q.append(dt)
        q_rss.append(rss)
        dt, rss = timed([loom, "query", "-C", repo, t], repo)
        qr.append(dt)
        qr_rss.append(rss)
    log("query: p50 %.3f s p95 %.3f s; with refresh p50 %.3f s" % (pct(q, .5), pct(q, .95),
                                                                     pct(qr, .5)))

    db = os.path.join(repo, ".loom", "index.db")
    dbsize = sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
    src = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True).stdout
    srcsize = 0
    for p in src.split(b"\0"):
        fp = os.path.join(repo.encode(), p)
        if p and os.path.isfile(fp) and not os.path.islink(fp):
            srcsize += os.path.getsize(fp)
    res = {
        "repo": repo, "files": len([p for p in src.split(b"\0") if p]),
        "floor_s": statistics.median(floor), "cold_index_s": statistics.median(cold),
        "cold_ratio": statistics.median(cold) / statistics.median(floor),
        "git_status_s": statistics.median(status), "nochange_index_s": statistics.median(nochange),
        "nochange_ratio": statistics.median(nochange) / statistics.median(status),
        "query_p50_s": pct(q, .5), "query_p95_s": pct(q, .95),
        "query_refresh_p50_s": pct(qr, .5), "query_refresh_p95_s": pct(qr, .95),
        "index_peak_rss_mib": max(cold_rss) / 1024, "nochange_peak_rss_mib": max(nochange_rss) / 1024,
        "query_peak_rss_mib": max(q_rss) / 1024, "query_refresh_peak_rss_mib": max(qr_rss) / 1024,
        "db_bytes": dbsize, "source_bytes": srcsize, "db_ratio": dbsize / max(srcsize, 1),
        "runs": a.runs, "tasks": len(tasks),
    }
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
    print("| measure | loom | baseline | ratio |")
    print("|---|---|---|---|")
    print("| cold index (median of %d) | %.2f s | %.2f s (cat every file) | %.1f× |" % (
        a.runs, res["cold_index_s"], res["floor_s"], res["cold_ratio"]))
    print("| no-change index (median of %d) | %.3f s | %.3f s (git status) | %.2f× |" % (
        a.runs * 3, res["nochange_index_s"], res["git_status_s"], res["nochange_ratio"]))
    print("| query p50 / p95 (%d tasks, no refresh) | %.0f / %.0f ms | | |" % (
        len(tasks), res["query_p50_s"] * 1000, res["query_p95_s"] * 1000))
    print("| query p50 / p95 (with refresh) | %.0f / %.0f ms | | |" % (
        res["query_refresh_p50_s"] * 1000, res["query_refresh_p95_s"] * 1000))
    print("| peak RSS: cold index / no-change index | %.0f / %.0f MiB | | |" % (
        res["index_peak_rss_mib"], res["nochange_peak_rss_mib"]))
    print("| peak RSS: query / query with refresh | %.0f / %.0f MiB | | |" % (
        res["query_peak_rss_mib"], res["query_refresh_peak_rss_mib"]))
    print("| database / source bytes | %.0f MB / %.0f MB | | %.2f |" % (
        dbsize / 1e6, srcsize / 1e6, res["db_ratio"]))


if __name__ == "__main__":
    main()
