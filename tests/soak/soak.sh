#!/usr/bin/env bash
# Leak soak: many create/start/exec/kill/delete cycles and `run`s of a
# container with hooks, a seccomp profile, cgroup limits and its own
# namespaces, several at a time; then compares the machine before and after.
#
#   tests/soak/soak.sh            the long soak: 1000 cycles and 1000 runs, 4 in parallel (by hand)
#   tests/soak/soak.sh --short    100 cycles and 100 runs (CI)
#   options: --cycles N --runs N --parallel P; BERTH=/path/to/berth (default: build/berth)
#
# Every cycle and run is one test; so is each leak check. Must be left at zero:
# state dirs under the soak's --root, cgroups at the soak's cgroupsPaths,
# mounts and open fds of the soak's dir, processes carrying its ids. Measured
# with a tolerance (other work on the machine moves them too): namespace
# objects and kernel slab (/proc/slabinfo, /proc/meminfo). The last line is
# "soak: N passed, N failed"; the exit status is non-zero when anything failed.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
berth=${BERTH:-$repo/build/berth}
cycles=1000
runs=1000
parallel=4
while (($#)); do
    case $1 in
    --short) cycles=100 runs=100 ;;
    --cycles) cycles=$2; shift ;;
    --runs) runs=$2; shift ;;
    --parallel) parallel=$2; shift ;;
    *) echo "usage: $0 [--short] [--cycles N] [--runs N] [--parallel P]" >&2; exit 2 ;;
    esac
    shift
done
[[ -x $berth ]] || { echo "soak: no berth binary at $berth (set BERTH)"; echo "soak: 0 passed, 1 failed"; exit 1; }
((EUID == 0)) || { echo "soak: needs root"; echo "soak: 0 passed, 1 failed"; exit 1; }

tag=berth-test-soak-$$
work=$(mktemp -d /tmp/$tag.XXXXXX)
root=/run/$tag
mkdir -p "$root"

cleanup() {
    local id
    for id in $(ls "$root" 2>/dev/null); do "$berth" --root "$root" delete --force -- "$id" >/dev/null 2>&1; done
    rm -rf "$root" "$work"
    local d
    for d in /sys/fs/cgroup/*/"$tag"-w* /sys/fs/cgroup/unified/"$tag"-w*; do [[ -d $d ]] && rmdir "$d" 2>/dev/null; done
    return 0
}
trap cleanup EXIT

# ---- the rootfs and bundles ----------------------------------------------------
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,etc}
cp /bin/busybox "$rootfs/bin/busybox"
for a in sh sleep true cat hostname grep; do ln -s busybox "$rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
hooklog=$work/poststop.log
: >"$hooklog"

# bundle DIR CGROUP ARGS-JSON
write_bundle() {
    mkdir -p "$1"
    cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/",
    "args": $3,
    "env": ["PATH=/bin"],
    "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "$rootfs", "readonly": true},
  "hostname": "soak",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=1024k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1024k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
  ],
  "hooks": {
    "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null"]}],
    "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null"]}],
    "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null; echo x >>$hooklog"]}]
  },
  "linux": {
    "cgroupsPath": "$2",
    "resources": {"memory": {"limit": 67108864}, "pids": {"limit": 64}, "devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/kcore", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys"],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [
        {"names": ["sethostname", "setdomainname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
        {"names": ["kexec_load", "reboot", "swapon", "swapoff"], "action": "SCMP_ACT_ERRNO"}
      ]
    }
  }
}
EOF
}
for ((w = 0; w < parallel; w++)); do
    write_bundle "$work/w$w/cycle" "/$tag-w$w" '["sleep", "1000"]'
    write_bundle "$work/w$w/run" "/$tag-w$w" '["grep", "-q", "^Seccomp:.2", "/proc/self/status"]'
done

# ---- measurements ----------------------------------------------------------------------
slab_names=(net_namespace nsproxy pid_namespace uts_namespace mnt_cache task_struct files_cache signal_cache)
measure() {  # prints "key value" lines
    echo "mountinfo_lines $(wc -l </proc/self/mountinfo)"
    echo "soak_mounts $(grep -c -- "$tag" /proc/self/mountinfo)"
    echo "soak_cgroups $(ls -d /sys/fs/cgroup/*/"$tag"-w* 2>/dev/null | wc -l)"
    echo "cgroup_dirs $(find /sys/fs/cgroup/memory /sys/fs/cgroup/unified -type d 2>/dev/null | wc -l)"
    echo "soak_state_dirs $(ls "$root" 2>/dev/null | wc -l)"
    echo "processes $(ls -d /proc/[0-9]* | wc -l)"
    echo "zombies $(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l)"
    local own=0 p
    for p in /proc/[0-9]*; do
        [[ $p == /proc/$$ || $p == /proc/$BASHPID ]] && continue
        tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "$tag" && own=$((own + 1))
    done
    echo "soak_processes $own"
    echo "open_files $(cut -f1 /proc/sys/fs/file-nr)"
    echo "soak_fds $(ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -c -- "$tag")"
    awk '/^(Slab|SUnreclaim):/ {print $1 " " $2}' /proc/meminfo | tr -d ':' | sed 's/^/kB_/'
    local n
    for n in "${slab_names[@]}"; do
        awk -v n="$n" '$1 == n {print "slab_" n " " $2}' /proc/slabinfo
    done
}

# ---- the workers -----------------------------------------------------------------------
b() { "$berth" --root "$root" "$@"; }

fail_note() {  # fail_note WORKER WHAT STDERR-FILE
    echo "soak: FAIL worker $1: $2: $(tail -n 2 "$3" | tr '\n' ' ')"
}

worker() {  # worker W NCYCLES NRUNS -> "passed failed" in $work/w$W/result
    local w=$1 n=$2 m=$3 passed=0 failed=0 i id err=$work/w$1/err ok
    for ((i = 0; i < n; i++)); do
        id=$tag-c$w-$i
        ok=1
        b create --bundle "$work/w$w/cycle" "$id" >/dev/null 2>"$err" || { fail_note "$w" "create $id" "$err"; ok=0; }
        ((ok)) && { b start "$id" 2>"$err" || { fail_note "$w" "start $id" "$err"; ok=0; }; }
        # The exec runs under the profile: sethostname fails with EPERM.
        ((ok)) && { b exec "$id" sh -c 'hostname x 2>/dev/null && exit 9; exit 0' </dev/null 2>"$err" ||
            { fail_note "$w" "exec $id" "$err"; ok=0; }; }
        ((ok)) && { b kill "$id" KILL 2>"$err" || { fail_note "$w" "kill $id" "$err"; ok=0; }; }
        if ((ok)); then
            local t
            for ((t = 0; t < 500; t++)); do
                [[ $(b state "$id" 2>/dev/null) == *'"status": "stopped"'* ]] && break
                sleep 0.01
            done
            b delete "$id" 2>"$err" || { fail_note "$w" "delete $id" "$err"; ok=0; }
        fi
        if ((ok)); then passed=$((passed + 1)); else failed=$((failed + 1)); b delete --force "$id" >/dev/null 2>&1; fi
    done
    for ((i = 0; i < m; i++)); do
        id=$tag-r$w-$i
        if b run --bundle "$work/w$w/run" "$id" </dev/null >/dev/null 2>"$err" && [[ ! -e $root/$id ]]; then
            passed=$((passed + 1))
        else
            fail_note "$w" "run $id" "$err"
            failed=$((failed + 1))
            b delete --force "$id" >/dev/null 2>&1
        fi
    done
    echo "$passed $failed" >"$work/w$w/result"
}

# A few warm-up containers first, so that caches the kernel fills once
# (slabs, the seccomp cache under --root) are not counted as leaks.
worker 0 2 2 >/dev/null
: >"$hooklog"
sleep 1
m=$(measure) && echo "$m" >"$work/before"  # not measure >file: that fd would point into the soak dir
echo "soak: $cycles cycles and $runs runs, $parallel in parallel, berth $berth"
start=$(date +%s)
for ((w = 0; w < parallel; w++)); do
    worker "$w" $(((cycles + w) / parallel)) $(((runs + w) / parallel)) &
done
wait
duration=$(($(date +%s) - start))
# Namespaces and sockets are freed asynchronously by the kernel; let it catch up.
sleep 3
m=$(measure) && echo "$m" >"$work/after"

passed=0
failed=0
for ((w = 0; w < parallel; w++)); do
    read -r p f <"$work/w$w/result"
    passed=$((passed + p))
    failed=$((failed + f))
done
ops_passed=$passed
echo "soak: cycles and runs: $passed passed, $failed failed in ${duration}s"

get() { awk -v k="$2" '$1 == k {v = $2; f = 1} END {print f ? v : 0}' "$work/$1"; }  # 0 when not measured
total=$((cycles + runs))
check() {  # check NAME OK-CONDITION-STRING
    if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "soak: FAIL leak check $1 ($2)"; fi
}
printf 'soak: %-22s %12s %12s %10s\n' measure before after change
while read -r k v; do
    a=$(get after "$k")
    printf 'soak: %-22s %12s %12s %10s\n' "$k" "$v" "$a" "$((a - v))"
done <"$work/before"

check soak_state_dirs '(( $(get after soak_state_dirs) == 0 ))'
check soak_cgroups '(( $(get after soak_cgroups) == 0 ))'
check soak_mounts '(( $(get after soak_mounts) == 0 ))'
check soak_processes '(( $(get after soak_processes) == 0 ))'
check soak_fds '(( $(get after soak_fds) == 0 ))'
# Every stopped container ran its poststop hook once.
check poststop_hooks '(( $(wc -l <"$hooklog") >= ops_passed && $(wc -l <"$hooklog") <= total ))'
# One leaked namespace per container would grow these by about `total`; other
# sessions' containers come and go, hence half of it as the noise bound.
for n in net_namespace nsproxy pid_namespace uts_namespace mnt_cache; do
    check "slab_$n" "(( \$(get after slab_$n) - \$(get before slab_$n) < total / 2 + 64 ))"
done
# A netns with its devices and sockets is tens of KiB: 32 KiB per container.
check kB_SUnreclaim '(( $(get after kB_SUnreclaim) - $(get before kB_SUnreclaim) < total * 32 + 16384 ))'
check zombies '(( $(get after zombies) - $(get before zombies) < 8 ))'

echo "soak: $passed passed, $failed failed"
((failed == 0))
