#include "lattice/nats_link.h"

#include <nats/nats.h>

#include <exception>
#include <string>
#include <utility>

namespace wasmhive::lattice {
namespace {

Error failure(const char* what, natsStatus status) {
  return Error{Errc::unavailable, std::string(what) + ": " + natsStatus_GetText(status)};
}

// A natsOptions for the lifetime of a connect call.
struct Options {
  natsOptions* raw = nullptr;
  ~Options() { natsOptions_Destroy(raw); }
};

}  // namespace

// libnats calls C functions with a closure; these forward to the objects.
struct LinkCallbacks {
  static void disconnected(natsConnection*, void* self) {
    auto& link = *static_cast<NatsLink*>(self);
    if (link.options_.on_disconnected && !link.closing_) link.options_.on_disconnected();
  }
  static void reconnected(natsConnection*, void* self) {
    auto& link = *static_cast<NatsLink*>(self);
    if (link.options_.on_reconnected) link.options_.on_reconnected();
  }
  static void closed(natsConnection*, void* self) {
    auto& link = *static_cast<NatsLink*>(self);
    std::lock_guard lock(link.mutex_);
    link.closed_ = true;
    link.closed_cv_.notify_all();
  }
  static void error(natsConnection*, natsSubscription*, natsStatus status, void* self) {
    auto& link = *static_cast<NatsLink*>(self);
    if (link.options_.on_error) link.options_.on_error(natsStatus_GetText(status));
  }
  static void deliver(natsConnection*, natsSubscription*, natsMsg* msg, void* self) {
    auto& sub = *static_cast<NatsLink::Subscription*>(self);
    const auto* data = reinterpret_cast<const std::uint8_t*>(natsMsg_GetData(msg));
    // No C++ exception may unwind into libnats (C): one that gets here (out
    // of memory) costs this message, reported as an error.
    try {
      sub.handler_(natsMsg_GetSubject(msg),
                   {data, static_cast<std::size_t>(natsMsg_GetDataLength(msg))});
    } catch (const std::exception& e) {
      if (sub.on_error_) sub.on_error_(std::string("a message was dropped: ") + e.what());
    }
    natsMsg_Destroy(msg);
  }
  static void completed(void* self) {
    auto& sub = *static_cast<NatsLink::Subscription*>(self);
    std::lock_guard lock(sub.mutex_);
    sub.done_ = true;
    sub.done_cv_.notify_all();
  }
};

std::string redacted(std::string_view urls) {
  // A list of servers, each perhaps "scheme://user:pass@host:port" or
  // "user:pass@host:port"; a password may itself hold an '@': everything up
  // to the last '@' of a server is hidden.
  std::string out;
  while (true) {
    auto comma = urls.find(',');
    std::string_view url = urls.substr(0, comma);
    auto scheme = url.find("://");
    std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
    auto at = url.rfind('@');
    if (at == std::string_view::npos || at < start)
      out += url;
    else
      out += std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
    if (comma == std::string_view::npos) return out;
    out += ',';
    urls.remove_prefix(comma + 1);
  }
}

Result<std::unique_ptr<NatsLink>> NatsLink::connect(LinkOptions options) {
  std::unique_ptr<NatsLink> link(new NatsLink(std::move(options)));
  const LinkOptions& o = link->options_;
  Options opts;
  natsStatus s = natsOptions_Create(&opts.raw);
  if (s == NATS_OK) s = natsOptions_SetURL(opts.raw, o.url.c_str());
  if (s == NATS_OK && !o.connection_name.empty())
    s = natsOptions_SetName(opts.raw, o.connection_name.c_str());
  if (s == NATS_OK && !o.user.empty())
    s = natsOptions_SetUserInfo(opts.raw, o.user.c_str(), o.password.c_str());
  if (s == NATS_OK && !o.token.empty()) s = natsOptions_SetToken(opts.raw, o.token.c_str());
  if (s == NATS_OK && !o.tls_ca_file.empty()) {
    s = natsOptions_SetSecure(opts.raw, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts.raw, o.tls_ca_file.c_str());
    if (s != NATS_OK)
      return failure(("cannot load certificate authorities from " + o.tls_ca_file).c_str(), s);
  }
  // A host's own publications are for the other hosts: it delivers them
  // here itself.
  if (s == NATS_OK) s = natsOptions_SetNoEcho(opts.raw, true);
  // Writes go out at once: callers batch (see Outbox), and libnats' own
  // batching would hold each write for a millisecond.
  if (s == NATS_OK) s = natsOptions_SetSendAsap(opts.raw, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.raw, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.raw, 100);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts.raw, 32 << 20);
  // One delivery thread for all subscriptions: what one host sends another
  // (messages and publications alike) is handled in the order sent. The
  // pool is libnats's, per process; its size is 1 unless someone raises it.
  if (s == NATS_OK) s = natsOptions_UseGlobalMessageDelivery(opts.raw, true);
  if (s == NATS_OK)
    s = natsOptions_SetDisconnectedCB(opts.raw, LinkCallbacks::disconnected, link.get());
  if (s == NATS_OK)
    s = natsOptions_SetReconnectedCB(opts.raw, LinkCallbacks::reconnected, link.get());
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts.raw, LinkCallbacks::closed, link.get());
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(opts.raw, LinkCallbacks::error, link.get());
  if (s != NATS_OK) return failure("invalid NATS options", s);
  s = natsConnection_Connect(&link->connection_, opts.raw);
  if (s != NATS_OK) {
    link->connection_ = nullptr;
    return failure(("cannot connect to " + redacted(o.url)).c_str(), s);
  }
  return link;
}

NatsLink::~NatsLink() {
  if (!connection_) return;
  closing_ = true;
  natsConnection_Close(connection_);
  {
    // The closed callback is the last libnats makes with this object.
    std::unique_lock lock(mutex_);
    closed_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return closed_; });
  }
  natsConnection_Destroy(connection_);
}

Result<void> NatsLink::publish(std::string_view subject, std::span<const std::uint8_t> data) {
  std::string name(subject);
  natsStatus s =
      natsConnection_Publish(connection_, name.c_str(), data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return failure("NATS publish failed", s);
  return {};
}

Result<void> NatsLink::flush(std::chrono::milliseconds timeout) {
  natsStatus s = natsConnection_FlushTimeout(connection_, timeout.count());
  if (s != NATS_OK) return failure("NATS flush failed", s);
  return {};
}

std::size_t NatsLink::max_payload() const {
  return static_cast<std::size_t>(natsConnection_GetMaxPayload(connection_));
}

bool NatsLink::connected() const {
  return natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

Result<std::unique_ptr<NatsLink::Subscription>> NatsLink::subscribe(const std::string& subject,
                                                                    Handler handler) {
  std::unique_ptr<Subscription> sub(new Subscription());
  sub->handler_ = std::move(handler);
  sub->on_error_ = options_.on_error;
  natsStatus s = natsConnection_Subscribe(&sub->sub_, connection_, subject.c_str(),
                                          LinkCallbacks::deliver, sub.get());
  if (s != NATS_OK) return failure(("cannot subscribe to " + subject).c_str(), s);
  // A host must not drop what arrives in a burst: NATS's defaults (65,536
  // messages) are lower than one mailbox's worth across a few components.
  s = natsSubscription_SetOnCompleteCB(sub->sub_, LinkCallbacks::completed, sub.get());
  if (s == NATS_OK) s = natsSubscription_SetPendingLimits(sub->sub_, 1 << 20, 256 << 20);
  if (s != NATS_OK) return failure("cannot set up a subscription", s);
  return sub;
}

NatsLink::Subscription::~Subscription() {
  if (!sub_) return;
  cancel();
  {
    std::unique_lock lock(mutex_);
    done_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return done_; });
  }
  natsSubscription_Destroy(sub_);
}

void NatsLink::Subscription::cancel() {
  {
    std::lock_guard lock(mutex_);
    if (std::exchange(cancelled_, true)) return;
  }
  if (natsSubscription_Unsubscribe(sub_) == NATS_OK) return;
  // On a closed connection there is nothing left to deliver.
  std::lock_guard lock(mutex_);
  done_ = true;
  done_cv_.notify_all();
}

bool NatsLink::Subscription::finished() {
  std::lock_guard lock(mutex_);
  return done_;
}

}  // namespace wasmhive::lattice
