"""config-linux.md#control-groups: cgroupsPath and the memory, pids and cpu
controllers (plus unified). Limits are read on the host while the container
is created (its process is in the cgroup, the program not started yet) and
then exercised from inside: fork until the pids limit, allocate past the
memory limit, the CPU affinity of cpuset.cpus. On cgroup v1 and hybrid hosts
the v1 files are read, on cgroup v2 the v2 ones."""

import os

from .harness import Container, Expect
from .registry import test
from .spec_refs import render as R


def _read(ctx, ctrl, path, v1_file, v2_file):
    d = ctx.host.cgroup_dir(ctrl, path)
    name = v1_file if ctx.host.v1_controller(ctrl) else v2_file
    if name is None:
        return None, None
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip(), os.path.join(d, name)
    except OSError as e:
        return f"<{e.strerror}>", os.path.join(d, name)


def _check_file(ctx, cid, desc, ref, ctrl, b, v1_file, v2_file, want, level="MUST"):
    """want: a string, or a dict {"v1": ..., "v2": ...}."""
    v = "v1" if ctx.host.v1_controller(ctrl) else "v2"
    if isinstance(want, dict):
        want = want.get(v)
    got, path = _read(ctx, ctrl, b.cgroups_path, v1_file, v2_file)
    if path is None or want is None:
        ctx.skip(cid, desc, ref, f"no {v} equivalent", level=level)
        return
    if got is not None and got.startswith("<") and "No such file" in got and os.path.isdir(os.path.dirname(path)):
        ctx.skip(cid, desc, ref, f"this kernel has no {os.path.basename(path)}", level=level)
        return
    ctx.check(cid, desc + f" ({os.path.basename(path)} = {want})", ref, got == str(want), f"{path} = {got}", level=level)


def _create(ctx, b):
    b.write()
    c = Container(ctx, b)
    r = c.create()
    return c, r


def _cgroup_gone(ctx, b):
    return not any(os.path.isdir(root + b.cgroups_path) for root in ctx.host.cgroup_roots())


@test("cgroups")
def cgroups_path(ctx):
    b = ctx.bundle("cgroup-path")
    b.linux["resources"]["pids"] = {"limit": 100}
    ctrl = "memory" if ctx.host.cgroup_mode != "v2" else "unified"
    c = ctx.run_checks(b, [Expect("cgroups.absolute-path",
                                  "the process is in its absolute cgroupsPath, taken from the mount point",
                                  R("cgroups.absolute"), "cgroup_path", ctrl, b.cgroups_path)])
    if c is not None:
        ctx.check("cgroups.deleted", "delete removes the container's cgroup", R("delete.resources"), _cgroup_gone(ctx, b),
                  f"{b.cgroups_path} still exists")
    # With a cgroup namespace and a cgroup mount the container sees its own
    # cgroup as the root, and its own limits in the files there.
    b = ctx.bundle("cgroupns")
    b.namespaces("pid", "network", "ipc", "uts", "mount", "cgroup")
    b.linux["resources"]["pids"] = {"limit": 100}
    b.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                               "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    pids_max = "/sys/fs/cgroup/pids.max" if not ctx.host.v1_controller("pids") else "/sys/fs/cgroup/pids/pids.max"
    ctx.run_checks(b, [
        Expect("cgroups.namespace-root", "in a cgroup namespace the container's cgroup is /", R("ns.cgroup"),
               "cgroup_path", ctrl, "/"),
        Expect("cgroups.namespace-files", f"its own limits are in the mounted cgroup files ({pids_max} = 100)",
               R("ns.cgroup"), "file", pids_max, "100", level="SHOULD"),
    ])


@test("cgroups-memory")
def memory(ctx):
    b = ctx.bundle("memory")
    mib = 1 << 20
    mem = {"limit": 64 * mib, "reservation": 32 * mib, "swap": 96 * mib}
    if ctx.host.v1_controller("memory"):
        mem["swappiness"] = 30
    b.linux["resources"]["memory"] = mem
    c, r = _create(ctx, b)
    if not ctx.check("cgroups-memory.create", "create with memory limits succeeds", R("create.creates"), r.ok, r.why()):
        return
    _check_file(ctx, "cgroups-memory.limit", "memory limit", R("memory.limit"), "memory", b,
                "memory.limit_in_bytes", "memory.max", 64 * mib)
    _check_file(ctx, "cgroups-memory.reservation", "memory reservation", R("memory.reservation"), "memory", b,
                "memory.soft_limit_in_bytes", "memory.low", 32 * mib)
    if ctx.host.v1_controller("memory") and not os.path.exists(
            os.path.join(ctx.host.cgroup_dir("memory", b.cgroups_path), "memory.memsw.limit_in_bytes")):
        ctx.skip("cgroups-memory.swap", "memory+swap limit", R("memory.swap"), "swap accounting is off on this host")
    else:
        _check_file(ctx, "cgroups-memory.swap", "memory+swap limit (v2: swap.max = swap - limit)", R("memory.swap"),
                    "memory", b, "memory.memsw.limit_in_bytes", "memory.swap.max", {"v1": 96 * mib, "v2": 32 * mib})
    if "swappiness" in mem:
        _check_file(ctx, "cgroups-memory.swappiness", "swappiness", R("memory.swappiness"), "memory", b,
                    "memory.swappiness", None, 30)
    c.delete(force=True)
    # The limit holds: touching more than it makes the OOM killer end the toucher.
    b = ctx.bundle("memory-oom")
    b.linux["resources"]["memory"] = {"limit": 48 * mib, "swap": 48 * mib}
    ctx.run_checks(b, [Expect("cgroups-memory.oom", "touching 128 MiB under a 48 MiB limit ends in the OOM killer",
                              R("memory.limit"), "oom", 128)])
    b = ctx.bundle("memory-unlimited")
    b.linux["resources"]["memory"] = {"limit": -1}
    c, r = _create(ctx, b)
    if ctx.check("cgroups-memory.create-unlimited", "create with memory limit -1 succeeds", R("create.creates"), r.ok,
                 r.why()):
        _check_file(ctx, "cgroups-memory.unlimited", "memory limit -1 is unlimited", R("memory.unlimited"), "memory", b,
                    "memory.limit_in_bytes", "memory.max", {"v1": "9223372036854771712", "v2": "max"})
    c.delete(force=True)


@test("cgroups-pids")
def pids(ctx):
    b = ctx.bundle("pids")
    b.linux["resources"]["pids"] = {"limit": 16}
    got = {}

    def host_side(c):
        got["max"] = _read(ctx, "pids", b.cgroups_path, "pids.max", "pids.max")

    ctx.run_checks(b, [Expect("cgroups-pids.fork-limit", "fork fails with EAGAIN at the pids limit (16)",
                              R("pids.limit"), "pids_limit", 16)], before_start=host_side)
    value, path = got.get("max", (None, None))
    ctx.check("cgroups-pids.limit", "pids limit 16 (pids.max = 16)", R("pids.limit"), value == "16", f"{path} = {value}")
    b = ctx.bundle("pids-unlimited")
    b.linux["resources"]["pids"] = {"limit": -1}
    c, r = _create(ctx, b)
    if ctx.check("cgroups-pids.create-unlimited", "create with pids limit -1 succeeds", R("create.creates"), r.ok, r.why()):
        _check_file(ctx, "cgroups-pids.unlimited", "pids limit -1 is max", R("pids.limit"), "pids", b, "pids.max",
                    "pids.max", "max")
    c.delete(force=True)
    b = ctx.bundle("pids-zero")
    b.linux["resources"]["pids"] = {"limit": 0}
    c, r = _create(ctx, b)
    if r.ok:
        _check_file(ctx, "cgroups-pids.zero", "pids limit 0 is a limit of 0, not 'unset'", R("pids.zero"), "pids", b,
                    "pids.max", "pids.max", "0", level="SHOULD")
    else:
        ctx.check("cgroups-pids.zero", "pids limit 0 is a limit of 0, not 'unset'", R("pids.zero"), False,
                  "create failed: " + r.why(), level="SHOULD")
    c.delete(force=True)


@test("cgroups-cpu")
def cpu(ctx):
    b = ctx.bundle("cpu")
    cpu_cfg = {"shares": 512, "quota": 50000, "period": 100000, "burst": 10000, "cpus": "0", "mems": "0"}
    b.linux["resources"]["cpu"] = cpu_cfg
    results = []

    def host_side(c):
        weight = 1 + ((512 - 2) * 9999) // 262142  # runc's and crun's conversion for cgroup v2
        for args in (
            ("cgroups-cpu.shares", "cpu shares 512", R("cpu.shares"), "cpu", b, "cpu.shares", "cpu.weight",
             {"v1": 512, "v2": weight}),
            ("cgroups-cpu.quota", "cpu quota 50000", R("cpu.quota"), "cpu", b, "cpu.cfs_quota_us", "cpu.max",
             {"v1": 50000, "v2": "50000 100000"}),
            ("cgroups-cpu.period", "cpu period 100000", R("cpu.period"), "cpu", b, "cpu.cfs_period_us", "cpu.max",
             {"v1": 100000, "v2": "50000 100000"}),
            ("cgroups-cpu.burst", "cpu burst 10000", R("cpu.burst"), "cpu", b, "cpu.cfs_burst_us", "cpu.max.burst",
             10000),
            ("cgroups-cpu.cpus", "cpuset cpus 0", R("cpu.cpus"), "cpuset", b, "cpuset.cpus", "cpuset.cpus", "0"),
            ("cgroups-cpu.mems", "cpuset mems 0", R("cpu.mems"), "cpuset", b, "cpuset.mems", "cpuset.mems", "0"),
        ):
            results.append(args)
            _check_file(ctx, *args)

    ctx.run_checks(b, [Expect("cgroups-cpu.affinity", "cpus 0: the process may run on CPU 0 only", R("cpu.cpus"),
                              "affinity", "0")], before_start=host_side)
    if not results:
        for cid in ("shares", "quota", "period", "burst", "cpus", "mems"):
            ctx.check(f"cgroups-cpu.{cid}", f"cpu {cid}", R(f"cpu.{cid}"), False, "create failed")


@test("cgroups-unified")
def unified(ctx):
    if ctx.host.cgroup_mode == "v2":
        b = ctx.bundle("unified")
        b.linux["resources"]["unified"] = {"memory.high": "104857600", "pids.max": "33", "memory.oom.group": "1"}
        c, r = _create(ctx, b)
        if ctx.check("cgroups-unified.create", "create with unified settings succeeds", R("create.creates"), r.ok,
                     r.why()):
            for key, val in b.linux["resources"]["unified"].items():
                got, path = _read(ctx, key.split(".")[0], b.cgroups_path, None, key)
                ctx.check(f"cgroups-unified.{key}", f"unified {key} = {val} is written", R("unified.write"),
                          got == val, f"{path} = {got}")
        c.delete(force=True)
        return
    # Hybrid or v1: the memory controller is not on the unified hierarchy.
    b = ctx.bundle("unified-missing")
    b.linux["resources"]["unified"] = {"memory.high": "104857600"}
    c, r = _create(ctx, b)
    if r.ok:
        c.delete(force=True)
    ctx.check("cgroups-unified.missing-controller",
              "unified memory.high when memory is not a cgroup v2 controller here is an error",
              R("unified.missing"), not r.ok, "create succeeded")
