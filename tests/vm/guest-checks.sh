#!/usr/bin/env bash
# Runs inside the test VM (tests/vm/run-tests.sh): checks that the VM is the
# environment the cgroup v2 tests need, independently of berth. One line per
# check, "vm-check: ok NAME" or "vm-check: FAIL NAME: why"; exit status 1 if
# any check failed.
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
if mount -t cgroup -o pids none "$scratch/v1" 2>/dev/null; then
    umount "$scratch/v1"
    fail "no cgroup v1" "mounting a v1 pids hierarchy worked"
elif grep -qw cgroup_no_v1=all /proc/cmdline; then
    ok "no cgroup v1 (cgroup_no_v1=all)"
else
    fail "no cgroup v1" "cgroup_no_v1=all missing from /proc/cmdline"
fi

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

# A reference runtime runs a container here (crun, else runc), which proves
# namespaces, pivot_root and cgroup v2 delegation work for runtimes.
runtime=$(command -v crun || command -v runc || true)
if [[ -z $runtime ]]; then
    echo "vm-check: skip container (neither crun nor runc installed)"
else
    bundle=$scratch/bundle
    mkdir -p "$bundle/rootfs"/{bin,proc,dev,sys,tmp}
    cp /bin/busybox "$bundle/rootfs/bin/busybox"
    for a in sh cat; do ln -s busybox "$bundle/rootfs/bin/$a"; done
    (cd "$bundle" && "$runtime" spec) >/dev/null 2>&1
    sed -i -e 's/"terminal": true/"terminal": false/' \
        -e 's|"sh"$|"sh", "-c", "cat /proc/self/cgroup /sys/fs/cgroup/cgroup.controllers"|' "$bundle/config.json"
    out=$(cd "$bundle" && timeout 60 "$runtime" --root "$scratch/state" run "vm-check-$$" 2>&1)
    if [[ $out == *"0::/"*memory* ]]; then ok "container runs ($(basename "$runtime"))"; else
        fail "container runs ($(basename "$runtime"))" "$out"
    fi
fi

rm -rf "$scratch"
exit $failed
