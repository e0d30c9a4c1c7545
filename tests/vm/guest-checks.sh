#!/usr/bin/env bash
# Usage (inside the test VM, from tests/vm/run-tests.sh): guest-checks.sh [BERTH_BINARY]
# Checks that the VM is the environment the cgroup v2 tests need (with crun,
# independently of berth), then that berth runs a container with cgroup v2
# limits there. One line per check, "vm-check: ok NAME" or
# "vm-check: FAIL NAME: why"; exit status 1 if any check failed.
set -uo pipefail

failed=0
ok() { echo "vm-check: ok $1"; }
fail() { echo "vm-check: FAIL $1: $2"; failed=1; }
scratch=$(mktemp -d /tmp/vm-check.XXXXXX)

# cgroup2 at /sys/fs/cgroup, and no v1 hierarchy can be mounted.
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then ok "cgroup2 at /sys/fs/cgroup"; else
    fail "cgroup2 at /sys/fs/cgroup" "$(stat -f -c %T /sys/fs/cgroup)"
fi
mkdir "$scratch/v1"
# (The kernel logs "Disabled controller" on the console: not while we try.)
read -r loglevel _ </proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/printk
if mount -t cgroup -o pids none "$scratch/v1" 2>/dev/null; then
    umount "$scratch/v1"
    fail "no cgroup v1" "mounting a v1 pids hierarchy worked"
elif grep -qw cgroup_no_v1=all /proc/cmdline; then
    ok "no cgroup v1 (cgroup_no_v1=all)"
else
    fail "no cgroup v1" "cgroup_no_v1=all missing from /proc/cmdline"
fi
echo "$loglevel" >/proc/sys/kernel/printk

# Every available controller is enabled for the root's children.
controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
enabled=$(cat /sys/fs/cgroup/cgroup.subtree_control)
echo "vm-check: cgroup.controllers: $controllers"
echo "vm-check: cgroup.subtree_control: $enabled"
missing=
for c in cpu cpuset io memory pids; do
    [[ " $enabled " == *" $c "* ]] || missing+=" $c"
done
if [[ -z $missing && $enabled == "$controllers" ]]; then ok "all controllers enabled"; else
    fail "all controllers enabled" "missing:${missing:- (some)}"
fi

# A child cgroup gets the controllers' files and takes a process.
cg=/sys/fs/cgroup/vm-check-$$
if mkdir "$cg" && [[ -e $cg/memory.max && -e $cg/pids.max && -e $cg/cpu.max && -e $cg/io.max && -e $cg/cpuset.cpus ]] &&
    echo 16 >"$cg/pids.max" && sh -c "echo \$\$ >$cg/cgroup.procs && grep -qx '0::/vm-check-$$' /proc/self/cgroup"; then
    ok "child cgroup with controller files and a process"
else
    fail "child cgroup with controller files and a process" "see above"
fi
rmdir "$cg" 2>/dev/null

# The root is not rootfs: pivot_root works in a new mount namespace.
new=$scratch/new
mkdir -p "$new/bin" "$new/old"
cp /bin/busybox "$new/bin/busybox"
out=$(unshare -m --propagation private /bin/busybox sh -c \
    "mount --bind $new $new && cd $new && /bin/busybox pivot_root . old && /bin/busybox umount -l /old && /bin/busybox ls /" 2>&1)
if [[ $out == *bin*old* ]]; then ok "pivot_root"; else fail "pivot_root" "$out"; fi

# A bundle running `sh -c SCRIPT` in a busybox rootfs, with the resources
# given as JSON merged into linux.resources.
make_bundle() { # DIR SCRIPT RESOURCES_JSON
    mkdir -p "$1/rootfs"/{bin,proc,dev,sys,tmp}
    cp /bin/busybox "$1/rootfs/bin/busybox"
    for a in sh cat; do ln -s busybox "$1/rootfs/bin/$a"; done
    (cd "$1" && crun spec >/dev/null 2>&1) || return 1
    python3 - "$1/config.json" "$2" "$3" <<'PY'
import json, sys
path, script, resources = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", script]
c["linux"].setdefault("resources", {}).update(resources)
json.dump(c, open(path, "w"), indent=1)
PY
}

# A reference runtime runs a container here: namespaces, pivot_root and
# cgroup v2 delegation work for runtimes.
if ! command -v crun >/dev/null || ! command -v python3 >/dev/null; then
    echo "vm-check: skip container (needs crun and python3)"
else
    make_bundle "$scratch/crun" 'cat /proc/self/cgroup /sys/fs/cgroup/cgroup.controllers' '{}'
    out=$(cd "$scratch/crun" && timeout 60 crun --root "$scratch/crun-state" run "vm-check-$$" 2>&1)
    if [[ $out == *"0::/"*memory* ]]; then ok "container runs (crun)"; else fail "container runs (crun)" "$out"; fi
fi

# berth itself (BERTH_BINARY, when given and built): a container with memory,
# pids and cpu limits sees them in its cgroup v2 files.
berth=${1:-}
if [[ -n $berth && -x $berth ]] && command -v python3 >/dev/null; then
    make_bundle "$scratch/berth" 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max' \
        '{"memory": {"limit": 67108864}, "pids": {"limit": 32}, "cpu": {"quota": 50000, "period": 100000}}'
    out=$(cd "$scratch/berth" && timeout 60 "$berth" --root "$scratch/berth-state" run "vm-check-$$" 2>&1)
    expected=$'67108864\n32\n50000 100000'
    if [[ $out == *"$expected"* ]]; then ok "berth runs a container with cgroup v2 limits"; else
        fail "berth runs a container with cgroup v2 limits" "$out"
    fi
elif [[ -n $berth ]]; then
    echo "vm-check: skip berth ($berth not built)"
fi

rm -rf "$scratch"
exit $failed
