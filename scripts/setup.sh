#!/usr/bin/env bash
# README command 1 (as root on Debian 12): installs the missing Debian
# packages, builds berth in build/, and runs a demo container with it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
jobs=${BERTH_JOBS:-$(nproc)}

./scripts/install-deps.sh
echo "setup: configuring and building berth in build/"
mkdir -p build
cmake -S . -B build -G Ninja >build/configure.log 2>&1 || { cat build/configure.log >&2; exit 1; }
cmake --build build --target berth -j "$jobs"
echo "setup: built $repo/build/berth (install with: cmake --install build  ->  /usr/local/sbin/berth)"
./scripts/demo.sh
