/* Selfie: in init it subscribes to "selfie.>", publishes "selfie.hello" and
 * sends "hi" to itself; it tells the host "got <kind> <payload>" for each
 * message that reaches it. */
#include <wasmhive.h>

WH_ON_INIT() {
  char self[WH_MAX_NAME];
  int32_t n = wh_self_id(self, sizeof self);
  if (n < 0) return n;
  int32_t rc = wh_subscribe("selfie.>");
  if (rc < 0) return rc;
  rc = wh_publish("selfie.hello", "published", 9);
  if (rc < 0) return rc;
  return wh_send_n(self, (uint32_t)n, "sent", 4);
}

WH_ON_MESSAGE(msg) {
  char out[64];
  uint32_t n = wh_append(out, 0, "got ", 4);
  n = wh_append_i64(out, n, msg->kind);
  out[n++] = ' ';
  n = wh_append(out, n, msg->payload, msg->payload_len < 32 ? msg->payload_len : 32);
  return wh_send("@host", out, n);
}
