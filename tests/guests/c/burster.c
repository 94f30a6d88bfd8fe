/* Burster: "burst <target> <n> <timeout_ms>" makes n requests to target in one
 * handler call, so all n are outstanding at once; it counts their callbacks by
 * status. A request "?" replies "<ok> <timeout> <other> <refused>", where
 * refused counts requests the host refused outright.
 * "chain <target> <n>" makes n requests one after the other (each callback
 * sends the next), timing each round trip with monotonic_ns, and then tells
 * the host "done <n> <p50_ns> <p99_ns> <p999_ns>": a round-trip timer. */
#include <wasmhive.h>

static int64_t ok, timed_out, other, refused;
static char chain_target[WH_MAX_NAME];
static uint32_t chain_target_len;
static int64_t chain_left, chain_total;

/* Round-trip times of a chain in 10 ns buckets; the last one holds the rest. */
#define BUCKET_NS 10
#define BUCKETS 20000
static uint32_t latency[BUCKETS + 1];
static int64_t sent_at;

static void record(int64_t now) {
  int64_t bucket = (now - sent_at) / BUCKET_NS;
  ++latency[bucket < 0 ? 0 : bucket > BUCKETS ? BUCKETS : bucket];
}
/* Upper bound of the bucket holding the q-th (per mille) sample. */
static int64_t percentile_ns(int64_t samples, int64_t per_mille) {
  int64_t rank = (samples * per_mille + 999) / 1000, seen = 0;
  for (int64_t b = 0; b <= BUCKETS; ++b)
    if ((seen += latency[b]) >= rank) return (b + 1) * BUCKET_NS;
  return (BUCKETS + 1) * BUCKET_NS;
}
static int32_t chain_request(void) {
  int64_t id = wh_raw_request(chain_target, (int32_t)chain_target_len, "x", 1, 10000);
  return id < 0 ? (int32_t)id : 0;
}

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_REQUEST) {
    char out[96];
    uint32_t n = wh_append_i64(out, 0, ok);
    out[n++] = ' ';
    n = wh_append_i64(out, n, timed_out);
    out[n++] = ' ';
    n = wh_append_i64(out, n, other);
    out[n++] = ' ';
    n = wh_append_i64(out, n, refused);
    return wh_reply(out, n);
  }
  if (wh_starts_with(msg->payload, msg->payload_len, "chain ")) {
    const uint8_t* p = msg->payload + 6;
    uint32_t len = msg->payload_len - 6;
    chain_target_len = wh_token_len(p, len);
    __builtin_memcpy(chain_target, p, chain_target_len);
    chain_total = chain_left = wh_parse_i64(p + chain_target_len + 1, len - chain_target_len - 1);
    for (int b = 0; b <= BUCKETS; ++b) latency[b] = 0;
    sent_at = wh_monotonic_ns();
    return chain_request();
  }
  /* "burst <target> <n> <timeout_ms>" */
  const uint8_t* p = msg->payload + 6;
  uint32_t len = msg->payload_len > 6 ? msg->payload_len - 6 : 0;
  uint32_t target_len = wh_token_len(p, len);
  const uint8_t* count_at = p + target_len + 1;
  uint32_t count_len = wh_token_len(count_at, len - target_len - 1);
  int64_t count = wh_parse_i64(count_at, count_len);
  const uint8_t* timeout_at = count_at + count_len + 1;
  int64_t timeout = wh_parse_i64(timeout_at, len - target_len - count_len - 2);
  for (int64_t i = 0; i < count; ++i)
    if (wh_raw_request(p, (int32_t)target_len, "x", 1, timeout) < 0) ++refused;
  return 0;
}

WH_ON_CALLBACK(cb) {
  if (chain_left > 0) {
    int64_t now = wh_monotonic_ns();
    record(now);
    if (--chain_left > 0) {
      sent_at = now;  // the next request leaves now: one clock read per round trip
      return chain_request();
    }
    char done[96];
    uint32_t n = wh_append(done, 0, "done ", 5);
    n = wh_append_i64(done, n, chain_total);
    static const int64_t per_mille[] = {500, 990, 999};
    for (int i = 0; i < 3; ++i) {
      done[n++] = ' ';
      n = wh_append_i64(done, n, percentile_ns(chain_total, per_mille[i]));
    }
    return wh_send("@host", done, n);
  }
  if (cb->status == WH_STATUS_OK)
    ++ok;
  else if (cb->status == WH_STATUS_TIMEOUT)
    ++timed_out;
  else
    ++other;
  return 0;
}
