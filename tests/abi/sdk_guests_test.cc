// The C test components, built with the SDK, driven through the real ABI
// bindings: each one's behaviour as a component, message by message.
#include <gtest/gtest.h>

#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "abi/outbox.h"
#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::abi {
namespace {

using testing::RecordingApi;

class SdkGuest {
 public:
  SdkGuest(engine::Engine& engine, const std::string& guest, std::string self)
      : api(std::move(self)) {
    auto module = load_module(engine, testing::guest_bytes(guest));
    EXPECT_TRUE(module.ok()) << module.error().describe();
    auto made = engine.instantiate(*module, host_functions(), api);
    EXPECT_TRUE(made.ok()) << made.error().describe();
    instance = std::move(*made);
  }

  // What the runtime does after every call: sends what the guest queued.
  void drain() {
    auto sent = testing::send_queued(*instance, api);
    EXPECT_TRUE(sent.ok()) << sent.error().describe();
  }

  // What the runtime will do per message: make it current, call handle_message.
  std::int64_t deliver(MessageKind kind, const std::string& sender, const std::string& payload) {
    api.set_message(kind, sender, payload);
    std::int64_t args[] = {static_cast<std::int64_t>(sender.size()),
                           static_cast<std::int64_t>(payload.size())};
    auto result = instance->call("handle_message", args);
    drain();
    api.clear_message();
    EXPECT_TRUE(result.ok()) << result.error().describe();
    return result ? *result : -100;
  }

  std::int64_t callback(std::int64_t id, CallbackStatus status, const std::string& payload) {
    api.set_message(kKindCallback, "", payload);
    std::int64_t args[] = {id, status, static_cast<std::int64_t>(payload.size())};
    auto result = instance->call("handle_callback", args);
    drain();
    api.clear_message();
    EXPECT_TRUE(result.ok()) << result.error().describe();
    return result ? *result : -100;
  }

  RecordingApi api;
  std::unique_ptr<engine::Instance> instance;
};

using SdkGuestTest = testing::EngineTest;

TEST_F(SdkGuestTest, EchoRepliesToRequestsAndReturnsSendsToTheSender) {
  SdkGuest echo(*engine, "echo", "svc/echo");
  std::string binary("\x00\x01\xff payload", 11);
  EXPECT_EQ(echo.deliver(kKindRequest, "app/client", binary), kOk);
  EXPECT_EQ(echo.deliver(kKindSend, "app/other", "hi"), kOk);
  ASSERT_EQ(echo.api.calls.size(), 2u);
  EXPECT_EQ(echo.api.calls[0].function, "reply");
  EXPECT_EQ(echo.api.calls[0].payload, binary);
  EXPECT_EQ(echo.api.calls[1].function, "send");
  EXPECT_EQ(echo.api.calls[1].target, "app/other");
  EXPECT_EQ(echo.api.calls[1].payload, "hi");
}

// The SDK queues only once the host has asked where its outbox is: a host
// that does not know the outbox gets every message by import.
TEST_F(SdkGuestTest, OnAHostThatNeverAsksForTheOutboxSendsGoByImport) {
  SdkGuest echo(*engine, "echo", "svc/echo");
  echo.api.set_message(kKindSend, "app/other", "hi");
  std::int64_t args[] = {9, 2};
  ASSERT_TRUE(echo.instance->call("handle_message", args).ok());  // no outbox drained after it
  ASSERT_EQ(echo.api.calls.size(), 1u);
  EXPECT_EQ(echo.api.calls[0].function, "send");
  // Once asked, the next send is queued: nothing reaches the API until drained.
  echo.api.calls.clear();
  ASSERT_TRUE(echo.instance->call(kOutboxExport, {}).ok());
  ASSERT_TRUE(echo.instance->call("handle_message", args).ok());
  EXPECT_TRUE(echo.api.calls.empty());
  echo.drain();
  ASSERT_EQ(echo.api.calls.size(), 1u);
  EXPECT_EQ(echo.api.calls[0].target, "app/other");
}

TEST_F(SdkGuestTest, EchoHandlesAPayloadAtTheSdkLimitAndRefusesALargerOne) {
  SdkGuest echo(*engine, "echo", "svc/echo");
  std::string big(65536, 'z');
  EXPECT_EQ(echo.deliver(kKindRequest, "a/b", big), kOk);
  ASSERT_EQ(echo.api.calls.size(), 1u);
  EXPECT_EQ(echo.api.calls[0].payload, big);
  EXPECT_EQ(echo.deliver(kKindRequest, "a/b", big + "!"), kErrTooBig);
  EXPECT_EQ(echo.api.calls.size(), 1u);
}

TEST_F(SdkGuestTest, RecorderReportsTheLastSenderAndPayload) {
  SdkGuest recorder(*engine, "recorder", "test/recorder");
  EXPECT_EQ(recorder.deliver(kKindSend, "app/a", "first"), kOk);
  EXPECT_EQ(recorder.deliver(kKindSend, "app/b", "second"), kOk);
  EXPECT_EQ(recorder.deliver(kKindRequest, "app/query", ""), kOk);
  ASSERT_EQ(recorder.api.calls.size(), 1u);
  EXPECT_EQ(recorder.api.calls[0].function, "reply");
  EXPECT_EQ(recorder.api.calls[0].payload, "2|app/b|second");
}

TEST_F(SdkGuestTest, PingerPlaysTheRoundsItWasAskedFor) {
  SdkGuest pinger(*engine, "pinger", "game/pinger");
  EXPECT_EQ(pinger.deliver(kKindSend, "host/ctl", "start game/other 3"), kOk);
  EXPECT_EQ(pinger.deliver(kKindSend, "game/other", "pong"), kOk);
  EXPECT_EQ(pinger.deliver(kKindSend, "game/other", "pong"), kOk);
  EXPECT_EQ(pinger.deliver(kKindSend, "game/other", "pong"), kOk);
  EXPECT_EQ(pinger.deliver(kKindSend, "game/third", "ping"), kOk);
  const auto& calls = pinger.api.calls;
  ASSERT_EQ(calls.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(calls[i].target, "game/other");
    EXPECT_EQ(calls[i].payload, "ping");
  }
  EXPECT_EQ(calls[3].target, "host/ctl");
  EXPECT_EQ(calls[3].payload, "done 3");
  EXPECT_EQ(calls[4].target, "game/third");
  EXPECT_EQ(calls[4].payload, "pong");
}

TEST_F(SdkGuestTest, RequesterRequestsThenReportsItsCallback) {
  SdkGuest requester(*engine, "requester", "app/requester");
  EXPECT_EQ(requester.deliver(kKindRequest, "host/ctl", "svc/echo 250 hello there"), kOk);
  auto& calls = requester.api.calls;
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].function, "request");
  EXPECT_EQ(calls[0].target, "svc/echo");
  EXPECT_EQ(calls[0].payload, "hello there");
  EXPECT_EQ(calls[0].number, 250);
  EXPECT_EQ(calls[1].function, "reply");
  EXPECT_EQ(calls[1].payload, "sent 41");

  EXPECT_EQ(requester.callback(41, kStatusOk, "hello there"), kOk);
  EXPECT_EQ(requester.callback(42, kStatusTimeout, ""), kOk);
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[2].function, "send");
  EXPECT_EQ(calls[2].target, "host/ctl");
  EXPECT_EQ(calls[2].payload, "callback 41 0 hello there");
  EXPECT_EQ(calls[3].payload, "callback 42 1 ");

  EXPECT_EQ(requester.deliver(kKindSend, "host/ctl", "cancel 42"), kOk);
  ASSERT_EQ(calls.size(), 6u);
  EXPECT_EQ(calls[4].function, "cancel");
  EXPECT_EQ(calls[4].number, 42);
  EXPECT_EQ(calls[5].payload, "cancelled 0");
}

TEST_F(SdkGuestTest, TrapperTrapsOnDemandThroughHandleMessage) {
  SdkGuest trapper(*engine, "trapper", "test/trapper");
  EXPECT_EQ(trapper.deliver(kKindSend, "a/b", "fine"), kOk);
  trapper.api.set_message(kKindSend, "a/b", "u");
  std::int64_t args[] = {3, 1};
  auto trapped = trapper.instance->call("handle_message", args);
  ASSERT_FALSE(trapped.ok());
  EXPECT_EQ(trapped.error().code, Errc::trap_unreachable);
}

}  // namespace
}  // namespace wasmhive::abi
