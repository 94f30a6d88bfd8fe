#include "lattice/outbox.h"

namespace wasmhive::lattice {
namespace {

// Posts closer together than this are a burst: they wait for the thread.
constexpr auto kQuiet = std::chrono::microseconds(50);

}  // namespace

Outbox::Outbox(NatsLink& link, std::size_t max_bytes, std::size_t max_batch)
    : link_(link), max_bytes_(max_bytes), max_batch_(max_batch), thread_([this] { run(); }) {}

Outbox::~Outbox() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool Outbox::post(const std::string& subject, std::size_t size,
                  const std::function<void(std::vector<std::uint8_t>&)>& append) {
  std::unique_lock lock(mutex_);
  if (bytes_ >= max_bytes_) return false;
  bool was_empty = queue_.empty();
  if (was_empty || queue_.back().subject != subject ||
      queue_.back().bytes.size() + size > max_batch_)
    queue_.push_back({subject, {}, 0});
  Batch& batch = queue_.back();
  std::size_t before = batch.bytes.size();
  append(batch.bytes);
  ++batch.frames;
  bytes_ += batch.bytes.size() - before;
  // The clock is read only when the queue was empty: in a burst that is
  // once per write, so posts in between cost no clock read.
  bool quiet = false;
  if (was_empty && !writing_) {
    auto now = std::chrono::steady_clock::now();
    quiet = now - last_post_ > kQuiet;
    last_post_ = now;
  }
  if (quiet) {
    write(lock);                      // this frame alone, from here
    if (queue_.empty()) return true;  // else: more came meanwhile, for the thread
  } else if (!was_empty || writing_) {
    return true;  // the thread (or a writer) has it: under load no one wakes it
  }
  lock.unlock();
  wake_.notify_one();
  return true;
}

void Outbox::write(std::unique_lock<std::mutex>& lock) {
  std::vector<Batch> batches;
  batches.swap(queue_);
  bytes_ = 0;
  writing_ = true;
  lock.unlock();
  std::uint64_t dropped = 0;
  for (const Batch& batch : batches)
    if (!link_.publish(batch.subject, batch.bytes)) dropped += batch.frames;
  lock.lock();
  writing_ = false;
  dropped_ += dropped;
}

std::uint64_t Outbox::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Outbox::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return (!queue_.empty() && !writing_) || (stopping_ && !writing_); });
    if (queue_.empty()) return;  // stopping, and everything is written
    write(lock);
  }
}

}  // namespace wasmhive::lattice
