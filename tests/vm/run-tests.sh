#!/usr/bin/env bash
# Usage: tests/vm/run-tests.sh [CTEST_REGEX]
# The cgroup v2 tests in a throw-away VM (see run-in-vm.sh), called by
# scripts/test.sh. Uses the build in $BERTH_BUILD_DIR (default <repo>/build),
# which must be built already. In the VM it runs
#   1. tests/vm/guest-checks.sh: pure cgroup v2, every controller enabled,
#      pivot_root works, a reference runtime (crun) runs a container, and
#      berth runs one with memory/pids/cpu limits;
#   2. ctest on the tests matching CTEST_REGEX (default $BERTH_VM_TESTS, else
#      every integration test and every test with "cgroup" in its name),
#      except those matching $BERTH_VM_EXCLUDE (default: the CVE race
#      reproducers of security_test, ~5 minutes under TCG; empty: none).
# Prints "vm: N passed, N failed" last and exits non-zero if anything failed
# or the VM did not report back. The whole run is limited to
# $BERTH_VM_TIMEOUT seconds (default 900).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vmdir=${BERTH_VM_DIR:-$repo/build-vm}
build=$(realpath -m "${BERTH_BUILD_DIR:-$repo/build}")
# Default: the cgroup tests (what the host cannot test). BERTH_VM_TESTS='^integration/|cgroup'
# runs the whole integration suite in the VM (about 5 minutes more under TCG).
regex=${1:-${BERTH_VM_TESTS:-'cgroup'}}
# The CVE race reproducers loop thousands of times: ~5 minutes under TCG, and
# they test path resolution, not cgroups (the host's ctest runs them).
exclude=${BERTH_VM_EXCLUDE-'^integration/security_test:CVE-'}
timeout=${BERTH_VM_TIMEOUT:-900}
exec </dev/null

summary() { echo "vm: $1 passed, $2 failed"; exit $(($2 > 0)); }

if ! "$here/prepare.sh"; then
    echo "vm: tests/vm/prepare.sh failed"
    summary 0 1
fi
if [[ ! -f $build/CTestTestfile.cmake ]]; then
    echo "vm: no CMake build with tests in $build (build it first, or set BERTH_BUILD_DIR)"
    summary 0 1
fi

# The guest sees the repository (always), the build dir and the runtime-spec
# (BERTH_SPEC_DIR is <repo>/../shared/runtime-spec) at their host paths; the
# results dir comes back read-write.
shares=(--share "$build")
spec=$(realpath -m "$repo/../shared/runtime-spec")
[[ -d $spec ]] && shares+=(--share "$spec")
mkdir -p "$vmdir"
results=$(mktemp -d "$vmdir/results.XXXXXX")
trap 'rm -rf "$results"' EXIT
# This run's log is private (several sessions may run the VM at once, and a
# shared log written by two tees ends up garbled); last-tests.log/.xml are
# copies of the latest run.
log=$results/console.log

# Inside: the checks, then ctest; each part's status goes to the results dir
# so one failing part does not hide the other.
guest_script=$(cat <<EOF
bash $(printf %q "$here/guest-checks.sh") $(printf %q "$build/berth"); echo \$? >$(printf %q "$results/checks.status")
ctest --test-dir $(printf %q "$build") -R $(printf %q "$regex") ${exclude:+-E $(printf %q "$exclude")} \\
    -j 2 --timeout 300 --output-on-failure --repeat until-pass:2 \\
    --output-junit $(printf %q "$results/ctest.xml")
echo \$? >$(printf %q "$results/ctest.status")
EOF
)
echo "vm: booting the cgroup v2 VM (tests: $regex${exclude:+, except $exclude}, build: $build)"
"$here/run-in-vm.sh" --timeout "$timeout" "${shares[@]}" --share-rw "$results" \
    --env BERTH_BUILD_DIR="$build" --cwd "$build" -- bash -c "$guest_script" 2>&1 | tee "$log"
vm_status=${PIPESTATUS[0]}
cp "$log" "$vmdir/last-tests.log.$$" && mv -f "$vmdir/last-tests.log.$$" "$vmdir/last-tests.log"
[[ -f $results/ctest.xml ]] && cp "$results/ctest.xml" "$vmdir/last-tests.xml.$$" &&
    mv -f "$vmdir/last-tests.xml.$$" "$vmdir/last-tests.xml"

passed=0 failed=0
# -a: test output may hold binary bytes; the counts must not turn into "binary file matches".
checks_ok=$(grep -a -c '^vm-check: ok ' "$log")
checks_failed=$(grep -a -c '^vm-check: FAIL ' "$log")
passed=$((passed + checks_ok))
failed=$((failed + checks_failed))
if [[ ! -f $results/checks.status ]]; then
    echo "vm: the VM checks did not run"
    failed=$((failed + 1))
elif [[ $(cat "$results/checks.status") != 0 && $checks_failed == 0 ]]; then
    failed=$((failed + 1))
fi

# "100% tests passed, 0 tests failed out of 12" (or "No tests were found")
line=$(grep -a -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
ctest_status=$(cat "$results/ctest.status" 2>/dev/null || echo missing)
if [[ -n $line ]]; then
    read -r ct_failed ct_total < <(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1 \2/' <<<"$line")
    passed=$((passed + ct_total - ct_failed))
    failed=$((failed + ct_failed))
    ((ct_failed > 0)) || [[ $ctest_status == 0 ]] || failed=$((failed + 1))
elif grep -a -q 'No tests were found' "$log"; then
    echo "vm: no test matches '$regex' in $build"
elif [[ $ctest_status != 0 ]]; then
    echo "vm: ctest did not finish (status $ctest_status, VM status $vm_status)"
    failed=$((failed + 1))
fi
summary "$passed" "$failed"
