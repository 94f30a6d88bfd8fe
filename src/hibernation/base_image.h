// The memory and globals of a fresh instance of a template's module (its data
// segments applied, before init): what a snapshot is the difference from, and
// what a reused instance is reset to. Taken from the first instance any worker
// makes, then shared read-only by all.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace wasmhive::hibernation {

struct Image {
  std::vector<std::uint8_t> memory;
  std::vector<std::uint64_t> globals;  // raw bits, in the order of the saved globals
};

class BaseImage {
 public:
  // Null until offer() was called once.
  const Image* get() const { return image_.load(std::memory_order_acquire); }
  // Keeps the image unless one is kept already.
  void offer(std::span<const std::uint8_t> memory, std::vector<std::uint64_t> globals) {
    std::lock_guard lock(mutex_);
    if (owned_) return;
    owned_ =
        std::make_unique<const Image>(Image{{memory.begin(), memory.end()}, std::move(globals)});
    image_.store(owned_.get(), std::memory_order_release);
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<const Image> owned_;
  std::atomic<const Image*> image_{nullptr};
};

}  // namespace wasmhive::hibernation
