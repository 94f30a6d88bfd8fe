/* Validator: subscribes to orders.created; an order "<id> <amount>" with a
 * positive amount is republished on orders.valid, else on orders.rejected. */
#include <wasmhive.h>

WH_ON_INIT() {
  return wh_subscribe("orders.created");
}

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_PUBLISH) return WH_ERR_INVALID;
  uint32_t space = 0;
  while (space < msg->payload_len && msg->payload[space] != ' ') ++space;
  int valid = space + 1 < msg->payload_len && msg->payload[space + 1] != '-' &&
              msg->payload[space + 1] != '0';
  int32_t rc =
      wh_publish(valid ? "orders.valid" : "orders.rejected", msg->payload, msg->payload_len);
  return rc < 0 ? rc : 0;
}
