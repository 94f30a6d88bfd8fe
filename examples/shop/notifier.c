/* Notifier: subscribed to every order outcome (orders.*); logs each one. */
#include <wasmhive.h>

WH_ON_INIT() {
  return wh_subscribe("orders.*");
}

WH_ON_MESSAGE(msg) {
  char line[2 * WH_MAX_NAME + 256];
  uint32_t n = wh_append(line, 0, msg->topic, msg->topic_len);
  n = wh_append(line, n, " <- ", 4);
  n = wh_append(line, n, msg->payload, msg->payload_len > 256 ? 256 : msg->payload_len);
  return wh_log_n(WH_LOG_INFO, line, n);
}
