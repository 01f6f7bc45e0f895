#!/usr/bin/env python3
"""Retrieval benchmark: does the Context Loom find the files a real commit changed?

For each repository (any git repository with history), each case is one commit:
  task  = the commit message (trailer lines such as Signed-off-by: removed)
  gold  = the non-test files the commit changed that existed before it (1-5 files)
  state = the parent commit, checked out clean in a private clone
Commits that merge, have messages under 30 characters, or touch no eligible
file are skipped. The newest --cases eligible commits are used; a commit goes to
the tuning half or the test half by the parity of its hash.

For every case the benchmark runs `loom query --json` (after `loom index` brings
the index to the parent's state) once per rule-weight configuration, and ranks
the same files with a plain BM25-over-content baseline computed here:
lowercased identifier tokens ([a-z_][a-z0-9_]*), English stop words removed,
no stemming, BM25 with k1=1.2, b=0.75 over whole files (binary files and files
over 1 MiB excluded, as Loom excludes them).

Metrics: Acc@k = share of cases whose gold files are ALL in the top k;
MRR = mean of 1/rank of the first gold file (0 when not in the top 20).

Weights are tuned by one-at-a-time variation around the defaults on the tuning
half (best Acc@5, then MRR); the figures reported are those of the test half.

usage: bench/retrieval.py [--loom PATH] [--cases N] [--work DIR] [--json OUT] REPO...
"""
import argparse
import collections
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time

STOP = set("""a about above after again against all am an and any are as at be because been
before being below between both but by can did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where
which while who whom why will with you your yours yourself yourselves""".split())

TEST_DIRS = {"test", "tests", "testing", "t", "spec", "specs", "__tests__", "testsuite"}
TRAILER = re.compile(r"^[A-Z][A-Za-z-]+: .*(<.*@.*>|https?://)|^(Signed-off-by|Reviewed-by|"
                     r"Acked-by|Tested-by|Reported-by|Co-authored-by|Helped-by|Cc|Link|"
                     r"Closes|Fixes|Ref|Refs|Change-Id):", re.I)
WORD = re.compile(r"[a-z_][a-z0-9_]*")
TOP = 20


def git(repo, *args, input=None):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          input=input).stdout


def is_test(path):
    parts = path.split("/")
    base = parts[-1]
    if any(p in TEST_DIRS for p in parts[:-1]):
        return True
    return (base.startswith("test_") or base.startswith("test-") or "_test." in base
            or ".test." in base or ".spec." in base or base.endswith("Test.java")
            or base.startswith("conftest"))


def clean_message(msg):
    lines = [l for l in msg.splitlines() if not TRAILER.match(l.strip())]
    return "\n".join(lines).strip()


def find_cases(repo, want):
    """The newest `want` eligible commits of repo, oldest first."""
    out = git(repo, "log", "--no-merges", "--first-parent", "-n", str(want * 8),
              "--format=%H%x00%P%x00%B%x01", "HEAD").decode("utf-8", "replace")
    cases = []
    for rec in out.split("\x01"):
        rec = rec.strip("\n")
        if not rec:
            continue
        sha, parents, msg = rec.split("\x00", 2)
        parents = parents.split()
        if len(parents) != 1:
            continue
        task = clean_message(msg)
        if len(task) < 30:
            continue
        st = git(repo, "diff-tree", "-r", "--no-commit-id", "--name-status", "-z",
                 "--no-renames", parents[0], sha).decode("utf-8", "surrogateescape").split("\x00")
        changed = [(st[i], st[i + 1]) for i in range(0, len(st) - 1, 2)]
        gold = sorted(p for s, p in changed if s in ("M", "D") and not is_test(p))
        if not 1 <= len(gold) <= 5:
            continue
        cases.append({"sha": sha, "parent": parents[0], "task": task, "gold": gold,
                      "half": "tune" if int(sha[:8], 16) % 2 == 0 else "test"})
        if len(cases) >= want:
            break
    cases.reverse()
    return cases


class Baseline:
    """Plain BM25 over whole files, cached per blob."""

    def __init__(self, repo):
        self.repo = repo
        self.blobs = {}  # sha -> (Counter, length) or None when not indexable

    def _load(self, shas):
        todo = [s for s in shas if s not in self.blobs]
        if not todo:
            return
        p = subprocess.Popen(["git", "-C", self.repo, "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def feed():  # a thread: git blocks on a full stdout pipe otherwise
            p.stdin.write(("\n".join(todo) + "\n").encode())
            p.stdin.close()
        writer = threading.Thread(target=feed)
        writer.start()
        for s in todo:
            header = p.stdout.readline().split()
            size = int(header[2])
            data = p.stdout.read(size)
            p.stdout.read(1)
            if size > (1 << 20) or b"\0" in data[:8192]:
                self.blobs[s] = None
                continue
            toks = [t for t in WORD.findall(data.decode("utf-8", "replace").lower())
                    if t not in STOP]
            self.blobs[s] = (collections.Counter(toks), len(toks))
        writer.join()
        p.wait()

    def rank(self, commit, task):
        tree = git(self.repo, "ls-tree", "-r", "-z", commit).decode("utf-8", "surrogateescape")
        files = []
        for ent in tree.split("\x00"):
            if not ent:
                continue
            meta, path = ent.split("\t", 1)
            mode, typ, sha = meta.split()
            if typ == "blob" and mode != "120000":
                files.append((path, sha))
        self._load([s for _, s in files])
        docs = [(p, self.blobs[s]) for p, s in files if self.blobs[s]]
        n = len(docs)
        if not n:
            return []
        avgdl = sum(d[1] for _, d in docs) / n
        terms = set(t for t in WORD.findall(task.lower()) if t not in STOP)
        df = {t: sum(1 for _, d in docs if t in d[0]) for t in terms}
        idf = {t: math.log((n - df[t] + 0.5) / (df[t] + 0.5) + 1) for t in terms if df[t]}
        scored = []
        for path, (cnt, dl) in docs:
            s = 0.0
            for t, w in idf.items():
                tf = cnt.get(t)
                if tf:
                    s += w * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl))
            if s > 0:
                scored.append((-s, path))
        scored.sort()
        return [p for _, p in scored[:TOP]]


def parse_configs(spec):
    """'name:rule=v,rule=v;name2:...' -> [(name, {rule: v})], the default first."""
    out = [("default", {})]
    for part in filter(None, spec.split(";")):
        name, _, body = part.partition(":")
        over = {}
        for kv in filter(None, body.split(",")):
            k, v = kv.split("=")
            over[k.strip()] = float(v)
        out.append((name.strip(), over))
    return out


def configs():
    """The default weights, then one-at-a-time variations of the tunable rules."""
    grid = {
        "bm25": [10, 30, 40], "symbol": [6, 20], "path_terms": [0, 4, 16],
        "name_mention": [8, 24], "path_mention": [15, 45], "neighbour": [0, 3, 10],
        "recent": [0, 6, 10], "test": [0, -5],
    }
    out = [("default", {})]
    for rule, values in grid.items():
        for v in values:
            out.append(("%s=%g" % (rule, v), {rule: v}))
    return out


def metrics(rankings, cases):
    n = len(cases)
    if not n:
        return {}
    acc = {k: 0 for k in (1, 5, 10)}
    mrr = 0.0
    for case in cases:
        ranked = rankings[case["sha"]]
        pos = {p: i for i, p in enumerate(ranked)}
        for k in acc:
            if all(g in pos and pos[g] < k for g in case["gold"]):
                acc[k] += 1
        first = min((pos[g] for g in case["gold"] if g in pos), default=None)
        if first is not None:
            mrr += 1.0 / (first + 1)
    return {"cases": n, "acc@1": acc[1] / n, "acc@5": acc[5] / n, "acc@10": acc[10] / n,
            "mrr": mrr / n}


def run_repo(loom, src, work, ncases, cfgs, log):
    name = os.path.basename(os.path.abspath(src).rstrip("/"))
    if name in ("repo", ".git"):
        name = os.path.basename(os.path.dirname(os.path.abspath(src)))
    cases = find_cases(src, ncases)
    log("%s: %d cases (%d tune, %d test)" % (name, len(cases),
        sum(c["half"] == "tune" for c in cases), sum(c["half"] == "test" for c in cases)))
    wt = os.path.join(work, name)
    if not os.path.isdir(wt):
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", src, wt], check=True)
    rules_dir = os.path.join(work, "rules")
    os.makedirs(rules_dir, exist_ok=True)
    rule_files = []
    for cname, over in cfgs:
        path = os.path.join(rules_dir, re.sub(r"[^A-Za-z0-9_.=-]", "_", cname))
        with open(path, "w") as f:
            for k, v in over.items():
                f.write("%s = %g\n" % (k, v))
        rule_files.append((cname, path))
    base = Baseline(wt)
    ranks = {c: {} for c, _ in cfgs}
    ranks["bm25-baseline"] = {}
    times = {"index": [], "query": []}
    for i, case in enumerate(cases):
        git(wt, "checkout", "-q", "--force", "--detach", case["parent"])
        git(wt, "clean", "-q", "-fd")
        t0 = time.monotonic()
        subprocess.run([loom, "index", wt], check=True, capture_output=True)
        times["index"].append(time.monotonic() - t0)
        taskfile = os.path.join(work, "task.txt")
        with open(taskfile, "w") as f:
            f.write(case["task"])
        for cname, rpath in rule_files:
            t0 = time.monotonic()
            out = subprocess.run([loom, "query", "--no-refresh", "--json", "--top", str(TOP),
                                  "--rules", rpath, "-C", wt, "--file", taskfile],
                                 check=True, capture_output=True).stdout
            if cname == "default":
                times["query"].append(time.monotonic() - t0)
            ranks[cname][case["sha"]] = [f["path"] for f in json.loads(out)["files"]]
        ranks["bm25-baseline"][case["sha"]] = base.rank(case["parent"], case["task"])
        if (i + 1) % 10 == 0:
            log("  %s: %d/%d cases" % (name, i + 1, len(cases)))
    return name, cases, ranks, times


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--loom", default=os.path.join(os.path.dirname(__file__), "..", "build", "loom"))
    ap.add_argument("--cases", type=int, default=120)
    ap.add_argument("--work", default="/tmp/loom-bench-retrieval")
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--configs", help="'name:rule=v,...;...' instead of the one-at-a-time grid")
    a = ap.parse_args()
    loom = os.path.abspath(a.loom)
    os.makedirs(a.work, exist_ok=True)
    log = lambda s: print(s, file=sys.stderr, flush=True)
    cfgs = parse_configs(a.configs) if a.configs else configs()
    allcases, allranks, alltimes = [], collections.defaultdict(dict), {"index": [], "query": []}
    per_repo = {}
    for src in a.repos:
        name, cases, ranks, times = run_repo(loom, src, a.work, a.cases, cfgs, log)
        allcases += cases
        for c, r in ranks.items():
            allranks[c].update(r)
        for k in times:
            alltimes[k] += times[k]
        per_repo[name] = {
            c: {h: metrics(ranks[c], [x for x in cases if x["half"] == h]) for h in ("tune", "test")}
            for c in ranks}
        per_repo[name]["median_index_s"] = median(times["index"])
        per_repo[name]["median_query_s"] = median(times["query"])
    tune = [c for c in allcases if c["half"] == "tune"]
    test = [c for c in allcases if c["half"] == "test"]
    scored = []
    for cname, _ in cfgs:
        m = metrics(allranks[cname], tune)
        scored.append(((m["acc@5"], m["mrr"]), cname))
    # combine the best value of each rule found one at a time
    best_single = {}
    for (score, cname) in scored:
        if "=" in cname:
            rule, v = cname.split("=")
            if rule not in best_single or score > best_single[rule][0]:
                best_single[rule] = (score, float(v))
    default_score = dict((c, s) for s, c in scored)["default"]
    chosen = {r: v for r, (s, v) in best_single.items() if s > default_score}
    result = {
        "repos": per_repo,
        "configs_on_tuning_half": {c: metrics(allranks[c], tune) for c, _ in cfgs},
        "improving_variations": chosen,
        "test_half": {c: metrics(allranks[c], test) for c in allranks},
        "tune_half": {c: metrics(allranks[c], tune) for c in allranks},
        "median_index_s": median(alltimes["index"]),
        "median_query_s": median(alltimes["query"]),
    }
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
    print("| ranking | half | cases | Acc@1 | Acc@5 | Acc@10 | MRR |")
    print("|---|---|---|---|---|---|---|")
    for half, cs in (("tune", tune), ("test", test)):
        for c in ("bm25-baseline", "default"):
            m = metrics(allranks[c], cs)
            print("| %s | %s | %d | %.3f | %.3f | %.3f | %.3f |" % (
                c, half, m["cases"], m["acc@1"], m["acc@5"], m["acc@10"], m["mrr"]))
    print()
    print("| repository | ranking | test cases | Acc@1 | Acc@5 | Acc@10 | MRR |")
    print("|---|---|---|---|---|---|---|")
    for name, r in per_repo.items():
        for c in ("bm25-baseline", "default"):
            m = r[c]["test"]
            if m:
                print("| %s | %s | %d | %.3f | %.3f | %.3f | %.3f |" % (
                    name, c, m["cases"], m["acc@1"], m["acc@5"], m["acc@10"], m["mrr"]))
    print()
    print("tuning half, one-at-a-time variations (Acc@5, MRR):")
    for (s, c) in sorted(scored, reverse=True):
        print("  %-18s %.3f %.3f" % (c, s[0], s[1]))
    print("variations better than the defaults on the tuning half:", chosen or "none")


if __name__ == "__main__":
    main()
