// Component metadata (docs/abi.md §9): the parser on texts, and the section in
// real modules, from the C SDK's WH_METADATA to a load-time refusal.
#include "abi/metadata.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "abi/abi.h"
#include "abi/host_bindings.h"
#include "abi/loader.h"
#include "support/engine_fixture.h"
#include "support/guests.h"

namespace wasmhive::abi {
namespace {

using testing::guest_bytes;

TEST(Metadata, ParsesEveryKnownKey) {
  auto metadata = parse_metadata(
      "name=shop/cart\n"
      "version=1.2.0-rc.1+build.5\n"
      "description=Keeps the cart: add=1, remove=2 — déjà vu 🛒\n"
      "authors=Ada Lovelace <ada@example.org>,  Charles Babbage ,Grace\n"
      "license=Apache-2.0 OR MIT\n");
  ASSERT_TRUE(metadata.ok()) << metadata.error().describe();
  EXPECT_EQ(metadata->name, "shop/cart");
  EXPECT_EQ(metadata->version, "1.2.0-rc.1+build.5");
  // Only the first '=' separates: the value may hold more.
  EXPECT_EQ(metadata->description, "Keeps the cart: add=1, remove=2 — déjà vu 🛒");
  EXPECT_EQ(metadata->authors, (std::vector<std::string>{"Ada Lovelace <ada@example.org>",
                                                         "Charles Babbage", "Grace"}));
  EXPECT_EQ(metadata->license, "Apache-2.0 OR MIT");
}

TEST(Metadata, LinesMayEndInCrLfOrNothingAndBlankLinesAreSkipped) {
  Metadata expected;
  expected.name = "a/b";
  expected.version = "1";
  for (const char* text :
       {"name=a/b\nversion=1", "name=a/b\nversion=1\n", "name=a/b\r\nversion=1\r\n",
        "\n\nname=a/b\n\r\n\nversion=1\n\n", "name=a/b\nversion=1\r"}) {
    auto metadata = parse_metadata(text);
    ASSERT_TRUE(metadata.ok()) << text << ": " << metadata.error().describe();
    EXPECT_EQ(*metadata, expected) << text;
  }
}

TEST(Metadata, AnEmptyTextOrOneOfUnknownKeysIsEmptyMetadata) {
  for (const char* text :
       {"", "\n", "homepage=https://example.org/x?a=b\nrepository=git\n", "x-future_key2=\n"}) {
    auto metadata = parse_metadata(text);
    ASSERT_TRUE(metadata.ok()) << text << ": " << metadata.error().describe();
    EXPECT_EQ(*metadata, Metadata{}) << text;
  }
}

TEST(Metadata, ValuesUpToTheirLimitsAreAccepted) {
  std::string text = "name=" + std::string(kMaxMetadataValueBytes, 'n') +
                     "\ndescription=" + std::string(kMaxDescriptionBytes, 'd') +
                     "\nauthors=" + std::string(kMaxMetadataValueBytes, 'a') + "\n" +
                     std::string(kMaxMetadataKeyBytes, 'k') + "=unknown\n";
  auto metadata = parse_metadata(text);
  ASSERT_TRUE(metadata.ok()) << metadata.error().describe();
  EXPECT_EQ(metadata->name.size(), kMaxMetadataValueBytes);
  EXPECT_EQ(metadata->description.size(), kMaxDescriptionBytes);

  // A whole text of exactly kMaxMetadataBytes, mostly an unknown key's value.
  std::string big = "name=x\nfiller=";
  big += std::string(kMaxMetadataBytes - big.size(), 'f');
  ASSERT_EQ(big.size(), kMaxMetadataBytes);
  EXPECT_TRUE(parse_metadata(big).ok());
}

struct Malformed {
  const char* name;
  std::string text;
  std::string message;
};

void PrintTo(const Malformed& m, std::ostream* os) {
  *os << m.name;
}

class MalformedMetadata : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedMetadata, IsRefusedNamingTheLine) {
  auto metadata = parse_metadata(GetParam().text);
  ASSERT_FALSE(metadata.ok()) << GetParam().name;
  EXPECT_EQ(metadata.error().code, Errc::invalid_module);
  EXPECT_EQ(metadata.error().message, GetParam().message);
}

const std::string kBadKey = "a key is 1 to 64 bytes of a-z, 0-9, '_' and '-'";

INSTANTIATE_TEST_SUITE_P(
    Parse, MalformedMetadata,
    ::testing::Values(
        Malformed{"no_equals", "name=a\njust words\n", "line 2: expected key=value"},
        Malformed{"empty_key", "=value", "line 1: " + kBadKey},
        Malformed{"uppercase_key", "Name=a", "line 1: " + kBadKey},
        Malformed{"space_in_key", "name =a", "line 1: " + kBadKey},
        Malformed{"leading_space", " name=a", "line 1: " + kBadKey},
        Malformed{"long_key", std::string(65, 'k') + "=v", "line 1: " + kBadKey},
        Malformed{"non_ascii_key", "nämé=a", "line 1: " + kBadKey},
        Malformed{"twice", "name=a\nversion=1\n\nversion=2\n",
                  "line 4: 'version' appears twice (first on line 2)"},
        Malformed{"unknown_twice", "x=1\nx=1\n", "line 2: 'x' appears twice (first on line 1)"},
        Malformed{"tab", "description=a\tb",
                  "line 1: the value of 'description' contains a "
                  "control character"},
        Malformed{"nul", std::string("name=a\0b", 8),
                  "line 1: the value of 'name' contains a control character"},
        Malformed{"escape", "name=\x1b[31mred",
                  "line 1: the value of 'name' contains a control "
                  "character"},
        Malformed{"del", "name=a\x7f", "line 1: the value of 'name' contains a control character"},
        Malformed{"c1_csi",
                  "name=a\xc2\x9b"
                  "31m",
                  "line 1: the value of 'name' contains a control character"},
        Malformed{"lone_cr", "name=a\rb\n",
                  "line 1: the value of 'name' contains a control "
                  "character"},
        Malformed{"unknown_key_control", "name=a\nfuture=\x07\n",
                  "line 2: the value of 'future' contains a control character"},
        Malformed{"invalid_utf8", "name=a\nlicense=\xff\n", "line 2: not valid UTF-8"},
        Malformed{"overlong_utf8", "name=\xc0\xaf", "line 1: not valid UTF-8"},
        Malformed{"surrogate", "name=\xed\xa0\x80", "line 1: not valid UTF-8"},
        Malformed{"cut_utf8", "name=\xc3\nversion=1", "line 1: not valid UTF-8"},
        Malformed{"empty_name", "name=\n", "line 1: the value of 'name' is empty"},
        Malformed{"empty_license", "name=a\r\nlicense=\r\n",
                  "line 2: the value of 'license' is empty"},
        Malformed{"long_name", "name=" + std::string(257, 'n'),
                  "line 1: the value of 'name' is 257 bytes; at most 256"},
        Malformed{"long_version", "version=" + std::string(300, '1'),
                  "line 1: the value of 'version' is 300 bytes; at most 256"},
        Malformed{"long_description", "name=a\ndescription=" + std::string(1025, 'd'),
                  "line 2: the value of 'description' is 1025 bytes; at most 1024"},
        Malformed{"empty_author", "authors=Ada,,Bob", "line 1: 'authors' has an empty entry"},
        Malformed{"trailing_comma", "authors=Ada,", "line 1: 'authors' has an empty entry"},
        Malformed{"blank_author", "authors= , Ada", "line 1: 'authors' has an empty entry"},
        Malformed{"too_big", "name=a\nx=" + std::string(kMaxMetadataBytes, 'x'),
                  "4105 bytes; metadata is at most 4096 bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Metadata, AModuleWithoutTheSectionHasNone) {
  auto none = read_metadata(engine::ModuleInfo{});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // echo, built without WH_METADATA, has custom sections, but not this one.
  auto echo = engine::read_module_info(guest_bytes("echo"));
  ASSERT_TRUE(echo.ok());
  auto metadata = read_metadata(*echo);
  ASSERT_TRUE(metadata.ok());
  EXPECT_FALSE(metadata->has_value());
}

TEST(Metadata, ReadMetadataNamesTheSectionAndItsOffset) {
  engine::ModuleInfo info;
  std::string text = "name=a\nname=b\n";
  info.custom_sections.push_back({"wasmhive_metadata", 123, {text.begin(), text.end()}});
  auto metadata = read_metadata(info);
  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.error().code, Errc::invalid_module);
  EXPECT_EQ(metadata.error().message,
            "custom section 'wasmhive_metadata' at byte 123: line 2: 'name' appears twice (first "
            "on line 1)");
}

TEST(Metadata, ReadsWhatTheCSdkEmbedded) {
  auto info = engine::read_module_info(guest_bytes("described"));
  ASSERT_TRUE(info.ok()) << info.error().describe();
  auto metadata = read_metadata(*info);
  ASSERT_TRUE(metadata.ok()) << metadata.error().describe();
  ASSERT_TRUE(metadata->has_value());
  const Metadata& m = **metadata;
  EXPECT_EQ(m.name, "test/described");
  EXPECT_EQ(m.version, "1.2.0");  // from a macro inside WH_METADATA's text
  EXPECT_EQ(m.description, "Echoes \"every\" message back \\o/ — déjà vu");
  EXPECT_EQ(m.authors, (std::vector<std::string>{"Ada Lovelace", "Charles Babbage"}));
  EXPECT_EQ(m.license, "Apache-2.0");
}

// `wasm` with a custom section appended (custom sections may come anywhere).
std::vector<std::uint8_t> with_custom_section(std::vector<std::uint8_t> wasm, std::string_view name,
                                              std::string_view contents) {
  auto put_u32 = [](std::vector<std::uint8_t>& out, std::uint32_t value) {
    do {
      std::uint8_t b = value & 0x7f;
      value >>= 7;
      out.push_back(value ? (b | 0x80) : b);
    } while (value);
  };
  std::vector<std::uint8_t> payload;
  put_u32(payload, static_cast<std::uint32_t>(name.size()));
  payload.insert(payload.end(), name.begin(), name.end());
  payload.insert(payload.end(), contents.begin(), contents.end());
  wasm.push_back(0);
  put_u32(wasm, static_cast<std::uint32_t>(payload.size()));
  wasm.insert(wasm.end(), payload.begin(), payload.end());
  return wasm;
}

using MetadataLoad = testing::EngineTest;

TEST_F(MetadataLoad, AComponentWithMetadataLoadsAndRunsLikeAnyOther) {
  auto module = load_module(*engine, guest_bytes("described"));
  ASSERT_TRUE(module.ok()) << module.error().describe();
  testing::RecordingApi api;
  auto instance = engine->instantiate(*module, host_functions(), api);
  ASSERT_TRUE(instance.ok()) << instance.error().describe();
  api.set_message(kKindRequest, "test/asker", "ping");
  std::int64_t args[] = {10, 4};
  auto result = (*instance)->call("handle_message", args);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(*result, 0);
  ASSERT_TRUE(testing::send_queued(**instance, api).ok());
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].function, "reply");
  EXPECT_EQ(api.calls[0].payload, "ping");
  // The compiled module carries the same metadata.
  auto metadata = read_metadata((*module)->info());
  ASSERT_TRUE(metadata.ok() && metadata->has_value());
  EXPECT_EQ((*metadata)->name, "test/described");
}

TEST_F(MetadataLoad, TheSectionChangesNothingElseAboutAModule) {
  std::vector<std::uint8_t> plain = guest_bytes("echo");
  auto described = with_custom_section(plain, "wasmhive_metadata", "name=x/y\nversion=2\n");
  auto a = engine::read_module_info(plain);
  auto b = engine::read_module_info(described);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->exports.size(), b->exports.size());
  for (std::size_t i = 0; i < a->exports.size(); ++i) {
    EXPECT_EQ(a->exports[i].name, b->exports[i].name);
    EXPECT_EQ(a->exports[i].type, b->exports[i].type);
  }
  EXPECT_EQ(a->imports.size(), b->imports.size());
  EXPECT_TRUE(validate(*a).ok());
  EXPECT_TRUE(validate(*b).ok());
  auto module = load_module(*engine, described);
  ASSERT_TRUE(module.ok()) << module.error().describe();
  EXPECT_TRUE(check_instantiation(*engine, *module).ok());
}

TEST_F(MetadataLoad, MalformedMetadataIsRefusedAtLoadNamingTheLine) {
  auto module = load_module(*engine, guest_bytes("invalid_bad_metadata"));
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().code, Errc::invalid_module);
  const std::string& message = module.error().message;
  EXPECT_EQ(message.rfind("custom section 'wasmhive_metadata' at byte ", 0), 0u) << message;
  EXPECT_NE(message.find(": line 3: 'version' appears twice (first on line 2)"), std::string::npos)
      << message;

  auto file = load_module_file(*engine, testing::guest_path("invalid_bad_metadata"));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().message.rfind("invalid_bad_metadata.wasm: custom section", 0), 0u)
      << file.error().message;

  // An ABI error comes first: it says more about what the module is.
  auto bad_both = with_custom_section(guest_bytes("invalid_abi_v2"), "wasmhive_metadata", "?");
  auto refused = load_module(*engine, bad_both);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::abi_mismatch);

  auto too_big = with_custom_section(guest_bytes("echo"), "wasmhive_metadata",
                                     "name=a\nx=" + std::string(5000, 'x') + "\n");
  auto big = load_module(*engine, too_big);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("5010 bytes; metadata is at most 4096 bytes"),
            std::string::npos)
      << big.error().message;
}

}  // namespace
}  // namespace wasmhive::abi
