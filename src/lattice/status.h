// What a host knows of its lattice, for status displays and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace wasmhive::lattice {

struct PeerStatus {
  std::string host{};
  std::vector<std::string> components{};  // static names
  std::vector<std::string> templates{};   // patterns ("user/*")
  std::uint64_t active_virtual = 0;
  std::chrono::milliseconds since_heard{0};
};

struct LatticeStatus {
  std::string lattice{};
  std::string host{};
  bool connected = false;
  std::vector<PeerStatus> peers{};
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t publications_sent = 0;
  std::uint64_t publications_received = 0;  // copies: one per matching pattern held here
  // Frames from other hosts that never arrived (gaps in their numbering).
  std::uint64_t lost_in_transit = 0;
  // Frames sent to hosts that were lost before acknowledging them.
  std::uint64_t unacknowledged_at_loss = 0;
  // Requests answered unknown_target because their target's host was lost.
  std::uint64_t requests_failed_by_loss = 0;
  std::uint64_t malformed_frames = 0;
  // Frames this host could not hand to NATS (closed, or its reconnect buffer full).
  std::uint64_t dropped_by_nats = 0;
  std::uint64_t hosts_lost = 0;  // silent past the timeout, or restarted
  std::uint64_t hosts_left = 0;  // said goodbye
  std::uint64_t disconnections = 0;
  std::uint64_t reconnections = 0;
};

}  // namespace wasmhive::lattice
