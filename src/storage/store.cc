#include "storage/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <mutex>
#include <system_error>
#include <utility>

namespace wasmhive::storage {
namespace {

// PRAGMA application_id of every wasmhive database ("WHIV"): how open() tells
// our files from other programs' SQLite files before touching them.
constexpr std::int32_t kApplicationId = 0x57484956;

// How long reads may share one read transaction (see Impl::start_reading):
// the most by which they can miss another connection's commit.
constexpr std::chrono::milliseconds kSnapshotReuse{10};

// kMigrations[i] upgrades a database from schema i to schema i + 1; creating a
// database is migrating it from 0.
constexpr const char* kMigrations[] = {
    "CREATE TABLE kv(component TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, "
    "PRIMARY KEY(component, key)) WITHOUT ROWID",
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// One use of a kept statement: resets it when the use ends, on every path, so
// that it holds no read transaction open and points at no caller's bytes.
class StmtUse {
 public:
  explicit StmtUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  ~StmtUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

// Binds bytes without copying them (the StmtUse unbinds them before they can
// go away). Never a null pointer: SQLite would bind NULL, not an empty blob.
int bind_blob(sqlite3_stmt* stmt, int index, std::string_view bytes) {
  static const char kEmpty = 0;
  return sqlite3_bind_blob64(stmt, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                             SQLITE_STATIC);
}

int bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
  static const char kEmpty = 0;
  return sqlite3_bind_text64(stmt, index, text.empty() ? &kEmpty : text.data(), text.size(),
                             SQLITE_STATIC, SQLITE_UTF8);
}

// Binds ?1 = component and ?2 = key, the lookup every statement starts with.
int bind_component_key(sqlite3_stmt* stmt, std::string_view component, std::string_view key) {
  int rc = bind_text(stmt, 1, component);
  return rc == SQLITE_OK ? bind_blob(stmt, 2, key) : rc;
}

// A blob column's bytes. False only when SQLite ran out of memory: a
// zero-length blob also comes back as a null pointer.
bool read_blob(sqlite3_stmt* stmt, int column, std::string& out) {
  const void* data = sqlite3_column_blob(stmt, column);
  int size = sqlite3_column_bytes(stmt, column);
  if (size > 0 && data == nullptr) return false;
  out.assign(static_cast<const char*>(data), static_cast<std::size_t>(size));
  return true;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// SQLite reads a name starting with "file:" as a URI (Debian builds it with
// SQLITE_USE_URI); "./" keeps a relative path a path.
std::string sqlite_path(const std::filesystem::path& file) {
  const std::string& name = file.native();
  return name.rfind("file:", 0) == 0 ? "./" + name : name;
}

// SQLite's message for the connection's last error; for "disk I/O error" also
// the system's reason (SQLite records errno when the failing call returns; for
// other codes it may be left over from an unrelated probe).
std::string describe(sqlite3* db) {
  std::string message = sqlite3_errmsg(db);
  int system = sqlite3_system_errno(db);
  if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_IOERR && system != 0)
    message += std::string(" (") + std::strerror(system) + ")";
  return message;
}

std::string where(const std::filesystem::path& file) {
  return file.empty() ? std::string("the in-memory database") : "data file " + file.string();
}

}  // namespace

std::string_view to_string(Durability durability) {
  switch (durability) {
    case Durability::normal:
      return "normal";
    case Durability::full:
      return "full";
  }
  return "unknown";
}

// An exclusive flock(2) on "<data file>.lock", released when closed. A lock
// file beside the database, not the database itself: closing any descriptor
// of the database file would drop SQLite's own POSIX locks on it.
class FileLock {
 public:
  FileLock() = default;
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  int fd_ = -1;
};

struct Store::Impl {
  explicit Impl(const StoreOptions& options)
      : file(options.file), durability(options.durability), place(where(options.file)) {}

  Result<void> open(std::chrono::milliseconds busy_timeout);
  Result<void> check_path() const;
  Result<void> connect();
  Result<void> lock_file();
  Result<void> check_identity();
  Result<void> check_integrity();
  Result<void> configure_journal();
  Result<void> init_schema();
  Result<void> migrate();
  Result<void> prepare_statements();

  Result<std::int64_t> query_int(const char* sql);
  Result<std::string> query_text(const char* sql);
  Result<void> exec(const char* sql);
  Error open_error(int rc, const char* what) const;
  Error error(const char* action) const;
  Error rollback(const char* action);
  int apply(const Write& write);
  int step_once(sqlite3_stmt* stmt);
  void start_reading();
  void stop_reading();

  const std::filesystem::path file;
  const Durability durability;
  const std::string place;  // "data file X", for messages
  std::mutex mutex;
  // Held while the store is open, so that a second host on the same file is
  // refused instead of losing updates to this one. Declared before the
  // connection: released only after it is closed.
  FileLock lock;
  // Declared before the statements: members die in reverse order, and the
  // statements must be finalized before the connection closes.
  DbPtr db;
  StmtPtr get, value_size, keys_from, keys_after, usage, put, erase;
  StmtPtr begin_tx, commit_tx, rollback_tx, begin_read, end_read;
  // True while reads share the read transaction begun at `read_since`.
  bool reading = false;
  std::chrono::steady_clock::time_point read_since{};
};

// ---- opening ----

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  if (auto opened = impl->open(options.busy_timeout); !opened) return opened.error();
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<void> Store::Impl::open(std::chrono::milliseconds busy_timeout) {
  if (auto ok = check_path(); !ok) return ok;
  if (auto ok = connect(); !ok) return ok;
  if (auto ok = lock_file(); !ok) return ok;
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
                                     busy_timeout.count(), 0, INT_MAX)));
  // Read-only checks first: another program's file is refused untouched.
  if (auto ok = check_identity(); !ok) return ok;
  if (auto ok = check_integrity(); !ok) return ok;
  if (auto ok = configure_journal(); !ok) return ok;
  if (auto ok = init_schema(); !ok) return ok;
  return prepare_statements();
}

Result<void> Store::Impl::lock_file() {
  if (file.empty()) return {};
  // Beside the file itself, so a symlink to it cannot name a second lock.
  std::error_code ec;
  std::filesystem::path path = std::filesystem::weakly_canonical(file, ec);
  if (ec) path = file;
  path += ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return make_error(Errc::unavailable, "cannot create the lock file " + path.string() + " of " +
                                             place + ": " + std::strerror(errno));
  FileLock held(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return make_error(Errc::unavailable,
                        place + " is in use by another process (" + path.string() + " is locked)");
    return make_error(Errc::unavailable,
                      "cannot lock " + path.string() + ": " + std::strerror(errno));
  }
  lock = std::move(held);
  return {};
}

// What SQLite would report obscurely, or not at all: a directory, or a FIFO
// (opening one would block the host).
Result<void> Store::Impl::check_path() const {
  if (file.empty()) return {};
  if (file.native().find('\0') != std::string::npos)
    return make_error(Errc::invalid_argument, "a data file path cannot contain a NUL character");
  using std::filesystem::file_type;
  std::error_code ec;
  file_type type = std::filesystem::status(file, ec).type();
  if (ec || type == file_type::regular || type == file_type::not_found)
    return {};  // connect() reports what is wrong, if anything
  if (type == file_type::directory)
    return make_error(Errc::invalid_argument, place + " is a directory, not a database file");
  return make_error(Errc::invalid_argument, place + " is not a regular file");
}

Result<void> Store::Impl::connect() {
  std::error_code ec;
  bool existed = !file.empty() && std::filesystem::exists(file, ec);
  std::string name = file.empty() ? ":memory:" : sqlite_path(file);
  sqlite3* raw = nullptr;
  // NOMUTEX: our own mutex already serialises every use of the connection.
  int rc =
      sqlite3_open_v2(name.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db.reset(raw);  // a failed open still allocates a handle, which holds the error
  if (rc != SQLITE_OK) {
    if (!db) return make_error(Errc::unavailable, "cannot open " + place + ": out of memory");
    int system = sqlite3_system_errno(db.get());
    std::string reason = system != 0 ? std::strerror(system) : sqlite3_errmsg(db.get());
    return make_error(Errc::unavailable, std::string(existed ? "cannot open " : "cannot create ") +
                                             place + ": " + reason);
  }
  // SQLite silently falls back to read-only when it may not write the file.
  if (sqlite3_db_readonly(db.get(), "main") == 1)
    return make_error(Errc::unavailable, "cannot write " + place + ": permission denied");
  return {};
}

// Refuses a file that is not a database, belongs to another program, or was
// written by a newer wasmhive. An empty database is ours to create.
Result<void> Store::Impl::check_identity() {
  auto application_id = query_int("PRAGMA application_id");
  if (!application_id) return application_id.error();
  auto version = query_int("PRAGMA user_version");
  if (!version) return version.error();
  auto objects = query_int("SELECT count(*) FROM sqlite_schema");
  if (!objects) return objects.error();
  if (*application_id == 0 && *version == 0 && *objects == 0) return {};  // new
  if (*application_id != kApplicationId) {
    char id[16];
    std::snprintf(id, sizeof id, "0x%08x", static_cast<unsigned>(*application_id));
    return make_error(Errc::invalid_argument,
                      place + " is not a wasmhive database (it is an SQLite database of " +
                          (*application_id == 0 ? std::string("another program")
                                                : "another application, id " + std::string(id)) +
                          ")");
  }
  if (*version > kSchemaVersion)
    return make_error(Errc::invalid_argument, place + " was written by a newer wasmhive (schema " +
                                                  std::to_string(*version) + ", this build reads " +
                                                  std::to_string(kSchemaVersion) + ")");
  return {};
}

// PRAGMA quick_check reads every page once (O(size), no index cross-checks):
// corruption is reported at open rather than as a failure mid-run.
Result<void> Store::Impl::check_integrity() {
  if (file.empty()) return {};
  auto verdict = query_text("PRAGMA quick_check(1)");
  if (!verdict) return verdict.error();
  if (*verdict == "ok") return {};
  return make_error(Errc::invalid_argument, place + " is corrupt (" + *verdict + ")");
}

Result<void> Store::Impl::configure_journal() {
  if (!file.empty()) {
    auto mode = query_text("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    if (*mode != "wal")
      return make_error(Errc::unavailable, "cannot use write-ahead logging for " + place +
                                               " (journal mode stays " + *mode + ")");
  }
  // In WAL mode, NORMAL syncs at checkpoints only: a commit survives a crash
  // of the process, not a power loss. FULL syncs the log at every commit.
  return exec(durability == Durability::full ? "PRAGMA synchronous=FULL"
                                             : "PRAGMA synchronous=NORMAL");
}

// Creates or upgrades the schema in one write transaction, re-checking inside
// it: another process may have created the file since check_identity.
Result<void> Store::Impl::init_schema() {
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
  Result<void> done = check_identity();
  if (done) done = migrate();
  if (done) done = exec("COMMIT");
  if (!done && !sqlite3_get_autocommit(db.get()))
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  return done;
}

Result<void> Store::Impl::migrate() {
  auto version = query_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version == kSchemaVersion) return {};
  if (*version == 0) {
    auto set_id = exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
    if (!set_id) return set_id;
  }
  for (auto step = *version; step < kSchemaVersion; ++step)
    if (auto ok = exec(kMigrations[step]); !ok) return ok;
  return exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
}

Result<void> Store::Impl::prepare_statements() {
  struct Entry {
    StmtPtr* stmt;
    const char* sql;
  };
  const Entry entries[] = {
      {&get, "SELECT value FROM kv WHERE component = ?1 AND key = ?2"},
      {&value_size, "SELECT length(value) FROM kv WHERE component = ?1 AND key = ?2"},
      // One range scan of the primary key each, from the larger lower bound.
      {&keys_from, "SELECT key FROM kv WHERE component = ?1 AND key >= ?2 ORDER BY key"},
      {&keys_after, "SELECT key FROM kv WHERE component = ?1 AND key > ?2 ORDER BY key"},
      {&usage,
       "SELECT count(*), coalesce(sum(length(key) + length(value)), 0) FROM kv "
       "WHERE component = ?1"},
      // An upsert rather than INSERT OR REPLACE: overwriting a key updates its
      // row in place instead of deleting and re-inserting it (3x the writes/s).
      {&put,
       "INSERT INTO kv(component, key, value) VALUES(?1, ?2, ?3) "
       "ON CONFLICT(component, key) DO UPDATE SET value = excluded.value"},
      {&erase, "DELETE FROM kv WHERE component = ?1 AND key = ?2"},
      {&begin_tx, "BEGIN IMMEDIATE"},
      {&commit_tx, "COMMIT"},
      {&rollback_tx, "ROLLBACK"},
      {&begin_read, "BEGIN"},  // deferred: the first read starts the transaction
      {&end_read, "COMMIT"},
  };
  for (const Entry& entry : entries) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db.get(), entry.sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    entry.stmt->reset(raw);
    // A missing table (SQLITE_ERROR) means a damaged file; else I/O or a lock.
    if (rc == SQLITE_ERROR)
      return make_error(Errc::invalid_argument, place + " is not a usable wasmhive database (" +
                                                    sqlite3_errmsg(db.get()) + ")");
    if (rc != SQLITE_OK) return open_error(rc, "read");
  }
  return {};
}

// ---- one-off statements (opening only) ----

Error Store::Impl::open_error(int rc, const char* what) const {
  std::string message = describe(db.get());
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return make_error(Errc::invalid_argument,
                        place + " is not a wasmhive database (" + message + ")");
    case SQLITE_CORRUPT:
      return make_error(Errc::invalid_argument, place + " is corrupt (" + message + ")");
    default:  // I/O, locks, permissions: may pass
      return make_error(Errc::unavailable,
                        std::string("cannot ") + what + " " + place + ": " + message);
  }
}

// The first column of the first row of `sql`, as an integer.
Result<std::int64_t> Store::Impl::query_int(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return open_error(rc, "read");
  return sqlite3_column_int64(stmt.get(), 0);
}

Result<std::string> Store::Impl::query_text(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return open_error(rc, "read");
  const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
  return std::string(text ? reinterpret_cast<const char*>(text) : "");
}

Result<void> Store::Impl::exec(const char* sql) {
  int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return open_error(rc, "write");
  return {};
}

// ---- committed state ----

Error Store::Impl::error(const char* action) const {
  return make_error(Errc::unavailable,
                    std::string("cannot ") + action + " " + place + ": " + describe(db.get()));
}

// Reads share one read transaction until the next commit, or for at most
// kSnapshotReuse: a read in autocommit mode takes and releases the file's and
// the WAL index's locks (about six fcntl calls, more than a batched upsert
// costs), and a component reads once per storage_set of a key its turn has not
// written (the old value's size, for its quota). Reads still see every commit
// of this connection (commit() ends the shared transaction first); another
// connection's commits show within kSnapshotReuse. If BEGIN fails, reads run
// in autocommit mode as before.
void Store::Impl::start_reading() {
  auto now = std::chrono::steady_clock::now();
  // SQLite ends a transaction itself on some errors: autocommit again.
  if (reading && now - read_since < kSnapshotReuse && !sqlite3_get_autocommit(db.get())) return;
  stop_reading();
  reading = step_once(begin_read.get()) == SQLITE_DONE;
  read_since = now;
}

void Store::Impl::stop_reading() {
  if (!reading) return;
  reading = false;
  if (!sqlite3_get_autocommit(db.get())) step_once(end_read.get());
}

Result<std::optional<std::string>> Store::get(std::string_view component, std::string_view key) {
  std::lock_guard lock(impl_->mutex);
  impl_->start_reading();
  StmtUse use(impl_->get.get());
  int rc = bind_component_key(use.get(), component, key);
  if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return impl_->error("read");
  std::string value;
  if (!read_blob(use.get(), 0, value)) return impl_->error("read");
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::uint64_t>> Store::value_size(std::string_view component,
                                                       std::string_view key) {
  std::lock_guard lock(impl_->mutex);
  impl_->start_reading();
  StmtUse use(impl_->value_size.get());
  int rc = bind_component_key(use.get(), component, key);
  if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
  if (rc == SQLITE_DONE) return std::optional<std::uint64_t>();
  if (rc != SQLITE_ROW) return impl_->error("read");
  return std::optional<std::uint64_t>(sqlite3_column_int64(use.get(), 0));
}

Result<std::vector<std::string>> Store::keys(std::string_view component, std::string_view prefix,
                                             std::string_view after, std::size_t limit) {
  std::vector<std::string> found;
  if (limit == 0) return found;
  std::lock_guard lock(impl_->mutex);
  impl_->start_reading();
  // Every match is >= prefix and > after: scan from the larger bound (string_view
  // compares bytes as unsigned, like SQLite's memcmp on blobs).
  bool from_prefix = after < prefix;
  StmtUse use(from_prefix ? impl_->keys_from.get() : impl_->keys_after.get());
  int rc = bind_component_key(use.get(), component, from_prefix ? prefix : after);
  if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
  for (; rc == SQLITE_ROW; rc = sqlite3_step(use.get())) {
    std::string key;
    if (!read_blob(use.get(), 0, key)) return impl_->error("read");
    // Keys sharing the prefix are contiguous: the first other key ends them.
    if (!starts_with(key, prefix)) return found;
    found.push_back(std::move(key));
    if (found.size() == limit) return found;
  }
  if (rc != SQLITE_DONE) return impl_->error("read");
  return found;
}

Result<Usage> Store::usage(std::string_view component) {
  std::lock_guard lock(impl_->mutex);
  impl_->start_reading();
  StmtUse use(impl_->usage.get());
  int rc = bind_text(use.get(), 1, component);
  if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
  if (rc != SQLITE_ROW) return impl_->error("read");
  Usage usage;
  usage.keys = static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 0));
  usage.bytes = static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 1));
  return usage;
}

// ---- writing ----

// One write inside the open transaction: SQLITE_DONE, or the error code.
int Store::Impl::apply(const Write& write) {
  StmtUse use(write.value ? put.get() : erase.get());
  int rc = bind_component_key(use.get(), write.component, write.key);
  if (rc == SQLITE_OK && write.value) rc = bind_blob(use.get(), 3, *write.value);
  if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
  return rc;
}

// Runs a statement without results; reset before it returns, so the error
// message stays readable (SQLite keeps it on the connection).
int Store::Impl::step_once(sqlite3_stmt* stmt) {
  StmtUse use(stmt);
  return sqlite3_step(use.get());
}

// Undoes the open transaction, if SQLite has not already, and reports what
// failed (read before ROLLBACK replaces SQLite's message).
Error Store::Impl::rollback(const char* action) {
  Error failed = error(action);
  if (!sqlite3_get_autocommit(db.get())) step_once(rollback_tx.get());
  return failed;
}

Result<void> Store::commit(std::span<const Write> writes) {
  if (writes.empty()) return {};
  std::lock_guard lock(impl_->mutex);
  impl_->stop_reading();
  if (impl_->step_once(impl_->begin_tx.get()) != SQLITE_DONE) return impl_->rollback("write to");
  for (const Write& write : writes)
    if (impl_->apply(write) != SQLITE_DONE) return impl_->rollback("write to");
  if (impl_->step_once(impl_->commit_tx.get()) != SQLITE_DONE) return impl_->rollback("commit to");
  return {};
}

Durability Store::durability() const {
  return impl_->durability;
}

const std::filesystem::path& Store::file() const {
  return impl_->file;
}

}  // namespace wasmhive::storage
