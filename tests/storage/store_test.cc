// The SQLite store on real files: round trips of arbitrary bytes, key paging,
// usage, atomic commits (a commit failing part-way applies nothing), state
// across reopening, and every kind of unusable file refused with a clear error.
#include "storage/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace wasmhive::storage {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

#define EXPECT_HAS(text, part)                               \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "expected: " << (part) << "\ngot: " << (text)

// A raw connection, for what the Store must not be able to do itself: lock the
// file, plant a failing trigger, write another program's database.
class RawDb {
 public:
  explicit RawDb(const fs::path& file) {
    EXPECT_EQ(sqlite3_open(file.c_str(), &db_), SQLITE_OK) << file;
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
  }
  // Column `column` of the first row of `sql`, as text.
  std::string text(const std::string& sql, int column = 0) {
    sqlite3_stmt* stmt = nullptr;
    std::string result;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    if (sqlite3_step(stmt) == SQLITE_ROW)
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
    sqlite3_finalize(stmt);
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test)
      if (c == '/') c = '_';
    dir = fs::temp_directory_path() / ("wasmhive-store-" + std::to_string(getpid()) + "-" + test);
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::unique_ptr<Store> open(const fs::path& file, Durability durability = Durability::normal) {
    auto store = Store::open({.file = file, .durability = durability});
    EXPECT_TRUE(store.ok()) << (store ? "" : store.error().describe());
    return store ? std::move(*store) : nullptr;
  }
  // The error of opening `file`; fails the test if it opens.
  Error open_error(const fs::path& file) {
    auto store = Store::open({.file = file});
    EXPECT_FALSE(store.ok()) << file;
    return store ? Error{Errc::internal, "opened"} : store.error();
  }
  void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
  }
  std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir;
};

Write put(std::string component, std::string key, std::string value) {
  return {std::move(component), std::move(key), std::move(value)};
}
Write erase(std::string component, std::string key) {
  return {std::move(component), std::move(key), std::nullopt};
}

std::optional<std::string> get(Store& store, std::string_view component, std::string_view key) {
  auto value = store.get(component, key);
  EXPECT_TRUE(value.ok()) << (value ? "" : value.error().describe());
  return value ? *value : std::nullopt;
}

std::vector<std::string> keys(Store& store, std::string_view component, std::string_view prefix,
                              std::string_view after, std::size_t limit) {
  auto found = store.keys(component, prefix, after, limit);
  EXPECT_TRUE(found.ok()) << (found ? "" : found.error().describe());
  return found ? *found : std::vector<std::string>{};
}

void commit(Store& store, const std::vector<Write>& writes) {
  auto done = store.commit(writes);
  EXPECT_TRUE(done.ok()) << (done ? "" : done.error().describe());
}

TEST(DurabilityTest, Names) {
  EXPECT_EQ(to_string(Durability::normal), "normal");
  EXPECT_EQ(to_string(Durability::full), "full");
}

TEST_F(StoreTest, RoundTrip) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->file(), dir / "app.db");
  EXPECT_EQ(store->durability(), Durability::normal);
  const std::string binary_key = "k\0\xff\x01"s;
  const std::string binary_value = "\0\0v\xff\x80"s;
  commit(*store, {put("c", "a", "1"), put("c", binary_key, binary_value), put("c", "empty", "")});
  EXPECT_EQ(get(*store, "c", "a"), "1");
  EXPECT_EQ(get(*store, "c", binary_key), binary_value);
  EXPECT_EQ(get(*store, "c", "k"), std::nullopt);  // not a prefix match
  EXPECT_EQ(get(*store, "c", "empty"), "");        // an empty value is a value
  EXPECT_EQ(get(*store, "c", "missing"), std::nullopt);
  commit(*store, {put("c", "a", "2")});
  EXPECT_EQ(get(*store, "c", "a"), "2");
}

TEST_F(StoreTest, LargeValue) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  std::string big(1 << 20, 'x');
  big[12345] = '\0';
  commit(*store, {put("c", "big", big)});
  EXPECT_EQ(get(*store, "c", "big"), big);
  auto size = store->value_size("c", "big");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, big.size());
}

TEST_F(StoreTest, Delete) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  commit(*store, {put("c", "a", "1"), put("c", "b", "2")});
  commit(*store, {erase("c", "a"), erase("c", "never-there")});
  EXPECT_EQ(get(*store, "c", "a"), std::nullopt);
  EXPECT_EQ(get(*store, "c", "b"), "2");
}

TEST_F(StoreTest, WritesApplyInOrder) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  commit(*store, {put("c", "a", "1"), erase("c", "a"), erase("c", "b"), put("c", "b", "2"),
                  put("c", "b", "3")});
  EXPECT_EQ(get(*store, "c", "a"), std::nullopt);
  EXPECT_EQ(get(*store, "c", "b"), "3");
}

TEST_F(StoreTest, EmptyCommitIsNoOp) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->commit({}).ok());
}

TEST_F(StoreTest, ValueSize) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  commit(*store, {put("c", "a", "12345"), put("c", "e", "")});
  auto size = store->value_size("c", "a");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5u);
  size = store->value_size("c", "e");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 0u);
  size = store->value_size("c", "missing");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, std::nullopt);
}

TEST_F(StoreTest, KeysInBytewiseOrderWithPrefixAndAfter) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  const std::vector<std::string> all = {"\0"s,   "\0\0"s, "a", "a\0"s, "a\x7f",    "a\x80",
                                        "a\xff", "ab",    "b", "\xff", "\xff\xff", "\xff\0"s};
  std::vector<Write> writes;
  for (const auto& key : all) writes.push_back(put("c", key, "v"));
  commit(*store, writes);
  std::vector<std::string> sorted = all;
  std::sort(sorted.begin(), sorted.end());  // std::string compares bytes as unsigned

  EXPECT_EQ(keys(*store, "c", "", "", 100), sorted);
  EXPECT_EQ(keys(*store, "c", "a", "", 100),
            (std::vector<std::string>{"a", "a\0"s, "ab", "a\x7f", "a\x80", "a\xff"}));
  EXPECT_EQ(keys(*store, "c", "a", "ab", 100),
            (std::vector<std::string>{"a\x7f", "a\x80", "a\xff"}));
  EXPECT_EQ(keys(*store, "c", "\0"s, "", 100), (std::vector<std::string>{"\0"s, "\0\0"s}));
  EXPECT_EQ(keys(*store, "c", "\xff", "", 100),
            (std::vector<std::string>{"\xff", "\xff\0"s, "\xff\xff"}));
  EXPECT_EQ(keys(*store, "c", "\xff", "\xff", 100),
            (std::vector<std::string>{"\xff\0"s, "\xff\xff"}));
  // `after` before the prefix does not widen it; after it, nothing is left.
  EXPECT_EQ(keys(*store, "c", "b", "\0"s, 100), (std::vector<std::string>{"b"}));
  EXPECT_EQ(keys(*store, "c", "a", "b", 100), std::vector<std::string>{});
  EXPECT_EQ(keys(*store, "c", "zz", "", 100), std::vector<std::string>{});
  EXPECT_EQ(keys(*store, "c", "a", "", 0), std::vector<std::string>{});
}

TEST_F(StoreTest, KeysPaging) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  std::vector<Write> writes;
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "p/%02d", i);
    writes.push_back(put("c", key, "v"));
    expected.push_back(key);
  }
  writes.push_back(put("c", "o", "outside"));
  writes.push_back(put("c", "q", "outside"));
  commit(*store, writes);

  std::vector<std::string> paged;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = keys(*store, "c", "p/", after, 10);
    EXPECT_LE(page.size(), 10u);
    if (page.empty()) break;
    paged.insert(paged.end(), page.begin(), page.end());
    after = page.back();
  }
  EXPECT_EQ(paged, expected);
}

TEST_F(StoreTest, Usage) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  auto usage = store->usage("c");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->keys, 0u);
  EXPECT_EQ(usage->bytes, 0u);
  commit(*store, {put("c", "ab", "xyz"), put("c", "k\0"s, ""), put("other", "zzzz", "zzzz")});
  usage = store->usage("c");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->keys, 2u);
  EXPECT_EQ(usage->bytes, 2u + 3u + 2u);
  commit(*store, {put("c", "ab", "x"), erase("c", "k\0"s)});
  usage = store->usage("c");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->keys, 1u);
  EXPECT_EQ(usage->bytes, 3u);
}

TEST_F(StoreTest, ComponentsAreIsolated) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  commit(*store, {put("a", "k", "from a"), put("b", "k", "from b"), put("ab", "x", "from ab")});
  commit(*store, {erase("a", "k")});
  EXPECT_EQ(get(*store, "a", "k"), std::nullopt);
  EXPECT_EQ(get(*store, "b", "k"), "from b");
  EXPECT_EQ(keys(*store, "a", "", "", 10), std::vector<std::string>{});
  EXPECT_EQ(keys(*store, "b", "", "", 10), std::vector<std::string>{"k"});
  EXPECT_EQ(keys(*store, "ab", "", "", 10), std::vector<std::string>{"x"});
  auto usage = store->usage("b");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->keys, 1u);
}

// A trigger planted by another connection makes the fourth write of a commit
// fail: the three before it must be undone, and the store stay usable.
TEST_F(StoreTest, CommitFailingPartWayAppliesNothing) {
  fs::path file = dir / "app.db";
  auto store = open(file);
  ASSERT_TRUE(store);
  commit(*store, {put("c", "a", "old"), put("c", "b", "old")});
  {
    RawDb raw(file);
    raw.exec(
        "CREATE TRIGGER poison BEFORE INSERT ON kv WHEN NEW.key = CAST('poison' AS BLOB) "
        "BEGIN SELECT RAISE(ABORT, 'poisoned write'); END");
  }
  auto failed = store->commit(std::vector<Write>{put("c", "a", "new"), erase("c", "b"),
                                                 put("c", "c", "new"), put("c", "poison", "x")});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::unavailable);
  EXPECT_HAS(failed.error().message, "poisoned write");
  EXPECT_HAS(failed.error().message, file.string());
  EXPECT_EQ(get(*store, "c", "a"), "old");
  EXPECT_EQ(get(*store, "c", "b"), "old");
  EXPECT_EQ(get(*store, "c", "c"), std::nullopt);
  commit(*store, {put("c", "a", "new")});
  EXPECT_EQ(get(*store, "c", "a"), "new");
}

// Another connection holds the write lock past the busy timeout.
TEST_F(StoreTest, CommitWhileLockedFailsAndAppliesNothing) {
  fs::path file = dir / "app.db";
  auto opened = Store::open({.file = file, .busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  Store& store = **opened;
  commit(store, {put("c", "a", "old")});
  RawDb raw(file);
  raw.exec("BEGIN IMMEDIATE");
  auto failed = store.commit(std::vector<Write>{put("c", "a", "new"), put("c", "b", "new")});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::unavailable);
  EXPECT_HAS(failed.error().message, "locked");
  EXPECT_EQ(get(store, "c", "a"), "old");  // reads do not wait for the writer (WAL)
  raw.exec("ROLLBACK");
  commit(store, {put("c", "a", "new"), put("c", "b", "new")});
  EXPECT_EQ(get(store, "c", "b"), "new");
}

TEST_F(StoreTest, ASecondOpenOfTheSameFileIsRefusedWhileTheFirstIsOpen) {
  fs::path file = dir / "app.db";
  {
    auto first = open(file);
    ASSERT_TRUE(first);
    Error second = open_error(file);
    EXPECT_EQ(second.code, Errc::unavailable);
    EXPECT_NE(second.message.find("in use by another process"), std::string::npos)
        << second.message;
  }
  EXPECT_TRUE(open(file));  // closed: free again
}

TEST_F(StoreTest, ASymlinkToAnOpenDatabaseFindsItLocked) {
  fs::path file = dir / "app.db";
  auto first = open(file);
  ASSERT_TRUE(first);
  fs::create_directories(dir / "other");
  fs::create_symlink(file, dir / "other" / "app.db");
  EXPECT_NE(open_error(dir / "other" / "app.db").message.find("in use by another process"),
            std::string::npos);
}

TEST_F(StoreTest, StateSurvivesReopen) {
  for (Durability durability : {Durability::normal, Durability::full}) {
    fs::path file = dir / ("app-" + std::string(to_string(durability)) + ".db");
    {
      auto store = open(file, durability);
      ASSERT_TRUE(store);
      EXPECT_EQ(store->durability(), durability);
      commit(*store, {put("c", "a", "1"), put("c", "b", "2")});
      commit(*store, {erase("c", "b")});
    }
    auto store = open(file, durability);
    ASSERT_TRUE(store);
    EXPECT_EQ(get(*store, "c", "a"), "1");
    EXPECT_EQ(get(*store, "c", "b"), std::nullopt);
  }
}

TEST_F(StoreTest, NewFileIsAWalDatabaseOfOurSchema) {
  fs::path file = dir / "app.db";
  ASSERT_TRUE(open(file));
  RawDb raw(file);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.text("PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_NE(raw.text("PRAGMA application_id"), "0");
}

TEST_F(StoreTest, KeysUseThePrimaryKeyRange) {
  fs::path file = dir / "app.db";
  ASSERT_TRUE(open(file));
  RawDb raw(file);
  // The statement Store::keys prepares; column 3 of a plan row is its detail.
  std::string plan = raw.text(
      "EXPLAIN QUERY PLAN SELECT key FROM kv WHERE component = ?1 AND key >= ?2 ORDER BY key", 3);
  EXPECT_HAS(plan, "PRIMARY KEY (component=? AND key>?)");
}

TEST_F(StoreTest, InMemory) {
  auto first = open("");
  auto second = open("");
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->file().empty());
  commit(*first, {put("c", "a", "1")});
  EXPECT_EQ(get(*first, "c", "a"), "1");
  EXPECT_EQ(get(*second, "c", "a"), std::nullopt);  // private to each store
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST_F(StoreTest, ThreadsShareOneStore) {
  auto store = open(dir / "app.db");
  ASSERT_TRUE(store);
  constexpr int kThreads = 4, kCommits = 200;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string component = "c" + std::to_string(t);
      for (int i = 0; i < kCommits; ++i) {
        std::vector<Write> writes = {put(component, std::to_string(i), "v"),
                                     put(component, "last", std::to_string(i))};
        if (!store->commit(writes).ok()) ++failures;
        auto last = store->get(component, "last");
        if (!last.ok() || *last != std::to_string(i)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  for (int t = 0; t < kThreads; ++t) {
    auto usage = store->usage("c" + std::to_string(t));
    ASSERT_TRUE(usage.ok());
    EXPECT_EQ(usage->keys, kCommits + 1u);
  }
}

// ---- files open() refuses ----

TEST_F(StoreTest, GarbageFileRefused) {
  fs::path file = dir / "garbage.db";
  std::string garbage(8192, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7919 >> 3);
  write_bytes(file, garbage);
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "data file " + file.string() + " is not a wasmhive database");
  EXPECT_EQ(read_bytes(file), garbage);  // left as it was
}

TEST_F(StoreTest, CorruptDatabaseRefused) {
  fs::path file = dir / "app.db";
  {
    auto store = open(file);
    ASSERT_TRUE(store);
    std::vector<Write> writes;
    for (int i = 0; i < 500; ++i) writes.push_back(put("c", "key" + std::to_string(i), "value"));
    commit(*store, writes);
  }  // the last close checkpoints the log into the file
  ASSERT_FALSE(fs::exists(dir / "app.db-wal"));
  std::string bytes = read_bytes(file);
  ASSERT_GT(bytes.size(), 3 * 4096u);
  for (std::size_t i = 4096 + 100; i < 3 * 4096; ++i) bytes[i] = static_cast<char>(i);
  write_bytes(file, bytes);
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "data file " + file.string() + " is corrupt");
}

TEST_F(StoreTest, NewerSchemaRefused) {
  fs::path file = dir / "app.db";
  ASSERT_TRUE(open(file));
  RawDb(file).exec("PRAGMA user_version=99");
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "data file " + file.string() +
                                " was written by a newer wasmhive (schema 99, this build reads " +
                                std::to_string(kSchemaVersion) + ")");
}

TEST_F(StoreTest, OtherApplicationsDatabaseRefusedUntouched) {
  fs::path file = dir / "other.db";
  {
    RawDb raw(file);
    raw.exec("PRAGMA application_id=305419896");  // 0x12345678
    raw.exec("CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT)");
    raw.exec("INSERT INTO accounts(name) VALUES('alice')");
  }
  std::string before = read_bytes(file);
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "data file " + file.string() + " is not a wasmhive database");
  EXPECT_HAS(error.message, "0x12345678");
  EXPECT_EQ(read_bytes(file), before);  // not switched to WAL, nothing created
  EXPECT_FALSE(fs::exists(dir / "other.db-wal"));
}

TEST_F(StoreTest, PlainSqliteDatabaseRefused) {
  fs::path file = dir / "plain.db";
  RawDb(file).exec("CREATE TABLE t(x)");
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "is not a wasmhive database");
}

TEST_F(StoreTest, EmptyFileBecomesADatabase) {
  fs::path file = dir / "empty.db";
  write_bytes(file, "");
  auto store = open(file);
  ASSERT_TRUE(store);
  commit(*store, {put("c", "a", "1")});
}

TEST_F(StoreTest, ParentIsARegularFile) {
  write_bytes(dir / "file", "x");
  fs::path file = dir / "file" / "app.db";
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::unavailable);
  EXPECT_HAS(error.message, "cannot create data file " + file.string() + ": Not a directory");
}

TEST_F(StoreTest, MissingParentDirectoryIsNotCreated) {
  fs::path file = dir / "missing" / "app.db";
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::unavailable);
  EXPECT_HAS(error.message, "cannot create data file " + file.string() + ": No such file");
  EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST_F(StoreTest, PathIsADirectory) {
  fs::create_directory(dir / "app.db");
  Error error = open_error(dir / "app.db");
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "data file " + (dir / "app.db").string() + " is a directory");
}

TEST_F(StoreTest, FifoRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo((dir / "app.db").c_str(), 0600), 0);
  Error error = open_error(dir / "app.db");
  EXPECT_EQ(error.code, Errc::invalid_argument);
  EXPECT_HAS(error.message, "is not a regular file");
}

TEST_F(StoreTest, NameLookingLikeAUriIsAPath) {
  fs::path cwd = fs::current_path();
  fs::current_path(dir);
  auto store = Store::open({.file = "file:app.db?mode=memory"});
  fs::current_path(cwd);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  EXPECT_TRUE(fs::exists(dir / "file:app.db?mode=memory"));
}

// Reads between two commits share one read transaction (store.cc): they see
// the Store's own commits at once and another connection's within 10 ms, and
// the shared snapshot keeps neither that connection nor the Store from writing.
TEST_F(StoreTest, ReadsSeeOwnCommitsAtOnceAndAnotherConnectionsSoon) {
  fs::path file = dir / "app.db";
  auto store = open(file);
  ASSERT_TRUE(store);
  commit(*store, {put("c", "a", "1")});
  EXPECT_EQ(get(*store, "c", "a"), "1");
  commit(*store, {put("c", "a", "2")});
  EXPECT_EQ(get(*store, "c", "a"), "2");
  RawDb raw(file);
  raw.exec("UPDATE kv SET value = CAST('3' AS BLOB) WHERE key = CAST('a' AS BLOB)");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(get(*store, "c", "a"), "3");
  commit(*store, {put("c", "a", "4")});
  EXPECT_EQ(raw.text("SELECT CAST(value AS TEXT) FROM kv WHERE key = CAST('a' AS BLOB)"), "4");
}

TEST_F(StoreTest, ReadOnlyFileRefused) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write any file";
  fs::path file = dir / "app.db";
  ASSERT_TRUE(open(file));
  fs::permissions(file, fs::perms::owner_read);
  Error error = open_error(file);
  EXPECT_EQ(error.code, Errc::unavailable);
  EXPECT_HAS(error.message, "cannot write data file " + file.string());
}

}  // namespace
}  // namespace wasmhive::storage
