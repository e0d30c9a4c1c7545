#!/usr/bin/env bash
# Usage: conformance/checker/build.sh OUT
# Builds the static in-container checker from conformance/checker/*.cpp with
# g++ -static (glibc and libstdc++ linked in, so it runs in any root
# filesystem). Rebuilds only when a source is newer than OUT.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: build.sh OUT}

newest=$(ls -t "$here"/*.cpp "$here"/*.hpp "$here/build.sh" | head -n 1)
if [[ -x $out && $out -nt $newest ]]; then
    exit 0
fi
mkdir -p "$(dirname "$out")"
# -Wno-... none: the checker builds warning-free with the project's flags.
g++ -std=c++20 -O2 -static -Wall -Wextra -Werror -o "$out.tmp" "$here"/*.cpp
mv -f "$out.tmp" "$out"
