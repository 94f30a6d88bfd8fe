// The process-wide V8 platform, kept apart from the engine because its
// lifetime is the process's, not any engine's. Included by v8_engine.cc only.
#pragma once

#include <libplatform/libplatform.h>
#include <v8.h>

#include <atomic>
#include <memory>

namespace wasmhive::engine {

// V8 can be initialised once per process and never again after disposal, so the
// platform is the one process-wide object here. Function-local static: built on
// first use, torn down at exit after every Engine and Module (which are created
// after it) is gone.
//
// Disposing V8 while an isolate lives hangs in V8's wasm teardown, so an engine
// leaked until exit (a static, a detached thread) makes the platform skip
// disposal: a leak at exit beats a hang.
class V8Platform {
 public:
  static V8Platform& get() {
    static V8Platform platform;
    return platform;
  }
  void engine_created() { ++live_engines_; }
  void engine_destroyed() { --live_engines_; }

 private:
  V8Platform() : platform_(v8::platform::NewDefaultPlatform()) {
    v8::V8::InitializePlatform(platform_.get());
    v8::V8::Initialize();
  }
  ~V8Platform() {
    if (live_engines_ > 0) {
      (void)platform_.release();
      return;
    }
    v8::V8::Dispose();
    v8::V8::DisposePlatform();
  }
  std::unique_ptr<v8::Platform> platform_;
  std::atomic<int> live_engines_{0};
};

}  // namespace wasmhive::engine
