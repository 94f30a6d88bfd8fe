// One connection to a NATS server, with libnats behind it: publishing,
// subscriptions whose handler runs on one delivery thread (so messages from
// one publisher arrive in the order it sent them, across subscriptions), and
// the connection's events. Reconnects by itself, forever.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "util/result.h"

struct __natsConnection;
struct __natsSubscription;

namespace wasmhive::lattice {

struct LinkCallbacks;

struct LinkOptions {
  std::string url;
  std::string user, password, token, tls_ca_file;
  std::string connection_name;  // shown by the server's monitoring
  // From libnats's own thread; keep them short.
  std::function<void()> on_disconnected{};
  std::function<void()> on_reconnected{};
  std::function<void(std::string_view what)> on_error{};  // e.g. a slow consumer
};

// The URL without credentials, for logs.
std::string redacted(std::string_view url);

class NatsLink {
 public:
  static Result<std::unique_ptr<NatsLink>> connect(LinkOptions options);
  ~NatsLink();  // closes; no callback of it runs afterwards
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;

  // Buffered (libnats flushes in the background). Errors: unavailable (the
  // connection is closed, or its reconnect buffer is full).
  Result<void> publish(std::string_view subject, std::span<const std::uint8_t> data);
  // Waits until the server has everything published so far, up to `timeout`.
  Result<void> flush(std::chrono::milliseconds timeout);

  using Handler = std::function<void(std::string_view subject, std::span<const std::uint8_t> data)>;
  class Subscription {
   public:
    ~Subscription();  // unsubscribes; returns once its handler can no longer run
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    // Unsubscribes without waiting (from a thread the handler may be waiting
    // for); the handler may still run until finished().
    void cancel();
    bool finished();

   private:
    friend class NatsLink;
    friend struct LinkCallbacks;
    Subscription() = default;
    Handler handler_;
    std::function<void(std::string_view)> on_error_;
    __natsSubscription* sub_ = nullptr;
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    bool cancelled_ = false;
  };
  Result<std::unique_ptr<Subscription>> subscribe(const std::string& subject, Handler handler);

  bool connected() const;
  // The largest message the server takes.
  std::size_t max_payload() const;

 private:
  friend struct LinkCallbacks;  // libnats's C callbacks
  explicit NatsLink(LinkOptions options) : options_(std::move(options)) {}

  LinkOptions options_;
  __natsConnection* connection_ = nullptr;
  std::mutex mutex_;
  std::condition_variable closed_cv_;
  bool closed_ = false;
  std::atomic<bool> closing_{false};  // our own close is no disconnection to report
};

}  // namespace wasmhive::lattice
