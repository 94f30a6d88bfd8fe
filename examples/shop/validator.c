/* Validator: checks an order "<id> <item> <quantity>"; a good one is reserved
 * with a request to the inventory (200 ms timeout). Publishes the outcome on
 * orders.accepted, orders.rejected or orders.failed. */
#include <wasmhive.h>

static char order_id[32];
static uint32_t order_id_len;
static int64_t pending;

static int32_t outcome(const char* topic, const char* text, const void* detail,
                       uint32_t detail_len) {
  char out[256];
  uint32_t n = wh_append(out, 0, order_id, order_id_len);
  out[n++] = ' ';
  n = wh_append(out, n, text, wh_strlen(text));
  n = wh_append(out, n, detail, detail_len);
  int32_t rc = wh_publish(topic, out, n);
  return rc < 0 ? rc : 0;
}

WH_ON_MESSAGE(msg) {
  const uint8_t* p = msg->payload;
  uint32_t n = msg->payload_len;
  order_id_len = wh_token_len(p, n);
  if (order_id_len >= sizeof order_id) return WH_ERR_INVALID;
  __builtin_memcpy(order_id, p, order_id_len);
  const uint8_t* item = p + order_id_len + 1;
  uint32_t rest = order_id_len + 1 < n ? n - order_id_len - 1 : 0;
  uint32_t item_len = wh_token_len(item, rest);
  int64_t quantity =
      item_len + 1 < rest ? wh_parse_i64(item + item_len + 1, rest - item_len - 1) : 0;
  if (item_len == 0 || quantity <= 0)
    return outcome("orders.rejected", "rejected: the quantity must be positive", "", 0);
  char request[96];
  uint32_t len = wh_append(request, 0, "reserve ", 8);
  len = wh_append(request, len, item, rest);
  pending = wh_request("shop/inventory", request, len, 200);
  if (pending < 0) return outcome("orders.failed", "failed: the inventory is unreachable", "", 0);
  wh_log(WH_LOG_INFO, "asked shop/inventory to reserve stock (timeout 200 ms)");
  return 0;
}

WH_ON_CALLBACK(cb) {
  if (cb->correlation_id != pending) return 0;
  if (cb->status == WH_STATUS_TIMEOUT)
    return outcome("orders.failed", "failed: the inventory did not answer within 200 ms", "", 0);
  if (cb->status != WH_STATUS_OK)
    return outcome("orders.failed", "failed: the inventory crashed while reserving", "", 0);
  if (wh_starts_with(cb->payload, cb->payload_len, "reserved"))
    return outcome("orders.accepted", "accepted: ", cb->payload, cb->payload_len);
  return outcome("orders.rejected", "rejected: ", cb->payload, cb->payload_len);
}
