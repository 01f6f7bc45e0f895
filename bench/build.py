#!/usr/bin/env python3
"""`loom build` twice on a spec of small Python units, with the scripted fake
model server: the tokens the first run spends and the second (the slot cache)
saves, and the wall time of each.

The spec has 8 slots, each with its own unittest. The script makes the model
wrong on its first attempt at every other slot (so half the slots take a
retry with the error), right otherwise. The second run has an empty script:
any model request would fail it.

usage: bench/build.py [--loom PATH]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

# name, signature, contract, the test's expression, its expected value, a right body
UNITS = [
    ("slugify", "def slugify(s: str) -> str:", "lower case, non-alphanumeric runs become one dash",
     'slugify("Hello, World!")', '"hello-world"',
     'return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")'),
    ("words", "def count_words(s: str) -> int:", "the number of blank-separated words",
     'count_words("a b  c")', "3", "return len(s.split())"),
    ("title", "def title_case(s: str) -> str:", "each word capitalised",
     'title_case("hello big world")', '"Hello Big World"',
     'return " ".join(w.capitalize() for w in s.split())'),
    ("vowels", "def count_vowels(s: str) -> int:", "how many of aeiou (any case)",
     'count_vowels("Education")', "5", 'return sum(c in "aeiou" for c in s.lower())'),
    ("rev", "def reverse_words(s: str) -> str:", "the words in reverse order",
     'reverse_words("a b c")', '"c b a"', 'return " ".join(reversed(s.split()))'),
    ("pal", "def is_palindrome(s: str) -> bool:", "alphanumerics read the same both ways, any case",
     'is_palindrome("A man, a plan, a canal: Panama")', "True",
     "t = [c.lower() for c in s if c.isalnum()]\n    return t == t[::-1]"),
    ("trunc", "def truncate(s: str, n: int) -> str:", "at most n characters, ending in ... if cut",
     'truncate("abcdefgh", 6)', '"abc..."', 'return s if len(s) <= n else s[: n - 3] + "..."'),
    ("pair", "def parse_pair(s: str) -> tuple:", "split at the first =, both sides stripped",
     'parse_pair(" k = v ")', '("k", "v")',
     'k, _, v = s.partition("=")\n    return (k.strip(), v.strip())'),
]


def run(cmd, **kw):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p, time.monotonic() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default="build/loom")
    a = ap.parse_args()
    loom = os.path.abspath(a.loom)
    fakesrv = os.path.join(os.path.dirname(loom), "loom-fakesrv")
    tmp = tempfile.mkdtemp(prefix="loom-bench-build.")
    repo = os.path.join(tmp, "repo")
    os.makedirs(os.path.join(repo, "tests"))
    os.makedirs(os.path.join(repo, "src"))
    slots = []
    script = os.path.join(tmp, "script")
    os.makedirs(script)
    n = 0
    for i, (name, sig, contract, expr, want, body) in enumerate(UNITS):
        with open(os.path.join(repo, "tests", "test_%s.py" % name), "w") as f:
            f.write("import unittest\nfrom src.text import *\n\n\nclass T(unittest.TestCase):\n"
                    "    def test(self):\n        self.assertEqual(%s, %s)\n" % (expr, want))
        slots.append({"name": name, "signature": sig, "contract": contract,
                      "test": "python3 -m unittest -q tests.test_%s" % name})
        replies = ([sig + "\n    return None"] if i % 2 else []) + [sig + "\n    " + body]
        for r in replies:
            n += 1
            with open(os.path.join(script, "%03d.reply" % n), "w") as f:
                f.write("---\n```python\n%s\n```\n" % r)
    spec = os.path.join(tmp, "spec.json")
    json.dump({"target": "src/text.py", "lang": "python", "prelude": "import re\n",
               "slots": slots}, open(spec, "w"))
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
    for c in (["init", "-q"], ["add", "-A"],
              ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "fixture"]):
        subprocess.run(["git", "-C", repo] + c, check=True, env=env)
    results = []
    for label, sdir in (("first run", script), ("second run", os.path.join(tmp, "empty"))):
        os.makedirs(sdir, exist_ok=True)
        port = os.path.join(tmp, label + ".port")
        log = os.path.join(tmp, label + ".log")
        srv = subprocess.Popen([fakesrv, "--script", sdir, "--port-file", port, "--log", log],
                               stdout=subprocess.DEVNULL)
        while not os.path.exists(port) or not open(port).read().strip():
            time.sleep(0.02)
        url = "http://127.0.0.1:" + open(port).read().strip()
        p, wall = run([loom, "build", "--json", "--endpoint", url, spec], cwd=repo, env=env)
        srv.terminate()
        srv.wait()
        if p.returncode != 0:
            raise SystemExit("%s: exit %d: %s%s" % (label, p.returncode, p.stdout, p.stderr))
        s = json.loads(p.stdout.strip().split("\n")[-1])
        reqs = sum(1 for l in open(log) if json.loads(l)["path"] == "/v1/chat/completions") \
            if os.path.exists(log) else 0
        results.append((label, s, reqs, wall))
    print("| %d slots (Python, a unittest each) | model requests | tokens | saved by the cache "
          "| wall |" % len(UNITS))
    print("|---|---|---|---|---|")
    for label, s, reqs, wall in results:
        print("| %s | %d | %d | %d | %.2f s |" % (label, reqs, s["tokens"], s["tokens_saved"],
                                                 wall))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
