#!/usr/bin/python3
"""Where the wall time of `berth run` goes, phase by phase, from `perf trace`
output (one file per run; take several runs, it prints medians).

  perf trace -o run1.txt -- berth --root R run --bundle B id1     # in the bench's namespace
  bench/trace_phases.py run*.txt

Phases are cut at syscalls berth makes at the boundaries (parent P, child C):
  startup        exec .. P blocks signals (ld.so, static init, CLI parsing)
  config..layout .. P's first cgroup mkdir (config.json, state dir, exec.fifo, mountinfo)
  cgroup mkdir   .. P's clone3 (mkdirs, cpuset copy, device rules)
  clone3         the clone3 call itself (namespace creation)
  cgroup attach  clone3 end .. P releases C (cgroup.procs writes: the first one waits for an RCU grace period on v1)
  child setup    C released .. C reports ready (mounts, pivot_root, masked paths)
  start->execve  .. C's execve (P writes state, opens exec.fifo; C sets user, caps, rlimits, execs)
  runs + exits   C's execve .. P sees the exit (the pid namespace's init exits; namespaces torn down)
  teardown       .. P exits (cgroup removal, state dir removal)
perf trace itself slows every syscall by a few microseconds.
"""
import re, sys, statistics, collections
pat = re.compile(r'^\s*([\d.]+|\?) \(\s*([\d.]*)\s*(?:ms)?\s*\): (\S+)/(\d+)\s+(\.\.\. \[continued\]: )?(\w+)\((.*)$')
def parse(path):
    ev = []
    for line in open(path):
        m = pat.match(line)
        if not m: continue
        t, d, comm, pid, cont, name, rest = m.groups()
        if t == '?': continue
        t = float(t); d = float(d) if d else 0.0
        ev.append((t, d, comm, int(pid), bool(cont), name, rest))
    return ev
def phases(ev):
    pids = []
    for e in ev:
        if e[3] not in pids: pids.append(e[3])
    P, C = pids[0], pids[1]
    def first(pred, after=0.0):
        for e in ev:
            if e[0] >= after and pred(e): return e
        raise KeyError
    t_end = max(e[0] + e[1] for e in ev if e[3] == P)
    sig = first(lambda e: e[3] == P and e[5] == 'rt_sigprocmask')
    mk = first(lambda e: e[3] == P and e[5] == 'mkdir' and 'IRUGO' in e[6])
    cl = first(lambda e: e[3] == P and e[5] == 'clone3' and not e[4])
    snd = first(lambda e: e[3] == P and e[5] == 'sendto', cl[0])
    crecv = first(lambda e: e[3] == C and e[5] == 'recvfrom' and e[4])  # child's first wait returns
    csnd = first(lambda e: e[3] == C and e[5] == 'sendto', crecv[0])
    ex = first(lambda e: e[3] == C and e[5] == 'execve')
    pollr = [e for e in ev if e[3] == P and e[5] == 'poll' and e[0] > ex[0]]
    polle = pollr[-1] if pollr else None
    out = collections.OrderedDict()
    out['startup (exec, ld.so, cli)'] = sig[0]
    out['config, state dir, layout'] = mk[0] - sig[0]
    out['cgroup mkdir + limits'] = cl[0] - mk[0]
    out['clone3 (namespaces)'] = cl[1]
    out['cgroup attach (parent)'] = snd[0] - (cl[0] + cl[1])
    out['child rootfs setup'] = csnd[0] - (crecv[0] + crecv[1])
    out['start -> execve'] = ex[0] - csnd[0]
    end_wait = (polle[0] + polle[1]) if polle else ex[0]
    out['container runs + exits'] = end_wait - ex[0]
    out['teardown (delete)'] = t_end - end_wait
    out['total'] = t_end
    return out
allp = collections.OrderedDict()
for f in sys.argv[1:]:
    try:
        for k, v in phases(parse(f)).items(): allp.setdefault(k, []).append(v)
    except Exception as e:
        print(f"{f}: {e!r}", file=sys.stderr)
for k, v in allp.items():
    print(f"{k:32s} median {statistics.median(v):7.2f} ms   min {min(v):7.2f}   max {max(v):7.2f}   (n={len(v)})")
