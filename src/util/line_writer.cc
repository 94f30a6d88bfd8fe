#include "util/line_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wasmhive {

Result<std::unique_ptr<LineWriter>> LineWriter::open_append(const std::filesystem::path& path,
                                                            std::size_t queue_lines) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(Errc::unavailable,
                      "cannot open " + path.string() + " for writing: " + std::strerror(errno));
  return std::unique_ptr<LineWriter>(new LineWriter(fd, true, queue_lines));
}

std::unique_ptr<LineWriter> LineWriter::to_descriptor(int fd, std::size_t queue_lines) {
  return std::unique_ptr<LineWriter>(new LineWriter(fd, false, queue_lines));
}

LineWriter::LineWriter(int fd, bool owned, std::size_t queue_lines)
    : fd_(fd), owned_(owned), queue_lines_(queue_lines), thread_([this] { run(); }) {}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (owned_) ::close(fd_);
}

void LineWriter::write(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= queue_lines_ || queued_bytes_ + line.size() > kMaxQueuedBytes) {
      ++dropped_;
      return;
    }
    queued_bytes_ += line.size();
    queue_.push_back(std::move(line));
    ++queued_total_;
  }
  wake_.notify_one();
}

void LineWriter::flush() {
  std::unique_lock lock(mutex_);
  std::uint64_t target = queued_total_;
  written_.wait(lock, [&] { return written_total_ >= target; });
}

std::uint64_t LineWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t LineWriter::failed_writes() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

void LineWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    // Everything queued goes out in one write: a flood costs few system calls.
    std::string batch;
    std::size_t lines = 0;
    for (; !queue_.empty(); ++lines) {
      batch += queue_.front();
      queue_.pop_front();
    }
    queued_bytes_ = 0;
    lock.unlock();
    write_all(batch);
    lock.lock();
    written_total_ += lines;
    written_.notify_all();
  }
}

void LineWriter::write_all(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::lock_guard lock(mutex_);
      ++failed_;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace wasmhive
