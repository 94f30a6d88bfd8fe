// Who is in the lattice, as this host has heard it, and so who owns a name.
// Every host applies the same rules to the same heartbeats, so every live
// host agrees on each name's owner once it has heard the others:
//   - a component registered on a host (a static name) is that host's; when
//     two hosts claim one, the older incarnation holds it;
//   - a name of a template is placed by rendezvous hashing over the live
//     hosts that have the template, so that when a host joins or leaves only
//     the names it wins or held move.
// Not thread-safe; the lattice locks it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lattice/frame.h"
#include "util/clock.h"

namespace wasmhive::lattice {

struct Peer {
  std::string host;
  std::uint64_t incarnation = 0;
  Clock::TimePoint last_seen{};
  std::vector<std::string> names;
  std::unordered_set<std::string> templates;
  std::uint64_t active_virtual = 0;
};

// The rendezvous score of `host` for `name`: the highest score owns the name.
std::uint64_t rendezvous_score(std::string_view name, std::string_view host);

class Membership {
 public:
  Membership(std::string self, Clock::Duration host_timeout);

  struct Heard {
    bool joined = false;          // a host not known before (or again)
    std::optional<Peer> earlier;  // the same host id, an earlier incarnation: it restarted
  };
  // Applies a heartbeat from another host (not a leaving one: see forget).
  Heard hear(const Heartbeat& heartbeat, Clock::TimePoint now);
  // A host left: forgotten now. None if it was not known.
  std::optional<Peer> forget(std::string_view host);
  // Hosts not heard from within the timeout, forgotten and returned.
  std::vector<Peer> expire(Clock::TimePoint now);

  // The host that owns `name`, when it is another: a static name a peer
  // registered, or a template name a peer wins. None: this host owns it (its
  // template wins, `template_here`) or no host does.
  std::optional<std::string> owner(std::string_view name, bool template_here) const;

  const std::unordered_map<std::string, Peer>& peers() const { return peers_; }
  // Changes whenever an owner may have: a host came, went, restarted or
  // changed its names or templates.
  std::uint64_t version() const { return version_; }
  const std::string& self() const { return self_; }

 private:
  void index_names();
  // The peer that claims a static name, if any.
  const std::string* claimant(std::string_view name) const;

  const std::string self_;
  const Clock::Duration host_timeout_;
  std::unordered_map<std::string, Peer> peers_;
  std::unordered_map<std::string, const Peer*> claims_;  // static name -> its owner
  std::uint64_t version_ = 0;
};

}  // namespace wasmhive::lattice
