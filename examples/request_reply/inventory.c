/* An inventory service: answers "<item>" requests with the stock it has.
 * "slow-item" takes 300 ms to look up, longer than clients wait. */
#include <wasmhive.h>

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_REQUEST) return WH_ERR_INVALID;
  if (wh_equals(msg->payload, msg->payload_len, "slow-item")) {
    int64_t until = wh_now_ms() + 300;
    while (wh_now_ms() < until) {
    }
    return wh_reply("slow-item: 1 in stock", 21);
  }
  if (wh_equals(msg->payload, msg->payload_len, "apple")) return wh_reply("apple: 12 in stock", 18);
  if (wh_equals(msg->payload, msg->payload_len, "pear")) return wh_reply("pear: 0 in stock", 16);
  return wh_reply("unknown item", 12);
}
