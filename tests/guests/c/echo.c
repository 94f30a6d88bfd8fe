/* Echo: answers a request with its payload; sends any other message back to its sender. */
#include <wasmhive.h>

WH_ON_MESSAGE(msg) {
  if (msg->kind == WH_KIND_REQUEST) return wh_reply(msg->payload, msg->payload_len);
  return wh_send_n(msg->sender, msg->sender_len, msg->payload, msg->payload_len);
}
