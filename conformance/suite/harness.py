"""Drives an OCI runtime through its command line (runc's: --root, create
--bundle, start, state, kill, delete [--force]) with bundles it generates,
and cleans up everything it made: containers, cgroups, mounts, directories.
"""

import ctypes
import json
import os
import shutil
import signal
import subprocess
import time

from . import results

CHECKER_IN_ROOTFS = "/usr/local/bin/oci-checker"
CGROUP_PARENT = "/berth-conformance"
PR_SET_CHILD_SUBREAPER = 36

# The value the suite gives the runtime's oom_score_adj, so that a container
# without oomScoreAdj can be seen to keep it (config.md#linux-process).
RUNTIME_OOM_SCORE_ADJ = 17

CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
]
DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def cap_mask(names):
    mask = 0
    for n in names:
        if n in CAPS:
            mask |= 1 << CAPS.index(n)
    return f"{mask:016x}"


def become_subreaper():
    """Container processes outlive `create`; as a shim does, the suite adopts
    them (and reaps them once they exit), so none is left to the host's init."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Host:
    """Facts about this machine that the checks need."""

    def __init__(self):
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            self.cgroup_mode = "v2"
        elif os.path.isdir("/sys/fs/cgroup/unified"):
            self.cgroup_mode = "hybrid"
        else:
            self.cgroup_mode = "v1"
        self.ns = {}
        for t in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"):
            try:
                self.ns[t] = os.readlink(f"/proc/self/ns/{t}")
            except OSError:
                pass
        status = open("/proc/self/status").read()
        self.cap_bounding = int([l for l in status.splitlines() if l.startswith("CapBnd:")][0].split()[1], 16)
        self.ncpu = os.cpu_count() or 1

    def has_cap(self, name):
        return bool(self.cap_bounding >> CAPS.index(name) & 1)

    def v1_controller(self, ctrl):
        return self.cgroup_mode != "v2" and os.path.isdir(f"/sys/fs/cgroup/{ctrl}") and \
            not os.path.exists(f"/sys/fs/cgroup/{ctrl}/cgroup.controllers")

    def cgroup_dir(self, ctrl, path):
        if self.v1_controller(ctrl):
            return f"/sys/fs/cgroup/{ctrl}{path}"
        if self.cgroup_mode == "v2":
            return f"/sys/fs/cgroup{path}"
        return f"/sys/fs/cgroup/unified{path}"

    def cgroup_roots(self):
        """Every hierarchy's mount point (v1 controllers, named ones, unified)."""
        if self.cgroup_mode == "v2":
            return ["/sys/fs/cgroup"]
        roots = []
        for name in sorted(os.listdir("/sys/fs/cgroup")):
            p = f"/sys/fs/cgroup/{name}"
            if os.path.isdir(p) and not os.path.islink(p) and os.path.ismount(p):
                roots.append(p)
        return roots


class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    @property
    def ok(self):
        return self.rc == 0

    def why(self):
        if self.rc is None:
            return f"timed out after {self.elapsed:.0f}s"
        text = (self.err or self.out or "").strip().replace("\n", " | ")
        return f"exit {self.rc}: {text[:300]}"


class Runtime:
    def __init__(self, name, binary, root):
        self.name, self.binary, self.root = name, binary, root

    def cmd(self, *args, timeout=30, stdout=None, stderr=None, cwd=None, umask=None):
        """Runs the runtime with --root; stdout/stderr are files (container
        stdio after `create` must not be pipes the suite would wait on)."""
        argv = [self.binary, "--root", self.root, *[str(a) for a in args]]
        # Reap exited container processes first, as a shim would: a zombie
        # that joined another container's pid namespace keeps that
        # namespace's init from dying until it is reaped.
        reap_all()

        def prepare():
            try:
                with open("/proc/self/oom_score_adj", "w") as f:
                    f.write(str(RUNTIME_OOM_SCORE_ADJ))
            except OSError:
                pass
            if umask is not None:
                os.umask(umask)
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)

        own_out = stdout is None
        own_err = stderr is None
        out_f = stdout if not own_out else open(_tmpfile("out"), "w+b")
        err_f = stderr if not own_err else open(_tmpfile("err"), "w+b")
        start = time.monotonic()
        rc = None
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_f, stderr=err_f, cwd=cwd,
                                 preexec_fn=prepare, close_fds=True)
            try:
                rc = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()  # only the runtime process the suite started
                p.wait()
            elapsed = time.monotonic() - start
            out = err = ""
            if own_out:
                out_f.seek(0)
                out = out_f.read().decode(errors="replace")
            if own_err:
                err_f.seek(0)
                err = err_f.read().decode(errors="replace")
            return Result(rc, out, err, elapsed)
        finally:
            if own_out:
                out_f.close()
                os.unlink(out_f.name)
            if own_err:
                err_f.close()
                os.unlink(err_f.name)


_tmp_dir = None
_tmp_n = 0


def _tmpfile(kind):
    global _tmp_n
    _tmp_n += 1
    return os.path.join(_tmp_dir, f".{kind}.{_tmp_n}")


class Container:
    def __init__(self, ctx, bundle, cid=None):
        self.ctx = ctx
        self.bundle = bundle
        self.id = cid or ctx.new_id()
        self.stdout = os.path.join(bundle.dir, "stdout")
        self.stderr = os.path.join(bundle.dir, "stderr")
        self.pid = None

    def create(self, timeout=30, umask=None):
        self.ctx.track(self.id)
        with open(self.stdout, "ab") as o, open(self.stderr, "ab") as e:
            r = self.ctx.rt.cmd("create", "--bundle", self.bundle.dir, self.id, stdout=o, stderr=e,
                                timeout=timeout, umask=umask)
        r.err = self.read_stderr()
        if r.ok:
            s = self.state()
            if s:
                self.pid = s.get("pid")
        return r

    def start(self, timeout=30):
        return self.ctx.rt.cmd("start", self.id, timeout=timeout)

    def state_result(self):
        return self.ctx.rt.cmd("state", self.id)

    def state(self):
        r = self.state_result()
        if not r.ok:
            return None
        try:
            return json.loads(r.out)
        except ValueError:
            return None

    def status(self):
        s = self.state()
        return s.get("status") if s else None

    def kill(self, sig="KILL", *extra):
        return self.ctx.rt.cmd("kill", *extra, self.id, sig)

    def delete(self, force=False, timeout=30):
        args = ["delete", "--force", self.id] if force else ["delete", self.id]
        return self.ctx.rt.cmd(*args, timeout=timeout)

    def wait_status(self, want, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            st = self.status()
            if st == want:
                return True
            if time.monotonic() > deadline:
                return False
            reap_all()
            time.sleep(0.05)

    def wait_output(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            time.sleep(0.05)
        return False

    def output(self):
        try:
            with open(self.stdout, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def read_stderr(self):
        try:
            with open(self.stderr, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Bundle:
    def __init__(self, ctx, name):
        self.ctx = ctx
        self.n = ctx.next_n()
        self.dir = os.path.join(ctx.work, f"{self.n:03d}-{name}")
        os.makedirs(self.dir)
        self.rootfs = os.path.join(self.dir, "rootfs")
        subprocess.run(["cp", "-a", ctx.template, self.rootfs], check=True)
        self.cgroups_path = f"{CGROUP_PARENT}/{ctx.rt.name}-{os.getpid()}-{self.n}"
        ctx.track_cgroup(self.cgroups_path)
        self.config = base_config(self.cgroups_path, ctx.oci_version)
        ctx.bundles.append(self.dir)

    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config["linux"]

    def namespaces(self, *types):
        self.linux["namespaces"] = [{"type": t} for t in types]

    def args(self, *args):
        self.process["args"] = [CHECKER_IN_ROOTFS, *[str(a) for a in args]]

    def write(self):
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(self.config, f, indent=1)


SPEC_VERSION = "1.3.0"
# Tried in this order when a runtime refuses SPEC_VERSION configs (crun 1.8
# accepts 1.0 and 1.1 only): the runtime then gets the same bundles labelled
# with the newest version it accepts.
OLDER_VERSIONS = ("1.2.1", "1.2.0", "1.1.0", "1.0.2")


def base_config(cgroups_path, oci_version=SPEC_VERSION):
    return {
        "ociVersion": oci_version,
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": [CHECKER_IN_ROOTFS, "exit", "0"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/",
            "capabilities": {k: list(DEFAULT_CAPS) for k in ("bounding", "effective", "permitted")},
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "conformance",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "cgroupsPath": cgroups_path,
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        },
    }


class Expect:
    """One in-container expectation and the check it reports as."""

    def __init__(self, cid, desc, ref, kind, *args, level="MUST", group=None):
        self.cid, self.desc, self.ref, self.kind = cid, desc, ref, kind
        self.args = [str(a) for a in args]
        self.level, self.group = level, group

    def argv(self, index):
        return "\t".join([str(index), self.kind, *self.args])


class Context:
    """One runtime's run: its state root, work directory, results and
    everything to clean up."""

    def __init__(self, rt, host, work, template, host_checker, results_list):
        global _tmp_dir
        self.rt, self.host, self.work, self.template = rt, host, work, template
        self.host_checker = host_checker
        self.results = results_list
        self.group = None
        self.ids = []
        self.cgroups = []
        self.bundles = []
        self.host_mounts = []
        self.oci_version = SPEC_VERSION
        self._n = 0
        self._id_n = 0
        _tmp_dir = work

    def next_n(self):
        self._n += 1
        return self._n

    def new_id(self):
        self._id_n += 1
        return f"conf-{self.rt.name}-{os.getpid()}-{self._id_n}"

    def bundle(self, name):
        return Bundle(self, name)

    def track(self, cid):
        if cid not in self.ids:
            self.ids.append(cid)

    def track_cgroup(self, path):
        self.cgroups.append(path)

    # --- recording ---------------------------------------------------------
    def record(self, cid, desc, ref, ok, detail="", level="MUST", group=None, skip=None):
        self.results.append(results.Check(group or self.group, cid, desc, ref, ok, detail, level, skip))

    def check(self, cid, desc, ref, ok, detail="", level="MUST"):
        self.record(cid, desc, ref, bool(ok), detail, level)
        return bool(ok)

    def skip(self, cid, desc, ref, reason, level="MUST"):
        self.record(cid, desc, ref, None, "", level, skip=reason)

    def fail_all(self, expects, why):
        for e in expects:
            self.record(e.cid, e.desc, e.ref, False, why, e.level, e.group)

    # --- running the checker in a container ---------------------------------
    def run_checks(self, bundle, expects, before_start=None, timeout=60):
        """Create, start and wait for a container whose process is the checker
        evaluating `expects`; records one check per expectation. Returns the
        container (deleted) or None when it could not run."""
        bundle.args("check", *[e.argv(i) for i, e in enumerate(expects)])
        bundle.write()
        c = Container(self, bundle)
        r = c.create()
        if not r.ok:
            self.fail_all(expects, "create failed: " + r.why())
            return None
        if before_start:
            before_start(c)
        r = c.start()
        if not r.ok:
            self.fail_all(expects, "start failed: " + r.why())
            c.delete(force=True)
            return None
        if not c.wait_status("stopped", timeout=timeout):
            c.kill("KILL")
            c.wait_status("stopped", timeout=5)
        self.parse_checker(c.output(), expects)
        c.delete(force=True)
        return c

    def parse_checker(self, output, expects):
        seen = {}
        for line in output.splitlines():
            ok = line.startswith("ok ")
            if not (ok or line.startswith("not ok ")):
                continue
            rest = line.split(" - ", 1)[1] if " - " in line else ""
            idx, _, detail = rest.partition(" # ")
            if idx.strip().isdigit():
                seen[int(idx)] = (ok, detail.strip())
        for i, e in enumerate(expects):
            ok, detail = seen.get(i, (False, "the checker reported nothing (output: %r)" % output[-200:]))
            self.record(e.cid, e.desc, e.ref, ok, detail, e.level, e.group)

    # --- cleanup ----------------------------------------------------------
    def cleanup(self):
        for cid in reversed(self.ids):
            r = self.rt.cmd("state", cid, timeout=10)
            if r.ok:
                self.rt.cmd("delete", "--force", cid, timeout=20)
        self.ids.clear()
        for mnt in reversed(self.host_mounts):
            subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL)
        self.host_mounts.clear()
        for path in self.cgroups:
            remove_cgroup(self.host, path)
        self.cgroups.clear()
        for d in self.bundles:
            shutil.rmtree(d, ignore_errors=True)
        self.bundles.clear()
        reap_all()


def remove_cgroup(host, path):
    """Removes PATH (under the suite's own parent only) in every hierarchy,
    children first; ends container processes left in it by their PID."""
    if not path.startswith(CGROUP_PARENT + "/"):
        return
    for root in host.cgroup_roots():
        top = root + path
        if not os.path.isdir(top):
            continue
        dirs = [d for d, _, _ in os.walk(top)]
        for d in sorted(dirs, key=len, reverse=True):
            for attempt in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    try:
                        with open(os.path.join(d, "cgroup.procs")) as f:
                            for pid in f.read().split():
                                os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
                    reap_all()
                    time.sleep(0.05)


def remove_cgroup_parent(host):
    for root in host.cgroup_roots():
        try:
            os.rmdir(root + CGROUP_PARENT)
        except OSError:
            pass
