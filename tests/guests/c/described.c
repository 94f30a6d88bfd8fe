/* Echo with metadata: answers a request with its payload, sends any other
 * message back. Its WH_METADATA is read by tests without running it. */
#include <wasmhive.h>

#define DESCRIBED_VERSION "1.2.0"

WH_METADATA(
    "name=test/described\n"
    "version=" DESCRIBED_VERSION
    "\n"
    "description=Echoes \"every\" message back \\o/ — déjà vu\n"
    "authors=Ada Lovelace, Charles Babbage\n"
    "license=Apache-2.0\n"
    "homepage=https://example.org/described\n");

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_REQUEST) return wh_reply(msg->payload, msg->payload_len);
  return wh_send_n(msg->sender, msg->sender_len, msg->payload, msg->payload_len);
}
