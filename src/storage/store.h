// The durable key-value store behind component storage: one SQLite database
// per app (WAL mode), holding every component's keys under its name, so state
// follows the name across restarts and re-spawns. Thread-safe: one connection
// behind a mutex (workers commit a turn's writes in one transaction).
//
// This layer knows nothing of quotas, capabilities or transactions of calls
// (storage/component_storage.h does); it reads committed state and applies
// batches of writes atomically.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wasmhive::storage {

// What a commit waits for: "normal" survives a crash of the process (WAL,
// synchronous=NORMAL); "full" also survives a power loss (fsync per commit).
enum class Durability { normal, full };
std::string_view to_string(Durability durability);

// The schema this build writes (PRAGMA user_version). A database written by a
// newer schema is refused rather than misread.
inline constexpr int kSchemaVersion = 1;

struct StoreOptions {
  // The database file; empty: a private in-memory database (gone at close).
  std::filesystem::path file{};
  Durability durability = Durability::normal;
  // How long a write waits for another connection to the same file (a backup,
  // the sqlite3 shell) to release its lock before failing with unavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

struct Usage {
  std::uint64_t bytes = 0;  // sum of key and value lengths
  std::uint64_t keys = 0;
};

// One write: a value, or a delete (nullopt).
struct Write {
  std::string component;
  std::string key;
  std::optional<std::string> value;
};

class Store {
 public:
  // Opens (or creates) the database and checks it: not a database, corrupt,
  // another application's, a newer schema, or not a regular file ->
  // Errc::invalid_argument; cannot be created or written (the parent
  // directory is never created) -> Errc::unavailable. Messages name the file.
  // Another program's file is refused without being modified. Checking reads
  // the whole file once (PRAGMA quick_check): ~0.2 s for 130 MB, 1M keys.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- committed state (keys and values are arbitrary bytes) ----
  // Reads see this Store's commits at once, another connection's within 10 ms
  // (reads between two commits share one read transaction).
  Result<std::optional<std::string>> get(std::string_view component, std::string_view key);
  // The value's length, without copying it.
  Result<std::optional<std::uint64_t>> value_size(std::string_view component, std::string_view key);
  // Up to `limit` keys of `component` that start with `prefix` and sort after
  // `after` (bytewise, as memcmp), in order.
  Result<std::vector<std::string>> keys(std::string_view component, std::string_view prefix,
                                        std::string_view after, std::size_t limit);
  Result<Usage> usage(std::string_view component);

  // Applies `writes` in one transaction, in order: all or nothing. An empty
  // span does nothing. Errors (disk full, I/O, the file locked by another
  // connection past busy_timeout): Errc::unavailable, and nothing was applied.
  Result<void> commit(std::span<const Write> writes);

  Durability durability() const;
  const std::filesystem::path& file() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasmhive::storage
