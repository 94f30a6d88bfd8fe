// Frames on their way to other hosts. Senders append frames to the batch for
// their subject, and batches are written as one NATS message each, in the
// order frames were appended:
//   - a frame that finds the outbox empty and idle, kQuiet after the last
//     one that did, is written at once by its sender: a request and its
//     reply pay no thread switch (nor libnats' own batching, which holds
//     each write for a millisecond);
//   - under load, frames wait for the outbox's thread, which finds many of
//     them and writes them with one system call.
// The spell is measured on the real clock: it shapes performance only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lattice/nats_link.h"

namespace wasmhive::lattice {

class Outbox {
 public:
  // At most `max_bytes` wait at once; a batch holds at most `max_batch` bytes.
  Outbox(NatsLink& link, std::size_t max_bytes, std::size_t max_batch);
  ~Outbox();  // writes what waits, then stops
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Calls `append` with the batch for `subject` to append one frame of
  // `size` bytes to, under the outbox's lock (so what it numbers is numbered
  // in sending order). A batch never grows past max_batch with it (a frame
  // alone may be larger). False, calling nothing, when the outbox is full.
  bool post(const std::string& subject, std::size_t size,
            const std::function<void(std::vector<std::uint8_t>&)>& append);
  // Frames NATS would not take (the connection closed, or its reconnect
  // buffer full): the hosts they were for see the gap.
  std::uint64_t dropped() const;

 private:
  struct Batch {
    std::string subject;
    std::vector<std::uint8_t> bytes;
    std::size_t frames = 0;
  };
  void run();
  // Writes batches (with writing_ set, outside the lock); the lock is held again after.
  void write(std::unique_lock<std::mutex>& lock);

  NatsLink& link_;
  const std::size_t max_bytes_;
  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Batch> queue_;
  std::size_t bytes_ = 0;
  bool stopping_ = false;
  bool writing_ = false;  // someone writes: the next batch waits for it
  std::chrono::steady_clock::time_point last_post_{};
  std::uint64_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace wasmhive::lattice
