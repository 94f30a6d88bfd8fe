# Sourced by scripts that need a NATS server: start_nats_server starts one on
# a port it picks on loopback and sets NATS_URL; stop_nats_server stops it
# (call it from the script's EXIT trap).
NATS_PID=""
NATS_LOG=""

start_nats_server() {
  local binary port=""
  binary="$(command -v nats-server || echo /usr/sbin/nats-server)"
  NATS_LOG="$(mktemp)"
  "$binary" -a 127.0.0.1 -p -1 >"$NATS_LOG" 2>&1 &
  NATS_PID=$!
  for _ in $(seq 200); do
    port="$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$NATS_LOG")"
    [ -n "$port" ] && break
    kill -0 "$NATS_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "nats-server did not start:" >&2
    cat "$NATS_LOG" >&2
    return 1
  fi
  NATS_URL="nats://127.0.0.1:$port"
}

# Never fails: it runs in EXIT traps, where a failure would become the
# script's exit code (nats-server exits 1 on SIGTERM).
stop_nats_server() {
  if [ -n "$NATS_PID" ]; then
    kill "$NATS_PID" 2>/dev/null || true
    wait "$NATS_PID" 2>/dev/null || true
  fi
  if [ -n "$NATS_LOG" ]; then rm -f "$NATS_LOG"; fi
  NATS_PID=""
  NATS_LOG=""
}
