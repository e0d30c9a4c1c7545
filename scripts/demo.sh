#!/usr/bin/env bash
# Runs one demo container with the built berth (build/berth): makes the
# default bundle in build/demo-bundle (a busybox rootfs and the config from
# `berth spec`), sets its command and an absolute cgroupsPath, validates it,
# then `berth run`s it under a private state root. The container, its state
# root and its cgroup are cleaned up on every path. Needs root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
berth=${BERTH:-$repo/build/berth}
bundle=$repo/build/demo-bundle
state_root=/run/berth-demo
cgroup=/berth-demo        # always absolute: relative or unset paths are not used on this machine
id=demo-$$

die() { echo "demo: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $berth ]] || die "$berth not found: build first (scripts/setup.sh)"

# Removes the demo cgroup from every hierarchy, deepest first; rmdir only
# (never anything else under /sys/fs/cgroup). Returns what it removed.
remove_demo_cgroup() {
    local mnt
    while read -r mnt; do
        [[ -d $mnt$cgroup ]] || continue
        find "$mnt$cgroup" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        echo "$mnt$cgroup"
    done < <(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) ~ /^cgroup2?$/ && $5 ~ "^/sys/fs/cgroup") print $5; break } }' /proc/self/mountinfo)
}

cleanup() {
    local rc=$?
    if [[ -d $state_root ]]; then
        "$berth" --root "$state_root" delete --force "$id" >/dev/null 2>&1 || true
        rm -rf --one-file-system "$state_root"
    fi
    local left
    left=$(remove_demo_cgroup)
    [[ -z $left ]] || echo "demo: warning: removed leftover cgroup(s): $left" >&2
    exit "$rc"
}

# The bundle: a fresh rootfs (refuse to delete through a leftover mount).
if grep -qF " $bundle" /proc/self/mountinfo; then
    die "something is still mounted under $bundle; not touching it"
fi
rm -rf --one-file-system "$bundle"
mkdir -p "$bundle"
"$repo/scripts/make-busybox-rootfs.sh" "$bundle/rootfs"

# The config comes from berth itself; no fallback.
"$berth" spec --bundle "$bundle" || die "'berth spec --bundle $bundle' failed"
[[ -f $bundle/config.json ]] || die "'berth spec' wrote no $bundle/config.json"

/usr/bin/python3 - "$bundle/config.json" "$cgroup" <<'PY'
import json, sys
path, cgroup = sys.argv[1], sys.argv[2]
with open(path) as f:
    cfg = json.load(f)
proc = cfg.setdefault("process", {})
proc["terminal"] = False
proc["args"] = ["sh", "-c",
                "echo hello from berth: $(hostname) pid $$; cat /proc/self/status | grep -E '^(Uid|CapEff)'"]
cfg.setdefault("root", {})["path"] = "rootfs"
cfg.setdefault("linux", {})["cgroupsPath"] = cgroup
with open(path, "w") as f:
    json.dump(cfg, f, indent=2)
    f.write("\n")
PY
/usr/bin/python3 "$repo/scripts/validate-config.py" --absolute-cgroups-path "$bundle/config.json"

trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$state_root"
echo "demo: $berth --root $state_root run --bundle $bundle $id"
set +e
out=$("$berth" --root "$state_root" run --bundle "$bundle" "$id" </dev/null 2>&1)
rc=$?
set -e
[[ -z $out ]] || printf '%s\n' "$out"

((rc == 0)) || die "berth run exited with status $rc"
grep -q "^hello from berth: " <<<"$out" || die "the container did not print its greeting"
echo "demo: ok"
