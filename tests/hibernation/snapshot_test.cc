// Memory snapshots: take and apply reproduce a memory exactly, the blob is
// small for a typical image, and decompress refuses every kind of bad blob
// with invalid_argument before it can allocate much for it.
#include "hibernation/snapshot.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace wasmhive::hibernation {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kPage = 65536;

bool same(const Snapshot& a, const Snapshot& b) {
  return a.pages == b.pages && a.globals == b.globals && a.blocks == b.blocks && a.data == b.data;
}

// A base image as a linker leaves it: some data near the start, the rest zero.
Bytes make_base(std::size_t pages) {
  Bytes base(pages * kPage, 0);
  const std::string text = "wasmhive rodata: price, total, quantity, shipping address";
  for (std::size_t at = 1024; at + text.size() < 4000; at += text.size())
    std::memcpy(base.data() + at, text.data(), text.size());
  return base;
}

void put32(Bytes& memory, std::size_t at, std::uint32_t value) {
  std::memcpy(memory.data() + at, &value, sizeof value);
}

Bytes round_trip(const Snapshot& snapshot, std::span<const std::uint8_t> base,
                 std::size_t memory_size) {
  auto back = decompress(compress(snapshot));
  EXPECT_TRUE(back.ok()) << back.error().describe();
  if (!back) return {};
  EXPECT_TRUE(same(*back, snapshot));
  Bytes memory(memory_size, 0xab);  // whatever the fresh memory held
  apply(*back, base, memory);
  return memory;
}

TEST(Snapshot, RoundTripReproducesAGrownMemoryAndKeepsGlobals) {
  const Bytes base = make_base(2);
  Bytes memory = base;
  memory.resize(5 * kPage, 0);
  put32(memory, 1100, 42);          // in the base's data
  put32(memory, 2 * kPage - 4, 7);  // the base's last bytes
  for (std::size_t at = 3 * kPage; at < 3 * kPage + 9000; at += 12) put32(memory, at, 0x1234);
  memory.back() = 1;  // the grown memory's last byte
  const std::vector<std::uint64_t> globals = {66560, 0xffffffffffffffff, 0, 3};

  const Snapshot snapshot = take(base, memory, globals);
  EXPECT_EQ(snapshot.pages, 5u);
  EXPECT_EQ(snapshot.globals, globals);
  EXPECT_EQ(snapshot.blocks, (std::vector<std::uint32_t>{0, 31, 48, 49, 50, 79}));
  EXPECT_EQ(round_trip(snapshot, base, memory.size()), memory);
}

TEST(Snapshot, ApplyZeroesTheBytesPastTheSnapshotsPages) {
  const Bytes base = make_base(2);
  Bytes memory = base;
  put32(memory, 70000, 9);
  Bytes expected = memory;
  expected.resize(6 * kPage, 0);
  EXPECT_EQ(round_trip(take(base, memory, {}), base, 6 * kPage), expected);
}

TEST(Snapshot, ApplyTakesTheBaseWhereTheSnapshotHasNoBlock) {
  const Bytes base = make_base(3);
  Bytes memory = base;
  memory[20 * kBlockSize + 5] = 1;
  const Snapshot snapshot = take(base, memory, {});
  EXPECT_EQ(snapshot.blocks, (std::vector<std::uint32_t>{20}));
  EXPECT_EQ(round_trip(snapshot, base, memory.size()), memory);  // block 0 from the base
}

TEST(Snapshot, ABaseThatEndsInsideABlockCountsAsZerosAfterIt) {
  Bytes base(5000, 0x11);
  Bytes memory(kPage, 0);
  std::memcpy(memory.data(), base.data(), base.size());
  Snapshot snapshot = take(base, memory, {});
  EXPECT_TRUE(snapshot.blocks.empty());
  memory[6000] = 1;  // past the base's end, inside its last block
  snapshot = take(base, memory, {});
  EXPECT_EQ(snapshot.blocks, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(round_trip(snapshot, base, memory.size()), memory);
}

TEST(Snapshot, AnUnchangedMemoryHasNoBlocks) {
  const Bytes base = make_base(2);
  Bytes grown = base;
  grown.resize(4 * kPage, 0);
  for (const Bytes& memory : {base, grown}) {
    const Snapshot snapshot = take(base, memory, {1});
    EXPECT_TRUE(snapshot.blocks.empty());
    EXPECT_TRUE(snapshot.data.empty());
    EXPECT_EQ(round_trip(snapshot, base, memory.size()), memory);
  }
}

TEST(Snapshot, AOneByteChangeIsExactlyOneBlock) {
  const Bytes base = make_base(2);
  for (std::size_t at : {std::size_t{0}, std::size_t{1500}, 2 * kPage - 1, 3 * kPage + 4096}) {
    Bytes memory = base;
    memory.resize(4 * kPage, 0);
    memory[at] ^= 0x80;
    const Snapshot snapshot = take(base, memory, {});
    ASSERT_EQ(snapshot.blocks.size(), 1u) << at;
    EXPECT_EQ(snapshot.blocks[0], at / kBlockSize);
    EXPECT_EQ(Bytes(snapshot.data), Bytes(memory.begin() + at / kBlockSize * kBlockSize,
                                          memory.begin() + (at / kBlockSize + 1) * kBlockSize));
  }
}

TEST(Snapshot, AnEmptyMemoryRoundTrips) {
  const Snapshot snapshot = take({}, {}, {});
  EXPECT_EQ(snapshot.pages, 0u);
  EXPECT_TRUE(round_trip(snapshot, {}, 0).empty());
}

TEST(Snapshot, AnImageLargerThanTheFirstOutputBufferRoundTrips) {
  Bytes memory(80 * kPage);  // 5 MiB, every block changed
  for (std::size_t i = 0; i < memory.size(); ++i)
    memory[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  const Snapshot snapshot = take({}, memory, {});
  EXPECT_EQ(snapshot.blocks.size(), 80 * kPage / kBlockSize);
  EXPECT_EQ(round_trip(snapshot, {}, memory.size()), memory);
}

TEST(Snapshot, CompressedSizeOfATypicalImage) {
  // A small C guest after a few calls: counters in its data, the top of its
  // stack (small numbers and pointers), heap objects (a size word, then an
  // id, a price and a name). Three blocks change.
  const Bytes base = make_base(2);
  Bytes memory = base;
  std::uint32_t random = 1;
  auto next = [&random] { return random = random * 1103515245 + 12345; };
  for (std::size_t at = 4400; at < 4464; at += 4) put32(memory, at, next() % 1000);
  for (std::size_t at = 69632 - 1536; at < 69632; at += 4)
    put32(memory, at, next() % 3 == 0 ? 0 : 65536 + next() % 8192);
  const char* names[] = {"apple", "pear", "walnut bread", "oat milk 1l", "coffee beans"};
  for (std::size_t at = 69632 + 16; at + 32 < 69632 + 2400; at += 32) {
    put32(memory, at, 32 | 3);
    put32(memory, at + 4, next() % 100000);
    put32(memory, at + 8, next() % 5000);
    std::strcpy(reinterpret_cast<char*>(memory.data() + at + 12), names[next() % 5]);
  }
  const Snapshot snapshot = take(base, memory, {69000, 0});
  ASSERT_EQ(snapshot.blocks.size(), 3u);
  const Bytes blob = compress(snapshot);
  std::printf("typical 2-page image, 3 blocks: %zu bytes compressed\n", blob.size());
  EXPECT_LT(blob.size(), 2048u);
  EXPECT_EQ(round_trip(snapshot, base, memory.size()), memory);
}

TEST(Snapshot, EachThreadDecompressesOnItsOwn) {
  Bytes memory(2 * kPage, 0);
  memory[100] = 1;
  const Bytes blob = compress(take({}, memory, {5}));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&blob] {
      for (int n = 0; n < 50; ++n) {
        auto snapshot = decompress(blob);
        ASSERT_TRUE(snapshot.ok());
        EXPECT_EQ(snapshot->blocks.size(), 1u);
      }
    });
  for (auto& thread : threads) thread.join();
}

// --- malformed blobs ------------------------------------------------------

const Bytes kHeader = {'W', 'H', 'I', 'M', 1};

Bytes with_header(const Bytes& frame) {
  Bytes blob = kHeader;
  blob.insert(blob.end(), frame.begin(), frame.end());
  return blob;
}

// A blob around `record` as given, which the tests below make wrong.
Bytes blob_of(const Bytes& record) {
  Bytes frame(ZSTD_compressBound(record.size()));
  frame.resize(ZSTD_compress(frame.data(), frame.size(), record.data(), record.size(), 1));
  return with_header(frame);
}

// The little-endian record, field by field.
struct Record {
  Bytes bytes;
  Record& u32(std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    return *this;
  }
  Record& u64(std::uint64_t value) {
    return u32(static_cast<std::uint32_t>(value)).u32(static_cast<std::uint32_t>(value >> 32));
  }
  Record& block(std::uint8_t fill) {
    bytes.insert(bytes.end(), kBlockSize, fill);
    return *this;
  }
};

// A frame header declaring `size` bytes of content (a 1 KiB window, an 8-byte
// size field), then one empty last raw block: it holds nothing.
Bytes frame_declaring(std::uint64_t size) {
  Bytes frame = {0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00};
  for (int i = 0; i < 8; ++i) frame.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
  frame.insert(frame.end(), {0x01, 0x00, 0x00});
  return frame;
}

void expect_refused(const Bytes& blob, const std::string& says) {
  auto snapshot = decompress(blob);
  ASSERT_FALSE(snapshot.ok()) << says;
  EXPECT_EQ(snapshot.error().code, Errc::invalid_argument);
  EXPECT_NE(snapshot.error().message.find(says), std::string::npos) << snapshot.error().message;
}

TEST(Snapshot, ValidRecordsBuiltByHandAreAccepted) {
  // The record layout the refusals below break, accepted as it is.
  auto snapshot = decompress(
      blob_of(Record{}.u32(2).u32(1).u64(9).u32(2).u32(3).u32(31).block(1).block(2).bytes));
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().describe();
  EXPECT_EQ(snapshot->pages, 2u);
  EXPECT_EQ(snapshot->globals, (std::vector<std::uint64_t>{9}));
  EXPECT_EQ(snapshot->blocks, (std::vector<std::uint32_t>{3, 31}));
  EXPECT_EQ(snapshot->data[kBlockSize], 2);
}

TEST(Snapshot, BlobsWithABadHeaderAreRefused) {
  expect_refused({}, "magic");
  expect_refused({'W', 'H', 'I'}, "magic");
  expect_refused({'W', 'H', 'I', 'N', 1, 0, 0}, "magic");
  Bytes blob = compress(take({}, Bytes(kPage, 0), {}));
  blob[4] = 2;
  expect_refused(blob, "version 2");
  expect_refused(kHeader, "no zstd frame");
  expect_refused(with_header({1, 2, 3, 4, 5, 6, 7, 8}), "no zstd frame");
}

TEST(Snapshot, BadZstdFramesAreRefused) {
  Bytes memory(2 * kPage, 0);
  memory[3] = 1;
  const Bytes blob = compress(take({}, memory, {}));
  for (std::size_t cut : {std::size_t{1}, std::size_t{3}, blob.size() / 2})
    expect_refused(Bytes(blob.begin(), blob.end() - cut), "truncated");
  // The frame header is the magic, a descriptor (0x60: one segment, a 2-byte
  // size) and the size; then the first block: make its type the reserved one.
  ASSERT_EQ(blob[kHeader.size() + 4], 0x60);
  Bytes corrupt = blob;
  corrupt[kHeader.size() + 7] |= 0x06;
  expect_refused(corrupt, "zstd refuses");

  Bytes trailing = blob;
  trailing.push_back(0);
  expect_refused(trailing, "trailing bytes after the zstd frame");
  Bytes two = blob;
  two.insert(two.end(), blob.begin() + kHeader.size(), blob.end());
  expect_refused(two, "trailing bytes after the zstd frame");
}

TEST(Snapshot, FramesWithoutOrWithAnImpossibleSizeAreRefused) {
  // Compressed without writing the size into the header.
  const Bytes record = Record{}.u32(0).u32(0).u32(0).bytes;
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0);
  Bytes frame(ZSTD_compressBound(record.size()));
  frame.resize(ZSTD_compress2(context, frame.data(), frame.size(), record.data(), record.size()));
  ZSTD_freeCCtx(context);
  expect_refused(with_header(frame), "does not declare its size");

  // Past what 65536 pages with every block and 4096 globals need.
  expect_refused(with_header(frame_declaring(std::uint64_t{1} << 40)), "declares 1099511627776");
  expect_refused(with_header(frame_declaring(~std::uint64_t{0} - 2)), "declares");
  // Within it but a lie: refused without allocating the 4 GiB it claims.
  expect_refused(with_header(frame_declaring(std::uint64_t{4} << 30)),
                 "holds less than it declares");
  expect_refused(with_header(frame_declaring(12)), "zstd refuses");
}

TEST(Snapshot, RecordsWithBadSizesAreRefused) {
  expect_refused(blob_of({}), "too short");
  expect_refused(blob_of(Record{}.u32(1).bytes), "too short");
  expect_refused(blob_of(Record{}.u32(kMaxPages + 1).u32(0).u32(0).bytes), "65537 pages");
  expect_refused(blob_of(Record{}.u32(1).u32(kMaxGlobals + 1).bytes), "4097 globals");
  expect_refused(blob_of(Record{}.u32(1).u32(2).u64(1).bytes), "inside its globals");
  expect_refused(blob_of(Record{}.u32(1).u32(1).u64(1).bytes), "before its block count");
  expect_refused(blob_of(Record{}.u32(1).u32(0).u32(17).bytes), "17 blocks in 1 pages");
  expect_refused(blob_of(Record{}.u32(1).u32(0).u32(2).u32(0).bytes), "inside its indices");
}

TEST(Snapshot, RecordsWithBadBlocksAreRefused) {
  auto two_blocks = [](std::uint32_t first, std::uint32_t second) {
    return Record{}.u32(1).u32(0).u32(2).u32(first).u32(second).block(1).block(2);
  };
  expect_refused(blob_of(two_blocks(5, 3).bytes), "not strictly ascending (3 after 5)");
  expect_refused(blob_of(two_blocks(4, 4).bytes), "not strictly ascending");
  expect_refused(blob_of(two_blocks(3, 16).bytes), "block 16 is outside the 1 pages");
  expect_refused(blob_of(two_blocks(0xffffffff, 1).bytes), "outside");

  Record short_data = two_blocks(1, 2);
  short_data.bytes.pop_back();
  expect_refused(blob_of(short_data.bytes), "8191 bytes of data for 2 blocks");
  expect_refused(blob_of(Record{}.u32(1).u32(0).u32(1).u32(0).bytes), "0 bytes of data");
  Record trailing = two_blocks(1, 2);
  trailing.bytes.push_back(0);
  expect_refused(blob_of(trailing.bytes), "1 trailing bytes after the last block");
}

TEST(Snapshot, AFailedFrameDoesNotSpoilTheNextOne) {
  Bytes memory(kPage, 0);
  memory[1] = 1;
  const Bytes blob = compress(take({}, memory, {}));
  expect_refused(Bytes(blob.begin(), blob.end() - 2), "truncated");
  auto snapshot = decompress(blob);
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().describe();
  EXPECT_EQ(snapshot->blocks, (std::vector<std::uint32_t>{0}));
}

}  // namespace
}  // namespace wasmhive::hibernation
