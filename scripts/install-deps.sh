#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/packages.txt that are not
# installed yet. Idempotent: when everything is present it touches neither
# the network nor dpkg (no apt-get update). Needs root on Debian 12.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list="$here/packages.txt"

# One package per line; '#' starts a comment.
mapfile -t wanted < <(sed 's/#.*//' "$list" | awk '{ for (i = 1; i <= NF; i++) print $i }')

missing=()
for pkg in "${wanted[@]}"; do
    # "ii" = wanted install, installed; anything else (absent, config-files only,
    # half-installed) needs apt.
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#wanted[@]} packages present"
    exit 0
fi

if [[ $(id -u) != 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/berth-install-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
apt_opts=(-q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
if ! { apt-get "${apt_opts[@]}" update && apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"; } >"$log" 2>&1 </dev/null; then
    tail -n 40 "$log" >&2
    echo "install-deps: apt-get failed (output above)" >&2
    exit 1
fi
echo "install-deps: installed ${#missing[@]} package(s)"
