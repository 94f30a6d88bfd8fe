// Raw libnats figures beside the lattice's: a request/reply round trip and a
// stream of publishes through a nats-server with nothing of ours in the way,
// the floor that the lattice's own figures are read against. Both run against
// a server already running (given by URL), on connections of their own and a
// subject nobody else uses, and throw std::runtime_error on any libnats error.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wasmhive::bench {

struct RoundTrips {
  std::vector<double> micros;  // one per timed request, in the order sent
};

// How the baseline's connections write. batched is libnats' default, and the
// lattice's setting: a publish is written by the connection's flusher thread,
// which waits a millisecond for more to come first, so a reply takes about
// 1 ms more. asap (natsOptions_SetSendAsap) writes every publish at once: the
// latency floor, at a fraction of the batched throughput.
enum class NatsSend { batched, asap };

namespace nats_detail {

using Clock = std::chrono::steady_clock;

[[noreturn]] inline void fail(const std::string& what, natsStatus status) {
  std::string message = what + ": " + natsStatus_GetText(status);
  natsStatus ignored = NATS_OK;
  const char* detail = nats_GetLastError(&ignored);
  if (detail != nullptr && *detail != '\0') message += std::string(" (") + detail + ")";
  throw std::runtime_error(message);
}

// `what` is a plain string: check runs once per message in the timed loops.
inline void check(natsStatus status, const char* what) {
  if (status != NATS_OK) fail(what, status);
}

struct Deleter {
  void operator()(natsConnection* connection) const { natsConnection_Destroy(connection); }
  void operator()(natsSubscription* subscription) const { natsSubscription_Destroy(subscription); }
  void operator()(natsOptions* options) const { natsOptions_Destroy(options); }
  void operator()(natsMsg* message) const { natsMsg_Destroy(message); }
};
using Connection = std::unique_ptr<natsConnection, Deleter>;
using Subscription = std::unique_ptr<natsSubscription, Deleter>;
using Options = std::unique_ptr<natsOptions, Deleter>;
using Message = std::unique_ptr<natsMsg, Deleter>;

// A connection that fails instead of reconnecting (a figure measured across a
// reconnect would be a figure of the reconnect) and instead of blocking for
// good on a server that stopped reading.
inline Connection connect(const std::string& url, NatsSend send) {
  constexpr std::int64_t kWriteDeadlineMs = 30000;
  natsOptions* raw_options = nullptr;
  check(natsOptions_Create(&raw_options), "natsOptions_Create");
  Options options(raw_options);
  check(natsOptions_SetURL(options.get(), url.c_str()), "natsOptions_SetURL");
  check(natsOptions_SetAllowReconnect(options.get(), false), "natsOptions_SetAllowReconnect");
  check(natsOptions_SetSendAsap(options.get(), send == NatsSend::asap), "natsOptions_SetSendAsap");
  check(natsOptions_SetWriteDeadline(options.get(), kWriteDeadlineMs),
        "natsOptions_SetWriteDeadline");
  natsConnection* raw = nullptr;
  natsStatus status = natsConnection_Connect(&raw, options.get());
  if (status != NATS_OK) fail("cannot connect to " + url, status);
  return Connection(raw);
}

// A fresh inbox name: unique, so that other users of the server neither see
// our messages nor add theirs to our counts.
inline std::string private_subject() {
  natsInbox* inbox = nullptr;
  check(natsInbox_Create(&inbox), "natsInbox_Create");
  std::string subject = inbox;
  natsInbox_Destroy(inbox);
  return subject;
}

// A payload of `bytes` that the server will take on this connection.
inline std::string payload(natsConnection* connection, std::size_t bytes) {
  std::int64_t limit = natsConnection_GetMaxPayload(connection);
  if (static_cast<std::int64_t>(bytes) > limit)
    throw std::runtime_error("payload of " + std::to_string(bytes) +
                             " bytes exceeds the server's max_payload of " + std::to_string(limit));
  return std::string(bytes, 'x');
}

// An asynchronous subscription whose destruction returns only after its
// handler's last call, so that what the handler touches may go right after.
class AsyncSubscription {
 public:
  AsyncSubscription(natsConnection* connection, const std::string& subject, natsMsgHandler handler,
                    void* closure) {
    natsSubscription* raw = nullptr;
    check(natsConnection_Subscribe(&raw, connection, subject.c_str(), handler, closure),
          "natsConnection_Subscribe");
    subscription_.reset(raw);
    check(natsSubscription_SetOnCompleteCB(raw, &AsyncSubscription::completed, &completion_),
          "natsSubscription_SetOnCompleteCB");
  }
  ~AsyncSubscription() {
    // When this fails the subscription is closed already (its connection
    // closed), which ends its delivery thread all the same: the completion
    // callback comes either way.
    natsSubscription_Unsubscribe(subscription_.get());
    std::unique_lock lock(completion_.mutex);
    completion_.changed.wait(lock, [this] { return completion_.done; });
  }
  AsyncSubscription(const AsyncSubscription&) = delete;
  AsyncSubscription& operator=(const AsyncSubscription&) = delete;

  natsSubscription* get() const { return subscription_.get(); }

 private:
  struct Completion {
    std::mutex mutex;
    std::condition_variable changed;
    bool done = false;
  };
  static void completed(void* closure) {
    auto& completion = *static_cast<Completion*>(closure);
    // Notified under the lock: the waiter destroys the condition variable as
    // soon as it sees `done`.
    std::lock_guard lock(completion.mutex);
    completion.done = true;
    completion.changed.notify_all();
  }

  Completion completion_;
  Subscription subscription_;
};

inline void echo(natsConnection* connection, natsSubscription*, natsMsg* raw, void*) {
  Message message(raw);
  // A failure shows as the requester's timeout; there is no one else to tell.
  natsConnection_Publish(connection, natsMsg_GetReply(raw), natsMsg_GetData(raw),
                         natsMsg_GetDataLength(raw));
}

// What the subscriber of raw_publish_throughput shares with the measuring
// thread. Written by the subscription's delivery thread only.
struct Tally {
  std::size_t target = 0;
  std::atomic<std::size_t> received{0};
  std::atomic<Clock::rep> latest{0};  // when the latest message arrived
  std::mutex mutex;
  std::condition_variable all_in;
  bool done = false;
};

inline void tally_message(natsConnection*, natsSubscription*, natsMsg* message, void* closure) {
  natsMsg_Destroy(message);
  auto& tally = *static_cast<Tally*>(closure);
  tally.latest.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  if (tally.received.fetch_add(1, std::memory_order_relaxed) + 1 == tally.target) {
    std::lock_guard lock(tally.mutex);
    tally.done = true;
    tally.all_in.notify_all();
  }
}

}  // namespace nats_detail

// `count` sequential requests of `payload_bytes` from one connection to an
// echoing responder on another, after 100 untimed ones (the first sets up
// libnats' reply subscription). Each round trip in microseconds, request sent
// to reply received; a request unanswered for 5 s throws.
inline RoundTrips raw_request_reply(const std::string& url, std::size_t payload_bytes,
                                    std::size_t count, NatsSend send = NatsSend::batched) {
  using namespace nats_detail;
  constexpr std::size_t kWarmup = 100;
  constexpr std::int64_t kTimeoutMs = 5000;

  Connection responder_connection = connect(url, send);
  Connection requester = connect(url, send);
  const std::string subject = private_subject();
  const std::string data = payload(requester.get(), payload_bytes);
  const int size = static_cast<int>(data.size());
  AsyncSubscription responder(responder_connection.get(), subject, &echo, nullptr);
  // The server has the subscription once it has answered a PING sent after it.
  check(natsConnection_Flush(responder_connection.get()), "natsConnection_Flush");

  auto request = [&] {
    natsMsg* raw = nullptr;
    check(natsConnection_Request(&raw, requester.get(), subject.c_str(), data.data(), size,
                                 kTimeoutMs),
          "natsConnection_Request");
    Message reply(raw);
    if (natsMsg_GetDataLength(raw) != size)
      throw std::runtime_error("raw_request_reply: the reply is not the request echoed");
  };
  for (std::size_t i = 0; i < kWarmup; ++i) request();
  RoundTrips trips;
  trips.micros.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto start = Clock::now();
    request();
    trips.micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  return trips;
}

// Messages per second: `count` messages of `payload_bytes` published from one
// connection as fast as libnats takes them, to a subscriber on another, timed
// from the first publish to the subscriber's last message. The subscriber
// buffers without limit, so libnats drops nothing; if messages go missing
// anyway (the server cuts off a slow consumer), it waits 30 s for the rest,
// then warns on stderr and returns the rate of those that arrived. The same
// when publishing alone takes over 30 s: it stops there. A server that has not
// taken the published messages 30 s after the last throws.
inline double raw_publish_throughput(const std::string& url, std::size_t payload_bytes,
                                     std::size_t count, NatsSend send = NatsSend::batched) {
  using namespace nats_detail;
  constexpr auto kPatience = std::chrono::seconds(30);
  constexpr std::int64_t kFlushTimeoutMs = 30000;
  if (count == 0) return 0;

  Connection subscriber = connect(url, send);
  Connection publisher = connect(url, send);
  const std::string subject = private_subject();
  const std::string data = payload(publisher.get(), payload_bytes);
  const int size = static_cast<int>(data.size());
  Tally tally;
  tally.target = count;
  std::optional<AsyncSubscription> subscription;
  subscription.emplace(subscriber.get(), subject, &tally_message, &tally);
  check(natsSubscription_SetPendingLimits(subscription->get(), -1, -1),
        "natsSubscription_SetPendingLimits");
  check(natsConnection_Flush(subscriber.get()), "natsConnection_Flush");

  const Clock::time_point start = Clock::now();
  std::size_t published = 0;
  for (; published < count; ++published) {
    // A server holding the publisher back (its subscriber's buffer full) can
    // stretch this loop to minutes; a look at the clock now and then costs nothing.
    if (published % 4096 == 4095 && Clock::now() - start > kPatience) break;
    check(natsConnection_Publish(publisher.get(), subject.c_str(), data.data(), size),
          "natsConnection_Publish");
  }
  check(natsConnection_FlushTimeout(publisher.get(), kFlushTimeoutMs),
        "natsConnection_FlushTimeout");
  if (published == count) {
    std::unique_lock lock(tally.mutex);
    tally.all_in.wait_for(lock, kPatience, [&] { return tally.done; });
  }
  std::int64_t dropped = 0;
  natsSubscription_GetDropped(subscription->get(), &dropped);  // stays 0 if closed
  // Ends the handler's calls: the tally holds still from here.
  subscription.reset();

  const std::size_t received = tally.received.load(std::memory_order_relaxed);
  const Clock::time_point latest{Clock::duration{tally.latest.load(std::memory_order_relaxed)}};
  if (received < count)
    std::fprintf(stderr,
                 "raw_publish_throughput: of %zu messages, %zu published (within 30 s), %zu "
                 "received (within 30 s of the last publish), %lld dropped by libnats; the rate "
                 "is of those received\n",
                 count, published, received, static_cast<long long>(dropped));
  if (received == 0) return 0;
  return static_cast<double>(received) / std::chrono::duration<double>(latest - start).count();
}

}  // namespace wasmhive::bench
