"""runtime.md: the lifecycle, the state, the operations and their errors."""

import json
import os
import re
import time

from .harness import Container, Expect
from .registry import test
from .spec_refs import render as R


def _proc_ns(pid, t):
    try:
        return os.readlink(f"/proc/{pid}/ns/{t}")
    except OSError:
        return None


def _in_cgroup(ctx, pid, path):
    try:
        text = open(f"/proc/{pid}/cgroup").read()
    except OSError as e:
        return False, str(e)
    lines = text.splitlines()
    ok = any(l.split(":", 2)[2] == path for l in lines if l.count(":") >= 2)
    return ok, " | ".join(lines)


def _cgroup_exists(ctx, path):
    return any(os.path.isdir(root + path) for root in ctx.host.cgroup_roots())


@test("lifecycle")
def lifecycle_full(ctx):
    b = ctx.bundle("lifecycle")
    b.args("wait-signal")
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if not ctx.check("lifecycle.create", "create succeeds", R("create.creates"), r.ok, r.why()):
        return
    st = c.state() or {}
    ctx.check("lifecycle.created-status", "status is 'created' after create", R("state.created"),
              st.get("status") == "created", f"state: {st}")
    time.sleep(0.3)
    ctx.check("lifecycle.not-run", "create does not run the user-specified program", R("lifecycle.not-run"),
              c.output() == "", f"output after create: {c.output()!r}")
    pid = st.get("pid")
    if pid:
        differ = [t for t in ("mnt", "uts", "ipc", "net", "pid") if _proc_ns(pid, t) not in (None, ctx.host.ns.get(t))]
        ctx.check("lifecycle.create-namespaces", "the container process has its namespaces after create",
                  R("create.applied"), len(differ) == 5, f"new namespaces: {differ}")
        ok, detail = _in_cgroup(ctx, pid, b.cgroups_path)
        ctx.check("lifecycle.create-cgroup", "the container process is in its cgroup after create",
                  R("create.applied"), ok, detail)
        try:
            mounts = open(f"/proc/{pid}/mountinfo").read()
        except OSError as e:
            mounts = str(e)
        ctx.check("lifecycle.create-mounts", "the configured mounts exist after create", R("create.applied"),
                  " /dev/shm " in mounts and " /dev/mqueue " in mounts, "no /dev/shm or /dev/mqueue in /proc/PID/mountinfo")
    r = c.start()
    ctx.check("lifecycle.start", "start runs the user-specified program", R("start.runs"),
              r.ok and c.wait_output("ready\n"), r.why() if not r.ok else f"output: {c.output()!r}")
    st = c.state() or {}
    ctx.check("lifecycle.running-status", "status is 'running' while the program runs", R("state.running"),
              st.get("status") == "running", f"state: {st}")
    r = c.start()
    st2 = c.state() or {}
    ctx.check("lifecycle.start-running", "start on a running container fails and leaves it running",
              R("start.not-created"), not r.ok and st2.get("status") == "running" and st2.get("pid") == pid and
              c.output() == "ready\n", f"start: {r.why()}; state after: {st2}")
    r = c.delete()
    st2 = c.state() or {}
    ctx.check("lifecycle.delete-running", "delete of a running container fails and leaves it running",
              R("delete.not-stopped"), not r.ok and st2.get("status") == "running",
              f"delete: {r.why()}; state after: {st2}")
    r = c.kill("USR1")
    got = r.ok and c.wait_output("signal 10\n")
    ctx.check("lifecycle.kill-signal", "kill sends the given signal (SIGUSR1) to the container process",
              R("kill.sends"), got, f"kill: {r.why()}; output: {c.output()!r}")
    stopped = c.wait_status("stopped")
    ctx.check("lifecycle.stopped-status", "status is 'stopped' once the process exited", R("state.stopped"),
              stopped, f"state: {c.state()}")
    r = c.start()
    ctx.check("lifecycle.start-stopped", "start on a stopped container fails and leaves it stopped",
              R("start.not-created"), not r.ok and c.status() == "stopped" and "ready\nsignal 10\n" == c.output(),
              f"start: {r.why()}; state: {c.state()}; output: {c.output()!r}")
    r = c.kill("KILL")
    ctx.check("lifecycle.kill-stopped", "kill of a stopped container fails and leaves it stopped",
              R("kill.not-running"), not r.ok and c.status() == "stopped", f"kill: {r.why()}; state: {c.state()}")
    r = c.delete()
    ctx.check("lifecycle.delete", "delete of a stopped container succeeds", R("delete.resources"), r.ok, r.why())
    r = c.state_result()
    ctx.check("lifecycle.deleted-state", "state after delete fails: the container is gone", R("state.missing"),
              not r.ok, f"state: {r.out.strip()}")
    ctx.check("lifecycle.delete-cgroup", "delete removes the container's cgroup", R("delete.resources"),
              not _cgroup_exists(ctx, b.cgroups_path), f"{b.cgroups_path} still exists")


@test("lifecycle")
def lifecycle_created(ctx):
    b = ctx.bundle("created")
    b.args("wait-signal")
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if not ctx.check("lifecycle.create-2", "create succeeds (second container)", R("create.creates"), r.ok, r.why()):
        return
    pid = c.pid
    r = c.delete()
    st = c.state() or {}
    ctx.check("lifecycle.delete-created", "delete of a created container fails and leaves it created",
              R("delete.not-stopped"), not r.ok and st.get("status") == "created" and st.get("pid") == pid,
              f"delete: {r.why()}; state after: {st}")
    if c.state() is None:
        # The runtime removed it (lifecycle.delete-created failed): a fresh one,
        # so kill is checked on its own.
        r = c.create()
        if not ctx.check("lifecycle.create-3", "create succeeds (again, after the delete)", R("create.creates"),
                         r.ok, r.why()):
            return
    r = c.kill("KILL")
    ctx.check("lifecycle.kill-created", "kill (SIGKILL) of a created container is allowed and stops it",
              R("kill.not-running"), r.ok and c.wait_status("stopped"), f"kill: {r.why()}; state: {c.state()}")
    ctx.check("lifecycle.killed-never-ran", "a created container that was killed never ran the program",
              R("create.args-later"), c.output() == "", f"output: {c.output()!r}")
    c.delete()


@test("lifecycle")
def lifecycle_config_update(ctx):
    b = ctx.bundle("config-update")
    b.config["hostname"] = "before-update"
    expects = [Expect("lifecycle.config-update", "changing config.json after create does not affect the container",
                      R("lifecycle.config-updates"), "hostname", "before-update")]

    def rewrite(c):
        path = os.path.join(b.dir, "config.json")
        with open(path) as f:
            cfg = json.load(f)
        cfg["hostname"] = "after-update"
        cfg["process"]["args"] = [cfg["process"]["args"][0], "exit", "3"]
        with open(path, "w") as f:
            json.dump(cfg, f)

    ctx.run_checks(b, expects, before_start=rewrite)


SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _schema_errors(st):
    """runtime-spec schema/state-schema.json, by hand (draft-04, no library)."""
    errs = []
    if not isinstance(st, dict):
        return ["not an object"]
    for k in ("ociVersion", "id", "status", "bundle"):
        if k not in st:
            errs.append(f"missing {k}")
    for k in ("ociVersion", "id", "status", "bundle"):
        if k in st and not isinstance(st[k], str):
            errs.append(f"{k} is not a string")
    if st.get("status") not in ("creating", "created", "running", "stopped"):
        errs.append(f"status {st.get('status')!r} not in the enum")
    if "pid" in st and (not isinstance(st["pid"], int) or isinstance(st["pid"], bool) or st["pid"] < 0):
        errs.append("pid is not an integer >= 0")
    ann = st.get("annotations")
    if ann is not None and (not isinstance(ann, dict) or not all(isinstance(v, str) for v in ann.values())):
        errs.append("annotations is not a map of strings")
    return errs


@test("state")
def state_fields(ctx):
    b = ctx.bundle("state")
    b.args("wait-signal")
    b.config["annotations"] = {"org.example.conformance": "yes", "com.example.empty": ""}
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if not ctx.check("state.create", "create succeeds", R("create.creates"), r.ok, r.why()):
        return
    raw = c.state_result()
    try:
        st = json.loads(raw.out)
    except ValueError:
        st = None
    ctx.check("state.json", "state prints the state as JSON", R("state.returns"), isinstance(st, dict),
              f"state output: {raw.out[:200]!r} {raw.why()}")
    st = st if isinstance(st, dict) else {}
    errs = _schema_errors(st)
    ctx.check("state.schema", "the state adheres to schema/state-schema.json", R("state.schema"), not errs,
              "; ".join(errs))
    ctx.check("state.ociVersion", "ociVersion is a SemVer version", R("state.ociVersion"),
              isinstance(st.get("ociVersion"), str) and SEMVER.match(st["ociVersion"]) is not None,
              f"ociVersion: {st.get('ociVersion')!r}")
    ctx.check("state.id", "id is the container's ID", R("state.id"), st.get("id") == c.id, f"id: {st.get('id')!r}")
    pid = st.get("pid")
    ctx.check("state.pid-created", "pid is set while created and is a live process", R("state.pid"),
              isinstance(pid, int) and pid > 0 and os.path.exists(f"/proc/{pid}"), f"pid: {pid!r}")
    ctx.check("state.bundle", "bundle is the absolute path of the bundle", R("state.bundle"),
              isinstance(st.get("bundle"), str) and os.path.isabs(st["bundle"]) and
              os.path.realpath(st["bundle"]) == os.path.realpath(b.dir), f"bundle: {st.get('bundle')!r}")
    ctx.check("state.annotations", "annotations are those of config.json", R("state.annotations"),
              st.get("annotations") == b.config["annotations"], f"annotations: {st.get('annotations')!r}")
    r = c.start()
    if r.ok and c.wait_output("ready\n"):
        st = c.state() or {}
        pid = st.get("pid")
        try:
            cmdline = open(f"/proc/{pid}/cmdline").read().split("\0")
        except (OSError, TypeError):
            cmdline = []
        ctx.check("state.pid-running", "pid is the container process (the user-specified program) while running",
                  R("state.pid"), "wait-signal" in cmdline, f"pid {pid!r} runs {cmdline!r}")
    else:
        ctx.check("state.pid-running", "pid is the container process while running", R("state.pid"), False,
                  "start failed: " + r.why())
    c.kill("KILL")
    c.wait_status("stopped")
    st = c.state() or {}
    errs = _schema_errors(st)
    ctx.check("state.schema-stopped", "the state of a stopped container adheres to the schema", R("state.schema"),
              not errs and st.get("status") == "stopped", "; ".join(errs) or f"state: {st}")
    c.delete()
    r = ctx.rt.cmd("state", f"conf-{ctx.rt.name}-no-such-container")
    ctx.check("state.missing", "state of a container that does not exist fails", R("state.missing"), not r.ok,
              f"exit {r.rc}, output {r.out.strip()[:200]!r}")
    r = ctx.rt.cmd("state")
    ctx.check("state.no-id", "state without a container ID fails", R("state.no-id"), not r.ok,
              f"exit {r.rc}, output {r.out.strip()[:200]!r}")


@test("errors")
def operation_errors(ctx):
    for op, ref in (("start", "start.no-id"), ("kill", "kill.no-id"), ("delete", "delete.no-id")):
        r = ctx.rt.cmd(op)
        ctx.check(f"errors.{op}-no-id", f"{op} without a container ID fails", R(ref), not r.ok, f"exit {r.rc}")
    missing = f"conf-{ctx.rt.name}-missing"
    r = ctx.rt.cmd("start", missing)
    ctx.check("errors.start-missing", "start of a container that does not exist fails", R("start.not-created"),
              not r.ok, f"exit {r.rc}")
    r = ctx.rt.cmd("kill", missing, "KILL")
    ctx.check("errors.kill-missing", "kill of a container that does not exist fails", R("kill.not-running"),
              not r.ok, f"exit {r.rc}")
    r = ctx.rt.cmd("delete", missing)
    ctx.check("errors.delete-missing", "delete of a container that does not exist fails", R("delete.not-stopped"),
              not r.ok, f"exit {r.rc}")


@test("errors")
def create_errors(ctx):
    b = ctx.bundle("create-errors")
    b.args("wait-signal")
    b.write()
    r = ctx.rt.cmd("create", "--bundle", b.dir)
    ctx.check("errors.create-no-id", "create without a container ID fails", R("create.args"), not r.ok,
              f"exit {r.rc}")
    ctx.check("errors.create-no-id-clean", "a failed create (no ID) leaves no cgroup behind", R("errors.no-effect"),
              not _cgroup_exists(ctx, b.cgroups_path), f"{b.cgroups_path} exists")
    empty = os.path.join(ctx.work, "empty-dir")
    os.makedirs(empty, exist_ok=True)
    cid = ctx.new_id()
    ctx.track(cid)
    r = ctx.rt.cmd("create", cid, cwd=empty)
    ctx.check("errors.create-no-bundle", "create without a bundle (run from a directory with no config.json) fails",
              R("create.args"), not r.ok and not ctx.rt.cmd("state", cid).ok, f"exit {r.rc}")

    c = Container(ctx, b)
    r = c.create()
    if not ctx.check("errors.create-first", "create succeeds", R("create.creates"), r.ok, r.why()):
        return
    b2 = ctx.bundle("duplicate")
    b2.args("wait-signal")
    b2.write()
    dup = Container(ctx, b2, cid=c.id)
    r = dup.create()
    st = c.state() or {}
    ctx.check("errors.create-duplicate", "create with an ID already in use fails and leaves the first container as it was",
              R("create.unique"), not r.ok and st.get("status") == "created" and st.get("pid") == c.pid and
              os.path.realpath(st.get("bundle", "")) == os.path.realpath(b.dir),
              f"create: {r.why()}; first container now: {st}")
    ctx.check("errors.create-duplicate-clean", "the refused duplicate created no cgroup", R("errors.no-effect"),
              not _cgroup_exists(ctx, b2.cgroups_path), f"{b2.cgroups_path} exists")
    c.delete(force=True)

    b3 = ctx.bundle("bad-id")
    b3.write()
    marker = os.path.join(os.path.dirname(ctx.rt.root), "conf-escape")
    for bad in ("../conf-escape", "conf/slash"):
        r = ctx.rt.cmd("create", "--bundle", b3.dir, bad)
        if r.ok:
            ctx.rt.cmd("delete", "--force", bad)
        ctx.check(f"errors.create-invalid-id-{bad.split('/')[0].strip('.') or 'dotdot'}",
                  f"create with the invalid ID '{bad}' fails", R("create.unique"),
                  not r.ok and not os.path.exists(marker), f"exit {r.rc}")


@test("errors")
def failed_create_leaves_nothing(ctx):
    b = ctx.bundle("failed-create")
    b.args("wait-signal")
    b.config["mounts"].append({"destination": "/conf-missing", "type": "none",
                               "source": os.path.join(b.dir, "no-such-source"), "options": ["bind"]})
    b.write()
    c = Container(ctx, b)
    r = c.create()
    ctx.check("errors.cannot-apply", "create fails when a mount cannot be applied (missing bind source)",
              R("create.cannot-apply"), not r.ok, "create succeeded")
    if r.ok:
        c.delete(force=True)
        return
    r = c.state_result()
    ctx.check("errors.cannot-apply-no-container", "after the failed create the container does not exist",
              R("create.cannot-apply"), not r.ok, f"state: {r.out.strip()[:200]}")
    ctx.check("errors.cannot-apply-no-cgroup", "after the failed create its cgroup does not exist",
              R("errors.no-effect"), not _cgroup_exists(ctx, b.cgroups_path), f"{b.cgroups_path} exists")
    b.config["mounts"].pop()
    b.write()
    r = c.create()
    ctx.check("errors.cannot-apply-id-free", "the ID of the failed create can be used again",
              R("errors.no-effect"), r.ok, r.why())
    c.delete(force=True)


@test("errors")
def start_without_process(ctx):
    b = ctx.bundle("no-process")
    del b.config["process"]
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if not r.ok:
        ctx.check("errors.no-process", "a container without process cannot be started (create refused it)",
                  R("start.no-process"), True)
        return
    r = c.start()
    ctx.check("errors.no-process", "start of a container without process fails", R("start.no-process"),
              not r.ok, "start succeeded")
    c.delete(force=True)
