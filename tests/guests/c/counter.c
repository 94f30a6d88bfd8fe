/* Counter: checks that messages from each sender arrive once and in order.
 * Each payload is 12 bytes: sender index (u32, < 64) and sequence number
 * (u64, from 0), little endian. A request replies "<total> <errors>", where an
 * error is a lost, repeated or reordered message. */
#include <wasmhive.h>

#define MAX_SENDERS 64

static uint64_t expected[MAX_SENDERS];
static int64_t total, errors;

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_REQUEST) {
    char out[48];
    uint32_t n = wh_append_i64(out, 0, total);
    out[n++] = ' ';
    n = wh_append_i64(out, n, errors);
    return wh_reply(out, n);
  }
  if (msg->payload_len != 12) return ++errors, WH_ERR_INVALID;
  uint32_t sender;
  uint64_t seq;
  __builtin_memcpy(&sender, msg->payload, 4);
  __builtin_memcpy(&seq, msg->payload + 4, 8);
  if (sender >= MAX_SENDERS) return ++errors, WH_ERR_INVALID;
  if (seq != expected[sender]) ++errors;
  expected[sender] = seq + 1;
  ++total;
  return 0;
}
