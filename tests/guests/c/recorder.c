/* Recorder: remembers the last message it was sent (sender and payload) and how
 * many it got. A request is answered with "<count>|<sender>|<payload>" of the
 * last non-request message. */
#include <wasmhive.h>

static char last_sender[WH_MAX_NAME];
static uint32_t last_sender_len;
static uint8_t last_payload[WH_MAX_PAYLOAD];
static uint32_t last_payload_len;
static int64_t count;

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_REQUEST) {
    __builtin_memcpy(last_sender, msg->sender, msg->sender_len);
    last_sender_len = msg->sender_len;
    __builtin_memcpy(last_payload, msg->payload, msg->payload_len);
    last_payload_len = msg->payload_len;
    ++count;
    return 0;
  }
  static char report[24 + WH_MAX_NAME + WH_MAX_PAYLOAD];
  uint32_t n = wh_append_i64(report, 0, count);
  report[n++] = '|';
  n = wh_append(report, n, last_sender, last_sender_len);
  report[n++] = '|';
  n = wh_append(report, n, last_payload, last_payload_len);
  return wh_reply(report, n);
}
