// What hosts of a lattice say to each other over NATS, as bytes: messages
// between components (one frame per NATS message) and the heartbeats by
// which hosts know each other. Decoding checks every length: a frame comes
// from the network and is untrusted until it parses.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/abi.h"
#include "util/result.h"
#include "util/trace.h"

namespace wasmhive::lattice {

// 2: frames carry their message's trace. Hosts of other versions ignore each
// other (frames and heartbeats alike).
inline constexpr std::uint8_t kWireVersion = 2;

enum class FrameType : std::uint8_t { send = 1, request = 2, reply = 3, publish = 4 };

// A message from a component (or host application) on one host to another
// host. Views point into the encoded bytes.
struct Frame {
  FrameType type = FrameType::send;
  // Per (origin, destination) host pair, from 1: lets the destination see
  // what NATS lost and acknowledge what arrived. 0 on publications.
  std::uint64_t seq = 0;
  std::uint64_t correlation = 0;                // request and reply: the request's id on its origin
  abi::CallbackStatus status = abi::kStatusOk;  // reply
  std::uint32_t timeout_ms = 0;                 // request
  // The message's trace (a reply: its request's), so a chain keeps its ids
  // across hosts. As untrusted as the rest: any values decode.
  Trace trace{};
  std::string_view origin{};  // the sending host's id
  std::string_view sender{};  // the sending component's name
  std::string_view target{};  // a component's name, or a topic
  std::span<const std::uint8_t> payload{};
};

void encode(const Frame& frame, std::vector<std::uint8_t>& out);
// Errors: invalid_argument, saying what is wrong.
Result<Frame> decode_frame(std::span<const std::uint8_t> bytes);
// The bytes encode() writes for `frame`.
std::size_t encoded_size(const Frame& frame);

// Frames travel in batches, one NATS message each: every frame after its
// 4-byte length. Appends one.
void append(const Frame& frame, std::vector<std::uint8_t>& batch);
// Calls `each` for the frames of a batch in order, until one is malformed.
// Returns how many it called it for, or the error of the malformed frame.
Result<std::size_t> for_each_frame(std::span<const std::uint8_t> batch,
                                   const std::function<void(const Frame&)>& each);

// What a host's origin stream to another host has delivered.
struct Ack {
  std::string origin{};
  std::uint64_t incarnation = 0;  // the origin's
  std::uint64_t seq = 0;          // the last frame received in order
};

// Sent by every host at each interval, and when it joins or leaves.
struct Heartbeat {
  std::string host{};
  // When the host started (ns since the epoch): a restarted host is a new
  // incarnation, and of two claims on one name the older holds.
  std::uint64_t incarnation = 0;
  bool hello = false;                    // just joined: others answer with their heartbeat at once
  bool leaving = false;                  // shutting down: forget this host now
  std::vector<std::string> names{};      // components registered here (not virtual)
  std::vector<std::string> templates{};  // prefixes of the templates here ("user/")
  std::uint64_t active_virtual = 0;      // virtual components active here
  std::vector<Ack> acks{};
};

std::vector<std::uint8_t> encode(const Heartbeat& heartbeat);
Result<Heartbeat> decode_heartbeat(std::span<const std::uint8_t> bytes);

}  // namespace wasmhive::lattice
