#!/usr/bin/env bash
# Usage: tests/vm/prepare.sh
# Prepares the throw-away cgroup v2 test VM (idempotent; quick when ready):
#   - installs qemu-system-x86 with apt-get when qemu-system-x86_64 is missing;
#   - downloads Debian's current linux-image-*-amd64 package WITHOUT installing
#     it on the host (apt-get download + dpkg-deb -x into the build dir);
#   - extracts the uncompressed vmlinux from the bzImage: qemu boots it through
#     the PVH entry point and skips the in-guest decompression (1.7 s instead
#     of 4.5 s to a shell under TCG);
#   - writes modules.dep for the extracted modules (busybox depmod), so the
#     guest can load any module on demand;
#   - builds the initramfs: static busybox, tests/vm/guest-init and the few
#     modules needed to mount the 9p shares, the overlays and the scratch disk
#     (virtio_pci, 9p, overlay, virtio_blk, ext4), in load order;
#   - makes an empty, sparse ext4 image for the guest's /tmp (scratch.ext4).
# Everything lives in $BERTH_VM_DIR (default: <repo>/build-vm). Prints
# "vm-prepare: ready" and the kernel it uses. Needs root only to install qemu
# or when the apt package lists are missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vmdir=${BERTH_VM_DIR:-$repo/build-vm}
busybox=/bin/busybox

log() { echo "vm-prepare: $*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$vmdir"
# One prepare at a time (parallel test runs share the build dir).
exec 9>"$vmdir/prepare.lock"
flock 9

# --- qemu -------------------------------------------------------------------
if ! command -v qemu-system-x86_64 >/dev/null; then
    [[ $(id -u) == 0 ]] || die "qemu-system-x86_64 missing; run as root to install qemu-system-x86"
    log "installing qemu-system-x86"
    export DEBIAN_FRONTEND=noninteractive
    apt_opts=(-q -y -o DPkg::Lock::Timeout=600)
    if ! apt-get "${apt_opts[@]}" install --no-install-recommends qemu-system-x86 </dev/null >"$vmdir/apt.log" 2>&1; then
        apt-get "${apt_opts[@]}" update </dev/null >>"$vmdir/apt.log" 2>&1 || true
        apt-get "${apt_opts[@]}" install --no-install-recommends qemu-system-x86 </dev/null >>"$vmdir/apt.log" 2>&1 ||
            { tail -n 30 "$vmdir/apt.log" >&2; die "apt-get install qemu-system-x86 failed"; }
    fi
fi
[[ -x $busybox ]] || die "$busybox missing (install busybox-static)"

# --- kernel -----------------------------------------------------------------
# The image package the linux-image-amd64 metapackage currently points at,
# e.g. linux-image-6.1.0-57-amd64. Falls back to the kernel already extracted
# when apt cannot answer (no package lists and no root to update them).
resolve_kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}
# The answer only changes with the package lists: skip apt-cache (a few
# seconds on a busy machine) while no list is newer than the last answer.
pkg=
if [[ -s $vmdir/kernel/current && -e $vmdir/kernel/$(sed 's/^linux-image-//' "$vmdir/kernel/current")/ready ]] &&
    [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -newer "$vmdir/kernel/current" 2>/dev/null | head -n 1) ]]; then
    pkg=$(cat "$vmdir/kernel/current")
fi
[[ -n $pkg ]] || pkg=$(resolve_kernel_package || true)
if [[ -z $pkg && $(id -u) == 0 ]]; then
    log "apt-cache cannot resolve linux-image-amd64; running apt-get update"
    apt-get -q -o DPkg::Lock::Timeout=600 update </dev/null >"$vmdir/apt.log" 2>&1 || true
    pkg=$(resolve_kernel_package || true)
fi
if [[ -z $pkg ]]; then
    pkg=$(cat "$vmdir/kernel/current" 2>/dev/null || true)
    [[ -n $pkg ]] || die "cannot resolve the linux-image-*-amd64 package (apt-cache depends linux-image-amd64)"
    log "apt-cache cannot resolve linux-image-amd64; using the extracted $pkg"
fi
kver=${pkg#linux-image-}            # 6.1.0-57-amd64 = `uname -r` in the guest
kdir=$vmdir/kernel/$kver

if [[ ! -e $kdir/ready ]]; then
    log "downloading $pkg (not installed on the host)"
    rm -rf "$kdir"
    mkdir -p "$kdir"
    # apt-get download writes into the current directory; the _apt sandbox
    # warning about a root-owned directory is harmless.
    (cd "$kdir" && apt-get -q download "$pkg" </dev/null 2>&1 | grep -v -e '^W: Download is performed unsandboxed' >&2 || true)
    deb=$(ls "$kdir"/"$pkg"_*.deb 2>/dev/null | head -n 1)
    [[ -n $deb ]] || die "apt-get download $pkg failed"
    dpkg-deb -x "$deb" "$kdir/root"
    rm -f "$deb"
    [[ -e $kdir/root/boot/vmlinuz-$kver ]] || die "$pkg has no /boot/vmlinuz-$kver"
    [[ -d $kdir/root/lib/modules/$kver ]] || die "$pkg has no /lib/modules/$kver"

    # modules.dep is normally written by depmod when the package is installed.
    "$busybox" depmod -b "$kdir/root" "$kver"

    # Uncompressed kernel: Debian's bzImage is xz-compressed; the payload
    # starts at the first xz magic (fd 37 7a 58 5a 00). qemu boots the ELF
    # through its PVH note (CONFIG_PVH=y), so no decompression in the guest.
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kdir/root/boot/vmlinuz-$kver" | head -n 1 | cut -d: -f1 || true)
    if [[ -n $off ]] &&
        { tail -c +$((off + 1)) "$kdir/root/boot/vmlinuz-$kver" 2>/dev/null || true; } |
        xz -dc --single-stream >"$kdir/vmlinux.tmp" 2>/dev/null &&
        [[ $(head -c 4 "$kdir/vmlinux.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] &&
        grep -q '^CONFIG_PVH=y' "$kdir/root/boot/config-$kver"; then
        mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"
    else
        rm -f "$kdir/vmlinux.tmp"
        log "no uncompressed vmlinux for $kver; the VM boots the (slower) bzImage"
    fi
    touch "$kdir/ready"
    # Older kernels are no longer needed.
    for old in "$vmdir"/kernel/*/; do
        [[ ${old%/} == "$kdir" ]] || rm -rf "${old%/}"
    done
fi
# What kmod's static-nodes gives udev: the /dev nodes whose first open
# loads their module (loop-control, fuse, net/tun, ...), as
# "NAME TYPE MAJOR MINOR MODULE" lines for the guest's /dev.
nodes=$kdir/root/lib/modules/$kver/static-nodes
if [[ ! -e $nodes ]]; then
    awk '$1 == "alias" {
        m = $3
        if ($2 ~ /^devname:/) { name[m] = substr($2, 9); names[m]++ }
        else if ($2 ~ /^(char|block)-major-[0-9]+-[0-9]+$/) {
            split($2, p, "-"); node[m] = (p[1] == "char" ? "c" : "b") " " p[3] " " p[4]; nodes[m]++
        }
    }
    END { for (m in name) if (names[m] == 1 && nodes[m] == 1) print name[m], node[m], m }' \
        "$kdir/root/lib/modules/$kver/modules.alias" | sort >"$nodes.tmp"
    mv "$nodes.tmp" "$nodes"
fi
# Rewritten (new mtime) after every apt-cache answer, see the fast path above.
echo "$pkg" >"$vmdir/kernel/current.tmp" && mv "$vmdir/kernel/current.tmp" "$vmdir/kernel/current"

# --- initramfs --------------------------------------------------------------
# Modules the guest init loads before it can reach the shares and the scratch
# disk, dependencies first (from modules.dep). Everything else is loaded on demand from the 9p
# share of $kdir/root/lib/modules.
boot_modules=(virtio_pci 9pnet_virtio 9p overlay virtio_blk ext4 crc32c_generic)
moddir=$kdir/root/lib/modules/$kver
initrd=$vmdir/initramfs.cpio
stamp="$kver $(sha256sum "$here/guest-init" | cut -d' ' -f1) $(sha256sum "$busybox" | cut -d' ' -f1) ${boot_modules[*]}"
if [[ ! -e $initrd || $(cat "$initrd.stamp" 2>/dev/null) != "$stamp" ]]; then
    log "building $initrd"
    stage=$vmdir/initramfs.d
    rm -rf "$stage"
    mkdir -p "$stage"/{bin,dev,proc,sys,modules}
    cp "$busybox" "$stage/bin/busybox"
    cp "$here/guest-init" "$stage/init"
    chmod 755 "$stage/init" "$stage/bin/busybox"

    declare -A seen=()
    order=()
    add_module() { # $1: path relative to $moddir, e.g. kernel/fs/9p/9p.ko
        local rel=$1 dep
        [[ -n ${seen[$rel]:-} ]] && return 0
        seen[$rel]=1
        local line
        line=$(grep -m1 "^$rel:" "$moddir/modules.dep") || die "module $rel not in modules.dep"
        for dep in ${line#*:}; do add_module "$dep"; done
        order+=("$rel")
    }
    for m in "${boot_modules[@]}"; do
        rel=$(grep -m1 -E "/$m\.ko:" "$moddir/modules.dep" | cut -d: -f1) || die "module $m not found for $kver"
        add_module "$rel"
    done
    : >"$stage/modules/load"
    for rel in "${order[@]}"; do
        name=$(basename "$rel")
        cp "$moddir/$rel" "$stage/modules/$name"
        echo "$name" >>"$stage/modules/load"
    done

    # /dev/console comes from the kernel's built-in initramfs.
    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) >"$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    echo "$stamp" >"$initrd.stamp"
    rm -rf "$stage"
fi

# --- scratch disk -------------------------------------------------------------
# An empty ext4 file system for the guest's /tmp and /var/tmp (Debian 12 keeps
# them on the root file system, and tmpfs lacks features tests use, e.g.
# id-mapped mounts before Linux 6.3). Sparse; qemu opens it with snapshot=on,
# so every VM starts from this empty template and nothing is written back.
disk=$vmdir/scratch.ext4
if [[ ! -e $disk ]]; then
    truncate -s 8G "$disk.tmp"
    mkfs.ext4 -q -F -L berth-vm-tmp -E lazy_itable_init=1,lazy_journal_init=1 "$disk.tmp" ||
        die "mkfs.ext4 of the scratch disk failed"
    mv "$disk.tmp" "$disk"
fi

# Per-run dirs that a killed (SIGKILL) run could not remove.
find "$vmdir/runs" "$vmdir" -maxdepth 1 -type d \( -name 'run.*' -o -name 'results.*' \) -mmin +720 \
    -exec rm -rf {} + 2>/dev/null || true

log "ready: kernel $kver ($([[ -e $kdir/vmlinux ]] && echo vmlinux || echo bzImage)), $vmdir"
