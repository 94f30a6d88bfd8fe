// The two crossings every message pays: host -> guest (export call) and
// guest -> host (import call), each beside a native C++ call in the same run.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "engine/engine.h"
#include "util/file.h"

namespace {

using namespace wasmhive;
using engine::ValType;

// The native baselines: calls the optimiser cannot inline or remove.
[[gnu::noinline]] std::int64_t native_add(std::int64_t a, std::int64_t b) {
  benchmark::ClobberMemory();
  return a + b;
}
[[gnu::noinline]] std::int64_t native_twice(std::int64_t a) {
  benchmark::ClobberMemory();
  return a * 2;
}

constexpr std::int64_t kImportCallsPerExportCall = 1000;

// Owned by main(): engines must be gone before V8 is disposed at exit.
struct Fixture {
  std::unique_ptr<engine::Engine> engine;
  engine::HostFunctions host;
  std::shared_ptr<const engine::Module> module;  // roundtrip's
  std::unique_ptr<engine::Instance> looper, roundtrip;
};

Result<std::unique_ptr<engine::Instance>> load(Fixture& f, const char* name) {
  auto bytes = read_file(std::string(WASMHIVE_GUEST_DIR) + "/" + name + ".wasm");
  if (!bytes) return bytes.error();
  auto module = f.engine->compile(*bytes);
  if (!module) return module.error();
  f.module = *module;
  return f.engine->instantiate(*module, f.host);
}

Result<void> set_up(Fixture& f) {
  auto engine = engine::create_engine();
  if (!engine) return engine.error();
  f.engine = std::move(*engine);
  f.engine->dedicate_thread();  // as every worker does: measure the runtime's path
  auto unused = [](engine::Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> {
    return 0;
  };
  auto twice = [](engine::Caller&, std::span<const std::int64_t> a) -> Result<std::int64_t> {
    return native_twice(a[0]);
  };
  for (auto* name : {"consume", "produce"})
    if (auto r = f.host.add({"test", name, {{ValType::i32, ValType::i32}, {ValType::i32}}, unused});
        !r)
      return r;
  if (auto r = f.host.add({"test", "twice", {{ValType::i64}, {ValType::i64}}, twice}); !r) return r;
  auto looper = load(f, "looper");
  if (!looper) return looper.error();
  f.looper = std::move(*looper);
  auto roundtrip = load(f, "roundtrip");
  if (!roundtrip) return roundtrip.error();
  f.roundtrip = std::move(*roundtrip);
  return {};
}

void register_benchmarks(Fixture& f) {
  benchmark::RegisterBenchmark("native_call", [](benchmark::State& state) {
    std::int64_t a = 1;
    for (auto _ : state) benchmark::DoNotOptimize(a = native_add(a, 1));
  });
  // Host -> guest: one export call, two i32 arguments, an i32 result.
  benchmark::RegisterBenchmark("export_call", [&f](benchmark::State& state) {
    auto add = *f.looper->find_function("add");
    std::int64_t args[] = {1, 2};
    for (auto _ : state) benchmark::DoNotOptimize(f.looper->call(add, args));
  });
  // The same with a deadline armed, as every message in the runtime will be.
  benchmark::RegisterBenchmark("export_call_with_deadline", [&f](benchmark::State& state) {
    auto add = *f.looper->find_function("add");
    std::int64_t args[] = {1, 2};
    engine::CallOptions options{.timeout = std::chrono::milliseconds(100)};
    for (auto _ : state) benchmark::DoNotOptimize(f.looper->call(add, args, options));
  });
  // Guest -> host: the guest calls an i64 import N times inside one export
  // call; items/s counts import calls.
  benchmark::RegisterBenchmark("import_call", [&f](benchmark::State& state) {
    auto loop = *f.roundtrip->find_function("call_import_n");
    std::int64_t args[] = {kImportCallsPerExportCall};
    for (auto _ : state) benchmark::DoNotOptimize(f.roundtrip->call(loop, args));
    state.SetItemsProcessed(state.iterations() * kImportCallsPerExportCall);
  });
  // Instantiating an already compiled module with three imports, instance
  // dropped each time: the floor under spawning a component.
  benchmark::RegisterBenchmark("instantiate", [&f](benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(f.engine->instantiate(f.module, f.host));
  });
  // The native loop import_call stands for.
  benchmark::RegisterBenchmark("native_call_loop", [](benchmark::State& state) {
    for (auto _ : state)
      for (std::int64_t i = 0; i < kImportCallsPerExportCall; ++i)
        benchmark::DoNotOptimize(native_twice(1));
    state.SetItemsProcessed(state.iterations() * kImportCallsPerExportCall);
  });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Fixture fixture;
  if (auto ready = set_up(fixture); !ready) {
    std::fprintf(stderr, "engine_bench: %s\n", ready.error().describe().c_str());
    return 1;
  }
  register_benchmarks(fixture);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
