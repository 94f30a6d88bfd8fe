/* wasmhive C guest SDK, ABI v1. Header-only and freestanding (no libc needed).
 *
 * A component:
 *
 *   #include <wasmhive.h>
 *
 *   WH_ON_MESSAGE(msg) {                    // defines the handle_message export
 *     if (msg->kind == WH_KIND_REQUEST) return wh_reply(msg->payload, msg->payload_len);
 *     return wh_send_n(msg->sender, msg->sender_len, msg->payload, msg->payload_len);
 *   }
 *
 * Build: clang-14 --target=wasm32 -O2 -nostdlib -mbulk-memory -I sdk/c \
 *          -Wl,--no-entry -Wl,--export-dynamic echo.c -o echo.wasm
 *
 * WH_ON_MESSAGE also exports the ABI version marker, the inbox and the outbox; use
 * it exactly once per component. WH_ON_CALLBACK, WH_ON_INIT, WH_ON_SHUTDOWN are optional,
 * and so is WH_METADATA (at the end of this file), which describes the component
 * to `wasmhive inspect`. The contract itself is docs/abi.md. */
#ifndef WASMHIVE_H
#define WASMHIVE_H

#include <stddef.h>
#include <stdint.h>

/* Largest payload the SDK's inbox holds; define before including to change. */
#ifndef WH_MAX_PAYLOAD
#define WH_MAX_PAYLOAD 65536
#endif
#define WH_MAX_NAME 256
/* Bytes of the outbox where wh_send_n, wh_reply and wh_publish queue their
 * messages (see "The outbox" below); 0: no outbox, every send is an import call. */
#ifndef WH_OUTBOX_CAPACITY
#define WH_OUTBOX_CAPACITY 4096
#endif

/* Error codes returned (negated) by host functions. */
#define WH_OK 0
#define WH_ERR_INVALID (-1)
#define WH_ERR_FAULT (-2)
#define WH_ERR_NOT_FOUND (-3)
#define WH_ERR_DENIED (-4)
#define WH_ERR_BUSY (-5)
#define WH_ERR_TOO_BIG (-6)
#define WH_ERR_RANGE (-7)
#define WH_ERR_STATE (-8)
#define WH_ERR_LIMIT (-9)
#define WH_ERR_UNSUPPORTED (-10)
#define WH_ERR_IO (-11)

/* handle_callback status. */
#define WH_STATUS_OK 0
#define WH_STATUS_TIMEOUT 1
#define WH_STATUS_TARGET_ERROR 2
#define WH_STATUS_UNKNOWN_TARGET 3
#define WH_STATUS_DENIED 4

/* msg_kind() values. */
#define WH_KIND_SEND 0
#define WH_KIND_REQUEST 1
#define WH_KIND_PUBLISH 2
#define WH_KIND_CALLBACK 3
#define WH_KIND_TIMER 4

/* storage_usage fields. */
#define WH_USAGE_BYTES 0
#define WH_USAGE_KEYS 1
#define WH_USAGE_QUOTA_BYTES 2
#define WH_USAGE_QUOTA_KEYS 3

#define WH_LOG_TRACE 0
#define WH_LOG_DEBUG 1
#define WH_LOG_INFO 2
#define WH_LOG_WARN 3
#define WH_LOG_ERROR 4

#define WH_IMPORT(name) __attribute__((import_module("wasmhive"), import_name(#name)))
#define WH_EXPORT(name) __attribute__((export_name(#name)))

/* Raw imports: pointers are offsets in this module's memory. */
WH_IMPORT(msg_sender) int32_t wh_raw_msg_sender(void* buf, int32_t cap);
WH_IMPORT(msg_payload) int32_t wh_raw_msg_payload(void* buf, int32_t cap);
WH_IMPORT(msg_kind) int32_t wh_raw_msg_kind(void);
WH_IMPORT(msg_topic) int32_t wh_raw_msg_topic(void* buf, int32_t cap);
WH_IMPORT(send)
int32_t wh_raw_send(const void* target, int32_t target_len, const void* payload, int32_t len);
WH_IMPORT(request)
int64_t wh_raw_request(const void* target, int32_t target_len, const void* payload, int32_t len,
                       int64_t timeout_ms);
WH_IMPORT(reply) int32_t wh_raw_reply(const void* payload, int32_t len);
WH_IMPORT(cancel) int32_t wh_raw_cancel(int64_t correlation_id);
WH_IMPORT(broadcast)
int32_t wh_raw_broadcast(const void* targets, int32_t targets_len, const void* payload,
                         int32_t len);
WH_IMPORT(publish)
int32_t wh_raw_publish(const void* topic, int32_t topic_len, const void* payload, int32_t len);
WH_IMPORT(subscribe) int32_t wh_raw_subscribe(const void* topic, int32_t topic_len);
WH_IMPORT(unsubscribe) int32_t wh_raw_unsubscribe(const void* topic, int32_t topic_len);
WH_IMPORT(self_id) int32_t wh_raw_self_id(void* buf, int32_t cap);
WH_IMPORT(log) int32_t wh_raw_log(int32_t level, const void* msg, int32_t len);
WH_IMPORT(now_ms) int64_t wh_raw_now_ms(void);
WH_IMPORT(monotonic_ns) int64_t wh_raw_monotonic_ns(void);
WH_IMPORT(storage_get)
int32_t wh_raw_storage_get(const void* key, int32_t key_len, void* buf, int32_t cap);
WH_IMPORT(storage_exists) int32_t wh_raw_storage_exists(const void* key, int32_t key_len);
WH_IMPORT(storage_set)
int32_t wh_raw_storage_set(const void* key, int32_t key_len, const void* value, int32_t len);
WH_IMPORT(storage_delete) int32_t wh_raw_storage_delete(const void* key, int32_t key_len);
WH_IMPORT(storage_list)
int32_t wh_raw_storage_list(const void* prefix, int32_t prefix_len, const void* after,
                            int32_t after_len, void* buf, int32_t cap);
WH_IMPORT(storage_usage) int64_t wh_raw_storage_usage(int32_t field);
WH_IMPORT(send_after)
int64_t wh_raw_send_after(int64_t delay_ms, const void* payload, int32_t len);
WH_IMPORT(cancel_timer) int32_t wh_raw_cancel_timer(int64_t id);
WH_IMPORT(config_get)
int32_t wh_raw_config_get(const void* key, int32_t key_len, void* buf, int32_t cap);

static inline uint32_t wh_strlen(const char* s) {
  uint32_t n = 0;
  while (s[n]) ++n;
  return n;
}

/* The message being handled. Its bytes live in the SDK's inbox: valid until the
 * handler returns. */
typedef struct {
  int32_t kind; /* WH_KIND_* */
  const char* sender;
  uint32_t sender_len;
  const char* topic; /* for WH_KIND_PUBLISH, else empty */
  uint32_t topic_len;
  const uint8_t* payload;
  uint32_t payload_len;
} wh_message;

typedef struct {
  int64_t correlation_id;
  int32_t status; /* WH_STATUS_* */
  const uint8_t* payload;
  uint32_t payload_len;
} wh_callback;

/* The outbox (docs/abi.md §2): wh_send_n, wh_send, wh_reply and wh_publish
 * queue their message here when it fits, and the host sends the queue when the
 * handler returns, or before the next import that sends, so order is kept:
 * one host call less per message. A queued message has no result to return
 * (they return WH_OK): one the host cannot deliver (no such target, full
 * mailbox, denied, too big) becomes a dead letter, as Erlang's `!` reports
 * nothing. The *_checked variants call the host at once and return its code. */
#define WH_OUTBOX_SEND 0
#define WH_OUTBOX_REPLY 1
#define WH_OUTBOX_PUBLISH 2
#define WH_OUTBOX_RECORD_HEADER 12
#if WH_OUTBOX_CAPACITY > 0
typedef struct {
  uint32_t used; /* bytes of records in data; the host sets it back to 0 */
  uint8_t data[WH_OUTBOX_CAPACITY];
} wh_outbox;
extern wh_outbox wh_outbox_storage;
/* Whether the host asked where the outbox is: a host that does not know the
 * outbox never asks, and then every message goes by import. A wasm global,
 * not a variable in linear memory: asking touches no page of an idle
 * component. Defined (hidden, not exported) by WH_OUTBOX_DEFINE. */
__asm__(".globaltype wh_outbox_in_use, i32\n");
static inline int wh_outbox_asked(void) {
  int in_use;
  __asm__ volatile("global.get wh_outbox_in_use\n\tlocal.set %0" : "=r"(in_use));
  return in_use;
}
static inline void wh_outbox_mark_asked(void) {
  __asm__ volatile("i32.const 1\n\tglobal.set wh_outbox_in_use");
}
#define WH_OUTBOX_DEFINE()                                                               \
  __asm__(".globl wh_outbox_in_use\n.hidden wh_outbox_in_use\nwh_outbox_in_use:\n");     \
  wh_outbox wh_outbox_storage;                                                           \
  WH_EXPORT(wasmhive_outbox) uint64_t wh_outbox_announce(void) {                         \
    wh_outbox_mark_asked();                                                              \
    return (uint64_t)WH_OUTBOX_CAPACITY << 32 | (uint32_t)(uintptr_t)&wh_outbox_storage; \
  }
/* 1 if the record was queued; 0 if it does not fit or the host takes no
 * outbox (then call the host). */
static inline int wh_outbox_put(uint32_t op, const void* name, uint32_t name_len,
                                const void* payload, uint32_t len) {
  wh_outbox* box = &wh_outbox_storage;
  if (!wh_outbox_asked()) return 0;
  uint32_t room = WH_OUTBOX_CAPACITY - box->used;
  if (room < WH_OUTBOX_RECORD_HEADER || name_len > room - WH_OUTBOX_RECORD_HEADER ||
      len > room - WH_OUTBOX_RECORD_HEADER - name_len)
    return 0;
  uint8_t* at = box->data + box->used;
  uint32_t header[3] = {op, name_len, len};
  __builtin_memcpy(at, header, WH_OUTBOX_RECORD_HEADER);
  __builtin_memcpy(at + WH_OUTBOX_RECORD_HEADER, name, name_len);
  __builtin_memcpy(at + WH_OUTBOX_RECORD_HEADER + name_len, payload, len);
  box->used += WH_OUTBOX_RECORD_HEADER + name_len + len;
  return 1;
}
#else
#define WH_OUTBOX_DEFINE()
static inline int wh_outbox_put(uint32_t op, const void* name, uint32_t name_len,
                                const void* payload, uint32_t len) {
  (void)op, (void)name, (void)name_len, (void)payload, (void)len;
  return 0;
}
#endif

/* Sends at once and returns the host's code: WH_ERR_NOT_FOUND, WH_ERR_BUSY, ... */
static inline int32_t wh_send_checked_n(const char* target, uint32_t target_len,
                                        const void* payload, uint32_t len) {
  return wh_raw_send(target, (int32_t)target_len, payload, (int32_t)len);
}
static inline int32_t wh_send_checked(const char* target, const void* payload, uint32_t len) {
  return wh_send_checked_n(target, wh_strlen(target), payload, len);
}
/* Queues the message in the outbox (WH_OK), or sends it at once if it does not fit. */
static inline int32_t wh_send_n(const char* target, uint32_t target_len, const void* payload,
                                uint32_t len) {
  if (wh_outbox_put(WH_OUTBOX_SEND, target, target_len, payload, len)) return WH_OK;
  return wh_send_checked_n(target, target_len, payload, len);
}
static inline int32_t wh_send(const char* target, const void* payload, uint32_t len) {
  return wh_send_n(target, wh_strlen(target), payload, len);
}
/* Returns a correlation id (> 0) or a WH_ERR_* code; the answer arrives in WH_ON_CALLBACK. */
static inline int64_t wh_request(const char* target, const void* payload, uint32_t len,
                                 int64_t timeout_ms) {
  return wh_raw_request(target, (int32_t)wh_strlen(target), payload, (int32_t)len, timeout_ms);
}
/* Answers the request being handled at once: WH_ERR_STATE if there is none. */
static inline int32_t wh_reply_checked(const void* payload, uint32_t len) {
  return wh_raw_reply(payload, (int32_t)len);
}
/* Queues the answer in the outbox (WH_OK), or answers at once if it does not fit. */
static inline int32_t wh_reply(const void* payload, uint32_t len) {
  if (wh_outbox_put(WH_OUTBOX_REPLY, "", 0, payload, len)) return WH_OK;
  return wh_reply_checked(payload, len);
}
static inline int32_t wh_cancel(int64_t correlation_id) {
  return wh_raw_cancel(correlation_id);
}
/* `targets`: names separated by '\n'. */
static inline int32_t wh_broadcast(const char* targets, const void* payload, uint32_t len) {
  return wh_raw_broadcast(targets, (int32_t)wh_strlen(targets), payload, (int32_t)len);
}
static inline int32_t wh_publish_checked(const char* topic, const void* payload, uint32_t len) {
  return wh_raw_publish(topic, (int32_t)wh_strlen(topic), payload, (int32_t)len);
}
/* Queues the publication in the outbox (WH_OK), or publishes at once if it does not fit. */
static inline int32_t wh_publish(const char* topic, const void* payload, uint32_t len) {
  uint32_t topic_len = wh_strlen(topic);
  if (wh_outbox_put(WH_OUTBOX_PUBLISH, topic, topic_len, payload, len)) return WH_OK;
  return wh_publish_checked(topic, payload, len);
}
static inline int32_t wh_subscribe(const char* topic) {
  return wh_raw_subscribe(topic, (int32_t)wh_strlen(topic));
}
static inline int32_t wh_unsubscribe(const char* topic) {
  return wh_raw_unsubscribe(topic, (int32_t)wh_strlen(topic));
}
static inline int32_t wh_log_n(int32_t level, const char* msg, uint32_t len) {
  return wh_raw_log(level, msg, (int32_t)len);
}
static inline int32_t wh_log(int32_t level, const char* msg) {
  return wh_log_n(level, msg, wh_strlen(msg));
}
static inline int64_t wh_now_ms(void) {
  return wh_raw_now_ms();
}
/* Nanoseconds on the host's steady clock, for measuring intervals. */
static inline int64_t wh_monotonic_ns(void) {
  return wh_raw_monotonic_ns();
}
static inline int32_t wh_self_id(char* buf, uint32_t cap) {
  return wh_raw_self_id(buf, (int32_t)cap);
}

/* Storage (docs/abi.md §storage): the component's own keys, kept across
 * restarts. Writes take effect when the handler returns 0; a trap or another
 * return value discards them. Keys are C strings here; the raw imports take
 * any bytes. */
/* The value's length, copied into buf; WH_ERR_NOT_FOUND, WH_ERR_RANGE (buf too small), ... */
static inline int32_t wh_storage_get(const char* key, void* buf, uint32_t cap) {
  return wh_raw_storage_get(key, (int32_t)wh_strlen(key), buf, (int32_t)cap);
}
/* The value's length (>= 0), or WH_ERR_NOT_FOUND. */
static inline int32_t wh_storage_exists(const char* key) {
  return wh_raw_storage_exists(key, (int32_t)wh_strlen(key));
}
static inline int32_t wh_storage_set(const char* key, const void* value, uint32_t len) {
  return wh_raw_storage_set(key, (int32_t)wh_strlen(key), value, (int32_t)len);
}
static inline int32_t wh_storage_delete(const char* key) {
  return wh_raw_storage_delete(key, (int32_t)wh_strlen(key));
}
/* A page of keys starting with `prefix` after `after` ("" for the first page),
 * as 4-byte little-endian lengths each followed by the key's bytes; returns the
 * bytes written, 0 when there are no more. */
static inline int32_t wh_storage_list(const char* prefix, const void* after, uint32_t after_len,
                                      void* buf, uint32_t cap) {
  return wh_raw_storage_list(prefix, (int32_t)wh_strlen(prefix), after, (int32_t)after_len, buf,
                             (int32_t)cap);
}
static inline int64_t wh_storage_usage(int32_t field) {
  return wh_raw_storage_usage(field);
}
/* Storage of a signed 64-bit number as its decimal text. `fallback` when absent. */
static inline int64_t wh_storage_get_i64(const char* key, int64_t fallback);
static inline int32_t wh_storage_set_i64(const char* key, int64_t value);

/* A WH_KIND_TIMER message to itself with `payload` after `delay_ms`: a timer id
 * (> 0) or a WH_ERR_* code. Armed when the handler returns 0; dropped when the
 * instance is (a restart). */
static inline int64_t wh_send_after(int64_t delay_ms, const void* payload, uint32_t len) {
  return wh_raw_send_after(delay_ms, payload, (int32_t)len);
}
static inline int32_t wh_cancel_timer(int64_t id) {
  return wh_raw_cancel_timer(id);
}
/* Its manifest's [component.config] value for `key`, copied into buf: the length,
 * or WH_ERR_NOT_FOUND, WH_ERR_RANGE. */
static inline int32_t wh_config_get(const char* key, char* buf, uint32_t cap) {
  return wh_raw_config_get(key, (int32_t)wh_strlen(key), buf, (int32_t)cap);
}

/* Small helpers for building text payloads without libc. */
static inline uint32_t wh_append(char* out, uint32_t at, const void* src, uint32_t len) {
  __builtin_memcpy(out + at, src, len);
  return at + len;
}
static inline uint32_t wh_append_i64(char* out, uint32_t at, int64_t value) {
  char digits[20];
  uint32_t n = 0;
  uint64_t v = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  if (value < 0) out[at++] = '-';
  while (n) out[at++] = digits[--n];
  return at;
}
/* Reads a decimal integer (optional leading '-') from the start of `s`; stops at
 * the first non-digit. */
static inline int64_t wh_parse_i64(const void* s, uint32_t len) {
  const uint8_t* p = (const uint8_t*)s;
  uint32_t i = 0;
  int negative = len > 0 && p[0] == '-';
  int64_t v = 0;
  for (i = (uint32_t)negative; i < len && p[i] >= '0' && p[i] <= '9'; ++i)
    v = v * 10 + (p[i] - '0');
  return negative ? -v : v;
}
/* Length of the first space-separated token of `s`. */
static inline uint32_t wh_token_len(const void* s, uint32_t len) {
  const uint8_t* p = (const uint8_t*)s;
  uint32_t n = 0;
  while (n < len && p[n] != ' ') ++n;
  return n;
}

/* Freestanding: no memcmp to call, so compare by hand. */
static inline int wh_starts_with(const void* data, uint32_t len, const char* prefix) {
  const char* d = (const char*)data;
  uint32_t i = 0;
  for (; prefix[i]; ++i)
    if (i >= len || d[i] != prefix[i]) return 0;
  return 1;
}
static inline int wh_equals(const void* data, uint32_t len, const char* text) {
  return len == wh_strlen(text) && wh_starts_with(data, len, text);
}

static inline int64_t wh_storage_get_i64(const char* key, int64_t fallback) {
  char text[24];
  int32_t n = wh_storage_get(key, text, sizeof text);
  return n < 0 ? fallback : wh_parse_i64(text, (uint32_t)n);
}
static inline int32_t wh_storage_set_i64(const char* key, int64_t value) {
  char text[24];
  return wh_storage_set(key, text, wh_append_i64(text, 0, value));
}

/* The inbox (docs/abi.md §2): before each handle_message / handle_callback the
 * host writes the message here, so the SDK needs no import to read it. */
#define WH_INBOX_CAPACITY (2 * WH_MAX_NAME + WH_MAX_PAYLOAD)
typedef struct {
  uint32_t filled; /* 1: data holds sender, topic, payload; 0: pull them by import */
  uint32_t kind;
  uint32_t sender_len;
  uint32_t topic_len;
  uint32_t payload_len;
  uint8_t data[WH_INBOX_CAPACITY];
} wh_inbox;
extern wh_inbox wh_inbox_storage;

/* Pulls the current message by import into the inbox's data area; the path for
 * a message the host did not write into the inbox. */
static inline int32_t wh_pull_message(wh_message* m, int32_t sender_len, int32_t payload_len) {
  if (sender_len < 0 || sender_len > WH_MAX_NAME || payload_len < 0 || payload_len > WH_MAX_PAYLOAD)
    return WH_ERR_TOO_BIG;
  char* sender = (char*)wh_inbox_storage.data;
  char* topic = sender + WH_MAX_NAME;
  uint8_t* payload = wh_inbox_storage.data + 2 * WH_MAX_NAME;
  int32_t n = wh_raw_msg_sender(sender, sender_len);
  if (n < 0) return n;
  m->sender = sender;
  m->sender_len = (uint32_t)n;
  m->kind = wh_raw_msg_kind();
  m->topic = topic;
  m->topic_len = 0;
  if (m->kind == WH_KIND_PUBLISH) {
    n = wh_raw_msg_topic(topic, WH_MAX_NAME);
    if (n < 0) return n;
    m->topic_len = (uint32_t)n;
  }
  n = wh_raw_msg_payload(payload, payload_len);
  if (n < 0) return n;
  m->payload = payload;
  m->payload_len = (uint32_t)n;
  return WH_OK;
}

static inline int32_t wh_load_message(wh_message* m, int32_t sender_len, int32_t payload_len) {
  const wh_inbox* in = &wh_inbox_storage;
  if (!in->filled) return wh_pull_message(m, sender_len, payload_len);
  m->kind = (int32_t)in->kind;
  m->sender = (const char*)in->data;
  m->sender_len = in->sender_len;
  m->topic = m->sender + in->sender_len;
  m->topic_len = in->topic_len;
  m->payload = (const uint8_t*)m->topic + in->topic_len;
  m->payload_len = in->payload_len;
  return WH_OK;
}

static inline int32_t wh_load_callback(wh_callback* c, int32_t payload_len) {
  const wh_inbox* in = &wh_inbox_storage;
  if (in->filled) {
    c->payload = in->data + in->sender_len + in->topic_len;
    c->payload_len = in->payload_len;
    return WH_OK;
  }
  if (payload_len < 0 || payload_len > WH_MAX_PAYLOAD) return WH_ERR_TOO_BIG;
  int32_t n = wh_raw_msg_payload(wh_inbox_storage.data, payload_len);
  if (n < 0) return n;
  c->payload = wh_inbox_storage.data;
  c->payload_len = (uint32_t)n;
  return WH_OK;
}

#define WH_ON_MESSAGE(msg)                                                                       \
  WH_EXPORT(wasmhive_abi_v1) void wh_abi_v1_marker(void) {}                                      \
  WH_OUTBOX_DEFINE()                                                                             \
  wh_inbox wh_inbox_storage;                                                                     \
  WH_EXPORT(wasmhive_inbox) uint64_t wh_inbox_announce(void) {                                   \
    return (uint64_t)WH_INBOX_CAPACITY << 32 | (uint32_t)(uintptr_t)&wh_inbox_storage;           \
  }                                                                                              \
  static int32_t wh_user_on_message(const wh_message* msg);                                      \
  WH_EXPORT(handle_message) int32_t wh_handle_message(int32_t sender_len, int32_t payload_len) { \
    wh_message m;                                                                                \
    int32_t rc = wh_load_message(&m, sender_len, payload_len);                                   \
    return rc < 0 ? rc : wh_user_on_message(&m);                                                 \
  }                                                                                              \
  static int32_t wh_user_on_message(const wh_message* msg)

#define WH_ON_CALLBACK(cb)                                                      \
  static int32_t wh_user_on_callback(const wh_callback* cb);                    \
  WH_EXPORT(handle_callback)                                                    \
  int32_t wh_handle_callback(int64_t id, int32_t status, int32_t payload_len) { \
    wh_callback c = {id, status, 0, 0};                                         \
    int32_t rc = wh_load_callback(&c, payload_len);                             \
    return rc < 0 ? rc : wh_user_on_callback(&c);                               \
  }                                                                             \
  static int32_t wh_user_on_callback(const wh_callback* cb)

#define WH_ON_INIT() WH_EXPORT(init) int32_t wh_init(void)
#define WH_ON_SHUTDOWN() WH_EXPORT(shutdown) void wh_shutdown(void)
#define WH_ON_HEALTH() WH_EXPORT(health) int32_t wh_health(void)

/* Metadata (docs/abi.md §9): the component's name, version, description,
 * authors and license, which `wasmhive inspect` shows without running it.
 * Optional; at most once per component (in one source file), at file scope:
 *
 *   WH_METADATA("name=shop/cart\n"
 *               "version=1.2.0\n"
 *               "authors=Ada Lovelace, Charles Babbage\n"
 *               "license=MIT\n");
 *
 * `text` is a string literal, or adjacent literals and macros that expand to
 * them. Its bytes become the custom section "wasmhive_metadata" exactly, without
 * a trailing NUL; the section takes no linear memory and no code runs for it.
 * The assembler, not the C compiler, reads the literal: use no escapes but \n,
 * \", \\ and \xNN (\u is not understood), and UTF-8 text as is. A module whose
 * metadata breaks the format (a key twice, a control character, a value too
 * long, ...) is refused at load, naming the line. Used in two files, it gives
 * one section: the linker joins the texts, so a key given in both is refused.
 * wasm-ld keeps the section (also with --strip-debug); wasm-strip (wabt)
 * removes it with every other custom section.
 *
 * Why top-level asm: with clang-14, __attribute__((section(
 * ".custom_section.wasmhive_metadata"), used)) on a const char array makes a
 * data segment in linear memory (dropped altogether when the array is static),
 * not a custom section; only the assembler's .section directive does. */
#define WH_METADATA_STRING(text) #text
#define WH_METADATA(text) \
  __asm__(                \
      ".section .custom_section.wasmhive_metadata,\"\",@\n.ascii " WH_METADATA_STRING(text) "\n")

#endif /* WASMHIVE_H */
