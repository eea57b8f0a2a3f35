#pragma once

// Plain rows of Quire's store. Times are milliseconds since the Unix epoch; 0 means "not set".

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quire::store {

struct Org {
    std::string id;  // "org_…"
    std::string name;
};

// How long an organisation keeps what it made when nobody uses it: a run expires this long after
// its last task, and an upload no run uses this long after it was made.
inline constexpr std::int64_t kDefaultRetentionMs = 30LL * 24 * 3600 * 1000;

// A run's metadata: string pairs in the order the client gave them, keys unique.
using RunMetadata = std::vector<std::pair<std::string, std::string>>;

struct ApiKeyInfo {
    std::string org_id;
    std::string org_name;
    std::string prefix;  // the first characters of the key, safe to show
    std::int64_t created_at = 0;
    std::int64_t revoked_at = 0;
};

struct Run {
    std::string id;  // "run_…"
    std::string org_id;
    std::string format;  // "excel", "word", "slides"
    std::string status = "active";
    std::string file_name;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t last_task_at = 0;
    int version = 0;                 // 0 until a task commits
    std::string blob;                // SHA-256 of the current version's bytes, "" at version 0
    std::string memory_json = "{}";  // the agent's memory after the last turn
    RunMetadata metadata;
    // Retention. A run is "expired" from expires_at on, whether or not the sweeper has marked it
    // yet; expired_at is then the time it expired. purged_at is set once its bytes, versions and
    // conversation were removed (the row stays).
    std::int64_t expires_at = 0;
    std::int64_t expired_at = 0;
    std::int64_t purged_at = 0;
};

struct Task {
    std::string id;  // "task_…"
    std::string run_id;
    std::string org_id;
    // queued, running, then one of the terminal states completed, failed, cancelled, expired
    std::string status = "queued";
    std::string phase;                  // while running
    std::string request_json;           // the validated request the worker executes
    int attempt = 0;                    // incremented by each claim; fences commits
    std::int64_t lease_expires_at = 0;  // while running: when the claim lapses unless renewed
    std::int64_t created_at = 0;
    std::int64_t started_at = 0;
    std::int64_t finished_at = 0;
    // Set when completed.
    std::string summary;
    double credits_used = 0;
    std::int64_t duration_ms = 0;
    int version = 0;
    std::string usage_json = "{}";  // tokens, model calls and tool calls of the turn
    // The recalculation after an Excel turn (agent::TurnOutput::recalculation_json), "" when
    // none ran.
    std::string recalculation_json;
    // Set when failed.
    std::string error_code;
    std::string error_message;
};

// What a completed task commits to its run in one transaction.
struct TurnCommit {
    std::string blob;  // SHA-256 of the new version's bytes (already in the blob store)
    std::int64_t blob_size = 0;
    std::string summary;
    double credits_used = 0;
    std::int64_t duration_ms = 0;
    std::string memory_json;
    std::string messages_json;       // the turn's conversation delta
    std::string usage_json;          // {"input_tokens", "output_tokens", "cache_read_tokens", ...}
    std::string recalculation_json;  // "" when no recalculation ran
    // False for an ask: the task completes and the run keeps its version; blob is not read.
    bool new_version = true;
};

struct Version {
    std::string run_id;
    int number = 0;
    std::string blob;
    std::int64_t size = 0;
    std::string task_id;  // "" for a version not made by a task
    std::int64_t created_at = 0;
    std::string created_by = "agent";  // agent, upload, human, revert
};

// A version made outside the agent: new bytes (an upload, an edit) or an older version again.
struct OutsideVersion {
    std::string created_by;  // "upload", "human" or "revert"
    std::string blob;        // the bytes, already in the blob store; unset for a revert
    std::int64_t size = 0;
    int revert_to = 0;  // for "revert": the version whose bytes the new one takes
};

struct VersionPage {
    std::vector<Version> versions;  // newest first
    bool has_more = false;
    std::string next_cursor;  // "" when there is no next page
};

// Which runs ListRuns returns; empty fields do not filter.
struct RunFilter {
    std::string status;                                           // "active" or "expired"
    std::string format;                                           // "excel", "word", "slides"
    std::optional<std::pair<std::string, std::string>> metadata;  // a key and its value
};

// Which tasks ListTasks returns; empty fields do not filter.
struct TaskFilter {
    std::string run_id;
    std::string status;
};

struct TaskPage {
    std::vector<Task> tasks;  // newest first
    bool has_more = false;
    std::string next_cursor;
};

// What one sweeper step did: how many rows it changed, and the blobs nothing refers to any more,
// which the caller removes from the blob store.
struct SweepStep {
    int count = 0;
    std::vector<std::string> unreferenced_blobs;
};

struct FileRecord {
    std::string id;  // "file_…"
    std::string org_id;
    std::string name;
    std::int64_t size = 0;
    std::string purpose;  // context, init, reference
    std::string blob;
    std::int64_t created_at = 0;
};

// One entry of a task's event log. Ids count 1, 2, 3, … per task.
struct TaskEvent {
    std::int64_t id = 0;
    std::string task_id;
    std::string type;  // queued, running, tool_call, version_committed, completed, failed, ...
    std::string data_json = "{}";
    std::int64_t created_at = 0;
};

// A generation call's task as the store queues it, with what decides whether it may be queued.
struct TaskSubmission {
    // id (or "" for a new one), org_id, request_json; run_id unless `new_run` is set.
    Task task;
    // A run to create together with the task (id, org_id, format, file_name set); nullopt to
    // queue on the existing run task.run_id.
    std::optional<Run> new_run;
    // False: refused with kRunBusy while the run has a queued or running task. True: queued
    // behind them (multitask "enqueue").
    bool enqueue = false;
    // "" for none. A key seen in the organisation within `idempotency_ttl_ms` replays the
    // first submission's run and task when `request_sha256` matches, and is kConflict when not.
    std::string idempotency_key;
    std::string request_sha256;
    std::int64_t idempotency_ttl_ms = 24LL * 3600 * 1000;
};

struct SubmitOutcome {
    enum class Kind {
        kQueued,    // a new task (and run, if asked for) was created
        kReplayed,  // the idempotency key matched: `run` and `task` are the first call's
        kRunBusy,   // nothing was created: `task` is the run's active task
    };
    Kind kind = Kind::kQueued;
    Run run;
    Task task;
};

// What one pass over lapsed leases did.
struct LapsedTasks {
    int requeued = 0;
    int failed = 0;  // out of attempts: failed with worker_lost
};

struct RunPage {
    std::vector<Run> runs;
    bool has_more = false;
    std::string next_cursor;  // "" when there is no next page
};

}  // namespace quire::store
