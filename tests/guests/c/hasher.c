/* Hasher: compute-bound work, for fuel metering's tests and benchmark. A
 * request "<rounds>" (a decimal number) is answered with the hex digest of
 * that many rounds of a 64-byte mixing function over a buffer; "<rounds> deep"
 * does the same by recursion, one call per round, so that enough rounds
 * overflow any stack. The export hash_rounds(rounds) does the work alone, for
 * a benchmark that calls it directly. */
#include <wasmhive.h>

static uint64_t state[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static uint64_t rotate(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static void round_once(void) {
  for (int i = 0; i < 8; ++i) {
    uint64_t x = state[i] ^ state[(i + 3) & 7];
    x *= 0x9e3779b97f4a7c15ull;
    state[i] = rotate(x, 29) + state[(i + 5) & 7];
  }
}

__attribute__((export_name("hash_rounds"))) int64_t hash_rounds(int32_t rounds) {
  for (int32_t r = 0; r < rounds; ++r) round_once();
  return (int64_t)(state[0] ^ state[7]);
}

static __attribute__((noinline)) uint64_t hash_deep(int64_t rounds) {
  if (rounds <= 0) return state[0];
  round_once();
  return hash_deep(rounds - 1) + 1; /* not a tail call: every round keeps a frame */
}

WH_ON_MESSAGE(msg) {
  if (msg->kind != WH_KIND_REQUEST) return WH_ERR_INVALID;
  uint32_t digits = wh_token_len(msg->payload, msg->payload_len);
  int64_t rounds = wh_parse_i64(msg->payload, digits);
  if (rounds < 0) return WH_ERR_INVALID;
  int deep = digits < msg->payload_len;
  uint64_t digest = deep ? hash_deep(rounds) : (uint64_t)hash_rounds((int32_t)rounds);
  char out[17];
  for (int i = 15; i >= 0; --i, digest >>= 4) out[i] = "0123456789abcdef"[digest & 15];
  return wh_reply(out, 16);
}
