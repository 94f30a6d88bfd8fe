#include "observe/prometheus.h"

#include <array>
#include <charconv>
#include <functional>
#include <string_view>
#include <utility>

namespace wasmhive::observe {
namespace {

using Label = std::pair<std::string_view, std::string_view>;

// The text format groups every sample of a family under its HELP and TYPE.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  template <class Number>
  void sample(std::string_view name, std::initializer_list<Label> labels, Number value) {
    out_ += name;
    if (labels.size() != 0) {
      char separator = '{';
      for (const auto& [key, text] : labels) {
        out_ += separator;
        out_ += key;
        out_ += "=\"";
        append_label_value(text);
        out_ += '"';
        separator = ',';
      }
      out_ += '}';
    }
    out_ += ' ';
    append_number(value);
    out_ += '\n';
  }

  std::string take() { return std::move(out_); }

 private:
  // The format's three escapes; names are checked by the host, but a
  // template's pattern or a lattice peer's name is text from elsewhere.
  void append_label_value(std::string_view text) {
    for (char c : text) {
      if (c == '\\')
        out_ += "\\\\";
      else if (c == '"')
        out_ += "\\\"";
      else if (c == '\n')
        out_ += "\\n";
      else
        out_ += c;
    }
  }
  template <class Number>
  void append_number(Number value) {
    std::array<char, 32> buffer;
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out_.append(buffer.data(), ec == std::errc() ? end : buffer.data());
  }

  std::string out_;
};

double seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

template <class Item, class Value>
void per_item(Exposition& out, const std::vector<Item>& items, std::string_view label,
              std::string_view name, std::string_view type, std::string_view help,
              std::function<std::string_view(const Item&)> key, Value value) {
  out.family(name, type, help);
  for (const auto& item : items) out.sample(name, {{label, key(item)}}, value(item));
}

void host_metrics(Exposition& out, const host::Snapshot& s, std::optional<double> rate) {
  out.family("wasmhive_uptime_seconds", "gauge", "Time since the host was created.");
  out.sample("wasmhive_uptime_seconds", {}, seconds(s.uptime));
  out.family("wasmhive_workers", "gauge", "Worker threads.");
  out.sample("wasmhive_workers", {}, s.workers);
  out.family("wasmhive_workers_busy", "gauge",
             "Workers running a task or a component's turn when the snapshot was taken.");
  out.sample("wasmhive_workers_busy", {}, s.workers_busy);
  out.family("wasmhive_messages_handled_total", "counter",
             "Messages handled by every component, spawned and virtual.");
  out.sample("wasmhive_messages_handled_total", {}, s.messages_handled());
  if (rate) {
    out.family("wasmhive_messages_per_second", "gauge",
               "Messages handled per second over the last few seconds.");
    out.sample("wasmhive_messages_per_second", {}, *rate);
  }
  std::size_t running = 0, registered = 0;
  for (const auto& c : s.components) {
    running += c.state == actor::ComponentState::running ? 1 : 0;
    registered += c.state != actor::ComponentState::stopped ? 1 : 0;
  }
  for (const auto& t : s.templates) {
    running += t.active;
    registered += t.registered;
  }
  out.family("wasmhive_components_active", "gauge",
             "Components running: spawned ones and active virtual ones.");
  out.sample("wasmhive_components_active", {}, running);
  out.family("wasmhive_components_registered", "gauge",
             "Names known: spawned components not stopped, and the names templates hold.");
  out.sample("wasmhive_components_registered", {}, registered);
  out.family("wasmhive_dead_letters_total", "counter", "Messages not delivered or not handled.");
  out.sample("wasmhive_dead_letters_total", {}, s.dead_letters);
  out.family("wasmhive_audit_denials_total", "counter", "Capability checks denied.");
  out.sample("wasmhive_audit_denials_total", {}, s.audit_denials);
  out.family("wasmhive_requests_outstanding", "gauge", "Requests waiting for their answer.");
  out.sample("wasmhive_requests_outstanding", {}, s.outstanding_requests);
  out.family("wasmhive_late_replies_total", "counter",
             "Replies dropped because their request was answered otherwise.");
  out.sample("wasmhive_late_replies_total", {}, s.late_replies);
}

void component_metrics(Exposition& out, const std::vector<actor::ComponentStatus>& components) {
  using Status = actor::ComponentStatus;
  auto name = [](const Status& c) -> std::string_view { return c.name; };
  auto each = [&](std::string_view metric, std::string_view type, std::string_view help,
                  auto value) {
    per_item<Status>(out, components, "component", metric, type, help, name, value);
  };
  out.family("wasmhive_component_state", "gauge", "1 for the state the component is in.");
  for (const auto& c : components)
    for (auto state : {actor::ComponentState::starting, actor::ComponentState::running,
                       actor::ComponentState::restarting, actor::ComponentState::stopped})
      out.sample("wasmhive_component_state", {{"component", c.name}, {"state", to_string(state)}},
                 c.state == state ? 1 : 0);
  each("wasmhive_component_mailbox_messages", "gauge", "Messages queued in its mailbox.",
       [](const Status& c) { return c.mailbox_size; });
  each("wasmhive_component_mailbox_bytes", "gauge", "Bytes its queued messages hold.",
       [](const Status& c) { return c.mailbox_bytes; });
  each("wasmhive_component_handled_total", "counter", "Messages its handlers returned from.",
       [](const Status& c) { return c.handled; });
  each("wasmhive_component_handler_errors_total", "counter",
       "Of those, how many returned non-zero.", [](const Status& c) { return c.handler_errors; });
  each("wasmhive_component_sent_total", "counter", "Messages it sent that were accepted.",
       [](const Status& c) { return c.sent; });
  each("wasmhive_component_failures_total", "counter",
       "Traps, deadlines, out-of-fuel and failed inits.",
       [](const Status& c) { return c.failures; });
  each("wasmhive_component_restarts_total", "counter", "Restarts by its supervisor.",
       [](const Status& c) { return c.restarts; });
  each("wasmhive_component_dead_letters_total", "counter", "Messages to it not handled.",
       [](const Status& c) { return c.dead_letters; });
  each("wasmhive_component_timers", "gauge", "Timers pending.",
       [](const Status& c) { return c.timers; });

  constexpr std::string_view histogram = "wasmhive_component_handle_seconds";
  out.family(histogram, "histogram",
             "Time to handle a message, of the messages timed (one in 8 by default).");
  for (const auto& c : components) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < DurationHistogram::kBoundsNs.size(); ++i) {
      cumulative += c.handle_time.buckets[i];
      std::array<char, 32> le;
      auto [end, ec] = std::to_chars(le.data(), le.data() + le.size(),
                                     static_cast<double>(DurationHistogram::kBoundsNs[i]) / 1e9);
      out.sample("wasmhive_component_handle_seconds_bucket",
                 {{"component", c.name}, {"le", std::string_view(le.data(), end)}}, cumulative);
    }
    out.sample("wasmhive_component_handle_seconds_bucket", {{"component", c.name}, {"le", "+Inf"}},
               c.handle_time.count);
    out.sample("wasmhive_component_handle_seconds_sum", {{"component", c.name}},
               seconds(c.handle_time.sum));
    out.sample("wasmhive_component_handle_seconds_count", {{"component", c.name}},
               c.handle_time.count);
  }

  out.family("wasmhive_component_storage_bytes", "gauge",
             "Keys and values it keeps in storage (once it has used storage).");
  for (const auto& c : components)
    if (c.storage)
      out.sample("wasmhive_component_storage_bytes", {{"component", c.name}}, c.storage->bytes);
  out.family("wasmhive_component_storage_keys", "gauge", "Keys it keeps in storage.");
  for (const auto& c : components)
    if (c.storage)
      out.sample("wasmhive_component_storage_keys", {{"component", c.name}}, c.storage->keys);
  out.family("wasmhive_component_fuel_used_max", "gauge",
             "Metered components: the most fuel one call measured used.");
  for (const auto& c : components)
    if (c.fuel)
      out.sample("wasmhive_component_fuel_used_max", {{"component", c.name}}, c.fuel->most);
}

void template_metrics(Exposition& out, const std::vector<host::TemplateStatus>& templates) {
  using Status = host::TemplateStatus;
  auto pattern = [](const Status& t) -> std::string_view { return t.pattern; };
  auto each = [&](std::string_view metric, std::string_view type, std::string_view help,
                  auto value) {
    per_item<Status>(out, templates, "template", metric, type, help, pattern, value);
  };
  each("wasmhive_template_active", "gauge", "Instances alive or being made.",
       [](const Status& t) { return t.active; });
  each("wasmhive_template_registered", "gauge", "Names known: active, waiting or hibernated.",
       [](const Status& t) { return t.registered; });
  each("wasmhive_template_waiting", "gauge", "Names waiting for room to be activated.",
       [](const Status& t) { return t.waiting; });
  each("wasmhive_template_hibernated", "gauge", "Deactivated names whose state is kept.",
       [](const Status& t) { return t.hibernated; });
  each("wasmhive_template_hibernated_bytes", "gauge", "What that state takes, compressed.",
       [](const Status& t) { return t.hibernated_bytes; });
  each("wasmhive_template_activations_total", "counter", "Successful activations.",
       [](const Status& t) { return t.activations; });
  each("wasmhive_template_activation_failures_total", "counter", "Failed activations.",
       [](const Status& t) { return t.activation_failures; });
  each("wasmhive_template_deactivations_total", "counter", "Deactivations.",
       [](const Status& t) { return t.deactivations; });
  each("wasmhive_template_handled_total", "counter", "Messages its instances handled.",
       [](const Status& t) { return t.handled; });
  each("wasmhive_template_stopped", "gauge", "1 once past its restart intensity.",
       [](const Status& t) { return t.stopped ? 1 : 0; });
}

void lattice_metrics(Exposition& out, const lattice::LatticeStatus& l) {
  auto one = [&](std::string_view metric, std::string_view type, std::string_view help,
                 std::uint64_t value) {
    out.family(metric, type, help);
    out.sample(metric, {{"lattice", l.lattice}}, value);
  };
  one("wasmhive_lattice_connected", "gauge", "1 while connected to NATS.", l.connected ? 1 : 0);
  one("wasmhive_lattice_peers", "gauge", "Other hosts of the lattice heard from.", l.peers.size());
  one("wasmhive_lattice_frames_sent_total", "counter", "Frames sent to other hosts.",
      l.frames_sent);
  one("wasmhive_lattice_frames_received_total", "counter", "Frames received from other hosts.",
      l.frames_received);
  one("wasmhive_lattice_lost_in_transit_total", "counter",
      "Frames from other hosts that never arrived.", l.lost_in_transit);
  one("wasmhive_lattice_malformed_frames_total", "counter", "Frames refused as malformed.",
      l.malformed_frames);
  one("wasmhive_lattice_hosts_lost_total", "counter", "Hosts lost (silent past the timeout).",
      l.hosts_lost);
  one("wasmhive_lattice_disconnections_total", "counter", "Disconnections from NATS.",
      l.disconnections);
}

}  // namespace

std::string to_prometheus(const host::Snapshot& snapshot,
                          std::optional<double> messages_per_second) {
  Exposition out;
  host_metrics(out, snapshot, messages_per_second);
  component_metrics(out, snapshot.components);
  template_metrics(out, snapshot.templates);
  if (snapshot.lattice) lattice_metrics(out, *snapshot.lattice);
  return out.take();
}

}  // namespace wasmhive::observe
