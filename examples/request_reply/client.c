/* A client: "<item>" makes it ask shop/inventory with a 100 ms timeout; it
 * reports each answer to the host as "<item id> <outcome>: <reply>". */
#include <wasmhive.h>

WH_ON_MESSAGE(msg) {
  int64_t id = wh_raw_request("shop/inventory", 14, msg->payload, (int32_t)msg->payload_len, 100);
  return id > 0 ? 0 : (int32_t)id;
}

WH_ON_CALLBACK(cb) {
  static const char* outcomes[] = {"ok", "timeout", "target error", "unknown target", "denied"};
  static char out[96 + WH_MAX_PAYLOAD];
  uint32_t n = wh_append(out, 0, "request ", 8);
  n = wh_append_i64(out, n, cb->correlation_id);
  out[n++] = ' ';
  const char* outcome = cb->status >= 0 && cb->status <= 4 ? outcomes[cb->status] : "?";
  n = wh_append(out, n, outcome, wh_strlen(outcome));
  out[n++] = ':';
  out[n++] = ' ';
  n = wh_append(out, n, cb->payload, cb->payload_len);
  return wh_send("@host", out, n);
}
