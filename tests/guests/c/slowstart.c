/* Slowstart: its init says so in the log, then never returns: only a deadline
 * or an interrupt ends it. */
#include <wasmhive.h>

WH_ON_INIT() {
  wh_log(WH_LOG_INFO, "init is looping");
  for (volatile int forever = 1; forever;) {
  }
  return 0;
}

WH_ON_MESSAGE(msg) {
  (void)msg;
  return 0;
}
