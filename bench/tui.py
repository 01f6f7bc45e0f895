#!/usr/bin/env python3
"""The terminal interface's figures, measured in a real terminal (a private
tmux server), with the scripted fake model server:

  first frame        from starting the process to its first screen: on a
                     small repository and on a large one (the index refresh
                     runs behind the first frame)
  key to screen      a key typed in the input line until it is on the screen
  10,000-line diff   frame times while paging through a proposal of 10,000
                     diff lines
  streaming          frame times, frames per second and the core's CPU while
                     the model streams 1,000 tokens/s
  idle               CPU time and context switches of the core and the three
                     workers over 10 s with nothing happening
  memory             peak RSS (VmHWM) of the core, each worker and the index
                     refresh's child, after one request on the large repository

Wall-clock figures are taken two ways: from outside, by polling tmux's screen
(capture-pane, every 2 ms: the poll's own delay is in them), and from inside,
by loom's LOOM_TUI_STATS figures (the time to draw a frame, and from reading a
key to the end of the frame that shows it), written to .loom/session.log.
Baseline, measured the same way in the same run, interleaved: less(1) opening
a file (first frame) and typing into its search prompt (key to screen).

usage: bench/tui.py [--loom PATH] [--fakesrv PATH] [--runs N] SMALL_REPO LARGE_REPO
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = set()  # stopped whatever happens


class Tmux:
    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "tmux.sock")

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.sock] + list(args), capture_output=True,
                              text=True, check=check).stdout

    def start(self, cmd, w=200, h=50):
        self.stop()
        self.run("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", str(w), "-y", str(h),
                 cmd + "; sleep 600")

    def screen(self):
        return self.run("capture-pane", "-p", "-t", "b", check=False)

    def keys(self, *k, literal=False):
        self.run("send-keys", "-t", "b", *(["-l", "--"] if literal else []), *k)

    def wait(self, regex, timeout=30.0, poll=0.002):
        t0 = time.monotonic()
        r = re.compile(regex, re.M)
        while time.monotonic() - t0 < timeout:
            if r.search(self.screen()):
                return time.monotonic() - t0
            time.sleep(poll)
        raise SystemExit("timeout waiting for %r; screen:\n%s" % (regex, self.screen()))

    def pane_pid(self):
        return int(self.run("display", "-p", "-t", "b", "#{pane_pid}").strip())

    def stop(self):
        self.run("kill-server", check=False)
        for _ in range(100):
            if subprocess.run(["tmux", "-S", self.sock, "has-session"],
                              capture_output=True).returncode != 0:
                break
            time.sleep(0.02)


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def loom_pid(tm):
    for _ in range(200):
        for c in children(tm.pane_pid()):
            try:
                if open("/proc/%d/comm" % c).read().strip() == "loom":
                    return c
            except OSError:
                pass
        time.sleep(0.01)
    raise SystemExit("no loom process in the pane")


def cpu_ticks(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime + stime


def switches(pid):
    n = 0
    for t in os.listdir("/proc/%d/task" % pid):
        for line in open("/proc/%d/task/%s/status" % (pid, t)):
            if "ctxt_switches" in line:
                n += int(line.split()[1])
    return n


def stats(repo):
    """LOOM_TUI_STATS lines of the last session's log, as a dict of dicts."""
    out = {}
    for line in open(os.path.join(repo, ".loom", "session.log")):
        m = re.match(r"loom: stats: (\S+?)(?:=| )(.*)", line.strip())
        if not m:
            continue
        if m.group(1).startswith("first_frame_us"):
            out["first_frame_us"] = float(line.split("=")[1])
            continue
        fields = dict(kv.split("=") for kv in line.split()[3:] if "=" in kv)
        key = line.split()[2]
        out[key] = {k: float(v) for k, v in fields.items()}
    return out


def reply(d, name, headers, body):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".reply"), "w") as f:
        f.write(headers + ("\n" if headers and not headers.endswith("\n") else "") + "---\n" + body
                + "\n")


class Server:
    def __init__(self, fakesrv, script, tmp):
        port = os.path.join(tmp, "port")
        if os.path.exists(port):
            os.unlink(port)
        self.p = subprocess.Popen([fakesrv, "--script", script, "--port-file", port, "--api",
                                   "llamacpp", "--n-ctx", "32768"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port) and open(port).read().strip():
                break
            time.sleep(0.01)
        self.url = "http://127.0.0.1:" + open(port).read().strip()
        SERVERS.add(self)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait()
        SERVERS.discard(self)


def quit_loom(tm):
    tm.keys("C-c")
    tm.keys("C-c")
    for _ in range(500):
        if "[exited]" in tm.screen():
            return
        time.sleep(0.01)


def med(v):
    return statistics.median(v) if v else float("nan")


def loom_cmd(loom, repo, url, extra=""):
    return ("cd %s && env TERM=tmux-256color LOOM_TUI_STATS=1 LOOM_ENDPOINT=%s LOOM_API=llamacpp "
            "LOOM_MAX_TOKENS=1000000 %s %s; echo [exited]" % (repo, url, extra, loom))


def first_frames(tm, a, srv, repos):
    res = {}
    for name, repo in repos:
        res[name] = {"loom": [], "inside": [], "less": []}
    for _ in range(a.runs):
        for name, repo in repos:
            t0 = time.monotonic()
            tm.start(loom_cmd(a.loom, repo, srv.url))
            tm.wait(r"Conversation")
            res[name]["loom"].append(time.monotonic() - t0)
            tm.wait(r"index fresh", timeout=600)
            quit_loom(tm)
            res[name]["inside"].append(stats(repo)["first_frame_us"] / 1e6)
            readme = os.path.join(repo, "README") if os.path.exists(
                os.path.join(repo, "README")) else os.path.join(repo, "README.md")
            first = open(readme).readline().strip()[:20]
            t0 = time.monotonic()
            tm.start("env TERM=tmux-256color LESS= less %s" % readme)
            tm.wait(re.escape(first))
            res[name]["less"].append(time.monotonic() - t0)
    return res


def key_latency(tm, a, srv, repo):
    outside, base = [], []
    tm.start(loom_cmd(a.loom, repo, srv.url))
    tm.wait(r"index fresh", timeout=600)
    for i in range(a.keys):
        t0 = time.monotonic()
        tm.keys("x" if i % 2 == 0 else "y", literal=True)
        want = "".join("x" if k % 2 == 0 else "y" for k in range(i + 1))
        tm.wait(r"› " + want + r"\s*$")
        outside.append(time.monotonic() - t0)
    quit_loom(tm)
    inside = stats(repo).get("key_to_screen", {})
    tm.start("env TERM=tmux-256color LESS= less %s" % os.path.join(HERE, "tui.py"))
    tm.wait(r"usr/bin/env")
    tm.keys("/")
    tm.wait(r"^/")
    for i in range(a.keys):
        t0 = time.monotonic()
        tm.keys("x" if i % 2 == 0 else "y", literal=True)
        want = "".join("x" if k % 2 == 0 else "y" for k in range(i + 1))
        tm.wait(r"^/" + want + r"\s*$")
        base.append(time.monotonic() - t0)
    tm.stop()
    return outside, inside, base


def big_diff(tm, a, tmp):
    """A proposal of 10,000 diff lines: 5,000 lines each changed."""
    repo = os.path.join(tmp, "bigdiff")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    old = "".join("int value_%d = %d;\n" % (i, i) for i in range(5000))
    new = "".join("long value_%d = %d;\n" % (i, i) for i in range(5000))
    open(os.path.join(repo, "big.c"), "w").write(old)
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(["git", "-C", repo, "add", "."], check=True)
    subprocess.run(["git", "-C", repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit",
                    "-qm", "big"], check=True)
    script = os.path.join(tmp, "s-big")
    shutil.rmtree(script, ignore_errors=True)
    reply(script, "001", "", '{"steps": [{"goal": "Make the values long", "files": ["big.c"]}]}')
    reply(script, "002", "",
          "big.c\n<<<<<<< SEARCH\n" + old + "=======\n" + new + ">>>>>>> REPLACE")
    srv = Server(a.fakesrv, script, tmp)
    tm.start(loom_cmd(a.loom, repo, srv.url, "LOOM_EDIT_FORMAT=search-replace"))
    tm.wait(r"index fresh")
    tm.keys("make the values long", literal=True)
    tm.keys("Enter")
    tm.wait(r"Diff · 1 file · 1 hunk", timeout=120)
    time.sleep(0.5)
    t0 = time.monotonic()
    for _ in range(a.pages):
        tm.keys("NPage")
        time.sleep(0.01)
    tm.keys("End")
    tm.wait(r"long value_4999")
    for _ in range(a.pages):
        tm.keys("PPage")
        time.sleep(0.01)
    tm.keys("Home")
    tm.wait(r"@@ -1,5000")
    paging = time.monotonic() - t0
    quit_loom(tm)
    srv.stop()
    st = stats(repo)
    return st.get("frame", {}), st.get("key_to_screen", {}), paging


def streaming(tm, a, tmp, repo):
    """1,000 tokens/s: the fake server drips a 4-byte chunk every millisecond."""
    script = os.path.join(tmp, "s-stream")
    shutil.rmtree(script, ignore_errors=True)
    words = " ".join("step%d" % (i % 1000) for i in range(a.tokens // 2))
    reply(script, "001", "fault: drip 1",
          '{"steps": [{"goal": "%s", "files": ["README.md"]}]}' % words[:a.tokens * 4 - 40])
    srv = Server(a.fakesrv, script, tmp)
    tm.start(loom_cmd(a.loom, repo, srv.url))
    tm.wait(r"index fresh", timeout=600)
    pid = loom_pid(tm)
    tm.keys("stream", literal=True)
    tm.keys("Enter")
    tm.wait(r"step0 step1")
    c0, t0 = cpu_ticks(pid), time.monotonic()
    tm.wait(r"the Architect's plan|step 1 of|error|✗", timeout=120)
    dt = time.monotonic() - t0
    c1 = cpu_ticks(pid)
    hz = os.sysconf("SC_CLK_TCK")
    # idle: nothing happens for 10 s
    time.sleep(1.5)
    pids = [pid] + children(pid)
    i0 = {p: (cpu_ticks(p), switches(p)) for p in pids}
    time.sleep(a.idle)
    idle = {p: (cpu_ticks(p) - i0[p][0], switches(p) - i0[p][1]) for p in pids}
    quit_loom(tm)
    srv.stop()
    st = stats(repo)
    return {
        "seconds": dt,
        "core_cpu_share": (c1 - c0) / hz / dt,
        "frames": st.get("frame", {}),
        "idle": idle,
    }


def memory(tm, a, tmp, repo):
    """Peak RSS after one request (plan, ledger, proposal, apply) on repo."""
    script = os.path.join(tmp, "s-mem")
    shutil.rmtree(script, ignore_errors=True)
    target = "Makefile" if os.path.exists(os.path.join(repo, "Makefile")) else "README.md"
    first = open(os.path.join(repo, target)).readline()
    reply(script, "001", "", '{"steps": [{"goal": "Note the file\'s purpose", "files": ["%s"]}]}'
          % target)
    reply(script, "002", "", "%s\n<<<<<<< SEARCH\n%s=======\n%s# (bench)\n>>>>>>> REPLACE"
          % (target, first, first))
    srv = Server(a.fakesrv, script, tmp)
    tm.start(loom_cmd(a.loom, repo, srv.url, "LOOM_EDIT_FORMAT=search-replace"))
    tm.wait(r"index fresh", timeout=600)
    tm.keys("note the file's purpose", literal=True)
    tm.keys("Enter")
    tm.wait(r"to decide", timeout=120)
    tm.keys("A")
    tm.keys("Enter")
    tm.wait(r"done: 1 of 1", timeout=60)
    tm.keys("/undo", literal=True)
    tm.keys("Enter")
    tm.wait(r"undid change set")
    quit_loom(tm)
    srv.stop()
    return stats(repo).get("peak_rss_kib", {})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loom", default=os.path.join(HERE, "..", "build", "loom"))
    ap.add_argument("--fakesrv", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keys", type=int, default=30)
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--tokens", type=int, default=5000)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("small")
    ap.add_argument("large")
    a = ap.parse_args()
    a.loom = os.path.abspath(a.loom)
    a.fakesrv = os.path.abspath(a.fakesrv or os.path.join(os.path.dirname(a.loom), "loom-fakesrv"))
    small, large = os.path.abspath(a.small), os.path.abspath(a.large)
    tmp = tempfile.mkdtemp(prefix="loom-bench-tui.")
    tm = Tmux(tmp)
    try:
        script = os.path.join(tmp, "s-none")
        os.makedirs(script)
        srv = Server(a.fakesrv, script, tmp)
        ff = first_frames(tm, a, srv, [("small", small), ("large", large)])
        outside, inside, base = key_latency(tm, a, srv, small)
        srv.stop()
        frames, keys, paging = big_diff(tm, a, tmp)
        stream = streaming(tm, a, tmp, small)
        mem = memory(tm, a, tmp, large)
    finally:
        tm.stop()
        for srv in list(SERVERS):
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print("first frame (median of %d, seconds from start to the screen):" % a.runs)
    for name in ("small", "large"):
        r = ff[name]
        print("  %-5s loom %.3f (inside: %.3f)  less %.3f  ratio loom/less %.2f" % (
            name, med(r["loom"]), med(r["inside"]), med(r["less"]),
            med(r["loom"]) / med(r["less"])))
    print("key to screen (median of %d, ms): loom %.1f  less %.1f  ratio %.2f; "
          "inside loom: median %.2f ms, max %.2f ms" % (
              a.keys, med(outside) * 1e3, med(base) * 1e3, med(outside) / med(base),
              inside.get("median_us", 0) / 1e3, inside.get("max_us", 0) / 1e3))
    print("10,000-line diff: %d page moves down and up, End, Home; frame median %.2f ms, p95 %.2f ms, "
          "max %.2f ms (n=%d); key to screen median %.2f ms" % (
              2 * a.pages, frames.get("median_us", 0) / 1e3, frames.get("p95_us", 0) / 1e3,
              frames.get("max_us", 0) / 1e3, frames.get("n", 0), keys.get("median_us", 0) / 1e3))
    f = stream["frames"]
    print("streaming %d tokens at 1,000/s: %.1f s, %.0f frames (%.0f/s), frame median %.2f ms, "
          "p95 %.2f ms, max %.2f ms; core CPU %.0f%% of one core" % (
              a.tokens, stream["seconds"], f.get("n", 0), f.get("n", 0) / stream["seconds"],
              f.get("median_us", 0) / 1e3, f.get("p95_us", 0) / 1e3, f.get("max_us", 0) / 1e3,
              100 * stream["core_cpu_share"]))
    print("idle %.0f s: %s" % (a.idle, ", ".join(
        "pid %d: %d CPU ticks, %d switches" % (p, v[0], v[1]) for p, v in stream["idle"].items())))
    total = sum(mem.get(k, 0) for k in ("core", "architect", "explorer", "coder"))
    during = mem.get("core_during_index", 0) + mem.get("index", 0)
    print("peak RSS on %s (MiB): core %.1f, architect %.1f, explorer %.1f, coder %.1f, index "
          "refresh %.1f; core + workers %.1f, core + refresh while it ran %.1f" % (
              os.path.basename(large), mem.get("core", 0) / 1024, mem.get("architect", 0) / 1024,
              mem.get("explorer", 0) / 1024, mem.get("coder", 0) / 1024,
              mem.get("index", 0) / 1024, total / 1024, during / 1024))


if __name__ == "__main__":
    sys.exit(main())
