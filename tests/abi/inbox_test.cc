// The inbox's bounds and layout, on plain memory: what the host checks when a
// guest announces one and what it writes before each delivery.
#include "abi/inbox.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace wasmhive::abi {
namespace {

std::int64_t announce(std::uint32_t address, std::uint32_t capacity) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(capacity) << 32 | address);
}
std::uint32_t u32_at(const std::vector<std::uint8_t>& memory, std::size_t at) {
  std::uint32_t value = 0;
  std::memcpy(&value, memory.data() + at, sizeof value);
  return value;
}

TEST(Inbox, MustLieWhollyInsideMemory) {
  std::vector<std::uint8_t> bytes(1024);
  engine::GuestMemory memory(bytes.data(), bytes.size());
  EXPECT_TRUE(Inbox::locate(memory, announce(1024 - kInboxHeaderSize - 100, 100)).ok());
  EXPECT_FALSE(Inbox::locate(memory, announce(1024 - kInboxHeaderSize - 100, 101)).ok());
  EXPECT_FALSE(Inbox::locate(memory, announce(1020, 0)).ok());         // header past the end
  EXPECT_FALSE(Inbox::locate(memory, announce(0, 0xFFFFFFFFu)).ok());  // size wraps around
  auto refused = Inbox::locate(memory, announce(0xFFFFFFF0u, 8));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "wasmhive_inbox announced 8 bytes at 4294967280, which leave linear memory");
}

TEST(Inbox, WritesHeaderAndBytesWhenTheyFitAndOnlyTheHeaderOtherwise) {
  std::vector<std::uint8_t> bytes(256, 0xAA);
  engine::GuestMemory memory(bytes.data(), bytes.size());
  auto inbox = Inbox::locate(memory, announce(16, 12));
  ASSERT_TRUE(inbox.ok());
  std::vector<std::uint8_t> payload = {'h', 'i', 0, '!'};
  inbox->fill(memory, {kKindPublish, "a/b", "t.x", {payload.data(), payload.size()}});
  EXPECT_EQ(u32_at(bytes, 16), 1u);  // filled
  EXPECT_EQ(u32_at(bytes, 20), static_cast<std::uint32_t>(kKindPublish));
  EXPECT_EQ(u32_at(bytes, 24), 3u);
  EXPECT_EQ(u32_at(bytes, 28), 3u);
  EXPECT_EQ(u32_at(bytes, 32), 4u);
  EXPECT_EQ(std::string(bytes.begin() + 36, bytes.begin() + 46), std::string("a/bt.xhi\0!", 10));
  EXPECT_EQ(bytes[36 + 10], 0xAA);  // nothing past the message

  std::vector<std::uint8_t> large(10, 'z');  // 3 + 0 + 10 > 12
  inbox->fill(memory, {kKindSend, "a/b", "", {large.data(), large.size()}});
  EXPECT_EQ(u32_at(bytes, 16), 0u);  // not filled: pull by import
  EXPECT_EQ(u32_at(bytes, 32), 10u);
  EXPECT_EQ(bytes[36], 'a');  // data area untouched
}

}  // namespace
}  // namespace wasmhive::abi
