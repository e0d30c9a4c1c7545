#!/usr/bin/env bash
# README command 2 (as root on Debian 12): installs the missing Debian
# packages, builds berth and all tests in build/, then runs, in order:
#   1. the cgroup v2 VM tests (tests/vm/run-tests.sh: qemu TCG, pure cgroup v2)
#   2. every unit and integration test with ctest (real containers, one at a time)
#   3. the runtime-spec conformance suite on this host and in the VM (conformance/)
#   4. berth under containerd, Docker and podman (tests/engines/)
#   5. a short leak soak (tests/soak/), the libFuzzer targets for 60 s each (fuzz/)
#   6. the unit and integration tests again under ASan+UBSan with fault injection
#      (build-asan/; BERTH_ASAN=subset|0)
# Exits non-zero if anything failed; the last line sums up the whole run:
# "total: N passed, N failed". BERTH_SANITIZE=1 builds the main build with
# the sanitizers instead (build-asan/), and skips stage 6.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
exec </dev/null   # nothing here reads a terminal (CI has no stdin)
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"   # runc, crun, ip live there
jobs=${BERTH_JOBS:-$(nproc)}

./scripts/install-deps.sh || exit 1

build=build
cmake_args=(-G Ninja -DBERTH_TESTS=ON)
if [[ ${BERTH_SANITIZE:-0} == 1 ]]; then
    build=build-asan
    cmake_args+=(-DBERTH_SANITIZE=ON)
fi
export BERTH_BUILD_DIR=$repo/$build   # tells tests/vm/run-tests.sh which build to use

echo "test: configuring $build/"
mkdir -p "$build"
if ! cmake -S . -B "$build" "${cmake_args[@]}" >"$build/configure.log" 2>&1; then
    cat "$build/configure.log"
    echo "test: cmake configure failed"
    echo "total: 0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0

# Keep going past a broken target: every test that builds still runs, and one
# that does not shows up in ctest as a failed *_NOT_BUILT test.
echo "test: building $build/"
if ! cmake --build "$build" -j "$jobs" -- -k 0; then
    echo "test: the build failed (errors above); running the tests that built"
    failed=$((failed + 1))
fi

# Adds the counts of a part's "N passed, N failed" line, or counts the part
# as one test by its exit status when it printed no such line.
add_counts() {  # add_counts LOG STATUS
    local line p f
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [[ -n $line ]]; then
        p=$(grep -oE '[0-9]+ passed' <<<"$line" | tail -n 1 | cut -d' ' -f1)
        f=$(grep -oE '[0-9]+ failed' <<<"$line" | tail -n 1 | cut -d' ' -f1)
        passed=$((passed + p))
        failed=$((failed + f))
        ((f > 0 || $2 == 0)) || failed=$((failed + 1))
    elif (($2 == 0)); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}

# Adds a ctest run's "N% tests passed, N tests failed out of N" counts.
add_ctest_counts() {  # add_ctest_counts LOG STATUS
    local summary ct_failed ct_total
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$1" | tail -n 1)
    if [[ -n $summary ]]; then
        read -r ct_failed ct_total < <(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1 \2/' <<<"$summary")
        passed=$((passed + ct_total - ct_failed))
        failed=$((failed + ct_failed))
        ((ct_failed > 0 || $2 == 0)) || failed=$((failed + 1))
    elif (($2 != 0)); then
        failed=$((failed + 1))
    fi
}

if [[ -f tests/vm/run-tests.sh ]]; then
    echo "test: cgroup v2 VM tests (tests/vm/run-tests.sh)"
    bash tests/vm/run-tests.sh 2>&1 | tee "$build/vm-tests.log"
    add_counts "$build/vm-tests.log" "${PIPESTATUS[0]}"
fi

echo "test: unit and integration tests (ctest)"
# --repeat until-pass:2: a test that fails once and then passes is counted as
# passed; ctest prints both runs, so a flaky test stays visible in the log.
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 300 --repeat until-pass:2 2>&1 | tee "$build/ctest.log"
ctest_status=${PIPESTATUS[0]}
add_ctest_counts "$build/ctest.log" "$ctest_status"

# The runtime-spec conformance suite (conformance/README.md): every MUST check
# that applies to this host must pass; SHOULD misses are reported, not failed.
echo "test: OCI runtime-spec conformance (conformance/run.sh)"
RUNTIME="$repo/$build/berth" CONFORMANCE_OUT="$repo/$build/conformance" conformance/run.sh 2>&1 | tee "$build/conformance.log"
add_counts "$build/conformance.log" "${PIPESTATUS[0]}"
# The same suite for berth in the pure cgroup v2 VM (tests/vm/): about 4 minutes
# under TCG on the 2-core host with a load of 19 (the suite itself 194 s of it).
if [[ -f tests/vm/run-in-vm.sh ]]; then
    echo "test: OCI runtime-spec conformance in the cgroup v2 VM (conformance/run.sh --vm)"
    RUNTIME="$repo/$build/berth" CONFORMANCE_OUT="$repo/$build/conformance" conformance/run.sh --vm 2>&1 | tee "$build/conformance-vm.log"
    add_counts "$build/conformance-vm.log" "${PIPESTATUS[0]}"
fi

# berth under the real engines: containerd (ctr), Docker (+ docker-compose) and
# podman on private daemons (tests/engines/README.md); about a minute. An
# engine that cannot start prints its checks as "# SKIP reason".
echo "test: berth under containerd, Docker and podman (tests/engines/run.sh)"
bash tests/engines/run.sh --berth "$repo/$build/berth" 2>&1 | tee "$build/engines.log"
add_counts "$build/engines.log" "${PIPESTATUS[0]}"

# A short leak soak (tests/soak/soak.sh, its header says more): 100 create/start/exec/kill/delete
# cycles and runs with hooks, seccomp and limits, 4 in parallel, then the
# machine compared with before (mounts, cgroups, state, processes, fds, slab).
echo "test: leak soak, short (tests/soak/soak.sh --short)"
BERTH="$repo/$build/berth" tests/soak/soak.sh --short 2>&1 | tee "$build/soak.log"
add_counts "$build/soak.log" "${PIPESTATUS[0]}"

# Fuzzing (fuzz/README.md): both libFuzzer targets (config parser and
# validator, state file reader) 60 s each, built with clang in build-fuzz/.
echo "test: fuzzing (fuzz/run.sh short)"
fuzz/run.sh short 2>&1 | tee "$build/fuzz.log"
add_counts "$build/fuzz.log" "${PIPESTATUS[0]}"

# ASan+UBSan: berth and every unit and integration test again, with sanitizers
# and the test-only fault injection (tests/integration/fault_injection_test.cpp),
# in build-asan/ at -O1 without debug info (the build is most of this stage's
# time). BERTH_ASAN=subset runs the tests of the failure and cleanup paths only,
# BERTH_ASAN=0 skips the stage.
if [[ ${BERTH_SANITIZE:-0} != 1 && ${BERTH_ASAN:-all} != 0 ]]; then
    asan_start=$SECONDS
    echo "test: ASan+UBSan build (build-asan/)"
    mkdir -p build-asan
    if ! cmake -S . -B build-asan -G Ninja -DBERTH_TESTS=ON -DBERTH_SANITIZE=ON -DBERTH_FAULT_INJECTION=ON \
            -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1 >build-asan/configure.log 2>&1; then
        cat build-asan/configure.log
        failed=$((failed + 1))
    else
        asan_integration='lifecycle_failures|lifecycle_commands|hooks|exec|seccomp|fault_injection|bad_input|concurrency'
        asan_targets=(all)
        asan_tests=()
        if [[ ${BERTH_ASAN:-all} == subset ]]; then
            asan_targets=(berth $(ls tests/unit/*_test.cpp | sed -E 's|tests/unit/(.*)\.cpp|unit_\1|')
                          $(ls tests/integration/*_test.cpp | sed -E 's|tests/integration/(.*)\.cpp|integration_\1|' |
                            grep -E "^integration_($asan_integration)_test$"))
            asan_tests=(-R "^(unit/|integration/($asan_integration)_test: )")
        fi
        if ! cmake --build build-asan -j "$jobs" --target "${asan_targets[@]}" -- -k 0 >build-asan/build.log 2>&1; then
            grep -B2 -A20 'FAILED:' build-asan/build.log | head -n 60
            echo "test: the ASan build failed; running the tests that built"
            failed=$((failed + 1))
        fi
        # A sanitizer report fails its test at once; leaks are checked too.
        ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            ctest --test-dir build-asan "${asan_tests[@]}" --output-on-failure -j "$jobs" --timeout 600 \
            --repeat until-pass:2 2>&1 | tee build-asan/ctest.log
        add_ctest_counts build-asan/ctest.log "${PIPESTATUS[0]}"
    fi
    echo "test: the ASan+UBSan stage took $((SECONDS - asan_start)) s"
fi

# Not failures (other sessions may be testing on this machine), but worth a look.
leftovers=$(ls -d /run/berth-test-* /sys/fs/cgroup/*/berth-test* 2>/dev/null; grep -E 'berth-(test|bundle)' /proc/self/mountinfo)
[[ -z $leftovers ]] || printf 'test: warning: left behind after the tests:\n%s\n' "$leftovers"

echo "total: $passed passed, $failed failed"
((failed == 0))
