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
nats_server="$(command -v nats-server || echo /usr/sbin/nats-server)"
nats_log="$(mktemp)"
"$nats_server" -a 127.0.0.1 -p -1 >"$nats_log" 2>&1 &
nats_pid=$!
trap 'kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null; rm -f "$nats_log"' EXIT
nats_port=""
for _ in $(seq 200); do
  nats_port="$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$nats_log")"
  [ -n "$nats_port" ] && break
  kill -0 "$nats_pid" 2>/dev/null || { cat "$nats_log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$nats_port" ] || { echo "test: nats-server did not start" >&2; cat "$nats_log" >&2; exit 1; }
export WASMHIVE_TEST_NATS_URL="nats://127.0.0.1:$nats_port"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
