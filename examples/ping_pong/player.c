/* A ping-pong player. "serve <opponent> <rounds>" starts a rally; it answers
 * "ping" with "pong" and "pong" with the next "ping", and tells the host
 * "done <rounds>" when the rally is over. */
#include <wasmhive.h>

static int64_t rounds, played;

WH_ON_MESSAGE(msg) {
  const uint8_t* p = msg->payload;
  uint32_t n = msg->payload_len;
  if (wh_starts_with(p, n, "serve ")) {
    uint32_t name_len = 0;
    while (6 + name_len < n && p[6 + name_len] != ' ') ++name_len;
    rounds = wh_parse_i64(p + 7 + name_len, n - 7 - name_len);
    played = 0;
    return wh_send_n((const char*)p + 6, name_len, "ping", 4);
  }
  if (wh_equals(p, n, "ping")) return wh_send_n(msg->sender, msg->sender_len, "pong", 4);
  if (wh_equals(p, n, "pong")) {
    if (++played < rounds) return wh_send_n(msg->sender, msg->sender_len, "ping", 4);
    char done[32];
    uint32_t len = wh_append(done, 0, "done ", 5);
    return wh_send("@host", done, wh_append_i64(done, len, played));
  }
  return WH_ERR_INVALID;
}
