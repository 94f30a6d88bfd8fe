// Bad data directories and database files, as a user meets them: the wasmhive
// command refuses to start with exit code 4 and says what is wrong, and no
// component runs.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "storage/store.h"
#include "support/cli_process.h"
#include "support/temp_dir.h"

namespace wasmhive {
namespace {

namespace fs = std::filesystem;
using testing::Cli;

constexpr int kDataError = 4;

struct Outcome {
  int code;
  std::string output;
};

class DataDir : public ::testing::Test {
 protected:
  // An app whose one component counts its boots in storage.
  std::string manifest(const std::string& host_keys = "") {
    std::ofstream(dir / "app.toml") << "[host]\nworkers = 1\n"
                                    << host_keys << "\n[[component]]\nname = \"app/ledger\"\n"
                                    << "wasm = \"" << WASMHIVE_GUEST_DIR << "/ledger.wasm\"\n"
                                    << "[component.capabilities]\nstorage = \"read-write\"\n"
                                    << "send = [\"@host\"]\n";
    return (dir / "app.toml").string();
  }
  Outcome run(std::vector<std::string> args) {
    args.insert(args.begin(), "run");
    args.push_back("--until-idle");
    Cli cli(std::move(args));
    int code = cli.wait();
    return {code, cli.output()};
  }
  testing::TempDir temp{"wasmhive-data"};
  const fs::path& dir = temp.path();
};

void expect_refused(const Outcome& out, const std::string& says) {
  EXPECT_EQ(out.code, kDataError) << out.output;
  EXPECT_NE(out.output.find(says), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("started app/ledger"), std::string::npos) << "a component ran";
}

TEST_F(DataDir, TheDefaultDirectoryIsCreatedBesideTheManifest) {
  auto out = run({manifest()});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_TRUE(fs::is_regular_file(dir / "wasmhive-data" / "app.db"));
}

TEST_F(DataDir, InMemoryWritesNothing) {
  auto out = run({manifest(), "--in-memory"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_FALSE(fs::exists(dir / "wasmhive-data"));
}

TEST_F(DataDir, AnEmptyDataDirOrOneWithInMemoryIsAUsageError) {
  // An unset variable ("--data-dir $STATE") must not fall back to a fresh default.
  EXPECT_EQ(run({manifest(), "--data-dir", ""}).code, 2);
  EXPECT_EQ(run({manifest(), "--data-dir", dir.string(), "--in-memory"}).code, 2);
  EXPECT_FALSE(fs::exists(dir / "wasmhive-data"));
}

TEST_F(DataDir, UntilIdleWaitsForAPendingTimer) {
  auto out = run({manifest(), "--in-memory", "--request", "app/ledger=timer 300 T1"});
  EXPECT_EQ(out.code, 0) << out.output;
  EXPECT_NE(out.output.find("@host <- app/ledger: timer T1"), std::string::npos) << out.output;
}

TEST_F(DataDir, AMissingNamedDirectoryIsAnErrorNotAFreshStart) {
  expect_refused(run({manifest("data_dir = \"typo\"")}), "does not exist");
  expect_refused(run({manifest(), "--data-dir", (dir / "typo").string()}), "does not exist");
  EXPECT_FALSE(fs::exists(dir / "typo"));
}

TEST_F(DataDir, AFileInPlaceOfTheDirectoryIsRefused) {
  std::ofstream(dir / "plain") << "not a directory";
  expect_refused(run({manifest(), "--data-dir", (dir / "plain").string()}), "not a directory");
}

TEST_F(DataDir, ADirectoryInPlaceOfTheDatabaseIsRefused) {
  fs::create_directories(dir / "data" / "app.db");
  expect_refused(run({manifest(), "--data-dir", (dir / "data").string()}), "app.db");
}

TEST_F(DataDir, AnUnwritableDirectoryIsRefused) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes anywhere: permissions cannot be tested";
  fs::create_directories(dir / "data");
  fs::permissions(dir / "data", fs::perms::owner_read | fs::perms::owner_exec);
  expect_refused(run({manifest(), "--data-dir", (dir / "data").string()}), "not writable");
  fs::permissions(dir / "data", fs::perms::owner_all);
}

TEST_F(DataDir, ASecondHostOnTheSameDataIsRefused) {
  // Two hosts writing one database would lose each other's updates.
  fs::create_directories(dir / "data");
  std::string app = manifest();
  Cli first({"run", app, "--data-dir", (dir / "data").string()});
  ASSERT_TRUE(first.read_until("started app/ledger")) << first.output();
  expect_refused(run({app, "--data-dir", (dir / "data").string()}), "in use by another process");
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(), 0) << first.output();
}

TEST_F(DataDir, ACorruptDatabaseIsRefusedAndLeftAlone) {
  fs::create_directories(dir / "data");
  std::string garbage(8192, '\x5a');
  std::ofstream(dir / "data" / "app.db", std::ios::binary) << garbage;
  expect_refused(run({manifest(), "--data-dir", (dir / "data").string()}), "app.db");
  std::ifstream in(dir / "data" / "app.db", std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage);  // not "repaired" into an empty database
}

TEST_F(DataDir, ADatabaseFromANewerSchemaIsRefused) {
  fs::create_directories(dir / "data");
  auto file = dir / "data" / "app.db";
  ASSERT_TRUE(storage::Store::open({file}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  expect_refused(run({manifest(), "--data-dir", (dir / "data").string()}), "newer");
}

}  // namespace
}  // namespace wasmhive
