#!/usr/bin/env bash
# Configures and builds wasmhive into build/ (or $WASMHIVE_BUILD_DIR).
# Extra arguments go to CMake, e.g. -DWASMHIVE_SANITIZE=ON.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASMHIVE_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja "$@" >/dev/null
cmake --build "$build"
