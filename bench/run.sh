#!/usr/bin/env bash
# Usage: bench/run.sh            (as root)
# Benchmarks berth against runc and crun on identical busybox bundles and
# prints one table (see bench/README.md). Environment:
#   BENCH_ROUNDS=20        rounds per case (every round runs each runtime once, rotating order)
#   BENCH_ROUNDS_HEAVY=N   rounds for (e) 100 sequential runs and peak RSS (default: BENCH_ROUNDS)
#   BENCH_SEQUENTIAL=100   runs in case (e);  BENCH_PARALLEL=10  runs in case (f)
#   BENCH_CASES=a,b,c,d,e,f,g,rss   subset of cases
#   BENCH_MAX_LOAD=2.0     wait (up to BENCH_LOAD_WAIT=300 s) for the 1-minute load to drop below this
#   BENCH_BUILD_DIR=build-bench   berth is built there (RelWithDebInfo, as scripts/setup.sh) unless BENCH_NO_BUILD=1
#   BERTH=/path/to/berth   benchmark this binary instead (implies no build)
#   BERTH_B=/path/to/berth a second berth binary in extra columns (A/B of a change, e.g. build-bench/berth-static)
#   BENCH_STATE_ON_DISK=1  keep the runtimes' state (--root) on the disk under /run instead of a tmpfs
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${BENCH_BUILD_DIR:-$repo/build-bench}
rounds=${BENCH_ROUNDS:-20}
rounds_heavy=${BENCH_ROUNDS_HEAVY:-$rounds}
sequential=${BENCH_SEQUENTIAL:-100}
parallel=${BENCH_PARALLEL:-10}
cases=${BENCH_CASES:-a,b,c,d,e,f,g,rss}
max_load=${BENCH_MAX_LOAD:-2.0}
load_wait=${BENCH_LOAD_WAIT:-300}
runc=$(command -v runc || true)
crun=$(command -v crun || true)

die() { echo "bench: $*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (it creates containers)"
[[ -n $runc && -n $crun ]] || die "runc and crun must be installed (apt-get install runc crun)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
py=/usr/bin/python3   # Debian's, not a pyenv one on PATH
[[ -x $py ]] || die "$py missing (apt-get install python3)"
command -v unshare >/dev/null || die "unshare missing (util-linux)"

# ---- berth, built as the project ships it (scripts/setup.sh: RelWithDebInfo, static-pie) ----
if [[ -n ${BERTH:-} ]]; then
    berth=$BERTH
else
    berth=$build/berth
    if [[ -z ${BENCH_NO_BUILD:-} ]]; then
        cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_TESTS=OFF >/dev/null
        nice cmake --build "$build" --target berth -j"${BENCH_JOBS:-2}" >&2
    fi
fi
[[ -x $berth ]] || die "$berth is not built"

# ---- scratch space; removed on exit, Ctrl-C or failure ----
tag=$$
work=/run/berth-bench-$tag
cgparent=/berth-bench-$tag   # absolute: never under the caller's own cgroup
hide=$work/empty-controllers
state=$work/state             # the runtimes' --root directories live here
state_tmpfs=$([[ -n ${BENCH_STATE_ON_DISK:-} ]] && echo 0 || echo 1)

# Runs "$@" in a private mount namespace. On a hybrid host (cgroup2 at
# /sys/fs/cgroup/unified) crun 1.8 refuses to start when
# /sys/fs/cgroup/unified/cgroup.controllers is not empty ("cgroups in hybrid
# mode not supported"); that is the only thing it checks, so an empty file is
# bind-mounted over it, in the private namespace only. The host's mounts are
# untouched and the bind mount vanishes with the namespace. Every runtime runs
# in the same namespace, so they all see the same host.
# The runtimes' state goes on a tmpfs, as /run is on a normal host (here /run
# may be a disk: deleting a state directory then costs a synchronous discard).
in_ns() {
    unshare -m --propagation private sh -c '
        hide=$1 state=$2 tmpfs=$3; shift 3
        f=/sys/fs/cgroup/unified/cgroup.controllers
        if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] && [ -n "$(cat "$f" 2>/dev/null)" ]; then
            mount --bind "$hide" "$f" || exit 1
        fi
        if [ "$tmpfs" = 1 ] && [ "$(stat -f -c %T "$state")" != tmpfs ]; then
            mount -t tmpfs -o mode=0700 berth-bench "$state" || exit 1
        fi
        exec "$@"' sh "$hide" "$state" "$state_tmpfs" "$@"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -d $work ]]; then
        # (with the state on a tmpfs it is gone with the namespace: then the
        # cgroup sweep below ends whatever is left)
        in_ns "$py" "$here/bench.py" --cleanup-only --berth "$berth" --runc "$runc" --crun "$crun" \
            --work "$work" --state "$state" --rootfs "$work/rootfs" --cgroup-parent "$cgparent" >/dev/null 2>&1 || true
    fi
    # Anything still in our cgroups is a container process we started.
    local d pid
    for d in /sys/fs/cgroup/*/"${cgparent#/}"; do
        [[ -d $d ]] || continue
        for pid in $(cat "$d"/*/cgroup.procs 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    sleep 0.2
    for d in /sys/fs/cgroup/*/"${cgparent#/}"; do
        [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work" "$state"
: >"$hide"

# Every runtime runs from a fresh copy, made the same way (as `cmake --install`
# or a package install would put it). How a binary sits in the page cache
# changes its exec time: a file the linker just wrote is cached as 4 KiB
# pages, a copied (or installed, or re-read) file in large folios, and exec
# then takes fewer page faults (measured here: berth --version 0.55 ms from
# the linker's file, 0.44 ms from a copy; runc 2.5 -> 2.2 ms).
mkdir -p "$work/bin"
install -m 0755 "$berth" "$work/bin/berth" && berth_src=$berth && berth=$work/bin/berth
install -m 0755 "$runc" "$work/bin/runc" && runc_src=$runc && runc=$work/bin/runc
install -m 0755 "$crun" "$work/bin/crun" && crun_src=$crun && crun=$work/bin/crun
if [[ -n ${BERTH_B:-} ]]; then
    berth_b_src=$BERTH_B
    install -m 0755 "$BERTH_B" "$work/bin/berth-b"
    BERTH_B=$work/bin/berth-b
fi
"$repo/scripts/make-busybox-rootfs.sh" "$work/rootfs" >/dev/null
"$py" "$here/seccomp_profile.py" >"$work/seccomp.json"

# ---- wait for a quiet machine (it is shared) ----
load() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while "$py" -c "import sys; sys.exit(0 if float('$(load)') >= float('$max_load') else 1)" &&
      ((waited < load_wait)); do
    ((waited == 0)) && echo "bench: load $(load) >= $max_load, waiting up to ${load_wait}s" >&2
    sleep 10
    waited=$((waited + 10))
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "bench: $(date -u +%FT%TZ), $(nproc) cpus, load $load_before, rounds $rounds" >&2
in_ns "$py" "$here/bench.py" --berth "$berth" --runc "$runc" --crun "$crun" --work "$work" \
    --state "$state" --rootfs "$work/rootfs" --cgroup-parent "$cgparent" --seccomp-json "$work/seccomp.json" \
    --rounds "$rounds" --rounds-heavy "$rounds_heavy" --sequential "$sequential" \
    --parallel "$parallel" --cases "$cases" ${BERTH_B:+--berth-b "$BERTH_B"} >"$work/table"

echo "berth $("$berth" --version | sed -n 's/^berth version //p' | head -1) ($berth_src, built $(date -u -r "$berth_src" +%FT%TZ))," \
     "$("$runc" --version | head -1), $("$crun" --version | head -1)${BERTH_B:+, berth-b: $berth_b_src}"
echo "(each runtime runs from a copy in $work/bin: same page-cache state for all)"
echo "$(nproc) cpus; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg);" \
     "$rounds rounds (+1 warm-up), seccomp profile: $("$py" "$here/seccomp_profile.py" --count) names," \
     "state on $([[ $state_tmpfs == 1 ]] && echo tmpfs || echo "$(stat -f -c %T "$work")")"
cat "$work/table"
