// What the host reports of a template of virtual components.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "actor/spec.h"

namespace wasmhive::host {

struct TemplateStatus {
  std::string pattern;
  actor::Hibernation hibernate;
  bool stopped;                  // past its restart intensity: names of it are unknown targets
  std::size_t active;            // instances alive or being made
  std::size_t waiting;           // names waiting for room to be activated
  std::size_t hibernated;        // deactivated names whose state is kept
  std::size_t hibernated_bytes;  // what that state takes, compressed (memory only)
  // Names the template knows now: active, waiting or hibernated. (A name
  // deactivated without hibernation leaves nothing behind but its storage.)
  std::size_t registered;
  std::uint64_t activations;  // successful
  std::uint64_t activation_failures;
  std::uint64_t deactivations;
  std::uint64_t evictions;  // of those, made to make room (max_active)
  std::uint64_t reused;     // activations that reused a pooled instance
  std::uint64_t handled;    // messages its instances handled, released ones too
  std::size_t busy;         // instances with messages queued or under way, or restarting
  // From the moment its worker takes up an activation (instantiate, init,
  // restore) to the instance being ready, over all activations so far.
  std::chrono::nanoseconds activation_p50, activation_p99, activation_max;
  // From a name's first message to its activation starting (time spent
  // waiting for room or for its worker).
  std::chrono::nanoseconds wait_p50, wait_p99;
};

}  // namespace wasmhive::host
