// Fuel metering (engine/fuel_meter.h): the costs of the fuel guest counted by
// hand, endless code stopped at the same point on every run, and every test
// guest behaving the same metered and not.
#include "engine/fuel_meter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "abi/host_bindings.h"
#include "engine/engine.h"
#include "engine/module_info.h"
#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::engine {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;
using testing::guest_bytes;

Bytes metered(const Bytes& wasm) {
  auto rewritten = meter_fuel(wasm);
  EXPECT_TRUE(rewritten.ok()) << rewritten.error().describe();
  return rewritten.ok() ? *rewritten : Bytes{};
}

class FuelMeterTest : public testing::EngineTest {
 protected:
  // A new instance of the metered fuel guest.
  std::unique_ptr<Instance> fuel_guest() {
    static const Bytes wasm = metered(guest_bytes("fuel"));
    auto module = engine->compile(wasm);
    EXPECT_TRUE(module.ok()) << module.error().describe();
    if (!module) return nullptr;
    auto instance = engine->instantiate(*module, HostFunctions{});
    EXPECT_TRUE(instance.ok()) << instance.error().describe();
    return instance ? std::move(*instance) : nullptr;
  }

  // Calls `name` of a new instance under `budget`; the fuel it used, or the error.
  Result<std::int64_t> fuel_of(std::string_view name, std::vector<std::int64_t> args,
                               std::int64_t budget = 1'000'000) {
    auto instance = fuel_guest();
    if (!instance) return make_error(Errc::internal, "no instance");
    auto called = instance->call(name, args, {.timeout = 10s, .fuel = budget});
    if (!called) return called.error();
    return instance->fuel_used().value_or(-1);
  }
};

TEST_F(FuelMeterTest, MeteredModuleValidatesAndExportsItsFuel) {
  auto info = read_module_info(metered(guest_bytes("fuel")));
  ASSERT_TRUE(info.ok()) << info.error().describe();
  EXPECT_TRUE(is_fuel_metered(*info));
  const ExportInfo* exhausted = info->find_export(kFuelExhaustedExport);
  ASSERT_NE(exhausted, nullptr);
  EXPECT_EQ(exhausted->global, (GlobalType{ValType::i32, true}));
  const ExportInfo* count = info->find_export(fuel_call_export("count"));
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->type, (FuncType{{ValType::i32, ValType::i32, ValType::i32}, {ValType::i32}}));

  auto original = read_module_info(guest_bytes("fuel"));
  ASSERT_TRUE(original.ok());
  EXPECT_FALSE(is_fuel_metered(*original));
}

TEST_F(FuelMeterTest, StraightLineFunctionUsesItsExactCost) {
  auto instance = fuel_guest();
  ASSERT_TRUE(instance);
  std::int64_t args[] = {4};
  auto result = instance->call("straight", args, {.fuel = 100});
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(*result, 13);
  EXPECT_EQ(instance->fuel_used(), 5);
  // The next call starts from its own budget.
  ASSERT_TRUE(instance->call("straight", args, {.fuel = 5}).ok());
  EXPECT_EQ(instance->fuel_used(), 5);
}

TEST_F(FuelMeterTest, LoopUsesFuelLinearInItsIterations) {
  for (std::int64_t n : {0, 1, 2, 10, 1000, 100000}) {
    auto used = fuel_of("count", {n});
    ASSERT_TRUE(used.ok()) << used.error().describe();
    EXPECT_EQ(*used, 11 + 9 * n) << n << " iterations";
  }
}

TEST_F(FuelMeterTest, IfChargesOnlyTheArmTaken) {
  EXPECT_EQ(fuel_of("branches", {1}).value(), 2 + 1);
  EXPECT_EQ(fuel_of("branches", {0}).value(), 2 + 3);
}

TEST_F(FuelMeterTest, InfiniteLoopRunsOutOfFuelAtTheSameCountEveryRun) {
  constexpr std::int64_t kBudget = 50'000;
  for (int run = 0; run < 20; ++run) {
    auto instance = fuel_guest();
    ASSERT_TRUE(instance);
    auto result = instance->call("spin", {}, {.timeout = 10s, .fuel = kBudget});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::out_of_fuel) << result.error().describe();
    EXPECT_EQ(result.error().message, "'spin' ran out of fuel: used 50001 of budget 50000");
    // 1 at entry, 1 per iteration: the check fails on the first charge past it.
    EXPECT_EQ(instance->fuel_used(), kBudget + 1);
  }
  EXPECT_TRUE(is_trap(Errc::out_of_fuel));
}

TEST_F(FuelMeterTest, UnboundedRecursionRunsOutOfFuelBeforeTheStack) {
  constexpr std::int64_t kBudget = 6'000;  // 1,001 calls deep
  for (int run = 0; run < 20; ++run) {
    auto instance = fuel_guest();
    ASSERT_TRUE(instance);
    std::int64_t args[] = {0};
    auto result = instance->call("recurse", args, {.timeout = 10s, .fuel = kBudget});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::out_of_fuel) << result.error().describe();
    EXPECT_EQ(instance->fuel_used(), 6 * (kBudget / 6 + 1));
  }
}

TEST_F(FuelMeterTest, GuestTrapIsNotOutOfFuel) {
  auto instance = fuel_guest();
  ASSERT_TRUE(instance);
  auto result = instance->call("trap", {}, {.fuel = 100});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::trap_unreachable) << result.error().describe();
  // An instance that ran out once reports its next guest trap as such.
  ASSERT_EQ(instance->call("spin", {}, {.fuel = 100}).error().code, Errc::out_of_fuel);
  EXPECT_EQ(instance->call("trap", {}, {.fuel = 100}).error().code, Errc::trap_unreachable);
}

TEST_F(FuelMeterTest, CallWithoutBudgetIsInEffectUnmetered) {
  auto instance = fuel_guest();
  ASSERT_TRUE(instance);
  ASSERT_EQ(instance->call("spin", {}, {.fuel = 10}).error().code, Errc::out_of_fuel);
  std::int64_t args[] = {1'000'000};
  auto result = instance->call("count", args);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(instance->fuel_used(), 11 + 9 * 1'000'000);
}

TEST_F(FuelMeterTest, UnmeteredModuleIgnoresTheBudgetAndReportsNoFuel) {
  auto module = engine->compile(guest_bytes("fuel"));
  ASSERT_TRUE(module.ok());
  auto instance = engine->instantiate(*module, HostFunctions{});
  ASSERT_TRUE(instance.ok());
  std::int64_t args[] = {100};
  ASSERT_TRUE((*instance)->call("count", args, {.fuel = 1}).ok());
  EXPECT_EQ((*instance)->fuel_used(), std::nullopt);
}

TEST(FuelMeter, MalformedModuleIsInvalid) {
  Bytes truncated = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01};
  for (const Bytes& wasm : {Bytes{}, Bytes{1, 2, 3}, truncated}) {
    auto result = meter_fuel(wasm);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::invalid_module);
  }
}

TEST(FuelMeter, RefusesAModuleWithAFuelExportAlready) {
  auto twice = meter_fuel(metered(guest_bytes("fuel")));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::invalid_module);
  EXPECT_NE(twice.error().message.find("reserved for fuel metering"), std::string::npos);
}

// What one guest did in one run: every call's outcome, the host calls it
// made, and its memory afterwards.
struct GuestRun {
  std::vector<std::string> outcomes{};
  std::vector<std::string> host_calls{};
  Bytes memory{};
  bool instantiated = false;
  bool inconclusive = false;  // a deadline: where it was cut is not comparable
};

std::string outcome(const Error& error) {
  return std::string(to_string(error.code));
}
std::string outcome(const Result<std::int64_t>& result) {
  return result ? std::to_string(*result) : outcome(result.error());
}

GuestRun run_guest(Engine& engine, const Bytes& wasm, std::optional<std::int64_t> fuel) {
  GuestRun run;
  testing::RecordingApi api;
  api.set_message(abi::kKindRequest, "test/sender", "hello");
  auto module = engine.compile(wasm);
  if (!module) return {{outcome(module.error())}};
  auto instance = engine.instantiate(*module, abi::host_functions(), api);
  if (!instance) return {{outcome(instance.error())}};
  run.instantiated = true;
  CallOptions options{.timeout = 300ms, .fuel = fuel};
  std::int64_t args[] = {11, 5};
  for (auto [name, arity] : {std::pair{"init", 0}, std::pair{"handle_message", 2}}) {
    const ExportInfo* exp = (*instance)->module().info().find_export(name);
    if (!exp || exp->type.params.size() != static_cast<std::size_t>(arity)) continue;
    auto result =
        (*instance)->call(name, std::span(args, static_cast<std::size_t>(arity)), options);
    run.inconclusive =
        run.inconclusive || (!result && result.error().code == Errc::deadline_exceeded);
    run.outcomes.push_back(outcome(result));
  }
  for (const auto& call : api.calls)
    run.host_calls.push_back(call.function + " " + call.target + " " + call.payload + " " +
                             std::to_string(call.number));
  GuestMemory memory = (*instance)->memory();
  auto bytes = memory.read(0, static_cast<std::uint32_t>(memory.size()));
  if (bytes) run.memory.assign(bytes->begin(), bytes->end());
  return run;
}

TEST_F(FuelMeterTest, EveryTestGuestValidatesAndBehavesTheSameMetered) {
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WASMHIVE_GUEST_DIR)) {
    if (entry.path().extension() != ".wasm") continue;
    std::string name = entry.path().stem().string();
    SCOPED_TRACE(name);
    Bytes wasm = guest_bytes(name);
    // Invalid on purpose: refused by V8 (meter_fuel's precondition), or at
    // instantiation, as a data segment outside memory, which binaryen's
    // validation refuses too.
    GuestRun plain = run_guest(*engine, wasm, std::nullopt);
    if (!plain.instantiated) continue;
    Bytes rewritten = metered(wasm);
    auto compiled = engine->compile(rewritten);
    ASSERT_TRUE(compiled.ok()) << compiled.error().describe();
    ASSERT_TRUE(is_fuel_metered((*compiled)->info()));

    GuestRun fueled = run_guest(*engine, rewritten, std::int64_t{1} << 40);
    if (plain.inconclusive || fueled.inconclusive) continue;
    EXPECT_EQ(plain.outcomes, fueled.outcomes);
    EXPECT_EQ(plain.host_calls, fueled.host_calls);
    EXPECT_TRUE(plain.memory == fueled.memory);
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

}  // namespace
}  // namespace wasmhive::engine
