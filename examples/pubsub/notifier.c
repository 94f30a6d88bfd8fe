/* Notifier: subscribes to every order event after validation (orders.valid
 * and orders.rejected, via the pattern orders.*) and tells the host. */
#include <wasmhive.h>

WH_ON_INIT() {
  return wh_subscribe("orders.*");
}

WH_ON_MESSAGE(msg) {
  if (wh_equals(msg->topic, msg->topic_len, "orders.created")) return 0;  // not validated yet
  static char out[2 * WH_MAX_NAME + WH_MAX_PAYLOAD];
  uint32_t n = wh_append(out, 0, msg->topic, msg->topic_len);
  n = wh_append(out, n, " from ", 6);
  n = wh_append(out, n, msg->sender, msg->sender_len);
  n = wh_append(out, n, ": ", 2);
  n = wh_append(out, n, msg->payload, msg->payload_len);
  return wh_send("@host", out, n);
}
