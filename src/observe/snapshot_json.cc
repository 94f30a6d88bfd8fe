#include "observe/snapshot_json.h"

#include <array>
#include <charconv>
#include <string_view>

#include "util/text.h"
#include "util/trace.h"

namespace wasmhive::observe {
namespace {

std::int64_t epoch_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Writes one object's fields: `"key":value` pairs, commas between.
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  ~Object() { out_ += '}'; }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  Object& text(std::string_view key, std::string_view value) {
    name(key);
    out_ += '"';
    append_json_escaped(out_, value);
    out_ += '"';
    return *this;
  }
  template <class Number>
  Object& number(std::string_view key, Number value) {
    name(key);
    std::array<char, 32> buffer;
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out_.append(buffer.data(), ec == std::errc() ? end : buffer.data());
    return *this;
  }
  Object& boolean(std::string_view key, bool value) {
    name(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  // The caller writes the value (an array or an object) next.
  std::string& raw(std::string_view key) {
    name(key);
    return out_;
  }

 private:
  void name(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  std::string& out_;
  bool first_ = true;
};

template <class Item, class Write>
void array(std::string& out, const std::vector<Item>& items, Write write) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    write(out, items[i]);
  }
  out += ']';
}

void component(std::string& out, const actor::ComponentStatus& c) {
  Object o(out);
  o.text("name", c.name)
      .text("state", to_string(c.state))
      .number("worker", c.worker)
      .number("mailbox", c.mailbox_size)
      .number("mailbox_bytes", c.mailbox_bytes)
      .number("handled", c.handled)
      .number("handler_errors", c.handler_errors)
      .number("sent", c.sent)
      .number("failures", c.failures)
      .number("restarts", c.restarts)
      .number("dead_letters", c.dead_letters)
      .number("timers", c.timers)
      .number("timed", c.handle_time.count)
      .number("handle_seconds_sum", std::chrono::duration<double>(c.handle_time.sum).count());
  if (c.storage) o.number("storage_bytes", c.storage->bytes);
  if (c.metadata && !c.metadata->version.empty()) o.text("version", c.metadata->version);
}

void template_status(std::string& out, const host::TemplateStatus& t) {
  Object(out)
      .text("pattern", t.pattern)
      .boolean("stopped", t.stopped)
      .number("active", t.active)
      .number("registered", t.registered)
      .number("hibernated", t.hibernated)
      .number("activations", t.activations)
      .number("handled", t.handled);
}

void group(std::string& out, const actor::GroupView& g) {
  Object o(out);
  o.text("name", g.name)
      .text("parent", g.parent)
      .text("strategy", to_string(g.strategy))
      .boolean("stopped", g.stopped)
      .boolean("template", g.virtual_members);
  array(o.raw("children"), g.children, [](std::string& s, const actor::GroupView::Child& child) {
    Object(s).text("name", child.name).boolean("group", child.group);
  });
}

void dead_letter(std::string& out, const messaging::DeadLetter& d) {
  Object o(out);
  o.text("sender", d.sender)
      .text("target", d.target)
      .text("reason", d.reason)
      .number("payload_size", d.payload_size);
  // The ids the JSON log has, to find the chain that ended here.
  if (d.trace.traced())
    o.text("trace_id", hex_id(d.trace.trace_id)).text("message_id", hex_id(d.trace.message_id));
}

void denial(std::string& out, const security::AuditRecord& r) {
  Object(out)
      .number("time_ms", r.time_ms)
      .text("component", r.component)
      .text("capability", r.capability)
      .text("target", r.target)
      .text("reason", r.reason)
      .number("count", r.count);
}

void lattice_status(std::string& out, const lattice::LatticeStatus& l) {
  Object o(out);
  o.text("lattice", l.lattice).text("host", l.host).boolean("connected", l.connected);
  array(o.raw("peers"), l.peers, [](std::string& s, const lattice::PeerStatus& p) {
    Object(s).text("host", p.host).number("components", p.components.size());
  });
}

}  // namespace

std::string to_json(const host::Snapshot& s, const std::vector<RateHistory::Point>& rates,
                    std::optional<double> messages_per_second) {
  std::string out;
  {
    Object o(out);
    o.number("taken_ms", epoch_ms(s.taken))
        .number("uptime_seconds", std::chrono::duration<double>(s.uptime).count())
        .number("workers", s.workers)
        .number("workers_busy", s.workers_busy)
        .number("messages_handled", s.messages_handled())
        .number("messages_per_second", messages_per_second.value_or(0.0))
        .number("dead_letters", s.dead_letters)
        .number("audit_denials", s.audit_denials)
        .number("outstanding_requests", s.outstanding_requests);
    array(o.raw("rates"), rates, [](std::string& a, const RateHistory::Point& p) {
      Object(a).number("time_ms", epoch_ms(p.time)).number("per_second", p.per_second);
    });
    array(o.raw("groups"), s.groups, group);
    array(o.raw("components"), s.components, component);
    array(o.raw("templates"), s.templates, template_status);
    array(o.raw("recent_dead_letters"), s.recent_dead_letters, dead_letter);
    array(o.raw("recent_denials"), s.recent_denials, denial);
    if (s.lattice) lattice_status(o.raw("lattice"), *s.lattice);
  }
  return out;
}

}  // namespace wasmhive::observe
