/* Flaky: a component that misbehaves on command, for supervision tests.
 *   "trap"      traps (unreachable)
 *   "loop"      never returns
 *   "spin <ms>" busy-waits <ms> milliseconds, then counts as handled
 *   "tell <target> <text>" sends <text> to <target>
 *   request "?" replies "<count>|<last payload>" (count: messages handled by
 *              this instance, so a restart starts again from 0)
 *   anything else is counted and remembered. */
#include <wasmhive.h>

static int64_t count;
static uint8_t last[256];
static uint32_t last_len;

static void remember(const wh_message* msg) {
  ++count;
  last_len = msg->payload_len < sizeof last ? msg->payload_len : sizeof last;
  __builtin_memcpy(last, msg->payload, last_len);
}

WH_ON_INIT() {
  return 0;
}

WH_ON_MESSAGE(msg) {
  const uint8_t* p = msg->payload;
  uint32_t n = msg->payload_len;
  if (wh_equals(p, n, "trap")) __builtin_trap();
  if (wh_equals(p, n, "loop")) {
    volatile int forever = 1;
    while (forever) {
    }
  }
  if (msg->kind == WH_KIND_REQUEST && wh_equals(p, n, "?")) {
    char out[300];
    uint32_t len = wh_append_i64(out, 0, count);
    out[len++] = '|';
    len = wh_append(out, len, last, last_len);
    return wh_reply(out, len);
  }
  if (wh_starts_with(p, n, "spin ")) {
    int64_t until = wh_now_ms() + wh_parse_i64(p + 5, n - 5);
    while (wh_now_ms() < until) {
    }
  }
  if (wh_starts_with(p, n, "tell ")) {
    uint32_t target_len = 0;
    while (5 + target_len < n && p[5 + target_len] != ' ') ++target_len;
    uint32_t text_at = 5 + target_len + 1;
    int32_t rc =
        wh_send_n((const char*)p + 5, target_len, p + text_at, text_at < n ? n - text_at : 0);
    if (rc < 0) return rc;
  }
  remember(msg);
  if (msg->kind == WH_KIND_REQUEST) return wh_reply(p, n);
  return 0;
}
