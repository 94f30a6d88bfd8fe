// ABI v1 imports against real guests: bounds checks on every pointer argument,
// buffer-size and state errors, and the happy path of each decoding.
#include "abi/host_bindings.h"

#include <gtest/gtest.h>

#include "abi/loader.h"
#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::abi {
namespace {

using testing::RecordingApi;

class BindingsTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    testing::EngineTest::SetUp();
    auto module = load_module(*engine, testing::guest_bytes("badptr"));
    ASSERT_TRUE(module.ok()) << module.error().describe();
    auto made = engine->instantiate(*module, host_functions(), api);
    ASSERT_TRUE(made.ok()) << made.error().describe();
    instance = std::move(*made);
  }

  std::int64_t probe(const std::string& name, std::vector<std::int64_t> args) {
    auto result = instance->call("probe_" + name, args);
    EXPECT_TRUE(result.ok()) << name << ": " << result.error().describe();
    return result ? *result : 0;
  }

  RecordingApi api;
  std::unique_ptr<engine::Instance> instance;
};

// (ptr, len) pairs that leave the 64 KiB memory, as the guest's i32 values.
const std::vector<std::pair<std::int64_t, std::int64_t>> kBadRanges = {
    {65536, 1},       // one past the end
    {65530, 7},       // runs over the end
    {-1, 2},          // 0xffffffff + 2 wraps in 32 bits
    {0, -1},          // length 0xffffffff
    {-8, 16},         // wraps to a small address in 32 bits
    {0x7fffffff, 1},  // far beyond memory
};

TEST_F(BindingsTest, EveryPointerArgumentOfEveryImportIsBoundsChecked) {
  api.set_message(kKindRequest, "peer/a", "payload", "topic.a");
  for (const auto& [ptr, len] : kBadRanges) {
    SCOPED_TRACE("ptr=" + std::to_string(ptr) + " len=" + std::to_string(len));
    for (const char* name : {"msg_sender", "msg_payload", "msg_topic", "self_id"})
      EXPECT_EQ(probe(name, {ptr, len < 0 ? len : 100}), kErrFault) << name;
    for (const char* name : {"subscribe", "unsubscribe", "reply", "log"})
      EXPECT_EQ(probe(name, {ptr, len}), kErrFault) << name;
    for (std::int64_t which : {0, 1})  // 0: the name is bad, 1: the payload is bad
      for (const char* name : {"send", "broadcast", "publish", "request"})
        EXPECT_EQ(probe(name, {which, ptr, len}), kErrFault) << name << " which=" << which;
  }
  EXPECT_TRUE(api.calls.empty()) << "a bad pointer reached the host: " << api.calls[0].function;
}

TEST_F(BindingsTest, ValidRangesReachTheHostWithTheExactBytes) {
  // "target" sits at offset 16 in the module's data.
  EXPECT_EQ(probe("send", {1, 16, 6}), kOk);
  EXPECT_EQ(probe("publish", {0, 16, 3}), kOk);
  EXPECT_EQ(probe("request", {0, 16, 6}), 41);
  EXPECT_EQ(probe("subscribe", {16, 6}), kOk);
  EXPECT_EQ(probe("log", {16, 6}), kOk);
  ASSERT_EQ(api.calls.size(), 5u);
  EXPECT_EQ(api.calls[0].function, "send");
  EXPECT_EQ(api.calls[0].target, "target");
  EXPECT_EQ(api.calls[0].payload, "target");
  EXPECT_EQ(api.calls[1].target, "tar");
  EXPECT_EQ(api.calls[2].function, "request");
  EXPECT_EQ(api.calls[2].number, 1000);  // the timeout
  EXPECT_EQ(api.calls[3].target, "target");
  EXPECT_EQ(api.calls[4].number, kInfo);
}

TEST_F(BindingsTest, MessageAccessorsCopyIntoGuestMemory) {
  api.set_message(kKindPublish, "peer/a", "xyz", "orders.new");
  EXPECT_EQ(probe("msg_sender", {1000, 64}), 6);
  EXPECT_EQ(probe("msg_payload", {2000, 3}), 3);
  EXPECT_EQ(probe("msg_topic", {3000, 64}), 10);
  EXPECT_EQ(probe("self_id", {4000, 64}), 9);
  auto memory = instance->memory();
  EXPECT_EQ(testing::to_string(*memory.read(1000, 6)), "peer/a");
  EXPECT_EQ(testing::to_string(*memory.read(2000, 3)), "xyz");
  EXPECT_EQ(testing::to_string(*memory.read(3000, 10)), "orders.new");
  EXPECT_EQ(testing::to_string(*memory.read(4000, 9)), "test/self");
}

TEST_F(BindingsTest, TooSmallBufferIsRangeErrorAndNothingIsWritten) {
  api.set_message(kKindSend, "peer/a", "0123456789");
  EXPECT_EQ(probe("msg_payload", {5000, 9}), kErrRange);
  EXPECT_EQ(testing::to_string(*instance->memory().read(5000, 9)), std::string(9, '\0'));
}

TEST_F(BindingsTest, NoCurrentMessageIsStateError) {
  api.clear_message();
  EXPECT_EQ(probe("msg_sender", {0, 64}), kErrState);
  EXPECT_EQ(probe("msg_payload", {0, 64}), kErrState);
}

TEST(BindingsLog, LevelOutsideTheRangeIsInvalid) {
  // The binding itself, over host memory standing in for guest memory.
  const auto* log = host_functions().find(kImportModule, "log");
  ASSERT_NE(log, nullptr);
  RecordingApi api;
  std::vector<std::uint8_t> memory(64, 'a');
  engine::Caller caller(engine::GuestMemory(memory.data(), memory.size()), api);
  for (std::int64_t level : {-1, 5, 1000}) {
    std::int64_t args[] = {level, 0, 4};
    auto result = log->callback(caller, args);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(*result, kErrInvalid) << "level " << level;
  }
  std::int64_t warn[] = {kWarn, 0, 4};
  EXPECT_EQ(*log->callback(caller, warn), kOk);
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].payload, "aaaa");
}

}  // namespace
}  // namespace wasmhive::abi
