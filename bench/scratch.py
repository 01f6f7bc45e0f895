#!/usr/bin/env python3
"""The scratch copy's figures (context/scratch.h) on one git repository.

  first open:     loom-bench-scratch open REPO with no copy yet (everything
                  copied, the copy's .git and index made), against
                  `cp -r --reflink=auto` of the work tree's top-level entries
                  but .git and .loom, alternately, in the same run;
  no-change sync: loom-bench-scratch open REPO on an up-to-date copy, against
                  `git status --porcelain`, alternately, in the same run.

Old copies are moved aside and all removed at the end, never between runs:
on ext4 the inode allocator slows down for a while after tens of thousands of
files are deleted (it skips recently freed inodes), which would charge one
run for the previous run's cleanup.

usage: python3 bench/scratch.py [--runs N] [--tool PATH] REPO
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time


def run(argv, cwd):
    """Runs argv; returns (wall seconds, peak RSS in KiB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(argv), p.returncode, err.decode(errors="replace")))
    return wall, ru.ru_maxrss, out.decode()


def du_kib(path):
    out = subprocess.run(["du", "-sk", path], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tool", default="build/bench/loom-bench-scratch")
    ap.add_argument("repo")
    a = ap.parse_args()
    tool = os.path.abspath(a.tool)
    repo = os.path.abspath(a.repo)
    loom = os.path.join(repo, ".loom")
    trash = os.path.join(loom, "bench-trash")
    scratch = os.path.join(loom, "scratch")
    os.makedirs(trash, exist_ok=True)
    entries = [e for e in sorted(os.listdir(repo)) if e not in (".git", ".loom")]

    def aside(path, name):
        if os.path.exists(path):
            os.rename(path, os.path.join(trash, name))

    aside(scratch, "scratch-before")
    first, cp, rss_first, stats = [], [], [], None
    for i in range(a.runs):
        def ours():
            aside(scratch, "scratch-%d" % i)
            wall, rss, out = run([tool, "open", repo], repo)
            first.append(wall)
            rss_first.append(rss)
            return json.loads(out)

        def theirs():
            dst = os.path.join(trash, "cp-%d" % i)
            os.makedirs(dst)
            wall, _, _ = run(["cp", "-r", "--reflink=auto"] + entries + [dst], repo)
            cp.append(wall)

        if i % 2:
            theirs()
            stats = ours()
        else:
            stats = ours()
            theirs()
    size = du_kib(scratch)
    cp_size = du_kib(os.path.join(trash, "cp-0"))

    sync, status, rss_sync, inside = [], [], [], []
    run([tool, "open", repo], repo)  # settle: nothing left to copy
    for i in range(a.runs):
        pair = [("ours", [tool, "open", repo]), ("git", ["git", "status", "--porcelain"])]
        for who, argv in pair if i % 2 == 0 else reversed(pair):
            wall, rss, out = run(argv, repo)
            if who == "ours":
                j = json.loads(out)
                if j["copied"] or j["removed"]:
                    sys.exit("the no-change sync changed something: %s" % out)
                sync.append(wall)
                rss_sync.append(rss)
                inside.append(j["seconds"])
            else:
                status.append(wall)

    t0 = time.perf_counter()
    shutil.rmtree(trash)
    cleanup = time.perf_counter() - t0

    med = statistics.median
    print("repository: %s (%d files, %.0f MiB copied, reflink %s)"
          % (repo, stats["files"], stats["bytes"] / 2**20, "yes" if stats["reflink"] else "no"))
    print("first open, median of %d: %.2f s (runs: %s); cp -r --reflink=auto: %.2f s (runs: %s); ratio %.2f"
          % (a.runs, med(first), " ".join("%.2f" % x for x in first), med(cp),
             " ".join("%.2f" % x for x in cp), med(first) / med(cp)))
    print("no-change sync, median of %d: %.3f s (%.3f s inside the sync); git status --porcelain: %.3f s; ratio %.2f"
          % (a.runs, med(sync), med(inside), med(status), med(sync) / med(status)))
    print("peak RSS: first open %.1f MiB, no-change sync %.1f MiB"
          % (max(rss_first) / 1024, max(rss_sync) / 1024))
    print("disk: the copy %.0f MiB (du), cp -r's %.0f MiB" % (size / 1024, cp_size / 1024))
    print("(removing the %d copies set aside took %.1f s)" % (2 * a.runs + 1, cleanup))


if __name__ == "__main__":
    main()
