// One component's view of its storage: its own writes of the call and of the
// turn over what is committed, quotas, and what a failed call leaves (nothing).
#include "storage/component_storage.h"

#include <gtest/gtest.h>

namespace wasmhive::storage {
namespace {

class ComponentStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open({});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store = std::move(*opened);
    view = std::make_unique<ComponentStorage>(*store, "app/c", StorageLimits{100, 5});
  }
  std::vector<std::string> keys(std::string_view prefix, std::string_view after = "",
                                std::size_t limit = 100) {
    std::vector<std::string> out;
    EXPECT_EQ(view->keys(prefix, after, limit, out), Outcome::ok);
    return out;
  }
  void commit() { ASSERT_TRUE(store->commit(view->take_turn()).ok()); }
  std::optional<std::string> get(std::string_view key) {
    std::optional<std::string> value;
    view->get(key, value);
    return value;
  }
  std::unique_ptr<Store> store;
  std::unique_ptr<ComponentStorage> view;
};

TEST_F(ComponentStorageTest, ListingMergesCommittedTurnAndCallWrites) {
  ASSERT_EQ(view->set("p/b", "1"), Outcome::ok);
  ASSERT_EQ(view->set("p/d", "1"), Outcome::ok);
  view->end_call(true);
  commit();
  ASSERT_EQ(view->set("p/a", "1"), Outcome::ok);  // the turn's
  view->end_call(true);
  ASSERT_EQ(view->erase("p/b"), Outcome::ok);  // the call's, over a committed key
  ASSERT_EQ(view->set("p/c", "1"), Outcome::ok);
  EXPECT_EQ(keys("p/"), (std::vector<std::string>{"p/a", "p/c", "p/d"}));
  EXPECT_EQ(keys("p/", "p/a", 1), (std::vector<std::string>{"p/c"}));  // paged
  EXPECT_EQ(keys("p/", "", 2), (std::vector<std::string>{"p/a", "p/c"}));
  EXPECT_EQ(keys("p/a"), (std::vector<std::string>{"p/a"}));  // the prefix itself
  view->end_call(false);  // the call fails: its delete and set vanish
  EXPECT_EQ(keys("p/"), (std::vector<std::string>{"p/a", "p/b", "p/d"}));
}

TEST_F(ComponentStorageTest, ReadsSeeOwnWritesAndAFailedCallLeavesNothing) {
  ASSERT_EQ(view->set("k", "committed"), Outcome::ok);
  view->end_call(true);
  commit();
  ASSERT_EQ(view->set("k", "call"), Outcome::ok);
  EXPECT_EQ(get("k"), "call");
  view->end_call(false);
  EXPECT_EQ(get("k"), "committed");
  EXPECT_FALSE(view->dirty());
  ASSERT_EQ(view->erase("k"), Outcome::ok);
  EXPECT_EQ(get("k"), std::nullopt);
  EXPECT_EQ(view->erase("k"), Outcome::not_found);
}

TEST_F(ComponentStorageTest, QuotasCountTheOverlayAndAShrinkingWriteAlwaysFits) {
  Usage usage;
  ASSERT_EQ(view->set("a", std::string(50, 'x')), Outcome::ok);  // 51 bytes
  view->end_call(true);
  ASSERT_EQ(view->set("b", std::string(48, 'x')), Outcome::ok);  // 100 in all
  EXPECT_EQ(view->set("c", ""), Outcome::quota);                 // 101
  ASSERT_EQ(view->usage(usage), Outcome::ok);
  EXPECT_EQ(usage.bytes, 100u);
  EXPECT_EQ(usage.keys, 2u);
  view->end_call(false);
  ASSERT_EQ(view->usage(usage), Outcome::ok);
  EXPECT_EQ(usage.bytes, 51u);
  commit();
  ASSERT_EQ(view->usage(usage), Outcome::ok);
  EXPECT_EQ(usage.bytes, 51u);
  // A view with a lower quota than what is stored can still shrink it.
  ComponentStorage tight(*store, "app/c", StorageLimits{10, 5});
  EXPECT_EQ(tight.set("a", std::string(60, 'x')), Outcome::quota);
  EXPECT_EQ(tight.set("a", "x"), Outcome::ok);
}

TEST_F(ComponentStorageTest, KeysAreCheckedBeforeAnythingIsRead) {
  std::optional<std::string> value;
  EXPECT_EQ(view->set("", "v"), Outcome::invalid);
  EXPECT_EQ(view->set(std::string(kMaxKeyBytes + 1, 'k'), "v"), Outcome::too_big);
  EXPECT_EQ(view->set("k", std::string(kMaxValueBytes + 1, 'v')), Outcome::too_big);
  EXPECT_EQ(view->get(std::string(kMaxKeyBytes + 1, 'k'), value), Outcome::too_big);
  EXPECT_FALSE(view->dirty());
}

}  // namespace
}  // namespace wasmhive::storage
