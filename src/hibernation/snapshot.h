// What a hibernated component leaves behind: the blocks of its linear memory
// that differ from its module's initial image, and its saved globals, as one
// compressed blob (zstd). A component deactivated with it and activated again
// finds its plain variables as it left them, without calling storage.
//
// The blob may come back from the app's database, so decompress() trusts
// nothing in it: every size is checked before it is used.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "util/result.h"

namespace wasmhive::hibernation {

// Memory is compared and saved in blocks of this size (a small multiple of
// the OS page: a counter's change costs one block, not a 64 KiB wasm page).
inline constexpr std::size_t kBlockSize = 4096;
// The most wasm pages a snapshot may describe (4 GiB, the wasm32 limit).
inline constexpr std::uint32_t kMaxPages = 65536;
// The most globals a snapshot may carry.
inline constexpr std::size_t kMaxGlobals = 4096;

struct Snapshot {
  std::uint32_t pages = 0;  // the memory's size, in 64 KiB wasm pages
  // Raw bits of each saved global, in the order the caller gave them (an i32
  // or f32 in the low 32 bits).
  std::vector<std::uint64_t> globals;
  // Indices of the kBlockSize blocks that differ from the base image (beyond
  // the base's end: from zeros), ascending, and their contents in that order.
  std::vector<std::uint32_t> blocks;
  std::vector<std::uint8_t> data;  // blocks.size() * kBlockSize bytes
};

// Compares `memory` (whole wasm pages) with `base`, the memory of a fresh
// instance of the same module (bytes past base's end count as zeros).
Snapshot take(std::span<const std::uint8_t> base, std::span<const std::uint8_t> memory,
              std::vector<std::uint64_t> globals);

// Makes `memory` what the snapshot describes: each block from the snapshot
// or, where it has none, from `base` (zeros past its end); bytes past the
// snapshot's pages become zeros. `memory` must hold at least
// snapshot.pages * 64 KiB.
void apply(const Snapshot& snapshot, std::span<const std::uint8_t> base,
           std::span<std::uint8_t> memory);

// The blob: a magic and format version, then the zstd-compressed snapshot.
std::vector<std::uint8_t> compress(const Snapshot& snapshot);
// Errors (Errc::invalid_argument, saying what): wrong magic or version, a
// frame zstd refuses, sizes that disagree or exceed the limits above, block
// indices out of order or outside the pages.
Result<Snapshot> decompress(std::span<const std::uint8_t> blob);

}  // namespace wasmhive::hibernation
