/* Pinger: "start <target> <n>" makes it play n rounds of ping-pong with target,
 * then send "done <n>" to whoever started it. It answers "ping" with "pong", so
 * two pingers (or a pinger and an echo) can play. */
#include <wasmhive.h>

static char starter[WH_MAX_NAME];
static uint32_t starter_len;
static int64_t remaining, rounds;

static int32_t start(const wh_message* msg) {
  /* payload: "start <target> <n>" */
  const uint8_t* p = msg->payload + 6;
  uint32_t len = msg->payload_len - 6, target_len = 0;
  while (target_len < len && p[target_len] != ' ') ++target_len;
  if (target_len + 1 >= len) return WH_ERR_INVALID;
  rounds = remaining = wh_parse_i64(p + target_len + 1, len - target_len - 1);
  __builtin_memcpy(starter, msg->sender, msg->sender_len);
  starter_len = msg->sender_len;
  return wh_send_n((const char*)p, target_len, "ping", 4);
}

WH_ON_MESSAGE(msg) {
  if (msg->payload_len > 6 && wh_starts_with(msg->payload, msg->payload_len, "start "))
    return start(msg);
  if (wh_equals(msg->payload, msg->payload_len, "ping"))
    return wh_send_n(msg->sender, msg->sender_len, "pong", 4);
  if (wh_equals(msg->payload, msg->payload_len, "pong")) {
    if (--remaining > 0) return wh_send_n(msg->sender, msg->sender_len, "ping", 4);
    char done[32];
    uint32_t n = wh_append(done, 0, "done ", 5);
    n = wh_append_i64(done, n, rounds);
    return wh_send_n(starter, starter_len, done, n);
  }
  return WH_ERR_INVALID;
}
