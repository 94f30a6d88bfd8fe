// A million messages from several host threads to components on two workers:
// none lost, none duplicated, each sender's order kept, as counted by the
// receiving components themselves.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "host/host.h"
#include "support/host_helpers.h"

namespace wasmhive::host {
namespace {

using namespace std::chrono_literals;

TEST(DeliveryLoad, AMillionMessagesArriveOnceAndInOrderPerSender) {
  constexpr int kSenders = 4;
  constexpr int kReceivers = 2;
  constexpr std::uint64_t kPerSenderPerReceiver = 125000;  // 4 * 2 * 125k = 1,000,000

  auto created = Host::create({.workers = 2});
  ASSERT_TRUE(created.ok());
  auto& host = **created;
  for (int r = 0; r < kReceivers; ++r) {
    auto spec = testing::guest_spec("load/counter" + std::to_string(r), "counter");
    spec.worker = r;  // one receiver per worker
    ASSERT_TRUE(host.spawn(std::move(spec)).ok());
  }

  std::vector<std::thread> senders;
  std::atomic<int> send_errors{0};
  for (std::uint32_t s = 0; s < kSenders; ++s)
    senders.emplace_back([&, s] {
      std::uint8_t payload[12];
      std::memcpy(payload, &s, 4);
      for (std::uint64_t seq = 0; seq < kPerSenderPerReceiver; ++seq) {
        std::memcpy(payload + 4, &seq, 8);
        for (int r = 0; r < kReceivers; ++r)
          if (!host.send("load/counter" + std::to_string(r), payload, {.wait_for_room = 60s}))
            ++send_errors;
      }
    });
  for (auto& t : senders) t.join();
  EXPECT_EQ(send_errors, 0);

  // A request queues behind every message sent before it, so its answer counts them all.
  for (int r = 0; r < kReceivers; ++r) {
    std::string name = "load/counter" + std::to_string(r);
    EXPECT_EQ(testing::ask_text(host, name, "?"),
              std::to_string(kSenders * kPerSenderPerReceiver) + " 0")
        << name;
  }
  EXPECT_EQ(host.dead_letters().count(), 0u);
}

}  // namespace
}  // namespace wasmhive::host
