/* Gateway: takes orders "<id> <item> <quantity>" from outside and passes them
 * to the validator one at a time, starting the next when the outcome of the
 * current one is published (orders.accepted / .rejected / .failed). */
#include <wasmhive.h>

#define MAX_ORDERS 32
#define ORDER_SIZE 64

static char queue[MAX_ORDERS][ORDER_SIZE];
static uint32_t lengths[MAX_ORDERS], head, count;
static int busy;

static int32_t forward_next(void) {
  if (busy || count == 0) return 0;
  busy = 1;
  uint32_t slot = head;
  head = (head + 1) % MAX_ORDERS;
  --count;
  char line[ORDER_SIZE + 32];
  uint32_t n = wh_append(line, 0, "forwarding ", 11);
  n = wh_append(line, n, queue[slot], lengths[slot]);
  wh_log_n(WH_LOG_INFO, line, n);
  return wh_send_n("shop/validator", 14, queue[slot], lengths[slot]);
}

WH_ON_INIT() {
  return wh_subscribe("orders.*");
}

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_PUBLISH) {  // an outcome: the pipeline is free again
    busy = 0;
    return forward_next();
  }
  if (count == MAX_ORDERS || msg->payload_len > ORDER_SIZE) return WH_ERR_LIMIT;
  uint32_t slot = (head + count) % MAX_ORDERS;
  __builtin_memcpy(queue[slot], msg->payload, msg->payload_len);
  lengths[slot] = msg->payload_len;
  ++count;
  return forward_next();
}
