// Messages that could not be delivered or handled, with the reason: counted, and
// the most recent kept for inspection. Nothing is dropped without a record here.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace wasmhive::messaging {

struct DeadLetter {
  std::string sender;
  std::string target;
  std::string reason;
  std::size_t payload_size = 0;
};

class DeadLetters {
 public:
  explicit DeadLetters(std::size_t keep_last = 1000) : keep_last_(keep_last) {}

  void record(DeadLetter letter);
  std::uint64_t count() const;
  std::vector<DeadLetter> recent() const;

 private:
  const std::size_t keep_last_;
  mutable std::mutex mutex_;
  std::uint64_t count_ = 0;
  std::deque<DeadLetter> recent_;
};

}  // namespace wasmhive::messaging
