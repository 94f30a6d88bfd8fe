#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, fuzzes each libFuzzer
# target briefly, starts a nats-server for the lattice tests, and runs every
# test with CTest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASMHIVE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
# A short fuzzing run of each libFuzzer target (clang-14 build in build-fuzz/);
# WASMHIVE_SKIP_FUZZ=1 skips it. It runs first so CTest's summary closes the output.
if [ "${WASMHIVE_SKIP_FUZZ:-0}" != 1 ]; then
  "$root/scripts/fuzz.sh" "${WASMHIVE_FUZZ_SECONDS:-10}"
fi
# The lattice tests share one nats-server, on a port it picks on loopback
# (tests that restart the server start their own); stopped when this ends.
# shellcheck source=lib/nats.sh
. "$root/scripts/lib/nats.sh"
trap stop_nats_server EXIT
start_nats_server
export WASMHIVE_TEST_NATS_URL="$NATS_URL"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
