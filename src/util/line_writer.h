// Writes lines to a file descriptor on a thread of its own, so that whoever
// logs or audits never waits for a disk, a full pipe or a slow terminal. The
// queue is bounded in lines and bytes: past either, lines are dropped and
// counted, never waited for.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "util/result.h"

namespace wasmhive {

class LineWriter {
 public:
  static constexpr std::size_t kDefaultQueueLines = 65536;
  static constexpr std::size_t kMaxQueuedBytes = 16 << 20;

  // Appends to `path` (created if missing). Errors: unavailable, naming the path.
  static Result<std::unique_ptr<LineWriter>> open_append(
      const std::filesystem::path& path, std::size_t queue_lines = kDefaultQueueLines);
  // Writes to a descriptor the caller keeps open (stderr, say).
  static std::unique_ptr<LineWriter> to_descriptor(int fd,
                                                   std::size_t queue_lines = kDefaultQueueLines);
  ~LineWriter();  // writes what is queued, then stops
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Queues `line` (which ends in '\n' if it should). Never blocks on I/O.
  void write(std::string line);
  // Returns once everything queued before the call was written (or failed).
  void flush();

  std::uint64_t dropped() const;        // refused for a full queue
  std::uint64_t failed_writes() const;  // the descriptor refused them

 private:
  LineWriter(int fd, bool owned, std::size_t queue_lines);
  void run();
  void write_all(const std::string& text);

  const int fd_;
  const bool owned_;
  const std::size_t queue_lines_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, written_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t queued_total_ = 0, written_total_ = 0, dropped_ = 0, failed_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wasmhive
