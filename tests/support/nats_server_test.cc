// NatsServer checked with the real client library: the server it starts
// carries messages, is gone once killed, comes back on the same address, and
// takes the arguments it is given.
#include "support/nats_server.h"

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace wasmhive::testing {
namespace {

struct NatsDeleter {
  void operator()(natsConnection* connection) const { natsConnection_Destroy(connection); }
  void operator()(natsSubscription* subscription) const { natsSubscription_Destroy(subscription); }
  void operator()(natsMsg* message) const { natsMsg_Destroy(message); }
};
using Connection = std::unique_ptr<natsConnection, NatsDeleter>;
using Subscription = std::unique_ptr<natsSubscription, NatsDeleter>;
using Message = std::unique_ptr<natsMsg, NatsDeleter>;

// The status of one connection attempt (no retries), and the connection in
// `connection` when it succeeded.
natsStatus connect(const std::string& url, Connection& connection) {
  natsConnection* raw = nullptr;
  natsStatus status = natsConnection_ConnectTo(&raw, url.c_str());
  connection.reset(raw);
  return status;
}

TEST(NatsServer, CarriesMessagesAndComesBackOnItsPortAfterAKill) {
  NatsServer server;
  {
    Connection connection;
    natsStatus status = connect(server.url(), connection);
    ASSERT_EQ(status, NATS_OK) << natsStatus_GetText(status);
    natsSubscription* raw_subscription = nullptr;
    ASSERT_EQ(natsConnection_SubscribeSync(&raw_subscription, connection.get(), "support.echo"),
              NATS_OK);
    Subscription subscription(raw_subscription);
    ASSERT_EQ(natsConnection_PublishString(connection.get(), "support.echo", "hello"), NATS_OK);
    natsMsg* raw_message = nullptr;
    ASSERT_EQ(natsSubscription_NextMsg(&raw_message, subscription.get(), 5000), NATS_OK);
    Message message(raw_message);
    EXPECT_EQ(std::string(natsMsg_GetData(message.get()),
                          static_cast<std::size_t>(natsMsg_GetDataLength(message.get()))),
              "hello");
  }

  int port = server.port();
  server.kill();
  EXPECT_FALSE(server.running());
  Connection refused;
  EXPECT_NE(connect(server.url(), refused), NATS_OK);

  server.start();
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.port(), port);
  Connection again;
  natsStatus status = connect(server.url(), again);
  EXPECT_EQ(status, NATS_OK) << natsStatus_GetText(status);
}

TEST(NatsServer, StopIsCleanAndIdempotent) {
  NatsServer server;
  server.stop();
  server.stop();
  EXPECT_FALSE(server.running());
  Connection refused;
  EXPECT_NE(connect(server.url(), refused), NATS_OK);
  EXPECT_NE(server.output().find("Server Exiting"), std::string::npos) << server.output();
}

TEST(NatsServer, PassesExtraArgumentsToTheServer) {
  NatsServer server({"--user", "u", "--pass", "p"});
  Connection connection;
  EXPECT_EQ(connect(server.url(), connection), NATS_CONNECTION_AUTH_FAILED);
  std::string with_credentials = "nats://u:p@127.0.0.1:" + std::to_string(server.port());
  natsStatus status = connect(with_credentials, connection);
  EXPECT_EQ(status, NATS_OK) << natsStatus_GetText(status);
}

TEST(NatsServer, ReportsAServerThatExitsAtOnce) {
  try {
    NatsServer server({"--no-such-option"});
    FAIL() << "started with an unknown option";
  } catch (const std::runtime_error& error) {
    // The server's own words: what a reader of a failed test needs.
    EXPECT_NE(std::string(error.what()).find("no-such-option"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace wasmhive::testing
