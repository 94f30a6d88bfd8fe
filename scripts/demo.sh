#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the demo app: an order
# pipeline of four wasm components (examples/shop) fed five orders.
#   scripts/demo.sh            # on one host
#   scripts/demo.sh --lattice  # split over two hosts joined by a NATS server it starts:
#                              # the stock on one, the rest on the other
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WASMHIVE_BUILD_DIR:-$root/build}"
split=0
case "${1:-}" in
  "") ;;
  --lattice) split=1 ;;
  *) echo "usage: scripts/demo.sh [--lattice]" >&2; exit 2 ;;
esac
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
echo
# A fresh data directory each time, so the stock starts full and the output
# does not drift from run to run.
data="$(mktemp -d)"
stock_pid=""
# shellcheck source=lib/nats.sh
. "$root/scripts/lib/nats.sh"
cleanup() {
  if [ -n "$stock_pid" ]; then
    kill "$stock_pid" 2>/dev/null || true
    wait "$stock_pid" 2>/dev/null || true
  fi
  stop_nats_server
  rm -rf "$data"
}
trap cleanup EXIT
orders=(--send "shop/gateway=o-1 apple 2"
        --send "shop/gateway=o-2 pear 0"
        --send "shop/gateway=o-3 durian 1"
        --send "shop/gateway=o-4 glitch 1"
        --send "shop/gateway=o-5 apple 3")
if [ "$split" = 0 ]; then
  "$build/wasmhive" run "$build/examples/shop/app.toml" --until-idle --data-dir "$data" \
    "${orders[@]}"
  exit
fi

start_nats_server
echo "demo: a NATS server at $NATS_URL; the stock on host 'stock', the rest on host 'front'"
# The stock host first; its lines are marked [stock].
"$build/wasmhive" run "$build/examples/shop/stock.toml" --lattice "$NATS_URL" --data-dir "$data" \
  > >(sed -u 's/^/[stock] /') 2>&1 &
stock_pid=$!
for _ in $(seq 200); do
  "$build/wasmhive" lattice status --lattice "$NATS_URL" --lattice-name shop --wait-ms 100 \
    --owner shop/inventory 2>/dev/null | grep -q "owner of shop/inventory: host stock" && break
  sleep 0.1
done
"$build/wasmhive" run "$build/examples/shop/front.toml" --lattice "$NATS_URL" --until-idle \
  --data-dir "$data" "${orders[@]}" 2>&1 | sed -u 's/^/[front] /'
"$build/wasmhive" lattice status --lattice "$NATS_URL" --lattice-name shop --wait-ms 300
