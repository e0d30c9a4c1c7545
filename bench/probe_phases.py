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
    ("run_init", "_ZN5berth9container8run_initERKNS0_8InitPlanERNS0_11SyncChannelE", False),
    ("prepare_rootfs", "_ZN5berth6kernel14prepare_rootfsERKNS0_13RootfsContextE", True),
    ("enter_rootfs", "_ZN5berth6kernel12enter_rootfsERKNS0_13RootfsContextE", True),
    ("finish_rootfs", "_ZN5berth6kernel13finish_rootfsERKNS0_13RootfsContextE", True),
    ("start_container", "_ZN5berth9container15start_containerERKNS0_12ContainerDirERKNS0_15ContainerRecordE", True),
    ("wait_in_foreground", "_ZN5berth9container18wait_in_foregroundEiiNS_8UniqueFdERKNS0_14BlockedSignalsE", True),
]
GROUP = "berth_phase"


def perf(*args, check=True):
    return subprocess.run(["perf", *args], capture_output=True, text=True, check=check)


def add_probes(binary):
    for i, (name, sym, ret) in enumerate(PROBES):
        perf("probe", "--no-demangle", "-x", binary, "-a", f"{GROUP}:e{i}={sym}")
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
        try:
            g = lambda k, i=0: m[k][i]
            row = collections.OrderedDict()
            row["exec -> main (ld.so, static init)"] = g("main.enter.p") - r["exec"]
            row["main -> cgroup setup (cli, config, state dir)"] = g("cgroup_setup.enter.p") - g("main.enter.p")
            row["  of which load_config_file"] = g("load_config.return.p") - g("load_config.enter.p")
            row["cgroup setup (layout, mkdir, limits)"] = g("cgroup_setup.return.p") - g("cgroup_setup.enter.p")
            row["  of which detect_layout"] = g("detect_layout.return.p") - g("detect_layout.enter.p")
            row["cgroup setup -> clone_process"] = g("clone_process.enter.p") - g("cgroup_setup.return.p")
            row["clone_process -> fork (clone3)"] = g("fork") - g("clone_process.enter.p")
            row["add_process (cgroup.procs writes)"] = g("add_process.return.p") - g("add_process.enter.p")
            row["child: run_init -> prepare_rootfs (waits for cgroups)"] = g("prepare_rootfs.enter.c") - g("run_init.enter.c")
            row["child: prepare_rootfs (mounts)"] = g("prepare_rootfs.return.c") - g("prepare_rootfs.enter.c")
            row["child: enter_rootfs (pivot_root, umount)"] = g("enter_rootfs.return.c") - g("enter_rootfs.enter.c")
            row["child: finish_rootfs (masks, ro)"] = g("finish_rootfs.return.c") - g("finish_rootfs.enter.c")
            row["child finish_rootfs -> parent start_container"] = g("start_container.enter.p") - g("finish_rootfs.return.c")
            row["fork -> start_container"] = g("start_container.enter.p") - g("fork")
            row["start_container -> exec of /bin/true"] = g("true_exec") - g("start_container.enter.p")
            row["/bin/true exec -> exit"] = g("true_exit") - g("true_exec")
            row["true exit -> wait_in_foreground returns"] = g("wait_in_foreground.return.p") - g("true_exit")
            row["teardown (delete) -> berth exit"] = g("exit") - g("wait_in_foreground.return.p")
            row["detect_layout calls (count)"] = len(m["detect_layout.enter.p"])
            row["total (exec -> exit)"] = g("exit") - r["exec"]
            table.append(row)
        except (IndexError, KeyError):
            continue
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
    for k in table[0]:
        v = [r[k] for r in table]
        print(f"{k:48s} {statistics.median(v):8.2f} {min(v):8.2f} {max(v):8.2f}")


if __name__ == "__main__":
    main()
