/* Visitor: a virtual component's state, kept three ways. Each "hit" adds one
 * to a plain variable (memory: survives deactivation only by hibernation)
 * and, when it may write storage, to the key "hits" (survives always). init
 * counts its runs in storage ("inits"). A request is answered with
 * "mem=<hits> store=<hits in storage> inits=<inits>". A "trap" message traps.
 * Config "init" = "trap" makes init trap; "storage" = "off" leaves storage
 * alone (a flood of activations, without a denial for each). */
#include <wasmhive.h>

static int64_t hits;
static int storage_off;

static int32_t count_in_storage(const char* key) {
  if (storage_off) return 0;
  int32_t rc = wh_storage_set_i64(key, wh_storage_get_i64(key, 0) + 1);
  return rc == WH_ERR_DENIED ? 0 : rc; /* read-only storage: not counted */
}

WH_ON_INIT() {
  char mode[8];
  int32_t len = wh_config_get("init", mode, sizeof mode);
  if (len == 4 && wh_starts_with(mode, 4, "trap")) __builtin_trap();
  storage_off = wh_config_get("storage", mode, sizeof mode) == 3;
  return count_in_storage("inits");
}

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_REQUEST) {
    char out[96];
    uint32_t n = wh_append(out, 0, "mem=", 4);
    n = wh_append_i64(out, n, hits);
    n = wh_append(out, n, " store=", 7);
    n = wh_append_i64(out, n, wh_storage_get_i64("hits", 0));
    n = wh_append(out, n, " inits=", 7);
    n = wh_append_i64(out, n, wh_storage_get_i64("inits", 0));
    return wh_reply(out, n);
  }
  if (msg->payload_len == 4 && wh_starts_with((const char*)msg->payload, 4, "trap"))
    __builtin_trap();
  ++hits;
  return count_in_storage("hits");
}
