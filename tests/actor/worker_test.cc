// Worker on its own: tasks before turns, in order; one message per step for a
// stepped worker, round robin between ready components; call() returns the
// task's result on either kind of worker.
#include "actor/worker.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "actor/component.h"

namespace wasmhive::actor {
namespace {

// Queues ready components on the worker, as the host does.
class QueueOnWorker final : public Lifecycle {
 public:
  Worker* worker = nullptr;
  void failed(Component&, const Error&) override {}
  void schedule(Component& component) override { worker->enqueue(component); }
  void emit(Event) override {}
};

// A port that only keeps the current message, enough for a native handler.
class BarePort final : public Port {
 public:
  void begin(const Message& message) override {
    current_ = {message.kind, message.sender, message.topic,
                abi::Bytes(message.payload.data(), message.payload.size())};
    has_ = true;
  }
  void begin_call() override {}
  void end(abi::CallbackStatus, bool) override { has_ = false; }
  Result<void> flush() override { return {}; }
  void dead_letter(const Message&, std::string) override {}
  void refuse(const Message&, std::string, abi::CallbackStatus) override {}
  void failed(const Message&, std::string) override {}
  void instance_gone() override {}
  void retire() override {}
  std::size_t pending_timers() const override { return 0; }
  std::int64_t outstanding_requests() const override { return 0; }
  const abi::CurrentMessage* current_message() const override { return has_ ? &current_ : nullptr; }
  std::string_view self_id() const override { return {}; }
  std::int32_t send(std::string_view, abi::Bytes) override { return 0; }
  std::int64_t request(std::string_view, abi::Bytes, std::int64_t) override { return 0; }
  std::int32_t reply(abi::Bytes) override { return 0; }
  std::int32_t cancel(std::int64_t) override { return 0; }
  std::int32_t broadcast(std::string_view, abi::Bytes) override { return 0; }
  std::int32_t publish(std::string_view, abi::Bytes) override { return 0; }
  std::int32_t subscribe(std::string_view) override { return 0; }
  std::int32_t unsubscribe(std::string_view) override { return 0; }
  std::int32_t log(abi::LogLevel, std::string_view) override { return 0; }
  std::int64_t now_ms() override { return 0; }
  std::int64_t monotonic_ns() override { return 0; }
  void undeliverable(abi::OutboxOp, std::string_view, std::size_t, std::int32_t) override {}

 private:
  abi::CurrentMessage current_;
  bool has_ = false;
};

class WorkerTest : public ::testing::Test {
 protected:
  std::shared_ptr<Component> native(const std::string& name) {
    NativeHandler handler = [this, name](abi::ComponentApi&, const abi::CurrentMessage& m) {
      std::string text(m.payload.begin(), m.payload.end());
      handled.push_back(name + ":" + text);
      if (text == "signal") signalled.set_value();
      return 0;
    };
    auto component = std::make_shared<Component>(ComponentSpec{.name = name},
                                                 std::make_unique<NativeBehaviour>(handler), 0,
                                                 lifecycle, std::make_shared<ByteBudget>(SIZE_MAX));
    component->connect(std::make_unique<BarePort>());
    return component;
  }
  static Message text(std::string payload) {
    return {abi::kKindSend, "test", {}, {payload.begin(), payload.end()}, 0};
  }

  QueueOnWorker lifecycle;
  std::vector<std::string> handled;  // written by the worker
  std::promise<void> signalled;      // set when a handler sees "signal"
};

TEST_F(WorkerTest, ASteppedWorkerRunsNothingUntilStepped) {
  auto worker = Worker::stepped(0, nullptr, 32);
  ASSERT_TRUE(worker.ok()) << worker.error().describe();
  std::vector<int> ran;
  (*worker)->post([&](engine::Engine&) { ran.push_back(1); });
  (*worker)->post([&](engine::Engine&) { ran.push_back(2); });
  EXPECT_TRUE(ran.empty());
  EXPECT_TRUE((*worker)->step());
  EXPECT_EQ(ran, std::vector<int>{1});
  EXPECT_TRUE((*worker)->step());
  EXPECT_FALSE((*worker)->step());
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  // call() on a stepped worker runs at once, on this thread.
  EXPECT_EQ((*worker)->call([](engine::Engine&) { return 42; }), 42);
}

TEST_F(WorkerTest, ReadyComponentsTakeTurnsOneMessagePerStep) {
  auto worker = Worker::stepped(0, nullptr, 32);
  ASSERT_TRUE(worker.ok());
  lifecycle.worker = worker->get();
  auto a = native("a"), b = native("b");
  (*worker)->call([&](engine::Engine& engine) { return a->start(engine).ok(); });
  (*worker)->call([&](engine::Engine& engine) { return b->start(engine).ok(); });
  for (const char* m : {"1", "2", "3"}) ASSERT_EQ(a->offer(text(m)), Mailbox::Push::accepted);
  ASSERT_EQ(b->offer(text("x")), Mailbox::Push::accepted);
  while ((*worker)->step()) {
  }
  EXPECT_EQ(handled, (std::vector<std::string>{"a:1", "b:x", "a:2", "a:3"}));
  EXPECT_FALSE(a->status().busy);  // the turn ended and found nothing more
  worker->reset();                 // its queue does not own components: it goes first
}

TEST_F(WorkerTest, TasksRunBeforeTurnsAndInOrderOnAThreadedWorker) {
  auto worker = Worker::start(0, nullptr, 32);
  ASSERT_TRUE(worker.ok()) << worker.error().describe();
  lifecycle.worker = worker->get();
  auto a = native("a");
  ASSERT_TRUE((*worker)->call([&](engine::Engine& engine) { return a->start(engine).ok(); }));
  std::vector<std::size_t> order;
  std::promise<void> release;
  auto gate = release.get_future().share();
  // Block the worker, queue a message and two tasks behind it, then release.
  (*worker)->post([gate](engine::Engine&) { gate.wait(); });
  ASSERT_EQ(a->offer(text("m")), Mailbox::Push::accepted);
  (*worker)->post([&](engine::Engine&) { order.push_back(handled.size()); });
  (*worker)->post([&](engine::Engine&) { order.push_back(handled.size()); });
  release.set_value();
  ASSERT_EQ(a->offer(text("signal")), Mailbox::Push::accepted);
  ASSERT_EQ(signalled.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 0}));  // both tasks ran before the message
  EXPECT_EQ(handled, (std::vector<std::string>{"a:m", "a:signal"}));
  worker->reset();  // its queue does not own components: it goes first
}

}  // namespace
}  // namespace wasmhive::actor
