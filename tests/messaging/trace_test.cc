// The trace context's id generator on its own (util/trace.h).
#include "util/trace.h"

#include <gtest/gtest.h>

#include <set>

namespace wasmhive {
namespace {

// ---- the generator, alone ----

TEST(TraceIds, NeverZeroNeverRepeatedAndSeedsDiffer) {
  TraceIds ids(42), other(43);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t id = ids.next();
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(seen.insert(id).second) << "repeated after " << i;
  }
  std::size_t shared = 0;
  for (int i = 0; i < 100000; ++i) shared += seen.count(other.next());
  EXPECT_EQ(shared, 0u);
}

TEST(TraceIds, BlocksDrawFromTheSameSequenceWithoutRepeats) {
  TraceIds ids(42);
  TraceIds::Block one, two;
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 3 * TraceIds::Block::kBlock + 5; ++i)
    for (std::uint64_t id : {one.next(ids), two.next(ids), ids.next()}) {
      ASSERT_NE(id, 0u);
      ASSERT_TRUE(seen.insert(id).second) << "repeated after " << i;
    }
}

TEST(TraceIds, StampStartsAChainOrContinuesOneAndKeepsWhatCameWhole) {
  TraceIds ids(7);
  Trace first = ids.stamp({});
  EXPECT_NE(first.message_id, 0u);
  EXPECT_EQ(first.trace_id, first.message_id);  // a chain's id is its first message's
  EXPECT_EQ(first.cause_id, 0u);
  Trace next = ids.stamp(caused_by(first));
  EXPECT_EQ(next.trace_id, first.trace_id);
  EXPECT_EQ(next.cause_id, first.message_id);
  EXPECT_NE(next.message_id, first.message_id);
  Trace joined = ids.stamp({.trace_id = 99, .cause_id = 5});
  EXPECT_EQ(joined.trace_id, 99u);
  EXPECT_EQ(joined.cause_id, 5u);
  Trace whole{.trace_id = 1, .message_id = 2, .cause_id = 3};
  EXPECT_EQ(ids.stamp(whole), whole);  // from another host: as it came
  EXPECT_EQ(ids.stamp({.message_id = 2}), (Trace{2, 2, 0}));
  EXPECT_FALSE(caused_by({}).traced());  // no message handled: a new chain
}

TEST(TraceIds, HexIdsRoundTrip) {
  EXPECT_EQ(hex_id(0x00ab00cd00ef0012ULL), "00ab00cd00ef0012");
  EXPECT_EQ(parse_hex_id("00AB00cd00ef0012"), 0x00ab00cd00ef0012ULL);
  EXPECT_FALSE(parse_hex_id("00ab00cd00ef001"));
  EXPECT_FALSE(parse_hex_id("00ab00cd00ef001g"));
}

}  // namespace
}  // namespace wasmhive
