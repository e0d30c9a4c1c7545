#!/usr/bin/env bash
# berth's OCI runtime-spec conformance suite; it drives any runtime through
# runc's command line (--root, create --bundle, start, state, kill, delete).
#
# Usage (as root):
#   RUNTIME=/path/to/runtime conformance/run.sh [--only GROUP,...]
#       TAP for that runtime on stdout, then a summary per group; exits
#       non-zero if a check that applies failed (SHOULD-level failures and
#       skips do not count).
#   conformance/run.sh --compare berth=build/berth runc=/usr/sbin/runc [crun=/usr/bin/crun] [--only ...]
#       runs the suite with each runtime and prints one side-by-side table
#       (TAP of each runtime in $CONFORMANCE_OUT/NAME.tap).
#   conformance/run.sh --vm [--compare] ...
#       the same inside the pure cgroup v2 test VM (tests/vm/run-in-vm.sh);
#       results in $CONFORMANCE_OUT/vm/.
#
# Environment: CONFORMANCE_OUT (default build-conformance/ in the repository:
# the checker, TAP logs and tables), OCI_SPEC_DIR (the runtime-spec text the
# citations are verified against; default ../shared/runtime-spec beside the
# repository). The in-container checker is built from conformance/checker/
# with g++ -static by conformance/checker/build.sh.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$(realpath -m "${CONFORMANCE_OUT:-$repo/build-conformance}")   # the driver runs from conformance/
spec=${OCI_SPEC_DIR:-$repo/../shared/runtime-spec}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }

compare=0
vm=0
runtimes=()
extra=()
while (($#)); do
    case $1 in
        --compare) compare=1; shift ;;
        --vm) vm=1; shift ;;
        --only) extra+=(--only "${2:?--only needs groups}"); shift 2 ;;
        -h | --help) usage ;;
        *=*) runtimes+=("$1"); shift ;;
        *) usage ;;
    esac
done
if ((${#runtimes[@]} == 0)); then
    [[ -n ${RUNTIME:-} ]] || usage
    runtimes=("$(basename "$RUNTIME")=$RUNTIME")
fi
# Absolute paths: the VM and the suite may run from another directory.
for i in "${!runtimes[@]}"; do
    name=${runtimes[$i]%%=*} path=${runtimes[$i]#*=}
    [[ $path == */* ]] || path=$(command -v "$path" || echo "$path")
    runtimes[$i]="$name=$(realpath -m "$path")"
done
args=()
for r in "${runtimes[@]}"; do args+=(--runtime "$r"); done
((compare)) && args+=(--compare)

if ! "$here/checker/build.sh" "$out/oci-checker"; then
    echo "conformance: building the static checker failed (g++ -static needs libstdc++ and glibc static libraries)" >&2
    echo "conformance: 0 passed, 1 failed"
    exit 1
fi

if ((vm)); then
    # Re-run this script in the VM: the repository and /usr are shared, the
    # results directory comes back read-write.
    mkdir -p "$out/vm"
    cp -p "$out/oci-checker" "$out/vm/oci-checker"   # no compiling under emulation
    rm -rf "$out/vm/rootfs-template"
    "$repo/scripts/make-busybox-rootfs.sh" "$out/vm/rootfs-template" || exit 1
    shares=(--share-rw "$out/vm")
    [[ -d $spec ]] && shares+=(--share "$(realpath "$spec")")
    for r in "${runtimes[@]}"; do
        d=$(dirname "${r#*=}")
        [[ $d == "$repo"* || $d == /usr/* ]] || shares+=(--share "$d")
    done
    vm_args=()
    ((compare)) && vm_args+=(--compare)
    "$repo/tests/vm/run-in-vm.sh" --timeout "${CONFORMANCE_VM_TIMEOUT:-1500}" "${shares[@]}" \
        --env CONFORMANCE_OUT="$out/vm" --env CONFORMANCE_TEMPLATE="$out/vm/rootfs-template" --env OCI_SPEC_DIR="$(realpath -m "$spec")" -- \
        bash "$here/run.sh" "${vm_args[@]}" "${runtimes[@]}" "${extra[@]}"
    status=$?
    rm -rf "$out/vm/rootfs-template"
    exit "$status"
fi

cd "$here" && exec env PYTHONPATH="$here" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m suite \
    --checker "$out/oci-checker" --repo "$repo" --out "$out" --spec "$spec" "${args[@]}" "${extra[@]}"
