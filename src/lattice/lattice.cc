#include "lattice/lattice.h"

#include <spdlog/logger.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "actor/component.h"
#include "messaging/names.h"
#include "messaging/router.h"

namespace wasmhive::lattice {
namespace {

using actor::Message;

constexpr std::size_t kMaxToken = 64;
// A jump in a host's numbering larger than any outage explains: a new stream.
constexpr std::uint64_t kMaxGap = 1 << 24;
// What may wait to be written to NATS, and the most one NATS message carries
// (well under NATS's default max_payload of 1 MiB).
constexpr std::size_t kOutboxBytes = 64 << 20;
constexpr std::size_t kBatchBytes = 256 << 10;

bool is_token(std::string_view text) {
  return !text.empty() && text.size() <= kMaxToken &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

// "<hostname>-<pid>", made a subject token.
std::string default_host_id() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
  std::string id;
  for (char* c = name; *c && id.size() < kMaxToken - 12; ++c)
    id += std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' ? *c : '_';
  if (id.empty()) id = "host";
  return id + "-" + std::to_string(getpid());
}

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A request's immediate refusal on the host that owns its target, as the
// callback its requester gets.
abi::CallbackStatus refusal_status(std::int64_t code) {
  return code == abi::kErrNotFound ? abi::kStatusUnknownTarget : abi::kStatusTargetError;
}

}  // namespace

Result<void> validate(const LatticeConfig& config) {
  auto invalid = [](std::string what) {
    return Error{Errc::invalid_argument, "lattice: " + std::move(what)};
  };
  if (config.url.empty()) return invalid("no NATS URL");
  for (std::string_view scheme : {"http://", "https://", "ws://", "wss://"})
    if (std::string_view(config.url).starts_with(scheme))
      return invalid("the URL must be nats://HOST:PORT or tls://HOST:PORT");
  if (!config.token.empty() && !config.user.empty())
    return invalid("give a user and password, or a token, not both");
  if (!config.password.empty() && config.user.empty()) return invalid("a password needs a user");
  if (!is_token(config.name))
    return invalid("the lattice name must be 1-64 letters, digits, '-' or '_'");
  if (!config.host_id.empty() && !is_token(config.host_id))
    return invalid("the host id must be 1-64 letters, digits, '-' or '_'");
  if (config.heartbeat_interval < std::chrono::milliseconds(10))
    return invalid("heartbeat_ms must be at least 10");
  if (config.host_timeout < 2 * config.heartbeat_interval)
    return invalid("host_timeout_ms must be at least twice heartbeat_ms");
  return {};
}

Result<std::unique_ptr<Lattice>> Lattice::join(LatticeConfig config, Services services) {
  if (auto valid = validate(config); !valid) return valid.error();
  if (config.host_id.empty()) config.host_id = default_host_id();
  std::unique_ptr<Lattice> lattice(new Lattice(std::move(config), std::move(services)));
  if (auto started = lattice->start(); !started) return started.error();
  return lattice;
}

Lattice::Lattice(LatticeConfig config, Services services)
    : config_(std::move(config)),
      services_(std::move(services)),
      incarnation_(now_ns()),
      membership_(config_.host_id, config_.host_timeout) {}

Lattice::~Lattice() {
  leave();
  unsubscribe_all();  // if it never joined
  outbox_.reset();    // what waits is written first
  link_.reset();      // no libnats callback runs after this
}

std::string Lattice::subject(std::string_view kind) const {
  return "wasmhive." + config_.name + "." + std::string(kind);
}

Result<void> Lattice::start() {
  auto& logger = *services_.logger;
  LinkOptions options{.url = config_.url,
                      .user = config_.user,
                      .password = config_.password,
                      .token = config_.token,
                      .tls_ca_file = config_.tls_ca_file,
                      .connection_name = "wasmhive " + config_.name + "/" + config_.host_id};
  options.on_disconnected = [this] {
    ++disconnections_;
    disconnected_at_ms_ = steady_ms();
    services_.logger->warn(
        "lattice: lost the connection to NATS at {}; reconnecting (frames to other hosts are "
        "buffered meanwhile)",
        redacted(config_.url));
  };
  options.on_reconnected = [this] {
    ++reconnections_;
    services_.logger->warn(
        "lattice: reconnected to NATS after {} ms; frames lost meanwhile are reported as the "
        "hosts that sent them are heard again",
        steady_ms() - disconnected_at_ms_.load());
    beat(true, false);
  };
  options.on_error = [this](std::string_view what) {
    services_.logger->warn("lattice: NATS reports: {}", what);
  };
  auto link = NatsLink::connect(std::move(options));
  if (!link) return Error{Errc::unavailable, "lattice: " + link.error().message};
  link_ = std::move(*link);
  // A batch must fit in one NATS message, whatever the server allows.
  outbox_ =
      std::make_unique<Outbox>(*link_, kOutboxBytes, std::min(kBatchBytes, link_->max_payload()));

  auto own = [this](const std::string& subject, NatsLink::Handler handler) -> Result<void> {
    auto sub = link_->subscribe(subject, std::move(handler));
    if (!sub) return sub.error();
    own_.push_back(std::move(*sub));
    return {};
  };
  Result<void> subscribed =
      own(subject("heartbeat"),
          [this](std::string_view, std::span<const std::uint8_t> data) { on_heartbeat(data); });
  if (subscribed)
    subscribed = own(subject("probe"), [this](std::string_view, std::span<const std::uint8_t>) {
      beat(false, false);
    });
  if (!subscribed) return Error{Errc::unavailable, "lattice: " + subscribed.error().message};

  // First listen: hosts already there answer a probe with their heartbeat
  // at once (one interval is ample), so their names are known before this
  // host registers any, and a host with this id is found before this one
  // announces itself.
  if (!link_->publish(subject("probe"), {}))
    return Error{Errc::unavailable, "lattice: cannot reach the NATS server"};
  std::this_thread::sleep_for(config_.heartbeat_interval);
  if (id_taken_)
    return Error{Errc::already_exists, "lattice: host id '" + config_.host_id +
                                           "' is taken by another host of lattice '" +
                                           config_.name + "'"};
  // Only now: a host refused its id never takes the other's frames.
  if (auto taken =
          own(subject("host." + config_.host_id),
              [this](std::string_view, std::span<const std::uint8_t> data) { on_frames(data); });
      !taken)
    return Error{Errc::unavailable, "lattice: " + taken.error().message};
  joined_ = true;
  beat(true, false);
  logger.info("lattice '{}': joined as host '{}' at {} ({} other hosts)", config_.name,
              config_.host_id, redacted(config_.url), status().peers.size());
  std::lock_guard lock(tick_mutex_);
  tick_timer_ = services_.timers.schedule_after(config_.heartbeat_interval, [this] { tick(); });
  return {};
}

// ---- placement ----

bool Lattice::template_here(std::string_view name) const {
  std::string_view key = messaging::template_key(name);
  return !key.empty() && templates_.contains(std::string(key));
}

void Lattice::add_template(std::string prefix) {
  std::unique_lock lock(mutex_);
  templates_.insert(std::move(prefix));
  ++placement_version_;
}

void Lattice::placement_changed() {
  ++placement_version_;
}

std::optional<std::string> Lattice::owner_elsewhere(std::string_view name) {
  // A sender sends to one target many times: the last answer holds until
  // placement changes. (Keyed by incarnation, not address: a lattice made
  // where an old one was is another.)
  struct Memo {
    std::uint64_t lattice = 0, version = 0;
    std::string name;
    std::optional<std::string> owner;
  };
  thread_local Memo memo;
  if (memo.lattice == incarnation_ && memo.version == placement_version_.load() &&
      memo.name == name)
    return memo.owner;
  std::shared_lock lock(mutex_);
  memo = {incarnation_, placement_version_.load(), std::string(name),
          membership_.owner(name, template_here(name))};
  return memo.owner;
}

bool Lattice::elsewhere(std::string_view target) {
  return owner_elsewhere(target).has_value();
}

// ---- sending ----

std::shared_ptr<Lattice::Stream> Lattice::stream_to(const std::string& host) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = streams_.find(host); it != streams_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto& stream = streams_[host];
  if (!stream) {
    stream = std::make_shared<Stream>();
    stream->subject = subject("host." + host);
  }
  return stream;
}

std::int32_t Lattice::send_to(const std::string& host, Frame frame) {
  frame.origin = config_.host_id;
  std::size_t size = encoded_size(frame) + 4;
  if (size > link_->max_payload()) return abi::kErrTooBig;
  auto stream = stream_to(host);
  if (!outbox_->post(stream->subject, size, [&](std::vector<std::uint8_t>& batch) {
        frame.seq = ++stream->sent;
        append(frame, batch);
      }))
    return abi::kErrBusy;
  ++frames_sent_;
  return abi::kOk;
}

std::optional<std::int32_t> Lattice::forward(const Message& message, std::string_view target) {
  auto owner = owner_elsewhere(target);
  if (!owner) return std::nullopt;
  bool request = message.kind == abi::kKindRequest;
  Frame frame{.type = request ? FrameType::request : FrameType::send,
              .correlation = message.correlation_id,
              .timeout_ms = message.timeout_ms,
              .trace = message.trace,
              .sender = message.sender,
              .target = target,
              .payload = message.payload};
  if (request) {
    // Before it leaves: its answer may come back at once.
    std::lock_guard lock(requests_mutex_);
    requests_[message.correlation_id] = *owner;
  }
  std::int32_t sent = send_to(*owner, frame);
  if (sent != abi::kOk && request) {
    std::lock_guard lock(requests_mutex_);
    requests_.erase(message.correlation_id);
  }
  return sent;
}

std::int32_t Lattice::publish(const Message& message) {
  Frame frame{.type = FrameType::publish,
              .trace = message.trace,
              .origin = config_.host_id,
              .sender = message.sender,
              .target = message.topic,
              .payload = message.payload};
  std::size_t size = encoded_size(frame) + 4;
  if (size > link_->max_payload()) return abi::kErrTooBig;
  // Through the outbox, so that it keeps its place among the sender's frames.
  if (!outbox_->post(subject("pub." + message.topic), size,
                     [&](std::vector<std::uint8_t>& batch) { append(frame, batch); }))
    return abi::kErrBusy;
  ++publications_sent_;
  return abi::kOk;
}

void Lattice::subscribed(std::string_view pattern) {
  std::lock_guard lock(subscriptions_mutex_);
  if (left_for_subscriptions_) return;
  std::string held(pattern);
  auto sub = link_->subscribe(subject("pub." + held),
                              [this, held](std::string_view, std::span<const std::uint8_t> data) {
                                on_publications(held, data);
                              });
  if (!sub) {
    services_.logger->error("lattice: publications on '{}' from other hosts will not arrive: {}",
                            held, sub.error().message);
    return;
  }
  patterns_[held] = std::move(*sub);
}

void Lattice::unsubscribed(std::string_view pattern) {
  std::lock_guard lock(subscriptions_mutex_);
  auto it = patterns_.find(std::string(pattern));
  if (it == patterns_.end()) return;
  // Called under the router's subscription lock, which the delivery thread
  // may be waiting for: the subscription ends without waiting, and is freed
  // once it has (prune_subscriptions).
  it->second->cancel();
  retired_.push_back(std::move(it->second));
  patterns_.erase(it);
}

// ---- receiving ----

void Lattice::received(const Frame& frame) {
  ++frames_received_;
  std::lock_guard lock(inbound_mutex_);
  auto it = inbound_.find(frame.origin);
  if (it == inbound_.end()) it = inbound_.emplace(std::string(frame.origin), Inbound{}).first;
  Inbound& in = it->second;
  // A number at or below the last: the sender restarted its numbering. A
  // jump no outage explains is taken the same way, not counted as lost.
  if (in.last != 0 && frame.seq > in.last + 1 && frame.seq - in.last <= kMaxGap) {
    std::uint64_t gap = frame.seq - in.last - 1;
    lost_in_transit_ += gap;
    in.unreported += gap;
    // At most one line per host and second: the count stays exact.
    auto now = std::chrono::steady_clock::now();
    if (now - in.reported >= std::chrono::seconds(1)) {
      services_.logger->warn("lattice: {} frames from host '{}' were lost in transit",
                             in.unreported, frame.origin);
      in.unreported = 0;
      in.reported = now;
    }
  }
  in.last = frame.seq;
}

void Lattice::malformed(std::string_view what) {
  if (malformed_frames_++ == 0)
    services_.logger->warn("lattice: dropped a malformed frame ({}); more are only counted", what);
}

void Lattice::on_frames(std::span<const std::uint8_t> batch) {
  auto taken = for_each_frame(batch, [this](const Frame& frame) { on_frame(frame); });
  if (!taken) malformed(taken.error().message);
}

void Lattice::on_frame(const Frame& frame) {
  // The origin becomes a subject (a reply's) and a key: only a host id will do.
  if (frame.type == FrameType::publish || !is_token(frame.origin) ||
      !messaging::is_valid_target(frame.sender))
    return malformed(
        "a frame without a valid origin or sender, or a publication on a host's "
        "subject");
  received(frame);
  switch (frame.type) {
    case FrameType::send:
      if (std::int32_t sent = services_.router.send({frame.sender}, frame.target, frame.payload,
                                                    {.local_only = true, .trace = frame.trace});
          sent == abi::kErrTooBig || sent == abi::kErrInvalid)
        refused(frame, sent);  // (other refusals are dead letters already)
      break;
    case FrameType::request:
      take_request(frame);
      break;
    case FrameType::reply:
      take_reply(frame);
      break;
    case FrameType::publish:
      break;
  }
}

void Lattice::refused(const Frame& frame, std::int32_t code) {
  Message message{frame.type == FrameType::publish ? abi::kKindPublish : abi::kKindSend,
                  std::string(frame.sender),
                  frame.type == FrameType::publish ? std::string(frame.target) : std::string(),
                  {},
                  0};
  message.trace = services_.router.trace_ids().stamp(frame.trace);
  services_.router.dead_letter(message, frame.target,
                               code == abi::kErrTooBig
                                   ? "from another host: larger than this host's max_payload"
                                   : "from another host: an invalid name or topic",
                               frame.payload.size());
}

void Lattice::take_request(const Frame& frame) {
  auto& router = services_.router;
  std::string origin(frame.origin);
  std::uint64_t correlation = frame.correlation;
  // The reply frame carries the request's trace; the requester's host gives
  // the callback its own id (see ComponentPort::completion_for).
  auto answer = [this, origin, correlation](abi::CallbackStatus status,
                                            std::span<const std::uint8_t> payload,
                                            const Trace& request) {
    send_to(origin, {.type = FrameType::reply,
                     .correlation = correlation,
                     .status = status,
                     .trace = request,
                     .sender = config_.host_id,
                     .payload = payload});
  };
  std::int64_t timeout =
      std::clamp<std::int64_t>(frame.timeout_ms, 1, router.config().max_request_timeout_ms);
  std::int64_t id =
      router.request({frame.sender}, frame.target, frame.payload, timeout,
                     [answer](std::uint64_t, abi::CallbackStatus status,
                              std::vector<std::uint8_t> payload, const Trace& request) {
                       answer(status, payload, request);
                       return true;
                     },
                     nullptr, false, {.local_only = true, .trace = frame.trace});
  if (id < 0) answer(refusal_status(id), {}, frame.trace);
}

void Lattice::take_reply(const Frame& frame) {
  {
    std::lock_guard lock(requests_mutex_);
    auto it = requests_.find(frame.correlation);
    // Only the host asked answers; anything else is late (or confused).
    if (it == requests_.end() || it->second != frame.origin) {
      services_.router.pending().note_late();
      return;
    }
    requests_.erase(it);
  }
  services_.router.answer(frame.correlation, frame.status,
                          {frame.payload.begin(), frame.payload.end()});
}

void Lattice::on_publications(const std::string& pattern, std::span<const std::uint8_t> batch) {
  auto taken = for_each_frame(batch, [&](const Frame& frame) {
    if (frame.type != FrameType::publish || !messaging::is_valid_target(frame.sender))
      return malformed("a publication without a sender");
    ++publications_received_;
    std::int32_t delivered = services_.router.publish_via({frame.sender}, pattern, frame.target,
                                                          frame.payload, frame.trace);
    if (delivered < 0) refused(frame, delivered);
  });
  if (!taken) malformed(taken.error().message);
}

// ---- membership ----

Heartbeat Lattice::heartbeat(bool hello, bool leaving) {
  Heartbeat beat{
      .host = config_.host_id, .incarnation = incarnation_, .hello = hello, .leaving = leaving};
  for (const auto& component : services_.router.components())
    if (!component->is_virtual()) beat.names.push_back(component->name());
  {
    std::shared_lock lock(mutex_);
    beat.templates.assign(templates_.begin(), templates_.end());
  }
  if (services_.active_virtual) beat.active_virtual = services_.active_virtual();
  std::lock_guard lock(inbound_mutex_);
  for (const auto& [origin, in] : inbound_)
    if (in.incarnation != 0) beat.acks.push_back({origin, in.incarnation, in.last});
  return beat;
}

void Lattice::beat(bool hello, bool leaving) {
  auto bytes = encode(heartbeat(hello, leaving));
  if (bytes.size() > link_->max_payload()) {
    // Other hosts would lose this one: say so, once a while.
    if (heartbeat_failures_++ % 100 == 0)
      services_.logger->error(
          "lattice: this host's heartbeat ({} bytes: its component names) is larger than the "
          "NATS server takes ({} bytes); other hosts will count it as lost",
          bytes.size(), link_->max_payload());
    return;
  }
  if (!link_->publish(subject("heartbeat"), bytes) && heartbeat_failures_++ % 100 == 0)
    services_.logger->warn("lattice: a heartbeat could not be sent (NATS unavailable)");
}

void Lattice::on_heartbeat(std::span<const std::uint8_t> bytes) {
  auto beat = decode_heartbeat(bytes);
  if (!beat) {
    if (malformed_frames_++ == 0)
      services_.logger->warn("lattice: dropped a malformed heartbeat ({})", beat.error().message);
    return;
  }
  if (!is_token(beat->host)) {
    if (malformed_frames_++ == 0)
      services_.logger->warn("lattice: dropped a heartbeat whose host is not a valid id");
    return;
  }
  if (beat->host == config_.host_id) {
    // NATS does not echo our own: another host has this id. Frames for it
    // would reach both, so the one that joins second gives up (see start).
    if (!beat->leaving && !id_taken_.exchange(true))
      services_.logger->error("lattice: another host uses this host's id '{}'", config_.host_id);
    return;
  }
  auto now = services_.timers.clock().now();
  std::optional<Peer> gone;
  Membership::Heard heard;
  bool moved = false;
  {
    std::unique_lock lock(mutex_);
    auto version = membership_.version();
    if (beat->leaving)
      gone = membership_.forget(beat->host);
    else
      heard = membership_.hear(*beat, now);
    moved = membership_.version() != version;
    if (moved) placement_changed();
    if (auto it = streams_.find(beat->host); it != streams_.end())
      for (const Ack& ack : beat->acks)
        if (ack.origin == config_.host_id && ack.incarnation == incarnation_)
          it->second->acked = ack.seq;
  }
  if (!beat->leaving) {
    std::lock_guard lock(inbound_mutex_);
    auto it = inbound_.find(beat->host);
    if (it == inbound_.end()) it = inbound_.emplace(beat->host, Inbound{}).first;
    it->second.incarnation = beat->incarnation;
  }
  if (gone) lost(*gone, "left the lattice", true);
  if (heard.earlier) lost(*heard.earlier, "restarted", false);
  if (moved && services_.placement_changed) services_.placement_changed(*this);
  if (heard.joined)
    services_.logger->info("lattice: host '{}' joined ({} components, {} templates)", beat->host,
                           beat->names.size(), beat->templates.size());
  if (moved && !beat->leaving) report_clashes(*beat);
  if (beat->hello) this->beat(false, false);
}

void Lattice::report_clashes(const Heartbeat& beat) {
  for (const auto& name : beat.names) {
    auto here = services_.router.find(name);
    if (!here || here->is_virtual()) continue;
    std::lock_guard lock(clashes_mutex_);
    if (!clashes_.insert(beat.host + "\n" + name).second) continue;  // said already
    services_.logger->error(
        "lattice: component '{}' is registered here and on host '{}' (they started at the same "
        "moment); the older host owns it for the other hosts, senders here reach this one",
        name, beat.host);
  }
}

void Lattice::lost(const Peer& peer, std::string_view how, bool left) {
  std::uint64_t unacknowledged = 0;
  {
    std::unique_lock lock(mutex_);
    if (auto it = streams_.find(peer.host); it != streams_.end()) {
      std::uint64_t sent = it->second->sent, acked = it->second->acked;
      unacknowledged = sent - std::min(acked, sent);
      streams_.erase(it);
    }
  }
  {
    std::lock_guard lock(inbound_mutex_);
    inbound_.erase(peer.host);
  }
  std::vector<std::uint64_t> waiting;
  {
    std::lock_guard lock(requests_mutex_);
    for (auto it = requests_.begin(); it != requests_.end();)
      if (it->second == peer.host) {
        waiting.push_back(it->first);
        it = requests_.erase(it);
      } else {
        ++it;
      }
  }
  std::size_t answered = 0;
  for (std::uint64_t id : waiting)
    if (services_.router.pending().complete(id, abi::kStatusUnknownTarget, {}) !=
        messaging::Completed::not_pending)
      ++answered;
  ++(left ? hosts_left_ : hosts_lost_);
  unacknowledged_at_loss_ += unacknowledged;
  requests_failed_by_loss_ += answered;
  bool losses = answered > 0 || unacknowledged > 0;
  services_.logger->log(
      left && !losses ? spdlog::level::info : spdlog::level::warn,
      "lattice: host '{}' {}: {} requests waiting on it answered unknown_target, {} frames sent "
      "to it unacknowledged (perhaps never handled)",
      peer.host, how, answered, unacknowledged);
}

void Lattice::prune_requests() {
  // Requests that ended otherwise (a timeout, a cancel) need no answer.
  std::lock_guard lock(requests_mutex_);
  std::erase_if(requests_, [this](const auto& entry) {
    return !services_.router.pending().contains(entry.first);
  });
}

void Lattice::prune_inbound() {
  // Streams from hosts that are not (or no longer) members: acknowledging
  // them would only grow the heartbeat.
  std::shared_lock membership_lock(mutex_);
  std::lock_guard lock(inbound_mutex_);
  std::erase_if(inbound_,
                [this](const auto& entry) { return !membership_.peers().contains(entry.first); });
}

void Lattice::prune_subscriptions() {
  std::lock_guard lock(subscriptions_mutex_);
  std::erase_if(retired_, [](const auto& sub) { return sub->finished(); });
}

void Lattice::tick() {
  std::lock_guard lock(tick_mutex_);
  if (left_) return;
  beat(false, false);
  std::vector<Peer> gone;
  {
    std::unique_lock membership_lock(mutex_);
    gone = membership_.expire(services_.timers.clock().now());
    if (!gone.empty()) placement_changed();
  }
  for (const Peer& peer : gone)
    lost(peer, "was lost (silent for " + std::to_string(config_.host_timeout.count()) + " ms)",
         false);
  if (!gone.empty() && services_.placement_changed) services_.placement_changed(*this);
  prune_requests();
  prune_subscriptions();
  prune_inbound();
  if (auto dropped = outbox_->dropped(); dropped > dropped_reported_) {
    services_.logger->warn(
        "lattice: NATS refused {} frames (its connection closed, or its reconnect buffer full); "
        "the hosts they were for count them as lost in transit",
        dropped - dropped_reported_);
    dropped_reported_ = dropped;
  }
  tick_timer_ = services_.timers.schedule_after(config_.heartbeat_interval, [this] { tick(); });
}

void Lattice::leave() {
  if (!joined_) return;
  {
    std::lock_guard lock(tick_mutex_);
    if (std::exchange(left_, true)) return;
    services_.timers.cancel(tick_timer_);
  }
  beat(false, true);
  if (auto flushed = link_->flush(std::chrono::seconds(1)); !flushed)
    services_.logger->warn("lattice: could not say goodbye: {}", flushed.error().message);
  unsubscribe_all();
}

void Lattice::unsubscribe_all() {
  std::unordered_map<std::string, std::unique_ptr<NatsLink::Subscription>> patterns;
  std::vector<std::unique_ptr<NatsLink::Subscription>> retired, own;
  {
    std::lock_guard lock(subscriptions_mutex_);
    left_for_subscriptions_ = true;
    patterns.swap(patterns_);
    retired.swap(retired_);
    own.swap(own_);
  }
  // Destroyed here, outside the lock: each waits for its handler to finish.
}

LatticeStatus Lattice::status() const {
  LatticeStatus out{
      .lattice = config_.name, .host = config_.host_id, .connected = link_ && link_->connected()};
  auto now = services_.timers.clock().now();
  {
    std::shared_lock lock(mutex_);
    for (const auto& [host, peer] : membership_.peers()) {
      PeerStatus p{.host = host, .components = peer.names, .active_virtual = peer.active_virtual};
      for (const auto& prefix : peer.templates) p.templates.push_back(prefix + "*");
      std::sort(p.templates.begin(), p.templates.end());
      p.since_heard = std::chrono::duration_cast<std::chrono::milliseconds>(now - peer.last_seen);
      out.peers.push_back(std::move(p));
    }
  }
  std::sort(out.peers.begin(), out.peers.end(),
            [](const auto& a, const auto& b) { return a.host < b.host; });
  out.frames_sent = frames_sent_;
  out.frames_received = frames_received_;
  out.publications_sent = publications_sent_;
  out.publications_received = publications_received_;
  out.lost_in_transit = lost_in_transit_;
  out.unacknowledged_at_loss = unacknowledged_at_loss_;
  out.requests_failed_by_loss = requests_failed_by_loss_;
  out.malformed_frames = malformed_frames_;
  out.hosts_lost = hosts_lost_;
  out.hosts_left = hosts_left_;
  out.disconnections = disconnections_;
  out.reconnections = reconnections_;
  out.dropped_by_nats = outbox_ ? outbox_->dropped() : 0;
  return out;
}

}  // namespace wasmhive::lattice
