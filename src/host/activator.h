// Virtual components, as Orleans' virtual actors and Cloudflare's Durable
// Objects have them: a template names a pattern ("user/*"), every name that
// matches is a component of it, and none costs anything until a message comes
// for it. Then an instance is activated under that name, on the worker the
// name hashes to; idle for the template's idle_timeout (or the least recently
// used, when max_active are alive and more wait) it is deactivated: its
// shutdown export runs, its state may hibernate, its instance is released.
// Its storage stays; the next message activates it again.
//
// No message is lost on the way: a message for a name being activated waits
// in the new component's mailbox, and a deactivation closes the mailbox only
// when it is empty (Router::unregister_if_idle), so a sender that finds it
// closed finds the name free and activates it anew.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "actor/supervisor.h"
#include "actor/worker.h"
#include "host/drain.h"
#include "host/spawner.h"
#include "host/template_status.h"
#include "messaging/router.h"
#include "util/timer_service.h"

namespace spdlog {
class logger;
}

namespace wasmhive::storage {
class Store;
}

namespace wasmhive::host {

// "user/*" -> "user/": the prefix every name of the template starts with,
// followed by one token. Errors (invalid_argument): not "<prefix>/*", another
// '*', an empty token, a reserved '@', characters no name may have.
Result<std::string> template_prefix(std::string_view pattern);

// The database "component" under which hibernated state is saved, one key
// per name: '@' is reserved, so no guest's storage can reach it.
inline constexpr std::string_view kHibernatedSpace = "@hibernated";

class Activator final : public messaging::Activations {
 public:
  struct Services {
    const std::vector<std::unique_ptr<actor::Worker>>& workers;
    messaging::Router& router;
    Spawner& spawner;
    actor::Lifecycle& lifecycle;
    actor::Supervisor& supervisor;
    TimerService& timers;
    Clock& clock;
    storage::Store* store;
    std::shared_ptr<spdlog::logger> logger;
  };
  explicit Activator(Services services);
  ~Activator() override;
  Activator(const Activator&) = delete;
  Activator& operator=(const Activator&) = delete;

  // Checks the pattern and limits, reads and compiles the module (rewritten
  // to export its globals if it hibernates), and adds the template's group
  // under `parent`. Errors: invalid_argument, already_exists (the pattern),
  // and the module's load errors.
  Result<void> add(actor::TemplateSpec spec, actor::Group& parent);

  // ---- Activations ----
  Outcome activate(std::string_view name) override;
  void queue(actor::Component& fresh) override;

  // ---- from the host ----
  // A turn of a virtual component left its mailbox empty (its worker).
  void went_idle(actor::Component& component);
  // A template's group stopped (under the supervisor's lock): every instance
  // and waiting name of it stops; its names are unknown targets meanwhile.
  void stop_members(actor::Group& group, const std::string& reason);
  // A virtual component was stopped for good (a temporary one failed): its
  // name is free for a new activation (its worker's thread).
  void forget(actor::Component& component);
  std::vector<TemplateStatus> statuses() const;
  // Placement changed (a lattice host came or went): idle instances whose
  // names now belong elsewhere are deactivated, so that the next message for
  // them goes to their new host. Busy ones follow once idle for idle_timeout.
  void release_misplaced(const std::function<bool(std::string_view name)>& elsewhere);
  // Shutdown: no more activations; each instance drains until the deadline,
  // runs its shutdown export and hibernates. Returns the messages left over
  // (dead letters) per name that had any.
  std::vector<std::pair<std::string, std::size_t>> shutdown(const DrainDeadline& drain);

 private:
  struct Member;
  struct Template;

  Template* match(std::string_view name) const;
  std::shared_ptr<actor::Component> make_member(Template& t, std::string_view name);
  // A refusal when the template has all the names it may (checked before a
  // component is made for a name, and again once it is).
  static std::optional<Outcome> at_capacity_locked(const Template& t);
  static std::optional<Outcome> at_capacity(const Template& t);
  // Under t.mutex: starts activations while there is room, and deactivates
  // the least recently idle instances to make room for the names waiting.
  void pump(Template& t, std::optional<std::size_t> freed_on = std::nullopt);
  static Member* next_waiting(Template& t, std::optional<std::size_t> freed_on);
  static Member* idle_victim(Template& t, std::size_t worker);
  static Member* oldest_idle(Template& t, std::size_t worker);
  static Member* take_idle(Template& t, Member* member);
  void begin_deactivation(Template& t, Member& member, bool evicting);
  // On the member's worker.
  void activate_now(Template& t, const std::shared_ptr<actor::Component>& component,
                    engine::Engine& engine);
  void activation_failed(Template& t, const std::shared_ptr<actor::Component>& component,
                         const Error& error, std::vector<std::uint8_t> saved);
  void deactivate_now(Template& t, const std::shared_ptr<actor::Component>& component,
                      bool evicting);
  // Shutdown export, hibernation and stop of an instance whose mailbox is
  // closed (its worker); returns the leftovers.
  std::size_t release_instance(Template& t, actor::Component& component,
                               std::chrono::nanoseconds shutdown_budget, std::string_view reason);
  // Stops a member that will not run (again): its name is free, what it
  // holds is refused with `reason`, requests among it answered with `answer`.
  void drop_member(Template& t, const std::shared_ptr<actor::Component>& component,
                   std::string_view reason, abi::CallbackStatus answer);
  // The member leaves its template; `keep` is freed once no worker can still
  // be using it (see RouteMemo).
  void remove_member(Template& t, const std::shared_ptr<actor::Component>& keep);
  std::vector<std::uint8_t> take_saved(Template& t, const std::string& name);
  void keep_saved(Template& t, const std::string& name, std::vector<std::uint8_t> blob);
  void sweep_idle(Template& t);
  std::size_t worker_for(std::string_view name) const;

  Services services_;
  mutable std::shared_mutex templates_mutex_;
  std::unordered_map<std::string, std::unique_ptr<Template>> templates_;  // by prefix
  std::atomic<bool> stopping_{false};
};

}  // namespace wasmhive::host
