/* Inventory: answers "reserve <item> <quantity>" requests from its stock.
 * "durian" comes from a slow supplier (300 ms, longer than callers wait);
 * "glitch" hits a bug and traps, so the supervisor restarts the inventory,
 * with its stock loaded afresh by init. */
#include <wasmhive.h>

static struct {
  const char* name;
  int64_t stock;
} items[] = {{"apple", 10}, {"pear", 5}, {"durian", 2}, {"glitch", 1}};

WH_ON_INIT() {
  items[0].stock = 10;
  items[1].stock = 5;
  wh_log(WH_LOG_INFO, "stock loaded: 10 apple, 5 pear, 2 durian");
  return 0;
}

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_REQUEST || !wh_starts_with(msg->payload, msg->payload_len, "reserve "))
    return WH_ERR_INVALID;
  const uint8_t* item = msg->payload + 8;
  uint32_t rest = msg->payload_len - 8;
  uint32_t item_len = wh_token_len(item, rest);
  int64_t quantity = wh_parse_i64(item + item_len + 1, rest > item_len ? rest - item_len - 1 : 0);
  if (wh_equals(item, item_len, "glitch")) __builtin_trap();
  if (wh_equals(item, item_len, "durian")) {
    int64_t until = wh_now_ms() + 300;
    while (wh_now_ms() < until) {
    }
  }
  char out[96];
  for (uint32_t i = 0; i < sizeof items / sizeof items[0]; ++i) {
    if (!wh_equals(item, item_len, items[i].name)) continue;
    if (items[i].stock < quantity) {
      uint32_t n = wh_append(out, 0, "out of stock: ", 14);
      return wh_reply(out, wh_append(out, n, item, item_len));
    }
    items[i].stock -= quantity;
    uint32_t n = wh_append(out, 0, "reserved ", 9);
    n = wh_append_i64(out, n, quantity);
    out[n++] = ' ';
    n = wh_append(out, n, item, item_len);
    n = wh_append(out, n, ", ", 2);
    n = wh_append_i64(out, n, items[i].stock);
    return wh_reply(out, wh_append(out, n, " left", 5));
  }
  uint32_t n = wh_append(out, 0, "no such item: ", 14);
  return wh_reply(out, wh_append(out, n, item, item_len));
}
