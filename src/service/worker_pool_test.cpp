// The worker pool against a real SQLite store, with agents the test controls: a cancel reaches a
// running turn, and a turn that hangs loses its lease to a second attempt whose result stands.

#include "service/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "common/hash.hpp"
#include "service/generate_service.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::service {
namespace {

using namespace std::chrono_literals;

template <typename T>
T Must(Result<T> result) {
    if (!result) throw std::runtime_error(result.error().message + " | " + result.error().detail);
    return std::move(*result);
}

// A flag one thread raises and others wait for, at most `limit` (a safety net, not a measure).
class Latch {
public:
    void Open() {
        {
            std::lock_guard lock(mu_);
            open_ = true;
        }
        cv_.notify_all();
    }
    bool Wait(std::chrono::seconds limit = 30s) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, limit, [this] { return open_; });
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool open_ = false;
};

// An agent whose turn is the test's function.
class ScriptedAgent final : public agent::Agent {
public:
    explicit ScriptedAgent(std::function<Result<agent::TurnOutput>(const agent::TurnInput&)> turn)
        : turn_(std::move(turn)) {}
    Result<agent::TurnOutput> RunTurn(const agent::TurnInput& input) override {
        return turn_(input);
    }

private:
    std::function<Result<agent::TurnOutput>(const agent::TurnInput&)> turn_;
};

agent::TurnOutput Document(std::string bytes) {
    agent::TurnOutput output;
    output.document = std::move(bytes);
    output.summary = "done";
    output.memory_json = "{}";
    output.messages_json = "[]";
    return output;
}

// Waits until the task reaches `status`, at most 30 s.
store::Task WaitForStatus(store::MetadataStore& metadata, const store::Task& task,
                          std::string_view status) {
    for (int i = 0; i < 3000; ++i) {
        store::Task current = Must(metadata.GetTask(task.org_id, task.id));
        if (current.status == status) return current;
        std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("the task never became " + std::string(status));
}

class WorkerPoolTest : public ::testing::Test {
protected:
    void SetUp() override {
        metadata_ = Must(store::OpenSqliteStore(dir_.path() / "quire.db"));
        blobs_ = Must(store::OpenFileBlobStore(dir_.path() / "blobs"));
        org_ = Must(metadata_->EnsureOrg("acme"));
        run_ = Must(metadata_->CreateRun(org_.id, "excel", "book.xlsx"));
    }

    store::Task Queue(int timeout_ms) {
        store::Task task;
        task.run_id = run_.id;
        task.org_id = org_.id;
        task.request_json = EncodeTaskPlan({.prompt = "go", .timeout_ms = timeout_ms});
        return Must(metadata_->CreateTask(task));
    }

    store::TempDir dir_;
    std::unique_ptr<store::MetadataStore> metadata_;
    std::unique_ptr<store::BlobStore> blobs_;
    store::Org org_;
    store::Run run_;
    TaskSignal signal_;
};

// After most completed tasks the log said "task stopping … another attempt owns the task": the
// lease keeper, woken by the task's own commit, took the finished task for someone else's.
TEST_F(WorkerPoolTest, ACompletedTaskWasLoggedAsOwnedByAnotherAttempt) {
    std::ostringstream lines;
    auto previous = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("worker_pool_test", sink));
    auto make_agent = [&] {
        return std::make_unique<ScriptedAgent>(
            [](const agent::TurnInput&) { return Result<agent::TurnOutput>(Document("bytes")); });
    };
    WorkerPool pool(*metadata_, *blobs_, signal_, make_agent, 1);
    ASSERT_TRUE(pool.Start());
    for (int i = 0; i < 20; ++i) {
        store::Task task = Queue(60'000);
        signal_.Notify();
        WaitForStatus(*metadata_, task, "completed");
    }
    ASSERT_TRUE(pool.Stop(30'000));
    spdlog::set_default_logger(previous);

    EXPECT_EQ(lines.str().find("another attempt"), std::string::npos) << lines.str();
    EXPECT_EQ(lines.str().find("task stopping"), std::string::npos) << lines.str();
}

TEST_F(WorkerPoolTest, CancelStopsARunningTurnWhichCommitsNothing) {
    Latch started;
    std::atomic<bool> saw_stop{false};
    auto make_agent = [&] {
        return std::make_unique<ScriptedAgent>([&](const agent::TurnInput& input) {
            started.Open();
            for (int i = 0; i < 3000 && !input.stop_requested(); ++i) {
                std::this_thread::sleep_for(10ms);
            }
            saw_stop = input.stop_requested();
            return Result<agent::TurnOutput>(Document("late bytes"));
        });
    };
    WorkerPool pool(*metadata_, *blobs_, signal_, make_agent, 1);
    GenerateService generate(*metadata_, *blobs_, signal_, 1s);
    ASSERT_TRUE(pool.Start());
    store::Task task = Queue(60'000);
    ASSERT_TRUE(started.Wait());

    store::Task cancelled = Must(generate.Cancel(org_.id, task.id));
    ASSERT_TRUE(pool.Stop(30'000));

    EXPECT_EQ(cancelled.status, "cancelled");
    EXPECT_TRUE(saw_stop.load());
    EXPECT_EQ(Must(metadata_->GetTask(org_.id, task.id)).status, "cancelled");
    EXPECT_EQ(Must(metadata_->GetRun(org_.id, run_.id)).version, 0);
}

// A turn that hangs past its deadline stops renewing its lease; the keeper queues the task again
// and a second worker completes it. When the hung turn finally returns, it commits nothing.
TEST_F(WorkerPoolTest, HungTurnLosesItsLeaseAndTheNextAttemptsResultStands) {
    Latch second_done;
    Latch release_first;
    std::atomic<int> turns{0};
    auto make_agent = [&] {
        return std::make_unique<ScriptedAgent>([&](const agent::TurnInput&) {
            if (turns.fetch_add(1) == 0) {
                release_first.Wait();  // hung: ignores stop_requested and its deadline
                return Result<agent::TurnOutput>(Document("first attempt bytes"));
            }
            second_done.Open();
            return Result<agent::TurnOutput>(Document("second attempt bytes"));
        });
    };
    TaskLifecycle lifecycle;
    lifecycle.lease_ms = 300;
    WorkerPool pool(*metadata_, *blobs_, signal_, make_agent, 2, lifecycle);
    ASSERT_TRUE(pool.Start());
    store::Task task = Queue(100);

    ASSERT_TRUE(second_done.Wait());
    store::Task completed = WaitForStatus(*metadata_, task, "completed");
    release_first.Open();
    ASSERT_TRUE(pool.Stop(30'000));

    EXPECT_EQ(completed.attempt, 2);
    EXPECT_EQ(turns.load(), 2);
    store::Run run = Must(metadata_->GetRun(org_.id, run_.id));
    EXPECT_EQ(run.version, 1);
    EXPECT_EQ(run.blob, Sha256Hex("second attempt bytes"));
    EXPECT_EQ(Must(metadata_->GetTask(org_.id, task.id)).status, "completed");
}

// A shutdown that began while a worker was claiming a task used to miss the claim: the worker
// counted itself busy only after the claim returned, so Stop() saw no busy worker, gave up on the
// grace period and left the task running for the next start to requeue. Stop is raced here
// against claims at many offsets; every task it lets a worker take must finish before it returns.
TEST_F(WorkerPoolTest, StopWaitsForATaskClaimedAsTheShutdownBegins) {
    auto make_agent = [] {
        return std::make_unique<ScriptedAgent>([](const agent::TurnInput&) {
            std::this_thread::sleep_for(5ms);
            return Result<agent::TurnOutput>(Document("bytes"));
        });
    };
    for (int round = 0; round < 40; ++round) {
        store::Run run = Must(metadata_->CreateRun(org_.id, "excel", "book.xlsx"));
        store::Task task;
        task.run_id = run.id;
        task.org_id = org_.id;
        task.request_json = EncodeTaskPlan({.prompt = "go", .timeout_ms = 60'000});
        WorkerPool pool(*metadata_, *blobs_, signal_, make_agent, 1);
        ASSERT_TRUE(pool.Start());
        task = Must(metadata_->CreateTask(task));
        signal_.Notify();
        std::this_thread::sleep_for(std::chrono::microseconds(50 * (round % 20)));
        ASSERT_TRUE(pool.Stop(30'000)) << "round " << round;
        std::string status = Must(metadata_->GetTask(org_.id, task.id)).status;
        EXPECT_NE(status, "running") << "round " << round;
    }
}

}  // namespace
}  // namespace quire::service
