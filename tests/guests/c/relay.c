/* Relay: turns text commands into messaging calls, and reports everything it
 * receives to the host's inbox ("@host"), so tests can see exactly what arrived.
 *   "bcast <a,b,c> <text>"   broadcast <text> to a, b and c
 *   "pub <topic> <text>"     publish
 *   "sub <pattern>" / "unsub <pattern>"
 *   "req <target> <timeout_ms> <text>"  request
 *   "cancel <id>"
 *   "send <target> <text>" (at once, by import), "clock" (now_ms), "mono" (monotonic_ns),
 *   "log <level> <text>", "trap"
 * The outbox (docs/abi.md §2):
 *   "queue <target> <text>"  queue a send in the outbox (no result but WH_OK)
 *   "order <target>"         "o1" queued, "o2" sent by import, "o3" queued, "o4" published
 *                            on "order.seen" by import, "o5" queued
 *   "queue_trap <target> <text>"  queue a send, then trap
 *   "queue_spin <target> <text>"  queue a send, then loop until the deadline
 *   "garble <used|op|length>"     leave a malformed outbox: used past its capacity,
 *                                 an unknown op, a record longer than the bytes used
 * A command's result (the import's return value) is the reply if the command
 * came as a request. Anything else, and every callback, is reported to @host as
 * "msg|<kind>|<sender>|<topic>|<payload>" or "cb|<id>|<status>|<payload>"; a
 * callback whose payload starts with "trap" traps instead. */
#include <wasmhive.h>

static int32_t report_to_host(const char* text, uint32_t len) {
  return wh_send_n("@host", 5, text, len);
}

static int64_t order(const char* target, uint32_t len) {
  wh_send_n(target, len, "o1", 2);
  int32_t rc = wh_send_checked_n(target, len, "o2", 2);
  wh_send_n(target, len, "o3", 2);
  if (rc == WH_OK) rc = wh_publish_checked("order.seen", "o4", 2); /* subscribers reached */
  wh_send_n(target, len, "o5", 2);
  return rc < 0 ? rc : WH_OK;
}

/* A hostile guest's outbox: the host must refuse it, not read past it. */
static int64_t garble(const uint8_t* how, uint32_t len) {
  wh_outbox* box = &wh_outbox_storage;
  uint32_t* record = (uint32_t*)box->data;
  if (wh_equals(how, len, "used")) {
    box->used = WH_OUTBOX_CAPACITY + 1;
  } else if (wh_equals(how, len, "op")) {
    record[0] = 7, record[1] = 0, record[2] = 0;
    box->used = WH_OUTBOX_RECORD_HEADER;
  } else if (wh_equals(how, len, "length")) {
    record[0] = WH_OUTBOX_SEND, record[1] = 5, record[2] = 0xfffffff0u;
    box->used = WH_OUTBOX_RECORD_HEADER + 5;
  } else {
    return WH_ERR_INVALID;
  }
  return WH_OK;
}

static int64_t run(const uint8_t* p, uint32_t n) {
  uint32_t cmd = wh_token_len(p, n);
  const uint8_t* arg = p + cmd + 1;
  uint32_t arg_len = cmd + 1 < n ? n - cmd - 1 : 0;
  uint32_t first = wh_token_len(arg, arg_len);
  const uint8_t* rest = arg + first + 1;
  uint32_t rest_len = first + 1 < arg_len ? arg_len - first - 1 : 0;
  if (wh_equals(p, cmd, "bcast")) {
    static char names[1024];
    for (uint32_t i = 0; i < first; ++i) names[i] = arg[i] == ',' ? '\n' : (char)arg[i];
    return wh_raw_broadcast(names, (int32_t)first, rest, (int32_t)rest_len);
  }
  if (wh_equals(p, cmd, "pub")) return wh_raw_publish(arg, (int32_t)first, rest, (int32_t)rest_len);
  if (wh_equals(p, cmd, "sub")) return wh_raw_subscribe(arg, (int32_t)first);
  if (wh_equals(p, cmd, "unsub")) return wh_raw_unsubscribe(arg, (int32_t)first);
  if (wh_equals(p, cmd, "cancel")) return wh_cancel(wh_parse_i64(arg, first));
  if (wh_equals(p, cmd, "req")) {
    uint32_t timeout_len = wh_token_len(rest, rest_len);
    const uint8_t* body = rest + timeout_len + 1;
    uint32_t body_len = timeout_len + 1 < rest_len ? rest_len - timeout_len - 1 : 0;
    return wh_raw_request(arg, (int32_t)first, body, (int32_t)body_len,
                          wh_parse_i64(rest, timeout_len));
  }
  if (wh_equals(p, cmd, "send")) return wh_send_checked_n((const char*)arg, first, rest, rest_len);
  if (wh_equals(p, cmd, "queue")) return wh_send_n((const char*)arg, first, rest, rest_len);
  if (wh_equals(p, cmd, "queue_trap")) {
    wh_send_n((const char*)arg, first, rest, rest_len);
    __builtin_trap();
  }
  if (wh_equals(p, cmd, "queue_spin")) {
    wh_send_n((const char*)arg, first, rest, rest_len);
    for (volatile int forever = 1; forever;) {
    }
  }
  if (wh_equals(p, cmd, "order")) return order((const char*)arg, first);
  if (wh_equals(p, cmd, "garble")) return garble(arg, first);
  if (wh_equals(p, cmd, "clock")) return wh_now_ms();
  if (wh_equals(p, cmd, "mono")) return wh_monotonic_ns();
  if (wh_equals(p, cmd, "log"))
    return wh_log_n((int32_t)wh_parse_i64(arg, first), (const char*)rest, rest_len);
  if (wh_equals(p, cmd, "trap")) __builtin_trap();
  return WH_ERR_UNSUPPORTED;
}

static int is_command(const uint8_t* p, uint32_t n) {
  uint32_t cmd = wh_token_len(p, n);
  return wh_equals(p, cmd, "bcast") || wh_equals(p, cmd, "pub") || wh_equals(p, cmd, "sub") ||
         wh_equals(p, cmd, "unsub") || wh_equals(p, cmd, "req") || wh_equals(p, cmd, "cancel") ||
         wh_equals(p, cmd, "send") || wh_equals(p, cmd, "clock") || wh_equals(p, cmd, "mono") ||
         wh_equals(p, cmd, "log") || wh_equals(p, cmd, "trap") || wh_equals(p, cmd, "queue") ||
         wh_equals(p, cmd, "queue_trap") || wh_equals(p, cmd, "queue_spin") ||
         wh_equals(p, cmd, "order") || wh_equals(p, cmd, "garble");
}

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_PUBLISH && is_command(msg->payload, msg->payload_len)) {
    int64_t result = run(msg->payload, msg->payload_len);
    if (msg->kind != WH_KIND_REQUEST) return 0;
    char out[24];
    return wh_reply(out, wh_append_i64(out, 0, result));
  }
  static char out[64 + 3 * WH_MAX_NAME + WH_MAX_PAYLOAD];
  uint32_t n = wh_append(out, 0, "msg|", 4);
  n = wh_append_i64(out, n, msg->kind);
  out[n++] = '|';
  n = wh_append(out, n, msg->sender, msg->sender_len);
  out[n++] = '|';
  n = wh_append(out, n, msg->topic, msg->topic_len);
  out[n++] = '|';
  n = wh_append(out, n, msg->payload, msg->payload_len);
  if (msg->kind == WH_KIND_REQUEST) wh_reply(msg->payload, msg->payload_len);
  return report_to_host(out, n);
}

WH_ON_CALLBACK(cb) {
  /* An answer "trap..." makes the callback trap (a failed callback). */
  if (wh_starts_with(cb->payload, cb->payload_len, "trap")) __builtin_trap();
  static char out[64 + WH_MAX_PAYLOAD];
  uint32_t n = wh_append(out, 0, "cb|", 3);
  n = wh_append_i64(out, n, cb->correlation_id);
  out[n++] = '|';
  n = wh_append_i64(out, n, cb->status);
  out[n++] = '|';
  n = wh_append(out, n, cb->payload, cb->payload_len);
  return report_to_host(out, n);
}
