// A host killed with SIGKILL in the middle of writing, then started again: what
// it committed is there, what it had not is not, and the database is intact.
// Real processes (the wasmhive command), a real component (tally.c), a real file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/store.h"
#include "support/cli_process.h"
#include "support/temp_dir.h"

namespace wasmhive {
namespace {

namespace fs = std::filesystem;
using testing::Cli;

std::string tally_app(const std::string& mode) {
  return std::string(R"([host]
workers = 1
data_dir = "data"
durability = "full"

[supervisor]
max_restarts = 1000
period_ms = 1000
backoff_initial_ms = 1

[[component]]
name = "app/tally"
wasm = ")") +
         WASMHIVE_GUEST_DIR + R"(/tally.wasm"
[component.capabilities]
send = ["@host", "app/tally"]
storage = "read-write"
[component.config]
mode = ")" +
         mode + "\"\n";
}

class Crash : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir / "data"); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  testing::TempDir temp{"wasmhive-crash"};
  const fs::path& dir = temp.path();
};

std::int64_t read_number(storage::Store& store, const std::string& key) {
  auto value = store.get("app/tally", key);
  EXPECT_TRUE(value.ok());
  if (!value.ok() || !*value) return -1;
  return std::stoll(**value);
}

TEST_F(Crash, SigkillMidLoadKeepsWhatCommittedAndNothingElse) {
  // The same file name in both runs: the database is "<manifest stem>.db".
  std::string load = write("app.toml", tally_app("load"));
  std::int64_t last_told = 0;
  {
    Cli cli({"run", load});
    ASSERT_TRUE(cli.read_until("restarted app/tally")) << cli.output();  // a trap happened
    ASSERT_TRUE(cli.read_until("app/tally: n=300")) << cli.output();
    cli.signal(SIGKILL);
    EXPECT_EQ(cli.wait(), -1);
    // Every n the host was told had been committed first (the output gate).
    const std::string& out = cli.output();
    const std::string told = "app/tally: n=";
    for (auto at = out.find(told); at != std::string::npos; at = out.find(told, at + 1)) {
      std::size_t digits = at + told.size();
      std::size_t end = out.find_first_not_of("0123456789", digits);
      if (end != std::string::npos && end > digits)  // a whole line, not cut by the kill
        last_told = std::max<std::int64_t>(last_told, std::stoll(out.substr(digits, end - digits)));
    }
  }
  ASSERT_GE(last_told, 300);

  // Opening runs SQLite's quick_check: a damaged file would be refused here.
  auto store = storage::Store::open({dir / "data" / "app.db"});
  ASSERT_TRUE(store.ok()) << store.error().message;
  std::int64_t n = read_number(**store, "n");
  EXPECT_GE(n, last_told);                  // nothing the host was told is lost
  EXPECT_EQ(read_number(**store, "a"), n);  // a call's writes commit together
  EXPECT_EQ(read_number(**store, "b"), n);
  EXPECT_EQ(read_number(**store, "poison"), -1);  // written only by calls that trapped
  store->reset();

  // Started again, the component finds exactly that state.
  std::string report = write("app.toml", tally_app("report"));
  Cli again({"run", report, "--until-idle"});
  EXPECT_EQ(again.wait(), 0) << again.output();
  std::string expected = "report a=" + std::to_string(n) + " b=" + std::to_string(n) +
                         " n=" + std::to_string(n) + " poison=0";
  EXPECT_NE(again.output().find(expected), std::string::npos) << again.output();
}

}  // namespace
}  // namespace wasmhive
