#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan + coverage) in
# build-fuzz/ and runs each for SECONDS (default 60), seeded with the test
# components. Exits non-zero on the first finding (its input is saved in
# build-fuzz/findings/).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
build="$root/build-fuzz"
"$root/scripts/setup.sh" >/dev/null
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWASMHIVE_FUZZ=ON -DWASMHIVE_SANITIZE=ON -DWASMHIVE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target module_fuzzer host_call_fuzzer guests
mkdir -p "$build/corpus/module" "$build/corpus/host_call" "$build/findings"
cp "$build"/guests/*.wasm "$build/corpus/module/"
for target in module_fuzzer host_call_fuzzer; do
  corpus="$build/corpus/${target%_fuzzer}"
  # V8 keeps process-wide caches (compiled modules, import wrappers) across
  # inputs, and the harness keeps its engine to the end (V8 cannot start twice
  # in a process): leak checks would report both. Memory errors are still
  # caught; leaks are checked by the ASan test suite.
  leaks=1
  [ "$target" = module_fuzzer ] && leaks=0
  echo "fuzz: $target for ${seconds}s"
  ASAN_OPTIONS="detect_leaks=$leaks" "$build/fuzz/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -detect_leaks=$leaks -artifact_prefix="$build/findings/$target-" -print_final_stats=1 2>&1 | tail -n 8
done
echo "fuzz: no findings"
