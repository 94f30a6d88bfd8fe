/* A first component: answers a request "<name>" with "hello, <name>! (from <its own id>)". */
#include <wasmhive.h>

WH_ON_MESSAGE(msg) {
  char self[WH_MAX_NAME];
  int32_t self_len = wh_self_id(self, sizeof self);
  if (self_len < 0) return self_len;
  static char out[WH_MAX_PAYLOAD + 2 * WH_MAX_NAME];
  uint32_t n = wh_append(out, 0, "hello, ", 7);
  n = wh_append(out, n, msg->payload,
                msg->payload_len > WH_MAX_NAME ? WH_MAX_NAME : msg->payload_len);
  n = wh_append(out, n, "! (from ", 8);
  n = wh_append(out, n, self, (uint32_t)self_len);
  n = wh_append(out, n, ")", 1);
  wh_log(WH_LOG_INFO, "greeted someone");
  return wh_reply(out, n);
}
