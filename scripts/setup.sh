#!/usr/bin/env bash
# Installs everything wasmhive needs to build, test and benchmark on Debian bookworm.
# Idempotent: skips what is present. Run as root (or with sudo available).
#
# V8 comes from Debian's libnode108/libnode-dev. Those conflict with the nodejs
# package some machines carry from another source, so they are not installed
# system-wide: the .debs are downloaded and unpacked into .deps/libnode, which the
# build uses (see docs/architecture.md, "Engine").
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps_dir="${WASMHIVE_DEPS_DIR:-$root/.deps}"

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  clang-14 lld-14 lld libclang-rt-14-dev-wasm32 wabt
  libgtest-dev libgmock-dev libbenchmark-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libsqlite3-dev
  # Virtual components: hibernated memory is compressed with zstd; binaryen
  # rewrites a template's module so its mutable globals can be saved.
  libzstd-dev binaryen
  # The lattice: hosts joined over NATS (the server runs in tests and demos).
  libnats-dev nats-server
  # Signed components: Ed25519 and SHA-256.
  libsodium-dev
  # Metrics and the dashboard: the HTTP server; Chromium draws the dashboard in its test.
  libcivetweb-dev chromium
  # The Rust guest SDK (sdk/rust): Debian's rustc and its wasm32 core library;
  # built with rustc alone, no cargo or crate registry (cmake/RustGuests.cmake).
  rustc libstd-rust-dev-wasm32
  # Benchmarks: CAF and Erlang as baseline actor runtimes, gnuplot for the chart.
  libcaf-dev erlang-base gnuplot-nox
  # Runtime libraries libnode108 links against.
  libbrotli1 libc-ares2 libicu72 libnghttp2-14 libssl3 libuv1 zlib1g
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ] || [ ! -f "$deps_dir/libnode/usr/include/node/v8.h" ]; then
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$deps_dir/libnode/usr/include/node/v8.h" ]; then
  echo "setup: unpacking libnode108 + libnode-dev into $deps_dir/libnode"
  debs="$(mktemp -d)"
  chmod 0777 "$debs"  # apt's download sandbox user must be able to write here
  (cd "$debs" && apt-get download -qq libnode108 libnode-dev)
  mkdir -p "$deps_dir/libnode.tmp"
  for deb in "$debs"/libnode*.deb; do dpkg-deb -x "$deb" "$deps_dir/libnode.tmp"; done
  rm -rf "$debs" "$deps_dir/libnode"
  mv "$deps_dir/libnode.tmp" "$deps_dir/libnode"  # complete or absent, never half-unpacked
fi
echo "setup: all dependencies present"
