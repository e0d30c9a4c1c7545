#!/usr/bin/env bash
# Usage: tests/vm/run-in-vm.sh [options] -- COMMAND [ARG]...
# Runs COMMAND as root in a throw-away qemu VM with a pure cgroup v2 hierarchy
# (Debian's kernel booted with cgroup_no_v1=all, cgroup2 at /sys/fs/cgroup,
# every controller enabled in the root's cgroup.subtree_control) and exits
# with COMMAND's exit status.
#
# The guest sees the host's /usr and /etc and the shared directories at the
# same absolute paths, so compiled-in paths (BERTH_BINARY, BERTH_BUILD_DIR...)
# work unchanged. They are 9p shares, read-only for the host: the guest writes
# into a tmpfs overlay that disappears with the VM. The root is a tmpfs, so
# pivot_root works, and / is shared (MS_SHARED) as under systemd; /run is a
# fresh tmpfs, /tmp and /var/tmp live on an empty ext4 disk (as on Debian 12,
# where they are on the root file system) that also disappears with the VM.
#
# Options:
#   --share DIR      show DIR at the same path (read-only for the host; guest
#                    writes go to a tmpfs overlay). Repeatable. The repository
#                    is always shared.
#   --share-rw DIR   share DIR read-write (guest writes land on the host), to
#                    bring results back. Repeatable.
#   --timeout S      kill the VM after S seconds (default 600); exit 124
#   --env NAME=VALUE set a variable for COMMAND (CI is passed through). Repeatable.
#   --cwd DIR        COMMAND's working directory (default: the current one if
#                    it is shared, else /)
#   --mem SIZE       guest memory (default 2G)    --smp N   guest CPUs (default 2)
#   --accel tcg|kvm  (default $BERTH_VM_ACCEL or tcg: this host's /dev/kvm cannot
#                    run a stock kernel)
#   --bzimage        boot the compressed kernel instead of the extracted vmlinux
#   --tmpfs-tmp      /tmp and /var/tmp on tmpfs instead of the ext4 scratch disk
#   --verbose        also show the boot messages
#   --log FILE       copy the whole serial console log to FILE
# Exit status: COMMAND's; 124 on timeout; 125 when the VM failed to boot or
# did not report a status.
# Everything lives in $BERTH_VM_DIR (default <repo>/build-vm); qemu is always
# killed by its PID, nothing is mounted on the host.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vmdir=${BERTH_VM_DIR:-$repo/build-vm}
export BERTH_VM_DIR=$vmdir

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "run-in-vm: $*" >&2; exit 125; }

timeout=600 mem=2G smp=2 accel=${BERTH_VM_ACCEL:-tcg} bzimage=0 verbose=0 logcopy= cwd= tmpfs_tmp=0
ro_shares=("$repo") rw_shares=() envs=()
while (($#)); do
    case $1 in
        --share) ro_shares+=("$(realpath -e "${2:?}")") || die "no such directory: $2"; shift 2 ;;
        --share-rw) rw_shares+=("$(realpath -e "${2:?}")") || die "no such directory: $2"; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --env) envs+=("${2:?}"); shift 2 ;;
        --cwd) cwd=${2:?}; shift 2 ;;
        --mem) mem=${2:?}; shift 2 ;;
        --smp) smp=${2:?}; shift 2 ;;
        --accel) accel=${2:?}; shift 2 ;;
        --bzimage) bzimage=1; shift ;;
        --tmpfs-tmp) tmpfs_tmp=1; shift ;;
        --verbose) verbose=1; shift ;;
        --log) logcopy=${2:?}; shift 2 ;;
        --) shift; break ;;
        -h | --help) usage ;;
        *) usage ;;
    esac
done
(($#)) || usage
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout needs whole seconds"

mkdir -p "$vmdir"
if ! "$here/prepare.sh" >"$vmdir/prepare.log" 2>&1; then
    cat "$vmdir/prepare.log" >&2
    die "tests/vm/prepare.sh failed"
fi
kver=$(cat "$vmdir/kernel/current")
kver=${kver#linux-image-}
kdir=$vmdir/kernel/$kver
kernel=$kdir/vmlinux
if ((bzimage)) || [[ ! -e $kernel ]]; then kernel=$kdir/root/boot/vmlinuz-$kver; fi

# Per-run directory, shared read-write as /.vm/run: the command script and,
# on the host, the console log.
mkdir -p "$vmdir/runs"
run=$(mktemp -d "$vmdir/runs/run.XXXXXX")
log=$run/console.log
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
qpid=
cleanup() {
    if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
        kill -TERM "$qpid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$qpid" 2>/dev/null || true
        wait "$qpid" 2>/dev/null || true
    fi
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Shares: 9p tags must be short; paths may not contain blanks or colons (they
# travel on the kernel command line).
declare -a qshares=() params=()
add_share() { # TAG MODE PATH [HOST_PATH]
    [[ $3 =~ ^/[^[:space:]:,]*$ ]] || die "cannot share '$3': blanks, colons and commas are not supported"
    local opts="local,path=${4:-$3},mount_tag=$1,security_model=none,multidevs=remap"
    [[ $2 == rw ]] || opts+=",readonly=on"
    qshares+=(-virtfs "$opts")
    params+=("berthvm.share=$1:$2:$3")
}
add_share run rw /.vm/run "$run"
add_share usr ro /usr
add_share etc ro /etc
# Parents before children, each path once.
i=0
declare -A done_paths=()
while read -r kind path; do
    [[ -z $path || -n ${done_paths[$path]:-} ]] && continue
    done_paths[$path]=1
    add_share "s$i" "$kind" "$path"
    i=$((i + 1))
done < <({
    for p in "${ro_shares[@]}"; do echo "ov $p"; done
    for p in "${rw_shares[@]}"; do echo "rw $p"; done
} | sort -k2,2 -k1,1r)
qshares+=(-virtfs "local,path=$kdir/root/lib/modules/$kver,mount_tag=mods,security_model=none,readonly=on")
params+=("berthvm.modules=mods")

if [[ -z $cwd ]]; then
    cwd=/
    for p in "${!done_paths[@]}"; do
        [[ $PWD == "$p" || $PWD == "$p"/* ]] && cwd=$PWD
    done
fi
{
    echo "# written by run-in-vm.sh"
    [[ -n ${CI:-} ]] && printf 'export CI=%q\n' "$CI"
    for e in "${envs[@]}"; do
        [[ $e == *=* ]] || die "--env needs NAME=VALUE: $e"
        printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
    done
    printf 'cd %q || exit 125\n' "$cwd"
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
} >"$run/cmd.sh"

case $accel in
    tcg) accel_opts=(-accel tcg) ;;
    kvm) accel_opts=(-accel kvm) ;;
    *) die "--accel tcg|kvm" ;;
esac
# The scratch disk (ext4 for /tmp and /var/tmp) with snapshot=on: the guest's
# writes go to a temporary file qemu makes in TMPDIR (the run dir).
disk=()
if [[ $tmpfs_tmp == 0 ]]; then
    disk=(-drive "file=$vmdir/scratch.ext4,format=raw,if=virtio,snapshot=on,cache=unsafe")
    params+=(berthvm.tmp=disk)
fi
((verbose)) && params+=(berthvm.trace=1)
# cryptomgr.notests: the crypto self-tests cost ~0.8 s of boot under TCG.
# no_timer_check: on a loaded host the emulated timer can miss the kernel's
# IO-APIC timer check, which then panics ("IO-APIC + timer doesn't work").
append="console=ttyS0 cgroup_no_v1=all quiet panic=-1 cryptomgr.notests no_timer_check berthvm.nonce=$nonce ${params[*]}"
# qboot (a minimal firmware that qemu ships) starts the kernel sooner than SeaBIOS.
firmware=()
for f in /usr/share/qemu/qboot.rom /usr/share/qboot/bios.bin; do
    if [[ -e $f ]]; then firmware=(-bios "$f"); break; fi
done
start=$EPOCHREALTIME
: >"$log"
TMPDIR=$run qemu-system-x86_64 "${accel_opts[@]}" -M pc -m "$mem" -smp "$smp" \
    -nodefaults -no-user-config -display none -monitor none -no-reboot \
    -serial "file:$log" \
    "${firmware[@]}" -kernel "$kernel" -initrd "$vmdir/initramfs.cpio" -append "$append" \
    "${qshares[@]}" "${disk[@]}" </dev/null >"$run/qemu.err" 2>&1 &
qpid=$!

# Stream the console while qemu runs: everything between the start and exit
# markers (all of it with --verbose).
# The exit marker may follow output that did not end its line.
tail -s 0.2 -n +1 -F --pid="$qpid" "$log" 2>/dev/null | tr -d '\r' | awk -v n="$nonce" -v v="$verbose" '
    index($0, "berth-vm: start " n) == 1 { on = 1; if (!v) next }
    (i = index($0, "berth-vm: exit " n)) > 0 {
        if (i > 1 && on) { print substr($0, 1, i - 1) }
        on = 0; if (!v) next }
    on || v { print; fflush() }' &
streamer=$!

# Poll rather than `wait`: a zombie qemu still answers kill -0.
timed_out=0
deadline=$((SECONDS + timeout))
while :; do
    state=gone
    read -r _ _ state _ 2>/dev/null <"/proc/$qpid/stat" || true
    [[ $state == Z || $state == gone ]] && break
    if ((SECONDS >= deadline)); then
        timed_out=1
        echo "run-in-vm: timeout after ${timeout}s, killing qemu (pid $qpid)" >&2
        kill -TERM "$qpid" 2>/dev/null || true
        sleep 1
        kill -KILL "$qpid" 2>/dev/null || true
        break
    fi
    sleep 0.1
done
qrc=0
wait "$qpid" || qrc=$?
qpid=
qemu_end=$EPOCHREALTIME
wait "$streamer" 2>/dev/null || true
end=$EPOCHREALTIME
[[ -n $logcopy ]] && tr -d '\r' <"$log" >"$logcopy"

marker=$(tr -d '\r' <"$log" | awk -v n="$nonce" '(i = index($0, "berth-vm: exit " n " ")) > 0 {
    split(substr($0, i), f, " "); print f[4], f[5] }' | tail -n 1)
boot=$(tr -d '\r' <"$log" | awk -v n="$nonce" 'index($0, "berth-vm: start " n " ") == 1 { print $4 }' | tail -n 1)
total=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
if [[ -z $marker ]]; then
    # Before COMMAND started nothing was streamed: show how the boot went.
    if ((!verbose)) && [[ -z $boot ]]; then
        echo "run-in-vm: ---- console log ----" >&2
        tr -d '\r' <"$log" | tail -n 60 >&2
        cat "$run/qemu.err" >&2
    fi
    if ((timed_out)); then
        echo "run-in-vm: no result: timeout after ${timeout}s (${total}s)" >&2
        exit 124
    fi
    echo "run-in-vm: no result: the VM failed to boot or stopped early (qemu status $qrc, ${total}s)" >&2
    exit 125
fi
status=${marker%% *}
((verbose)) && awk -v s="$start" -v q="$qemu_end" -v e="$end" \
    'BEGIN { printf "run-in-vm: qemu ran %.2fs, console flushed %.2fs later\n", q - s, e - q }' >&2
echo "run-in-vm: exit status $status (guest ready after ${boot:-?}s, total ${total}s, $accel, $(basename "$kernel"))" >&2
exit "$status"
