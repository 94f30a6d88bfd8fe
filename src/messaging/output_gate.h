// The output gate (as Cloudflare's Durable Objects have one): once a component
// has storage writes waiting for their commit, what it sends, requests,
// replies, broadcasts and publishes is held here, and leaves only after the
// commit. So no other component ever acts on state that was rolled back: a
// failed call drops what it held, a failed commit drops everything.
//
// Bounded, so a component cannot pile up output in one turn. Worker thread only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "actor/message.h"

namespace wasmhive::messaging {

struct HeldOutput {
  // A publication is held once for the subscribers on other hosts (those
  // here are held as messages).
  enum class Kind { message, answer, publication } kind;
  actor::Message message;  // an answer: correlation_id, status and payload
  std::string target;      // a message's
};

class OutputGate {
 public:
  OutputGate(std::size_t max_count, std::size_t max_bytes)
      : max_count_(max_count), max_bytes_(max_bytes) {}

  // False, leaving `output` whole, when it would pass the bounds.
  bool hold(HeldOutput&& output);
  bool empty() const { return held_.empty(); }
  // A call begins: what it holds from now on can be taken back alone.
  void mark_call() { call_start_ = held_.size(); }
  // What the call in progress held, in order.
  std::vector<HeldOutput> take_call();
  // Everything, in order.
  std::vector<HeldOutput> take_all();

 private:
  const std::size_t max_count_;
  const std::size_t max_bytes_;
  std::vector<HeldOutput> held_;
  std::size_t call_start_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace wasmhive::messaging
