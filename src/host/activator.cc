#include "host/activator.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_set>

#include "abi/loader.h"
#include "actor/wasm_behaviour.h"
#include "hibernation/module_globals.h"
#include "messaging/names.h"
#include "storage/store.h"
#include "util/latency_histogram.h"
#include "util/rate_limiter.h"

namespace wasmhive::host {

using actor::Component;
using actor::Hibernation;
using Clock = wasmhive::Clock;
using Steady = std::chrono::steady_clock;

// A name of a template with a component now: waiting for room, activating,
// active, or being deactivated.
struct Activator::Member {
  std::shared_ptr<Component> component;
  Steady::time_point first_message;
  bool waiting = true;  // for room: not yet live
  bool queued = false;  // among the waiting (see Activations::queue)
  bool deactivating = false;
  // Its place among the idle, least recently idle first (see went_idle).
  std::optional<std::list<Member*>::iterator> idle_at;
  Clock::TimePoint idle_since{};
};

struct Activator::Template {
  actor::TemplateSpec spec;
  std::string prefix;                            // the pattern without its '*'
  std::shared_ptr<const engine::Module> module;  // rewritten: its globals exported
  // Which module saved a hibernated image: one saved by another module (the
  // template's file was replaced) is dropped, not restored into this one.
  std::uint64_t module_id = 0;
  std::shared_ptr<hibernation::BaseImage> base;
  std::shared_ptr<actor::InstancePool> pool;  // null: its instances cannot be reused
  actor::Group* group = nullptr;
  std::optional<RateLimiter> activation_rate;

  mutable std::mutex mutex;
  std::unordered_map<const Component*, Member> members;
  // Names waiting for room, per worker (the one each hashes to), in order.
  std::vector<std::deque<Member*>> waiting;
  std::size_t waiting_count = 0;
  std::vector<std::size_t> evicting_on;  // deactivations under way per worker
  std::vector<std::size_t> live_on;      // live instances per worker
  std::unordered_set<Member*> live;      // instances alive or being made
  // Idle instances per worker, by idle_since, oldest first.
  std::vector<std::list<Member*>> idle;
  std::size_t evicting = 0;  // deactivations under way to make room, in all
  std::unordered_map<std::string, std::vector<std::uint8_t>> saved;  // Hibernation::memory
  std::size_t saved_bytes = 0;
  std::size_t saved_in_database = 0;
  std::uint64_t activations = 0, failures = 0, deactivations = 0, evictions = 0;
  std::uint64_t handled_by_released = 0;  // by instances no longer members
  LatencyHistogram activation_latency, wait_latency;
};

namespace {

Result<void> check_limits(const actor::TemplateSpec& spec) {
  auto invalid = [&](const char* why) {
    return make_error(Errc::invalid_argument, "template '" + spec.pattern + "': " + why);
  };
  if (spec.max_active == 0) return invalid("max_active must be at least 1");
  if (spec.idle_timeout.count() <= 0) return invalid("idle_timeout must be positive");
  if (spec.max_activations_per_second < 0) return invalid("max_activations_per_second < 0");
  if (spec.max_restarts < 0 || spec.restart_period.count() <= 0)
    return invalid("restart intensity must be >= 0 restarts in a positive period");
  if (spec.hibernate != Hibernation::none && spec.component.native)
    return invalid("native components cannot hibernate");
  return {};
}

// A module's identity in its hibernated images: a hash of its bytes and their
// number.
std::uint64_t module_id_of(std::span<const std::uint8_t> wasm) {
  std::string_view bytes(reinterpret_cast<const char*>(wasm.data()), wasm.size());
  return std::hash<std::string_view>{}(bytes) ^ (std::uint64_t{wasm.size()} << 1);
}

// An image as kept: the module's identity (8 bytes, little endian), then the
// snapshot's blob.
constexpr std::size_t kModuleIdBytes = 8;

std::vector<std::uint8_t> with_module_id(std::uint64_t id, std::vector<std::uint8_t> blob) {
  std::vector<std::uint8_t> kept(kModuleIdBytes + blob.size());
  for (std::size_t i = 0; i < kModuleIdBytes; ++i)
    kept[i] = static_cast<std::uint8_t>(id >> (8 * i));
  std::copy(blob.begin(), blob.end(), kept.begin() + kModuleIdBytes);
  return kept;
}

// The blob, if the image was saved by the module `id`.
std::optional<std::span<const std::uint8_t>> of_module(std::uint64_t id,
                                                       std::span<const std::uint8_t> kept) {
  if (kept.size() < kModuleIdBytes) return std::nullopt;
  std::uint64_t saved_by = 0;
  for (std::size_t i = 0; i < kModuleIdBytes; ++i) saved_by |= std::uint64_t{kept[i]} << (8 * i);
  if (saved_by != id) return std::nullopt;
  return kept.subspan(kModuleIdBytes);
}

// Deactivations under way at once to make room.
constexpr std::size_t kMaxEvicting = 64;

// Reset instances kept per worker and template. A deactivation fills the
// shelf of its component's worker and the activation it makes room for takes
// from there (next_waiting and idle_victim pair them on one worker), but only
// when it runs, after whatever that worker had queued: the shelf holds the
// instances of activations still on their way, which count against
// max_active already. Past the capacity an instance is destroyed, which
// leaves garbage for V8's collector and, until it runs, two memory mappings
// (vm.max_map_count allows 65,530 in all).
std::size_t pooled_per_worker(std::size_t max_active, std::size_t workers) {
  return std::clamp<std::size_t>(max_active / (8 * workers), 16, 1024);
}

// How often idle instances are looked for: a quarter of the timeout, so one
// is released at most 25 % after it, and never more often than every 1 ms.
Clock::Duration sweep_interval(std::chrono::milliseconds idle_timeout) {
  return std::max<Clock::Duration>(idle_timeout / 4, std::chrono::milliseconds(1));
}

}  // namespace

Result<std::string> template_prefix(std::string_view pattern) {
  auto invalid = [&](const std::string& why) {
    return make_error(Errc::invalid_argument,
                      "invalid template pattern '" + std::string(pattern) + "': " + why);
  };
  if (!pattern.ends_with("/*") || pattern.size() < 3)
    return invalid("use a prefix and '/*', as in \"user/*\"");
  std::string_view prefix = pattern.substr(0, pattern.size() - 1);
  if (prefix.find('*') != std::string_view::npos) return invalid("only the last token may be '*'");
  if (prefix.front() == '/' || prefix.find("//") != std::string_view::npos)
    return invalid("a token between two '/' is empty");
  if (prefix.front() == '@') return invalid("'@' is reserved");
  if (prefix.size() + 1 > messaging::kMaxNameLength ||
      !messaging::is_valid_target(std::string(prefix) + "x"))
    return invalid("use printable ASCII characters without spaces, at most 255 in a name");
  return std::string(prefix);
}

Activator::Activator(Services services) : services_(std::move(services)) {}
Activator::~Activator() = default;

// ---- templates ----

Result<void> Activator::add(actor::TemplateSpec spec, actor::Group& parent) {
  auto prefix = template_prefix(spec.pattern);
  if (!prefix) return prefix.error();
  if (auto limits = check_limits(spec); !limits) return limits;
  auto t = std::make_unique<Template>();
  t->prefix = *prefix;
  t->waiting.resize(services_.workers.size());
  t->evicting_on.resize(services_.workers.size());
  t->live_on.resize(services_.workers.size());
  t->idle.resize(services_.workers.size());
  if (!spec.component.native) {
    bool reusable = false;
    std::uint64_t module_id = 0;
    auto read = services_.spawner.take_module(spec.component, spec.pattern);
    if (!read) return read.error();
    std::vector<std::uint8_t> bytes = std::move(*read);
    engine::CompileOptions options = actor::compile_options(spec.component.limits);
    auto module = services_.workers.front()->call(
        [&](engine::Engine& engine) -> Result<std::shared_ptr<const engine::Module>> {
          // Checked (ABI, limits, instantiation) as given before binaryen reads
          // it; only the rewrite is metered (if asked), once.
          auto checked =
              abi::load_module(engine, bytes, {.memory_max_pages = options.memory_max_pages});
          if (!checked) return checked.error();
          if (auto ok = abi::check_instantiation(engine, *checked); !ok) return ok.error();
          auto rewritten = hibernation::export_mutable_globals(bytes);
          if (!rewritten) return rewritten.error();
          reusable = hibernation::reusable_module(*rewritten);
          module_id = module_id_of(*rewritten);
          return abi::load_module(engine, *rewritten, options);
        });
    if (!module) return Error{module.error().code, spec.pattern + ": " + module.error().message};
    t->module = std::move(*module);
    t->module_id = module_id;
    t->base = std::make_shared<hibernation::BaseImage>();
    if (reusable)
      t->pool = std::make_shared<actor::InstancePool>(
          services_.workers.size(), pooled_per_worker(spec.max_active, services_.workers.size()));
  }
  if (spec.hibernate == Hibernation::database) {
    if (!services_.store)
      return make_error(Errc::invalid_argument,
                        spec.pattern + ": hibernate = \"database\" needs the app's database");
    // Names of it saved by an earlier run of the host.
    std::string after;
    for (;;) {
      auto page = services_.store->keys(kHibernatedSpace, t->prefix, after, 10'000);
      if (!page) return Error{Errc::storage_failed, page.error().message};
      t->saved_in_database += page->size();
      if (page->size() < 10'000) break;
      after = page->back();
    }
  }
  if (spec.max_activations_per_second > 0)
    t->activation_rate.emplace(spec.max_activations_per_second, spec.max_activations_per_second);

  // The group's name is the pattern: adding it is what refuses a second
  // template of the pattern. Not under templates_mutex_: the supervisor calls
  // stop_members, which takes that, under its own lock.
  auto group = services_.supervisor.add_group({.name = spec.pattern,
                                               .strategy = actor::Strategy::one_for_one,
                                               .max_restarts = spec.max_restarts,
                                               .period = spec.restart_period},
                                              parent, true);
  if (!group)
    return Error{group.error().code, "template '" + spec.pattern + "': " + group.error().message};
  t->group = *group;
  t->spec = std::move(spec);
  Template& added = *t;
  {
    std::unique_lock lock(templates_mutex_);
    templates_.emplace(added.prefix, std::move(t));
  }
  services_.timers.schedule_after(sweep_interval(added.spec.idle_timeout),
                                  [this, &added] { sweep_idle(added); });
  return {};
}

Activator::Template* Activator::match(std::string_view name) const {
  std::string_view key = messaging::template_key(name);
  if (key.empty()) return nullptr;
  std::shared_lock lock(templates_mutex_);
  auto it = templates_.find(std::string(key));
  return it == templates_.end() ? nullptr : it->second.get();
}

std::size_t Activator::worker_for(std::string_view name) const {
  return std::hash<std::string_view>{}(name) % services_.workers.size();
}

// ---- activation ----

std::shared_ptr<Component> Activator::make_member(Template& t, std::string_view name) {
  actor::ComponentSpec spec = t.spec.component;
  spec.name = std::string(name);
  spec.template_pattern = t.spec.pattern;
  std::unique_ptr<actor::Behaviour> behaviour;
  std::size_t worker = worker_for(name);
  if (spec.native)
    behaviour = std::make_unique<actor::NativeBehaviour>(spec.native);
  else
    behaviour = std::make_unique<actor::WasmBehaviour>(
        t.module, actor::WasmBehaviour::CallLimits::of(spec.limits),
        actor::WasmBehaviour::Template{.base = t.base,
                                       .pool = t.pool,
                                       .worker = worker,
                                       .hibernates = t.spec.hibernate != Hibernation::none});
  return services_.spawner.make_component(std::move(spec), std::move(behaviour), worker);
}

messaging::Activations::Outcome Activator::activate(std::string_view name) {
  Template* t = match(name);
  if (!t) return {};
  if (stopping_) return {nullptr, abi::kErrNotFound, "host shutting down"};
  if (services_.supervisor.stopped(*t->group))
    return {nullptr, abi::kErrNotFound, "its template stopped (restart intensity)"};
  if (auto refused = at_capacity(*t)) return *refused;
  // Made before the lock: most of an activation's cost outside it. It joins
  // its group here, not under t.mutex (the supervisor calls in under its own
  // lock: stop_members).
  auto made = make_member(*t, name);
  services_.supervisor.add_member(*t->group, *made);
  std::lock_guard lock(t->mutex);
  if (auto refused = at_capacity_locked(*t)) return *refused;
  // Before it is registered: once it is, another sender may have put a
  // message in its mailbox, and it must then be activated.
  if (t->activation_rate && !t->activation_rate->allow(t->prefix, services_.clock.now()))
    return {nullptr, abi::kErrBusy, "its template's max_activations_per_second"};
  auto registered = services_.router.add_if_absent(made);
  if (registered != made) return {std::move(registered)};  // another sender was first
  auto& member = t->members[made.get()];
  member.component = made;
  member.first_message = Steady::now();
  return {std::move(made), abi::kOk, "", true};
}

void Activator::queue(Component& fresh) {
  Template* t = match(fresh.name());
  if (!t) return;
  std::lock_guard lock(t->mutex);
  auto it = t->members.find(&fresh);
  if (it == t->members.end() || it->second.queued) return;
  it->second.queued = true;
  t->waiting[fresh.worker()].push_back(&it->second);
  ++t->waiting_count;
  pump(*t);
}

std::optional<messaging::Activations::Outcome> Activator::at_capacity_locked(const Template& t) {
  if (t.members.size() < t.spec.max_active + t.spec.max_waiting) return std::nullopt;
  return Outcome{nullptr, abi::kErrBusy, "its template has max_active + max_waiting names"};
}

std::optional<messaging::Activations::Outcome> Activator::at_capacity(const Template& t) {
  std::lock_guard lock(t.mutex);
  return at_capacity_locked(t);
}

void Activator::pump(Template& t, std::optional<std::size_t> freed_on) {
  while (t.waiting_count > 0) {
    if (t.live.size() < t.spec.max_active) {
      Member* next = next_waiting(t, freed_on);
      freed_on.reset();
      next->waiting = false;
      t.live.insert(next);
      ++t.live_on[next->component->worker()];
      auto component = next->component;
      services_.workers[component->worker()]->post(
          [this, &t, component](engine::Engine& engine) { activate_now(t, component, engine); });
      continue;
    }
    // Full: one deactivation per waiting name, least recently idle first,
    // a few at a time: a burst would leave more instances in a worker's pool
    // than it keeps before the activations that take them run.
    if (t.evicting >= std::min(t.waiting_count, kMaxEvicting)) return;
    Member* victim = nullptr;
    for (std::size_t w = 0; w < t.waiting.size() && !victim; ++w)
      if (t.waiting[w].size() > t.evicting_on[w]) victim = idle_victim(t, w);
    if (!victim) return;  // went_idle pumps again
    begin_deactivation(t, *victim, true);
  }
}

// The name to activate next: when a deactivation on `freed_on` just made
// room, the longest waiting that hashes to that worker, whose pool holds the
// instance the deactivation left; otherwise the longest waiting of all. Each
// name's messages wait in its own mailbox: this order changes no sender's.
Activator::Member* Activator::next_waiting(Template& t, std::optional<std::size_t> freed_on) {
  std::size_t worker = 0;
  if (freed_on && !t.waiting[*freed_on].empty()) {
    worker = *freed_on;
  } else {
    const Member* oldest = nullptr;
    for (std::size_t w = 0; w < t.waiting.size(); ++w)
      if (!t.waiting[w].empty() &&
          (!oldest || t.waiting[w].front()->first_message < oldest->first_message)) {
        oldest = t.waiting[w].front();
        worker = w;
      }
  }
  Member* next = t.waiting[worker].front();
  t.waiting[worker].pop_front();
  --t.waiting_count;
  return next;
}

// The least recently idle instance on `worker`, where the name waiting for
// the room it leaves hashes: its instance, back in that worker's pool, is the
// one the activation takes (instances cannot move between workers). Only a
// worker with no instance at all takes room from another's: a busy worker's
// names wait for its own instances to go idle (went_idle pumps again) rather
// than have instances made for them while idle ones are destroyed elsewhere.
Activator::Member* Activator::idle_victim(Template& t, std::size_t worker) {
  Member* own = oldest_idle(t, worker);
  if (own || t.live_on[worker] > 0) return own ? take_idle(t, own) : nullptr;
  Member* oldest = nullptr;
  for (std::size_t w = 0; w < t.idle.size(); ++w)
    if (Member* candidate = oldest_idle(t, w))
      if (!oldest || candidate->idle_since < oldest->idle_since) oldest = candidate;
  return oldest ? take_idle(t, oldest) : nullptr;
}

// The front of a worker's idle list, dropping those busy again (went_idle
// puts them back when they are idle again).
Activator::Member* Activator::oldest_idle(Template& t, std::size_t worker) {
  auto& idle = t.idle[worker];
  while (!idle.empty() && !idle.front()->component->looks_idle()) {
    idle.front()->idle_at.reset();
    idle.pop_front();
  }
  return idle.empty() ? nullptr : idle.front();
}

Activator::Member* Activator::take_idle(Template& t, Member* member) {
  t.idle[member->component->worker()].erase(*member->idle_at);
  member->idle_at.reset();
  return member;
}

void Activator::activate_now(Template& t, const std::shared_ptr<Component>& component,
                             engine::Engine& engine) {
  // Stopped while its activation was on the way (its template stopped, or
  // the host is shutting down).
  if (component->state() != actor::ComponentState::starting) return;
  // Its template stopped while this activation waited: no init runs.
  if (services_.supervisor.stopped(*t.group))
    return drop_member(t, component, "its template stopped (restart intensity)",
                       abi::kStatusUnknownTarget);
  auto began = Steady::now();
  std::vector<std::uint8_t> saved;
  if (t.spec.hibernate != Hibernation::none) saved = take_saved(t, component->name());
  std::span<const std::uint8_t> image;
  if (!saved.empty()) {
    if (auto blob = of_module(t.module_id, saved))
      image = *blob;
    else
      services_.logger->warn("{}: its hibernated state was saved by another module; dropped",
                             component->name());
  }
  auto started = component->start(engine, image);
  auto ready = Steady::now();
  if (!started) {
    // A trap in init may pass; an image that cannot be restored will not.
    if (!is_trap(started.error().code)) saved.clear();
    return activation_failed(t, component, started.error(), std::move(saved));
  }
  std::lock_guard lock(t.mutex);
  ++t.activations;
  auto it = t.members.find(component.get());
  if (it != t.members.end()) t.wait_latency.record(began - it->second.first_message);
  t.activation_latency.record(ready - began);
}

// Its callers get target_error callbacks; its saved state is kept for the
// next try; the failure counts against the template's intensity.
void Activator::activation_failed(Template& t, const std::shared_ptr<Component>& component,
                                  const Error& error, std::vector<std::uint8_t> saved) {
  if (!saved.empty()) keep_saved(t, component->name(), std::move(saved));  // as it was kept
  std::string reason = "activation failed: " + error.describe();
  drop_member(t, component, reason, abi::kStatusTargetError);
  services_.lifecycle.emit({actor::Event::Kind::failed, component->name(), reason});
  {
    std::lock_guard lock(t.mutex);
    ++t.failures;
  }
  services_.supervisor.on_activation_failure(*t.group);
}

// ---- idleness and deactivation ----

void Activator::went_idle(Component& component) {
  Template* t = match(component.name());
  if (!t) return;
  std::lock_guard lock(t->mutex);
  auto it = t->members.find(&component);
  if (it == t->members.end() || it->second.deactivating) return;
  Member& member = it->second;
  auto& idle = t->idle[component.worker()];
  if (member.idle_at) idle.erase(*member.idle_at);
  member.idle_since = services_.clock.now();
  member.idle_at = idle.insert(idle.end(), &member);
  if (t->waiting_count > 0) pump(*t);
}

void Activator::sweep_idle(Template& t) {
  if (stopping_) return;
  {
    std::lock_guard lock(t.mutex);
    auto now = services_.clock.now();
    for (auto& idle : t.idle)
      while (!idle.empty() && now - idle.front()->idle_since >= t.spec.idle_timeout) {
        Member* oldest = idle.front();
        idle.pop_front();
        oldest->idle_at.reset();
        if (oldest->component->looks_idle()) begin_deactivation(t, *oldest, false);
      }
  }
  services_.timers.schedule_after(sweep_interval(t.spec.idle_timeout),
                                  [this, &t] { sweep_idle(t); });
}

void Activator::release_misplaced(const std::function<bool(std::string_view)>& elsewhere) {
  if (stopping_) return;
  std::shared_lock templates_lock(templates_mutex_);
  for (auto& [prefix, t] : templates_) {
    std::lock_guard lock(t->mutex);
    for (auto& idle : t->idle)
      for (auto it = idle.begin(); it != idle.end();) {
        Member* member = *it;
        if (!elsewhere(member->component->name()) || !member->component->looks_idle()) {
          ++it;
          continue;
        }
        it = idle.erase(it);
        member->idle_at.reset();
        begin_deactivation(*t, *member, false);
      }
  }
}

void Activator::begin_deactivation(Template& t, Member& member, bool evicting) {
  member.deactivating = true;
  if (evicting) {
    ++t.evicting;
    ++t.evicting_on[member.component->worker()];
  }
  auto component = member.component;
  services_.workers[component->worker()]->post(
      [this, &t, component, evicting](engine::Engine&) { deactivate_now(t, component, evicting); });
}

void Activator::deactivate_now(Template& t, const std::shared_ptr<Component>& component,
                               bool evicting) {
  // Its mailbox closes only if it is still idle; a message that came
  // meanwhile keeps it active (it goes idle again later).
  if (!services_.router.unregister_if_idle(*component)) {
    std::lock_guard lock(t.mutex);
    auto it = t.members.find(component.get());
    if (it != t.members.end()) it->second.deactivating = false;
    if (evicting) {
      --t.evicting;
      --t.evicting_on[component->worker()];
    }
    pump(t);
    return;
  }
  release_instance(t, *component, component->spec().limits.call_timeout, "deactivated");
  {
    std::lock_guard lock(t.mutex);
    ++t.deactivations;
    if (evicting) {
      ++t.evictions;
      --t.evicting;
      --t.evicting_on[component->worker()];
    }
  }
  remove_member(t, component);
}

std::size_t Activator::release_instance(Template& t, Component& component,
                                        std::chrono::nanoseconds shutdown_budget,
                                        std::string_view reason) {
  call_shutdown_within(component, shutdown_budget, *services_.logger);
  if (t.spec.hibernate != Hibernation::none &&
      component.state() == actor::ComponentState::running) {
    if (auto blob = component.save_state())
      keep_saved(t, component.name(), with_module_id(t.module_id, std::move(*blob)));
    else
      services_.logger->warn("{}: its state could not hibernate: {}", component.name(),
                             blob.error().describe());
  }
  std::size_t left = component.stop(reason);
  component.port().retire();
  return left;
}

void Activator::remove_member(Template& t, const std::shared_ptr<Component>& keep) {
  {
    std::lock_guard lock(t.mutex);
    auto it = t.members.find(keep.get());
    if (it == t.members.end()) return;
    Member& member = it->second;
    if (member.idle_at) t.idle[keep->worker()].erase(*member.idle_at);
    t.handled_by_released += keep->handled();
    if (member.waiting) {  // never activated (a stop or shutdown): rare
      if (member.queued) {
        std::erase(t.waiting[keep->worker()], &member);
        --t.waiting_count;
      }
    } else if (t.live.erase(&member)) {
      --t.live_on[keep->worker()];
    }
    t.members.erase(it);
    pump(t, keep->worker());
  }
  // A worker may still be in a send that found it through a route memo taken
  // before it was unregistered; each finishes what it is doing before it runs
  // a task posted now, and the last of these tasks frees the component.
  for (const auto& worker : services_.workers)
    if (worker->index() != keep->worker()) worker->post([keep](engine::Engine&) {});
}

void Activator::drop_member(Template& t, const std::shared_ptr<Component>& component,
                            std::string_view reason, abi::CallbackStatus answer) {
  services_.router.unregister_virtual(*component);
  component->stop(reason, answer);
  remove_member(t, component);
}

void Activator::forget(Component& component) {
  Template* t = match(component.name());
  if (!t) return;
  std::shared_ptr<Component> keep;
  {
    std::lock_guard lock(t->mutex);
    auto it = t->members.find(&component);
    if (it == t->members.end()) return;
    keep = it->second.component;
  }
  services_.router.unregister_virtual(component);
  remove_member(*t, keep);
}

void Activator::stop_members(actor::Group& group, const std::string& reason) {
  std::shared_lock templates(templates_mutex_);
  for (auto& [prefix, t] : templates_) {
    if (t->group != &group) continue;
    std::lock_guard lock(t->mutex);
    for (auto& [pointer, member] : t->members) {
      auto component = member.component;
      services_.workers[component->worker()]->post(
          [this, &t = *t, component, reason](engine::Engine&) {
            drop_member(t, component, reason, abi::kStatusTargetError);
          });
    }
  }
}

// ---- hibernated state ----

std::vector<std::uint8_t> Activator::take_saved(Template& t, const std::string& name) {
  if (t.spec.hibernate == Hibernation::memory) {
    std::lock_guard lock(t.mutex);
    auto node = t.saved.extract(name);
    if (node.empty()) return {};
    t.saved_bytes -= node.mapped().size();
    return std::move(node.mapped());
  }
  auto value = services_.store->get(kHibernatedSpace, name);
  if (!value) {
    services_.logger->error("{}: cannot read its hibernated state: {}", name,
                            value.error().describe());
    return {};
  }
  if (!*value) return {};
  // Taken, not copied: a crash while it is active then restarts it from init
  // and its storage, as any crash does, rather than from an older image.
  storage::Write erase{std::string(kHibernatedSpace), name, std::nullopt};
  if (auto erased = services_.store->commit({&erase, 1}); !erased)
    services_.logger->error("{}: cannot clear its hibernated state: {}", name,
                            erased.error().describe());
  {
    std::lock_guard lock(t.mutex);
    if (t.saved_in_database > 0) --t.saved_in_database;
  }
  return {(*value)->begin(), (*value)->end()};
}

void Activator::keep_saved(Template& t, const std::string& name, std::vector<std::uint8_t> blob) {
  if (t.spec.hibernate == Hibernation::memory) {
    std::lock_guard lock(t.mutex);
    t.saved_bytes += blob.size();
    auto [it, added] = t.saved.try_emplace(name);
    if (!added) t.saved_bytes -= it->second.size();
    it->second = std::move(blob);
    return;
  }
  storage::Write write{std::string(kHibernatedSpace), name, std::string(blob.begin(), blob.end())};
  if (auto written = services_.store->commit({&write, 1}); !written) {
    services_.logger->error("{}: its state could not be saved: {}", name,
                            written.error().describe());
    return;
  }
  std::lock_guard lock(t.mutex);
  ++t.saved_in_database;
}

// ---- observation and shutdown ----

std::vector<TemplateStatus> Activator::statuses() const {
  std::vector<TemplateStatus> out;
  // Templates are never removed: their pointers outlive the lock, and the
  // supervisor's lock is not taken under it (see add).
  std::vector<const Template*> all;
  {
    std::shared_lock templates(templates_mutex_);
    for (const auto& entry : templates_) all.push_back(entry.second.get());
  }
  for (const Template* t : all) {
    bool stopped = services_.supervisor.stopped(*t->group);
    std::lock_guard lock(t->mutex);
    std::uint64_t handled = t->handled_by_released;
    std::size_t busy = 0;
    for (const Member* member : t->live) {
      handled += member->component->handled();
      auto state = member->component->state();
      busy += (state == actor::ComponentState::running && !member->component->looks_idle()) ||
              state == actor::ComponentState::restarting;
    }
    out.push_back({.pattern = t->spec.pattern,
                   .hibernate = t->spec.hibernate,
                   .stopped = stopped,
                   .active = t->live.size(),
                   .waiting = t->waiting_count,
                   .hibernated = t->saved.size() + t->saved_in_database,
                   .hibernated_bytes = t->saved_bytes,
                   .registered = t->members.size() + t->saved.size() + t->saved_in_database,
                   .activations = t->activations,
                   .activation_failures = t->failures,
                   .deactivations = t->deactivations,
                   .evictions = t->evictions,
                   .reused = t->pool ? t->pool->reused() : 0,
                   .handled = handled,
                   .busy = busy,
                   .activation_p50 = t->activation_latency.percentile(0.5),
                   .activation_p99 = t->activation_latency.percentile(0.99),
                   .activation_max = t->activation_latency.max(),
                   .wait_p50 = t->wait_latency.percentile(0.5),
                   .wait_p99 = t->wait_latency.percentile(0.99)});
  }
  return out;
}

std::vector<std::pair<std::string, std::size_t>> Activator::shutdown(const DrainDeadline& drain) {
  stopping_ = true;
  std::vector<std::pair<std::string, std::size_t>> left;
  std::vector<std::pair<Template*, std::shared_ptr<Component>>> members;
  {
    std::shared_lock templates(templates_mutex_);
    for (auto& [prefix, t] : templates_) {
      std::lock_guard lock(t->mutex);
      for (auto& [pointer, member] : t->members) members.emplace_back(t.get(), member.component);
    }
  }
  // Plain names, not structured bindings, for what the lambdas use: clang 14
  // (the fuzz build's) cannot capture a binding.
  for (auto& entry : members) {
    Template* t = entry.first;
    const std::shared_ptr<Component>& component = entry.second;
    bool was_active = false;  // counted as a deactivation
    std::size_t leftovers =
        services_.workers[component->worker()]->call([&](engine::Engine&) -> std::size_t {
          if (component->state() == actor::ComponentState::stopped) return 0;
          was_active = component->state() == actor::ComponentState::running;
          component->drain(drain.deadline());
          services_.router.unregister_virtual(*component);
          return release_instance(*t, *component, drain.left(), "host shutdown");
        });
    if (leftovers) left.emplace_back(component->name(), leftovers);
    {
      std::lock_guard lock(t->mutex);
      if (was_active) ++t->deactivations;
    }
    remove_member(*t, component);
  }
  // Pooled instances go before their workers' engines do.
  std::shared_lock templates(templates_mutex_);
  for (auto& entry : templates_) {
    actor::InstancePool* pool = entry.second->pool.get();
    if (!pool) continue;
    for (const auto& worker : services_.workers)
      worker->call([&](engine::Engine&) {
        pool->clear(worker->index());
        return 0;
      });
  }
  return left;
}

}  // namespace wasmhive::host
