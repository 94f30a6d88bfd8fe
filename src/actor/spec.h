// Declarative configuration of components and supervision groups (Erlang/OTP
// child specs and supervisor flags, as data). Every limit has a named default.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi/component_api.h"
#include "engine/engine.h"
#include "security/capabilities.h"

namespace wasmhive::actor {

using namespace std::chrono_literals;

// When a failed component is restarted (OTP semantics).
enum class RestartPolicy {
  permanent,  // always
  transient,  // only after an abnormal end (trap, deadline, failed init); ABI v1
              // components cannot end normally by themselves, so today this
              // differs from permanent only when the host stops a component
  temporary,  // never: a failure stops it for good
};

// Which siblings restart when one child of a group fails.
enum class Strategy {
  one_for_one,   // only the failed child
  one_for_all,   // every child of the group
  rest_for_one,  // the failed child and those started after it
};

struct ComponentLimits {
  std::uint32_t memory_max_pages = engine::kDefaultMemoryMaxPages;  // 16 MiB
  std::chrono::milliseconds call_timeout = 100ms;                   // per export call
  // Fuel each export call may use (engine/fuel_meter.h: about one unit per
  // wasm instruction, counted the same on every machine); past it the call
  // fails with out_of_fuel. 0: the module is not metered, only the deadline
  // bounds a call.
  std::int64_t fuel_per_call = 0;
  std::size_t mailbox_capacity = 1024;
  // Bytes its queued messages may hold (payload, names and a fixed overhead per
  // message): with mailbox_capacity, what one flooded mailbox can pin.
  std::size_t mailbox_bytes = 16 << 20;
  std::size_t max_payload = 1 << 20;  // what it may send (and the host's own cap applies too)
  std::size_t max_outstanding_requests = 10000;
  std::size_t max_subscriptions = 100;
  std::size_t max_timers = 100;  // send_after timers pending at once
  // How fast it may send (send, request, reply, publish, and each target of
  // a broadcast): messages and payload bytes per second, each in bursts of
  // up to one second's worth. Past either the import returns the limit error
  // and the first refusal in each second is audited. 0: unlimited.
  double max_messages_per_second = 0;
  std::uint64_t max_bytes_per_second = 0;
  // Its storage's quotas (keys and values together, and keys).
  std::uint64_t storage_quota_bytes = 1 << 20;
  std::uint64_t storage_quota_keys = 10'000;
};

// How a component's module is compiled under its limits.
inline engine::CompileOptions compile_options(const ComponentLimits& limits) {
  return {.memory_max_pages = limits.memory_max_pages, .meter_fuel = limits.fuel_per_call > 0};
}

// Polling the optional `health` export: every `interval` (zero: never), and
// `failures` unhealthy answers in a row restart the component.
struct HealthCheck {
  std::chrono::milliseconds interval = 10'000ms;
  int failures = 3;
};

// A component written in C++ instead of wasm: the same mailbox, scheduling,
// ComponentApi and supervision, without the sandbox. For host-side services and
// for measuring what the sandbox costs. Called on the component's worker, one
// message at a time; returns 0 or an error code like handle_message.
// Callbacks are not delivered to native components.
using NativeHandler =
    std::function<std::int32_t(abi::ComponentApi& api, const abi::CurrentMessage& message)>;

struct ComponentSpec {
  std::string name{};            // "namespace/name"
  std::filesystem::path wasm{};  // used when wasm_bytes is empty
  std::vector<std::uint8_t> wasm_bytes{};
  NativeHandler native{};  // set: a native component; wasm is ignored
  ComponentLimits limits{};
  // Deny by default: a component may do only what is granted here. Native
  // components are trusted host code and are not checked.
  security::Capabilities capabilities{};
  RestartPolicy restart = RestartPolicy::permanent;
  std::optional<std::size_t> worker{};  // pin to a worker; default: round robin
  // Settings its guest reads with config_get ([component.config]).
  std::map<std::string, std::string, std::less<>> config{};
  HealthCheck health{};
  // Set by the host for an instance of a virtual-component template: the
  // template's pattern ("user/*"). Empty for a spawned component.
  std::string template_pattern{};
  // Set by the host when it loads the module: the SHA-256 (hex) of its bytes
  // as read. Empty for a native component.
  std::string module_sha256{};
};

// What a template keeps of a deactivated component's instance (its memory
// and globals), besides its storage, which always stays.
enum class Hibernation {
  none,      // nothing: the next activation starts from init
  memory,    // in the host's memory, gone with the host
  database,  // in the app's database: survives a host restart
};
std::string_view to_string(Hibernation hibernation);

// Orleans' virtual actors and Durable Objects as data: every name that
// matches `pattern` ("user/*": a prefix, then one token without '/') is a
// component of this template. Its first message activates an instance of
// `component` under that name; it is deactivated again when idle.
struct TemplateSpec {
  std::string pattern{};
  // The module, limits, capabilities, config, restart policy and health check
  // of every instance (its name is ignored).
  ComponentSpec component{};
  // Idle this long (empty mailbox, no requests or timers outstanding): its
  // shutdown export runs and its instance is released.
  std::chrono::milliseconds idle_timeout = 30'000ms;
  // Instances alive at once; past it, the least recently used idle one is
  // deactivated to make room, and activations wait for room in the meantime.
  std::size_t max_active = 10'000;
  // Names waiting for room to be activated (past it, sends get busy).
  std::size_t max_waiting = 100'000;
  // New activations per second, in bursts of up to one second's worth (past
  // it, sends get busy); 0: unlimited.
  double max_activations_per_second = 0;
  Hibernation hibernate = Hibernation::none;
  // Restart intensity, counted for all of its instances together (traps in
  // handlers and failed activations alike): past it the template stops.
  int max_restarts = 10;
  std::chrono::milliseconds restart_period = 5000ms;
};

struct GroupSpec {
  std::string name{};
  Strategy strategy = Strategy::one_for_one;
  // Restart intensity: more than max_restarts within `period` stops the group
  // and escalates to its parent.
  int max_restarts = 3;
  std::chrono::milliseconds period = 5000ms;
  // Delay before the n-th restart within the period: initial * 2^(n-1), capped.
  std::chrono::milliseconds backoff_initial = 10ms;
  std::chrono::milliseconds backoff_max = 1000ms;
};

// The delay before the `restart_number`-th restart (1-based) of a group's period.
std::chrono::milliseconds backoff_delay(const GroupSpec& group, int restart_number);

std::string_view to_string(RestartPolicy policy);
std::string_view to_string(Strategy strategy);

}  // namespace wasmhive::actor
