#pragma once

// The store's interfaces. Every query that reads an organisation's object takes its org_id, and
// another organisation's object is kNotFound exactly as if it did not exist. The SQLite backend
// lives in sqlite/, the PostgreSQL one (a later issue) beside it.

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "store/records.hpp"

namespace quire::store {

// How long a claim lasts unless its worker renews it.
inline constexpr std::int64_t kDefaultLeaseMs = 30'000;

class MetadataStore {
public:
    virtual ~MetadataStore() = default;

    // --- organisations and keys ---

    // The organisation with this name, created if missing.
    [[nodiscard]] virtual Result<Org> EnsureOrg(std::string_view name) = 0;
    // True when no organisation exists yet (a fresh data directory).
    [[nodiscard]] virtual Result<bool> IsEmpty() = 0;
    // Creates a key for the org and returns the plaintext key ("qk_…"); only its SHA-256 is
    // stored.
    [[nodiscard]] virtual Result<std::string> CreateApiKey(std::string_view org_id) = 0;
    [[nodiscard]] virtual Result<std::vector<ApiKeyInfo>> ListApiKeys() = 0;
    // Revokes by the whole key or by the prefix ListApiKeys shows. kNotFound if none matches,
    // kInvalidRequest if a prefix matches more than one key.
    [[nodiscard]] virtual Status RevokeApiKey(std::string_view key_or_prefix) = 0;
    // The live key's org. kInvalidApiKey for an unknown or revoked key.
    [[nodiscard]] virtual Result<ApiKeyInfo> Authenticate(std::string_view key) = 0;

    // --- runs ---

    // `metadata` is stored as given (the HTTP layer checks its size and shape).
    [[nodiscard]] virtual Result<Run> CreateRun(std::string_view org_id, std::string_view format,
                                                std::string_view file_name,
                                                const RunMetadata& metadata = {}) = 0;
    [[nodiscard]] virtual Result<Run> GetRun(std::string_view org_id, std::string_view run_id) = 0;
    // Newest first. `cursor` is "" or a next_cursor from an earlier page; a malformed cursor is
    // kInvalidRequest. limit is 1–100.
    // `filter` narrows the list (status as GetRun reports it, format, one metadata pair).
    [[nodiscard]] virtual Result<RunPage> ListRuns(std::string_view org_id, int limit,
                                                   std::string_view cursor,
                                                   const RunFilter& filter = {}) = 0;
    [[nodiscard]] virtual Result<Version> GetVersion(std::string_view org_id,
                                                     std::string_view run_id, int number) = 0;

    // --- run lifecycle: versions, deletion, retention ---

    // A run's versions, newest first; `cursor` is "" or a next_cursor of an earlier page.
    // kNotFound for a run this org cannot see, kInvalidRequest for a bad limit or cursor.
    [[nodiscard]] virtual Result<VersionPage> ListVersions(std::string_view org_id,
                                                           std::string_view run_id, int limit,
                                                           std::string_view cursor) = 0;
    // Records a version made outside the agent as the run's next version, in one transaction.
    // kNotFound for an unknown run (or, for a revert, an unknown version), kRunExpired for an
    // expired run, kRunBusy while a task of the run is queued or running (the error's detail is
    // the active task's id), kConflict for a revert of a run without versions. Nothing changes
    // on any error.
    [[nodiscard]] virtual Result<Version> AddOutsideVersion(std::string_view org_id,
                                                            std::string_view run_id,
                                                            const OutsideVersion& version) = 0;
    // The id of a queued or running task of the run, nullopt when there is none.
    [[nodiscard]] virtual Result<std::optional<std::string>> ActiveTaskOf(
        std::string_view run_id) = 0;
    // The version the run's last completed task ended at (what the agent last saw), 0 if none.
    [[nodiscard]] virtual Result<int> LastTurnVersion(std::string_view run_id) = 0;
    // Deletes the run with its tasks, versions, conversation and metadata. kNotFound as GetRun,
    // kRunBusy while a task is queued or running. The result lists the blobs nothing refers to
    // any more.
    [[nodiscard]] virtual Result<SweepStep> DeleteRun(std::string_view org_id,
                                                      std::string_view run_id) = 0;
    // Deletes an upload; kNotFound as GetFile. Lists its blob when nothing else refers to it.
    [[nodiscard]] virtual Result<SweepStep> DeleteFile(std::string_view org_id,
                                                       std::string_view file_id) = 0;
    // Those of `blobs` that no version, run or upload refers to.
    [[nodiscard]] virtual Result<std::vector<std::string>> UnreferencedOf(
        std::vector<std::string> blobs) = 0;
    // Notes that the run uses these uploads, so that they do not expire while it exists.
    [[nodiscard]] virtual Status MarkFilesUsed(std::string_view org_id, std::string_view run_id,
                                               const std::vector<std::string>& file_ids) = 0;
    // Sets an organisation's retention window (at least one second). The org is named by id or
    // name; kNotFound when neither matches.
    [[nodiscard]] virtual Result<Org> SetRetention(std::string_view org,
                                                   std::int64_t window_ms) = 0;
    [[nodiscard]] virtual Result<std::int64_t> RetentionOf(std::string_view org_id) = 0;

    // Sweeper steps, each one transaction over at most `limit` rows, `now` in epoch ms.
    // Marks runs past their expiry (and without an active task) expired.
    [[nodiscard]] virtual Result<SweepStep> MarkExpiredRuns(std::int64_t now, int limit) = 0;
    // Purges runs expired more than `purge_after_ms` ago: versions, conversation and the run's
    // document go, the row stays with purged_at.
    [[nodiscard]] virtual Result<SweepStep> PurgeExpiredRuns(std::int64_t now,
                                                             std::int64_t purge_after_ms,
                                                             int limit) = 0;
    // Deletes uploads that no run uses and that are older than their org's retention window.
    [[nodiscard]] virtual Result<SweepStep> ExpireUnusedFiles(std::int64_t now, int limit) = 0;

    // --- tasks ---

    // Inserts a queued task (id, run_id, org_id, request_json set by the caller), behind any
    // task the run already has.
    [[nodiscard]] virtual Result<Task> CreateTask(const Task& task) = 0;
    // Queues a generation call's task in one transaction: replays or refuses its idempotency
    // key, creates the new run if asked, refuses a busy run unless `enqueue`, inserts the task
    // and logs its `queued` event. kNotFound for a run this org cannot see, kConflict for a key
    // reused with another request, kInvalidRequest for malformed fields. A refusal creates
    // nothing.
    [[nodiscard]] virtual Result<SubmitOutcome> SubmitTask(const TaskSubmission& submission) = 0;
    [[nodiscard]] virtual Result<Task> GetTask(std::string_view org_id,
                                               std::string_view task_id) = 0;
    // The org's tasks, newest first, narrowed by `filter`; paging as ListRuns.
    [[nodiscard]] virtual Result<TaskPage> ListTasks(std::string_view org_id, int limit,
                                                     std::string_view cursor,
                                                     const TaskFilter& filter = {}) = 0;
    // Claims the first queued task (in arrival order) whose run has no running task: status
    // running, attempt+1, started_at now, a lease until now + lease_ms, and a `running` event.
    // nullopt if none. The store itself refuses a second running task on one run.
    [[nodiscard]] virtual Result<std::optional<Task>> ClaimNextTask(
        std::int64_t lease_ms = kDefaultLeaseMs) = 0;
    // Extends the claim of `attempt` to now + lease_ms. kConflict when the task is no longer
    // running under `attempt` (cancelled, or lapsed and claimed again): the worker must stop.
    [[nodiscard]] virtual Status RenewLease(std::string_view task_id, int attempt,
                                            std::int64_t lease_ms) = 0;
    // Running tasks whose lease ended at or before `now_ms` go back to the queue (a `queued`
    // event says why), or, once claimed `max_attempts` times, fail with worker_lost. Pass
    // INT64_MAX to recover every running task (start-up, when no other worker can be alive).
    [[nodiscard]] virtual Result<LapsedTasks> RecoverLapsedTasks(std::int64_t now_ms,
                                                                 int max_attempts) = 0;
    // Queued tasks created before `queued_before_ms` become expired; returns how many.
    [[nodiscard]] virtual Result<int> ExpireQueuedTasks(std::int64_t queued_before_ms) = 0;
    // Deletes the event logs of tasks that finished before `before_ms` and idempotency keys
    // made before it; returns how many rows went.
    [[nodiscard]] virtual Result<int> PruneTaskHistory(std::int64_t before_ms) = 0;
    // Records the running phase and logs a `running` event with it. kConflict as for RenewLease.
    [[nodiscard]] virtual Status SetTaskPhase(std::string_view task_id, int attempt,
                                              std::string_view phase) = 0;
    // Appends an event (type and a JSON object) to a task running under `attempt`. kConflict as
    // for RenewLease.
    [[nodiscard]] virtual Status AppendTaskEvent(std::string_view task_id, int attempt,
                                                 std::string_view type,
                                                 std::string_view data_json) = 0;
    // The task's events with id > after_id, oldest first, at most `limit`. kNotFound when the
    // org has no such task.
    [[nodiscard]] virtual Result<std::vector<TaskEvent>> ListTaskEvents(std::string_view org_id,
                                                                        std::string_view task_id,
                                                                        std::int64_t after_id,
                                                                        int limit) = 0;
    // Cancels a queued or running task at once (a running one's worker finds out on its next
    // lease renewal and cannot commit); a task already in a terminal state is returned
    // unchanged. kNotFound when the org has no such task.
    [[nodiscard]] virtual Result<Task> CancelTask(std::string_view org_id,
                                                  std::string_view task_id) = 0;
    // In one transaction: a new version of the task's run, the run's state, and the task
    // completed, with `version_committed` and `completed` events. kConflict when the task is no
    // longer running under `attempt`.
    [[nodiscard]] virtual Result<Task> CommitTurn(std::string_view task_id, int attempt,
                                                  const TurnCommit& turn) = 0;
    // Marks the task failed, with what the turn spent before it failed (`usage_json` as in
    // TurnCommit), and logs a `failed` event; its run is not touched. kConflict as for
    // CommitTurn.
    [[nodiscard]] virtual Result<Task> FailTask(std::string_view task_id, int attempt,
                                                std::string_view code, std::string_view message,
                                                std::string_view usage_json = "{}") = 0;

    // --- files ---

    [[nodiscard]] virtual Result<FileRecord> CreateFile(const FileRecord& file) = 0;
    [[nodiscard]] virtual Result<FileRecord> GetFile(std::string_view org_id,
                                                     std::string_view file_id) = 0;

    // --- server secrets ---

    // A random secret of this store, made once and kept (signing downloads).
    [[nodiscard]] virtual Result<std::string> ServerSecret(std::string_view name) = 0;
};

// Content-addressed bytes: the key is the SHA-256 of the content.
class BlobStore {
public:
    virtual ~BlobStore() = default;
    // Stores the bytes (durably: temp file, fsync, rename) and returns their SHA-256 hex.
    [[nodiscard]] virtual Result<std::string> Put(std::string_view bytes) = 0;
    [[nodiscard]] virtual Result<std::string> Get(std::string_view sha256) = 0;
    // Removes a blob; removing one that is not there succeeds. The caller makes sure nothing
    // refers to it any more.
    [[nodiscard]] virtual Status Remove(std::string_view sha256) = 0;
    // True when the blob is stored (without reading it).
    [[nodiscard]] virtual bool Has(std::string_view sha256) = 0;
    // Writers hold it shared from Put until the store records what refers to the blob; removers
    // hold it exclusively from the store step that finds blobs unreferenced until they are
    // removed. A removal then never takes a blob that a writer found already stored and is about
    // to refer to (the same bytes uploaded while a run that had them is deleted).
    virtual std::shared_mutex& Gate() = 0;
};

}  // namespace quire::store
