/* Tally: load for the crash test. Config "mode":
 *   "load"   - counts ticks it sends itself: each tick sets n, a and b to n+1
 *              and tells the host "n=<n>" (held until the write commits), and
 *              every so often writes "poison" and traps instead;
 *   "report" - in init, tells the host "report a=<a> b=<b> n=<n> poison=<0|1>". */
#include <wasmhive.h>

static char self[WH_MAX_NAME];
static int32_t self_len;

static int report(void) {
  char out[128];
  uint32_t n = wh_append(out, 0, "report a=", 9);
  n = wh_append_i64(out, n, wh_storage_get_i64("a", -1));
  n = wh_append(out, n, " b=", 3);
  n = wh_append_i64(out, n, wh_storage_get_i64("b", -1));
  n = wh_append(out, n, " n=", 3);
  n = wh_append_i64(out, n, wh_storage_get_i64("n", -1));
  n = wh_append(out, n, " poison=", 8);
  n = wh_append_i64(out, n, wh_storage_exists("poison") >= 0);
  return wh_send("@host", out, n);
}

WH_ON_INIT() {
  char mode[16];
  int32_t len = wh_config_get("mode", mode, sizeof mode);
  if (len == 6 && wh_starts_with(mode, 6, "report")) return report();
  self_len = wh_self_id(self, sizeof self);
  if (self_len < 0) return self_len;
  int64_t boots = wh_storage_get_i64("boots", 0) + 1;
  int32_t rc = wh_storage_set_i64("boots", boots);
  if (rc < 0) return rc;
  /* Held until init's write commits, like every message after a write. */
  return wh_send_n(self, (uint32_t)self_len, "tick", 4);
}

WH_ON_MESSAGE(msg) {
  (void)msg;
  int64_t n = wh_storage_get_i64("n", 0) + 1;
  int64_t boots = wh_storage_get_i64("boots", 0);
  int32_t rc = wh_storage_set_i64("n", n);
  if (rc == 0) rc = wh_storage_set_i64("a", n);
  if (rc == 0) rc = wh_storage_set_i64("b", n);
  if (rc < 0) return rc;
  if ((n + boots) % 97 == 0) { /* once per boot: the restart changes boots */
    wh_storage_set("poison", "1", 1);
    __builtin_trap();
  }
  char out[32];
  uint32_t len = wh_append(out, 0, "n=", 2);
  rc = wh_send("@host", out, wh_append_i64(out, len, n));
  if (rc < 0) return rc;
  return wh_send_n(self, (uint32_t)self_len, "tick", 4);
}
