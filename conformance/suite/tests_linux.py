"""config-linux.md: namespaces (new, inherited, joined), user namespace
mappings, time offsets, devices, sysctl, seccomp, rootfs propagation, masked
and readonly paths, personality."""

import os
import subprocess

from .harness import Container, Expect
from .registry import test
from .seccomp_profile import ALLOW_ALL_BUT
from .spec_refs import render as R

ALL_NS = ("pid", "network", "ipc", "uts", "mount", "cgroup")
PROC_NAME = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup",
             "user": "user", "time": "time"}


# --- namespaces ----------------------------------------------------------------

@test("namespaces")
def namespaces_new_and_inherited(ctx):
    b = ctx.bundle("ns-new")
    b.namespaces(*ALL_NS)
    expects = []
    for t in ALL_NS:
        p = PROC_NAME[t]
        expects.append(Expect(f"namespaces.new-{t}", f"a new {t} namespace", R("ns.new"), "ns", p, "differ",
                              ctx.host.ns.get(p, "?")))
    ctx.run_checks(b, expects)
    b = ctx.bundle("ns-inherit")
    b.namespaces("pid", "mount")
    b.config.pop("hostname", None)  # a hostname needs a UTS namespace
    expects = []
    for t in ("network", "ipc", "uts", "cgroup", "user", "time"):
        p = PROC_NAME[t]
        if p not in ctx.host.ns:
            continue
        expects.append(Expect(f"namespaces.inherit-{t}", f"no {t} entry: the runtime's {t} namespace is inherited",
                              R("ns.inherit"), "ns", p, "same", ctx.host.ns[p]))
    ctx.run_checks(b, expects)


@test("namespaces")
def namespaces_join(ctx):
    a = ctx.bundle("ns-holder")
    a.namespaces("pid", "network", "ipc", "uts", "mount")
    a.args("wait-signal")
    a.write()
    holder = Container(ctx, a)
    r = holder.create()
    if not r.ok or not holder.start().ok or not holder.wait_output("ready\n"):
        for t in ("network", "ipc", "uts", "pid"):
            ctx.check(f"namespaces.join-{t}", f"joining a {t} namespace by path", R("ns.join"), False,
                      "the namespace holder container did not start: " + r.why())
        holder.delete(force=True)
        return
    pid = holder.state()["pid"]
    links = {t: os.readlink(f"/proc/{pid}/ns/{PROC_NAME[t]}") for t in ("network", "ipc", "uts", "pid")}
    b = ctx.bundle("ns-join")
    b.linux["namespaces"] = [{"type": "mount"}] + [{"type": t, "path": f"/proc/{pid}/ns/{PROC_NAME[t]}"}
                                                   for t in ("network", "ipc", "uts", "pid")]
    expects = [Expect(f"namespaces.join-{t}", f"a {t} namespace given by path is joined", R("ns.join"), "ns",
                      PROC_NAME[t], "same", links[t]) for t in ("network", "ipc", "uts", "pid")]
    ctx.run_checks(b, expects)
    b = ctx.bundle("ns-wrong-type")
    b.linux["namespaces"] = [{"type": "mount"}, {"type": "pid"}, {"type": "network", "path": f"/proc/{pid}/ns/ipc"}]
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok:
        c.delete(force=True)
    ctx.check("namespaces.wrong-type", "a path to a namespace of another type is an error", R("ns.wrong-type"),
              not r.ok, "create succeeded")
    holder.kill("KILL")
    holder.wait_status("stopped")
    holder.delete(force=True)
    b = ctx.bundle("ns-duplicate")
    b.linux["namespaces"] = [{"type": "mount"}, {"type": "pid"}, {"type": "network"}, {"type": "network"}]
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok:
        c.delete(force=True)
    ctx.check("namespaces.duplicate", "two namespaces of the same type are an error", R("ns.duplicate"), not r.ok,
              "create succeeded")


@test("user-namespace")
def user_namespace(ctx):
    # Without /sys: mounting sysfs needs the network namespace's owner; no check needs it.
    b = _userns_bundle(ctx, "userns")
    expects = [
        Expect("user-namespace.new", "a new user namespace", R("ns.new"), "ns", "user", "differ",
               ctx.host.ns.get("user", "?")),
        Expect("user-namespace.uid-map", "uid_map is the configured uidMappings", R("userns.uidMappings"), "idmap",
               "uid", "0 100000 65536"),
        Expect("user-namespace.gid-map", "gid_map is the configured gidMappings", R("userns.gidMappings"), "idmap",
               "gid", "0 200000 65536"),
        Expect("user-namespace.uid", "the process is uid 0 inside", R("user.uid"), "uid", 0),
    ]
    seen = {}

    def host_view(c):
        try:
            status = open(f"/proc/{c.pid}/status").read()
            seen["uid"] = [l.split()[1] for l in status.splitlines() if l.startswith("Uid:")][0]
        except (OSError, IndexError, TypeError):
            seen["uid"] = None

    ctx.run_checks(b, expects, before_start=host_view)
    ctx.check("user-namespace.host-uid", "the host sees the container's uid 0 as host uid 100000",
              R("userns.uidMappings"), seen.get("uid") == "100000", f"host uid: {seen.get('uid')}")
    st = os.stat(os.path.join(b.rootfs, "etc/passwd"))
    ctx.check("user-namespace.ownership", "the rootfs ownership is not changed to realize the mapping",
              R("userns.ownership"), st.st_uid == 0 and st.st_gid == 0, f"owner {st.st_uid}:{st.st_gid}",
              level="SHOULD")


def _userns_bundle(ctx, name):
    b = ctx.bundle(name)
    b.namespaces("pid", "network", "ipc", "uts", "mount", "user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/sys"]
    return b


@test("user-namespace")
def user_namespace_idmap_mount(ctx):
    b = _userns_bundle(ctx, "userns-idmap")
    shared = os.path.join(b.dir, "idmap-src")
    os.makedirs(shared)
    with open(os.path.join(shared, "owned-by-root"), "w") as f:
        f.write("x\n")
    b.config["mounts"].append({"destination": "/mnt/idmapped", "type": "bind", "source": shared,
                               "options": ["bind", "idmap"]})
    # The mount's own mappings are host ids (as in crun and runc 1.2): host 0
    # becomes 100007/200009, which the container's mapping shows as 7:9.
    b.config["mounts"].append({"destination": "/mnt/idmapped-own", "type": "bind", "source": shared,
                               "options": ["bind", "idmap"],
                               "uidMappings": [{"containerID": 0, "hostID": 100007, "size": 1}],
                               "gidMappings": [{"containerID": 0, "hostID": 200009, "size": 1}]})
    ctx.run_checks(b, [
        Expect("user-namespace.idmap-mount",
               "an idmap bind mount (container's mapping) shows a root-owned file as 0:0 inside",
               R("mounts.idmap-userns", "idmap: SHOULD"), "dev", "/mnt/idmapped/owned-by-root", "f",
               "-", "-", "-", 0, 0, level="SHOULD"),
        Expect("user-namespace.idmap-own-mappings",
               "an idmap bind mount with its own mappings (host 0 -> 100007:200009) shows a root-owned file as 7:9",
               R("mounts.idmap-apply", "idmap: SHOULD"), "dev", "/mnt/idmapped-own/owned-by-root", "f",
               "-", "-", "-", 7, 9, level="SHOULD"),
    ])


@test("time-namespace")
def time_namespace(ctx):
    b = ctx.bundle("timens")
    b.namespaces("pid", "network", "ipc", "uts", "mount", "time")
    b.linux["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": 172800, "nanosecs": 500}}
    ctx.run_checks(b, [
        Expect("time-namespace.new", "a new time namespace", R("ns.new"), "ns", "time", "differ",
               ctx.host.ns.get("time", "?")),
        Expect("time-namespace.monotonic", "the monotonic offset is 86400s", R("timens.offsets"), "timens_offset",
               "monotonic", 86400, 0),
        Expect("time-namespace.boottime", "the boottime offset is 172800s 500ns", R("timens.offsets"),
               "timens_offset", "boottime", 172800, 500),
    ])


# --- devices -----------------------------------------------------------------------

@test("devices")
def devices(ctx):
    b = ctx.bundle("devices")
    b.linux["devices"] = [
        {"path": "/dev/conf-null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 1, "gid": 2},
        {"path": "/conf-dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 0o666, "uid": 0, "gid": 0},
        {"path": "/dev/conf-loop", "type": "b", "major": 7, "minor": 200, "fileMode": 0o600, "uid": 0, "gid": 0},
        {"path": "/dev/conf-fifo", "type": "p", "fileMode": 0o620, "uid": 0, "gid": 0},
    ]
    b.linux["resources"]["devices"] = [{"allow": False, "access": "rwm"},
                                       {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rw"},
                                       {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "rw"}]
    expects = [
        Expect("devices.char", "a char device with its major, minor, fileMode, uid and gid", R("devices.available"),
               "dev", "/dev/conf-null", "c", 1, 3, "0640", 1, 2),
        Expect("devices.outside-dev", "a device outside /dev", R("devices.available") + " / " + R("devices.anywhere"),
               "dev", "/conf-dev/zero", "c", 1, 5, "0666", 0, 0),
        Expect("devices.block", "a block device", R("devices.available"), "dev", "/dev/conf-loop", "b", 7, 200, "0600"),
        Expect("devices.fifo", "a fifo (type p)", R("devices.available"), "dev", "/dev/conf-fifo", "p", "-", "-", "0620"),
    ]
    for path, major, minor in (("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8),
                               ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0)):
        expects.append(Expect(f"devices.default-{path[5:]}", f"default device {path} is c {major}:{minor}",
                              R("devices.defaults"), "dev", path, "c", major, minor))
    expects.append(Expect("devices.default-ptmx", "/dev/ptmx is there (a symlink or bind of pts/ptmx)",
                          R("devices.defaults"), "exists", "/dev/ptmx"))
    expects.append(Expect("devices.default-usable", "the default devices are usable with a deny-all device cgroup",
                          R("devices.defaults"), "open_errno", "/dev/full", "w", "OK", level="SHOULD"))
    ctx.run_checks(b, expects)
    b = ctx.bundle("device-clash")
    b.linux["devices"] = [{"path": "/conf-dev/clash", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666}]
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok:
        c.delete(force=True)
    ctx.check("devices.mismatch", "a device path where a different file exists is an error", R("devices.mismatch"),
              not r.ok, "create succeeded")


@test("devices-cgroup")
def device_cgroup(ctx):
    node = {"path": "/dev/conf-kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o666}
    allow = {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "rw"}
    deny_all = {"allow": False, "access": "rwm"}
    cases = [
        ("devices-cgroup.deny", "deny-all: opening a listed device node fails with EPERM", [deny_all], "EPERM",
         R("cgroups.devices")),
        ("devices-cgroup.allow", "deny-all then allow c 1:11 rw: opening it works", [deny_all, allow], "OK",
         R("cgroups.devices")),
        ("devices-cgroup.order", "allow c 1:11 then deny-all: the later deny wins (listed order)", [allow, deny_all],
         "EPERM", R("cgroups.devices-order")),
    ]
    for cid, desc, rules, want, ref in cases:
        b = ctx.bundle(cid.split(".")[1])
        b.linux["devices"] = [dict(node)]
        b.linux["resources"]["devices"] = rules
        ctx.run_checks(b, [Expect(cid, desc, ref, "open_errno", "/dev/conf-kmsg", "w", want)])


# --- sysctl ------------------------------------------------------------------------

@test("sysctl")
def sysctl(ctx):
    try:
        host_fwd = open("/proc/sys/net/ipv4/ip_forward").read().strip()
    except OSError:
        host_fwd = None
    want = "0" if host_fwd == "1" else "1"
    b = ctx.bundle("sysctl")
    b.linux["sysctl"] = {"net.ipv4.ip_forward": want, "kernel.shm_rmid_forced": "1",
                         "net.ipv4.ip_local_port_range": "20000 30000"}
    ctx.run_checks(b, [
        Expect("sysctl.net", f"net.ipv4.ip_forward = {want} in the container's network namespace", R("sysctl"),
               "sysctl", "net.ipv4.ip_forward", want),
        Expect("sysctl.ipc", "kernel.shm_rmid_forced = 1 in the container's IPC namespace", R("sysctl"), "sysctl",
               "kernel.shm_rmid_forced", "1"),
        Expect("sysctl.multi-value", "a value with blanks (ip_local_port_range)", R("sysctl"), "sysctl",
               "net.ipv4.ip_local_port_range", "20000 30000"),
    ])
    after = open("/proc/sys/net/ipv4/ip_forward").read().strip() if host_fwd is not None else None
    ctx.check("sysctl.host-untouched", "the host's own value is unchanged", R("sysctl"), after == host_fwd,
              f"host ip_forward {host_fwd} -> {after}")


# --- seccomp -----------------------------------------------------------------------

@test("seccomp")
def seccomp(ctx):
    b = ctx.bundle("seccomp")
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18},
            {"names": ["chmod"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
             "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
            {"names": ["acct"], "action": "SCMP_ACT_KILL_PROCESS"},
        ],
    }
    ctx.run_checks(b, [
        Expect("seccomp.mode", "the process runs under a seccomp filter", R("seccomp.default"), "seccomp_mode", 2),
        Expect("seccomp.errnoRet", "SCMP_ACT_ERRNO with errnoRet 18: mkdir fails with EXDEV", R("seccomp.errnoRet"),
               "syscall", "mkdir", "EXDEV"),
        Expect("seccomp.errno-default", "SCMP_ACT_ERRNO without errnoRet: chmod fails with EPERM",
               R("seccomp.default-errno"), "syscall", "chmod", "EPERM"),
        Expect("seccomp.args-match", "an args rule (arg0 == 1) matches getpriority(1, 0): EACCES", R("seccomp.args"),
               "syscall", "getpriority:1", "EACCES"),
        Expect("seccomp.args-nomatch", "the args rule does not match getpriority(0, 0): allowed", R("seccomp.args"),
               "syscall", "getpriority:0", "OK"),
        Expect("seccomp.default-allow", "defaultAction SCMP_ACT_ALLOW: uname is allowed", R("seccomp.default"),
               "syscall", "uname", "OK"),
        Expect("seccomp.kill-process", "SCMP_ACT_KILL_PROCESS: acct kills the caller with SIGSYS", R("seccomp.actions"),
               "syscall", "acct", "SIGSYS"),
    ])
    b = ctx.bundle("seccomp-default-errno")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 6,
                          "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                          "syscalls": [{"names": ALLOW_ALL_BUT(["getpriority", "mkdir"]), "action": "SCMP_ACT_ALLOW"}]}
    ctx.run_checks(b, [
        Expect("seccomp.defaultErrnoRet", "defaultAction SCMP_ACT_ERRNO with defaultErrnoRet 6: getpriority fails with ENXIO",
               R("seccomp.defaultErrnoRet"), "syscall", "getpriority:0", "ENXIO"),
        Expect("seccomp.allow-list", "an allowed syscall (uname) still works under a default-deny filter",
               R("seccomp.actions"), "syscall", "uname", "OK"),
    ])
    b = ctx.bundle("seccomp-bad-errno")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS", "errnoRet": 5}]}
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok:
        c.delete(force=True)
    ctx.check("seccomp.errno-unsupported", "errnoRet on an action without an errno (SCMP_ACT_KILL_PROCESS) is an error",
              R("seccomp.no-errno"), not r.ok, "create succeeded")


# --- rootfs propagation ------------------------------------------------------------

@test("rootfs-propagation")
def rootfs_propagation(ctx):
    """The bundles live on a tmpfs the suite mounts shared on the host, so
    that propagation from the host can be seen (a private host mount could
    not propagate to a slave)."""
    area = os.path.join(ctx.work, "shared-area")
    os.makedirs(area, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=755", "conf-shared", area],
                       capture_output=True, text=True)
    if r.returncode != 0:
        for p in ("shared", "slave", "private", "unbindable"):
            ctx.skip(f"rootfs-propagation.{p}", f"rootfsPropagation {p}", R(f"propagation.{p}"),
                     "cannot mount a tmpfs on the host: " + r.stderr.strip())
        return
    ctx.host_mounts.append(area)
    subprocess.run(["mount", "--make-shared", area], check=True)
    for prop, field in (("shared", "shared"), ("slave", "slave"), ("private", "private"), ("unbindable", "unbindable")):
        b = ctx.bundle(f"propagation-{prop}")
        # Move the bundle onto the shared tmpfs.
        new_dir = os.path.join(area, os.path.basename(b.dir))
        subprocess.run(["cp", "-a", b.dir, new_dir], check=True)
        b.dir, b.rootfs = new_dir, os.path.join(new_dir, "rootfs")
        ctx.bundles.append(new_dir)
        b.linux["rootfsPropagation"] = prop
        late = os.path.join(b.rootfs, "mnt/late")
        expects = [Expect(f"rootfs-propagation.{prop}", f"rootfsPropagation {prop}: / is a {field} mount",
                          R(f"propagation.{prop}"), "mount", "/", "-", f"propagation={field}")]
        if prop in ("slave", "private"):
            kind = "mount" if prop == "slave" else "unmounted"
            args = ("/mnt/late", "tmpfs") if prop == "slave" else ("/mnt/late",)
            expects.append(Expect(f"rootfs-propagation.{prop}-event",
                                  f"rootfsPropagation {prop}: a host mount made after create is "
                                  f"{'seen' if prop == 'slave' else 'not seen'} in the container",
                                  R(f"propagation.{prop}"), kind, *args))

        def mount_late(c, late=late):
            if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "conf-late", late]).returncode == 0:
                ctx.host_mounts.append(late)

        ctx.run_checks(b, expects, before_start=mount_late if prop in ("slave", "private") else None)


# --- masked and readonly paths ------------------------------------------------------

@test("masked-readonly")
def masked_readonly(ctx):
    b = ctx.bundle("masked")
    b.linux["maskedPaths"] = ["/proc/kcore", "/sys/firmware", "/etc/conf-secret", "/conf-no-such-path"]
    b.linux["readonlyPaths"] = ["/proc/sys", "/conf-ro"]
    ctx.run_checks(b, [
        Expect("masked-readonly.masked-proc-file", "masked /proc/kcore cannot be read", R("maskedPaths"), "masked",
               "/proc/kcore"),
        Expect("masked-readonly.masked-dir", "masked /sys/firmware shows nothing", R("maskedPaths"), "masked",
               "/sys/firmware"),
        Expect("masked-readonly.masked-rootfs-file", "a masked file of the rootfs (/etc/conf-secret) cannot be read",
               R("maskedPaths"), "masked", "/etc/conf-secret"),
        Expect("masked-readonly.readonly-proc-sys", "readonly /proc/sys: writing a sysctl fails with EROFS",
               R("readonlyPaths"), "ro", "/proc/sys/kernel/domainname"),
        Expect("masked-readonly.readonly-dir", "readonly /conf-ro: creating a file fails with EROFS", R("readonlyPaths"),
               "ro", "/conf-ro"),
        Expect("masked-readonly.readonly-flag", "readonly /conf-ro is a read-only mount", R("readonlyPaths"), "mount",
               "/conf-ro", "-", "ro"),
        Expect("masked-readonly.rest-writable", "the rest of the rootfs stays writable", R("readonlyPaths"), "rw",
               "/tmp"),
    ])


# --- personality --------------------------------------------------------------------

@test("personality")
def personality(ctx):
    b = ctx.bundle("personality32")
    b.linux["personality"] = {"domain": "LINUX32"}
    ctx.run_checks(b, [
        Expect("personality.linux32", "LINUX32 sets the PER_LINUX32 execution domain", R("personality.domain"),
               "personality", 8),
        Expect("personality.linux32-uname", "LINUX32: uname reports i686", R("personality"), "uname_machine", "i686"),
    ])
    b = ctx.bundle("personality64")
    b.linux["personality"] = {"domain": "LINUX"}
    ctx.run_checks(b, [Expect("personality.linux", "LINUX sets the PER_LINUX execution domain",
                              R("personality.domain"), "personality", 0)])
