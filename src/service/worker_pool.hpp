#pragma once

// Worker threads that claim queued tasks from the store, run the agent on them, and commit each
// turn in one transaction (DESIGN.md §2, steps 3–5).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.hpp"
#include "service/task_signal.hpp"
#include "store/store.hpp"

namespace quire::service {

// Makes the agent for one task; called on the worker's thread.
using AgentFactory = std::function<std::unique_ptr<agent::Agent>()>;

// How long claims, queued tasks and task history last.
struct TaskLifecycle {
    std::int64_t lease_ms = store::kDefaultLeaseMs;    // renewed every third of it while working
    int max_attempts = 3;                              // claims before a lapsed task fails
    std::int64_t queue_ttl_ms = 24LL * 3600 * 1000;    // queued longer: expired
    std::int64_t history_ttl_ms = 24LL * 3600 * 1000;  // event logs after the task ends
};

class WorkerPool {
public:
    // Borrows the stores and signal; they must outlive the pool.
    WorkerPool(store::MetadataStore& metadata, store::BlobStore& blobs, TaskSignal& signal,
               AgentFactory make_agent, int workers, TaskLifecycle lifecycle = {});
    ~WorkerPool();

    // Puts tasks a killed process left running back in the queue (or fails those out of
    // attempts), then starts the workers and the keeper, which requeues lapsed leases, expires
    // old queued tasks and prunes old history.
    [[nodiscard]] Status Start();

    // Stops claiming; waits up to `grace_ms` for running tasks to finish. A task still running
    // after that stays `running` in the store and is requeued on the next start; then Stop
    // returns false and the caller must end the process without destroying the pool.
    bool Stop(int grace_ms);

    // Runs one claimed task to its end (commit, failure, or stop when it was cancelled or its
    // claim was lost), renewing its lease meanwhile. Exposed for tests.
    void Execute(const store::Task& task);

private:
    void Loop();
    void Keep();
    void KeepOnce(bool prune);
    [[nodiscard]] Result<agent::TurnInput> PrepareTurn(const store::Task& task,
                                                       const store::Run& run);
    void Finish(const store::Task& task, const Result<agent::TurnOutput>& output,
                std::int64_t started_ms, bool ask, const agent::TurnStats& spent);
    void FailTask(const store::Task& task, std::string_view code, std::string_view message,
                  std::string_view usage_json = "{}");

    // Set once at construction.
    store::MetadataStore& metadata_;
    store::BlobStore& blobs_;
    TaskSignal& signal_;
    AgentFactory make_agent_;
    int worker_count_;
    TaskLifecycle lifecycle_;

    std::atomic<bool> stopping_{false};
    std::atomic<int> busy_{0};
    std::vector<std::thread> threads_;  // touched only by Start and Stop
    std::thread keeper_;                // likewise
};

}  // namespace quire::service
