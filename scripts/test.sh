#!/bin/sh
# Builds dmarcdb and runs every test. On a fresh Debian 12 machine it first
# installs what is missing (scripts/install-deps.sh).
#   scripts/test.sh              release build in build/, all tests
#   scripts/test.sh --sanitize   ASan+UBSan debug build in build-asan/, all tests
set -eu
cd "$(dirname "$0")/.."
"$(pwd)/scripts/install-deps.sh"
build=build
flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
if [ "${1:-}" = "--sanitize" ]; then
  build=build-asan
  flags="-DCMAKE_BUILD_TYPE=Debug -DDMARCDB_SANITIZE=ON"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
fi
cmake -S . -B "$build" -G Ninja $flags
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
