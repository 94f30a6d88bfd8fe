/* Ledger: a command interpreter over its storage, for the storage, timer,
 * configuration and health tests. Requests are "<command> <args...>" and are
 * answered with the result (or "err <code>"). In init it counts its boots in
 * storage ("boots"). Timer messages are told to the host as "timer <payload>". */
#include <wasmhive.h>

typedef struct {
  const uint8_t* at;
  uint32_t len;
} token;

static token next(const uint8_t** p, uint32_t* left) {
  while (*left && **p == ' ') ++*p, --*left;
  token t = {*p, wh_token_len(*p, *left)};
  *p += t.len;
  *left -= t.len;
  return t;
}

static char out[1024];
static uint8_t big[300 * 1024];
static int sick;

static int32_t answer_code(int64_t rc) {
  uint32_t n = 0;
  if (rc < 0) n = wh_append(out, 0, "err ", 4);
  return wh_reply(out, wh_append_i64(out, n, rc));
}

static int32_t list(token prefix) {
  /* Pages through the keys with a small buffer, so paging is exercised. */
  uint8_t page[40];
  uint8_t after[600];
  uint32_t after_len = 0, n = 0;
  for (;;) {
    int32_t got = wh_raw_storage_list(prefix.at, (int32_t)prefix.len, after, (int32_t)after_len,
                                      page, sizeof page);
    if (got < 0) return answer_code(got);
    if (got == 0) break;
    for (int32_t i = 0; i < got;) {
      uint32_t len = (uint32_t)page[i] | (uint32_t)page[i + 1] << 8 | (uint32_t)page[i + 2] << 16 |
                     (uint32_t)page[i + 3] << 24;
      if (n) out[n++] = ',';
      n = wh_append(out, n, page + i + 4, len);
      __builtin_memcpy(after, page + i + 4, len);
      after_len = len;
      i += 4 + (int32_t)len;
    }
  }
  return wh_reply(out, n);
}

WH_ON_INIT() {
  char text[24];
  int32_t n = wh_storage_get("boots", text, sizeof text);
  int64_t boots = n < 0 ? 0 : wh_parse_i64(text, (uint32_t)n);
  int32_t rc = wh_storage_set_i64("boots", boots + 1);
  return rc == WH_ERR_DENIED ? 0 : rc; /* a read-only ledger still starts */
}

WH_ON_HEALTH() {
  return sick ? 2 : 0;
}

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_TIMER) {
    if (wh_starts_with(msg->payload, msg->payload_len, "trap")) __builtin_trap();
    uint32_t n = wh_append(out, 0, "timer ", 6);
    return wh_send("@host", out, wh_append(out, n, msg->payload, msg->payload_len));
  }
  const uint8_t* p = msg->payload;
  uint32_t left = msg->payload_len;
  token cmd = next(&p, &left);
  token a = next(&p, &left);
  token b = next(&p, &left);
  token c = next(&p, &left);
#define IS(word) wh_equals(cmd.at, cmd.len, word)
  if (IS("set")) {
    int32_t rc = wh_raw_storage_set(a.at, (int32_t)a.len, b.at, (int32_t)b.len);
    return rc < 0 ? answer_code(rc) : wh_reply("ok", 2);
  }
  if (IS("get")) {
    int32_t rc = wh_raw_storage_get(a.at, (int32_t)a.len, out, sizeof out);
    return rc < 0 ? answer_code(rc) : wh_reply(out, (uint32_t)rc);
  }
  if (IS("exists")) return answer_code(wh_raw_storage_exists(a.at, (int32_t)a.len));
  if (IS("del")) return answer_code(wh_raw_storage_delete(a.at, (int32_t)a.len));
  if (IS("incr")) {
    int32_t rc = wh_raw_storage_get(a.at, (int32_t)a.len, out, 24);
    int64_t value = (rc < 0 ? 0 : wh_parse_i64(out, (uint32_t)rc)) + 1;
    uint32_t n = wh_append_i64(out, 0, value);
    rc = wh_raw_storage_set(a.at, (int32_t)a.len, out, (int32_t)n);
    return rc < 0 ? answer_code(rc) : wh_reply(out, n);
  }
  if (IS("list")) return list(a);
  if (IS("usage")) {
    uint32_t n = 0;
    for (int32_t field = WH_USAGE_BYTES; field <= WH_USAGE_QUOTA_KEYS; ++field) {
      if (n) out[n++] = ' ';
      n = wh_append_i64(out, n, wh_storage_usage(field));
    }
    return wh_reply(out, n);
  }
  if (IS("fill")) { /* fill KEY BYTES: a value of that many 'x' */
    uint32_t size = (uint32_t)wh_parse_i64(b.at, b.len);
    if (size > sizeof big) size = sizeof big;
    for (uint32_t i = 0; i < size; ++i) big[i] = 'x';
    return answer_code(wh_raw_storage_set(a.at, (int32_t)a.len, big, (int32_t)size));
  }
  if (IS("longkey")) { /* longkey BYTES */
    uint32_t size = (uint32_t)wh_parse_i64(a.at, a.len);
    if (size > sizeof big) size = sizeof big;
    for (uint32_t i = 0; i < size; ++i) big[i] = 'k';
    return answer_code(wh_raw_storage_set(big, (int32_t)size, "v", 1));
  }
  if (IS("badptr")) /* a key outside memory */
    return answer_code(wh_raw_storage_set((const void*)0x7ffffff0, 64, "v", 1));
  if (IS("set-trap")) { /* set-trap KEY VALUE [TARGET]: write, maybe send, then trap */
    wh_raw_storage_set(a.at, (int32_t)a.len, b.at, (int32_t)b.len);
    if (c.len) wh_send_n((const char*)c.at, c.len, "sent before a trap", 18);
    __builtin_trap();
  }
  if (IS("send-trap")) { /* send-trap TARGET: send, write nothing, trap */
    wh_send_n((const char*)a.at, a.len, "sent before a trap", 18);
    __builtin_trap();
  }
  if (IS("set-fail")) { /* set-fail KEY VALUE: write, reply, then return non-zero */
    wh_raw_storage_set(a.at, (int32_t)a.len, b.at, (int32_t)b.len);
    wh_reply("replied", 7);
    return 1;
  }
  if (IS("set-send")) { /* set-send KEY VALUE TARGET: write, then tell TARGET */
    int32_t rc = wh_raw_storage_set(a.at, (int32_t)a.len, b.at, (int32_t)b.len);
    if (rc < 0) return answer_code(rc);
    uint32_t n = wh_append(out, 0, "committed ", 10);
    n = wh_append(out, n, a.at, a.len);
    rc = wh_send_n((const char*)c.at, c.len, out, n);
    return rc < 0 ? answer_code(rc) : wh_reply("ok", 2);
  }
  if (IS("config")) {
    int32_t rc = wh_raw_config_get(a.at, (int32_t)a.len, out, sizeof out);
    return rc < 0 ? answer_code(rc) : wh_reply(out, (uint32_t)rc);
  }
  if (IS("timer")) /* timer MS PAYLOAD */
    return answer_code(wh_raw_send_after(wh_parse_i64(a.at, a.len), b.at, (int32_t)b.len));
  if (IS("timer-trap")) { /* timer-trap MS PAYLOAD: a timer, then a trap */
    wh_raw_send_after(wh_parse_i64(a.at, a.len), b.at, (int32_t)b.len);
    __builtin_trap();
  }
  if (IS("cancel")) return answer_code(wh_cancel_timer(wh_parse_i64(a.at, a.len)));
  if (IS("sick")) {
    sick = 1;
    return wh_reply("ok", 2);
  }
#undef IS
  return answer_code(WH_ERR_INVALID);
}
