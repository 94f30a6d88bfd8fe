// pubsub: a pipeline on topics. The host publishes orders on orders.created;
// a validator component republishes each on orders.valid or orders.rejected; a
// notifier component subscribed to orders.* reports the outcome to the host.
//   pubsub <validator.wasm> <notifier.wasm>
#include <cstdio>
#include <string>

#include "host/host.h"
#include "host/inbox.h"

using namespace wasmhive;

int main(int argc, char** argv) {
  if (argc < 3) return std::fprintf(stderr, "usage: pubsub <validator.wasm> <notifier.wasm>\n"), 2;
  host::Inbox inbox;
  host::HostConfig config{.workers = 2};
  config.on_message = inbox.sink();
  auto host = host::Host::create(config);
  if (!host) return std::fprintf(stderr, "%s\n", host.error().describe().c_str()), 1;
  actor::ComponentSpec validator{.name = "orders/validator", .wasm = argv[1]};
  validator.capabilities.subscribe = {"orders.created"};
  validator.capabilities.publish = {"orders.valid", "orders.rejected"};
  actor::ComponentSpec notifier{.name = "orders/notifier", .wasm = argv[2]};
  notifier.capabilities.subscribe = {"orders.*"};
  notifier.capabilities.send = {"@host"};
  for (const auto& spec : {validator, notifier})
    if (auto spawned = (*host)->spawn(spec); !spawned)
      return std::fprintf(stderr, "%s\n", spawned.error().describe().c_str()), 1;

  const char* orders[] = {"o-1 25", "o-2 0", "o-3 140"};
  for (std::string order : orders) {
    auto delivered =
        (*host)->publish("orders.created", std::vector<std::uint8_t>(order.begin(), order.end()));
    std::printf("publish orders.created: %s (to %zu subscribers)\n", order.c_str(),
                delivered ? *delivered : 0);
    auto outcome = inbox.pop(std::chrono::seconds(10));
    if (!outcome) return std::fprintf(stderr, "no outcome for %s\n", order.c_str()), 1;
    std::printf("notify <- %s: %s\n", outcome->sender.c_str(), outcome->payload.c_str());
  }
  return 0;
}
