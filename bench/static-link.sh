#!/usr/bin/env bash
# Usage: bench/static-link.sh [BUILD_DIR]     (default: build-bench)
# An experiment, not the project's build: relinks the berth objects of
# BUILD_DIR (built by bench/run.sh or cmake) without C++ shared libraries,
# to measure what dynamic linking costs per berth invocation:
#   BUILD_DIR/berth-static      libstdc++, libgcc, libseccomp, libcap, libxxhash,
#                               spdlog and fmt linked in; only libc.so is shared
#   BUILD_DIR/berth-fullstatic  the same with -static (no ld.so at all)
# Then: BERTH=BUILD_DIR/berth-static bench/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$(dirname "$here")/build-bench}
lib=/usr/lib/x86_64-linux-gnu
[[ -f $build/libberth_cli.a ]] || { echo "static-link: build berth in $build first (bench/run.sh does)" >&2; exit 1; }
for a in libseccomp.a libcap.a libxxhash.a; do
    [[ -f $lib/$a ]] || { echo "static-link: $lib/$a missing" >&2; exit 1; }
done

obj=$build/bench-static
mkdir -p "$obj"
g++ -O2 -std=c++20 -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL -c "$here/static/spdlog_fmt.cpp" -o "$obj/spdlog_fmt.o"
objs=("$build/CMakeFiles/berth.dir/runtime/main.cpp.o"
      "$build"/libberth_{cli,container,cgroups,hooks,kernel,spec}.a
      "$obj/spdlog_fmt.o" "$lib/libseccomp.a" "$lib/libcap.a" "$lib/libxxhash.a")
g++ -O2 -o "$build/berth-static" "${objs[@]}" -static-libstdc++ -static-libgcc
g++ -O2 -static -o "$build/berth-fullstatic" "${objs[@]}"
for b in berth berth-static berth-fullstatic; do
    printf '%-17s %s\n' "$b" "$(ldd "$build/$b" 2>&1 | grep -c '=>' || true) shared libraries"
done
