#!/usr/bin/env bash
# The lattice scale run, outside CI: HOSTS hosts (4), each in a network
# namespace of its own on this machine, joined by a bridge to one nats-server
# in the root namespace, hold NAMES virtual components (100,000) between them,
# and every host requests every name (bench/lattice_scale.cc), so each is
# reached from every host.
#
#   sudo bench/lattice_scale.sh
#
# Environment: HOSTS, NAMES, WINDOW (requests outstanding per host, 256),
# MAX_ACTIVE (live instances per host, 10000), STAGGER (1: host i starts at
# name (i-1)*NAMES/HOSTS, so that most requests find their name hibernated;
# 0, the default: all start at user/0), BUILD (the build directory, build/),
# LOG_DIR (a fresh directory under /tmp).
#
# Needs root, iproute2 and nats-server. Everything it makes (the namespaces
# wh1..whN, the bridge whbr0 at 10.77.0.1/24, the veths whv1..whvN, the
# server on 10.77.0.1:4777) is removed on exit, failed or not, and whatever
# an earlier run left behind is removed first. Processes are stopped only by
# the ids this script recorded, never by name: other nats-servers on this
# machine are not its business.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOSTS="${HOSTS:-4}"
NAMES="${NAMES:-100000}"
WINDOW="${WINDOW:-256}"
MAX_ACTIVE="${MAX_ACTIVE:-10000}"
STAGGER="${STAGGER:-0}"
BUILD="${BUILD:-$root/build}"
LOG_DIR="${LOG_DIR:-$(mktemp -d /tmp/lattice_scale.XXXXXX)}"

bridge=whbr0
subnet=10.77.0
port=4777
state=/run/wasmhive-lattice-scale  # what an interrupted run leaves for the next
bin="$BUILD/bench/lattice_scale"

[[ $EUID -eq 0 ]] || { echo "$0: run as root (namespaces and a bridge)" >&2; exit 2; }
[[ -x $bin ]] || { echo "$0: no $bin: cmake --build $BUILD --target lattice_scale guests" >&2; exit 2; }
command -v ip >/dev/null || { echo "$0: needs iproute2 (ip)" >&2; exit 2; }
nats="$(command -v nats-server || echo /usr/sbin/nats-server)"
[[ -x $nats ]] || { echo "$0: no nats-server" >&2; exit 2; }
((HOSTS >= 1 && HOSTS <= 200)) || { echo "$0: HOSTS must be 1-200" >&2; exit 2; }
mkdir -p "$LOG_DIR" "$state"

# Stops a process group recorded in a pid file, if that process is still the
# one recorded (its command line matches), then forgets it.
stop_recorded() {
  local file="$1" match="$2" pid
  [[ -f $file ]] || return 0
  pid="$(cat "$file")"
  if [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$match"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    # Up to 5 s to go, then for good.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

teardown() {
  local f
  for f in "$state"/host*.pid; do
    [[ -e $f ]] && stop_recorded "$f" lattice_scale
  done
  stop_recorded "$state/nats.pid" "nats-server.*-p $port"
  # Namespaces and veths of this script's naming, whatever HOSTS was then.
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^wh[0-9]+$' || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
    grep -E '^whv[0-9]+$' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
}

teardown  # an earlier run's leftovers
# shellcheck disable=SC2317  # run by the trap
on_exit() {
  local rc=$?
  teardown
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the network: a bridge in the root namespace, a veth to each namespace ----
ip link add "$bridge" type bridge
ip addr add "$subnet.1/24" dev "$bridge"
ip link set "$bridge" up
for i in $(seq "$HOSTS"); do
  ns="wh$i"
  ip netns add "$ns"
  ip link add "whv$i" type veth peer name eth0 netns "$ns"
  ip link set "whv$i" master "$bridge" up
  ip -n "$ns" addr add "$subnet.$((10 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done

# ---- the server, on the bridge's address only ----
setsid "$nats" -a "$subnet.1" -p "$port" >"$LOG_DIR/nats.log" 2>&1 &
echo $! >"$state/nats.pid"
# No event says "listening" but the port answering: polled, for 10 s at most.
for _ in $(seq 100); do
  if ip netns exec wh1 bash -c "exec 3<>/dev/tcp/$subnet.1/$port" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.1
done
[[ ${ready:-0} == 1 ]] || { echo "$0: nats-server did not come up:" >&2; cat "$LOG_DIR/nats.log" >&2; exit 1; }

# ---- the hosts, one per namespace ----
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v)  # peak memory per host
start=$(date +%s.%N)
pids=()
for i in $(seq "$HOSTS"); do
  # Its own process group (setsid), so that teardown stops it with its children.
  setsid ip netns exec "wh$i" "${timer[@]}" "$bin" --lattice "nats://$subnet.1:$port" \
    --host-id "h$i" --hosts "$HOSTS" --names "$NAMES" --window "$WINDOW" \
    --max-active "$MAX_ACTIVE" --start "$((STAGGER ? (i - 1) * NAMES / HOSTS : 0))" >"$LOG_DIR/h$i.out" 2>"$LOG_DIR/h$i.err" &
  pids+=($!)
  echo $! >"$state/host$i.pid"
done

failed=0
for i in $(seq "$HOSTS"); do
  rc=0
  wait "${pids[$((i - 1))]}" || rc=$?
  rm -f "$state/host$i.pid"
  if ((rc != 0)); then
    failed=1
    echo "host h$i exited $rc" >&2
  fi
done
end=$(date +%s.%N)

echo "== $HOSTS hosts, $NAMES names, window $WINDOW, max_active $MAX_ACTIVE per host," \
  "stagger $STAGGER (logs: $LOG_DIR)"
for i in $(seq "$HOSTS"); do
  cat "$LOG_DIR/h$i.out"
done
for i in $(seq "$HOSTS"); do
  grep -E "^host h$i|Maximum resident set size|Elapsed \(wall" "$LOG_DIR/h$i.err" |
    sed "s/^\s*/  h$i: /" || true
done
# Anything the hosts logged besides their own lines (warnings, errors).
for i in $(seq "$HOSTS"); do
  other="$(grep -vE '^host h|^\s|^Command being timed' "$LOG_DIR/h$i.err" | head -5 || true)"
  [[ -z $other ]] || printf 'h%s logged:\n%s\n' "$i" "$other"
done
awk -v s="$start" -v e="$end" -v n="$NAMES" -v h="$HOSTS" \
  'BEGIN { t = e - s; printf "total: %.1f s wall for %d requests (%.0f req/s over all hosts)\n", t, n * h, n * h / t }'
exit "$failed"
