// ping_pong: two wasm components rally N messages between them.
//   ping_pong <player.wasm> [rounds]
#include <chrono>
#include <cstdio>
#include <string>

#include "host/host.h"
#include "host/inbox.h"

using namespace wasmhive;

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: ping_pong <player.wasm> [rounds]\n"), 2;
  long rounds = argc > 2 ? std::stol(argv[2]) : 100000;
  host::Inbox inbox;
  host::HostConfig config{.workers = 1};
  config.on_message = inbox.sink();
  auto host = host::Host::create(config);
  if (!host) return std::fprintf(stderr, "%s\n", host.error().describe().c_str()), 1;
  for (const char* name : {"game/alice", "game/bob"}) {
    actor::ComponentSpec player{.name = name, .wasm = argv[1]};
    player.capabilities.send = {"game/*", "@host"};  // each other, and the host when done
    if (auto spawned = (*host)->spawn(player); !spawned)
      return std::fprintf(stderr, "%s\n", spawned.error().describe().c_str()), 1;
  }

  std::string serve = "serve game/bob " + std::to_string(rounds);
  auto start = std::chrono::steady_clock::now();
  (void)(*host)->send("game/alice", std::vector<std::uint8_t>(serve.begin(), serve.end()));
  auto done = inbox.pop(std::chrono::seconds(60));
  if (!done) return std::fprintf(stderr, "the rally never finished\n"), 1;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s from %s: %ld pings and %ld pongs in %.3f s (%.0f messages/s on one worker)\n",
              done->payload.c_str(), done->sender.c_str(), rounds, rounds, seconds,
              2.0 * rounds / seconds);
  return done->payload == "done " + std::to_string(rounds) ? 0 : 1;
}
