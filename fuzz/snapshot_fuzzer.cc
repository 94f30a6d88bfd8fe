// libFuzzer target: arbitrary bytes as a hibernated component's blob, as a
// damaged or hostile database could hand it back. Any crash, sanitizer
// report, leak or hang is a finding; so is an accepted blob whose snapshot
// breaks the limits of snapshot.h, changes through compress and decompress,
// or does not apply to a memory of its pages as it says. Errors are the
// expected outcome.
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "hibernation/snapshot.h"

namespace {

using namespace wasmhive::hibernation;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kPage = 65536;
// Larger snapshots are checked for their limits and round trip but not
// applied: the memory for one would be up to 4 GiB.
constexpr std::uint32_t kMaxAppliedPages = 64;
constexpr std::size_t kHeaderSize = 5;  // "WHIM" and the version

bool same(const Snapshot& a, const Snapshot& b) {
  return a.pages == b.pages && a.globals == b.globals && a.blocks == b.blocks && a.data == b.data;
}

bool within_limits(const Snapshot& snapshot) {
  const std::uint64_t blocks_in_pages = std::uint64_t{snapshot.pages} * (kPage / kBlockSize);
  if (snapshot.pages > kMaxPages || snapshot.globals.size() > kMaxGlobals) return false;
  if (snapshot.data.size() != snapshot.blocks.size() * kBlockSize) return false;
  for (std::size_t i = 0; i < snapshot.blocks.size(); ++i) {
    if (snapshot.blocks[i] >= blocks_in_pages) return false;
    if (i > 0 && snapshot.blocks[i] <= snapshot.blocks[i - 1]) return false;
  }
  return true;
}

// What apply must make of a memory, with a base of `base_size` bytes of 0x11
// (past the snapshot's pages: zeros).
Bytes expected_memory(const Snapshot& snapshot, std::size_t size, std::size_t base_size) {
  Bytes memory(size, 0);
  std::fill_n(memory.begin(), std::min(base_size, std::size_t{snapshot.pages} * kPage), 0x11);
  for (std::size_t i = 0; i < snapshot.blocks.size(); ++i)
    std::memcpy(memory.data() + std::size_t{snapshot.blocks[i]} * kBlockSize,
                snapshot.data.data() + i * kBlockSize, kBlockSize);
  return memory;
}

// Applies over a memory one page larger than the snapshot, full of garbage,
// with no base and with a base that ends inside a block; then takes the
// result again, which must describe the same memory.
void check_apply(const Snapshot& snapshot) {
  const std::size_t size = (std::size_t{snapshot.pages} + 1) * kPage;
  for (std::size_t base_size : {std::size_t{0}, std::size_t{5000}}) {
    const Bytes base(base_size, 0x11);
    Bytes memory(size, 0xa5);
    apply(snapshot, base, memory);
    if (memory != expected_memory(snapshot, size, base_size)) __builtin_trap();

    const std::span<const std::uint8_t> pages(memory.data(), size - kPage);
    const Snapshot again = take(base, pages, snapshot.globals);
    Bytes memory_again(size, 0x5a);
    apply(again, base, memory_again);
    if (memory_again != memory) __builtin_trap();
    // It saves no block the snapshot did not: those are the base's.
    if (!std::includes(snapshot.blocks.begin(), snapshot.blocks.end(), again.blocks.begin(),
                       again.blocks.end()))
      __builtin_trap();
  }
}

// The record inside a blob, if it is one with a frame zstd reads.
bool inflate(const std::uint8_t* data, std::size_t size, Bytes& record) {
  if (size < kHeaderSize || std::memcmp(data, "WHIM", 4) != 0) return false;
  const unsigned long long declared =
      ZSTD_getFrameContentSize(data + kHeaderSize, size - kHeaderSize);
  if (declared > (1u << 20)) return false;  // also the error and unknown values
  record.resize(declared);
  const std::size_t got =
      ZSTD_decompress(record.data(), record.size(), data + kHeaderSize, size - kHeaderSize);
  if (ZSTD_isError(got)) return false;
  record.resize(got);
  return true;
}

}  // namespace

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

// Mutating a compressed frame byte by byte mostly breaks it, so half of the
// mutations work on the record inside instead (its sizes, indices and data)
// and compress it again; the other half keep testing the header and framing.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  Bytes record;
  if (seed % 2 == 0 || !inflate(data, size, record)) return LLVMFuzzerMutate(data, size, max_size);
  const std::size_t used = record.size();
  record.resize(used + 64);
  record.resize(LLVMFuzzerMutate(record.data(), used, record.size()));

  Bytes blob(data, data + kHeaderSize);
  blob.resize(kHeaderSize + ZSTD_compressBound(record.size()));
  const std::size_t frame = ZSTD_compress(blob.data() + kHeaderSize, blob.size() - kHeaderSize,
                                          record.data(), record.size(), 1);
  if (ZSTD_isError(frame) || kHeaderSize + frame > max_size)
    return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, blob.data(), kHeaderSize + frame);
  return kHeaderSize + frame;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto snapshot = decompress({data, size});
  if (!snapshot) {
    if (snapshot.error().code != wasmhive::Errc::invalid_argument) __builtin_trap();
    return 0;
  }
  if (!within_limits(*snapshot)) __builtin_trap();

  auto again = decompress(compress(*snapshot));
  if (!again || !same(*again, *snapshot)) __builtin_trap();
  if (snapshot->pages <= kMaxAppliedPages) check_apply(*snapshot);
  return 0;
}
