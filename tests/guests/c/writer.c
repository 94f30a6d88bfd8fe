/* Writer: load for bench/storage_bench.cc. Each message is "<op> <value>",
 * optionally prefixed "last ":
 *   "set <value>"      storage_set("k<n % 10000>", v): after the first
 *                      10,000 an overwrite, so the table stays bounded;
 *   "new <value>"      storage_set("n<n>", v): always a fresh key;
 *   "nostore <value>"  the same path without the set (the baseline);
 * where n counts the messages handled and v is <value> with n's decimal
 * digits written over its start: every write changes its row (SQLite skips
 * rewriting a row with the bytes it already holds). With "last " it also sends
 * "@host" "done <handled> <failed sets>" after its own op (the send is held
 * until the turn's writes commit: the host sees it once they are durable). */
#include <wasmhive.h>

static int64_t handled;
static uint8_t value_buf[WH_MAX_PAYLOAD];
static int64_t failed;

WH_ON_MESSAGE(msg) {
  const uint8_t* p = msg->payload;
  uint32_t len = msg->payload_len;
  int last = wh_starts_with(p, len, "last ");
  if (last) {
    p += 5;
    len -= 5;
  }
  uint32_t op_len = wh_token_len(p, len);
  uint32_t skip = op_len < len ? op_len + 1 : op_len;
  const uint8_t* value = p + skip;
  uint32_t value_len = len - skip;
  int64_t n = handled++;
  char key[24];
  uint32_t key_len = 0;
  if (wh_equals(p, op_len, "set")) {
    key[key_len++] = 'k';
    key_len = wh_append_i64(key, key_len, n % 10000);
  } else if (wh_equals(p, op_len, "new")) {
    key[key_len++] = 'n';
    key_len = wh_append_i64(key, key_len, n);
  } else if (!wh_equals(p, op_len, "nostore")) {
    return WH_ERR_INVALID;
  }
  char digits[24];
  uint32_t digits_len = wh_append_i64(digits, 0, n);
  __builtin_memcpy(value_buf, value, value_len);
  __builtin_memcpy(value_buf, digits, digits_len < value_len ? digits_len : value_len);
  if (key_len > 0 && wh_raw_storage_set(key, (int32_t)key_len, value_buf, (int32_t)value_len) != 0)
    ++failed;
  if (!last) return WH_OK;
  char out[64];
  uint32_t out_len = wh_append(out, 0, "done ", 5);
  out_len = wh_append_i64(out, out_len, handled);
  out[out_len++] = ' ';
  out_len = wh_append_i64(out, out_len, failed);
  return wh_send("@host", out, out_len);
}
