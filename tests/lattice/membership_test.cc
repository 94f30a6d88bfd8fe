// The lattice's pure parts: frames and heartbeats survive encoding and refuse
// what is malformed; every host that heard the same heartbeats places each
// name on the same host, and a host joining or leaving moves only its share.
#include "lattice/membership.h"

#include <gtest/gtest.h>

#include <map>

#include "lattice/frame.h"
#include "lattice/nats_link.h"

namespace wasmhive::lattice {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

TEST(LatticeFrame, RoundTripsEveryField) {
  auto payload = bytes("hello");
  Frame frame{.type = FrameType::request,
              .seq = 42,
              .correlation = 7,
              .status = abi::kStatusTimeout,
              .timeout_ms = 1500,
              .trace = {.trace_id = 0x1122334455667788, .message_id = 2, .cause_id = ~0ULL},
              .origin = "host-a",
              .sender = "app/alice",
              .target = "app/bob",
              .payload = payload};
  std::vector<std::uint8_t> encoded;
  encode(frame, encoded);
  auto decoded = decode_frame(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->type, FrameType::request);
  EXPECT_EQ(decoded->seq, 42u);
  EXPECT_EQ(decoded->correlation, 7u);
  EXPECT_EQ(decoded->status, abi::kStatusTimeout);
  EXPECT_EQ(decoded->timeout_ms, 1500u);
  EXPECT_EQ(decoded->trace, frame.trace);
  EXPECT_EQ(decoded->origin, "host-a");
  EXPECT_EQ(decoded->sender, "app/alice");
  EXPECT_EQ(decoded->target, "app/bob");
  EXPECT_EQ(std::vector<std::uint8_t>(decoded->payload.begin(), decoded->payload.end()), payload);
}

TEST(LatticeFrame, EveryTruncationIsRefused) {
  auto payload = bytes("");
  std::vector<std::uint8_t> encoded;
  encode({.type = FrameType::send, .origin = "a", .sender = "s", .target = "t", .payload = payload},
         encoded);
  // The payload is the rest, so only cuts inside the header and names fail.
  for (std::size_t size = 0; size < encoded.size(); ++size)
    EXPECT_FALSE(decode_frame({encoded.data(), size})) << size;
  encoded[0] = 9;
  EXPECT_FALSE(decode_frame(encoded));  // another wire version
  encoded[0] = kWireVersion;
  encoded[1] = 77;
  EXPECT_FALSE(decode_frame(encoded));  // an unknown type
}

TEST(LatticeUrls, CredentialsAreHiddenWhereverTheyAre) {
  EXPECT_EQ(redacted("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  EXPECT_EQ(redacted("nats://hive:pw@10.0.0.1:4222"), "nats://***@10.0.0.1:4222");
  EXPECT_EQ(redacted("hive:pw@10.0.0.1:4222"), "***@10.0.0.1:4222");   // no scheme
  EXPECT_EQ(redacted("nats://hive:s3cr3t@pw@h:1"), "nats://***@h:1");  // an '@' in it
  EXPECT_EQ(redacted("nats://u:p@h1:1,tls://hive:x%40y@h2:2"), "nats://***@h1:1,tls://***@h2:2");
  EXPECT_EQ(redacted("tls://token@h:1"), "tls://***@h:1");
}

TEST(LatticeHeartbeat, RoundTripsAndRefusesLiesAboutCounts) {
  Heartbeat beat{.host = "b",
                 .incarnation = 99,
                 .hello = true,
                 .names = {"app/x", "app/y"},
                 .templates = {"user/"},
                 .active_virtual = 3,
                 .acks = {{"a", 0, 17}}};
  auto encoded = encode(beat);
  auto decoded = decode_heartbeat(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->host, "b");
  EXPECT_EQ(decoded->incarnation, 99u);
  EXPECT_TRUE(decoded->hello);
  EXPECT_FALSE(decoded->leaving);
  EXPECT_EQ(decoded->names, beat.names);
  EXPECT_EQ(decoded->templates, beat.templates);
  EXPECT_EQ(decoded->active_virtual, 3u);
  ASSERT_EQ(decoded->acks.size(), 1u);
  EXPECT_EQ(decoded->acks[0].seq, 17u);
  for (std::size_t size = 0; size < encoded.size(); ++size)
    EXPECT_FALSE(decode_heartbeat({encoded.data(), size})) << size;
  // A names count of a billion in a short heartbeat is refused before any allocation.
  auto lying = encoded;
  std::size_t count_at = 2 + 2 + 1 + 8 + 1;
  lying[count_at + 3] = 0x40;
  EXPECT_FALSE(decode_heartbeat(lying));
  // A frame is not a heartbeat.
  std::vector<std::uint8_t> frame;
  encode({.origin = "a", .sender = "s", .target = "t"}, frame);
  EXPECT_FALSE(decode_heartbeat(frame));
}

Heartbeat beat_of(std::string host, std::uint64_t incarnation, std::vector<std::string> names,
                  std::vector<std::string> templates) {
  return {.host = std::move(host),
          .incarnation = incarnation,
          .names = std::move(names),
          .templates = std::move(templates)};
}

// Each host's view: itself plus the others' heartbeats.
std::map<std::string, Membership> views(const std::vector<std::string>& hosts) {
  std::map<std::string, Membership> out;
  for (const auto& self : hosts) {
    Membership m(self, 1s);
    for (std::size_t i = 0; i < hosts.size(); ++i)
      if (hosts[i] != self) m.hear(beat_of(hosts[i], i + 1, {}, {"user/"}), {});
    out.emplace(self, std::move(m));
  }
  return out;
}

// Who owns `name` according to `self`'s view.
std::string owner_seen_by(const Membership& m, const std::string& name) {
  auto owner = m.owner(name, true);
  return owner ? *owner : m.self();
}

TEST(LatticeMembership, EveryHostPlacesEveryNameAlikeAndSpreadsThem) {
  auto all = views({"a", "b", "c", "d"});
  std::map<std::string, int> per_host;
  for (int i = 0; i < 4000; ++i) {
    std::string name = "user/" + std::to_string(i);
    std::string owner = owner_seen_by(all.at("a"), name);
    for (const auto& [self, view] : all) ASSERT_EQ(owner_seen_by(view, name), owner) << name;
    ++per_host[owner];
  }
  ASSERT_EQ(per_host.size(), 4u);
  for (const auto& [host, count] : per_host) EXPECT_GT(count, 800) << host;  // ~1000 each
}

TEST(LatticeMembership, AHostLeavingMovesOnlyItsNames) {
  auto before = views({"a", "b", "c"});
  auto after = views({"a", "b"});
  for (int i = 0; i < 3000; ++i) {
    std::string name = "user/" + std::to_string(i);
    std::string was = owner_seen_by(before.at("a"), name);
    std::string now = owner_seen_by(after.at("a"), name);
    if (was != "c") {
      EXPECT_EQ(now, was) << name;
    }
  }
}

TEST(LatticeMembership, StaticNamesBelongToTheirHostAndTheOlderWinsAClash) {
  Membership m("a", 1s);
  m.hear(beat_of("b", 20, {"app/bank"}, {}), {});
  m.hear(beat_of("c", 10, {"app/bank", "app/ledger"}, {}), {});
  EXPECT_EQ(m.owner("app/bank", false), "c");
  EXPECT_EQ(m.owner("app/ledger", false), "c");
  EXPECT_EQ(m.owner("app/nobody", false), std::nullopt);
  EXPECT_EQ(m.owner("user/1", false), std::nullopt);  // no host has the template
  m.forget("c");
  EXPECT_EQ(m.owner("app/bank", false), "b");
  EXPECT_EQ(m.owner("app/ledger", false), std::nullopt);
}

TEST(LatticeMembership, SilentHostsExpireAndARestartIsSeen) {
  Membership m("a", 1s);
  Clock::TimePoint t0{};
  EXPECT_TRUE(m.hear(beat_of("b", 1, {}, {}), t0).joined);
  EXPECT_FALSE(m.hear(beat_of("b", 1, {}, {}), t0 + 500ms).joined);
  auto restarted = m.hear(beat_of("b", 2, {}, {}), t0 + 600ms);
  ASSERT_TRUE(restarted.earlier);
  EXPECT_EQ(restarted.earlier->incarnation, 1u);
  EXPECT_TRUE(m.expire(t0 + 1600ms).empty());
  auto gone = m.expire(t0 + 1601ms);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].host, "b");
  EXPECT_TRUE(m.peers().empty());
}

}  // namespace
}  // namespace wasmhive::lattice
