/* Starter: asks "config/service" for its configuration in init, the common
 * "ask a config service at start" pattern, and tells the host what came back:
 * "config <status> <payload>". Any message makes it ask again the same way. */
#include <wasmhive.h>

static int32_t ask(void) {
  int64_t id = wh_request("config/service", "config?", 7, 5000);
  return id < 0 ? (int32_t)id : 0;
}

WH_ON_INIT() {
  return ask();
}

WH_ON_MESSAGE(msg) {
  (void)msg;
  return ask();
}

WH_ON_CALLBACK(cb) {
  static char out[32 + WH_MAX_PAYLOAD];
  uint32_t n = wh_append(out, 0, "config ", 7);
  n = wh_append_i64(out, n, cb->status);
  out[n++] = ' ';
  n = wh_append(out, n, cb->payload, cb->payload_len);
  return wh_send("@host", out, n);
}
