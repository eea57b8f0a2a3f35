#pragma once

// The generation use case: validate a request against the store, create or resume the run, queue
// the task, and (for sync calls) wait for it up to the sync ceiling.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "service/formats.hpp"
#include "service/task_signal.hpp"
#include "store/store.hpp"

namespace quire::service {

struct DataSourceRef {
    std::string file_id;
    std::string kind;  // "csv"
};

// A generation call after the HTTP layer checked its shape (types, lengths, ranges).
struct GenerateRequest {
    std::string org_id;
    DocumentFormat format = DocumentFormat::kExcel;
    std::string prompt;
    std::string run_id;     // "" to create a run
    std::string init_file;  // "" when absent
    std::vector<DataSourceRef> data_sources;
    std::string file_name;  // "" when absent
    std::string idempotency_key;
    // SHA-256 of the call's body without its idempotency key: what a replay must match.
    std::string request_sha256;
    // multitask "enqueue": queue behind the run's active task instead of answering run_busy.
    bool enqueue = false;
    bool async = false;
    int timeout_ms = 600'000;
    bool ask = false;                        // mode "ask": answer, change nothing
    std::vector<std::string> context_files;  // file ids the agent may read
    store::RunMetadata metadata;             // for a new run only
};

struct GenerateOutcome {
    store::Run run;
    store::Task task;       // its state when the call answers; the active task when run_busy
    bool finished = false;  // the task reached a terminal state before the call answered
    bool replayed = false;  // an idempotency key matched: nothing was created
    bool run_busy = false;  // refused: the run has a queued or running task; nothing was created
};

// The task's request as the worker reads it back from the store.
struct TaskPlan {
    std::string prompt;
    std::string init_file;
    std::vector<DataSourceRef> data_sources;
    int timeout_ms = 600'000;
    bool ask = false;
    std::vector<std::string> context_files;
};

[[nodiscard]] std::string EncodeTaskPlan(const TaskPlan& plan);
[[nodiscard]] Result<TaskPlan> DecodeTaskPlan(std::string_view json);

class GenerateService {
public:
    // Borrows the stores and signal; they must outlive the service.
    GenerateService(store::MetadataStore& metadata, store::BlobStore& blobs, TaskSignal& signal,
                    std::chrono::seconds sync_ceiling);

    // Validates and queues. Errors: kNotFound for a run or file this org cannot see,
    // kInvalidRequest for a run of another format, an init_file that is not a valid document of
    // the format, a data source that is not usable CSV, or metadata for an existing run;
    // kRunExpired for a run past its retention window; kConflict for an idempotency key reused
    // with another body. No run is created on any error, nor when the run is busy (`run_busy`)
    // or the key replays an earlier call (`replayed`). A sync request then waits up to the sync
    // ceiling; `finished` tells whether it got there.
    [[nodiscard]] Result<GenerateOutcome> Generate(const GenerateRequest& request);

    // Cancels the org's task (see MetadataStore::CancelTask) and wakes its worker at once.
    [[nodiscard]] Result<store::Task> Cancel(std::string_view org_id, std::string_view task_id);

    // What workers and waiters use to say "a task changed"; event streams wait on it.
    TaskSignal& signal() { return signal_; }

    std::chrono::seconds sync_ceiling() const { return sync_ceiling_; }

    // Wakes every sync caller still waiting, so it answers 202 now and the server can stop;
    // their tasks go on (or are requeued by the next start).
    void StopWaiting();
    bool stopping() const { return stop_waiting_.load(); }

private:
    [[nodiscard]] Status CheckInitFile(const GenerateRequest& request);
    [[nodiscard]] Status CheckDataSources(const GenerateRequest& request);
    [[nodiscard]] Status CheckAskAndContext(const GenerateRequest& request);
    [[nodiscard]] Result<store::TaskSubmission> PrepareSubmission(const GenerateRequest& request);
    [[nodiscard]] Status MarkFilesUsed(const GenerateRequest& request, std::string_view run_id);
    [[nodiscard]] Result<store::Task> WaitForTask(const store::Task& task);

    // Set once at construction.
    store::MetadataStore& metadata_;
    store::BlobStore& blobs_;
    TaskSignal& signal_;
    std::chrono::seconds sync_ceiling_;

    std::atomic<bool> stop_waiting_{false};
};

// True for "completed" and "failed" (and the later terminal states).
bool IsTerminal(std::string_view task_status);

}  // namespace quire::service
