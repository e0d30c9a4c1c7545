#!/usr/bin/env bash
# Usage: scripts/make-busybox-rootfs.sh DIR
# Makes a minimal container root filesystem in DIR (which must not exist or be
# empty): Debian's static busybox at /bin/busybox, one symlink per applet in
# /bin, the directories a container needs, and a minimal /etc/passwd and
# /etc/group. The integration test harness builds the same tree in C++
# (tests/integration/support/harness.cpp).
set -euo pipefail

dir=${1:?usage: make-busybox-rootfs.sh DIR}
busybox=/bin/busybox   # from busybox-static: no shared libraries needed inside

if [[ ! -x $busybox ]]; then
    echo "make-busybox-rootfs: $busybox missing (install busybox-static)" >&2
    exit 1
fi
if [[ -e $dir && -n $(ls -A "$dir") ]]; then
    echo "make-busybox-rootfs: $dir exists and is not empty" >&2
    exit 1
fi

mkdir -p "$dir"
for d in bin dev etc proc sys tmp root run var var/tmp mnt home usr/bin usr/sbin sbin; do
    mkdir -p "$dir/$d"
done
chmod 1777 "$dir/tmp" "$dir/var/tmp"
chmod 700 "$dir/root"

cp "$busybox" "$dir/bin/busybox"
chmod 755 "$dir/bin/busybox"
while read -r applet; do
    [[ -n $applet && $applet != busybox ]] && ln -s busybox "$dir/bin/$applet"
done < <("$busybox" --list)

printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$dir/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$dir/etc/group"
chmod 644 "$dir/etc/passwd" "$dir/etc/group"
