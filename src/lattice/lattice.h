// A lattice: hosts that share a NATS server and a lattice name share one
// namespace of components, as wasmCloud's lattice does. A message for a name
// no local component holds goes to the host that owns it (see Membership), in
// a frame on that host's subject; publications go out on NATS subjects, and
// each host subscribes to the patterns its components hold, so NATS does the
// fan-out between hosts.
//
// Every host heartbeats; one silent for the host timeout is gone. Then every
// request waiting on it is answered unknown_target (exactly once: the
// router's pending requests decide), and what was sent to it and not
// acknowledged is counted and logged as possibly lost. Frames between two
// hosts are numbered, so what NATS loses (a server restart, a slow consumer)
// is seen and reported by the receiver.
//
// Trust: capabilities are checked on the sending host. A receiving host
// takes frames only from its NATS connection (which the server
// authenticates) and checks names and payload sizes again.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lattice/config.h"
#include "lattice/frame.h"
#include "lattice/membership.h"
#include "lattice/nats_link.h"
#include "lattice/outbox.h"
#include "lattice/status.h"
#include "messaging/remote.h"
#include "util/string_hash.h"
#include "util/timer_service.h"

namespace spdlog {
class logger;
}

namespace wasmhive::messaging {
class Router;
}

namespace wasmhive::lattice {

class Lattice final : public messaging::Remote {
 public:
  struct Services {
    messaging::Router& router;
    TimerService& timers;
    std::shared_ptr<spdlog::logger> logger;
    // Virtual components active here, for the heartbeat.
    std::function<std::uint64_t()> active_virtual{};
    // A host came or went: names may have moved (see Activator::release_misplaced).
    std::function<void(Lattice&)> placement_changed{};
  };
  // Connects, subscribes, says hello and listens one heartbeat interval for
  // the hosts already there, so that names they own are known before this
  // host registers its own. Errors: invalid_argument (config), unavailable
  // (cannot connect).
  static Result<std::unique_ptr<Lattice>> join(LatticeConfig config, Services services);
  ~Lattice() override;
  Lattice(const Lattice&) = delete;
  Lattice& operator=(const Lattice&) = delete;

  // A template here ("user/"): its names may be placed on this host.
  void add_template(std::string prefix);
  // The components here changed: tell the other hosts now, not at the next
  // heartbeat. (They can reach a new name once they have heard this.)
  void announce() { beat(false, false); }
  // The other host that owns `name`, if any (before registering it here).
  std::optional<std::string> owner_elsewhere(std::string_view name);
  // Says goodbye: other hosts forget this one at once; no frame is taken in
  // from now on. Answers to requests still go out until destruction.
  void leave();
  LatticeStatus status() const;
  const std::string& host_id() const { return config_.host_id; }

  // ---- messaging::Remote ----
  bool elsewhere(std::string_view target) override;
  std::optional<std::int32_t> forward(const actor::Message& message,
                                      std::string_view target) override;
  std::int32_t publish(const actor::Message& message) override;
  void subscribed(std::string_view pattern) override;
  void unsubscribed(std::string_view pattern) override;

 private:
  // Frames to one other host, numbered in the order posted (under the
  // outbox's lock).
  struct Stream {
    std::string subject;
    std::atomic<std::uint64_t> sent{0};   // the last number given
    std::atomic<std::uint64_t> acked{0};  // the last the host said it received
  };
  // Frames from one other host.
  struct Inbound {
    std::uint64_t last = 0;
    std::uint64_t incarnation = 0;  // the origin's, once its heartbeat was heard
    std::uint64_t unreported = 0;   // lost, not logged yet
    std::chrono::steady_clock::time_point reported{};
  };

  Lattice(LatticeConfig config, Services services);
  Result<void> start();
  std::string subject(std::string_view kind) const;
  bool template_here(std::string_view name) const;  // under mutex_
  void placement_changed();                         // under mutex_, exclusive
  // Shared: a sender may still be publishing on a stream that lost() drops.
  std::shared_ptr<Stream> stream_to(const std::string& host);
  // Numbers a frame to `host` and posts it: kOk, kErrTooBig (larger than
  // the server takes), or kErrBusy (the outbox is full).
  std::int32_t send_to(const std::string& host, Frame frame);

  // On the NATS delivery thread.
  void on_frames(std::span<const std::uint8_t> batch);
  void on_frame(const Frame& frame);
  void on_publications(const std::string& pattern, std::span<const std::uint8_t> batch);
  // A batch that did not parse: counted; the first is logged.
  void malformed(std::string_view what);
  void on_heartbeat(std::span<const std::uint8_t> bytes);
  void received(const Frame& frame);  // sequence bookkeeping
  void take_request(const Frame& frame);
  // A frame this host's router refused before delivery: a dead letter here.
  void refused(const Frame& frame, std::int32_t code);
  void take_reply(const Frame& frame);

  // On the timer thread, every heartbeat interval.
  void tick();
  void beat(bool hello, bool leaving);
  Heartbeat heartbeat(bool hello, bool leaving);
  // A host left (said goodbye) or was lost: its requests are answered, its
  // names forgotten.
  void lost(const Peer& peer, std::string_view how, bool left);
  void prune_requests();
  void prune_subscriptions();
  void prune_inbound();
  // Static names a peer claims that are registered here too: logged once each.
  void report_clashes(const Heartbeat& beat);
  // Ends every subscription, waiting for their handlers (not on the delivery thread).
  void unsubscribe_all();

  const LatticeConfig config_;
  Services services_;
  const std::uint64_t incarnation_;
  std::unique_ptr<NatsLink> link_;
  std::unique_ptr<Outbox> outbox_;  // after link_: it writes there

  mutable std::shared_mutex mutex_;  // membership_, streams_, templates_
  Membership membership_;
  std::unordered_map<std::string, std::shared_ptr<Stream>, StringHash, std::equal_to<>> streams_;
  std::unordered_set<std::string> templates_;
  // Bumped (under mutex_) when a name's owner may have changed: membership
  // or local templates. Lets owner lookups be remembered per thread.
  std::atomic<std::uint64_t> placement_version_{0};

  std::mutex requests_mutex_;
  std::unordered_map<std::uint64_t, std::string> requests_;  // id here -> host asked

  mutable std::mutex inbound_mutex_;
  std::unordered_map<std::string, Inbound, StringHash, std::equal_to<>> inbound_;  // by origin

  std::mutex subscriptions_mutex_;
  std::unordered_map<std::string, std::unique_ptr<NatsLink::Subscription>> patterns_;
  std::vector<std::unique_ptr<NatsLink::Subscription>> own_;      // host subject, heartbeats
  std::vector<std::unique_ptr<NatsLink::Subscription>> retired_;  // ending (see unsubscribed)
  bool left_for_subscriptions_ = false;

  std::mutex tick_mutex_;
  bool left_ = false;
  TimerService::TimerId tick_timer_ = 0;

  std::atomic<std::uint64_t> frames_sent_{0}, frames_received_{0}, publications_sent_{0},
      publications_received_{0}, lost_in_transit_{0}, unacknowledged_at_loss_{0},
      requests_failed_by_loss_{0}, malformed_frames_{0}, hosts_lost_{0}, hosts_left_{0},
      disconnections_{0}, reconnections_{0};
  std::atomic<std::int64_t> disconnected_at_ms_{0};
  std::atomic<bool> id_taken_{false};  // another host heartbeats under our id
  std::atomic<std::uint64_t> heartbeat_failures_{0};
  std::uint64_t dropped_reported_ = 0;  // tick() only
  std::mutex clashes_mutex_;
  std::unordered_set<std::string> clashes_;  // "host\nname" already logged
  bool joined_ = false;                      // start() succeeded: leave() says goodbye
};

}  // namespace wasmhive::lattice
