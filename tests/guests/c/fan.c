/* Fan: "fan <receivers> <rounds>" broadcasts "ping" to fan/r0 .. fan/r<N-1>,
 * collects every "pong", and starts the next round; after the last one it tells
 * the host "done <rounds>". Receivers are ping-pong players. */
#include <wasmhive.h>

static int64_t receivers, rounds, round_no, pongs;
static char names[8192];
static uint32_t names_len;

static int32_t next_round(void) {
  pongs = 0;
  int32_t rc = wh_raw_broadcast(names, (int32_t)names_len, "ping", 4);
  return rc < 0 ? rc : 0;
}

WH_ON_MESSAGE(msg) {
  if (wh_starts_with(msg->payload, msg->payload_len, "fan ")) {
    const uint8_t* p = msg->payload + 4;
    uint32_t n = msg->payload_len - 4;
    receivers = wh_parse_i64(p, n);
    uint32_t first = wh_token_len(p, n);
    rounds = wh_parse_i64(p + first + 1, n - first - 1);
    round_no = 0;
    names_len = 0;
    for (int64_t i = 0; i < receivers; ++i) {
      names_len = wh_append(names, names_len, "fan/r", 5);
      names_len = wh_append_i64(names, names_len, i);
      names[names_len++] = '\n';
    }
    return next_round();
  }
  if (!wh_equals(msg->payload, msg->payload_len, "pong")) return WH_ERR_INVALID;
  if (++pongs < receivers) return 0;
  if (++round_no < rounds) return next_round();
  char done[32];
  uint32_t len = wh_append(done, 0, "done ", 5);
  return wh_send("@host", done, wh_append_i64(done, len, rounds));
}
