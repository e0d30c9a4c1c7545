"""config.md: process (args, cwd, env, rlimits, capabilities, user, umask,
oomScoreAdj, noNewPrivileges, scheduler, ioPriority), root, mounts,
hostname, annotations, unknown properties; runtime-linux.md: file
descriptors and /dev symlinks."""

import os
import subprocess

from .harness import CHECKER_IN_ROOTFS, RUNTIME_OOM_SCORE_ADJ, Container, Expect, cap_mask
from .registry import test
from .spec_refs import render as R


def _expect_create_error(ctx, cid, desc, ref, bundle, level="MUST"):
    """A create that MUST fail; also checks that nothing is left behind."""
    bundle.write()
    c = Container(ctx, bundle)
    r = c.create()
    if r.ok:
        c.delete(force=True)
    ctx.check(cid, desc, ref, not r.ok, "create succeeded" if r.ok else "", level=level)
    return r


def _expect_create_ok(ctx, cid, desc, ref, bundle, level="MUST"):
    bundle.write()
    c = Container(ctx, bundle)
    r = c.create()
    ctx.check(cid, desc, ref, r.ok, r.why(), level=level)
    c.delete(force=True)
    return r


# --- process -----------------------------------------------------------------

@test("process")
def process_basics(ctx):
    b = ctx.bundle("process")
    b.process["cwd"] = "/var/conf-cwd"
    b.process["env"] = ["PATH=/usr/local/bin:/bin", "CONF_PLAIN=value", "CONF_SPACES=a b  c", "CONF_EMPTY=",
                        "CONF_EQUALS=x=y"]
    expects = [
        Expect("process.cwd", "the process runs in cwd", R("process.cwd"), "cwd", "/var/conf-cwd"),
        Expect("process.env-plain", "env variables are set as given", R("process.env"), "env", "CONF_PLAIN", "value"),
        Expect("process.env-spaces", "env values keep their blanks", R("process.env"), "env", "CONF_SPACES", "a b  c"),
        Expect("process.env-empty", "an empty env value is set (empty)", R("process.env"), "env", "CONF_EMPTY", ""),
        Expect("process.env-equals", "an env value may hold '='", R("process.env"), "env", "CONF_EQUALS", "x=y"),
        Expect("process.env-path", "PATH is as given", R("process.env"), "env", "PATH", "/usr/local/bin:/bin"),
    ]
    ctx.run_checks(b, expects)
    # args[0] is found with execvp semantics: through PATH.
    b = ctx.bundle("execvp")
    b.process["env"] = ["PATH=/usr/local/bin:/bin"]
    expects = [Expect("process.args-path", "args[0] without a slash is looked up in PATH (execvp)",
                      R("process.args"), "env", "PATH", "/usr/local/bin:/bin")]
    b.args("check", *[e.argv(i) for i, e in enumerate(expects)])
    b.process["args"][0] = "oci-checker"
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok and c.start().ok and c.wait_status("stopped"):
        ctx.parse_checker(c.output(), expects)
    else:
        ctx.fail_all(expects, r.why() if not r.ok else f"did not run: {c.read_stderr()[-300:]}")
    c.delete(force=True)


@test("process")
def process_consolesize(ctx):
    b = ctx.bundle("consolesize")
    b.process["consoleSize"] = {"height": 25, "width": 80}
    expects = [Expect("process.consoleSize-ignored", "consoleSize is ignored when terminal is false",
                      R("process.consoleSize"), "fds", "0,1,2")]
    ctx.run_checks(b, expects)


@test("process")
def process_oom(ctx):
    b = ctx.bundle("oom-set")
    b.process["oomScoreAdj"] = 123
    ctx.run_checks(b, [Expect("process.oomScoreAdj", "oomScoreAdj 123 sets oom_score_adj to 123",
                              R("process.oom-set"), "oom_score_adj", 123)])
    b = ctx.bundle("oom-unset")
    ctx.run_checks(b, [Expect("process.oomScoreAdj-unset",
                              f"without oomScoreAdj the runtime's own value ({RUNTIME_OOM_SCORE_ADJ}) is kept",
                              R("process.oom-unset"), "oom_score_adj", RUNTIME_OOM_SCORE_ADJ)])


@test("process")
def process_nnp(ctx):
    b = ctx.bundle("nnp")
    b.process["noNewPrivileges"] = True
    ctx.run_checks(b, [Expect("process.noNewPrivileges", "noNewPrivileges true sets no_new_privs",
                              R("process.nnp"), "nnp", 1)])


@test("process")
def process_scheduling(ctx):
    b = ctx.bundle("scheduler")
    b.process["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}
    ctx.run_checks(b, [Expect("process.scheduler", "scheduler SCHED_BATCH with nice 5 is applied",
                              R("process.scheduler"), "scheduler", "SCHED_BATCH", 5, 0)])
    b = ctx.bundle("iopriority")
    b.process["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    ctx.run_checks(b, [Expect("process.ioPriority", "ioPriority IOPRIO_CLASS_BE 6 is applied",
                              R("process.ioPriority"), "ioprio", "IOPRIO_CLASS_BE", 6)])


# --- user ----------------------------------------------------------------------

@test("user")
def user_ids(ctx):
    b = ctx.bundle("user")
    b.process["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20, 1001], "umask": 0o027}
    b.process["cwd"] = "/tmp"
    expects = [
        Expect("user.uid", "the process runs as uid 1000 (real, effective, saved)", R("user.uid"), "uid", 1000),
        Expect("user.gid", "the process runs as gid 1001 (real, effective, saved)", R("user.gid"), "gid", 1001),
        Expect("user.additionalGids", "additionalGids are the supplementary groups", R("user.additionalGids"),
               "groups", "10,20,1001"),
        Expect("user.umask", "umask 0027 is set", R("user.umask"), "umask", "0027"),
    ]
    ctx.run_checks(b, expects)
    b = ctx.bundle("user-root")
    ctx.run_checks(b, [Expect("user.no-additionalGids", "without additionalGids the process has no supplementary groups",
                              R("user.additionalGids"), "groups", ""),
                       Expect("user.root", "uid 0 gid 0 run as root", R("user.uid"), "uid", 0)])


@test("user")
def user_umask_default(ctx):
    b = ctx.bundle("umask-default")
    expects = [Expect("user.umask-unset", "without umask the runtime caller's umask (0017) is kept",
                      R("user.umask-default"), "umask", "0017", level="SHOULD")]
    b.args("check", *[e.argv(i) for i, e in enumerate(expects)])
    b.write()
    c = Container(ctx, b)
    r = c.create(umask=0o017)
    if r.ok and ctx.rt.cmd("start", c.id, umask=0o017).ok and c.wait_status("stopped"):
        ctx.parse_checker(c.output(), expects)
    else:
        ctx.fail_all(expects, r.why())
    c.delete(force=True)


# --- rlimits -------------------------------------------------------------------

@test("rlimits")
def rlimits(ctx):
    b = ctx.bundle("rlimits")
    b.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512},
        {"type": "RLIMIT_CORE", "soft": 1024, "hard": 4096},
        {"type": "RLIMIT_MSGQUEUE", "soft": 8192, "hard": 16384},
        {"type": "RLIMIT_NICE", "soft": 0, "hard": 0},
    ]
    expects = []
    for r in b.process["rlimits"]:
        expects.append(Expect(f"rlimits.{r['type']}", f"{r['type']} soft {r['soft']} hard {r['hard']}",
                              R("rlimits.soft") + " / " + R("rlimits.hard"), "rlimit", r["type"], r["soft"], r["hard"]))
    ctx.run_checks(b, expects)
    b = ctx.bundle("rlimit-unknown")
    b.process["rlimits"] = [{"type": "RLIMIT_CONFORMANCE_BOGUS", "soft": 1, "hard": 1}]
    _expect_create_error(ctx, "rlimits.unknown-type", "an rlimit type the kernel does not know is an error",
                         R("rlimits.unknown"), b)
    b = ctx.bundle("rlimit-duplicate")
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512},
                            {"type": "RLIMIT_NOFILE", "soft": 128, "hard": 256}]
    _expect_create_error(ctx, "rlimits.duplicate", "two rlimits of the same type are an error",
                         R("rlimits.duplicate"), b)


# --- capabilities --------------------------------------------------------------

SETS = (("bounding", "Bnd"), ("effective", "Eff"), ("permitted", "Prm"), ("inheritable", "Inh"), ("ambient", "Amb"))


def _cap_expects(prefix, caps, who, sets=SETS):
    out = []
    for key, field in sets:
        want = caps.get(key, [])
        out.append(Expect(f"{prefix}-{key}", f"{who}: the {key} set is exactly {','.join(c[4:] for c in want) or 'empty'}",
                          R("caps.sets"), "caps", field, cap_mask(want)))
    return out


@test("capabilities")
def capabilities(ctx):
    # The same list in every set: what docker and podman ask for. Each set must
    # come out exactly as configured, for root and (through ambient) non-root.
    same = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"]
    caps = {k: list(same) for k, _ in SETS}
    b = ctx.bundle("caps-root")
    b.process["capabilities"] = caps
    ctx.run_checks(b, _cap_expects("capabilities.root", caps, "uid 0"))
    b = ctx.bundle("caps-user")
    b.process["capabilities"] = caps
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["cwd"] = "/tmp"
    ctx.run_checks(b, _cap_expects("capabilities.user", caps, "uid 1000"))
    # Different sets: execve recomputes effective and permitted (root gets its
    # whole bounding set, non-root keeps only ambient), so those two are not
    # compared; bounding, inheritable and ambient survive execve as set.
    distinct = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SYS_CHROOT"],
        "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
        "effective": ["CAP_CHOWN", "CAP_KILL"],
        "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "ambient": ["CAP_NET_BIND_SERVICE"],
    }
    kept = [s for s in SETS if s[0] in ("bounding", "inheritable", "ambient")]
    b = ctx.bundle("caps-distinct")
    b.process["capabilities"] = distinct
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["cwd"] = "/tmp"
    ctx.run_checks(b, _cap_expects("capabilities.distinct", distinct, "uid 1000, distinct sets", kept))
    b = ctx.bundle("caps-none")
    b.process["capabilities"] = {k: [] for k, _ in SETS}
    ctx.run_checks(b, _cap_expects("capabilities.none", {}, "empty sets"))
    b = ctx.bundle("caps-unknown")
    b.process["capabilities"] = {k: ["CAP_KILL", "CAP_CONFORMANCE_NO_SUCH_CAP"] for k in
                                 ("bounding", "effective", "permitted")}
    expects = [Expect("capabilities.unknown", "an unknown capability is logged, not fatal (the known ones apply)",
                      R("caps.unknown"), "caps", "Eff", cap_mask(["CAP_KILL"]), level="SHOULD")]
    ctx.run_checks(b, expects)


# --- root ----------------------------------------------------------------------

@test("root")
def root_fs(ctx):
    b = ctx.bundle("root-ro")
    b.config["root"]["readonly"] = True
    expects = [Expect("root.readonly", "readonly root: writing to / fails with EROFS", R("root.readonly"), "ro", "/"),
               Expect("root.readonly-etc", "readonly root: writing to /etc/passwd fails with EROFS",
                      R("root.readonly"), "ro", "/etc/passwd"),
               Expect("root.readonly-mounts-rw", "readonly root: the /dev/shm mount stays writable",
                      R("root.readonly"), "rw", "/dev/shm")]
    ctx.run_checks(b, expects)
    b = ctx.bundle("root-rw")
    ctx.run_checks(b, [Expect("root.readonly-default", "readonly unset: / is writable (defaults to false)",
                              R("root.readonly"), "rw", "/")])
    b = ctx.bundle("root-abs")
    b.config["root"]["path"] = b.rootfs
    ctx.run_checks(b, [Expect("root.absolute-path", "root.path may be absolute",
                              R("root.path"), "exists", "/etc/conf-secret")])
    b = ctx.bundle("root-missing")
    b.config["root"]["path"] = "no-such-rootfs"
    _expect_create_error(ctx, "root.missing", "a root.path that is not a directory is an error", R("root.dir"), b)


# --- mounts --------------------------------------------------------------------

def _host_dir(ctx, bundle, name, files=()):
    d = os.path.join(bundle.dir, name)
    os.makedirs(d, exist_ok=True)
    for f in files:
        with open(os.path.join(d, f), "w") as fh:
            fh.write(f + "\n")
    return d


@test("mounts")
def mounts_order_and_options(ctx):
    b = ctx.bundle("mounts")
    a_dir = _host_dir(ctx, b, "src-a", ["from-a"])
    b_dir = _host_dir(ctx, b, "src-b", ["from-b"])
    ro_dir = _host_dir(ctx, b, "src-ro", ["data"])
    m = b.config["mounts"]
    m += [
        {"destination": "/conf-order", "type": "bind", "source": a_dir, "options": ["bind"]},
        {"destination": "/conf-order", "type": "bind", "source": b_dir, "options": ["bind"]},
        {"destination": "/conf-nest", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
        {"destination": "/conf-nest/sub", "type": "bind", "source": b_dir, "options": ["bind"]},
        {"destination": "/conf-tmpfs", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "noexec", "mode=750", "size=2m"]},
        {"destination": "/conf-tmpfs-ro", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "size=1m"]},
        {"destination": "/conf-noatime", "type": "tmpfs", "source": "tmpfs", "options": ["noatime", "size=1m"]},
        {"destination": "/conf-strictatime", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "size=1m"]},
        {"destination": "/conf-bind-ro", "type": "bind", "source": ro_dir, "options": ["rbind", "ro"]},
        {"destination": "/conf-bind-nosuid", "type": "none", "source": ro_dir, "options": ["bind", "nosuid", "nodev"]},
        {"destination": "conf-relative", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
    ]
    opt = lambda o: R("mounts.options", f"{o}: MUST")
    expects = [
        Expect("mounts.order-same-dest", "two mounts on one destination: the later one is on top",
               R("mounts.order"), "exists", "/conf-order/from-b"),
        Expect("mounts.order-hidden", "two mounts on one destination: the earlier one is underneath",
               R("mounts.order"), "absent", "/conf-order/from-a"),
        Expect("mounts.order-nested", "a mount inside an earlier tmpfs mount is visible", R("mounts.order"),
               "exists", "/conf-nest/sub/from-b"),
        Expect("mounts.tmpfs-flags", "tmpfs with nosuid,nodev,noexec", opt("nosuid, nodev, noexec"),
               "mount", "/conf-tmpfs", "tmpfs", "nosuid,nodev,noexec,rw"),
        Expect("mounts.tmpfs-data", "tmpfs data options mode=750,size=2m reach the filesystem",
               R("mounts.options", "unknown options are filesystem-specific"), "mount", "/conf-tmpfs", "tmpfs",
               "mode=750,size=2048k"),
        Expect("mounts.ro", "ro mount is read-only", opt("ro"), "ro", "/conf-tmpfs-ro"),
        Expect("mounts.ro-flag", "ro mount shows ro in mountinfo", opt("ro"), "mount", "/conf-tmpfs-ro", "tmpfs", "ro"),
        Expect("mounts.noatime", "noatime", opt("noatime"), "mount", "/conf-noatime", "tmpfs", "noatime"),
        Expect("mounts.strictatime", "strictatime (neither relatime nor noatime)", opt("strictatime"), "mount",
               "/conf-strictatime", "tmpfs", "!relatime,!noatime"),
        Expect("mounts.bind-ro", "rbind,ro bind mount is read-only", opt("rbind, ro"), "ro", "/conf-bind-ro"),
        Expect("mounts.bind-ro-content", "rbind mount shows the source's files", opt("rbind"), "exists",
               "/conf-bind-ro/data"),
        Expect("mounts.bind-flags", "bind with nosuid,nodev", opt("bind, nosuid, nodev"), "mount",
               "/conf-bind-nosuid", "-", "nosuid,nodev"),
        Expect("mounts.relative-destination", "a relative destination is relative to /", R("mounts.relative"),
               "mount", "/conf-relative", "tmpfs"),
    ]
    ctx.run_checks(b, expects)
    # SHOULD-level options get a container of their own: a runtime that does
    # not know one may refuse the whole config.
    b = ctx.bundle("mounts-nosymfollow")
    b.config["mounts"].append({"destination": "/conf-nosymfollow", "type": "tmpfs", "source": "tmpfs",
                               "options": ["nosymfollow", "size=1m"]})
    ctx.run_checks(b, [Expect("mounts.nosymfollow", "nosymfollow", R("mounts.options", "nosymfollow: SHOULD"), "mount",
                              "/conf-nosymfollow", "tmpfs", "nosymfollow", level="SHOULD")])


@test("mounts")
def mounts_recursive(ctx):
    """bind vs rbind, and recursive read-only (rro), need a mount inside the
    source: the suite mounts a tmpfs there on the host (and removes it)."""
    b = ctx.bundle("mounts-recursive")
    src = os.path.join(ctx.work, "src-tree")  # outside the bundle: two bundles use it
    os.makedirs(src, exist_ok=True)
    sub = os.path.join(src, "sub")
    os.makedirs(sub)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "conf-sub", sub], capture_output=True, text=True)
    if r.returncode != 0:
        for cid, desc in (("mounts.bind-not-recursive", "bind is not recursive"), ("mounts.rbind", "rbind is recursive"),
                          ("mounts.rro", "rro makes submounts read-only")):
            ctx.skip(cid, desc, R("mounts.options"), f"cannot mount a tmpfs on the host: {r.stderr.strip()}")
        return
    ctx.host_mounts.append(sub)
    with open(os.path.join(sub, "in-submount"), "w") as f:
        f.write("x\n")
    b.config["mounts"] += [
        {"destination": "/mnt/bind", "type": "bind", "source": src, "options": ["bind"]},
        {"destination": "/mnt/rbind", "type": "bind", "source": src, "options": ["rbind"]},
        {"destination": "/mnt/shared", "type": "bind", "source": src, "options": ["bind", "shared"]},
        {"destination": "/mnt/private", "type": "bind", "source": src, "options": ["bind", "private"]},
        {"destination": "/mnt/unbindable", "type": "bind", "source": src, "options": ["bind", "unbindable"]},
    ]
    expects = [
        Expect("mounts.bind-not-recursive", "bind does not bring the source's submounts",
               R("mounts.options", "bind: MUST"), "absent", "/mnt/bind/sub/in-submount"),
        Expect("mounts.rbind", "rbind brings the source's submounts", R("mounts.options", "rbind: MUST"),
               "exists", "/mnt/rbind/sub/in-submount"),
        Expect("mounts.propagation-shared", "the shared option makes a shared mount",
               R("mounts.options", "shared: MUST"), "mount", "/mnt/shared", "-", "propagation=shared"),
        Expect("mounts.propagation-private", "the private option makes a private mount",
               R("mounts.options", "private: MUST"), "mount", "/mnt/private", "-", "propagation=private"),
        Expect("mounts.propagation-unbindable", "the unbindable option makes an unbindable mount",
               R("mounts.options", "unbindable: MUST"), "mount", "/mnt/unbindable", "-", "propagation=unbindable"),
    ]
    ctx.run_checks(b, expects)
    b = ctx.bundle("mounts-rro")
    b.config["mounts"].append({"destination": "/mnt/rro", "type": "bind", "source": src, "options": ["rbind", "rro"]})
    ctx.run_checks(b, [Expect("mounts.rro", "rro makes the submounts read-only too", R("mounts.options", "rro: SHOULD"),
                              "ro", "/mnt/rro/sub", level="SHOULD")])


@test("mounts")
def mounts_idmap_without_userns(ctx):
    b = ctx.bundle("idmap-no-userns")
    src = _host_dir(ctx, b, "src", ["f"])
    b.config["mounts"].append({"destination": "/mnt/idmap", "type": "bind", "source": src,
                               "options": ["bind", "idmap"]})
    _expect_create_error(ctx, "mounts.idmap-no-mappings",
                         "idmap without mappings and without a user namespace is an error",
                         R("mounts.idmap"), b, level="SHOULD")


# --- hostname, annotations, unknown properties -------------------------------------

@test("hostname")
def hostname(ctx):
    b = ctx.bundle("hostname")
    b.config["hostname"] = "conf-host"
    b.config["domainname"] = "conf.example"
    ctx.run_checks(b, [
        Expect("hostname.set", "hostname is set in the container's UTS namespace", R("hostname"), "hostname",
               "conf-host"),
        Expect("hostname.domainname", "domainname is set in the container's UTS namespace", R("domainname"),
               "domainname", "conf.example"),
    ])


@test("annotations")
def annotations_and_unknown(ctx):
    b = ctx.bundle("unknown-props")
    b.config["org.example.conformance.unknown"] = {"nested": [1, 2]}
    b.process["org.example.conformance.unknown"] = True
    b.linux["org.example.conformance.unknown"] = "x"
    b.config["annotations"] = {"org.example.unknown-key": "v"}
    _expect_create_ok(ctx, "annotations.unknown-properties", "unknown properties are ignored, not errors",
                      R("extensibility"), b)
    b = ctx.bundle("empty-annotation-key")
    b.config["annotations"] = {"": "empty key"}
    _expect_create_error(ctx, "annotations.empty-key", "an annotation with an empty key is an error",
                         R("annotations.keys") + " / " + R("valid-values"), b)


# --- runtime-linux.md --------------------------------------------------------------

@test("runtime-linux")
def runtime_linux(ctx):
    b = ctx.bundle("fds")
    ctx.run_checks(b, [
        Expect("runtime-linux.fds", "only stdin, stdout and stderr are open in the process", R("linux.fds"), "fds",
               "0,1,2"),
        Expect("runtime-linux.dev-fd", "/dev/fd -> /proc/self/fd", R("linux.dev-symlinks"), "symlink", "/dev/fd",
               "/proc/self/fd"),
        Expect("runtime-linux.dev-stdin", "/dev/stdin -> /proc/self/fd/0", R("linux.dev-symlinks"), "symlink",
               "/dev/stdin", "/proc/self/fd/0"),
        Expect("runtime-linux.dev-stdout", "/dev/stdout -> /proc/self/fd/1", R("linux.dev-symlinks"), "symlink",
               "/dev/stdout", "/proc/self/fd/1"),
        Expect("runtime-linux.dev-stderr", "/dev/stderr -> /proc/self/fd/2", R("linux.dev-symlinks"), "symlink",
               "/dev/stderr", "/proc/self/fd/2"),
    ])
