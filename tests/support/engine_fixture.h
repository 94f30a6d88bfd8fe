// A test fixture owning a fresh V8 engine, created on the test's thread.
#pragma once

#include <gtest/gtest.h>

#include "engine/engine.h"

namespace wasmhive::testing {

template <class Base = ::testing::Test>
class WithEngine : public Base {
 protected:
  void SetUp() override {
    auto created = engine::create_engine();
    ASSERT_TRUE(created.ok()) << created.error().describe();
    engine = std::move(*created);
  }

  std::unique_ptr<engine::Engine> engine;
};

using EngineTest = WithEngine<>;

}  // namespace wasmhive::testing
