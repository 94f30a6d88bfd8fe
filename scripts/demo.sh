#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the demo app: an order
# pipeline of four wasm components (examples/shop) fed five orders.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASMHIVE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
echo
# A fresh data directory each time, so the stock starts full and the output
# does not drift from run to run.
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$build/wasmhive" run "$build/examples/shop/app.toml" --until-idle --data-dir "$data" \
  --send "shop/gateway=o-1 apple 2" \
  --send "shop/gateway=o-2 pear 0" \
  --send "shop/gateway=o-3 durian 1" \
  --send "shop/gateway=o-4 glitch 1" \
  --send "shop/gateway=o-5 apple 3"
