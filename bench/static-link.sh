#!/usr/bin/env bash
# Usage: bench/static-link.sh [BUILD_DIR]     (default: build-bench)
# An experiment on top of the project's build, which links berth as one
# static-pie binary (BERTH_STATIC_LIBS=ON, the default). From the same objects:
#   BUILD_DIR/berth-fullstatic  -static without PIE (no self-relocation at
#                               start, but no ASLR for berth's code)
#   BUILD_DIR/berth-static      (only from a BERTH_STATIC_LIBS=OFF build)
#                               C++ runtime and libraries linked in, glibc shared
# Then: BERTH_B=BUILD_DIR/berth-fullstatic bench/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${1:-$repo/build-bench}
lib=/usr/lib/x86_64-linux-gnu
[[ -f $build/libberth_cli.a ]] || { echo "static-link: build berth in $build first (bench/run.sh does)" >&2; exit 1; }
for a in libseccomp.a libcap.a libxxhash.a; do
    [[ -f $lib/$a ]] || { echo "static-link: $lib/$a missing" >&2; exit 1; }
done

if [[ -f $build/libberth_spdlog.a ]]; then
    spdlog=$build/libberth_spdlog.a
else
    obj=$build/bench-static
    mkdir -p "$obj"
    g++ -O2 -std=c++20 -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL -c "$repo/runtime/static_libs/spdlog_fmt.cpp" \
        -o "$obj/spdlog_fmt.o"
    spdlog=$obj/spdlog_fmt.o
fi
objs=("$build/CMakeFiles/berth.dir/runtime/main.cpp.o"
      "$build"/libberth_{cli,container,cgroups,hooks,kernel,spec}.a
      "$spdlog" "$lib/libseccomp.a" "$lib/libcap.a" "$lib/libxxhash.a")
out=(berth berth-fullstatic)
g++ -O2 -static -Wl,--gc-sections -o "$build/berth-fullstatic" "${objs[@]}"
if [[ ! -f $build/libberth_spdlog.a ]]; then
    g++ -O2 -o "$build/berth-static" "${objs[@]}" -static-libstdc++ -static-libgcc
    out+=(berth-static)
fi
for b in "${out[@]}"; do
    printf '%-17s %s\n' "$b" "$(ldd "$build/$b" 2>&1 | grep -c '=>' || true) shared libraries"
done
