// request_reply: a client component asks an inventory service component; one
// lookup is slower than the client's 100 ms timeout, so its callback says
// "timeout" and the late reply is dropped.
//   request_reply <client.wasm> <inventory.wasm>
#include <cstdio>
#include <string>

#include "host/host.h"
#include "host/inbox.h"

using namespace wasmhive;

int main(int argc, char** argv) {
  if (argc < 3)
    return std::fprintf(stderr, "usage: request_reply <client.wasm> <inventory.wasm>\n"), 2;
  host::Inbox inbox;
  host::HostConfig config{.workers = 2};
  config.on_message = inbox.sink();
  auto host = host::Host::create(config);
  if (!host) return std::fprintf(stderr, "%s\n", host.error().describe().c_str()), 1;
  actor::ComponentSpec inventory{.name = "shop/inventory", .wasm = argv[2]};
  inventory.limits.call_timeout = std::chrono::seconds(1);  // the slow lookup is slow, not stuck
  inventory.capabilities.clock = true;                      // it times the slow lookup
  actor::ComponentSpec client{.name = "shop/client", .wasm = argv[1]};
  client.capabilities.send = {"shop/inventory", "@host"};
  for (const auto& spec : {client, inventory})
    if (auto spawned = (*host)->spawn(spec); !spawned)
      return std::fprintf(stderr, "%s\n", spawned.error().describe().c_str()), 1;

  const char* items[] = {"apple", "pear", "kiwi", "slow-item"};
  for (std::string item : items) {
    std::printf("ask   -> shop/client: %s\n", item.c_str());
    (void)(*host)->send("shop/client", std::vector<std::uint8_t>(item.begin(), item.end()));
    auto answer = inbox.pop(std::chrono::seconds(10));
    if (!answer) return std::fprintf(stderr, "no answer for %s\n", item.c_str()), 1;
    std::printf("reply <- shop/client: %s\n", answer->payload.c_str());
  }
  (*host)->shutdown(std::chrono::seconds(2));
  std::printf("late replies dropped: %llu\n",
              static_cast<unsigned long long>((*host)->late_replies()));
  return 0;
}
