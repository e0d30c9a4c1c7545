#!/usr/bin/python3
"""Start-up benchmark of OCI runtimes (berth, runc, crun) on identical bundles.

Run by bench/run.sh inside a private mount namespace (see README.md); it can
also be run by hand there. Every case runs in interleaved rounds: each round
runs every runtime once, the order rotating from round to round, so drifting
machine load hits all runtimes alike. One warm-up round per case is thrown
away. The result is one table of medians, min-max and the median of the
per-round ratios.

This process is a child subreaper (as a containerd shim is): the init of a
detached container becomes our child when `create` exits, so case (b) can
wait for its exit with wait4 and `delete` never races a zombie.
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import statistics
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
CASES = ["a", "b", "c", "d", "e", "f", "g", "rss"]


class Failure(Exception):
    pass


class Children:
    """Spawns processes and reaps every child (including orphaned container
    inits handed to us as subreaper), keeping statuses of the ones not yet
    asked for."""

    def __init__(self, logdir):
        self.reaped = {}  # pid -> (status, rusage)
        self.logdir = logdir
        self.devnull = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
        self.env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}

    def spawn(self, argv, log, stdout=None):
        actions = [
            (os.POSIX_SPAWN_DUP2, self.devnull, 0),
            (os.POSIX_SPAWN_DUP2, stdout if stdout is not None else self.devnull, 1),
            (os.POSIX_SPAWN_OPEN, 2, log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        ]
        pid = os.posix_spawn(argv[0], argv, self.env, file_actions=actions)
        self.reaped.pop(pid, None)  # a stale status of an earlier process with this pid
        return pid

    def wait(self, pid):
        while pid not in self.reaped:
            try:
                p, status, ru = os.wait4(-1, 0)
            except ChildProcessError:
                raise Failure(f"process {pid} is not our child")
            self.reaped[p] = (status, ru)
        return self.reaped.pop(pid)

    def reap_strays(self):
        while True:
            try:
                p, status, ru = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if p == 0:
                return
            self.reaped[p] = (status, ru)

    def run(self, argv, log, check=True, stdout=None):
        """Runs argv to completion; returns (seconds, exit status) and keeps
        its CPU time (user+sys, including the children it reaped) in
        self.last_cpu."""
        t0 = time.perf_counter_ns()
        pid = self.spawn(argv, log, stdout)
        status, ru = self.wait(pid)
        dt = (time.perf_counter_ns() - t0) / 1e9
        self.last_cpu = cpu_seconds(ru)
        code = os.waitstatus_to_exitcode(status)
        if check and code != 0:
            raise Failure(f"{' '.join(argv)} exited {code}; stderr: {tail(log)}")
        return dt, code


def cpu_seconds(ru):
    return ru.ru_utime + ru.ru_stime


def tail(path):
    """The last error line a runtime wrote (or its last line)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 4096))
            lines = [l for l in f.read().decode(errors="replace").splitlines() if l.strip()]
    except OSError:
        return "(no log)"
    errors = [l for l in lines if "error" in l.lower()]
    return (errors or lines or ["(empty log)"])[-1].strip()


class Runtime:
    def __init__(self, name, path, work, state, cgroup_parent):
        self.name = name
        self.path = path
        self.root = os.path.join(state, f"root-{name}")
        self.log = os.path.join(work, f"{name}.stderr")
        self.cgroup_parent = cgroup_parent
        self.serial = 0
        os.makedirs(self.root, exist_ok=True)

    def cmd(self, *args):
        return [self.path, "--root", self.root, *args]

    def new_id(self, case):
        self.serial += 1
        return f"bench-{self.name}-{case}-{self.serial}"


class Bench:
    def __init__(self, opts):
        self.o = opts
        self.work = opts.work
        self.kids = Children(self.work)
        state = opts.state or opts.work
        named = [("berth", opts.berth), ("runc", opts.runc), ("crun", opts.crun)]
        if opts.berth_b:  # a second berth binary, for A/B comparisons of a change
            named.append(("berth-b", opts.berth_b))
        self.rts = [Runtime(n, p, self.work, state, opts.cgroup_parent) for n, p in named]
        self.results = {}  # case label -> {runtime: [values per round]}
        self.units = {}
        self.sleepers = {}  # runtime name -> container id of the long-running container
        self.notes = []  # failures that were retried

    # ---------- bundles ----------
    def make_bundles(self):
        base_path = os.path.join(self.work, "base-config.json")
        if not os.path.exists(base_path):
            # runc's default spec, the same for every runtime.
            d = os.path.join(self.work, "spec-tmp")
            os.makedirs(d, exist_ok=True)
            self.kids.run([self.o.runc, "spec", "--bundle", d], os.path.join(self.work, "spec.stderr"))
            shutil.move(os.path.join(d, "config.json"), base_path)
            os.rmdir(d)
        with open(base_path) as f:
            base = json.load(f)
        seccomp = json.loads(self.o.seccomp_json.read()) if self.o.seccomp_json else None
        for rt in self.rts:
            kinds = [(str(i), ["/bin/true"], None) for i in range(max(self.o.parallel, 1))]
            kinds.append(("seccomp", ["/bin/true"], seccomp))
            kinds.append(("sleep", ["/bin/sleep", "1000000"], None))
            for slot, args, sc in kinds:
                c = json.loads(json.dumps(base))
                c["process"]["args"] = args
                c["process"]["terminal"] = False
                c["root"] = {"path": self.o.rootfs, "readonly": True}
                c["linux"]["cgroupsPath"] = f"{self.o.cgroup_parent}/{rt.name}-{slot}"
                if sc is not None:
                    c["linux"]["seccomp"] = sc
                d = self.bundle(rt, slot)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "config.json"), "w") as f:
                    json.dump(c, f, indent=1)

    def bundle(self, rt, slot):
        return os.path.join(self.work, "bundles", f"{rt.name}-{slot}")

    # ---------- recording ----------
    def record(self, label, rt, value, unit="ms"):
        self.results.setdefault(label, {r.name: [] for r in self.rts})[rt.name].append(value)
        self.units[label] = unit

    def rounds(self, label, body, rounds=None):
        """Runs body(rt, measured) for every runtime, once as warm-up and then
        in `rounds` rotating rounds."""
        n = self.o.rounds if rounds is None else rounds
        say(f"  {label}: warm-up")
        for rt in self.rts:
            self.attempt(label, rt, body, False)
        for r in range(n):
            k = r % len(self.rts)
            for rt in self.rts[k:] + self.rts[:k]:
                self.attempt(label, rt, body, True)
            self.kids.reap_strays()
        say(f"  {label}: {n} rounds done")

    def attempt(self, label, rt, body, measured, tries=3):
        """A failed measurement is noted, its containers deleted and retried,
        so that a rare failure is reported without losing the whole run."""
        for i in range(tries):
            try:
                return body(rt, measured)
            except Failure as e:
                self.notes.append(f"{label}: {rt.name}: {e}")
                say(f"  {label}: {rt.name} failed ({e}); {'retrying' if i + 1 < tries else 'giving up'}")
                self.cleanup(only=rt)
        raise Failure(f"{label}: {rt.name} failed {tries} times")

    # ---------- cases ----------
    def run_once(self, rt, slot, case):
        cid = rt.new_id(case)
        dt, _ = self.kids.run(rt.cmd("run", "--bundle", self.bundle(rt, slot), cid), rt.log)
        return dt

    def case_a(self):
        def body(rt, measured):
            dt = self.run_once(rt, "0", "a")
            if measured:
                self.record("(a) run /bin/true", rt, dt * 1e3)
                self.record("    CPU time (user+sys)", rt, self.kids.last_cpu * 1e3)
        self.rounds("(a) run", body)

    def case_b(self):
        def body(rt, measured):
            cid = rt.new_id("b")
            pidfile = os.path.join(self.work, f"{cid}.pid")
            t0 = time.perf_counter_ns()
            dc, _ = self.kids.run(rt.cmd("create", "--bundle", self.bundle(rt, "0"), "--pid-file", pidfile, cid), rt.log)
            cpu = self.kids.last_cpu
            with open(pidfile) as f:
                pid = int(f.read().strip())
            ds, _ = self.kids.run(rt.cmd("start", cid), rt.log)
            cpu += self.kids.last_cpu
            t1 = time.perf_counter_ns()
            status, ru = self.kids.wait(pid)  # our child: we are the subreaper
            dw = (time.perf_counter_ns() - t1) / 1e9
            cpu += cpu_seconds(ru)  # the container init's own set-up work
            dd, _ = self.kids.run(rt.cmd("delete", cid), rt.log)
            cpu += self.kids.last_cpu
            total = (time.perf_counter_ns() - t0) / 1e9
            os.unlink(pidfile)
            if os.waitstatus_to_exitcode(status) != 0:
                raise Failure(f"{rt.name}: container {cid} exited {os.waitstatus_to_exitcode(status)}")
            if measured:
                self.record("(b) create+start+wait+delete", rt, total * 1e3)
                self.record("    create", rt, dc * 1e3)
                self.record("    start", rt, ds * 1e3)
                self.record("    wait for exit", rt, dw * 1e3)
                self.record("    delete", rt, dd * 1e3)
                self.record("    CPU time (user+sys, all)", rt, cpu * 1e3)
        self.rounds("(b) create/start/wait/delete", body)

    def start_sleepers(self):
        for rt in self.rts:
            cid = rt.new_id("sleep")
            self.kids.run(rt.cmd("run", "--detach", "--bundle", self.bundle(rt, "sleep"), cid), rt.log)
            self.sleepers[rt.name] = cid

    def case_c(self):
        def body(rt, measured):
            dt, _ = self.kids.run(rt.cmd("state", self.sleepers[rt.name]), rt.log)
            if measured:
                self.record("(c) state", rt, dt * 1e3)
        self.rounds("(c) state", body)

    def case_d(self):
        def body(rt, measured):
            dt, _ = self.kids.run(rt.cmd("exec", self.sleepers[rt.name], "/bin/true"), rt.log)
            if measured:
                self.record("(d) exec /bin/true", rt, dt * 1e3)
        self.rounds("(d) exec", body)

    def case_e(self):
        n = self.o.sequential

        def body(rt, measured):
            t0 = time.perf_counter_ns()
            for _ in range(n if measured else 3):
                self.run_once(rt, "0", "e")
            if measured:
                self.record(f"(e) {n} sequential runs", rt, (time.perf_counter_ns() - t0) / 1e9 * 1e3)
        self.rounds(f"(e) {n} sequential runs", body, self.o.rounds_heavy)

    def case_f(self):
        n = self.o.parallel

        def body(rt, measured):
            t0 = time.perf_counter_ns()
            pids = [self.kids.spawn(rt.cmd("run", "--bundle", self.bundle(rt, str(i)), rt.new_id("f")), rt.log)
                    for i in range(n)]
            codes = [os.waitstatus_to_exitcode(self.kids.wait(p)[0]) for p in pids]
            dt = (time.perf_counter_ns() - t0) / 1e9
            if any(codes):
                raise Failure(f"{rt.name}: parallel runs exited {codes}; stderr: {tail(rt.log)}")
            if measured:
                self.record(f"(f) {n} parallel runs (wall)", rt, dt * 1e3)
        self.rounds(f"(f) {n} parallel runs", body)

    def case_g(self):
        def body(rt, measured):
            shutil.rmtree(os.path.join(rt.root, ".seccomp-cache"), ignore_errors=True)
            first = self.run_once(rt, "seccomp", "g")
            again = self.run_once(rt, "seccomp", "g")
            if measured:
                self.record("(g) seccomp run, first (no cache)", rt, first * 1e3)
                self.record("(g) seccomp run, repeated", rt, again * 1e3)
        self.rounds("(g) seccomp", body)

    def case_rss(self):
        def peak(rt, slot, case):
            out = os.path.join(self.work, "time-v.out")
            cid = rt.new_id(case)
            self.kids.run([self.o.time, "-v", "-o", out, *rt.cmd("run", "--bundle", self.bundle(rt, slot), cid)], rt.log)
            with open(out) as f:
                for line in f:
                    if "Maximum resident set size" in line:
                        return int(line.rsplit(":", 1)[1]) / 1024
            raise Failure("no 'Maximum resident set size' in /usr/bin/time -v output")

        def body(rt, measured):
            a = peak(rt, "0", "rss")
            g = peak(rt, "seccomp", "rss")
            if measured:
                self.record("peak RSS, (a) run", rt, a, "MiB")
                self.record("peak RSS, (g) seccomp run", rt, g, "MiB")
        self.rounds("peak RSS", body, self.o.rounds_heavy)

    # ---------- report ----------
    def table(self):
        def fmt(v, unit):
            return f"{v:.2f}" if unit != "ms" or v < 100 else f"{v:.0f}"

        def cell(vals, unit):
            if not vals:
                return "-"
            return f"{fmt(statistics.median(vals), unit)} ({fmt(min(vals), unit)}–{fmt(max(vals), unit)})"

        def ratio(label, mine, other):
            b, o = self.results[label][mine], self.results[label][other]
            # A ratio of two near-zero times (e.g. waiting for an init that
            # had already exited) says nothing.
            if not b or not o or min(statistics.median(b), statistics.median(o)) < 0.5:
                return "-"
            rs = [x / y for x, y in zip(b, o) if y > 0]
            return f"{statistics.median(rs):.2f}" if rs else "-"

        ab = any(r.name == "berth-b" for r in self.rts)
        rows = [["case", "unit", "berth median (min–max)", "runc", "crun", "berth/crun", "berth/runc"]]
        if ab:
            rows[0] += ["berth-b", "berth-b/crun", "berth-b/berth"]
        for label, per in self.results.items():
            u = self.units[label]
            rows.append([label, u, cell(per["berth"], u), cell(per["runc"], u), cell(per["crun"], u),
                         ratio(label, "berth", "crun"), ratio(label, "berth", "runc")])
            if ab:
                rows[-1] += [cell(per["berth-b"], u), ratio(label, "berth-b", "crun"), ratio(label, "berth-b", "berth")]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = []
        for i, r in enumerate(rows):
            lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
            if i == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)

    # ---------- cleanup ----------
    def cleanup(self, only=None):
        """Deletes the containers left in the runtimes' roots (all of them, or
        only `only`'s, keeping its long-running container)."""
        for rt in self.rts if only is None else [only]:
            keep = {self.sleepers.get(rt.name)} if only is not None else set()
            try:
                ids = [e for e in os.listdir(rt.root) if not e.startswith(".") and e not in keep]
            except FileNotFoundError:
                continue
            for cid in ids:
                self.kids.run(rt.cmd("kill", cid, "KILL"), rt.log, check=False)
                time.sleep(0.05)
                self.kids.reap_strays()  # the killed init is our child
                self.kids.run(rt.cmd("delete", "--force", cid), rt.log, check=False)
        self.kids.reap_strays()

    def main(self):
        cases = self.o.cases.split(",")
        unknown = set(cases) - set(CASES)
        if unknown:
            raise Failure(f"unknown cases {sorted(unknown)}; known: {CASES}")
        self.make_bundles()
        try:
            if "c" in cases or "d" in cases:
                self.start_sleepers()
            for c in CASES:
                if c in cases:
                    getattr(self, f"case_{c}")()
        finally:
            self.cleanup()
        print(self.table())
        if self.notes:
            print(f"\n{len(self.notes)} failed measurement(s), retried:")
            for n in self.notes:
                print(f"  - {n}")


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--berth", required=True)
    ap.add_argument("--berth-b", help="a second berth binary, shown in extra columns (A/B of a change)")
    ap.add_argument("--runc", default="/usr/sbin/runc")
    ap.add_argument("--crun", default="/usr/bin/crun")
    ap.add_argument("--time", default="/usr/bin/time", help="GNU time, for peak RSS")
    ap.add_argument("--work", required=True, help="scratch directory (roots, bundles, logs)")
    ap.add_argument("--state", help="directory for the runtimes' --root directories (default: --work)")
    ap.add_argument("--rootfs", required=True, help="absolute path of the busybox root filesystem")
    ap.add_argument("--cgroup-parent", required=True, help="absolute cgroup path all containers go under")
    ap.add_argument("--seccomp-json", type=argparse.FileType("r"), help="linux.seccomp object for case (g)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--rounds-heavy", type=int, default=None, help="rounds for (e) and RSS (default: --rounds)")
    ap.add_argument("--sequential", type=int, default=100)
    ap.add_argument("--parallel", type=int, default=10)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--cleanup-only", action="store_true", help="only delete containers left in the roots")
    o = ap.parse_args()
    if o.rounds_heavy is None:
        o.rounds_heavy = o.rounds
    if not o.cgroup_parent.startswith("/"):
        raise SystemExit("--cgroup-parent must be absolute")
    if "g" in o.cases.split(",") and not o.seccomp_json and not o.cleanup_only:
        raise SystemExit("case g needs --seccomp-json")

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # SIGTERM/SIGHUP behave like Ctrl-C: unwind through the cleanup (SIGINT
    # too, even when a non-interactive shell started us with it ignored).
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.default_int_handler)
    b = Bench(o)
    try:
        if o.cleanup_only:
            b.cleanup()
        else:
            b.main()
    except Failure as e:
        say(f"bench: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        say("bench: interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
