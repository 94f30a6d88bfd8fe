// The dashboard in a real browser: the demo app runs with --metrics, Debian's
// headless Chromium loads the page and runs its script, and the page it drew
// shows the components, the inventory's restart and the dead letter the demo
// makes. Also writes the screenshot the README shows (build/dashboard.png).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/cli_process.h"
#include "support/host_helpers.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace wasmhive {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::Cli;

constexpr const char* kChromium = "/usr/bin/chromium";

// Chromium as the probe of this machine runs it: no sandbox (root), and no
// attempt to reach the network it does not have.
std::vector<std::string> chromium_args(const fs::path& profile, std::vector<std::string> more) {
  std::vector<std::string> args = {
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--user-data-dir=" + profile.string(), "--window-size=1280,900",
      // Virtual time runs the page's polling without waiting in real time.
      "--virtual-time-budget=4000"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The text of the element whose opening tag holds `marker`, up to its end tag.
std::string element_with(const std::string& dom, const std::string& marker,
                         const std::string& end_tag) {
  auto at = dom.find(marker);
  if (at == std::string::npos) return {};
  auto end = dom.find(end_tag, at);
  return dom.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kChromium)) << kChromium << " is missing: scripts/setup.sh installs it";
    fs::create_directories(temp.path() / "data");
    demo = std::make_unique<Cli>(std::vector<std::string>{
        "run", DEMO_MANIFEST, "--metrics", "127.0.0.1:0", "--data-dir",
        (temp.path() / "data").string(), "--send", "shop/gateway=o-1 apple 2", "--send",
        "shop/gateway=o-2 pear 0", "--send", "shop/gateway=o-3 durian 1", "--send",
        "shop/gateway=o-4 glitch 1", "--send", "shop/gateway=o-5 apple 3"});
    ASSERT_TRUE(demo->read_until("/metrics\n")) << demo->output();
    auto from = demo->output().find("http://");
    auto to = demo->output().find('/', from + 7);
    url = demo->output().substr(from, to + 1 - from);
    // The page is looked at once the demo has played out: the fifth order
    // accepted after the inventory's restart.
    ASSERT_TRUE(demo->read_until("o-5 accepted")) << demo->output();
  }
  void TearDown() override {
    if (!demo) return;
    demo->signal(SIGTERM);
    EXPECT_EQ(demo->wait(), 0) << demo->output();
  }

  std::string browse(const std::vector<std::string>& args) {
    ChildProcess chromium(kChromium, chromium_args(temp.path() / "profile", args));
    EXPECT_EQ(chromium.wait(), 0) << chromium.output();
    return chromium.output();
  }

  testing::TempDir temp{"wasmhive-dashboard"};
  std::unique_ptr<Cli> demo;
  std::string url;
};

TEST_F(DashboardTest, ShowsTheDemosComponentsRestartAndDeadLetter) {
  std::string dom = browse({"--dump-dom", url + "?every=200"});
  ASSERT_NE(dom.find("data-updates="), std::string::npos) << "the page never updated:\n" << dom;
  for (const char* name : {"shop/gateway", "shop/validator", "shop/inventory", "shop/notifier"}) {
    std::string row =
        element_with(dom, "<tr data-component=\"" + std::string(name) + "\"", "</tr>");
    ASSERT_FALSE(row.empty()) << name << " has no row in the table:\n" << dom;
    EXPECT_NE(row.find(">running<"), std::string::npos) << row;
    std::string leaf =
        element_with(dom, "<li data-component=\"" + std::string(name) + "\"", "</li>");
    EXPECT_FALSE(leaf.empty()) << name << " is missing from the supervision tree";
  }
  std::string inventory = element_with(dom, "<tr data-component=\"shop/inventory\"", "</tr>");
  EXPECT_NE(inventory.find("data-field=\"restarts\">1<"), std::string::npos) << inventory;
  std::string gateway = element_with(dom, "<tr data-component=\"shop/gateway\"", "</tr>");
  EXPECT_NE(gateway.find("data-field=\"restarts\">0<"), std::string::npos) << gateway;
  std::string letters = element_with(dom, "<table id=\"dead-letters\"", "</table>");
  EXPECT_NE(letters.find("<td>shop/validator</td><td>shop/inventory</td>"), std::string::npos)
      << letters;
  EXPECT_NE(letters.find("handler failed: trap_unreachable"), std::string::npos) << letters;
  // With the trace and message ids the JSON log has for it: 16 hex digits each.
  auto trace = letters.find("<td class=\"trace\">");
  ASSERT_NE(trace, std::string::npos) << letters;
  std::string id = letters.substr(trace + 18, 16);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << letters;
  std::string message = letters.substr(trace + 35, 16);
  EXPECT_EQ(message.find_first_not_of("0123456789abcdef"), std::string::npos) << letters;
  EXPECT_EQ(letters.substr(trace + 51, 5), "</td>") << letters;
  EXPECT_NE(dom.find("dead letters <b>1</b>"), std::string::npos) << "the summary's count";
}

TEST_F(DashboardTest, TakesTheReadmeScreenshot) {
  fs::path shot = fs::path(WASMHIVE_BUILD_DIR) / "dashboard.png";
  fs::remove(shot);
  // A few seconds of the rate's history, for the chart to show.
  std::uint16_t port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  ASSERT_TRUE(testing::eventually([&] {
    auto snapshot = testing::http_get(port, "/api/snapshot");
    const std::string key = "\"uptime_seconds\":";
    auto at = snapshot ? snapshot->body.find(key) : std::string::npos;
    return at != std::string::npos && std::stod(snapshot->body.substr(at + key.size())) >= 4.0;
  }));
  browse({"--screenshot=" + shot.string(), "--hide-scrollbars", url + "?every=200"});
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 20'000u) << "a blank page is smaller";
}

}  // namespace
}  // namespace wasmhive
