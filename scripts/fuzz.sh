#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan + coverage) in
# build-fuzz/ and runs each for SECONDS (default 60), seeded with the test
# components (module, host_call), the demo app plus a few manifests written
# here (manifest), a few metadata texts written here (metadata), a few
# memory snapshots written here (snapshot), lattice frames and an outbox, and
# the test components plus modules from binaryen's translate-to-fuzz
# (fuel_meter), and the test components (signature).
# Exits non-zero on the first finding (its input is saved in
# build-fuzz/findings/).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
build="$root/build-fuzz"
"$root/scripts/setup.sh" >/dev/null
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWASMHIVE_FUZZ=ON -DWASMHIVE_SANITIZE=ON -DWASMHIVE_BUILD_BENCH=OFF >/dev/null
targets="module_fuzzer host_call_fuzzer manifest_fuzzer metadata_fuzzer snapshot_fuzzer lattice_frame_fuzzer
  outbox_fuzzer fuel_meter_fuzzer signature_fuzzer metrics_fuzzer"
# shellcheck disable=SC2086
cmake --build "$build" --target $targets guests
mkdir -p "$build/corpus/module" "$build/corpus/host_call" "$build/corpus/manifest" \
  "$build/corpus/metadata" "$build/corpus/snapshot" "$build/findings"
cp "$build"/guests/*.wasm "$build/corpus/module/"

# Manifest seeds: the demo app and one of each kind of section and key.
manifests="$build/corpus/manifest"
cp "$root/examples/shop/app.toml" "$manifests/shop.toml"
cat >"$manifests/every_key.toml" <<'TOML'
[host]
workers = 2
max_payload = "64KiB"
max_queued_bytes = "32MiB"
[supervisor]
strategy = "rest_for_one"
max_restarts = 3
period_ms = 5000
backoff_initial_ms = 10
backoff_max_ms = 1000
[[group]]
name = "shop"
parent = "root"
strategy = "one_for_all"
[[component]]
name = "shop/cart"
wasm = "cart.wasm"
group = "shop"
memory_max = "4MiB"
call_timeout_ms = 100
mailbox = 1024
mailbox_bytes = "2MiB"
restart = "transient"
worker = 1
max_payload = 4096
max_outstanding_requests = 1000
max_subscriptions = 10
[component.capabilities]
send = ["shop/[a-c]*", "@host"]
publish = ["orders.*"]
subscribe = ["orders.>"]
clock = true
log = "info"
TOML
printf '[[component]]\nname = "a/b"\nwasm = "/dev/null"\nworker = 200\n' >"$manifests/worker.toml"
printf 'host = 5\n[[group]]\nname = ""\n' >"$manifests/types.toml"
printf '[host]\nmax_payload = "17179869185GiB"\n' >"$manifests/overflow.toml"
cat >"$build/manifest.dict" <<'DICT'
"[host]"
"[supervisor]"
"[[group]]"
"[[component]]"
"[component.capabilities]"
"name"
"wasm"
"group"
"parent"
"workers"
"worker"
"max_payload"
"max_queued_bytes"
"mailbox_bytes"
"memory_max"
"send"
"KiB"
"MiB"
"GiB"
DICT

# Metadata seeds (docs/abi.md §9): every key, CRLF lines and an unknown key.
metadata="$build/corpus/metadata"
printf 'name=shop/cart\nversion=1.2.0\ndescription=Keeps the cart \xe2\x80\x94 d\xc3\xa9j\xc3\xa0 vu\nauthors=Ada Lovelace, Charles Babbage\nlicense=Apache-2.0\n' \
  >"$metadata/every_key.txt"
printf 'name=a/b\r\nversion=0.1\r\nhomepage=https://example.org/?a=b\r\n' >"$metadata/crlf_unknown.txt"
printf 'name=x\n\nversion=1\nversion=2' >"$metadata/twice.txt"
printf '"name="\n"version="\n"description="\n"authors="\n"license="\n"\\x0d\\x0a"\n"\\xc2\\x9b"\n' \
  >"$build/metadata.dict"

# Snapshot seeds (src/hibernation/snapshot.h): records written little-endian
# here (pages, globals, blocks, data), made blobs with the zstd tool, which
# records the content size decompress requires. Without the tool, the target
# starts from a bare header.
snapshots="$build/corpus/snapshot"
records="$(mktemp -d)"
printf '\0\0\0\0\0\0\0\0\0\0\0\0' >"$records/empty"
{
  printf '\2\0\0\0\2\0\0\0\0\4\1\0\0\0\0\0\7\0\0\0\0\0\0\0'
  printf '\2\0\0\0\1\0\0\0\21\0\0\0'
  head -c 4096 /dev/zero | tr '\0' '\1'
  for _ in $(seq 256); do printf 'item sku-1234 x2'; done
} >"$records/two_blocks"
printf '\100\0\0\0\0\0\0\0\0\0\0\0' >"$records/pages_only"
if command -v zstd >/dev/null; then
  for record in "$records"/*; do
    { printf 'WHIM\1'; zstd -q -c "$record"; } >"$snapshots/${record##*/}"
  done
else
  printf 'WHIM\1' >"$snapshots/header"
fi
rm -rf "$records"
printf '"WHIM\\x01"\n"\\x28\\xb5\\x2f\\xfd"\n"\\x00\\x10\\x00\\x00"\n' >"$build/snapshot.dict"

# Lattice seeds (src/lattice/frame.h): frames, a batch and a heartbeat,
# written byte by byte here. Wire version 2: each frame carries a trace
# (trace, message and cause ids, 8 bytes each) after its timeout.
frames="$build/corpus/lattice_frame"
mkdir -p "$frames"
trace='\1\0\0\0\0\0\0\0\2\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0'
printf '\2\1\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'"$trace"'\1\0a\5\0app/x\5\0app/yhello' \
  >"$frames/send"
# The same frame in a batch of one: its 4-byte length first.
{ printf "\\$(printf %o "$(wc -c <"$frames/send")")\\0\\0\\0"; cat "$frames/send"; } >"$frames/batch"
printf '\2\2\0\2\0\0\0\0\0\0\0\7\0\0\0\0\0\0\0\350\3\0\0'"$trace"'\1\0a\5\0app/x\5\0app/y?' \
  >"$frames/request"
printf '\2H\1\0b\11\0\0\0\0\0\0\0\1\1\0\0\0\5\0app/x\1\0\0\0\5\0user/\0\0\0\0\0\0\0\0\1\0\0\0\1\0a\0\0\0\0\0\0\0\0\3\0\0\0\0\0\0\0' \
  >"$frames/heartbeat"

# Outbox seeds (docs/abi.md §2): the announcement (address 0, capacity 64),
# then the memory: used, a send record and a reply record.
outboxes="$build/corpus/outbox"
mkdir -p "$outboxes"
{
  printf '\0\0\0\0\100\0\0\0'
  printf '\42\0\0\0'
  printf '\0\0\0\0\5\0\0\0\2\0\0\0app/xhi'
  printf '\1\0\0\0\0\0\0\0\3\0\0\0yes'
  head -c 30 /dev/zero
} >"$outboxes/send_and_reply"

# Fuel metering seeds: the test components, and modules wasm-opt makes from
# random bytes (-ttf) with the features V8 10.2 runs and no imports (the
# target stubs only integer imports). Its own hang limits end their loops.
fuel="$build/corpus/fuel_meter"
mkdir -p "$fuel"
cp "$build"/guests/*.wasm "$fuel/"
if command -v wasm-opt >/dev/null; then
  for i in $(seq 40); do
    head -c $((i * 500)) /dev/urandom >"$fuel/random.bin"
    wasm-opt -ttf "$fuel/random.bin" --mvp-features --enable-bulk-memory --enable-sign-ext \
      --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
      --remove-imports -o "$fuel/ttf_$i.wasm" 2>/dev/null || true
  done
  rm -f "$fuel/random.bin"
fi

# Metrics seeds: addresses of each form, and names with what must be escaped.
metrics="$build/corpus/metrics"
mkdir -p "$metrics"
printf '127.0.0.1:9464' >"$metrics/v4"
printf '[::1]:0' >"$metrics/v6"
printf 'localhost:65535' >"$metrics/name"
printf 'app/"b"\\\n\x01\xff</script>' >"$metrics/hostile_name"

# Signature seeds: the test components (the target signs each input itself).
signatures="$build/corpus/signature"
mkdir -p "$signatures"
cp "$build"/guests/*.wasm "$signatures/"

for target in $targets; do
  corpus="$build/corpus/${target%_fuzzer}"
  # V8 keeps process-wide caches (compiled modules, import wrappers) across
  # inputs, and the harness keeps its engine to the end (V8 cannot start twice
  # in a process): leak checks would report both. Memory errors are still
  # caught; leaks are checked by the ASan test suite.
  leaks=1
  [ "$target" = module_fuzzer ] && leaks=0
  [ "$target" = fuel_meter_fuzzer ] && leaks=0
  extra=()
  [ "$target" = manifest_fuzzer ] && extra=(-dict="$build/manifest.dict")
  [ "$target" = metadata_fuzzer ] && extra=(-dict="$build/metadata.dict")
  [ "$target" = snapshot_fuzzer ] && extra=(-dict="$build/snapshot.dict")
  echo "fuzz: $target for ${seconds}s"
  ASAN_OPTIONS="detect_leaks=$leaks" "$build/fuzz/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -detect_leaks=$leaks -artifact_prefix="$build/findings/$target-" -print_final_stats=1 "${extra[@]}" 2>&1 | tail -n 8
done
echo "fuzz: no findings"
