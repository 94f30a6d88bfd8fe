#include "actor/supervisor.h"

#include <algorithm>

namespace wasmhive::actor {

Supervisor::Supervisor(GroupSpec root, Clock& clock, SupervisorActions& actions)
    : clock_(clock), actions_(actions) {
  groups_.push_back(std::make_unique<Group>(Group{std::move(root), nullptr, {}, {}, false}));
}

Result<Group*> Supervisor::add_group(GroupSpec spec, Group& parent, bool virtual_members) {
  std::lock_guard lock(mutex_);
  for (const auto& g : groups_)
    if (g->spec.name == spec.name)
      return make_error(Errc::already_exists, "group '" + spec.name + "' exists");
  groups_.push_back(
      std::make_unique<Group>(Group{std::move(spec), &parent, {}, {}, false, virtual_members}));
  Group* group = groups_.back().get();
  parent.children.push_back({nullptr, group});
  return group;
}

Group* Supervisor::find_group(std::string_view name) {
  std::lock_guard lock(mutex_);
  for (const auto& g : groups_)
    if (g->spec.name == name) return g.get();
  return nullptr;
}

void Supervisor::add_child(Group& group, Component& component) {
  std::lock_guard lock(mutex_);
  // Removed while it was being spawned: it must not be named again.
  if (component.retired()) return;
  component.set_group(&group);
  group.children.push_back({&component, nullptr});
}

void Supervisor::add_member(Group& group, Component& component) {
  std::lock_guard lock(mutex_);
  component.set_group(&group);
}

void Supervisor::on_activation_failure(Group& group) {
  std::lock_guard lock(mutex_);
  if (!group.stopped) member_failed(group, nullptr);
}

bool Supervisor::stopped(const Group& group) {
  std::lock_guard lock(mutex_);
  return group.stopped;
}

void Supervisor::remove_child(Component& component) {
  std::lock_guard lock(mutex_);
  Group* group = component.group();
  if (!group) return;
  std::erase_if(group->children,
                [&](const Group::Child& child) { return child.component == &component; });
  component.set_group(nullptr);
}

std::vector<GroupView> Supervisor::tree() const {
  std::lock_guard lock(mutex_);
  std::vector<GroupView> out;
  out.reserve(groups_.size());
  for (const auto& g : groups_) {
    GroupView view{.name = g->spec.name,
                   .parent = g->parent ? g->parent->spec.name : std::string(),
                   .strategy = g->spec.strategy,
                   .stopped = g->stopped,
                   .virtual_members = g->virtual_members};
    for (const auto& child : g->children)
      view.children.push_back(child.group ? GroupView::Child{child.group->spec.name, true}
                                          : GroupView::Child{child.component->name(), false});
    out.push_back(std::move(view));
  }
  return out;
}

void Supervisor::on_failure(Component& component) {
  std::lock_guard lock(mutex_);
  Group* group = component.group();
  if (!group || group->stopped) return;
  if (component.spec().restart == RestartPolicy::temporary) {
    actions_.stop(component, "temporary component failed", true);
    return;
  }
  if (group->virtual_members) return member_failed(*group, &component);
  child_failed(*group, {&component, nullptr});
}

void Supervisor::member_failed(Group& group, Component* member) {
  if (over_intensity(group)) return give_up(group);
  if (member) actions_.restart(*member, backoff_delay(group.spec, int(group.restarts.size())));
}

bool Supervisor::over_intensity(Group& group) {
  auto now = clock_.now();
  group.restarts.push_back(now);
  while (!group.restarts.empty() && now - group.restarts.front() > group.spec.period)
    group.restarts.pop_front();
  return static_cast<int>(group.restarts.size()) > group.spec.max_restarts;
}

void Supervisor::give_up(Group& group) {
  std::string reason = "group '" + group.spec.name + "' exceeded " +
                       std::to_string(group.spec.max_restarts) + " restarts in " +
                       std::to_string(group.spec.period.count()) + " ms";
  stop_group(group, reason);
  actions_.emit({Event::Kind::group_stopped, group.spec.name, reason});
  // A template stops there, as an OTP temporary child: restarting it would
  // fail the same way, and one bad template must not take its parent down.
  if (group.virtual_members) return;
  if (group.parent)
    child_failed(*group.parent, {nullptr, &group});
  else
    actions_.emit({Event::Kind::escalated, group.spec.name, reason});
}

void Supervisor::child_failed(Group& group, const Group::Child& failed) {
  if (over_intensity(group)) return give_up(group);
  auto delay = backoff_delay(group.spec, static_cast<int>(group.restarts.size()));
  auto& children = group.children;
  auto is_failed = [&](const Group::Child& c) {
    return c.component == failed.component && c.group == failed.group;
  };
  auto first = std::find_if(children.begin(), children.end(), is_failed);
  for (auto it = children.begin(); it != children.end(); ++it) {
    bool affected = is_failed(*it) || group.spec.strategy == Strategy::one_for_all ||
                    (group.spec.strategy == Strategy::rest_for_one && it > first);
    if (!affected) continue;
    if (it->component && it->component->retired()) continue;
    if (it->component && it->component->spec().restart == RestartPolicy::temporary) {
      if (is_failed(*it))
        actions_.stop(*it->component, "temporary component failed", true);
      else
        actions_.stop(*it->component, "sibling failed; temporary components are not restarted",
                      true);
      continue;
    }
    restart_child(*it, delay);
  }
}

void Supervisor::restart_child(const Group::Child& child, std::chrono::milliseconds delay) {
  if (child.component) {
    if (child.component->retired()) return;
    actions_.restart(*child.component, delay);
    return;
  }
  child.group->stopped = false;
  child.group->restarts.clear();
  for (const auto& grandchild : child.group->children) restart_child(grandchild, delay);
}

void Supervisor::stop_child(const Group::Child& child, const std::string& reason) {
  if (child.component) {
    if (!child.component->retired()) actions_.stop(*child.component, reason, false);
    return;
  }
  stop_group(*child.group, reason);
}

void Supervisor::stop_group(Group& group, const std::string& reason) {
  group.stopped = true;
  for (const auto& child : group.children) stop_child(child, reason);
  if (group.virtual_members) actions_.stop_members(group, reason);
}

}  // namespace wasmhive::actor
