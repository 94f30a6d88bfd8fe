// The manifest reader on real files: what it accepts, and that every mistake is
// a clear error at its position rather than a crash, a hang or a silent default.
#include "cli/manifest.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "util/file.h"

namespace wasmhive {
namespace {

namespace fs = std::filesystem;

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test)
      if (c == '/') c = '_';
    dir =
        fs::temp_directory_path() / ("wasmhive-manifest-" + std::to_string(getpid()) + "-" + test);
    fs::create_directories(dir);
    write("m.wasm", "not compiled here");  // load_manifest checks only that it is a file
  }
  void TearDown() override { fs::remove_all(dir); }

  fs::path write(const std::string& name, const std::string& text) {
    fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  fs::path fifo(const std::string& name) {
    fs::path path = dir / name;
    EXPECT_EQ(mkfifo(path.c_str(), 0600), 0);
    return path;
  }
  Result<cli::Manifest> load(const std::string& text) {
    return cli::load_manifest(write("app.toml", text));
  }
  // The error message of loading `text`; fails the test if it loads.
  std::string error_of(const std::string& text) {
    auto manifest = load(text);
    EXPECT_FALSE(manifest.ok()) << text;
    return manifest ? std::string() : manifest.error().message;
  }

  fs::path dir;
};

constexpr const char* kComponent = "[[component]]\nname = \"a/b\"\nwasm = \"m.wasm\"\n";

#define EXPECT_HAS(text, part)                               \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "expected: " << (part) << "\ngot: " << (text)

TEST_F(ManifestTest, ReadsEveryKeyIncludingTheByteLimits) {
  auto m = load(R"([host]
workers = 2
max_payload = "64KiB"
max_queued_bytes = "32MiB"
ready_instances = 0
[trust]
require_signed = true
trusted_keys = ["2666e1ca1409bde061c38f2d0dac1c51fa5e29236ebfef31c63a2b6a57905734"]
[[component]]
name = "a/b"
wasm = "m.wasm"
mailbox_bytes = "2MiB"
max_payload = 4096
max_messages_per_second = 200
max_bytes_per_second = "1MiB"
worker = 1
[component.capabilities]
send = ["shop/[ab]*", "shop/[]x]", "shop/[!c]", "shop/[[:alpha:]]*", "shop/\\[x", "@host"]
)");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->workers, 2u);
  EXPECT_EQ(m->max_payload, 64u << 10);
  EXPECT_EQ(m->max_queued_bytes, 32u << 20);
  EXPECT_EQ(m->ready_instances, 0u);
  ASSERT_EQ(m->components.size(), 1u);
  const auto& spec = m->components[0].spec;
  EXPECT_EQ(spec.limits.mailbox_bytes, 2u << 20);
  EXPECT_EQ(spec.limits.max_payload, 4096u);
  EXPECT_EQ(spec.limits.max_messages_per_second, 200.0);
  EXPECT_EQ(spec.limits.max_bytes_per_second, 1u << 20);
  EXPECT_TRUE(m->trust.require_signed);
  ASSERT_EQ(m->trust.trusted_keys.size(), 1u);
  EXPECT_EQ(m->trust.trusted_keys[0].hex(),
            "2666e1ca1409bde061c38f2d0dac1c51fa5e29236ebfef31c63a2b6a57905734");
  EXPECT_EQ(spec.worker, 1u);
  EXPECT_EQ(spec.capabilities.send.size(), 6u);
  EXPECT_EQ(spec.wasm, dir / "m.wasm");
}

TEST_F(ManifestTest, ReadsATemplate) {
  auto m = load(R"([[component]]
name = "user/*"
wasm = "m.wasm"
idle_timeout_ms = 250
max_active = 50
max_waiting = 7
max_activations_per_second = 100
hibernate = "database"
max_restarts = 2
restart_period_ms = 900
)");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->components.empty());
  ASSERT_EQ(m->templates.size(), 1u);
  const auto& t = m->templates[0].spec;
  EXPECT_EQ(t.pattern, "user/*");
  EXPECT_EQ(t.idle_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(t.max_active, 50u);
  EXPECT_EQ(t.max_waiting, 7u);
  EXPECT_EQ(t.max_activations_per_second, 100.0);
  EXPECT_EQ(t.hibernate, actor::Hibernation::database);
  EXPECT_EQ(t.max_restarts, 2);
  EXPECT_EQ(t.restart_period, std::chrono::milliseconds(900));
  EXPECT_EQ(t.component.wasm, dir / "m.wasm");
}

TEST_F(ManifestTest, ByteLimitsHaveTheirDefaults) {
  auto m = load(kComponent);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->max_queued_bytes, std::size_t{256} << 20);
  EXPECT_EQ(m->components[0].spec.limits.mailbox_bytes, std::size_t{16} << 20);
}

struct Mistake {
  const char* name;
  std::string manifest;
  const char* message;
};

void PrintTo(const Mistake& m, std::ostream* os) {
  *os << m.name;
}

class ManifestError : public ManifestTest, public ::testing::WithParamInterface<Mistake> {};

TEST_P(ManifestError, IsAnErrorAtItsPosition) {
  EXPECT_HAS(error_of(GetParam().manifest), GetParam().message);
}

std::string component_with(const std::string& lines) {
  return kComponent + lines;
}

INSTANTIATE_TEST_SUITE_P(
    Load, ManifestError,
    ::testing::Values(
        Mistake{"template_two_stars", "[[component]]\nname = \"a/*/*\"\nwasm = \"m.wasm\"\n",
                "app.toml:2:8: invalid template pattern 'a/*/*': only the last token may be '*'"},
        Mistake{"template_empty_token", "[[component]]\nname = \"user//*\"\nwasm = \"m.wasm\"\n",
                "invalid template pattern 'user//*': a token between two '/' is empty"},
        Mistake{"star_in_a_plain_name", "[[component]]\nname = \"user/x*\"\nwasm = \"m.wasm\"\n",
                "'*' makes a name a template only as its last token"},
        Mistake{"template_pinned",
                "[[component]]\nname = \"user/*\"\nwasm = \"m.wasm\"\nworker = 0\n",
                "a template's instances run on the worker their name hashes to"},
        Mistake{"hibernate_on_a_component", component_with("hibernate = true\n"),
                "only a template"},
        Mistake{"hibernate_unknown",
                "[[component]]\nname = \"user/*\"\nwasm = \"m.wasm\"\nhibernate = \"disk\"\n",
                "'disk' is not one of none, memory, database"},
        Mistake{"wasm_dot", "[[component]]\nname = \"a/b\"\nwasm = \".\"\n",
                "app.toml:3:8: component 'a/b'.wasm: "},
        Mistake{"wasm_dot_is_a_directory", "[[component]]\nname = \"a/b\"\nwasm = \".\"\n",
                "is a directory, not a regular file"},
        Mistake{"wasm_empty", "[[component]]\nname = \"a/b\"\nwasm = \"\"\n",
                "app.toml:3:8: component 'a/b'.wasm: the path is empty"},
        Mistake{"wasm_device", "[[component]]\nname = \"a/b\"\nwasm = \"/dev/zero\"\n",
                "/dev/zero is a character device, not a regular file"},
        Mistake{"wasm_nul", "[[component]]\nname = \"a/b\"\nwasm = \"m.wasm\\u0000x\"\n",
                "cannot contain a NUL"},
        Mistake{"size_overflow", "[host]\nmax_payload = \"17179869185GiB\"\n",
                "app.toml:2:15: host.max_payload: expected a size"},
        Mistake{"size_overflow_bytes", "[host]\nmax_payload = \"18446744073709551616\"\n",
                "host.max_payload: expected a size"},
        Mistake{"host_max_payload_zero", "[host]\nmax_payload = 0\n",
                "app.toml:2:15: host.max_payload: must be greater than 0"},
        Mistake{"host_max_payload_zero_string", "[host]\nmax_payload = \"0\"\n",
                "app.toml:2:15: host.max_payload: must be greater than 0"},
        Mistake{"host_max_payload_zero_unit", "[host]\nmax_payload = \"0KiB\"\n",
                "host.max_payload: must be greater than 0"},
        Mistake{"host_max_payload_negative", "[host]\nmax_payload = -1\n",
                "host.max_payload: expected a size"},
        Mistake{"component_max_payload_zero", component_with("max_payload = \"0\"\n"),
                "app.toml:4:15: component 'a/b'.max_payload: must be greater than 0"},
        Mistake{"negative_message_rate", component_with("max_messages_per_second = -1\n"),
                "component 'a/b'.max_messages_per_second"},
        Mistake{"trusted_key_malformed", "[trust]\ntrusted_keys = [\"abcd\"]\n",
                "app.toml:2:17: trust.trusted_keys: "},
        Mistake{"trust_unknown_key", "[trust]\nrequire = true\n", "require"},
        Mistake{"mailbox_bytes_zero", component_with("mailbox_bytes = 0\n"),
                "app.toml:4:17: component 'a/b'.mailbox_bytes: must be greater than 0"},
        Mistake{"mailbox_bytes_wrong_type", component_with("mailbox_bytes = true\n"),
                "component 'a/b'.mailbox_bytes: expected a size"},
        Mistake{"max_queued_bytes_zero", "[host]\nmax_queued_bytes = \"0MiB\"\n",
                "app.toml:2:20: host.max_queued_bytes: must be greater than 0"},
        Mistake{"max_queued_bytes_overflow", "[host]\nmax_queued_bytes = \"99999999999999GiB\"\n",
                "host.max_queued_bytes: expected a size"},
        Mistake{"host_not_a_table", std::string("host = 5\n") + kComponent,
                "app.toml:1:8: [host] must be a table"},
        Mistake{"supervisor_not_a_table", std::string("supervisor = \"fast\"\n") + kComponent,
                "app.toml:1:14: [supervisor] must be a table"},
        Mistake{"group_name_empty", "[[group]]\nname = \"\"\n",
                "app.toml:2:8: invalid group name ''"},
        Mistake{"group_name_space", "[[group]]\nname = \"my group\"\n",
                "invalid group name 'my group': use 1-255 printable ASCII"},
        Mistake{"group_name_too_long", "[[group]]\nname = \"" + std::string(256, 'g') + "\"\n",
                "invalid group name"},
        Mistake{"glob_unterminated",
                component_with("[component.capabilities]\nsend = [\"shop/[a-\"]\n"),
                "app.toml:5:9: component 'a/b'.capabilities.send: expected component names or "
                "well-formed globs"},
        Mistake{"glob_empty_set",
                component_with("[component.capabilities]\nsend = [\"ok\", \"shop/[]\"]\n"),
                "app.toml:5:15: component 'a/b'.capabilities.send"},
        Mistake{"glob_unterminated_class",
                component_with("[component.capabilities]\nsend = [\"shop/[[:alpha:]\"]\n"),
                "capabilities.send: expected component names or well-formed globs"},
        Mistake{"glob_trailing_backslash",
                component_with("[component.capabilities]\nsend = [\"shop\\\\\"]\n"),
                "capabilities.send: expected component names or well-formed globs"},
        Mistake{"worker_without_host_workers", component_with("worker = 200\n"),
                "app.toml:4:10: component 'a/b'.worker: pinning to a worker needs [host] workers"},
        Mistake{"worker_not_below_host_workers",
                std::string("[host]\nworkers = 2\n") + component_with("worker = 2\n"),
                "app.toml:6:10: component 'a/b'.worker: 2 is not below [host] workers = 2"},
        Mistake{"memory_max_wrong_type", component_with("memory_max = [1]\n"),
                "app.toml:4:14: component 'a/b'.memory_max: expected a size"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ManifestTest, WasmThatIsAFifoIsRefusedWithoutOpeningIt) {
  fifo("pipe.wasm");
  EXPECT_HAS(error_of("[[component]]\nname = \"a/b\"\nwasm = \"pipe.wasm\"\n"),
             "app.toml:3:8: component 'a/b'.wasm: " + (dir / "pipe.wasm").string() +
                 " is a FIFO, not a regular file");
}

TEST_F(ManifestTest, ManifestThatIsADirectoryIsAnError) {
  auto m = cli::load_manifest(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::invalid_argument);
  EXPECT_HAS(m.error().message, "cannot read the manifest: " + dir.string() + " is a directory");
}

TEST_F(ManifestTest, ManifestThatIsAFifoIsAnErrorNotAHang) {
  auto m = cli::load_manifest(fifo("app.toml"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::invalid_argument);
  EXPECT_HAS(m.error().message, "is a FIFO, not a regular file");
}

TEST_F(ManifestTest, ManifestThatIsADeviceIsAnError) {
  auto m = cli::load_manifest("/dev/zero");
  ASSERT_FALSE(m.ok());
  EXPECT_HAS(m.error().message, "/dev/zero is a character device");
}

TEST_F(ManifestTest, ManifestLargerThanTheLimitIsAnError) {
  fs::path path = write("big.toml", kComponent);
  fs::resize_file(path, cli::kMaxManifestBytes + 1);  // sparse: cheap to make
  auto m = cli::load_manifest(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::limit_exceeded);
  EXPECT_HAS(m.error().message, path.string() + " is larger than the limit of 1048576 bytes");
}

TEST_F(ManifestTest, MissingManifestIsNotFound) {
  auto m = cli::load_manifest(dir / "nope.toml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::not_found);
  EXPECT_HAS(m.error().message, "nope.toml: no such manifest");
}

TEST_F(ManifestTest, ParseManifestReadsTextWithoutTheFile) {
  auto m = cli::parse_manifest(kComponent, dir / "virtual.toml");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->components[0].spec.wasm, dir / "m.wasm");
  auto bad = cli::parse_manifest("[host]\nworkers = [", dir / "virtual.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_HAS(bad.error().message, "virtual.toml:2:");
}

TEST(ParseSize, DetectsOverflow) {
  EXPECT_FALSE(cli::parse_size("17179869185GiB").ok());
  EXPECT_FALSE(cli::parse_size("18014398509481984KiB").ok());
  EXPECT_FALSE(cli::parse_size("99999999999999999999").ok());
  ASSERT_TRUE(cli::parse_size("17179869183GiB").ok());
  EXPECT_EQ(*cli::parse_size("17179869183GiB"), 17179869183ull << 30);
  EXPECT_EQ(*cli::parse_size("18446744073709551615"), ~0ull);
}

class ReadFileTest : public ManifestTest {};

TEST_F(ReadFileTest, ReadsARegularFile) {
  auto bytes = read_file(write("f", "hello"));
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "hello");
}

TEST_F(ReadFileTest, RefusesADirectoryWithoutThrowing) {
  auto bytes = read_file(dir);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, Errc::invalid_argument);
  EXPECT_HAS(bytes.error().message, dir.string() + " is a directory");
}

TEST_F(ReadFileTest, RefusesAFifoWithoutBlocking) {
  auto bytes = read_file(fifo("pipe"));
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, Errc::invalid_argument);
  EXPECT_HAS(bytes.error().message, "is a FIFO");
}

TEST_F(ReadFileTest, RefusesAnEndlessDevice) {
  auto bytes = read_file("/dev/zero");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, Errc::invalid_argument);
}

TEST_F(ReadFileTest, RefusesMoreThanTheLimit) {
  fs::path path = write("f", "12345");
  EXPECT_TRUE(read_file(path, 5).ok());
  auto bytes = read_file(path, 4);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, Errc::limit_exceeded);
  EXPECT_HAS(bytes.error().message, path.string());
}

TEST_F(ReadFileTest, DefaultLimitIsTheModuleLimit) {
  fs::path path = write("big.wasm", "");
  fs::resize_file(path, kMaxModuleFileBytes + 1);
  auto bytes = read_file(path);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, Errc::limit_exceeded);
}

TEST_F(ReadFileTest, MissingFileIsNotFound) {
  auto bytes = read_file(dir / "nope");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, Errc::not_found);
  EXPECT_HAS(bytes.error().message, (dir / "nope").string());
  EXPECT_EQ(read_file("").error().code, Errc::not_found);
}

}  // namespace
}  // namespace wasmhive
