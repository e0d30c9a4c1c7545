"""config.md#posix-platform-hooks and the hook steps of runtime.md#lifecycle.

Every hook is the checker in `hook` mode: it appends its name, its mount and
pid namespaces, $CONF_HOOK_ENV and the state it read on stdin to a log file
that the host and the container share (a bind mount of <bundle>/hooklog on
/hooklog)."""

import json
import os
import time

from .harness import CHECKER_IN_ROOTFS, Container
from .registry import test
from .spec_refs import render as R

ORDER = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


def _setup(ctx, name, hooks):
    """hooks: {phase: [(name, exit_code, extra)]}; returns (bundle, host log path)."""
    b = ctx.bundle(name)
    logdir = os.path.join(b.dir, "hooklog")
    os.makedirs(logdir)
    os.chmod(logdir, 0o777)
    log = os.path.join(logdir, "log")
    b.config["mounts"].append({"destination": "/hooklog", "type": "bind", "source": logdir, "options": ["bind"]})
    cfg = {}
    for phase, entries in hooks.items():
        cfg[phase] = []
        for hook_name, code, extra in entries:
            in_container = phase == "startContainer"
            path = CHECKER_IN_ROOTFS if in_container else ctx.host_checker
            target = "/hooklog/log" if in_container else log
            h = {"path": path, "args": ["oci-checker-hook", "hook", hook_name, target, str(code)],
                 "env": [f"CONF_HOOK_ENV={hook_name}-env"]}
            h.update(extra)
            cfg[phase].append(h)
    b.config["hooks"] = cfg
    return b, log


def _read_log(log):
    entries = []
    try:
        with open(log) as f:
            for line in f.read().splitlines():
                parts = line.split("\t", 4)
                while len(parts) < 5:
                    parts.append("")
                entries.append({"name": parts[0], "mnt": parts[1], "pid": parts[2], "env": parts[3],
                                "state": parts[4]})
    except OSError:
        pass
    return entries


def _names(entries):
    return [e["name"] for e in entries]


@test("hooks")
def hooks_lifecycle(ctx):
    b, log = _setup(ctx, "hooks", {p: [(p, 0, {})] for p in ORDER})
    b.process["args"] = [CHECKER_IN_ROOTFS, "log", "/hooklog/log", "process"]
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if not ctx.check("hooks.create", "create with all six kinds of hooks succeeds", R("create.creates"), r.ok, r.why()):
        return
    after_create = _names(_read_log(log))
    ctx.check("hooks.create-order", "create runs prestart, createRuntime, createContainer in this order",
              R("hooks.order"), after_create == ORDER[:3], f"after create: {after_create}")
    st = c.state() or {}
    container_mnt = None
    try:
        container_mnt = os.readlink(f"/proc/{st.get('pid')}/ns/mnt")
    except (OSError, TypeError):
        pass
    r = c.start()
    after_start = _names(_read_log(log))
    ctx.check("hooks.start", "start succeeds", R("start.runs"), r.ok, r.why())
    no_process = [n for n in after_start if n != "process"]
    ctx.check("hooks.start-order", "start runs startContainer, then poststart before it returns",
              R("hooks.order") + " / " + R("hooks.poststart-when"), no_process == ORDER[:5],
              f"after start: {after_start}")
    if "process" in after_start and "startContainer" in after_start:
        ctx.check("hooks.startContainer-before-process", "startContainer runs before the user-specified program",
                  R("hooks.startContainer-when"),
                  after_start.index("startContainer") < after_start.index("process"), f"log: {after_start}")
    c.wait_status("stopped")
    before_delete = _names(_read_log(log))
    r = c.delete()
    entries = _read_log(log)
    names = _names(entries)
    ctx.check("hooks.poststop", "poststop runs during delete, not before", R("hooks.poststop-when"),
              r.ok and "poststop" not in before_delete and names[-1:] == ["poststop"], f"log: {names}; {r.why()}")
    ctx.check("hooks.order", "the six hooks ran once each in the listed order", R("hooks.order"),
              [n for n in names if n != "process"] == ORDER, f"log: {names}")
    by_name = {e["name"]: e for e in entries}
    host_mnt = ctx.host.ns.get("mnt")
    for phase in ("prestart", "createRuntime", "poststart", "poststop"):
        e = by_name.get(phase)
        ctx.check(f"hooks.{phase}-namespace", f"{phase} runs in the runtime's mount namespace",
                  R(f"hooks.{phase}-ns"), e is not None and e["mnt"] == host_mnt,
                  f"hook in {e and e['mnt']}, runtime in {host_mnt}")
    for phase in ("createContainer", "startContainer"):
        e = by_name.get(phase)
        ctx.check(f"hooks.{phase}-namespace", f"{phase} runs in the container's mount namespace",
                  R(f"hooks.{phase}-ns"), e is not None and e["mnt"] == container_mnt and e["mnt"] != host_mnt,
                  f"hook in {e and e['mnt']}, container in {container_mnt}")
    ctx.check("hooks.startContainer-path", "the startContainer path resolves in the container (it is not on the host)",
              R("hooks.startContainer-path"), "startContainer" in by_name and not os.path.exists(CHECKER_IN_ROOTFS),
              f"ran: {'startContainer' in by_name}; exists on host: {os.path.exists(CHECKER_IN_ROOTFS)}")
    bad_state = []
    for phase in ORDER:
        e = by_name.get(phase)
        try:
            s = json.loads(e["state"]) if e else None
        except ValueError:
            s = None
        if not isinstance(s, dict) or s.get("id") != c.id or \
                os.path.realpath(str(s.get("bundle"))) != os.path.realpath(b.dir) or \
                (phase != "poststop" and not isinstance(s.get("pid"), int)):
            bad_state.append(f"{phase}: {e and e['state'][:150]}")
    ctx.check("hooks.state-stdin", "every hook reads the container's state (id, bundle, pid) on stdin",
              R("hooks.state"), not bad_state, "; ".join(bad_state))
    bad_env = [p for p in ORDER if by_name.get(p, {}).get("env") != f"{p}-env"]
    ctx.check("hooks.env-args", "hooks get their args and env", R("hooks.args"), not bad_env,
              f"wrong env/args for: {bad_env}")


@test("hooks")
def hooks_failures(ctx):
    # createRuntime fails: create fails, the container is destroyed, poststop runs (steps 12, 13).
    b, log = _setup(ctx, "hook-fail-create", {"createRuntime": [("createRuntime", 1, {})],
                                              "poststop": [("poststop", 0, {})]})
    b.process["args"] = [CHECKER_IN_ROOTFS, "log", "/hooklog/log", "process"]
    b.write()
    c = Container(ctx, b)
    r = c.create()
    ctx.check("hooks.createRuntime-fail", "a failing createRuntime hook makes create fail",
              R("lifecycle.createRuntime-fail"), not r.ok, "create succeeded")
    if r.ok:
        c.kill("KILL")
        c.wait_status("stopped")
        c.delete(force=True)
    else:
        time.sleep(0.2)
        names = _names(_read_log(log))
        ctx.check("hooks.createRuntime-fail-destroyed", "after the failing createRuntime hook the container is gone",
                  R("lifecycle.destroy"), not c.state_result().ok and "process" not in names,
                  f"state: {c.state()}; log: {names}")
        ctx.check("hooks.createRuntime-fail-poststop", "after the failing createRuntime hook poststop hooks run",
                  R("lifecycle.createRuntime-fail"), "poststop" in names, f"log: {names}")
        c.delete(force=True)

    # poststart fails: start fails and the container is stopped.
    b, log = _setup(ctx, "hook-fail-poststart", {"poststart": [("poststart", 1, {})]})
    b.args("wait-signal")
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok:
        r = c.start()
        stopped = c.wait_status("stopped", timeout=10) or not c.state_result().ok
        ctx.check("hooks.poststart-fail", "a failing poststart hook makes start fail and stops the container",
                  R("lifecycle.poststart-fail"), not r.ok and stopped, f"start: {r.why()}; state: {c.state()}")
        c.delete(force=True)
    else:
        ctx.check("hooks.poststart-fail", "a failing poststart hook makes start fail", R("lifecycle.poststart-fail"),
                  False, "create failed: " + r.why())

    # poststop fails: only a warning; the next poststop hook still runs and delete succeeds.
    b, log = _setup(ctx, "hook-fail-poststop", {"poststop": [("poststop-1", 1, {}), ("poststop-2", 0, {})]})
    b.write()
    c = Container(ctx, b)
    r = c.create()
    if r.ok:
        c.start()
        c.wait_status("stopped")
        r = c.delete()
        names = _names(_read_log(log))
        ctx.check("hooks.poststop-fail", "a failing poststop hook is a warning: delete succeeds, the next hook runs",
                  R("lifecycle.poststop-fail"), r.ok and names == ["poststop-1", "poststop-2"] and
                  not c.state_result().ok, f"delete: {r.why()}; log: {names}")
        c.delete(force=True)
    else:
        ctx.check("hooks.poststop-fail", "a failing poststop hook is a warning", R("lifecycle.poststop-fail"), False,
                  "create failed: " + r.why())

    # timeout: a hook that outlives its timeout is aborted (and so fails).
    b = ctx.bundle("hook-timeout")
    b.config["hooks"] = {"createRuntime": [{"path": ctx.host_checker, "args": ["oci-checker", "sleep", "20"],
                                            "timeout": 1}]}
    b.write()
    c = Container(ctx, b)
    start = time.monotonic()
    r = c.create(timeout=40)
    took = time.monotonic() - start
    ctx.check("hooks.timeout", "a hook that runs past its timeout (1s) is aborted and create fails",
              R("hooks.timeout"), not r.ok and took < 15, f"create: {r.why()} after {took:.1f}s")
    if r.ok:
        c.delete(force=True)
