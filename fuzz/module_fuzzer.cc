// libFuzzer target: arbitrary bytes as a component module, through everything a
// host does with one: read, validate, compile, instantiate with the ABI
// imports, and call init and handle_message under a short deadline. Any crash,
// sanitizer report or hang is a finding; errors are the expected outcome.
#include <cstdint>
#include <span>

#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "null_api.h"

namespace {

using namespace wasmhive;

struct Harness {
  std::shared_ptr<engine::ModuleCache> cache = std::make_shared<engine::ModuleCache>();
  std::unique_ptr<engine::Engine> engine = engine::create_engine({.cache = cache}).value();
  fuzzing::NullApi api;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = new Harness;  // lives for the whole run (V8 cannot restart)
  std::span<const std::uint8_t> bytes(data, size);
  auto module = abi::load_module(*harness->engine, bytes, {.memory_max_pages = 16});
  if (module) {
    auto instance = harness->engine->instantiate(*module, abi::host_functions(), harness->api);
    if (instance) {
      engine::CallOptions deadline{.timeout = std::chrono::milliseconds(20)};
      if ((*instance)->module().info().find_export("init"))
        (void)(*instance)->call("init", {}, deadline);
      std::int64_t args[] = {3, 5};
      (void)(*instance)->call("handle_message", args, deadline);
    }
  }
  harness->cache->clear();  // keep memory flat over millions of distinct inputs
  return 0;
}
