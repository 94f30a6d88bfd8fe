/* Inventory: answers "reserve <item> <quantity>" requests from its stock, which
 * it keeps in storage ("stock/<item>"): a reservation is committed with the
 * reply that confirms it, so it outlives a crash and a restart.
 * "durian" comes from a slow supplier (300 ms, longer than callers wait);
 * "glitch" hits a bug and traps, so the supervisor restarts the inventory. */
#include <wasmhive.h>

WH_METADATA(
    "name=shop/inventory\n"
    "version=1.1.0\n"
    "description=Reserves stock for orders; keeps it in storage\n"
    "authors=The wasmhive authors\n"
    "license=MIT\n");

static const struct {
  const char* key;
  int64_t initial;
} items[] = {{"stock/apple", 10}, {"stock/pear", 5}, {"stock/durian", 2}, {"stock/glitch", 1}};

WH_ON_INIT() {
  /* The first start ever stocks the shelves; a restart finds them as they were. */
  if (wh_storage_exists(items[0].key) == WH_ERR_NOT_FOUND)
    for (uint32_t i = 0; i < sizeof items / sizeof items[0]; ++i) {
      int32_t rc = wh_storage_set_i64(items[i].key, items[i].initial);
      if (rc < 0) return rc;
    }
  char out[96];
  uint32_t n = wh_append(out, 0, "stock: ", 7);
  n = wh_append_i64(out, n, wh_storage_get_i64("stock/apple", 0));
  n = wh_append(out, n, " apple, ", 8);
  n = wh_append_i64(out, n, wh_storage_get_i64("stock/pear", 0));
  n = wh_append(out, n, " pear, ", 7);
  n = wh_append_i64(out, n, wh_storage_get_i64("stock/durian", 0));
  wh_log_n(WH_LOG_INFO, out, wh_append(out, n, " durian", 7));
  return 0;
}

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_REQUEST || !wh_starts_with(msg->payload, msg->payload_len, "reserve "))
    return WH_ERR_INVALID;
  const uint8_t* item = msg->payload + 8;
  uint32_t rest = msg->payload_len - 8;
  uint32_t item_len = wh_token_len(item, rest);
  int64_t quantity = wh_parse_i64(item + item_len + 1, rest > item_len ? rest - item_len - 1 : 0);
  char out[96];
  char key[64];
  if (item_len > sizeof key - 7) return WH_ERR_TOO_BIG;
  uint32_t key_len = wh_append(key, wh_append(key, 0, "stock/", 6), item, item_len);
  key[key_len] = 0;
  int64_t stock = wh_storage_get_i64(key, -1);
  if (stock < 0) {
    uint32_t n = wh_append(out, 0, "no such item: ", 14);
    return wh_reply(out, wh_append(out, n, item, item_len));
  }
  if (stock < quantity) {
    uint32_t n = wh_append(out, 0, "out of stock: ", 14);
    return wh_reply(out, wh_append(out, n, item, item_len));
  }
  int32_t rc = wh_storage_set_i64(key, stock - quantity);
  if (rc < 0) return rc;
  if (wh_equals(item, item_len, "glitch")) __builtin_trap(); /* the write above is undone */
  if (wh_equals(item, item_len, "durian")) {
    int64_t until = wh_now_ms() + 300;
    while (wh_now_ms() < until) {
    }
  }
  uint32_t n = wh_append(out, 0, "reserved ", 9);
  n = wh_append_i64(out, n, quantity);
  out[n++] = ' ';
  n = wh_append(out, n, item, item_len);
  n = wh_append(out, n, ", ", 2);
  n = wh_append_i64(out, n, stock - quantity);
  return wh_reply(out, wh_append(out, n, " left", 5));
}
