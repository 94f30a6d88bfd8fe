/* Flooder: a guest that tries to make the host pay for it. Each command
 * answers its sender (a reply for a request) with what happened:
 *   "send <target> <size>"          sends <size>-byte payloads to target until a
 *                                   send fails: "sent <accepted> <last rc>"
 *   "broadcast <size> <a> <b> ..."  broadcasts to the names until none accepts:
 *                                   "broadcast <accepted in all> <last rc>"
 *   "publish <size> <topic>"        likewise by publishing: "published <n> <rc>"
 *   "deny <target> <n>"             n sends to a target it may not send to:
 *                                   "denied <how many got -4>"
 *   "requests <target> <n>"         n requests (timeout 1 h), answered or not:
 *                                   "requested <accepted> <refused -9>"
 *   "cycle <n>"                     n sends, each to another of 10,000 names it
 *                                   may not send to: "cycled <how many got -4>"
 *   "biglog <n> <size>"             n info lines of <size> bytes: "logged <ok> <limited>"
 *   "log <n>"                       n info lines: "logged <ok> <limited>"
 *   "forge"                         logs a line with a newline, ANSI escapes and
 *                                   invalid UTF-8, sends such bytes (and a NUL)
 *                                   to "@host": "forged <log rc> <send rc>"
 *   "slow <ms> <target> <text>"     busy-waits <ms> (needs the clock), then
 *                                   sends <text> to <target>: no report */
#include <wasmhive.h>

#define MAX_SIZE (1 << 20)
#define MAX_ROUNDS 100000
static uint8_t bulk[MAX_SIZE];
static char commander[WH_MAX_NAME];
static uint32_t commander_len;
static int commander_asked;

static int32_t report(const char* word, int64_t a, int has_b, int64_t b) {
  char out[96];
  uint32_t n = wh_append(out, 0, word, wh_strlen(word));
  out[n++] = ' ';
  n = wh_append_i64(out, n, a);
  if (has_b) {
    out[n++] = ' ';
    n = wh_append_i64(out, n, b);
  }
  if (commander_asked) return wh_reply(out, n);
  return wh_send_n(commander, commander_len, out, n);
}

/* The next space-separated token of (*p, *len), advancing past it. */
static uint32_t next_token(const uint8_t** p, uint32_t* len, const uint8_t** token) {
  *token = *p;
  uint32_t n = wh_token_len(*p, *len);
  uint32_t skip = n < *len ? n + 1 : n;
  *p += skip;
  *len -= skip;
  return n;
}

static int64_t size_arg(const uint8_t** p, uint32_t* len) {
  const uint8_t* token;
  uint32_t n = next_token(p, len, &token);
  int64_t size = wh_parse_i64(token, n);
  return size < 0 ? 0 : size > MAX_SIZE ? MAX_SIZE : size;
}

static int32_t flood_send(const uint8_t* p, uint32_t len) {
  const uint8_t* target;
  uint32_t target_len = next_token(&p, &len, &target);
  int64_t size = size_arg(&p, &len);
  int64_t accepted = 0;
  int32_t rc = 0;
  while (accepted < MAX_ROUNDS &&
         (rc = wh_raw_send(target, (int32_t)target_len, bulk, (int32_t)size)) == 0)
    ++accepted;
  return report("sent", accepted, 1, rc);
}

static int32_t flood_broadcast(const uint8_t* p, uint32_t len) {
  int64_t size = size_arg(&p, &len);
  static char names[8192];
  uint32_t n = 0;
  for (uint32_t i = 0; i < len && n < sizeof names; ++i)
    names[n++] = p[i] == ' ' ? '\n' : (char)p[i];
  int64_t accepted = 0;
  int32_t rc = 0;
  for (int rounds = 0; rounds < MAX_ROUNDS; ++rounds) {
    rc = wh_raw_broadcast(names, (int32_t)n, bulk, (int32_t)size);
    if (rc <= 0) break;
    accepted += rc;
  }
  return report("broadcast", accepted, 1, rc);
}

static int32_t flood_publish(const uint8_t* p, uint32_t len) {
  int64_t size = size_arg(&p, &len);
  int64_t accepted = 0;
  int32_t rc = 0;
  for (int rounds = 0; rounds < MAX_ROUNDS; ++rounds) {
    rc = wh_raw_publish(p, (int32_t)len, bulk, (int32_t)size);
    if (rc <= 0) break;
    accepted += rc;
  }
  return report("published", accepted, 1, rc);
}

static int32_t denied_sends(const uint8_t* p, uint32_t len) {
  const uint8_t* target;
  uint32_t target_len = next_token(&p, &len, &target);
  int64_t count = wh_parse_i64(p, len), denied = 0;
  for (int64_t i = 0; i < count; ++i)
    if (wh_raw_send(target, (int32_t)target_len, "x", 1) == WH_ERR_DENIED) ++denied;
  return report("denied", denied, 0, 0);
}

static int32_t flood_requests(const uint8_t* p, uint32_t len) {
  const uint8_t* target;
  uint32_t target_len = next_token(&p, &len, &target);
  int64_t count = wh_parse_i64(p, len), accepted = 0, limited = 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t id = wh_raw_request(target, (int32_t)target_len, "x", 1, 3600000);
    if (id > 0) ++accepted;
    if (id == WH_ERR_LIMIT) ++limited;
  }
  return report("requested", accepted, 1, limited);
}

static int32_t cycle_targets(const uint8_t* p, uint32_t len) {
  int64_t count = wh_parse_i64(p, len), denied = 0;
  for (int64_t i = 0; i < count; ++i) {
    char name[32];
    uint32_t n = wh_append(name, 0, "no/such", 7);
    n = wh_append_i64(name, n, i % 10000);
    if (wh_raw_send(name, (int32_t)n, "x", 1) == WH_ERR_DENIED) ++denied;
  }
  return report("cycled", denied, 0, 0);
}

static int32_t big_log_lines(const uint8_t* p, uint32_t len) {
  const uint8_t* token;
  uint32_t n = next_token(&p, &len, &token);
  int64_t count = wh_parse_i64(token, n), size = size_arg(&p, &len), ok = 0, limited = 0;
  for (uint32_t i = 0; i < size; ++i) bulk[i] = 'a' + (uint8_t)(i % 26);
  for (int64_t i = 0; i < count; ++i) {
    int32_t rc = wh_log_n(WH_LOG_INFO, (const char*)bulk, (uint32_t)size);
    if (rc == 0) ++ok;
    if (rc == WH_ERR_LIMIT) ++limited;
  }
  return report("logged", ok, 1, limited);
}

static int32_t log_lines(const uint8_t* p, uint32_t len) {
  int64_t count = wh_parse_i64(p, len), ok = 0, limited = 0;
  for (int64_t i = 0; i < count; ++i) {
    char line[32];
    uint32_t n = wh_append(line, 0, "line ", 5);
    n = wh_append_i64(line, n, i);
    int32_t rc = wh_log_n(WH_LOG_INFO, line, n);
    if (rc == 0) ++ok;
    if (rc == WH_ERR_LIMIT) ++limited;
  }
  return report("logged", ok, 1, limited);
}

static int32_t forge(void) {
  static const char line[] =
      "innocent\n12:00:00.000 warning escalated root: forged\x1b[31m red \xff\xfe tail";
  int32_t logged = wh_log_n(WH_LOG_INFO, line, sizeof line - 1);
  static const char note[] = "before\0after\n@host <- forged: line\x1b[2J";
  int32_t sent = wh_send("@host", note, sizeof note - 1);
  return report("forged", logged, 1, sent);
}

static int32_t slow_send(const uint8_t* p, uint32_t len) {
  const uint8_t* token;
  uint32_t n = next_token(&p, &len, &token);
  int64_t until = wh_now_ms() + wh_parse_i64(token, n);
  while (wh_now_ms() < until) {
  }
  const uint8_t* target;
  uint32_t target_len = next_token(&p, &len, &target);
  return wh_raw_send(target, (int32_t)target_len, p, (int32_t)len);
}

WH_ON_MESSAGE(msg) {
  __builtin_memcpy(commander, msg->sender, msg->sender_len);
  commander_len = msg->sender_len;
  commander_asked = msg->kind == WH_KIND_REQUEST;
  const uint8_t* p = msg->payload;
  uint32_t len = msg->payload_len;
  const uint8_t* command;
  uint32_t command_len = next_token(&p, &len, &command);
  if (wh_equals(command, command_len, "send")) return flood_send(p, len);
  if (wh_equals(command, command_len, "broadcast")) return flood_broadcast(p, len);
  if (wh_equals(command, command_len, "publish")) return flood_publish(p, len);
  if (wh_equals(command, command_len, "deny")) return denied_sends(p, len);
  if (wh_equals(command, command_len, "log")) return log_lines(p, len);
  if (wh_equals(command, command_len, "requests")) return flood_requests(p, len);
  if (wh_equals(command, command_len, "cycle")) return cycle_targets(p, len);
  if (wh_equals(command, command_len, "biglog")) return big_log_lines(p, len);
  if (wh_equals(command, command_len, "forge")) return forge();
  if (wh_equals(command, command_len, "slow")) return slow_send(p, len);
  return WH_ERR_INVALID;
}
