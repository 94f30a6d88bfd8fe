/* A component that is fine but for its metadata, which gives 'version' twice
 * (line 3): refused at load. */
#include <wasmhive.h>

WH_METADATA(
    "name=test/bad-metadata\n"
    "version=1.0\n"
    "version=2.0\n");

WH_ON_MESSAGE(msg) {
  return wh_reply(msg->payload, msg->payload_len);
}
