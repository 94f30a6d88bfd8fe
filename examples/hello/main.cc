// hello: the smallest wasmhive host application, on the embedding API.
// Spawns a C component and asks it something; spawns a runaway component whose
// call is cut at its deadline and which its supervisor restarts; shuts down.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

#include "host/host.h"

namespace {

using namespace wasmhive;
using namespace std::chrono_literals;

int fail(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.describe().c_str());
  return 1;
}

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: hello_host <component.wasm> <runaway.wasm>\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // interleave with the log on stderr
  std::mutex mutex;
  std::condition_variable changed;
  bool restarted = false;
  host::HostConfig config;
  config.workers = 2;
  config.log_level = "info";  // lifecycle events and guest log lines
  config.root.backoff_initial = 50ms;
  config.on_event = [&](const actor::Event& event) {
    if (event.kind != actor::Event::Kind::restarted) return;
    std::lock_guard lock(mutex);
    restarted = true;
    changed.notify_all();
  };
  auto host = host::Host::create(config);
  if (!host) return fail(host.error());

  actor::ComponentSpec hello{.name = "demo/hello", .wasm = argv[1]};
  hello.capabilities.log = abi::kInfo;  // it may log at info and above; nothing else
  if (auto spawned = (*host)->spawn(hello); !spawned) return fail(spawned.error());
  auto ask = [&](std::string_view question) -> int {
    std::printf("request -> demo/hello: %.*s\n", static_cast<int>(question.size()),
                question.data());
    auto future = (*host)->request("demo/hello", bytes(question), 1s);
    if (!future) return fail(future.error());
    host::Reply reply = future->get();
    if (reply.status != abi::kStatusOk) return fail({Errc::internal, "request failed"});
    std::printf("reply   <- demo/hello: %.*s\n", static_cast<int>(reply.payload.size()),
                reinterpret_cast<const char*>(reply.payload.data()));
    return 0;
  };
  if (int rc = ask("wasm world")) return rc;

  actor::ComponentSpec runaway{.name = "demo/runaway", .wasm = argv[2]};
  runaway.limits.call_timeout = 100ms;
  if (auto spawned = (*host)->spawn(runaway); !spawned) return fail(spawned.error());
  std::printf("send    -> demo/runaway: (it loops forever; its deadline is 100 ms)\n");
  if (auto sent = (*host)->send("demo/runaway", bytes("go")); !sent) return fail(sent.error());
  {
    std::unique_lock lock(mutex);
    if (!changed.wait_for(lock, 10s, [&] { return restarted; }))
      return fail({Errc::timeout, "the runaway component was not restarted"});
  }
  if (int rc = ask("again")) return rc;

  auto report = (*host)->shutdown(1s);
  std::printf("shutdown: %zu message(s) left undelivered\n", report.undelivered);
  std::printf("demo finished: the runaway was cut and restarted; the rest kept serving\n");
  return 0;
}
