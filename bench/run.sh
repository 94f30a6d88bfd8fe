#!/usr/bin/env bash
# Runs every benchmark with fixed iteration counts and regenerates
# docs/benchmarks.md and docs/benchmarks.png from that one run. A few minutes
# on 2 cores. Benchmarks are not tests: ctest only smoke-runs them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASMHIVE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=RelWithDebInfo
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "bench: engine crossings..."
"$build/bench/engine_bench" --benchmark_repetitions=5 --benchmark_min_time=0.5 \
  --benchmark_format=json > "$out/engine.json"
echo "bench: runtime..."
"$build/bench/runtime_bench" --benchmark_format=json > "$out/runtime.json"
# Database files go to $TMPDIR (or /tmp): keep that on the disk to measure.
echo "bench: storage..."
"$build/bench/storage_bench" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_format=json > "$out/storage.json"
# A fixed workload: 1,000,000 virtual components, 20,000 active, beside Erlang.
echo "bench: virtual components (about a minute)..."
"$build/bench/virtual_bench" --markdown "$out/virtual.md" > /dev/null
# A fixed workload: two hosts of a lattice over a nats-server it starts, beside raw libnats.
echo "bench: the lattice (under a minute)..."
"$build/bench/lattice_bench" --markdown "$out/lattice.md" > /dev/null
# A fixed workload: metered against unmetered (fuel), alternating in one process.
echo "bench: fuel metering..."
"$build/bench/fuel_bench" --markdown "$out/fuel.md" > /dev/null
# A fixed workload: ping-pong with metrics off and on, alternating in one process.
echo "bench: metrics on and off..."
"$build/bench/metrics_bench" --markdown "$out/metrics.md" > /dev/null
python3 "$root/bench/report.py" "$out/engine.json" "$out/runtime.json" --storage "$out/storage.json" \
  --virtual "$out/virtual.md" --lattice "$out/lattice.md" --fuel "$out/fuel.md" \
  --metrics "$out/metrics.md" \
  --markdown "$root/docs/benchmarks.md" --chart-data "$out/ratios.dat"
gnuplot -e "data='$out/ratios.dat'; output='$root/docs/benchmarks.png'" "$root/bench/ratios.gp"
echo "bench: wrote docs/benchmarks.md and docs/benchmarks.png"
