#!/usr/bin/env bash
# Usage: tests/vm/measure.sh [RUNS]
# Times the test VM on a trivial command (cat /sys/fs/cgroup/cgroup.controllers)
# for each accelerator and kernel form: TCG with the uncompressed vmlinux and
# with the bzImage (RUNS times each, default 3), KVM once each (with a short
# timeout: this host's /dev/kvm cannot run a stock kernel). Prints one line
# per run: guest uptime when the command started ("boot to shell"), qemu's
# wall time ("boot to result", firmware and power-off included) and the whole
# run-in-vm.sh wall time, plus the host's load average (this machine is shared:
# numbers vary with it).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${1:-3}
exec </dev/null

"$here/prepare.sh" || exit 1

one() { # LABEL TIMEOUT ARGS...
    local label=$1 timeout=$2 out rc ready qemu total
    shift 2
    out=$("$here/run-in-vm.sh" --verbose --timeout "$timeout" "$@" -- cat /sys/fs/cgroup/cgroup.controllers 2>&1)
    rc=$?
    ready=$(sed -nE 's/.*guest ready after ([0-9.?]+)s.*/\1/p' <<<"$out")
    qemu=$(sed -nE 's/.*qemu ran ([0-9.]+)s.*/\1/p' <<<"$out")
    total=$(sed -nE 's/.*total ([0-9.]+)s.*/\1/p' <<<"$out" | tail -n 1)
    printf '%-16s status %-3s boot-to-shell %6ss  boot-to-result %6ss  run-in-vm %6ss  load %s\n' \
        "$label" "$rc" "${ready:--}" "${qemu:--}" "${total:--}" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

for ((i = 0; i < runs; i++)); do
    one "tcg vmlinux" 120
    one "tcg bzImage" 120 --bzimage
done
one "kvm vmlinux" 30 --accel kvm
one "kvm bzImage" 30 --accel kvm --bzimage
