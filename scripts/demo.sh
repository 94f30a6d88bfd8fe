#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the demo.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASMHIVE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
echo
"$build/examples/hello/hello_host" "$build/guests/hello.wasm" "$build/guests/looper.wasm"
