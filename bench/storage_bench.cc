// Component storage measured end to end, each figure beside its baselines in
// the same run: a wasm component doing one storage_set per message (writes of
// a turn committed together) with durability normal and full, the same
// messages without the set, the storage layers alone (ComponentStorage +
// Store, and Store::commit), and raw SQLite upserts batched as a turn is (32
// rows per transaction, WAL, synchronous NORMAL or FULL, the Store's schema).
//
// Every line starts from the same database: 10,000 keys of the component,
// written before the clock starts, so an overwrite ("set", the main figure)
// updates a row of a table that stays the same size. "new" writes fresh keys
// instead: the table grows during the run. Write n stores kValue with n's
// digits over its start, as writer.c does: SQLite does not rewrite a row with
// the bytes it already holds, so a constant value would measure no writes.
// Files live in a fresh directory under $TMPDIR (or /tmp): put that on the
// disk you mean to measure.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "host/host.h"
#include "host/inbox.h"
#include "security/capabilities.h"
#include "storage/component_storage.h"
#include "storage/store.h"
#include "support.h"

namespace {

using namespace wasmhive;
using namespace std::chrono_literals;
using storage::Durability;

constexpr const char* kComponent = "bench/writer";
constexpr std::int64_t kKeys = 10000;  // writer.c overwrites k<n % 10000>
constexpr std::int64_t kBatch = 32;    // HostConfig::turn_budget's default
// The value every write stores (32 bytes).
constexpr std::string_view kValue = "0123456789abcdef0123456789abcdef";

// Set by main(): --smoke shrinks every workload to a few messages.
bool smoke = false;

using bench::die;
using bench::must;

// A fresh directory under the system's temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static int count = 0;
    path_ =
        std::filesystem::temp_directory_path() /
        ("wasmhive-storage-bench-" + std::to_string(::getpid()) + "-" + std::to_string(count++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path file() const { return path_ / "app.db"; }

 private:
  std::filesystem::path path_;
};

// "k<n % 10000>" (an overwrite once the table is full) or "n<n>" (a fresh key),
// as writer.c makes them, into `out`; returns the length.
std::size_t make_key(char* out, std::int64_t n, bool fresh) {
  out[0] = fresh ? 'n' : 'k';
  auto end = std::to_chars(out + 1, out + 24, fresh ? n : n % kKeys).ptr;
  return static_cast<std::size_t>(end - out);
}
std::string key_string(std::int64_t n, bool fresh) {
  char key[24];
  return {key, make_key(key, n, fresh)};
}

// Write n's value: kValue with n's decimal digits over its start.
class Value {
 public:
  std::string_view of(std::int64_t n) {
    std::copy(kValue.begin(), kValue.end(), bytes_);
    std::to_chars(bytes_, bytes_ + kValue.size(), n);  // fits: 20 digits at most
    return {bytes_, kValue.size()};
  }

 private:
  char bytes_[kValue.size()];
};

// The starting state of every line: the Store's schema with kKeys keys of the
// component, committed in one transaction.
void prepare(const std::filesystem::path& file) {
  auto store = must(storage::Store::open({.file = file}), "prepare");
  std::vector<storage::Write> writes;
  for (std::int64_t n = 0; n < kKeys; ++n)
    writes.push_back({kComponent, key_string(n, false), std::string(kValue)});
  must(store->commit(writes), "prepare");
}

// Read after the run, with the writer closed: the component has `rows` keys,
// and the last write (number `last`) is there, with its value.
void expect_written(const std::filesystem::path& file, std::int64_t rows, std::int64_t last,
                    bool fresh) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    die("cannot reopen " + file.string());
  auto query = [&](const char* sql, bool with_key) {
    sqlite3_stmt* stmt = nullptr;
    std::string key = key_string(last, fresh), found = "(none)";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, kComponent, -1, SQLITE_STATIC) == SQLITE_OK &&
        (!with_key || sqlite3_bind_blob(stmt, 2, key.data(), static_cast<int>(key.size()),
                                        SQLITE_STATIC) == SQLITE_OK) &&
        sqlite3_step(stmt) == SQLITE_ROW)
      found.assign(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                   static_cast<std::size_t>(sqlite3_column_bytes(stmt, 0)));
    sqlite3_finalize(stmt);
    return found;
  };
  std::string count = query("SELECT CAST(count(*) AS TEXT) FROM kv WHERE component = ?1", false);
  std::string value = query("SELECT value FROM kv WHERE component = ?1 AND key = ?2", true);
  sqlite3_close(db);
  if (count != std::to_string(rows))
    die("expected " + std::to_string(rows) + " rows, found " + count);
  if (last >= 0 && value != Value().of(last))
    die("write " + std::to_string(last) + " is missing: found \"" + value + "\"");
}

// CPU time of the whole process (every thread: the worker, the sending
// thread, V8's), in seconds.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs `one(items)` per iteration. Besides the wall-clock rate, counts the
// process's CPU time per item: on a loaded machine a thread waiting for a core
// inflates wall time, not CPU time.
template <class F>
void measure(benchmark::State& state, std::int64_t items, F&& one) {
  double before = process_cpu_seconds();
  for (auto _ : state) one(items);
  double cpu = process_cpu_seconds() - before;
  auto total = static_cast<double>(state.iterations() * items);
  state.SetItemsProcessed(state.iterations() * items);
  state.counters["cpu_us_per_item"] = cpu * 1e6 / total;
}

// ---- the wasm component ----

enum class Op { set, fresh, nostore };

const char* op_word(Op op) {
  switch (op) {
    case Op::set:
      return "set";
    case Op::fresh:
      return "new";
    case Op::nostore:
      return "nostore";
  }
  return "?";
}

// One worker; the benchmark thread floods tests/guests/c/writer.c with
// `messages` messages per iteration and waits for its "done" (sent with the
// last one, released once the turn holding it has committed). With a mailbox
// of the default 1,024 messages the sender waits for room, and every message
// the worker takes wakes it; `deep` makes the mailbox hold a whole iteration.
void component(benchmark::State& state, Op op, Durability durability, std::int64_t messages,
               bool deep) {
  TempDir dir;
  prepare(dir.file());
  host::Inbox inbox;  // outlives the host
  host::HostConfig config{.workers = 1};
  config.on_message = inbox.sink();
  config.data_file = dir.file();
  config.durability = durability;
  auto host = must(host::Host::create(config), "host");
  actor::ComponentSpec spec{.name = kComponent,
                            .wasm = std::string(WASMHIVE_GUEST_DIR) + "/writer.wasm"};
  spec.worker = 0;
  if (deep) {
    spec.limits.mailbox_capacity = static_cast<std::size_t>(messages) + 1;
    spec.limits.mailbox_bytes = std::size_t{1} << 30;
  }
  spec.limits.call_timeout = 10s;
  spec.limits.storage_quota_bytes = std::uint64_t{1} << 40;  // "new" grows without bound
  spec.limits.storage_quota_keys = std::uint64_t{1} << 40;
  spec.capabilities = security::Capabilities::all();  // measured code, trusted
  must(host->spawn(std::move(spec)), "spawn");

  auto payload = [](std::string text) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
  };
  const auto plain = payload(std::string(op_word(op)) + " " + std::string(kValue));
  const auto last = payload("last " + std::string(op_word(op)) + " " + std::string(kValue));
  std::int64_t handled = 0;
  auto flood = [&](std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i)
      must(host->send(kComponent, i + 1 < count ? plain : last, {.wait_for_room = 10s}), "send");
    handled += count;
    auto done = inbox.pop(120s);
    if (!done) die("no answer from the writer");
    std::string expected = "done " + std::to_string(handled) + " 0";
    if (done->payload != expected) die("writer said \"" + done->payload + "\", not " + expected);
  };
  flood(smoke ? 10 : 1000);  // compiles hot paths, settles the store's usage cache
  measure(state, messages, flood);
  host->shutdown(5s);
  host.reset();
  if (op == Op::nostore)
    expect_written(dir.file(), kKeys, -1, false);
  else
    expect_written(dir.file(), kKeys + (op == Op::fresh ? handled : 0), handled - 1,
                   op == Op::fresh);
}

// ---- the storage layers without wasm or messaging ----

// What a turn of the component does to its storage, on this thread: set +
// end_call per message, take_turn + Store::commit per kBatch messages.
void component_storage(benchmark::State& state, Durability durability, std::int64_t rows) {
  TempDir dir;
  prepare(dir.file());
  auto store = must(storage::Store::open({.file = dir.file(), .durability = durability}), "open");
  storage::ComponentStorage storage(
      *store, kComponent,
      {.quota_bytes = std::uint64_t{1} << 40, .quota_keys = std::uint64_t{1} << 40});
  std::int64_t n = 0;
  Value value;
  auto run = [&](std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i, ++n) {
      char key[24];
      if (storage.set({key, make_key(key, n, false)}, value.of(n)) != storage::Outcome::ok)
        die("set failed");
      storage.end_call(true);
      if ((i + 1) % kBatch == 0 || i + 1 == count)
        must(store->commit(storage.take_turn()), "commit");
    }
  };
  run(smoke ? 10 : 1000);
  measure(state, rows, run);
  store.reset();
  expect_written(dir.file(), kKeys, n - 1, false);
}

// Store::commit alone, with the batches take_turn would hand it.
void store_alone(benchmark::State& state, Durability durability, std::int64_t rows) {
  TempDir dir;
  prepare(dir.file());
  auto store = must(storage::Store::open({.file = dir.file(), .durability = durability}), "open");
  std::int64_t n = 0;
  Value value;
  std::vector<storage::Write> writes;
  auto run = [&](std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i, ++n) {
      writes.push_back({kComponent, key_string(n, false), std::string(value.of(n))});
      if ((i + 1) % kBatch == 0 || i + 1 == count) {
        must(store->commit(writes), "commit");
        writes.clear();
      }
    }
  };
  run(smoke ? 10 : 1000);
  measure(state, rows, run);
  store.reset();
  expect_written(dir.file(), kKeys, n - 1, false);
}

// ---- raw SQLite ----

void check(sqlite3* db, int rc, int expected, const char* what) {
  if (rc != expected) die(std::string(what) + ": " + sqlite3_errmsg(db));
}

sqlite3_stmt* prepare_stmt(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  check(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr), SQLITE_OK,
        sql);
  return stmt;
}

void step(sqlite3* db, sqlite3_stmt* stmt, const char* what) {
  check(db, sqlite3_step(stmt), SQLITE_DONE, what);
  sqlite3_reset(stmt);
}

// The Store's upsert (src/storage/store.cc) with one prepared statement, on
// one connection opened as the Store opens its own, kBatch rows per
// transaction; the component name is bound once.
void raw_sqlite(benchmark::State& state, Durability durability, std::int64_t rows, bool fresh) {
  TempDir dir;
  prepare(dir.file());
  sqlite3* db = nullptr;
  check(db,
        sqlite3_open_v2(dir.file().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr),
        SQLITE_OK, "open");
  check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), SQLITE_OK,
        "WAL");
  check(db,
        sqlite3_exec(db,
                     durability == Durability::full ? "PRAGMA synchronous=FULL"
                                                    : "PRAGMA synchronous=NORMAL",
                     nullptr, nullptr, nullptr),
        SQLITE_OK, "synchronous");
  sqlite3_stmt* put = prepare_stmt(db,
                                   "INSERT INTO kv(component, key, value) VALUES(?1, ?2, ?3) "
                                   "ON CONFLICT(component, key) DO UPDATE SET value = "
                                   "excluded.value");
  sqlite3_stmt* begin = prepare_stmt(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare_stmt(db, "COMMIT");
  check(db, sqlite3_bind_text(put, 1, kComponent, -1, SQLITE_STATIC), SQLITE_OK, "bind");
  std::int64_t n = 0;
  Value value;
  auto run = [&](std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i, ++n) {
      if (i % kBatch == 0) step(db, begin, "begin");
      char key[24];
      std::size_t len = make_key(key, n, fresh);
      std::string_view bytes = value.of(n);
      check(db, sqlite3_bind_blob(put, 2, key, static_cast<int>(len), SQLITE_STATIC), SQLITE_OK,
            "bind");
      check(db,
            sqlite3_bind_blob(put, 3, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC),
            SQLITE_OK, "bind");
      step(db, put, "upsert");
      if ((i + 1) % kBatch == 0 || i + 1 == count) step(db, commit, "commit");
    }
  };
  run(smoke ? 10 : 1000);
  measure(state, rows, run);
  for (sqlite3_stmt* stmt : {put, begin, commit}) sqlite3_finalize(stmt);
  sqlite3_close(db);
  // Fresh keys n0, n1, ... never collide with the prepared k0..k9999.
  expect_written(dir.file(), kKeys + (fresh ? n : 0), n - 1, fresh);
}

// Where the files go, and on what file system: fsync costs depend on it.
void describe_data_dir() {
  auto dir = std::filesystem::temp_directory_path();
  struct statfs fs {};
  std::string type = "unknown";
  if (::statfs(dir.c_str(), &fs) == 0) {
    switch (fs.f_type) {
      case 0xEF53:
        type = "ext4";
        break;
      case 0x01021994:
        type = "tmpfs";
        break;
      case 0x9123683E:
        type = "btrfs";
        break;
      case 0x58465342:
        type = "xfs";
        break;
      case 0x794c7630:
        type = "overlayfs";
        break;
      default: {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(fs.f_type));
        type = hex;
      }
    }
  }
  benchmark::AddCustomContext("data_dir", dir.string());
  benchmark::AddCustomContext("data_fs", type);
  benchmark::AddCustomContext("sqlite", sqlite3_libversion());
}

}  // namespace

int main(int argc, char** argv) {
  if (!bench::initialize(argc, argv, smoke)) return 1;
  describe_data_dir();
  // Messages (rows) per iteration: "full" waits for an fsync per 32 of them.
  const std::int64_t normal = smoke ? 100 : 100'000, full = smoke ? 100 : 5'000;
  auto fixed = [](benchmark::internal::Benchmark* b, int iterations) {
    b->Iterations(smoke ? 1 : iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
  };
  // Normal lines run 5 iterations, full lines 3.
  auto wasm = [&](const char* name, Op op, Durability durability, bool deep = false) {
    bool is_full = durability == Durability::full;
    fixed(benchmark::RegisterBenchmark(name, component, op, durability, is_full ? full : normal,
                                       deep),
          is_full ? 3 : 5);
  };
  auto layer = [&](const char* name, auto function, Durability durability, auto... extra) {
    bool is_full = durability == Durability::full;
    fixed(
        benchmark::RegisterBenchmark(name, function, durability, is_full ? full : normal, extra...),
        is_full ? 3 : 5);
  };
  wasm("storage/wasm/set/normal", Op::set, Durability::normal);
  wasm("storage/wasm/set/full", Op::set, Durability::full);
  wasm("storage/wasm/nostore", Op::nostore, Durability::normal);
  wasm("storage/wasm/new/normal", Op::fresh, Durability::normal);
  wasm("storage/wasm/set/normal/deep_mailbox", Op::set, Durability::normal, true);
  layer("storage/component_storage/set/normal", component_storage, Durability::normal);
  layer("storage/store/set/normal", store_alone, Durability::normal);
  layer("storage/store/set/full", store_alone, Durability::full);
  layer("storage/sqlite/set/normal", raw_sqlite, Durability::normal, false);
  layer("storage/sqlite/set/full", raw_sqlite, Durability::full, false);
  layer("storage/sqlite/new/normal", raw_sqlite, Durability::normal, true);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
