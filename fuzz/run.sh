#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each one.
#
#   fuzz/run.sh [short|SECONDS] [TARGET...]     (default: short = 60 s each)
#
# Targets: fuzz_config (parse_config + validate_config + round trip, also the
# process/resources readers) and fuzz_state (parse_state, the state store's
# read_record). Seeds come from the runtime-spec's schema tests and examples
# (fuzz/seeds.py); what a run finds is kept in build-fuzz/corpus/<target>/ for
# the next run. A crash is saved as build-fuzz/crashes/<target>/crash-*: make
# it a unit test (tests/unit/fuzz_regressions_test.cpp) and fix it.
# Last line: "N passed, N failed" (one per target).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BERTH_FUZZ_BUILD_DIR:-$repo/build-fuzz}
spec=${BERTH_SPEC_DIR:-$repo/../shared/runtime-spec}
seconds=${1:-short}
[[ $seconds == short ]] && seconds=60
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_config fuzz_state)

if ! [[ $seconds =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh [short|SECONDS] [TARGET...]" >&2
    exit 2
fi

mkdir -p "$build"
echo "fuzz: building $build/ with clang"
# Several runs may share build-fuzz/ (one per target): one builds at a time.
exec 9>"$build/.build-lock"
flock 9
if ! { CC=clang CXX=clang++ cmake -S "$repo/fuzz" -B "$build" -G Ninja >"$build/configure.log" 2>&1 &&
       nice -n 10 cmake --build "$build" -j "${BERTH_JOBS:-2}" >"$build/build.log" 2>&1; }; then
    cat "$build/configure.log" "$build/build.log"
    echo "fuzz: build failed"
    echo "0 passed, ${#targets[@]} failed"
    exit 1
fi
python3 "$repo/fuzz/seeds.py" "$spec" "$build" || exit 1
flock -u 9
exec 9>&-

passed=0
failed=0
for t in "${targets[@]}"; do
    kind=${t#fuzz_}
    corpus=$build/corpus/$kind
    crashes=$build/crashes/$kind
    mkdir -p "$corpus" "$crashes"
    log=$build/$t.log
    echo "fuzz: $t for ${seconds}s"
    # -timeout: one input taking 10 s is a hang; -max_len: configs are small,
    # but long strings and deep nesting need room.
    nice -n 10 "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -dict="$build/json.dict" -artifact_prefix="$crashes/" -print_final_stats=1 \
        "$corpus" "$build/seeds/$kind" >"$log" 2>&1
    status=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
    if ((status == 0)); then
        passed=$((passed + 1))
        echo "fuzz: $t: ok, ${execs:-?} executions, $cov, corpus $(ls "$corpus" | wc -l) inputs"
    else
        failed=$((failed + 1))
        echo "fuzz: $t: FAILED (exit $status), ${execs:-?} executions; the end of $log:"
        tail -n 40 "$log"
        ls -1 "$crashes"
    fi
done
echo "$passed passed, $failed failed"
((failed == 0))
