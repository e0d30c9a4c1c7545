#!/usr/bin/python3
"""Where the wall time of `berth run` goes, with uprobes (a few events per
run, so berth runs at nearly full speed — unlike strace or perf trace).

  bench/probe_phases.py --berth build-bench/berth --bundle B --root R [--runs 20]

Run it as root inside the benchmark's private mount namespace (run.sh's
in_ns, or `unshare -m --propagation private`), so that perf's tracefs mount
stays private. It adds uprobes on a dozen berth functions (removed again at
the end), records `--runs` runs of `berth run` with `perf record`, and prints
the median, min and max of each phase. The binary needs its symbol table
(not stripped).
"""
import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import tempfile

# phase markers: (name, mangled symbol, with a return probe)
PROBES = [
    ("main", "main", True),
    ("load_config", "_ZN5berth4spec16load_config_fileERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESt17basic_string_viewIcS4_E", True),
    ("cgroup_setup", "_ZN5berth9container11CgroupSetupC2ERKNS_4spec6ConfigERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEb", True),
    ("detect_layout", "_ZN5berth7cgroups13detect_layoutERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEES8_", True),
    # no return probe: a uretprobe across clone3 distorts the fork
    ("clone_process", "_ZN5berth6kernel13clone_processEmi", False),
    ("add_process", "_ZN5berth9container11CgroupSetup11add_processEib", True),
    # the parent's cgroup work after clone3 (v1 directories, limits, devices), while the init makes its netns
    ("cgroup_finish", "_ZN5berth9container11CgroupSetup6finishEb", True),
    # the init joining the v1 cgroups itself (berth builds that have it)
    # the init joining the v1 cgroups through fds the parent sent with Go (berth builds that have it)
    ("join_self_v1", "_ZN5berth7cgroups12join_self_v1ERKSt6vectorINS_8UniqueFdESaIS2_EERKS1_INSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESaISC_EE", True),
    ("run_init", "_ZN5berth9container8run_initERKNS0_8InitPlanERNS0_11SyncChannelE", False),
    ("prepare_rootfs", "_ZN5berth6kernel14prepare_rootfsERKNS0_13RootfsContextE", True),
    ("enter_rootfs", "_ZN5berth6kernel12enter_rootfsERKNS0_13RootfsContextE", True),
    ("finish_rootfs", "_ZN5berth6kernel13finish_rootfsERKNS0_13RootfsContextE", True),
    ("start_container", "_ZN5berth9container15start_containerERKNS0_12ContainerDirERKNS0_15ContainerRecordEiNS_8UniqueFdE", True),
    ("wait_in_foreground", "_ZN5berth9container18wait_in_foregroundEiiNS_8UniqueFdERKNS0_14BlockedSignalsE", True),
]
GROUP = "berth_phase"


def perf(*args, check=True):
    return subprocess.run(["perf", *args], capture_output=True, text=True, check=check)


def add_probes(binary):
    for i, (name, sym, ret) in enumerate(PROBES):
        # a function this build does not have (or inlined) is left out
        if perf("probe", "--no-demangle", "-x", binary, "-a", f"{GROUP}:e{i}={sym}", check=False).returncode:
            print(f"probe_phases: no probe on {name}", file=sys.stderr)
            continue
        if ret:
            perf("probe", "--no-demangle", "-x", binary, "-a", f"{GROUP}:x{i}={sym}%return")


def remove_probes():
    perf("probe", "-d", f"{GROUP}:*", check=False)


def record(binary, bundle, root, runs, out):
    script = ("i=0; while [ $i -lt %d ]; do %s --root %s run --bundle %s probe-$$-$i >/dev/null 2>&1"
              " || echo 'berth run failed' >&2; i=$((i+1)); sleep 0.1; done") % (runs, binary, root, bundle)
    perf("record", "-q", "-o", out, "-e", f"{GROUP}:*", "-e", "sched:sched_process_exec",
         "-e", "sched:sched_process_exit", "-e", "sched:sched_process_fork", "--", "sh", "-c", script)


def parse(out):
    text = perf("script", "-i", out, "-F", "comm,pid,time,event").stdout
    line = re.compile(r"^\s*(\S+)\s+(\d+)\s+([\d.]+):\s+(\S+):")
    events = []
    for l in text.splitlines():
        m = line.match(l)
        if m:
            comm, pid, t, ev = m.groups()
            events.append((float(t) * 1e3, int(pid), comm, ev.split(":", 1)[1]))
    return events


# (label, from mark, to mark); a span whose marks a run lacks is left out
SPANS = [
    ("exec -> main (ld.so, static init)", "exec", "main.enter.p"),
    ("main -> cgroup setup (cli, config, state dir)", "main.enter.p", "cgroup_setup.enter.p"),
    ("  of which load_config_file", "load_config.enter.p", "load_config.return.p"),
    ("cgroup setup (layout, cgroup2 mkdir)", "cgroup_setup.enter.p", "cgroup_setup.return.p"),
    ("  of which detect_layout", "detect_layout.enter.p", "detect_layout.return.p"),
    ("cgroup setup -> clone_process", "cgroup_setup.return.p", "clone_process.enter.p"),
    ("clone_process -> fork (clone3)", "clone_process.enter.p", "fork"),
    ("add_process (parent: cgroup.procs writes)", "add_process.enter.p", "add_process.return.p"),
    ("parent: cgroup finish (v1 dirs, limits, devices)", "cgroup_finish.enter.p", "cgroup_finish.return.p"),
    ("child: join_self_v1 (writes 0 to tasks)", "join_self_v1.enter.c", "join_self_v1.return.c"),
    ("child: run_init -> prepare_rootfs (netns, Go, v1 join)", "run_init.enter.c", "prepare_rootfs.enter.c"),
    ("child: prepare_rootfs (mounts)", "prepare_rootfs.enter.c", "prepare_rootfs.return.c"),
    ("child: enter_rootfs (pivot_root, umount)", "enter_rootfs.enter.c", "enter_rootfs.return.c"),
    ("child: finish_rootfs (masks, ro)", "finish_rootfs.enter.c", "finish_rootfs.return.c"),
    ("child finish_rootfs -> parent start_container", "finish_rootfs.return.c", "start_container.enter.p"),
    ("fork -> start_container", "fork", "start_container.enter.p"),
    ("start_container -> exec of /bin/true", "start_container.enter.p", "true_exec"),
    ("/bin/true exec -> exit", "true_exec", "true_exit"),
    ("true exit -> wait_in_foreground returns", "true_exit", "wait_in_foreground.return.p"),
    ("teardown (delete) -> berth exit", "wait_in_foreground.return.p", "exit"),
    ("total (exec -> exit)", "exec", "exit"),
]


def phases(events):
    """Splits the events into runs (one per berth parent pid) and returns a
    list of {phase: ms}."""
    name = {f"e{i}": (p[0], "enter") for i, p in enumerate(PROBES)}
    name.update({f"x{i}__return": (p[0], "return") for i, p in enumerate(PROBES)})
    runs = []
    parent_of = {}
    cur = None
    for t, pid, comm, ev in events:
        if ev == "sched_process_exec" and comm.startswith("berth"):
            cur = {"pid": pid, "exec": t, "marks": collections.defaultdict(list)}
            runs.append(cur)
            continue
        if cur is None:
            continue
        if ev == "sched_process_fork" and pid == cur["pid"]:
            cur["marks"]["fork"].append(t)
        elif ev == "sched_process_exec" and comm == "true":
            cur["marks"]["true_exec"].append(t)
        elif ev == "sched_process_exit" and comm == "true":
            cur["marks"]["true_exit"].append(t)
        elif ev == "sched_process_exit" and pid == cur["pid"]:
            cur["marks"]["exit"].append(t)
        elif ev in name:
            fn, kind = name[ev]
            who = "p" if pid == cur["pid"] else "c"
            cur["marks"][f"{fn}.{kind}.{who}"].append(t)
    table = []
    for r in runs:
        m = r["marks"]
        if not m.get("exit") or not m.get("main.enter.p"):
            continue  # an incomplete run
        row = collections.OrderedDict()
        for label, a, b in SPANS:
            ta = r["exec"] if a == "exec" else (m[a][0] if m.get(a) else None)
            tb = m[b][0] if m.get(b) else None
            if ta is not None and tb is not None:
                row[label] = tb - ta
        row["detect_layout calls (count)"] = len(m["detect_layout.enter.p"])
        table.append(row)
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--berth", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--runs", type=int, default=20)
    o = ap.parse_args()
    binary = os.path.abspath(o.berth)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "perf.data")
        remove_probes()
        try:
            add_probes(binary)
            record(binary, os.path.abspath(o.bundle), os.path.abspath(o.root), o.runs, out)
        finally:
            remove_probes()
        table = phases(parse(out))
    if not table:
        sys.exit("probe_phases: no complete run recorded")
    print(f"{'phase':48s} {'median':>8s} {'min':>8s} {'max':>8s}   ms, {len(table)} runs of {binary}")
    keys = [label for label, _, _ in SPANS] + ["detect_layout calls (count)"]
    for k in keys:
        v = [r[k] for r in table if k in r]
        if v:
            print(f"{k:48s} {statistics.median(v):8.2f} {min(v):8.2f} {max(v):8.2f}")


if __name__ == "__main__":
    main()
