// The V8 engine driven with real modules: calls both ways, traps, deadlines,
// memory caps, sharing modules between engines on different threads.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <future>
#include <thread>

#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::engine {
namespace {

using namespace std::chrono_literals;
using testing::guest_bytes;
constexpr auto i32 = ValType::i32;
constexpr auto i64 = ValType::i64;

// What the roundtrip module's "test" imports saw.
struct RoundtripHost : HostContext {
  std::vector<std::string> consumed{};
  std::string to_produce{};
  std::vector<std::int64_t> doubled{};
};

HostFunctions roundtrip_imports() {
  HostFunctions host;
  host.require_context<RoundtripHost>();
  auto ok =
      host.add({"test", "consume", FuncType{{i32, i32}, {i32}},
                [](Caller& caller, std::span<const std::int64_t> a) -> Result<std::int64_t> {
                  auto bytes = caller.memory().read(static_cast<std::uint32_t>(a[0]),
                                                    static_cast<std::uint32_t>(a[1]));
                  if (!bytes) return std::int64_t{-2};
                  caller.context<RoundtripHost>().consumed.push_back(testing::to_string(*bytes));
                  return static_cast<std::int64_t>(bytes->size());
                }});
  EXPECT_TRUE(ok.ok());
  ok = host.add({"test", "produce", FuncType{{i32, i32}, {i32}},
                 [](Caller& caller, std::span<const std::int64_t> a) -> Result<std::int64_t> {
                   const std::string& text = caller.context<RoundtripHost>().to_produce;
                   auto bytes = testing::to_bytes(text.substr(0, static_cast<std::size_t>(a[1])));
                   if (!caller.memory().write(static_cast<std::uint32_t>(a[0]), bytes))
                     return std::int64_t{-2};
                   return static_cast<std::int64_t>(bytes.size());
                 }});
  EXPECT_TRUE(ok.ok());
  ok = host.add({"test", "twice", FuncType{{i64}, {i64}},
                 [](Caller& caller, std::span<const std::int64_t> a) -> Result<std::int64_t> {
                   caller.context<RoundtripHost>().doubled.push_back(a[0]);
                   return a[0] * 2;
                 }});
  EXPECT_TRUE(ok.ok());
  return host;
}

// The trapper imports msg_payload for its message path; engine tests call its
// trap_* exports directly, so any implementation will do.
HostFunctions trapper_imports() {
  HostFunctions host;
  auto ok =
      host.add({"wasmhive", "msg_payload", FuncType{{i32, i32}, {i32}},
                [](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> { return 0; }});
  EXPECT_TRUE(ok.ok());
  return host;
}

class EngineTest : public testing::EngineTest {
 protected:
  std::unique_ptr<Instance> instantiate(std::vector<std::uint8_t> wasm, const HostFunctions& host,
                                        HostContext& context, CompileOptions options = {}) {
    auto module = engine->compile(wasm, options);
    EXPECT_TRUE(module.ok()) << module.error().describe();
    if (!module) return nullptr;
    auto instance = engine->instantiate(*module, host, context);
    EXPECT_TRUE(instance.ok()) << instance.error().describe();
    return instance ? std::move(*instance) : nullptr;
  }
  std::unique_ptr<Instance> instantiate(const std::string& guest, const HostFunctions& host,
                                        HostContext& context, CompileOptions options = {}) {
    return instantiate(guest_bytes(guest), host, context, options);
  }
  std::unique_ptr<Instance> instantiate(const std::string& guest, const HostFunctions& host,
                                        CompileOptions options = {}) {
    return instantiate(guest, host, no_context, options);
  }

  HostFunctions no_imports;
  HostContext no_context;
};

TEST_F(EngineTest, CallsAnExportWithArgumentsAndResult) {
  auto instance = instantiate("looper", no_imports);
  ASSERT_TRUE(instance);
  std::int64_t args[] = {40, 2};
  auto sum = instance->call("add", args);
  ASSERT_TRUE(sum.ok()) << sum.error().describe();
  EXPECT_EQ(*sum, 42);
  std::int64_t negative[] = {-5, 3};
  EXPECT_EQ(*instance->call("add", negative), -2);
}

TEST_F(EngineTest, ImportReceivesTheGuestBytes) {
  HostFunctions host = roundtrip_imports();
  RoundtripHost state;
  auto instance = instantiate("roundtrip", host, state);
  ASSERT_TRUE(instance);
  auto result = instance->call("send_greeting", {});
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(*result, 11);
  ASSERT_EQ(state.consumed.size(), 1u);
  EXPECT_EQ(state.consumed[0], "hello, host");
}

TEST_F(EngineTest, ImportWritesBytesTheGuestThenReads) {
  HostFunctions host = roundtrip_imports();
  RoundtripHost state;
  state.to_produce = "abc";  // 97 + 98 + 99
  auto instance = instantiate("roundtrip", host, state);
  std::int64_t len[] = {3};
  auto sum = instance->call("fetch_and_sum", len);
  ASSERT_TRUE(sum.ok()) << sum.error().describe();
  EXPECT_EQ(*sum, 97 + 98 + 99);
  // The host sees the same bytes in the instance's memory after the call.
  auto view = instance->memory().read(200, 3);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(testing::to_string(*view), "abc");
}

// One V8 function per import is shared by every instance of an engine: the
// instance whose export call runs is the one a host function serves.
TEST_F(EngineTest, InstancesShareImportFunctionsYetEachCallServesItsOwnContext) {
  HostFunctions host = roundtrip_imports();
  RoundtripHost first, second;
  auto a = instantiate("roundtrip", host, first);
  auto b = instantiate("roundtrip", host, second);
  ASSERT_TRUE(a && b);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(a->call("twice_plus_one", std::array<std::int64_t, 1>{i}).ok());
    ASSERT_TRUE(b->call("twice_plus_one", std::array<std::int64_t, 1>{100 + i}).ok());
  }
  EXPECT_EQ(first.doubled, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(second.doubled, (std::vector<std::int64_t>{100, 101, 102}));
  // Rebound: the same instance now serves another context.
  RoundtripHost third;
  ASSERT_TRUE(a->rebind(third).ok());
  ASSERT_TRUE(a->call("twice_plus_one", std::array<std::int64_t, 1>{7}).ok());
  EXPECT_EQ(third.doubled, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(first.doubled.size(), 3u);
}

// A set of host functions made where a freed one was (same address) is not
// taken for it: each instance calls its own set's callbacks.
TEST_F(EngineTest, ASetOfHostFunctionsMadeWhereAFreedOneWasIsItsOwn) {
  for (std::int64_t round = 1; round <= 5; ++round) {
    auto host = std::make_unique<HostFunctions>();
    ASSERT_TRUE(host->add({"test", "count", FuncType{{}, {i32}},
                           [round](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> {
                             return round;
                           }})
                    .ok());
    testing::ModuleBuilder module;
    auto count = module.import("test", "count", FuncType{{}, {i32}});
    module.function("counts", FuncType{{}, {i32}}, {0x10, static_cast<std::uint8_t>(count), 0x0b});
    auto instance = instantiate(module.bytes(), *host, no_context);
    ASSERT_TRUE(instance);
    auto result = instance->call("counts", {});
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(*result, round);
  }
}

TEST_F(EngineTest, I64ValuesCrossBothWays) {
  HostFunctions host = roundtrip_imports();
  RoundtripHost state;
  auto instance = instantiate("roundtrip", host, state);
  std::int64_t big[] = {std::int64_t{1} << 40};
  auto result = instance->call("twice_plus_one", big);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, (std::int64_t{1} << 41) + 1);
  ASSERT_EQ(state.doubled.size(), 1u);
  EXPECT_EQ(state.doubled[0], std::int64_t{1} << 40);
  std::int64_t negative[] = {-21};
  EXPECT_EQ(*instance->call("twice_plus_one", negative), -41);
}

TEST_F(EngineTest, GuestPointersOutsideMemoryAreRefusedByGuestMemory) {
  HostFunctions host = roundtrip_imports();
  RoundtripHost state;
  auto instance = instantiate("roundtrip", host, state);
  const std::int64_t page = kWasmPageSize;
  const std::int64_t cases[][2] = {
      {page, 1},      // starts just past the end
      {page - 4, 5},  // runs over the end
      {-1, 2},        // 0xffffffff: ptr + len wraps in 32 bits
      {16, -1},       // len 0xffffffff
      {-16, 32},      // wraps to a small address in 32 bits
  };
  for (const auto& c : cases) {
    auto result = instance->call("consume_at", c);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(*result, -2) << "ptr=" << c[0] << " len=" << c[1];
  }
  EXPECT_TRUE(state.consumed.empty());
  std::int64_t edge[] = {page - 4, 4};  // the last four bytes are fine
  EXPECT_EQ(*instance->call("consume_at", edge), 4);
}

TEST_F(EngineTest, EachTrapKindIsAnErrorWithItsCode) {
  HostFunctions host = trapper_imports();
  auto instance = instantiate("trapper", host);
  ASSERT_TRUE(instance);
  const std::pair<const char*, Errc> cases[] = {
      {"trap_unreachable", Errc::trap_unreachable},
      {"trap_memory", Errc::trap_memory_out_of_bounds},
      {"trap_divide", Errc::trap_divide_by_zero},
      {"trap_overflow", Errc::trap_integer_overflow},
      {"trap_stack", Errc::trap_stack_overflow},
      {"trap_indirect", Errc::trap_indirect_call},
  };
  for (const auto& [name, code] : cases) {
    auto result = instance->call(name, {});
    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.error().code, code) << name << ": " << result.error().describe();
    EXPECT_TRUE(is_trap(result.error().code));
    EXPECT_NE(result.error().message.find(name), std::string::npos) << result.error().message;
    // The engine keeps working after every trap.
    auto ok = instance->call("ok", {});
    ASSERT_TRUE(ok.ok()) << ok.error().describe();
    EXPECT_EQ(*ok, 7);
  }
}

TEST_F(EngineTest, DeadlineInterruptsAnInfiniteLoopAndTheEngineRunsOn) {
  auto looper = instantiate("looper", no_imports);
  auto other = instantiate("looper", no_imports);
  ASSERT_TRUE(looper && other);
  auto start = std::chrono::steady_clock::now();
  auto result = looper->call("spin", {}, CallOptions{.timeout = 50ms});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::deadline_exceeded) << result.error().describe();
  EXPECT_GE(elapsed, 50ms);
  EXPECT_LT(elapsed, 10s);  // generous: only proves the loop was cut

  std::int64_t args[] = {1, 2};
  auto sum = other->call("add", args, CallOptions{.timeout = 5s});
  ASSERT_TRUE(sum.ok()) << sum.error().describe();
  EXPECT_EQ(*sum, 3);
  // The interrupted instance itself is callable too, and a new one can be made.
  EXPECT_EQ(*looper->call("add", args), 3);
  EXPECT_TRUE(instantiate("looper", no_imports));
}

TEST_F(EngineTest, InterruptFromAnotherThreadStopsTheRunningCall) {
  auto looper = instantiate("looper", no_imports);
  std::promise<Result<std::int64_t>> outcome;
  auto future = outcome.get_future();
  // Keep interrupting until the call has observed it: the call may not have
  // started when the first interrupt lands, and that one is a no-op by design.
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done) {
      engine->interrupt();
      std::this_thread::sleep_for(1ms);
    }
  });
  auto result = looper->call("spin", {}, CallOptions{.timeout = 60s});
  done = true;
  interrupter.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::interrupted);
  std::int64_t args[] = {2, 2};
  EXPECT_EQ(*looper->call("add", args), 4);
}

TEST_F(EngineTest, MemoryCapRefusesGrowthInsideTheGuest) {
  CompileOptions four_pages{.memory_max_pages = 4};
  auto hog = instantiate("memhog", no_imports, four_pages);
  ASSERT_TRUE(hog);
  auto pages = hog->call("grow_until_refused", {});
  ASSERT_TRUE(pages.ok()) << pages.error().describe();
  EXPECT_EQ(*pages, 4);
  EXPECT_EQ(hog->memory().size(), 4u * kWasmPageSize);
  EXPECT_EQ(*hog->call("touch_last", {}), 42);

  // Another cap, another compiled module; the default cap is 16 MiB.
  auto default_hog = instantiate("memhog", no_imports);
  EXPECT_EQ(*default_hog->call("grow_until_refused", {}), kDefaultMemoryMaxPages);
}

TEST_F(EngineTest, MalformedBytesAreACompileError) {
  std::vector<std::uint8_t> junk = testing::to_bytes("\0asm but not really");
  auto bad = engine->compile(junk);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_module);

  auto wasm = guest_bytes("echo");
  wasm.resize(wasm.size() / 2);
  auto truncated = engine->compile(wasm);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, Errc::invalid_module);

  // Sections parse, code does not validate: V8's message comes through.
  auto bad_code = engine->compile(guest_bytes("invalid_bad_code"));
  ASSERT_FALSE(bad_code.ok());
  EXPECT_EQ(bad_code.error().code, Errc::invalid_module);
  EXPECT_NE(bad_code.error().message.find("Compiling function"), std::string::npos)
      << bad_code.error().message;
}

TEST_F(EngineTest, MissingImportIsALinkErrorNamingIt) {
  auto module = engine->compile(guest_bytes("roundtrip"));
  ASSERT_TRUE(module.ok());
  HostFunctions partial;
  ASSERT_TRUE(
      partial
          .add({"test", "consume", FuncType{{i32, i32}, {i32}},
                [](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> { return 0; }})
          .ok());
  auto instance = engine->instantiate(*module, partial);
  ASSERT_FALSE(instance.ok());
  EXPECT_EQ(instance.error().code, Errc::link_error);
  EXPECT_NE(instance.error().message.find("test.produce"), std::string::npos)
      << instance.error().message;

  HostFunctions wrong_type;
  ASSERT_TRUE(
      wrong_type
          .add({"test", "consume", FuncType{{i32}, {i32}},
                [](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> { return 0; }})
          .ok());
  auto mismatched = engine->instantiate(*module, wrong_type);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().message.find("(i32, i32) -> i32"), std::string::npos)
      << mismatched.error().message;
}

TEST_F(EngineTest, HostFunctionErrorTrapsTheGuestWithItsMessage) {
  HostFunctions host;
  ASSERT_TRUE(host.add({"test", "consume", FuncType{{i32, i32}, {i32}},
                        [](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> {
                          return make_error(Errc::internal, "disk on fire");
                        }})
                  .ok());
  ASSERT_TRUE(host.add({"test", "produce", FuncType{{i32, i32}, {i32}},
                        [](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> {
                          throw std::runtime_error("thrown, not crossing into V8");
                        }})
                  .ok());
  ASSERT_TRUE(host.add({"test", "twice", FuncType{{i64}, {i64}},
                        [](Caller&, std::span<const std::int64_t> a) -> Result<std::int64_t> {
                          return a[0];
                        }})
                  .ok());
  auto instance = instantiate("roundtrip", host);
  auto failed = instance->call("send_greeting", {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::trap_host);
  EXPECT_NE(failed.error().message.find("disk on fire"), std::string::npos);
  std::int64_t len[] = {3};
  auto thrown = instance->call("fetch_and_sum", len);
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, Errc::trap_host);
  EXPECT_NE(thrown.error().message.find("thrown, not crossing"), std::string::npos);
}

// A host failure is recognised by the engine's record of it, not by text: here
// the host's message reads like other traps, and a guest export is named like
// the text the engine once searched for.
class HostFailureTest : public EngineTest {
 protected:
  struct Counter : HostContext {
    int calls = 0;
  };

  void SetUp() override {
    EngineTest::SetUp();
    const FuncType returns_i32{{}, {i32}};
    testing::ModuleBuilder module;
    const std::uint8_t fail = module.import("test", "fail", returns_i32);
    const std::uint8_t count = module.import("test", "count", returns_i32);
    constexpr std::uint8_t kCall = 0x10, kEnd = 0x0b;
    // try (result i32) call fail catch_all i32.const 7 end: wasm exception handling.
    const std::vector<std::uint8_t> caught = {0x06, 0x7f, kCall, fail, 0x19, 0x41, 7, kEnd};
    module.function("host_fails", returns_i32, {kCall, fail, kEnd});
    module.function("wasmhive host function test.fail failed", returns_i32, {0x00, kEnd});
    auto returns = caught;
    returns.push_back(kEnd);
    module.function("catches_and_returns", returns_i32, returns);
    auto calls_again = caught;
    calls_again.insert(calls_again.end(), {0x1a, kCall, count, kEnd});  // drop, call count
    module.function("catches_then_calls_again", returns_i32, calls_again);
    module.function("counts", returns_i32, {kCall, count, kEnd});

    host.require_context<Counter>();
    ASSERT_TRUE(host.add({"test", "fail", returns_i32,
                          [](Caller&, std::span<const std::int64_t>) -> Result<std::int64_t> {
                            return make_error(Errc::internal, kHostMessage);
                          }})
                    .ok());
    ASSERT_TRUE(
        host.add({"test", "count", returns_i32,
                  [](Caller& caller, std::span<const std::int64_t>) -> Result<std::int64_t> {
                    return ++caller.context<Counter>().calls;
                  }})
            .ok());
    instance = instantiate(module.bytes(), host, counter);
    ASSERT_TRUE(instance);
  }

  static constexpr const char* kHostMessage =
      "unreachable: memory access out of bounds, divide by zero";
  HostFunctions host;
  Counter counter;
  std::unique_ptr<Instance> instance;
};

TEST_F(HostFailureTest, IsTrapHostWithTheHostsMessageWhateverTheTexts) {
  auto failed = instance->call("host_fails", {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::trap_host) << failed.error().describe();
  EXPECT_NE(failed.error().message.find(kHostMessage), std::string::npos) << failed.error().message;
  EXPECT_NE(failed.error().message.find("test.fail"), std::string::npos) << failed.error().message;

  auto guest_trap = instance->call("wasmhive host function test.fail failed", {});
  ASSERT_FALSE(guest_trap.ok());
  EXPECT_EQ(guest_trap.error().code, Errc::trap_unreachable) << guest_trap.error().describe();

  // Nothing of the failure is left for the next call.
  auto next = instance->call("counts", {});
  ASSERT_TRUE(next.ok()) << next.error().describe();
  EXPECT_EQ(*next, 1);
}

TEST_F(HostFailureTest, FailsTheCallEvenIfTheGuestCatchesIt) {
  auto returned = instance->call("catches_and_returns", {});
  ASSERT_FALSE(returned.ok()) << "returned " << *returned;
  EXPECT_EQ(returned.error().code, Errc::trap_host);
  EXPECT_NE(returned.error().message.find(kHostMessage), std::string::npos);

  // After a failure, the rest of that call gets no host function run.
  auto called_again = instance->call("catches_then_calls_again", {});
  ASSERT_FALSE(called_again.ok());
  EXPECT_EQ(called_again.error().code, Errc::trap_host);
  EXPECT_NE(called_again.error().message.find(kHostMessage), std::string::npos);
  EXPECT_EQ(counter.calls, 0);
  EXPECT_EQ(*instance->call("counts", {}), 1);
}

TEST_F(EngineTest, InstantiateRefusesAContextTheHostFunctionsDoNotTake) {
  auto module = engine->compile(guest_bytes("roundtrip"));
  ASSERT_TRUE(module.ok());
  HostFunctions host = roundtrip_imports();  // requires a RoundtripHost
  auto other = engine->instantiate(*module, host, no_context);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::invalid_argument);
  auto none = engine->instantiate(*module, host);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::invalid_argument);
  RoundtripHost state;
  EXPECT_TRUE(engine->instantiate(*module, host, state).ok());
}

TEST_F(EngineTest, WrongArgumentCountAndUnknownExportAreErrors) {
  auto instance = instantiate("looper", no_imports);
  std::int64_t one[] = {1};
  auto wrong = instance->call("add", one);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::invalid_argument);
  auto missing = instance->call("nonexistent", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::missing_export);
  auto memory_not_function = instance->find_function("memory");
  EXPECT_FALSE(memory_not_function.ok());
}

TEST_F(EngineTest, InstancesHaveSeparateMemories) {
  HostFunctions host = roundtrip_imports();
  RoundtripHost a_state, b_state;
  a_state.to_produce = "aaaa";
  b_state.to_produce = "bb";
  auto a = instantiate("roundtrip", host, a_state);
  auto b = instantiate("roundtrip", host, b_state);
  std::int64_t four[] = {4};
  EXPECT_EQ(*a->call("fetch_and_sum", four), 4 * 97);
  EXPECT_EQ(*b->call("fetch_and_sum", four), 2 * 98);
  EXPECT_EQ(testing::to_string(*a->memory().read(200, 4)), "aaaa");
  EXPECT_EQ(testing::to_string(*b->memory().read(200, 4)), std::string("bb\0\0", 4));
}

// Raw bits as the engine reads and writes globals: i32 and f32 in the low half.
std::uint64_t bits_of(std::int32_t value) {
  return std::bit_cast<std::uint32_t>(value);
}
std::uint64_t bits_of(std::int64_t value) {
  return std::bit_cast<std::uint64_t>(value);
}
std::uint64_t bits_of(float value) {
  return std::bit_cast<std::uint32_t>(value);
}
std::uint64_t bits_of(double value) {
  return std::bit_cast<std::uint64_t>(value);
}

TEST_F(EngineTest, ReadsExportedGlobalsAsRawBits) {
  auto instance = instantiate("globals", no_imports);
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->global("i32").value(), bits_of(std::int32_t{-7}));
  EXPECT_EQ(instance->global("i64").value(), bits_of(std::int64_t{-8000000000}));
  EXPECT_EQ(instance->global("f32").value(), bits_of(1.5f));
  EXPECT_EQ(instance->global("f64").value(), bits_of(-2.25));
  EXPECT_EQ(instance->global("const").value(), 42u);
}

// Each numeric global written by the host, read back by the host and by the
// guest (its get_* exports), then written by the guest and read by the host.
struct GlobalCase {
  const char* name;
  std::uint64_t bits;           // what the host writes
  std::uint64_t stored;         // what the global then holds (an i32 keeps the low half)
  std::int64_t guest_sees;      // what get_<name> returns (i32 results are sign-extended)
  std::int64_t guest_writes;    // an argument for set_<name>
  std::uint64_t guest_written;  // the bits the host reads after that
};

TEST_F(EngineTest, SetGlobalRoundTripsEveryNumericType) {
  auto instance = instantiate("globals", no_imports);
  ASSERT_TRUE(instance);
  const std::uint64_t f32_min_denormal = 1, f64_negative_zero = std::uint64_t{1} << 63;
  const GlobalCase cases[] = {
      {"i32", 0xdeadbeef80000001, 0x80000001, -2147483647, 5, 5},
      {"i64", 0x8000000000000001, 0x8000000000000001,
       std::bit_cast<std::int64_t>(std::uint64_t{0x8000000000000001}), -1, ~std::uint64_t{0}},
      {"f32", f32_min_denormal, f32_min_denormal, 1, std::bit_cast<std::int32_t>(-0.0f),
       bits_of(-0.0f)},
      {"f64", f64_negative_zero, f64_negative_zero, std::bit_cast<std::int64_t>(f64_negative_zero),
       std::bit_cast<std::int64_t>(1e300), bits_of(1e300)},
  };
  const std::pair<const char*, const char*> accessors[] = {{"get_i32", "set_i32"},
                                                           {"get_i64", "set_i64"},
                                                           {"get_f32_bits", "set_f32_bits"},
                                                           {"get_f64_bits", "set_f64_bits"}};
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const GlobalCase& c = cases[i];
    ASSERT_TRUE(instance->set_global(c.name, c.bits).ok()) << c.name;
    EXPECT_EQ(instance->global(c.name).value(), c.stored) << c.name;
    EXPECT_EQ(instance->call(accessors[i].first, {}).value(), c.guest_sees) << c.name;
    std::int64_t argument[] = {c.guest_writes};
    ASSERT_TRUE(instance->call(accessors[i].second, argument).ok()) << c.name;
    EXPECT_EQ(instance->global(c.name).value(), c.guest_written) << c.name;
  }
}

TEST_F(EngineTest, ANaNGlobalStaysANaN) {
  // Globals go through V8's JS API, which canonicalises NaNs both ways (sign
  // and payload are lost), so only NaN-ness is promised.
  auto instance = instantiate("globals", no_imports);
  ASSERT_TRUE(instance);
  ASSERT_TRUE(instance->set_global("f64", 0x7ff8000000000123).ok());
  EXPECT_TRUE(std::isnan(std::bit_cast<double>(instance->global("f64").value())));
  ASSERT_TRUE(instance->set_global("f32", 0x7fc00123).ok());
  auto f32 = static_cast<std::uint32_t>(instance->global("f32").value());
  EXPECT_TRUE(std::isnan(std::bit_cast<float>(f32)));
}

TEST_F(EngineTest, SetGlobalRefusesImmutableAndNonNumericGlobals) {
  auto instance = instantiate("globals", no_imports);
  ASSERT_TRUE(instance);
  auto immutable = instance->set_global("const", 1);
  ASSERT_FALSE(immutable.ok());
  EXPECT_EQ(immutable.error().code, Errc::invalid_argument);
  EXPECT_NE(immutable.error().message.find("'const' is immutable"), std::string::npos)
      << immutable.error().message;
  EXPECT_EQ(instance->global("const").value(), 42u);

  for (const char* name : {"v128", "ref"}) {
    auto read = instance->global(name);
    ASSERT_FALSE(read.ok()) << name;
    EXPECT_EQ(read.error().code, Errc::invalid_argument) << name;
    auto written = instance->set_global(name, 0);
    ASSERT_FALSE(written.ok()) << name;
    EXPECT_EQ(written.error().code, Errc::invalid_argument) << name;
  }
}

TEST_F(EngineTest, GlobalAccessNeedsAGlobalExportOfThatName) {
  auto instance = instantiate("globals", no_imports);
  ASSERT_TRUE(instance);
  for (const char* name : {"nonexistent", "bump", "memory", ""}) {
    auto read = instance->global(name);
    ASSERT_FALSE(read.ok()) << name;
    EXPECT_EQ(read.error().code, Errc::not_found) << name;
    auto written = instance->set_global(name, 1);
    ASSERT_FALSE(written.ok()) << name;
    EXPECT_EQ(written.error().code, Errc::not_found) << name;
  }
}

TEST_F(EngineTest, GrowMemoryGrowsToThePagesAskedAndNeverShrinks) {
  auto instance = instantiate("globals", no_imports);  // memory: 1 page, at most 4
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->memory().size(), kWasmPageSize);
  ASSERT_TRUE(instance->grow_memory(3).ok());
  EXPECT_EQ(instance->memory().size(), 3u * kWasmPageSize);
  EXPECT_EQ(instance->call("pages", {}).value(), 3);
  EXPECT_EQ(instance->call("touch_last", {}).value(), 42);
  EXPECT_EQ(*instance->memory().read(3 * kWasmPageSize - 1, 1).value().data(), 42);

  ASSERT_TRUE(instance->grow_memory(2).ok());  // already larger
  ASSERT_TRUE(instance->grow_memory(0).ok());
  EXPECT_EQ(instance->memory().size(), 3u * kWasmPageSize);
  ASSERT_TRUE(instance->grow_memory(4).ok());
  EXPECT_EQ(instance->memory().size(), 4u * kWasmPageSize);
}

TEST_F(EngineTest, GrowMemoryPastTheMaximumIsRefusedAndChangesNothing) {
  auto own_maximum = instantiate("globals", no_imports);  // at most 4 pages
  ASSERT_TRUE(own_maximum);
  for (std::uint32_t pages : {5u, 65536u, 65537u, UINT32_MAX}) {
    auto grown = own_maximum->grow_memory(pages);
    ASSERT_FALSE(grown.ok()) << pages;
    EXPECT_EQ(grown.error().code, Errc::limit_exceeded) << pages;
  }
  EXPECT_EQ(own_maximum->memory().size(), kWasmPageSize);

  CompileOptions two_pages{.memory_max_pages = 2};
  auto capped = instantiate("globals", no_imports, two_pages);
  ASSERT_TRUE(capped);
  EXPECT_TRUE(capped->grow_memory(2).ok());
  auto grown = capped->grow_memory(3);
  ASSERT_FALSE(grown.ok());
  EXPECT_EQ(grown.error().code, Errc::limit_exceeded);
  EXPECT_NE(grown.error().message.find("from 2 to 3 pages"), std::string::npos)
      << grown.error().message;
  EXPECT_EQ(capped->memory().size(), 2u * kWasmPageSize);
}

TEST_F(EngineTest, GrowMemoryWithoutAnExportedMemoryIsNotFound) {
  testing::ModuleBuilder builder;
  builder.function("nop", FuncType{}, {0x0b});
  auto instance = instantiate(builder.bytes(), no_imports, no_context);
  ASSERT_TRUE(instance);
  auto grown = instance->grow_memory(1);
  ASSERT_FALSE(grown.ok());
  EXPECT_EQ(grown.error().code, Errc::not_found);
}

// As a worker runs them: on a thread of their own that stays entered in V8.
TEST(EngineDedicated, GlobalsAndMemoryWorkOnADedicatedThread) {
  std::thread worker([] {
    auto engine = create_engine();
    ASSERT_TRUE(engine.ok());
    (*engine)->dedicate_thread();
    auto module = (*engine)->compile(guest_bytes("globals"));
    ASSERT_TRUE(module.ok()) << module.error().describe();
    HostFunctions none;
    auto instance = (*engine)->instantiate(*module, none);
    ASSERT_TRUE(instance.ok()) << instance.error().describe();
    ASSERT_TRUE((*instance)->set_global("i64", 77).ok());
    EXPECT_EQ((*instance)->global("i64").value(), 77u);
    EXPECT_EQ((*instance)->call("get_i64", {}).value(), 77);
    ASSERT_TRUE((*instance)->grow_memory(2).ok());
    EXPECT_EQ((*instance)->memory().size(), 2u * kWasmPageSize);
  });
  worker.join();
}

TEST(EngineSharing, SameBytesCompileOncePerCacheAndRunOnAnotherThreadsEngine) {
  auto cache = std::make_shared<ModuleCache>();
  auto first = create_engine({.cache = cache});
  ASSERT_TRUE(first.ok());
  auto module = (*first)->compile(guest_bytes("looper"));
  ASSERT_TRUE(module.ok());
  auto again = (*first)->compile(guest_bytes("looper"));
  EXPECT_EQ(module->get(), again->get());
  EXPECT_EQ(cache->size(), 1u);
  // Another memory cap is other bytes: a separate entry.
  auto capped = (*first)->compile(guest_bytes("looper"), {.memory_max_pages = 2});
  EXPECT_NE(module->get(), capped->get());
  EXPECT_EQ(cache->size(), 2u);

  // A second engine on its own thread instantiates the module compiled by the first.
  std::shared_ptr<const Module> shared = *module;
  auto result = std::async(std::launch::async, [&]() -> std::int64_t {
    auto second = create_engine({.cache = cache});
    if (!second) return -1;
    auto same = (*second)->compile(guest_bytes("looper"));
    if (!same || same->get() != shared.get()) return -2;
    HostFunctions none;
    auto instance = (*second)->instantiate(shared, none);
    if (!instance) return -3;
    std::int64_t args[] = {20, 22};
    auto sum = (*instance)->call("add", args);
    return sum ? *sum : -4;
  });
  EXPECT_EQ(result.get(), 42);
  EXPECT_EQ(cache->size(), 2u);
}

}  // namespace
}  // namespace wasmhive::engine
