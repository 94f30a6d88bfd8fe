/* Requester: "<target> <timeout_ms> <body>" makes it request body from target;
 * it replies to that command (if it was a request) or sends to the commander
 * "sent <id>", and when the callback arrives sends the commander
 * "callback <id> <status> <payload>". "cancel <id>" cancels a request. */
#include <wasmhive.h>

static char commander[WH_MAX_NAME];
static uint32_t commander_len;

static int32_t report(const wh_message* msg, const char* word, int64_t value) {
  char out[64];
  uint32_t n = wh_append(out, 0, word, wh_strlen(word));
  out[n++] = ' ';
  n = wh_append_i64(out, n, value);
  if (msg->kind == WH_KIND_REQUEST) return wh_reply(out, n);
  return wh_send_n(commander, commander_len, out, n);
}

WH_ON_MESSAGE(msg) {
  __builtin_memcpy(commander, msg->sender, msg->sender_len);
  commander_len = msg->sender_len;
  const uint8_t* p = msg->payload;
  uint32_t len = msg->payload_len;
  if (len > 7 && wh_starts_with(p, len, "cancel "))
    return report(msg, "cancelled", wh_cancel(wh_parse_i64(p + 7, len - 7)));
  uint32_t target_len = wh_token_len(p, len);
  if (target_len + 1 >= len) return WH_ERR_INVALID;
  const uint8_t* rest = p + target_len + 1;
  uint32_t rest_len = len - target_len - 1;
  uint32_t timeout_len = wh_token_len(rest, rest_len);
  int64_t timeout = wh_parse_i64(rest, timeout_len);
  const uint8_t* body = rest + timeout_len + (timeout_len < rest_len);
  uint32_t body_len = rest_len - timeout_len - (timeout_len < rest_len);
  int64_t id = wh_raw_request(p, (int32_t)target_len, body, (int32_t)body_len, timeout);
  return report(msg, "sent", id);
}

WH_ON_CALLBACK(cb) {
  static char out[64 + WH_MAX_PAYLOAD];
  uint32_t n = wh_append(out, 0, "callback ", 9);
  n = wh_append_i64(out, n, cb->correlation_id);
  out[n++] = ' ';
  n = wh_append_i64(out, n, cb->status);
  out[n++] = ' ';
  n = wh_append(out, n, cb->payload, cb->payload_len);
  return wh_send_n(commander, commander_len, out, n);
}
