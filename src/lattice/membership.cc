#include "lattice/membership.h"

#include <tuple>

#include "messaging/names.h"

namespace wasmhive::lattice {
namespace {

// FNV-1a, then a finalizer: the same on every host and build, unlike std::hash.
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool older(const Peer& a, const Peer& b) {
  return std::tie(a.incarnation, a.host) < std::tie(b.incarnation, b.host);
}

}  // namespace

std::uint64_t rendezvous_score(std::string_view name, std::string_view host) {
  return mix(fnv1a(host, fnv1a(name) ^ 0x9e3779b97f4a7c15ULL));
}

Membership::Membership(std::string self, Clock::Duration host_timeout)
    : self_(std::move(self)), host_timeout_(host_timeout) {}

Membership::Heard Membership::hear(const Heartbeat& heartbeat, Clock::TimePoint now) {
  Heard heard;
  auto [it, added] = peers_.try_emplace(heartbeat.host);
  Peer& peer = it->second;
  heard.joined = added;
  if (!added && peer.incarnation != heartbeat.incarnation) {
    heard.earlier = peer;
    heard.joined = true;
  }
  bool names_changed = added || peer.names != heartbeat.names || heard.earlier;
  peer.host = heartbeat.host;
  peer.incarnation = heartbeat.incarnation;
  peer.last_seen = now;
  if (names_changed) peer.names = heartbeat.names;
  std::unordered_set<std::string> templates(heartbeat.templates.begin(), heartbeat.templates.end());
  if (names_changed || templates != peer.templates) ++version_;
  peer.templates = std::move(templates);
  peer.active_virtual = heartbeat.active_virtual;
  if (names_changed) index_names();
  return heard;
}

std::optional<Peer> Membership::forget(std::string_view host) {
  auto it = peers_.find(std::string(host));
  if (it == peers_.end()) return std::nullopt;
  Peer gone = std::move(it->second);
  peers_.erase(it);
  ++version_;
  index_names();
  return gone;
}

std::vector<Peer> Membership::expire(Clock::TimePoint now) {
  std::vector<Peer> gone;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (now - it->second.last_seen > host_timeout_) {
      gone.push_back(std::move(it->second));
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  if (!gone.empty()) {
    ++version_;
    index_names();
  }
  return gone;
}

void Membership::index_names() {
  claims_.clear();
  for (const auto& [host, peer] : peers_)
    for (const auto& name : peer.names) {
      auto [it, added] = claims_.try_emplace(name, &peer);
      if (!added && older(peer, *it->second)) it->second = &peer;
    }
}

const std::string* Membership::claimant(std::string_view name) const {
  auto it = claims_.find(std::string(name));
  return it == claims_.end() ? nullptr : &it->second->host;
}

std::optional<std::string> Membership::owner(std::string_view name, bool template_here) const {
  if (const std::string* host = claimant(name)) return *host;
  std::string_view key = messaging::template_key(name);
  if (key.empty()) return std::nullopt;
  const std::string key_text(key);
  const std::string* best = template_here ? &self_ : nullptr;
  std::uint64_t best_score = template_here ? rendezvous_score(name, self_) : 0;
  for (const auto& [host, peer] : peers_) {
    if (!peer.templates.contains(key_text)) continue;
    std::uint64_t score = rendezvous_score(name, host);
    if (!best || score > best_score || (score == best_score && host < *best)) {
      best = &host;
      best_score = score;
    }
  }
  if (!best || best == &self_) return std::nullopt;
  return *best;
}

}  // namespace wasmhive::lattice
