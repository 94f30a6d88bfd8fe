#include "cli/manifest.h"

#include <charconv>
#include <limits>
#include <set>

#include "cli/toml_reader.h"
#include "host/activator.h"
#include "messaging/names.h"
#include "messaging/subjects.h"
#include "util/file.h"

namespace wasmhive::cli {
namespace {

using namespace std::chrono_literals;

void read_group_settings(Reader& r, const toml::table& table, const std::string& where,
                         actor::GroupSpec& group) {
  using actor::Strategy;
  if (auto s = r.choice<Strategy>(table, "strategy", where,
                                  {{"one_for_one", Strategy::one_for_one},
                                   {"one_for_all", Strategy::one_for_all},
                                   {"rest_for_one", Strategy::rest_for_one}}))
    group.strategy = *s;
  if (auto v = r.integer(table, "max_restarts", where, 0, 1000))
    group.max_restarts = static_cast<int>(*v);
  if (auto v = r.integer(table, "period_ms", where, 1, 86'400'000))
    group.period = std::chrono::milliseconds(*v);
  if (auto v = r.integer(table, "backoff_initial_ms", where, 0, 3'600'000))
    group.backoff_initial = std::chrono::milliseconds(*v);
  if (auto v = r.integer(table, "backoff_max_ms", where, 0, 3'600'000))
    group.backoff_max = std::chrono::milliseconds(*v);
}

// The ']' closing a bracket expression whose members start at `i`, or npos.
// As in fnmatch, a leading '!' or '^' negates, a leading ']' is a member, a
// backslash escapes, and "[:class:]", "[.x.]", "[=x=]" nest.
std::size_t bracket_end(std::string_view glob, std::size_t i) {
  if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) ++i;
  if (i < glob.size() && glob[i] == ']') ++i;
  for (; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == ']') return i;
    if (c == '\\') {
      ++i;
    } else if (c == '[' && i + 1 < glob.size() &&
               std::string_view(":.=").find(glob[i + 1]) != std::string_view::npos) {
      const char close[] = {glob[i + 1], ']'};
      std::size_t end = glob.find(std::string_view(close, 2), i + 2);
      if (end == std::string_view::npos) return end;
      i = end + 1;
    }
  }
  return std::string_view::npos;
}

// fnmatch takes an unterminated '[' or a trailing '\\' literally, so such a
// grant would silently match something other than what it seems to say.
bool well_formed_glob(std::string_view glob) {
  for (std::size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      if (++i == glob.size()) return false;
    } else if (glob[i] == '[') {
      i = bracket_end(glob, i + 1);
      if (i == std::string_view::npos) return false;
    }
  }
  return true;
}

// A list of strings, each checked by `valid` (message on failure: `what`).
std::vector<std::string> strings(Reader& r, const toml::table& table, std::string_view key,
                                 const std::string& where, bool (*valid)(std::string_view),
                                 const char* what) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (!node) return out;
  const toml::array* array = node->as_array();
  if (!array) {
    r.fail(node->source(), where + "." + std::string(key) + ": expected a list of strings");
    return out;
  }
  for (const auto& item : *array) {
    auto text = item.value_exact<std::string>();
    if (!text || !valid(*text)) {
      r.fail(item.source(), where + "." + std::string(key) + ": expected " + what);
      return out;
    }
    out.push_back(*text);
  }
  return out;
}

bool valid_name_glob(std::string_view glob) {
  return messaging::is_valid_target(glob) && well_formed_glob(glob);
}

void read_capabilities(Reader& r, const toml::table& component, const std::string& owner,
                       security::Capabilities& caps) {
  const toml::node* node = component.get("capabilities");
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table) return r.fail(node->source(), owner + ".capabilities: expected a table");
  std::string where = owner + ".capabilities";
  r.known_keys(*table, {"send", "publish", "subscribe", "clock", "log", "storage"}, where);
  caps.send = strings(r, *table, "send", where, valid_name_glob,
                      "component names or well-formed globs such as \"shop/*\" or \"shop/[ab]*\"");
  caps.publish = strings(r, *table, "publish", where, messaging::is_valid_pattern,
                         "subject patterns such as \"orders.*\"");
  caps.subscribe = strings(r, *table, "subscribe", where, messaging::is_valid_pattern,
                           "subject patterns such as \"orders.>\"");
  if (auto clock = r.get<bool>(*table, "clock", where, "true or false")) caps.clock = *clock;
  if (auto level = r.choice<abi::LogLevel>(*table, "log", where,
                                           {{"trace", abi::kTrace},
                                            {"debug", abi::kDebug},
                                            {"info", abi::kInfo},
                                            {"warn", abi::kWarn},
                                            {"error", abi::kError}}))
    caps.log = *level;
  using security::StorageAccess;
  if (auto access = r.choice<StorageAccess>(*table, "storage", where,
                                            {{"none", StorageAccess::none},
                                             {"read", StorageAccess::read},
                                             {"read-write", StorageAccess::read_write}}))
    caps.storage = *access;
}

// [component.config]: string settings its guest reads with config_get.
void read_config(Reader& r, const toml::table& component, const std::string& owner,
                 std::map<std::string, std::string, std::less<>>& config) {
  const toml::node* node = component.get("config");
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table) return r.fail(node->source(), owner + ".config: expected a table");
  for (const auto& [key, value] : *table) {
    auto text = value.value_exact<std::string>();
    if (!text)
      return r.fail(value.source(),
                    owner + ".config." + std::string(key.str()) + ": values are strings; quote it");
    if (text->size() > kMaxConfigValueBytes)
      return r.fail(value.source(), owner + ".config." + std::string(key.str()) + ": longer than " +
                                        std::to_string(kMaxConfigValueBytes) + " bytes");
    config.emplace(std::string(key.str()), *text);
  }
}

// The table under a top-level key, null if absent or (an error) not a table.
const toml::table* section(Reader& r, const toml::table& doc, std::string_view key) {
  const toml::node* node = doc.get(key);
  if (!node) return nullptr;
  if (const toml::table* table = node->as_table()) return table;
  r.fail(node->source(), "[" + std::string(key) + "] must be a table");
  return nullptr;
}

void read_host(Reader& r, const toml::table& doc, Manifest& m) {
  const toml::table* host = section(r, doc, "host");
  if (!host) return;
  r.known_keys(
      *host,
      {"workers", "max_payload", "max_queued_bytes", "ready_instances", "data_dir", "durability"},
      "[host]");
  if (auto v = r.integer(*host, "workers", "host", 1, 256))
    m.workers = static_cast<std::size_t>(*v);
  if (auto v = r.size(*host, "max_payload", "host")) m.max_payload = *v;
  if (auto v = r.size(*host, "max_queued_bytes", "host")) m.max_queued_bytes = *v;
  if (auto v = r.integer(*host, "ready_instances", "host", 0, 1024))
    m.ready_instances = static_cast<std::size_t>(*v);
  if (auto dir = r.get<std::string>(*host, "data_dir", "host", "a path string")) {
    if (dir->empty()) return r.fail(host->get("data_dir")->source(), "host.data_dir: empty");
    m.data_dir = m.path.parent_path() / *dir;
    m.data_dir_explicit = true;
  }
  using storage::Durability;
  if (auto d = r.choice<Durability>(*host, "durability", "host",
                                    {{"normal", Durability::normal}, {"full", Durability::full}}))
    m.durability = *d;
}

void read_trust(Reader& r, const toml::table& doc, Manifest& m) {
  const toml::table* table = section(r, doc, "trust");
  if (!table) return;
  r.known_keys(*table, {"require_signed", "trusted_keys"}, "[trust]");
  if (auto required = r.get<bool>(*table, "require_signed", "trust", "true or false"))
    m.trust.require_signed = *required;
  auto keys = strings(
      r, *table, "trusted_keys", "trust", [](std::string_view key) { return !key.empty(); },
      "public keys (64 hex digits) or paths of .pub files");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto key = security::read_public_key(keys[i], m.path.parent_path());
    if (!key)
      return r.fail((*table->get("trusted_keys")->as_array())[i].source(),
                    "trust.trusted_keys: " + key.error().message);
    m.trust.trusted_keys.push_back(*key);
  }
  if (m.trust.require_signed && m.trust.trusted_keys.empty())
    r.fail(table->source(), "[trust] require_signed = true needs at least one trusted_keys entry");
}

void read_lattice(Reader& r, const toml::table& doc, Manifest& m) {
  const toml::table* table = section(r, doc, "lattice");
  if (!table) return;
  r.known_keys(*table,
               {"url", "name", "host_id", "user", "password", "token", "tls_ca_file",
                "heartbeat_ms", "host_timeout_ms"},
               "[lattice]");
  lattice::LatticeConfig config;
  auto text = [&](std::string_view key, std::string& into) {
    if (auto v = r.get<std::string>(*table, key, "lattice", "a string")) into = *v;
  };
  text("url", config.url);
  text("name", config.name);
  text("host_id", config.host_id);
  text("user", config.user);
  text("password", config.password);
  text("token", config.token);
  if (auto ca = r.get<std::string>(*table, "tls_ca_file", "lattice", "a path string"))
    config.tls_ca_file = (m.path.parent_path() / *ca).string();
  if (auto v = r.integer(*table, "heartbeat_ms", "lattice", 10, 60'000))
    config.heartbeat_interval = std::chrono::milliseconds(*v);
  if (auto v = r.integer(*table, "host_timeout_ms", "lattice", 20, 600'000))
    config.host_timeout = std::chrono::milliseconds(*v);
  // The URL may come from --lattice instead; the rest is checked when joining.
  if (r.failed()) return;
  lattice::LatticeConfig checked = config;
  if (checked.url.empty()) checked.url = "nats://given-later";
  if (auto valid = lattice::validate(checked); !valid)
    return r.fail(table->source(), valid.error().message);
  m.lattice = std::move(config);
}

void read_supervisor(Reader& r, const toml::table& doc, Manifest& m) {
  const toml::table* root = section(r, doc, "supervisor");
  if (!root) return;
  r.known_keys(*root,
               {"strategy", "max_restarts", "period_ms", "backoff_initial_ms", "backoff_max_ms"},
               "[supervisor]");
  read_group_settings(r, *root, "supervisor", m.root);
}

const toml::array* array_of_tables(Reader& r, const toml::table& doc, std::string_view key) {
  const toml::node* node = doc.get(key);
  if (!node) return nullptr;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    r.fail(node->source(),
           "'" + std::string(key) + "' must be written [[" + std::string(key) + "]]");
    return nullptr;
  }
  return array;
}

void read_groups(Reader& r, const toml::table& doc, Manifest& m, std::set<std::string>& names) {
  const toml::array* groups = array_of_tables(r, doc, "group");
  if (!groups) return;
  for (const auto& node : *groups) {
    const toml::table& table = *node.as_table();
    GroupEntry entry;
    auto name = r.get<std::string>(table, "name", "group", "a string");
    if (!name) {
      if (!r.failed()) r.fail(table.source(), "[[group]] needs a name");
      return;
    }
    if (!messaging::is_valid_target(*name))
      r.fail(table.get("name")->source(),
             "invalid group name '" + *name +
                 "': use 1-255 printable ASCII characters without spaces");
    std::string where = "group '" + *name + "'";
    r.known_keys(table,
                 {"name", "parent", "strategy", "max_restarts", "period_ms", "backoff_initial_ms",
                  "backoff_max_ms"},
                 where);
    entry.spec.name = *name;
    if (auto parent = r.get<std::string>(table, "parent", where, "a string")) {
      if (!names.count(*parent))
        r.fail(table.get("parent")->source(),
               where + ".parent: no group '" + *parent + "' above it");
      entry.parent = *parent;
    }
    read_group_settings(r, table, where, entry.spec);
    if (!names.insert(*name).second)
      r.fail(table.source(), "group '" + *name + "' is defined twice");
    m.groups.push_back(std::move(entry));
  }
}

// Checked here, not first at run: a directory, a FIFO or a device named as a
// module must fail `check` as clearly as a missing file.
void read_wasm(Reader& r, const toml::table& table, const std::string& where,
               const std::filesystem::path& dir, actor::ComponentSpec& spec) {
  auto wasm = r.get<std::string>(table, "wasm", where, "a path string");
  if (!wasm) {
    if (!r.failed()) r.fail(table.source(), where + " needs wasm = \"<file>.wasm\"");
    return;
  }
  const toml::source_region& at = table.get("wasm")->source();
  if (wasm->empty()) return r.fail(at, where + ".wasm: the path is empty");
  spec.wasm = dir / *wasm;
  auto regular = check_regular_file(spec.wasm);
  if (regular) return;
  if (regular.error().code == Errc::not_found)
    return r.fail(at, where + ".wasm: no file " + spec.wasm.string());
  r.fail(at, where + ".wasm: " + regular.error().message);
}

void read_limits(Reader& r, const toml::table& table, const std::string& where,
                 actor::ComponentLimits& limits) {
  if (auto bytes = r.size(table, "memory_max", where)) {
    if (*bytes < engine::kWasmPageSize || *bytes > 4ull * 1024 * 1024 * 1024)
      r.fail(table.get("memory_max")->source(),
             where + ".memory_max: must be between 64KiB and 4GiB");
    else
      limits.memory_max_pages = static_cast<std::uint32_t>(*bytes / engine::kWasmPageSize);
  }
  if (auto v = r.integer(table, "call_timeout_ms", where, 1, 3'600'000))
    limits.call_timeout = std::chrono::milliseconds(*v);
  if (auto v = r.integer(table, "fuel_per_call", where, 0, 1'000'000'000'000'000))
    limits.fuel_per_call = *v;
  if (auto v = r.integer(table, "mailbox", where, 1, 10'000'000))
    limits.mailbox_capacity = static_cast<std::size_t>(*v);
  if (auto v = r.size(table, "mailbox_bytes", where)) limits.mailbox_bytes = *v;
  if (auto v = r.size(table, "max_payload", where)) limits.max_payload = *v;
  if (auto v = r.integer(table, "max_outstanding_requests", where, 0, 10'000'000))
    limits.max_outstanding_requests = static_cast<std::size_t>(*v);
  if (auto v = r.integer(table, "max_subscriptions", where, 0, 1'000'000))
    limits.max_subscriptions = static_cast<std::size_t>(*v);
  if (auto v = r.integer(table, "max_timers", where, 0, 1'000'000))
    limits.max_timers = static_cast<std::size_t>(*v);
  if (auto v = r.integer(table, "max_messages_per_second", where, 0, 1'000'000'000))
    limits.max_messages_per_second = static_cast<double>(*v);
  if (auto v = r.size(table, "max_bytes_per_second", where)) limits.max_bytes_per_second = *v;
  if (auto v = r.size(table, "storage_quota", where)) limits.storage_quota_bytes = *v;
  if (auto v = r.integer(table, "storage_keys", where, 1, 1'000'000'000))
    limits.storage_quota_keys = static_cast<std::uint64_t>(*v);
}

void read_health(Reader& r, const toml::table& table, const std::string& where,
                 actor::HealthCheck& health) {
  if (auto v = r.integer(table, "health_interval_ms", where, 0, 86'400'000))
    health.interval = std::chrono::milliseconds(*v);
  if (auto v = r.integer(table, "health_failures", where, 1, 1000))
    health.failures = static_cast<int>(*v);
}

// Without [host] workers the count is the machine's, so a pinned index could
// pass `check` here and fail `run` elsewhere: pinning requires the count.
void read_worker(Reader& r, const toml::table& table, const std::string& where, std::size_t workers,
                 actor::ComponentSpec& spec) {
  auto v = r.integer(table, "worker", where, 0, 255);
  if (!v) return;
  const toml::source_region& at = table.get("worker")->source();
  if (!workers)
    return r.fail(at, where + ".worker: pinning to a worker needs [host] workers; set it");
  if (static_cast<std::size_t>(*v) >= workers)
    return r.fail(at, where + ".worker: " + std::to_string(*v) + " is not below [host] workers = " +
                          std::to_string(workers) + "; set [host] workers higher");
  spec.worker = static_cast<std::size_t>(*v);
}

// What only a template ("user/*") has: how its instances come and go.
void read_template(Reader& r, const toml::table& table, const std::string& where,
                   actor::TemplateSpec& spec) {
  if (auto v = r.integer(table, "idle_timeout_ms", where, 1, 86'400'000))
    spec.idle_timeout = std::chrono::milliseconds(*v);
  if (auto v = r.integer(table, "max_active", where, 1, 10'000'000))
    spec.max_active = static_cast<std::size_t>(*v);
  if (auto v = r.integer(table, "max_waiting", where, 0, 100'000'000))
    spec.max_waiting = static_cast<std::size_t>(*v);
  if (auto v = r.integer(table, "max_activations_per_second", where, 0, 10'000'000))
    spec.max_activations_per_second = static_cast<double>(*v);
  if (auto v = r.integer(table, "max_restarts", where, 0, 1'000'000))
    spec.max_restarts = static_cast<int>(*v);
  if (auto v = r.integer(table, "restart_period_ms", where, 1, 86'400'000))
    spec.restart_period = std::chrono::milliseconds(*v);
  using actor::Hibernation;
  const toml::node* hibernate = table.get("hibernate");
  if (!hibernate) return;
  if (auto on = hibernate->value_exact<bool>()) {
    spec.hibernate = *on ? Hibernation::memory : Hibernation::none;
    return;
  }
  if (auto h = r.choice<Hibernation>(table, "hibernate", where,
                                     {{"none", Hibernation::none},
                                      {"memory", Hibernation::memory},
                                      {"database", Hibernation::database}}))
    spec.hibernate = *h;
}

constexpr std::string_view kTemplateOnlyKeys[] = {
    "idle_timeout_ms", "max_active",   "max_waiting",      "max_activations_per_second",
    "hibernate",       "max_restarts", "restart_period_ms"};

bool is_template_name(std::string_view name) {
  return name.ends_with("/*");
}

void read_components(Reader& r, const toml::table& doc, Manifest& m,
                     const std::set<std::string>& groups) {
  const toml::array* components = array_of_tables(r, doc, "component");
  if (!components) return;
  std::set<std::string> names;
  for (const auto& node : *components) {
    const toml::table& table = *node.as_table();
    auto name = r.get<std::string>(table, "name", "component", "a string");
    if (!name) {
      if (!r.failed()) r.fail(table.source(), "[[component]] needs a name");
      return;
    }
    std::string where = "component '" + *name + "'";
    bool is_template = is_template_name(*name);
    std::vector<std::string_view> keys = {"name",
                                          "wasm",
                                          "group",
                                          "memory_max",
                                          "call_timeout_ms",
                                          "mailbox",
                                          "mailbox_bytes",
                                          "max_payload",
                                          "max_outstanding_requests",
                                          "max_subscriptions",
                                          "max_timers",
                                          "fuel_per_call",
                                          "max_messages_per_second",
                                          "max_bytes_per_second",
                                          "storage_quota",
                                          "storage_keys",
                                          "health_interval_ms",
                                          "health_failures",
                                          "restart",
                                          "worker",
                                          "capabilities",
                                          "config"};
    keys.insert(keys.end(), std::begin(kTemplateOnlyKeys), std::end(kTemplateOnlyKeys));
    r.known_keys(table, keys, where);
    if (!is_template)
      for (std::string_view key : kTemplateOnlyKeys)
        if (const toml::node* only = table.get(key))
          r.fail(only->source(), where + "." + std::string(key) +
                                     ": only a template (a name ending in \"/*\") has it");
    if (const toml::node* worker = table.get("worker"); worker && is_template)
      r.fail(worker->source(),
             where + ".worker: a template's instances run on the worker " + "their name hashes to");
    if (is_template) {
      if (auto prefix = host::template_prefix(*name); !prefix)
        r.fail(table.get("name")->source(), prefix.error().message);
    } else if (auto valid = messaging::validate_component_name(*name); !valid) {
      r.fail(table.get("name")->source(), valid.error().message);
    } else if (name->find('*') != std::string::npos) {
      r.fail(table.get("name")->source(),
             where + ": '*' makes a name a template only as its last token, as in \"user/*\"");
    }
    if (!names.insert(*name).second) r.fail(table.source(), where + " is defined twice");

    ComponentEntry entry;
    entry.spec.name = *name;
    read_wasm(r, table, where, m.path.parent_path(), entry.spec);
    if (auto group = r.get<std::string>(table, "group", where, "a string")) {
      if (!groups.count(*group))
        r.fail(table.get("group")->source(), where + ".group: no group '" + *group + "'");
      entry.group = *group;
    }
    read_limits(r, table, where, entry.spec.limits);
    read_capabilities(r, table, where, entry.spec.capabilities);
    read_config(r, table, where, entry.spec.config);
    read_health(r, table, where, entry.spec.health);
    using actor::RestartPolicy;
    if (auto p = r.choice<RestartPolicy>(table, "restart", where,
                                         {{"permanent", RestartPolicy::permanent},
                                          {"transient", RestartPolicy::transient},
                                          {"temporary", RestartPolicy::temporary}}))
      entry.spec.restart = *p;
    if (is_template) {
      TemplateEntry added{.spec = {.pattern = *name}, .group = std::move(entry.group)};
      read_template(r, table, where, added.spec);
      added.spec.component = std::move(entry.spec);
      m.templates.push_back(std::move(added));
      continue;
    }
    read_worker(r, table, where, m.workers, entry.spec);
    m.components.push_back(std::move(entry));
  }
  if (m.components.empty() && m.templates.empty() && !r.failed())
    r.fail(doc.source(), "the manifest has no [[component]]");
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data())
    return make_error(Errc::invalid_argument, "not a size: '" + std::string(text) + "'");
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  const std::pair<std::string_view, std::uint64_t> units[] = {
      {"", 1}, {"B", 1}, {"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", 1024ull * 1024 * 1024}};
  for (const auto& [name, factor] : units) {
    if (unit != name) continue;
    if (number > std::numeric_limits<std::uint64_t>::max() / factor)
      return make_error(Errc::invalid_argument, "'" + std::string(text) + "' is too large");
    return number * factor;
  }
  return make_error(Errc::invalid_argument,
                    "unknown size unit '" + std::string(unit) + "' (use KiB, MiB or GiB)");
}

Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& path) {
  toml::table doc;
  try {
    doc = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    return make_error(Errc::invalid_argument, path.filename().string() + ":" +
                                                  std::to_string(e.source().begin.line) + ":" +
                                                  std::to_string(e.source().begin.column) + ": " +
                                                  std::string(e.description()));
  }
  Manifest manifest;
  std::error_code ec;
  manifest.path = std::filesystem::absolute(path, ec);
  if (ec) manifest.path = path;
  manifest.data_dir = manifest.path.parent_path() / kDefaultDataDir;
  Reader r(path);
  r.known_keys(doc, {"host", "trust", "lattice", "supervisor", "group", "component"},
               "the manifest");
  read_host(r, doc, manifest);
  read_trust(r, doc, manifest);
  read_lattice(r, doc, manifest);
  read_supervisor(r, doc, manifest);
  std::set<std::string> groups{"root"};
  read_groups(r, doc, manifest, groups);
  read_components(r, doc, manifest, groups);
  if (r.failed()) return r.error();
  if (manifest.components.empty() && manifest.templates.empty())
    return make_error(Errc::invalid_argument,
                      path.filename().string() + ": the manifest has no [[component]]");
  return manifest;
}

Result<Manifest> load_manifest(const std::filesystem::path& path) {
  auto bytes = read_file(path, kMaxManifestBytes);
  if (!bytes && bytes.error().code == Errc::not_found)
    return make_error(Errc::not_found, path.string() + ": no such manifest");
  if (!bytes)
    return Error{bytes.error().code, "cannot read the manifest: " + bytes.error().message};
  std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return parse_manifest(text, path);
}

}  // namespace wasmhive::cli
