// Supervision as in Erlang/OTP: components sit in groups; when one fails, its
// group's strategy picks which children restart, its restart intensity (at most
// R restarts in T) decides whether the group gives up, and a group that gives up
// stops all its children and fails in its parent. The root group giving up is an
// escalation to the host. Decisions are made here; the host carries them out on
// the workers.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actor/component.h"
#include "actor/spec.h"
#include "util/clock.h"

namespace wasmhive::actor {

struct Group {
  GroupSpec spec;
  Group* parent = nullptr;
  // In start order. A child is a component or a nested group.
  struct Child {
    Component* component = nullptr;
    Group* group = nullptr;
  };
  std::vector<Child> children;
  std::deque<Clock::TimePoint> restarts;  // within the current period
  bool stopped = false;
  // A template's group (virtual components): its instances come and go by
  // the thousand, so they are not listed as children; each failure counts
  // against the group's intensity and restarts only the failed instance.
  bool virtual_members = false;
};

// One group of the supervision tree as it stands, for whoever displays it.
struct GroupView {
  struct Child {
    std::string name;
    bool group = false;  // a nested group, else a component
  };
  std::string name{};
  std::string parent{};  // empty for the root
  Strategy strategy = Strategy::one_for_one;
  bool stopped = false;
  bool virtual_members = false;   // a template's group: members are not listed
  std::vector<Child> children{};  // in start order
};

// How the supervisor's decisions are carried out.
class SupervisorActions {
 public:
  virtual ~SupervisorActions() = default;
  // Take the component down (if it is up) and start a new instance after
  // `delay`; emits restart_scheduled once the restart is timed.
  virtual void restart(Component& component, std::chrono::milliseconds delay) = 0;
  // Take the component down, dead-lettering its mailbox with `reason`. A
  // retired component is never restarted; otherwise its group may restart it.
  virtual void stop(Component& component, std::string reason, bool retire) = 0;
  // A group of virtual members stopped: stop every instance it has.
  virtual void stop_members(Group& group, const std::string& reason) = 0;
  virtual void emit(Event event) = 0;
};

class Supervisor {
 public:
  Supervisor(GroupSpec root, Clock& clock, SupervisorActions& actions);

  Group& root() { return *groups_.front(); }
  Result<Group*> add_group(GroupSpec spec, Group& parent, bool virtual_members = false);
  Group* find_group(std::string_view name);
  // A retired component is not added (it was removed while spawning).
  void add_child(Group& group, Component& component);
  // A virtual component joins its template's group (not as a listed child).
  void add_member(Group& group, Component& component);
  // A virtual component's activation failed: counted like a failure, no restart.
  void on_activation_failure(Group& group);
  bool stopped(const Group& group);
  // The component leaves its group: no decision names it again.
  void remove_child(Component& component);
  // Every group, the root first, then in the order they were added.
  std::vector<GroupView> tree() const;

  // A component failed (trap, deadline, failed init). Thread-safe.
  void on_failure(Component& component);

 private:
  void child_failed(Group& group, const Group::Child& child);
  void member_failed(Group& group, Component* member);
  // Gives up on a group past its intensity, escalating to its parent.
  void give_up(Group& group);
  bool over_intensity(Group& group);
  void stop_group(Group& group, const std::string& reason);
  void restart_child(const Group::Child& child, std::chrono::milliseconds delay);
  void stop_child(const Group::Child& child, const std::string& reason);

  Clock& clock_;
  SupervisorActions& actions_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Group>> groups_;
};

}  // namespace wasmhive::actor
