// The two integration tests the system we replace never had passing
// (DEBT-WASM-004): a message and a request/reply travelling between two real
// wasm components, end to end, through the whole runtime.
#include <gtest/gtest.h>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive {
namespace {

using testing::guest_spec;
using testing::to_bytes;

class MessageDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    host::HostConfig config{.workers = 2};
    config.on_message = inbox.sink();
    auto created = host::Host::create(std::move(config));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    host = std::move(*created);
  }
  void spawn(const std::string& name, const std::string& guest) {
    auto spawned = host->spawn(guest_spec(name, guest));
    ASSERT_TRUE(spawned.ok()) << spawned.error().describe();
  }

  testing::Inbox inbox;
  std::unique_ptr<host::Host> host;
};

// Component A calls send("B", payload); B's handle_message receives it with
// sender A and exactly the payload bytes.
TEST_F(MessageDelivery, ComponentASendsToComponentB) {
  spawn("app/a", "flaky");     // on "tell <target> <bytes>" calls send(target, bytes)
  spawn("app/b", "recorder");  // remembers the last sender and payload it was sent
  const std::string payload("bytes \x00\x01\xfe\xff end", 15);
  ASSERT_TRUE(host->send("app/a", to_bytes("tell app/b " + payload)).ok());

  // The recorder answers with what its handle_message saw: count|sender|payload.
  std::string seen;
  ASSERT_TRUE(testing::eventually([&] {
    seen = testing::ask_text(*host, "app/b", "?");
    return seen != "0||";
  }));
  EXPECT_EQ(seen, "1|app/a|" + payload);
  EXPECT_EQ(host->status("app/a")->sent, 1u);
  EXPECT_EQ(host->dead_letters().count(), 0u);
}

// Component A calls request("B", req, timeout); B handles it and replies; A's
// handle_callback receives the reply with the correlation id request returned.
TEST_F(MessageDelivery, RequestResponseWithCallback) {
  spawn("app/a",
        "requester");  // requests, then reports "sent <id>" and "callback <id> <status> <payload>"
  spawn("app/b", "hello");  // replies "hello, <payload>! (from <its name>)"
  ASSERT_TRUE(host->send("app/a", to_bytes("app/b 5000 component a")).ok());

  auto sent = inbox.wait_for("sent ");
  ASSERT_TRUE(sent) << "request() was never called";
  const std::string id = sent->substr(5);
  ASSERT_GT(std::stoll(id), 0) << "request() returned " << id;
  auto callback = inbox.wait_for("callback ");
  ASSERT_TRUE(callback) << "handle_callback never ran";
  EXPECT_EQ(*callback, "callback " + id + " 0 hello, component a! (from app/b)");
  EXPECT_EQ(host->outstanding_requests(), 0u);
}

}  // namespace
}  // namespace wasmhive
