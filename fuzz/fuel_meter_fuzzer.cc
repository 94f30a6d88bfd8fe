// libFuzzer target, differential: arbitrary bytes as a module, run as it is
// and as engine::meter_fuel rewrites it (with a budget it cannot spend). A
// module V8 compiles and instantiates must be metered, the result must
// compile, and every export must then behave the same: same result or same
// trap kind, same host calls with the same arguments, same memory at the end.
// Any difference aborts. Outcomes that depend on the machine (a deadline, a
// stack overflow, which the rewrite's bigger frames reach sooner) make the
// input inconclusive instead.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/fuel_meter.h"

namespace {

using namespace wasmhive;
using Bytes = std::vector<std::uint8_t>;

struct Harness {
  std::shared_ptr<engine::ModuleCache> cache = std::make_shared<engine::ModuleCache>();
  std::unique_ptr<engine::Engine> engine = engine::create_engine({.cache = cache}).value();
};

// Binaryen ends the process (_Exit, "Fatal: error in parsing wasm binary") on
// what it cannot read, before libFuzzer can save the input: that is a finding
// too. With FUEL_METER_FUZZER_LAST set, each input is written to that file
// before binaryen reads it, so the one that ended the run can be found.
void keep_last_input(std::span<const std::uint8_t> bytes) {
  static const char* path = std::getenv("FUEL_METER_FUZZER_LAST");
  if (!path) return;
  if (std::FILE* file = std::fopen(path, "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
  }
}

// What the guest saw of the host: each host call, as import index and arguments.
struct HostLog : engine::HostContext {
  std::vector<std::int64_t> calls{};
};

// A stub for every function import: records the call, returns 1. Imports
// that cannot be stubbed (floats, other kinds) fail at instantiation.
engine::HostFunctions stubs(const engine::ModuleInfo& info) {
  engine::HostFunctions host;
  host.require_context<HostLog>();
  for (std::size_t i = 0; i < info.imports.size(); ++i) {
    const auto& import = info.imports[i];
    if (import.kind != engine::ExternKind::function) continue;
    auto id = static_cast<std::int64_t>(i);
    (void)host.add({import.module, import.name, import.type,
                    [id](engine::Caller& caller, std::span<const std::int64_t> args) {
                      auto& log = caller.context<HostLog>().calls;
                      log.push_back(-1 - id);
                      log.insert(log.end(), args.begin(), args.end());
                      return Result<std::int64_t>(std::int64_t{1});
                    }});
  }
  return host;
}

bool callable(const engine::FuncType& type) {
  if (type.params.size() > 8) return false;
  for (engine::ValType param : type.params)
    if (param == engine::ValType::v128 || param == engine::ValType::funcref ||
        param == engine::ValType::externref)
      return false;
  return true;
}

struct Outcome {
  std::vector<std::string> calls{};
  std::vector<std::int64_t> host_calls{};
  Bytes memory{};
  bool inconclusive = false;
};

std::string describe(const Result<std::int64_t>& result) {
  if (result) return std::to_string(*result);
  return std::string(to_string(result.error().code));
}

bool machine_dependent(const Result<std::int64_t>& result) {
  if (result) return false;
  Errc code = result.error().code;
  return code == Errc::deadline_exceeded || code == Errc::interrupted ||
         code == Errc::trap_stack_overflow || code == Errc::out_of_fuel;
}

// Calls every callable export once, in order, with fixed arguments.
Outcome run(engine::Engine& engine, std::shared_ptr<const engine::Module> module,
            std::optional<std::int64_t> fuel) {
  Outcome outcome;
  HostLog log;
  engine::HostFunctions host = stubs(module->info());
  auto instance = engine.instantiate(module, host, log);
  if (!instance) return {{"instantiate: " + std::string(to_string(instance.error().code))}};
  static const std::int64_t kArgs[] = {1, -1, 7, 0, 65536, 3, 0x7fffffff, 2};
  engine::CallOptions options{.timeout = std::chrono::milliseconds(20), .fuel = fuel};
  for (const auto& exp : module->info().exports) {
    if (exp.kind != engine::ExternKind::function || !callable(exp.type) ||
        exp.name.starts_with(engine::kFuelExportPrefix))
      continue;
    auto result = (*instance)->call(exp.name, std::span(kArgs, exp.type.params.size()), options);
    outcome.calls.push_back(exp.name + ": " + describe(result));
    if (machine_dependent(result)) {
      outcome.inconclusive = true;
      return outcome;
    }
  }
  outcome.host_calls = std::move(log.calls);
  auto memory = (*instance)->memory();
  if (auto bytes = memory.read(0, static_cast<std::uint32_t>(memory.size())))
    outcome.memory.assign(bytes->begin(), bytes->end());
  return outcome;
}

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuel_meter_fuzzer: %s\n", what.c_str());
  std::abort();
}

void compare(const Outcome& plain, const Outcome& metered) {
  if (plain.inconclusive || metered.inconclusive) return;
  for (std::size_t i = 0; i < std::max(plain.calls.size(), metered.calls.size()); ++i) {
    std::string a = i < plain.calls.size() ? plain.calls[i] : "none";
    std::string b = i < metered.calls.size() ? metered.calls[i] : "none";
    if (a != b) finding("call " + std::to_string(i) + ": '" + a + "' became '" + b + "'");
  }
  if (plain.host_calls != metered.host_calls) finding("host calls differ");
  if (plain.memory != metered.memory) finding("memory differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = new Harness;  // lives for the whole run (V8 cannot restart)
  engine::Engine& engine = *harness->engine;
  // compile() caps the memory, re-encoding its section, before V8 sees it:
  // what V8 validated, and so what meter_fuel may be given, is the capped
  // module.
  auto capped = engine::cap_memory({data, size}, 16);
  if (!capped) return 0;
  std::span<const std::uint8_t> bytes(*capped);
  auto module = engine.compile(bytes, {.memory_max_pages = 16});
  // A start function runs at instantiation, where no deadline applies.
  if (module && !(*module)->info().has_start_function) {
    Outcome plain = run(engine, *module, std::nullopt);
    // meter_fuel's precondition: V8 compiled it. Binaryen refuses some
    // modules V8 refuses only at instantiation, so those are skipped too.
    bool instantiated = plain.calls.empty() || !plain.calls[0].starts_with("instantiate: ");
    if (instantiated) {
      keep_last_input(bytes);
      auto rewritten = engine::meter_fuel(bytes);
      if (!rewritten) {
        // Refusals by design (engine/fuel_meter.h): a reserved export name,
        // a section or name binaryen cannot read, types it cannot write back.
        const std::string& why = rewritten.error().message;
        if (why.find("reserved") == std::string::npos &&
            why.find("binaryen cannot read") == std::string::npos &&
            why.find("cannot keep the module's reference types") == std::string::npos)
          finding("not metered: " + rewritten.error().describe());
      } else {
        auto metered = engine.compile(*rewritten, {.memory_max_pages = 16});
        if (!metered) finding("metered module does not compile: " + metered.error().describe());
        compare(plain, run(engine, *metered, std::int64_t{1} << 62));
      }
    }
  }
  harness->cache->clear();  // keep memory flat over millions of distinct inputs
  return 0;
}
