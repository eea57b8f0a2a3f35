#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <mutex>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/schema.hpp"

namespace quire::store {
namespace {

using sqlite::Connection;
using sqlite::ReaderPool;
using sqlite::Statement;
using sqlite::Transaction;
using sqlite::TransactionMode;

constexpr std::size_t kMaxIdleReaders = 4;
constexpr int kMaxPageSize = 100;
constexpr std::size_t kMaxOrgNameSize = 100;

constexpr std::string_view kKeyPrefix = "qk_";
constexpr std::size_t kKeyRandomBytes = 20;                // 40 hex digits
constexpr std::size_t kKeySize = 3 + 2 * kKeyRandomBytes;  // "qk_" + 40
constexpr std::size_t kShownPrefixSize = 11;               // "qk_" + 8

// --- validation ---

bool IsLowerHex(std::string_view text) {
    for (char c : text) {
        bool digit = c >= '0' && c <= '9';
        bool letter = c >= 'a' && c <= 'f';
        if (!digit && !letter) return false;
    }
    return true;
}

bool IsSha256Hex(std::string_view text) { return text.size() == 64 && IsLowerHex(text); }

bool LooksLikeKey(std::string_view text, std::size_t size) {
    return text.size() == size && text.starts_with(kKeyPrefix) &&
           IsLowerHex(text.substr(kKeyPrefix.size()));
}

bool IsValidOrgName(std::string_view name) {
    if (name.empty() || name.size() > kMaxOrgNameSize) return false;
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return false;
    }
    return true;
}

bool IsValidFormat(std::string_view format) {
    return format == "excel" || format == "word" || format == "slides";
}

bool IsValidPurpose(std::string_view purpose) {
    return purpose == "context" || purpose == "init" || purpose == "reference";
}

std::unexpected<Error> TaskNotRunning(std::string_view task_id, int attempt) {
    return Fail(ErrorCode::kConflict, "the task is no longer running under this attempt",
                fmt::format("task_id={} attempt={}", task_id, attempt));
}

// --- rows ---

// When a run of the `runs` table expires: one retention window of its org after its last task
// (after its creation while it has none).
constexpr std::string_view kRunExpiry =
    "((CASE WHEN runs.last_task_at > 0 THEN runs.last_task_at ELSE runs.created_at END) + "
    "(SELECT o.retention_ms FROM orgs AS o WHERE o.id = runs.org_id))";

// Whether a run of the `runs` table has a task queued or running: its last task has not ended,
// so its window has not started.
constexpr std::string_view kRunHasActiveTask =
    "EXISTS (SELECT 1 FROM tasks AS active WHERE active.run_id = runs.id "
    "AND active.status IN ('queued', 'running'))";

// Selected FROM runs (not aliased): the expiry is computed from the org's window.
const std::string kRunColumns = fmt::format(
    "id, org_id, format, status, file_name, created_at, updated_at, last_task_at, version, blob, "
    "memory_json, metadata_json, expired_at, purged_at, {}, {}",
    kRunExpiry, kRunHasActiveTask);

std::string MetadataJson(const RunMetadata& metadata) {
    boost::json::array pairs;
    for (const auto& [key, value] : metadata) pairs.push_back(boost::json::array{key, value});
    return boost::json::serialize(pairs);
}

RunMetadata ParseMetadata(const std::string& text) {
    RunMetadata metadata;
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec || !value.is_array()) return metadata;
    for (const auto& pair : value.as_array()) {
        const boost::json::array* kv = pair.if_array();
        if (kv == nullptr || kv->size() != 2 || !(*kv)[0].is_string() || !(*kv)[1].is_string()) {
            continue;
        }
        metadata.emplace_back(std::string((*kv)[0].as_string()), std::string((*kv)[1].as_string()));
    }
    return metadata;
}

Run RunFromRow(const Statement& row) {
    Run run;
    run.id = row.Text(0);
    run.org_id = row.Text(1);
    run.format = row.Text(2);
    run.status = row.Text(3);
    run.file_name = row.Text(4);
    run.created_at = row.Int64(5);
    run.updated_at = row.Int64(6);
    run.last_task_at = row.Int64(7);
    run.version = row.Int(8);
    run.blob = row.Text(9);
    run.memory_json = row.Text(10);
    run.metadata = ParseMetadata(row.Text(11));
    run.expired_at = row.Int64(12);
    run.purged_at = row.Int64(13);
    run.expires_at = row.Int64(14);
    const bool has_active_task = row.Int(15) != 0;
    // A run is expired once its time has passed, whether or not the sweeper has marked it.
    if (run.expired_at != 0) {
        run.status = "expired";
        run.expires_at = run.expired_at;
    } else if (!has_active_task && NowMillis() >= run.expires_at) {
        run.status = "expired";
        run.expired_at = run.expires_at;
    }
    return run;
}

constexpr std::string_view kTaskColumns =
    "id, run_id, org_id, status, phase, request_json, attempt, created_at, started_at, "
    "finished_at, summary, credits_used, duration_ms, version, error_code, error_message, "
    "usage_json, lease_expires_at, recalculation_json";

Task TaskFromRow(const Statement& row) {
    Task task;
    task.id = row.Text(0);
    task.run_id = row.Text(1);
    task.org_id = row.Text(2);
    task.status = row.Text(3);
    task.phase = row.Text(4);
    task.request_json = row.Text(5);
    task.attempt = row.Int(6);
    task.created_at = row.Int64(7);
    task.started_at = row.Int64(8);
    task.finished_at = row.Int64(9);
    task.summary = row.Text(10);
    task.credits_used = row.Double(11);
    task.duration_ms = row.Int64(12);
    task.version = row.Int(13);
    task.error_code = row.Text(14);
    task.error_message = row.Text(15);
    task.usage_json = row.Text(16);
    task.lease_expires_at = row.Int64(17);
    task.recalculation_json = row.Text(18);
    return task;
}

constexpr std::string_view kFileColumns = "id, org_id, name, size, purpose, blob, created_at";

FileRecord FileFromRow(const Statement& row) {
    FileRecord file;
    file.id = row.Text(0);
    file.org_id = row.Text(1);
    file.name = row.Text(2);
    file.size = row.Int64(3);
    file.purpose = row.Text(4);
    file.blob = row.Text(5);
    file.created_at = row.Int64(6);
    return file;
}

constexpr std::string_view kVersionColumns =
    "run_id, number, blob, size, task_id, created_at, created_by";

Version VersionFromRow(const Statement& row) {
    Version version;
    version.run_id = row.Text(0);
    version.number = row.Int(1);
    version.blob = row.Text(2);
    version.size = row.Int64(3);
    version.task_id = row.Text(4);
    version.created_at = row.Int64(5);
    version.created_by = row.Text(6);
    return version;
}

constexpr std::string_view kKeyColumns =
    "k.key_hash, k.prefix, k.created_at, k.revoked_at, o.id, o.name";

ApiKeyInfo KeyFromRow(const Statement& row) {
    ApiKeyInfo key;
    key.prefix = row.Text(1);
    key.created_at = row.Int64(2);
    key.revoked_at = row.Int64(3);
    key.org_id = row.Text(4);
    key.org_name = row.Text(5);
    return key;
}

// The first row of a query mapped by `map`, or nullopt when there is none.
template <typename Map, typename... Args>
auto QueryOptional(Connection& db, Map map, std::string_view sql, const Args&... args)
    -> Result<std::optional<decltype(map(std::declval<const Statement&>()))>> {
    using Row = decltype(map(std::declval<const Statement&>()));
    auto statement = db.Query(sql, args...);
    if (!statement) return Propagate(statement);
    auto row = statement->Step();
    if (!row) return Propagate(row);
    if (!*row) return std::optional<Row>();
    return std::optional<Row>(map(*statement));
}

// Every row of a query mapped by `map`.
template <typename Map, typename... Args>
auto QueryAll(Connection& db, Map map, std::string_view sql, const Args&... args)
    -> Result<std::vector<decltype(map(std::declval<const Statement&>()))>> {
    std::vector<decltype(map(std::declval<const Statement&>()))> rows;
    auto statement = db.Query(sql, args...);
    if (!statement) return Propagate(statement);
    while (true) {
        auto row = statement->Step();
        if (!row) return Propagate(row);
        if (!*row) return rows;
        rows.push_back(map(*statement));
    }
}

// Runs a statement that returns no rows.
template <typename... Args>
Status Execute(Connection& db, std::string_view sql, const Args&... args) {
    auto statement = db.Query(sql, args...);
    if (!statement) return std::unexpected(statement.error());
    return statement->Run();
}

Status RequireOrg(Connection& db, std::string_view org_id) {
    auto found = QueryOptional(
        db, [](const Statement& row) { return row.Int(0); }, "SELECT 1 FROM orgs WHERE id = ?1",
        org_id);
    if (!found) return std::unexpected(found.error());
    if (!found->has_value()) return NotFound("organisation not found");
    return {};
}

std::string SelectFrom(std::string_view columns, std::string_view rest) {
    return fmt::format("SELECT {} {}", columns, rest);
}

// --- the task lifecycle ---

constexpr std::size_t kMaxIdempotencyKeySize = 255;
constexpr std::string_view kWorkerLostMessage =
    "the task's worker stopped answering on every attempt";

bool IsTerminalStatus(std::string_view status) {
    return status == "completed" || status == "failed" || status == "cancelled" ||
           status == "expired";
}

std::string EventData(boost::json::object data) { return boost::json::serialize(data); }

// Appends the next event of a task's log: its id is one more than the task's last.
Status AppendEvent(Connection& db, std::string_view task_id, std::string_view type,
                   std::string_view data_json, std::int64_t now) {
    return Execute(db,
                   "INSERT INTO task_events (task_id, id, type, data_json, created_at) "
                   "SELECT ?1, COALESCE(MAX(id), 0) + 1, ?2, ?3, ?4 FROM task_events "
                   "WHERE task_id = ?1",
                   task_id, type, data_json, now);
}

TaskEvent EventFromRow(const Statement& row) {
    return TaskEvent{row.Int64(0), row.Text(1), row.Text(2), row.Text(3), row.Int64(4)};
}

// Inserts a new run with its metadata pairs; sets its expires_at from the org's window.
Status InsertRun(Connection& db, Run& run) {
    auto inserted =
        Execute(db,
                "INSERT INTO runs (id, org_id, format, status, file_name, "
                "created_at, updated_at, memory_json, metadata_json) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                run.id, run.org_id, run.format, run.status, run.file_name, run.created_at,
                run.updated_at, run.memory_json, MetadataJson(run.metadata));
    if (!inserted) return inserted;
    for (const auto& [key, value] : run.metadata) {
        auto pair = Execute(db,
                            "INSERT INTO run_metadata (run_id, org_id, key, value) "
                            "VALUES (?1, ?2, ?3, ?4)",
                            run.id, run.org_id, key, value);
        if (!pair) return pair;
    }
    auto retention = QueryOptional(
        db, [](const Statement& row) { return row.Int64(0); },
        "SELECT retention_ms FROM orgs WHERE id = ?1", run.org_id);
    if (!retention) return std::unexpected(retention.error());
    run.expires_at = run.created_at + retention->value_or(kDefaultRetentionMs);
    return {};
}

Result<std::optional<Run>> FindRun(Connection& db, std::string_view org_id,
                                   std::string_view run_id) {
    return QueryOptional(db, RunFromRow,
                         SelectFrom(kRunColumns, "FROM runs WHERE id = ?1 AND org_id = ?2"), run_id,
                         org_id);
}

Result<std::optional<Task>> FindTask(Connection& db, std::string_view org_id,
                                     std::string_view task_id) {
    return QueryOptional(db, TaskFromRow,
                         SelectFrom(kTaskColumns, "FROM tasks WHERE id = ?1 AND org_id = ?2"),
                         task_id, org_id);
}

// The run's running task, else its first queued one; nullopt when the run is free.
Result<std::optional<Task>> FindActiveTask(Connection& db, std::string_view run_id) {
    return QueryOptional(db, TaskFromRow,
                         SelectFrom(kTaskColumns,
                                    "FROM tasks WHERE run_id = ?1 "
                                    "AND status IN ('queued', 'running') "
                                    "ORDER BY status = 'running' DESC, rowid LIMIT 1"),
                         run_id);
}

// A key the organisation used within its lifetime: what its request hashed to and what it made.
struct IdempotencyRecord {
    std::string request_sha256;
    std::string run_id;
    std::string task_id;
};

Result<std::optional<IdempotencyRecord>> FindIdempotencyKey(Connection& db, std::string_view org_id,
                                                            std::string_view key,
                                                            std::int64_t made_after) {
    auto map = [](const Statement& row) {
        return IdempotencyRecord{row.Text(0), row.Text(1), row.Text(2)};
    };
    return QueryOptional(db, map,
                         "SELECT request_sha256, run_id, task_id FROM idempotency_keys "
                         "WHERE org_id = ?1 AND key = ?2 AND created_at >= ?3",
                         org_id, key, made_after);
}

// The first submission's run and task, as they are now.
Result<SubmitOutcome> Replay(Connection& db, std::string_view org_id,
                             const IdempotencyRecord& record) {
    auto run = FindRun(db, org_id, record.run_id);
    if (!run) return Propagate(run);
    auto task = FindTask(db, org_id, record.task_id);
    if (!task) return Propagate(task);
    if (!run->has_value() || !task->has_value()) {
        return Internal("storage error", "an idempotency key outlived its task");
    }
    return SubmitOutcome{SubmitOutcome::Kind::kReplayed, std::move(**run), std::move(**task)};
}

Status ValidateSubmission(const TaskSubmission& submission) {
    const Task& task = submission.task;
    if (!task.id.empty() && !IsId(task.id, "task_")) return InvalidRequest("invalid task id");
    if (submission.new_run) {
        const Run& run = *submission.new_run;
        if (!IsId(run.id, "run_")) return InvalidRequest("invalid run id");
        if (run.org_id != task.org_id) return InvalidRequest("the new run is another org's");
        if (!IsValidFormat(run.format))
            return InvalidRequest("format must be excel, word or slides");
    }
    if (submission.idempotency_key.size() > kMaxIdempotencyKeySize) {
        return InvalidRequest("idempotency_key must be at most 255 characters");
    }
    if (!submission.idempotency_key.empty() && !IsSha256Hex(submission.request_sha256)) {
        return InvalidRequest("an idempotency key needs the request's SHA-256");
    }
    return {};
}

// The first submission's outcome when `submission` repeats an idempotency key still alive;
// nullopt when it has no key or a fresh one. kConflict for a key used with another request.
Result<std::optional<SubmitOutcome>> ReplayIdempotencyKey(Connection& db,
                                                          const TaskSubmission& submission,
                                                          std::int64_t now) {
    const std::string& org_id = submission.task.org_id;
    const std::string& key = submission.idempotency_key;
    if (key.empty()) return std::nullopt;

    auto seen = FindIdempotencyKey(db, org_id, key, now - submission.idempotency_ttl_ms);
    if (!seen) return Propagate(seen);
    if (seen->has_value()) {
        if ((*seen)->request_sha256 != submission.request_sha256) {
            return Fail(ErrorCode::kConflict,
                        "idempotency_key was already used with a different request");
        }
        auto replayed = Replay(db, org_id, **seen);
        if (!replayed) return Propagate(replayed);
        return std::optional<SubmitOutcome>(std::move(*replayed));
    }
    // A key past its lifetime is free again.
    auto stale =
        Execute(db, "DELETE FROM idempotency_keys WHERE org_id = ?1 AND key = ?2", org_id, key);
    if (!stale) return Propagate(stale);
    return std::nullopt;
}

// The run a submission queues on: the new one, inserted now, or the existing one.
Result<Run> SubmissionRun(Connection& db, const TaskSubmission& submission, std::int64_t now) {
    const std::string& org_id = submission.task.org_id;
    if (!submission.new_run) {
        auto run = FindRun(db, org_id, submission.task.run_id);
        if (!run) return Propagate(run);
        if (!run->has_value()) return NotFound("run not found");
        return std::move(**run);
    }
    if (auto org = RequireOrg(db, org_id); !org) return Propagate(org);
    Run run = *submission.new_run;
    run.created_at = run.updated_at = now;
    if (auto inserted = InsertRun(db, run); !inserted) return Propagate(inserted);
    return run;
}

// Inserts the submission's task as queued on `run_id`, with its `queued` event and its
// idempotency key.
Result<Task> InsertQueuedTask(Connection& db, const TaskSubmission& submission,
                              std::string_view run_id, std::int64_t now) {
    Task task;
    task.id = submission.task.id.empty() ? NewId("task_") : submission.task.id;
    task.run_id = std::string(run_id);
    task.org_id = submission.task.org_id;
    task.request_json = submission.task.request_json.empty() ? "{}" : submission.task.request_json;
    task.created_at = now;
    auto inserted =
        Execute(db,
                "INSERT INTO tasks (id, run_id, org_id, status, request_json, "
                "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                task.id, task.run_id, task.org_id, task.status, task.request_json, task.created_at);
    if (!inserted) return Propagate(inserted);
    if (auto event = AppendEvent(db, task.id, "queued", "{}", now); !event) {
        return Propagate(event);
    }
    if (submission.idempotency_key.empty()) return task;
    auto remembered = Execute(db,
                              "INSERT INTO idempotency_keys (org_id, key, request_sha256, run_id, "
                              "task_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              task.org_id, submission.idempotency_key, submission.request_sha256,
                              task.run_id, task.id, now);
    if (!remembered) return Propagate(remembered);
    return task;
}

// Puts a lapsed task back in the queue, or fails it once it has used its attempts.
Status RecoverLapsedTask(Connection& db, const Task& task, int max_attempts, std::int64_t now,
                         LapsedTasks& counts) {
    if (task.attempt >= max_attempts) {
        auto failed = Execute(db,
                              "UPDATE tasks SET status = 'failed', phase = '', "
                              "error_code = 'worker_lost', error_message = ?1, finished_at = ?2, "
                              "lease_expires_at = 0 WHERE id = ?3",
                              kWorkerLostMessage, now, task.id);
        if (!failed) return failed;
        auto run = Execute(db, "UPDATE runs SET updated_at = ?1, last_task_at = ?1 WHERE id = ?2",
                           now, task.run_id);
        if (!run) return run;
        ++counts.failed;
        return AppendEvent(db, task.id, "failed",
                           EventData({{"code", "worker_lost"}, {"message", kWorkerLostMessage}}),
                           now);
    }
    auto requeued = Execute(db,
                            "UPDATE tasks SET status = 'queued', phase = '', started_at = 0, "
                            "lease_expires_at = 0 WHERE id = ?1",
                            task.id);
    if (!requeued) return requeued;
    ++counts.requeued;
    return AppendEvent(db, task.id, "queued",
                       EventData({{"reason", "lease_expired"}, {"attempt", task.attempt}}), now);
}

// --- committing a turn ---

// Where a turn lands: the task's run and the version number it creates.
struct TurnTarget {
    std::string task_id;
    std::string run_id;
    std::string org_id;
    int number = 0;  // the new version: the run's current version + 1
    std::int64_t now = 0;
};

std::string MemoryOf(const TurnCommit& turn) {
    return turn.memory_json.empty() ? "{}" : turn.memory_json;
}

// The target of a commit by `task_id` under `attempt`, or nullopt when the task is not running
// under that attempt (the fence).
Result<std::optional<TurnTarget>> FindTurnTarget(Connection& db, std::string_view task_id,
                                                 int attempt) {
    auto map = [now = NowMillis()](const Statement& row) {
        return TurnTarget{row.Text(0), row.Text(1), row.Text(2), row.Int(3) + 1, now};
    };
    return QueryOptional(db, map,
                         "SELECT t.id, t.run_id, t.org_id, r.version "
                         "FROM tasks t JOIN runs r ON r.id = t.run_id "
                         "WHERE t.id = ?1 AND t.status = 'running' AND t.attempt = ?2",
                         task_id, attempt);
}

Status InsertVersion(Connection& db, const TurnTarget& target, const TurnCommit& turn) {
    return Execute(db,
                   "INSERT INTO versions (run_id, number, org_id, blob, size, task_id, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   target.run_id, target.number, target.org_id, turn.blob, turn.blob_size,
                   target.task_id, target.now);
}

Status InsertTurn(Connection& db, const TurnTarget& target, const TurnCommit& turn) {
    return Execute(db,
                   "INSERT INTO turns (task_id, run_id, org_id, version, messages_json, "
                   "memory_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   target.task_id, target.run_id, target.org_id, target.number,
                   turn.messages_json.empty() ? "[]" : turn.messages_json, MemoryOf(turn),
                   target.now);
}

Status AdvanceRun(Connection& db, const TurnTarget& target, const TurnCommit& turn) {
    return Execute(db,
                   "UPDATE runs SET version = ?1, blob = ?2, memory_json = ?3, updated_at = ?4, "
                   "last_task_at = ?4 WHERE id = ?5",
                   target.number, turn.blob, MemoryOf(turn), target.now, target.run_id);
}

Result<Task> CompleteTask(Connection& db, const TurnTarget& target, const TurnCommit& turn) {
    auto task = QueryOptional(
        db, TaskFromRow,
        fmt::format("UPDATE tasks SET status = 'completed', phase = '', summary = ?1, "
                    "credits_used = ?2, duration_ms = ?3, version = ?4, finished_at = ?5, "
                    "usage_json = ?7, recalculation_json = ?8 WHERE id = ?6 RETURNING {}",
                    kTaskColumns),
        turn.summary, turn.credits_used, turn.duration_ms, target.number, target.now,
        target.task_id, turn.usage_json.empty() ? std::string("{}") : turn.usage_json,
        turn.recalculation_json);
    if (!task) return Propagate(task);
    if (!task->has_value()) return Internal("storage error", "committed task vanished");
    if (turn.new_version) {
        auto committed = AppendEvent(db, target.task_id, "version_committed",
                                     EventData({{"version", target.number}}), target.now);
        if (!committed) return Propagate(committed);
    }
    auto completed = AppendEvent(db, target.task_id, "completed",
                                 EventData({{"version", target.number}}), target.now);
    if (!completed) return Propagate(completed);
    return **task;
}

class SqliteStore final : public MetadataStore {
public:
    SqliteStore(const std::filesystem::path& path, std::unique_ptr<Connection> writer)
        : readers_(path, kMaxIdleReaders), writer_(std::move(writer)) {}

    Result<Org> EnsureOrg(std::string_view name) override;
    Result<bool> IsEmpty() override;
    Result<std::string> CreateApiKey(std::string_view org_id) override;
    Result<std::vector<ApiKeyInfo>> ListApiKeys() override;
    Status RevokeApiKey(std::string_view key_or_prefix) override;
    Result<ApiKeyInfo> Authenticate(std::string_view key) override;

    Result<Run> CreateRun(std::string_view org_id, std::string_view format,
                          std::string_view file_name, const RunMetadata& metadata) override;
    Result<Run> GetRun(std::string_view org_id, std::string_view run_id) override;
    Result<RunPage> ListRuns(std::string_view org_id, int limit, std::string_view cursor,
                             const RunFilter& filter) override;
    Result<Version> GetVersion(std::string_view org_id, std::string_view run_id,
                               int number) override;

    Result<Task> CreateTask(const Task& task) override;
    Result<SubmitOutcome> SubmitTask(const TaskSubmission& submission) override;
    Result<Task> GetTask(std::string_view org_id, std::string_view task_id) override;
    Result<TaskPage> ListTasks(std::string_view org_id, int limit, std::string_view cursor,
                               const TaskFilter& filter) override;
    Result<std::optional<Task>> ClaimNextTask(std::int64_t lease_ms) override;
    Status RenewLease(std::string_view task_id, int attempt, std::int64_t lease_ms) override;
    Result<LapsedTasks> RecoverLapsedTasks(std::int64_t now_ms, int max_attempts) override;
    Result<int> ExpireQueuedTasks(std::int64_t queued_before_ms) override;
    Result<int> PruneTaskHistory(std::int64_t before_ms) override;
    Status SetTaskPhase(std::string_view task_id, int attempt, std::string_view phase) override;
    Status AppendTaskEvent(std::string_view task_id, int attempt, std::string_view type,
                           std::string_view data_json) override;
    Result<std::vector<TaskEvent>> ListTaskEvents(std::string_view org_id, std::string_view task_id,
                                                  std::int64_t after_id, int limit) override;
    Result<Task> CancelTask(std::string_view org_id, std::string_view task_id) override;
    Result<Task> CommitTurn(std::string_view task_id, int attempt, const TurnCommit& turn) override;
    Result<Task> FailTask(std::string_view task_id, int attempt, std::string_view code,
                          std::string_view message, std::string_view usage_json) override;

    Result<FileRecord> CreateFile(const FileRecord& file) override;
    Result<FileRecord> GetFile(std::string_view org_id, std::string_view file_id) override;

    Result<std::string> ServerSecret(std::string_view name) override;

    // Run lifecycle: versions, deletion, retention.
    Result<VersionPage> ListVersions(std::string_view org_id, std::string_view run_id, int limit,
                                     std::string_view cursor) override;
    Result<Version> AddOutsideVersion(std::string_view org_id, std::string_view run_id,
                                      const OutsideVersion& version) override;
    Result<std::optional<std::string>> ActiveTaskOf(std::string_view run_id) override;
    Result<std::vector<std::string>> UnreferencedOf(std::vector<std::string> blobs) override;
    Result<int> LastTurnVersion(std::string_view run_id) override;
    Result<SweepStep> DeleteRun(std::string_view org_id, std::string_view run_id) override;
    Result<SweepStep> DeleteFile(std::string_view org_id, std::string_view file_id) override;
    Status MarkFilesUsed(std::string_view org_id, std::string_view run_id,
                         const std::vector<std::string>& file_ids) override;
    Result<Org> SetRetention(std::string_view org, std::int64_t window_ms) override;
    Result<std::int64_t> RetentionOf(std::string_view org_id) override;
    Result<SweepStep> MarkExpiredRuns(std::int64_t now, int limit) override;
    Result<SweepStep> PurgeExpiredRuns(std::int64_t now, std::int64_t purge_after_ms,
                                       int limit) override;
    Result<SweepStep> ExpireUnusedFiles(std::int64_t now, int limit) override;

private:
    // Runs `body(connection)` on a borrowed reader connection.
    template <typename Body>
    std::invoke_result_t<Body, Connection&> Read(Body&& body);

    // Runs `body(connection)` on the writer connection inside BEGIN IMMEDIATE, committing when
    // it succeeds and rolling back when it fails.
    template <typename Body>
    std::invoke_result_t<Body, Connection&> Write(Body&& body);

    // Set once at construction; internally synchronised.
    ReaderPool readers_;

    std::mutex writer_mu_;
    // Guarded by writer_mu_.
    std::unique_ptr<Connection> writer_;
};

template <typename Body>
std::invoke_result_t<Body, Connection&> SqliteStore::Read(Body&& body) {
    using R = std::invoke_result_t<Body, Connection&>;
    auto reader = readers_.Acquire();
    if (!reader) return R(std::unexpect, reader.error());
    return body(**reader);
}

template <typename Body>
std::invoke_result_t<Body, Connection&> SqliteStore::Write(Body&& body) {
    using R = std::invoke_result_t<Body, Connection&>;
    std::lock_guard lock(writer_mu_);
    auto transaction = Transaction::Begin(*writer_, TransactionMode::kImmediate);
    if (!transaction) return R(std::unexpect, transaction.error());

    R result = body(*writer_);
    if (!result) return result;
    if (auto committed = transaction->Commit(); !committed) {
        return R(std::unexpect, committed.error());
    }
    return result;
}

// --- organisations and keys ---

Result<Org> SqliteStore::EnsureOrg(std::string_view name) {
    if (!IsValidOrgName(name)) {
        return InvalidRequest(
            "organisation name must be 1-100 characters, without control "
            "characters");
    }
    return Write([&](Connection& db) -> Result<Org> {
        auto map = [](const Statement& row) { return Org{row.Text(0), row.Text(1)}; };
        auto existing = QueryOptional(db, map, "SELECT id, name FROM orgs WHERE name = ?1", name);
        if (!existing) return Propagate(existing);
        if (existing->has_value()) return **existing;

        Org org{NewId("org_"), std::string(name)};
        auto inserted = Execute(db, "INSERT INTO orgs (id, name, created_at) VALUES (?1, ?2, ?3)",
                                org.id, org.name, NowMillis());
        if (!inserted) return Propagate(inserted);
        return org;
    });
}

Result<bool> SqliteStore::IsEmpty() {
    return Read([](Connection& db) -> Result<bool> {
        auto count = db.QueryInt("SELECT EXISTS (SELECT 1 FROM orgs)");
        if (!count) return Propagate(count);
        return *count == 0;
    });
}

Result<std::string> SqliteStore::CreateApiKey(std::string_view org_id) {
    return Write([&](Connection& db) -> Result<std::string> {
        if (auto org = RequireOrg(db, org_id); !org) return Propagate(org);

        std::string key = std::string(kKeyPrefix) + RandomHex(kKeyRandomBytes);
        auto inserted =
            Execute(db,
                    "INSERT INTO api_keys (key_hash, prefix, org_id, created_at) "
                    "VALUES (?1, ?2, ?3, ?4)",
                    Sha256Hex(key), key.substr(0, kShownPrefixSize), org_id, NowMillis());
        if (!inserted) return Propagate(inserted);
        return key;
    });
}

Result<std::vector<ApiKeyInfo>> SqliteStore::ListApiKeys() {
    return Read([](Connection& db) {
        return QueryAll(db, KeyFromRow,
                        SelectFrom(kKeyColumns,
                                   "FROM api_keys k JOIN orgs o ON o.id = k.org_id "
                                   "ORDER BY k.created_at, k.rowid"));
    });
}

// The hash of the one key `key_or_prefix` names, or nullopt when none does.
Result<std::optional<std::string>> ResolveKeyHash(Connection& db, std::string_view key_or_prefix) {
    auto hash_of = [](const Statement& row) { return row.Text(0); };
    if (LooksLikeKey(key_or_prefix, kKeySize)) {
        return QueryOptional(db, hash_of, "SELECT key_hash FROM api_keys WHERE key_hash = ?1",
                             Sha256Hex(key_or_prefix));
    }
    if (!LooksLikeKey(key_or_prefix, kShownPrefixSize)) return std::optional<std::string>();

    auto hashes =
        QueryAll(db, hash_of, "SELECT key_hash FROM api_keys WHERE prefix = ?1", key_or_prefix);
    if (!hashes) return Propagate(hashes);
    if (hashes->size() > 1) {
        return InvalidRequest("the prefix matches more than one key; give the whole key");
    }
    if (hashes->empty()) return std::optional<std::string>();
    return std::optional<std::string>(hashes->front());
}

Status SqliteStore::RevokeApiKey(std::string_view key_or_prefix) {
    return Write([&](Connection& db) -> Status {
        auto hash = ResolveKeyHash(db, key_or_prefix);
        if (!hash) return std::unexpected(hash.error());
        if (!hash->has_value()) {
            return NotFound(
                "no API key matches; give the whole key or the prefix `quire keys list` shows");
        }

        // Revoking a revoked key keeps its first revocation time.
        return Execute(db,
                       "UPDATE api_keys SET revoked_at = ?1 WHERE key_hash = ?2 AND revoked_at = 0",
                       NowMillis(), **hash);
    });
}

Result<ApiKeyInfo> SqliteStore::Authenticate(std::string_view key) {
    auto invalid = [] { return Fail(ErrorCode::kInvalidApiKey, "invalid API key"); };
    if (!LooksLikeKey(key, kKeySize)) return invalid();

    std::string hash = Sha256Hex(key);
    return Read([&](Connection& db) -> Result<ApiKeyInfo> {
        auto map = [](const Statement& row) { return std::pair(row.Text(0), KeyFromRow(row)); };
        auto found = QueryOptional(db, map,
                                   SelectFrom(kKeyColumns,
                                              "FROM api_keys k JOIN orgs o ON o.id = k.org_id "
                                              "WHERE k.key_hash = ?1"),
                                   hash);
        if (!found) return Propagate(found);
        if (!found->has_value()) return invalid();

        const auto& [stored_hash, info] = **found;
        if (!ConstantTimeEquals(stored_hash, hash) || info.revoked_at != 0) return invalid();
        return info;
    });
}

// --- runs ---

Result<Run> SqliteStore::CreateRun(std::string_view org_id, std::string_view format,
                                   std::string_view file_name, const RunMetadata& metadata) {
    if (!IsValidFormat(format)) return InvalidRequest("format must be excel, word or slides");

    return Write([&](Connection& db) -> Result<Run> {
        if (auto org = RequireOrg(db, org_id); !org) return Propagate(org);

        Run run;
        run.id = NewId("run_");
        run.org_id = std::string(org_id);
        run.format = std::string(format);
        run.file_name = std::string(file_name);
        run.created_at = run.updated_at = NowMillis();
        run.metadata = metadata;
        if (auto inserted = InsertRun(db, run); !inserted) return Propagate(inserted);
        return run;
    });
}

Result<Run> SqliteStore::GetRun(std::string_view org_id, std::string_view run_id) {
    return Read([&](Connection& db) -> Result<Run> {
        auto run = QueryOptional(db, RunFromRow,
                                 SelectFrom(kRunColumns, "FROM runs WHERE id = ?1 AND org_id = ?2"),
                                 run_id, org_id);
        if (!run) return Propagate(run);
        if (!run->has_value()) return NotFound("run not found");
        return **run;
    });
}

// The page of a keyset scan that asked for limit + 1 rows.
template <typename Page, typename Row, typename Id>
Page PageOf(std::vector<Row> rows, int limit, Id id_of) {
    bool has_more = rows.size() > static_cast<std::size_t>(limit);
    std::string next_cursor;
    if (has_more) {
        rows.resize(static_cast<std::size_t>(limit));
        next_cursor = id_of(rows.back());
    }
    return Page{std::move(rows), has_more, std::move(next_cursor)};
}

// Above every id of this prefix: ULIDs use digits and upper-case letters only.
std::string AboveEveryId(std::string_view prefix) { return std::string(prefix) + "~"; }

Result<RunPage> SqliteStore::ListRuns(std::string_view org_id, int limit, std::string_view cursor,
                                      const RunFilter& filter) {
    if (limit < 1 || limit > kMaxPageSize) return InvalidRequest("limit must be between 1 and 100");
    // The cursor is the id of the last run of the previous page: ids are ULIDs, so "older than
    // the cursor" is "id below it", and runs created while paging sort above every cursor.
    if (!cursor.empty() && !IsId(cursor, "run_")) return InvalidRequest("invalid cursor");
    std::string below = cursor.empty() ? AboveEveryId("run_") : std::string(cursor);
    std::string key = filter.metadata ? filter.metadata->first : std::string();
    std::string value = filter.metadata ? filter.metadata->second : std::string();

    return Read([&](Connection& db) -> Result<RunPage> {
        // An empty filter field matches every run.
        auto runs = QueryAll(
            db, RunFromRow,
            SelectFrom(kRunColumns,
                       fmt::format("FROM runs WHERE org_id = ?1 AND id < ?2 "
                                   "AND (?4 = '' OR ?4 = CASE WHEN expired_at > 0 OR "
                                   "({} <= ?8 AND NOT {}) THEN 'expired' ELSE 'active' END) "
                                   "AND (?5 = '' OR format = ?5) "
                                   "AND (?6 = '' OR EXISTS (SELECT 1 FROM run_metadata AS m "
                                   "WHERE m.run_id = runs.id AND m.key = ?6 AND m.value = ?7)) "
                                   "ORDER BY id DESC LIMIT ?3",
                                   kRunExpiry, kRunHasActiveTask)),
            org_id, below, limit + 1, filter.status, filter.format, key, value, NowMillis());
        if (!runs) return Propagate(runs);
        return PageOf<RunPage>(std::move(*runs), limit, [](const Run& run) { return run.id; });
    });
}

Result<Version> SqliteStore::GetVersion(std::string_view org_id, std::string_view run_id,
                                        int number) {
    return Read([&](Connection& db) -> Result<Version> {
        auto run = QueryOptional(
            db, [](const Statement& row) { return row.Int(0); },
            "SELECT 1 FROM runs WHERE id = ?1 AND org_id = ?2", run_id, org_id);
        if (!run) return Propagate(run);
        if (!run->has_value()) return NotFound("run not found");

        auto version = QueryOptional(
            db, VersionFromRow,
            SelectFrom(kVersionColumns,
                       "FROM versions WHERE run_id = ?1 AND org_id = ?2 AND number = ?3"),
            run_id, org_id, number);
        if (!version) return Propagate(version);
        if (!version->has_value()) return NotFound("version not found");
        return **version;
    });
}

// --- tasks ---

Result<Task> SqliteStore::CreateTask(const Task& task) {
    TaskSubmission submission;
    submission.task = task;
    submission.enqueue = true;
    auto submitted = SubmitTask(submission);
    if (!submitted) return Propagate(submitted);
    return std::move(submitted->task);
}

Result<SubmitOutcome> SqliteStore::SubmitTask(const TaskSubmission& submission) {
    if (auto valid = ValidateSubmission(submission); !valid) return Propagate(valid);

    return Write([&](Connection& db) -> Result<SubmitOutcome> {
        // The time is read under the write lock, so created_at follows the order of arrival.
        const std::int64_t now = NowMillis();
        auto replay = ReplayIdempotencyKey(db, submission, now);
        if (!replay) return Propagate(replay);
        if (replay->has_value()) return std::move(**replay);

        SubmitOutcome outcome;
        auto run = SubmissionRun(db, submission, now);
        if (!run) return Propagate(run);
        outcome.run = std::move(*run);
        if (!submission.enqueue) {
            auto active = FindActiveTask(db, outcome.run.id);
            if (!active) return Propagate(active);
            if (active->has_value()) {
                outcome.kind = SubmitOutcome::Kind::kRunBusy;
                outcome.task = std::move(**active);
                return outcome;
            }
        }

        auto task = InsertQueuedTask(db, submission, outcome.run.id, now);
        if (!task) return Propagate(task);
        outcome.task = std::move(*task);
        return outcome;
    });
}

Result<Task> SqliteStore::GetTask(std::string_view org_id, std::string_view task_id) {
    return Read([&](Connection& db) -> Result<Task> {
        auto task = FindTask(db, org_id, task_id);
        if (!task) return Propagate(task);
        if (!task->has_value()) return NotFound("task not found");
        return **task;
    });
}

Result<TaskPage> SqliteStore::ListTasks(std::string_view org_id, int limit, std::string_view cursor,
                                        const TaskFilter& filter) {
    if (limit < 1 || limit > kMaxPageSize) return InvalidRequest("limit must be between 1 and 100");
    if (!cursor.empty() && !IsId(cursor, "task_")) return InvalidRequest("invalid cursor");
    std::string below = cursor.empty() ? AboveEveryId("task_") : std::string(cursor);

    return Read([&](Connection& db) -> Result<TaskPage> {
        auto tasks = QueryAll(db, TaskFromRow,
                              SelectFrom(kTaskColumns,
                                         "FROM tasks WHERE org_id = ?1 AND id < ?2 "
                                         "AND (?4 = '' OR run_id = ?4) "
                                         "AND (?5 = '' OR status = ?5) "
                                         "ORDER BY id DESC LIMIT ?3"),
                              org_id, below, limit + 1, filter.run_id, filter.status);
        if (!tasks) return Propagate(tasks);
        return PageOf<TaskPage>(std::move(*tasks), limit, [](const Task& task) { return task.id; });
    });
}

Result<std::optional<Task>> SqliteStore::ClaimNextTask(std::int64_t lease_ms) {
    // A run's tasks run one at a time, in the order they were queued: each starts from the
    // version its predecessor committed. The unique index tasks_one_running_per_run refuses a
    // second running task even if this query were wrong.
    return Write([&](Connection& db) -> Result<std::optional<Task>> {
        const std::int64_t now = NowMillis();
        auto claimed = QueryOptional(
            db, TaskFromRow,
            fmt::format("UPDATE tasks SET status = 'running', phase = '', attempt = attempt + 1, "
                        "started_at = ?1, lease_expires_at = ?2 "
                        "WHERE id = (SELECT id FROM tasks AS t WHERE t.status = 'queued' "
                        "AND NOT EXISTS (SELECT 1 FROM tasks AS busy WHERE busy.run_id = t.run_id "
                        "AND busy.status = 'running') "
                        "ORDER BY t.rowid LIMIT 1) "
                        "RETURNING {}",
                        kTaskColumns),
            now, now + lease_ms);
        if (!claimed || !claimed->has_value()) return claimed;
        const Task& task = **claimed;
        auto event =
            AppendEvent(db, task.id, "running",
                        EventData({{"attempt", task.attempt}, {"phase", "starting"}}), now);
        if (!event) return Propagate(event);
        return claimed;
    });
}

Status SqliteStore::RenewLease(std::string_view task_id, int attempt, std::int64_t lease_ms) {
    return Write([&](Connection& db) -> Status {
        auto renewed = Execute(db,
                               "UPDATE tasks SET lease_expires_at = ?1 "
                               "WHERE id = ?2 AND status = 'running' AND attempt = ?3",
                               NowMillis() + lease_ms, task_id, attempt);
        if (!renewed) return renewed;
        if (db.Changes() == 0) return TaskNotRunning(task_id, attempt);
        return {};
    });
}

Result<LapsedTasks> SqliteStore::RecoverLapsedTasks(std::int64_t now_ms, int max_attempts) {
    return Write([&](Connection& db) -> Result<LapsedTasks> {
        auto lapsed = QueryAll(db, TaskFromRow,
                               SelectFrom(kTaskColumns,
                                          "FROM tasks WHERE status = 'running' "
                                          "AND lease_expires_at <= ?1 ORDER BY rowid"),
                               now_ms);
        if (!lapsed) return Propagate(lapsed);
        LapsedTasks counts;
        const std::int64_t now = NowMillis();
        for (const Task& task : *lapsed) {
            auto recovered = RecoverLapsedTask(db, task, max_attempts, now, counts);
            if (!recovered) return Propagate(recovered);
        }
        return counts;
    });
}

Result<int> SqliteStore::ExpireQueuedTasks(std::int64_t queued_before_ms) {
    return Write([&](Connection& db) -> Result<int> {
        const std::int64_t now = NowMillis();
        auto expired = QueryAll(
            db, [](const Statement& row) { return row.Text(0); },
            "UPDATE tasks SET status = 'expired', error_code = 'task_expired', "
            "error_message = 'the task waited in the queue past its limit', finished_at = ?1 "
            "WHERE status = 'queued' AND created_at < ?2 RETURNING id",
            now, queued_before_ms);
        if (!expired) return Propagate(expired);
        for (const std::string& id : *expired) {
            if (auto event = AppendEvent(db, id, "expired", "{}", now); !event) {
                return Propagate(event);
            }
        }
        return static_cast<int>(expired->size());
    });
}

Result<int> SqliteStore::PruneTaskHistory(std::int64_t before_ms) {
    return Write([&](Connection& db) -> Result<int> {
        auto events = Execute(db,
                              "DELETE FROM task_events WHERE task_id IN (SELECT id FROM tasks "
                              "WHERE finished_at > 0 AND finished_at < ?1)",
                              before_ms);
        if (!events) return Propagate(events);
        int removed = db.Changes();
        auto keys = Execute(db, "DELETE FROM idempotency_keys WHERE created_at < ?1", before_ms);
        if (!keys) return Propagate(keys);
        return removed + db.Changes();
    });
}

Status SqliteStore::SetTaskPhase(std::string_view task_id, int attempt, std::string_view phase) {
    return Write([&](Connection& db) -> Status {
        auto current = QueryOptional(
            db, [](const Statement& row) { return row.Text(0); },
            "SELECT phase FROM tasks WHERE id = ?1 AND status = 'running' AND attempt = ?2",
            task_id, attempt);
        if (!current) return std::unexpected(current.error());
        if (!current->has_value()) return TaskNotRunning(task_id, attempt);
        if (**current == phase) return {};

        auto updated = Execute(db, "UPDATE tasks SET phase = ?1 WHERE id = ?2", phase, task_id);
        if (!updated) return updated;
        return AppendEvent(db, task_id, "running",
                           EventData({{"attempt", attempt}, {"phase", phase}}), NowMillis());
    });
}

Status SqliteStore::AppendTaskEvent(std::string_view task_id, int attempt, std::string_view type,
                                    std::string_view data_json) {
    return Write([&](Connection& db) -> Status {
        auto running = QueryOptional(
            db, [](const Statement& row) { return row.Int(0); },
            "SELECT 1 FROM tasks WHERE id = ?1 AND status = 'running' AND attempt = ?2", task_id,
            attempt);
        if (!running) return std::unexpected(running.error());
        if (!running->has_value()) return TaskNotRunning(task_id, attempt);
        return AppendEvent(db, task_id, type, data_json.empty() ? "{}" : data_json, NowMillis());
    });
}

Result<std::vector<TaskEvent>> SqliteStore::ListTaskEvents(std::string_view org_id,
                                                           std::string_view task_id,
                                                           std::int64_t after_id, int limit) {
    if (limit < 1 || limit > 1000) return InvalidRequest("limit must be between 1 and 1000");
    return Read([&](Connection& db) -> Result<std::vector<TaskEvent>> {
        auto task = FindTask(db, org_id, task_id);
        if (!task) return Propagate(task);
        if (!task->has_value()) return NotFound("task not found");
        return QueryAll(db, EventFromRow,
                        "SELECT id, task_id, type, data_json, created_at FROM task_events "
                        "WHERE task_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                        task_id, after_id, limit);
    });
}

Result<Task> SqliteStore::CancelTask(std::string_view org_id, std::string_view task_id) {
    return Write([&](Connection& db) -> Result<Task> {
        auto found = FindTask(db, org_id, task_id);
        if (!found) return Propagate(found);
        if (!found->has_value()) return NotFound("task not found");
        if (IsTerminalStatus((*found)->status)) return **found;

        const std::int64_t now = NowMillis();
        auto cancelled = QueryOptional(
            db, TaskFromRow,
            fmt::format("UPDATE tasks SET status = 'cancelled', phase = '', finished_at = ?1, "
                        "lease_expires_at = 0 WHERE id = ?2 RETURNING {}",
                        kTaskColumns),
            now, task_id);
        if (!cancelled) return Propagate(cancelled);
        if (!cancelled->has_value()) return Internal("storage error", "cancelled task vanished");
        auto run = Execute(db, "UPDATE runs SET updated_at = ?1, last_task_at = ?1 WHERE id = ?2",
                           now, (*found)->run_id);
        if (!run) return Propagate(run);
        auto event =
            AppendEvent(db, task_id, "cancelled", EventData({{"while", (*found)->status}}), now);
        if (!event) return Propagate(event);
        return **cancelled;
    });
}

Result<Task> SqliteStore::CommitTurn(std::string_view task_id, int attempt,
                                     const TurnCommit& turn) {
    if (turn.new_version && !IsSha256Hex(turn.blob)) {
        return InvalidRequest("the turn's blob is not a SHA-256");
    }
    if (turn.blob_size < 0) return InvalidRequest("the turn's blob size is negative");

    return Write([&](Connection& db) -> Result<Task> {
        auto target = FindTurnTarget(db, task_id, attempt);
        if (!target) return Propagate(target);
        if (!target->has_value()) return TaskNotRunning(task_id, attempt);
        if (!turn.new_version) {
            // The task answers at the run's current version and keeps the run's memory current.
            --(*target)->number;
            if (auto row = InsertTurn(db, **target, turn); !row) return Propagate(row);
            if (auto run = Execute(db,
                                   "UPDATE runs SET memory_json = ?1, updated_at = ?2, "
                                   "last_task_at = ?2 WHERE id = ?3",
                                   MemoryOf(turn), (*target)->now, (*target)->run_id);
                !run) {
                return Propagate(run);
            }
            return CompleteTask(db, **target, turn);
        }

        if (auto version = InsertVersion(db, **target, turn); !version) return Propagate(version);
        if (auto row = InsertTurn(db, **target, turn); !row) return Propagate(row);
        if (auto run = AdvanceRun(db, **target, turn); !run) return Propagate(run);
        return CompleteTask(db, **target, turn);
    });
}

Result<Task> SqliteStore::FailTask(std::string_view task_id, int attempt, std::string_view code,
                                   std::string_view message, std::string_view usage_json) {
    return Write([&](Connection& db) -> Result<Task> {
        const std::int64_t now = NowMillis();
        auto task = QueryOptional(
            db, TaskFromRow,
            fmt::format("UPDATE tasks SET status = 'failed', phase = '', error_code = ?1, "
                        "error_message = ?2, finished_at = ?3, usage_json = ?6 "
                        "WHERE id = ?4 AND status = 'running' AND attempt = ?5 RETURNING {}",
                        kTaskColumns),
            code, message, now, task_id, attempt, usage_json.empty() ? "{}" : usage_json);
        if (!task) return Propagate(task);
        if (!task->has_value()) return TaskNotRunning(task_id, attempt);

        // Only the run's clock moves: its version, blob and memory stay at the last good turn.
        auto run = Execute(db, "UPDATE runs SET updated_at = ?1, last_task_at = ?1 WHERE id = ?2",
                           now, (*task)->run_id);
        if (!run) return Propagate(run);
        auto event = AppendEvent(db, task_id, "failed",
                                 EventData({{"code", code}, {"message", message}}), now);
        if (!event) return Propagate(event);
        return **task;
    });
}

// --- files ---

Result<FileRecord> SqliteStore::CreateFile(const FileRecord& file) {
    if (!file.id.empty() && !IsId(file.id, "file_")) return InvalidRequest("invalid file id");
    if (!IsValidPurpose(file.purpose)) {
        return InvalidRequest("purpose must be context, init or reference");
    }
    if (!IsSha256Hex(file.blob)) return InvalidRequest("the file's blob is not a SHA-256");
    if (file.size < 0) return InvalidRequest("the file's size is negative");

    FileRecord created = file;
    if (created.id.empty()) created.id = NewId("file_");
    created.created_at = NowMillis();

    return Write([&](Connection& db) -> Result<FileRecord> {
        if (auto org = RequireOrg(db, created.org_id); !org) return Propagate(org);
        auto inserted = Execute(db,
                                "INSERT INTO files (id, org_id, name, size, purpose, blob, "
                                "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                created.id, created.org_id, created.name, created.size,
                                created.purpose, created.blob, created.created_at);
        if (!inserted) return Propagate(inserted);
        return created;
    });
}

Result<FileRecord> SqliteStore::GetFile(std::string_view org_id, std::string_view file_id) {
    return Read([&](Connection& db) -> Result<FileRecord> {
        auto file = QueryOptional(
            db, FileFromRow, SelectFrom(kFileColumns, "FROM files WHERE id = ?1 AND org_id = ?2"),
            file_id, org_id);
        if (!file) return Propagate(file);
        if (!file->has_value()) return NotFound("file not found");
        return **file;
    });
}

// --- run lifecycle: versions, deletion, retention ---

std::optional<std::string> FirstText(const Statement& row) { return row.Text(0); }

Result<std::optional<std::string>> ActiveTaskIn(Connection& db, std::string_view run_id) {
    auto found = FindActiveTask(db, run_id);
    if (!found) return Propagate(found);
    if (!found->has_value()) return std::optional<std::string>();
    return (*found)->id;
}

Result<Run> RunIn(Connection& db, std::string_view org_id, std::string_view run_id) {
    auto run = QueryOptional(db, RunFromRow,
                             SelectFrom(kRunColumns, "FROM runs WHERE id = ?1 AND org_id = ?2"),
                             run_id, org_id);
    if (!run) return Propagate(run);
    if (!run->has_value()) return NotFound("run not found");
    return **run;
}

std::unexpected<Error> RunBusy(std::string_view task_id) {
    return Fail(ErrorCode::kRunBusy, "the run has a task queued or running; try again when it ends",
                fmt::format("active_task_id={}", task_id));
}

std::unexpected<Error> RunExpired() {
    return Fail(ErrorCode::kRunExpired, "the run has expired under the retention window");
}

// The blobs of `candidates` that no version, run or upload refers to any more.
Result<std::vector<std::string>> UnreferencedBlobs(Connection& db,
                                                   std::vector<std::string> candidates) {
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<std::string> unreferenced;
    for (const std::string& blob : candidates) {
        if (blob.empty()) continue;
        auto used = db.Query(
            "SELECT EXISTS (SELECT 1 FROM versions WHERE blob = ?1) OR "
            "EXISTS (SELECT 1 FROM runs WHERE blob = ?1) OR "
            "EXISTS (SELECT 1 FROM files WHERE blob = ?1)",
            blob);
        if (!used) return Propagate(used);
        auto row = used->Step();
        if (!row) return Propagate(row);
        if (*row && used->Int(0) == 0) unreferenced.push_back(blob);
    }
    return unreferenced;
}

// Every blob a run's rows refer to: its versions and its current document.
Result<std::vector<std::string>> BlobsOfRun(Connection& db, std::string_view run_id) {
    return QueryAll(
        db, [](const Statement& row) { return row.Text(0); },
        "SELECT blob FROM versions WHERE run_id = ?1 UNION SELECT blob FROM runs WHERE id = ?1",
        run_id);
}

Result<VersionPage> SqliteStore::ListVersions(std::string_view org_id, std::string_view run_id,
                                              int limit, std::string_view cursor) {
    if (limit < 1 || limit > kMaxPageSize) return InvalidRequest("limit must be between 1 and 100");
    // The cursor is the number of the last version of the previous page.
    std::int64_t below = INT64_MAX;
    if (!cursor.empty()) {
        auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), below);
        if (ec != std::errc() || end != cursor.data() + cursor.size() || below < 1) {
            return InvalidRequest("invalid cursor");
        }
    }

    return Read([&](Connection& db) -> Result<VersionPage> {
        if (auto run = RunIn(db, org_id, run_id); !run) return Propagate(run);
        auto versions = QueryAll(db, VersionFromRow,
                                 SelectFrom(kVersionColumns,
                                            "FROM versions WHERE run_id = ?1 AND org_id = ?2 "
                                            "AND number < ?3 ORDER BY number DESC LIMIT ?4"),
                                 run_id, org_id, below, limit + 1);
        if (!versions) return Propagate(versions);
        return PageOf<VersionPage>(std::move(*versions), limit, [](const Version& version) {
            return std::to_string(version.number);
        });
    });
}

Result<Version> SqliteStore::AddOutsideVersion(std::string_view org_id, std::string_view run_id,
                                               const OutsideVersion& version) {
    bool revert = version.created_by == "revert";
    if (!revert && version.created_by != "upload" && version.created_by != "human") {
        return InvalidRequest("a version is made by upload, human or revert");
    }
    if (!revert && !IsSha256Hex(version.blob)) {
        return InvalidRequest("the version's blob is not a SHA-256");
    }

    return Write([&](Connection& db) -> Result<Version> {
        auto run = RunIn(db, org_id, run_id);
        if (!run) return Propagate(run);
        if (run->status == "expired") return RunExpired();
        auto active = ActiveTaskIn(db, run_id);
        if (!active) return Propagate(active);
        if (active->has_value()) return RunBusy(**active);

        Version made;
        made.run_id = run->id;
        made.number = run->version + 1;
        made.created_at = NowMillis();
        made.created_by = version.created_by;
        made.blob = version.blob;
        made.size = version.size;
        if (revert) {
            if (run->version == 0) {
                return Fail(ErrorCode::kConflict, "the run has no version to revert to yet");
            }
            auto source = QueryOptional(
                db, VersionFromRow,
                SelectFrom(kVersionColumns, "FROM versions WHERE run_id = ?1 AND number = ?2"),
                run_id, version.revert_to);
            if (!source) return Propagate(source);
            if (!source->has_value()) return NotFound("version not found");
            made.blob = (*source)->blob;
            made.size = (*source)->size;
        }

        auto inserted = Execute(db,
                                "INSERT INTO versions (run_id, number, org_id, blob, size, "
                                "task_id, created_at, created_by) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
                                made.run_id, made.number, run->org_id, made.blob, made.size,
                                made.created_at, made.created_by);
        if (!inserted) return Propagate(inserted);
        auto advanced = Execute(db,
                                "UPDATE runs SET version = ?1, blob = ?2, updated_at = ?3 "
                                "WHERE id = ?4",
                                made.number, made.blob, made.created_at, made.run_id);
        if (!advanced) return Propagate(advanced);
        return made;
    });
}

Result<std::optional<std::string>> SqliteStore::ActiveTaskOf(std::string_view run_id) {
    return Read([&](Connection& db) { return ActiveTaskIn(db, run_id); });
}

Result<int> SqliteStore::LastTurnVersion(std::string_view run_id) {
    return Read([&](Connection& db) -> Result<int> {
        auto version = QueryOptional(
            db, [](const Statement& row) { return row.Int(0); },
            "SELECT version FROM tasks WHERE run_id = ?1 AND status = 'completed' "
            "ORDER BY finished_at DESC, id DESC LIMIT 1",
            run_id);
        if (!version) return Propagate(version);
        return version->value_or(0);
    });
}

Result<SweepStep> SqliteStore::DeleteRun(std::string_view org_id, std::string_view run_id) {
    return Write([&](Connection& db) -> Result<SweepStep> {
        if (auto run = RunIn(db, org_id, run_id); !run) return Propagate(run);
        auto active = ActiveTaskIn(db, run_id);
        if (!active) return Propagate(active);
        if (active->has_value()) return RunBusy(**active);
        auto blobs = BlobsOfRun(db, run_id);
        if (!blobs) return Propagate(blobs);

        // Tasks, versions, turns, metadata and file uses go with the run (ON DELETE CASCADE).
        auto deleted =
            Execute(db, "DELETE FROM runs WHERE id = ?1 AND org_id = ?2", run_id, org_id);
        if (!deleted) return Propagate(deleted);
        auto unreferenced = UnreferencedBlobs(db, std::move(*blobs));
        if (!unreferenced) return Propagate(unreferenced);
        return SweepStep{1, std::move(*unreferenced)};
    });
}

Result<std::vector<std::string>> SqliteStore::UnreferencedOf(std::vector<std::string> blobs) {
    return Read([&](Connection& db) { return UnreferencedBlobs(db, std::move(blobs)); });
}

Result<SweepStep> SqliteStore::DeleteFile(std::string_view org_id, std::string_view file_id) {
    return Write([&](Connection& db) -> Result<SweepStep> {
        auto blob = QueryOptional(db, FirstText,
                                  "DELETE FROM files WHERE id = ?1 AND org_id = ?2 RETURNING blob",
                                  file_id, org_id);
        if (!blob) return Propagate(blob);
        if (!blob->has_value()) return NotFound("file not found");
        auto unreferenced = UnreferencedBlobs(db, {***blob});
        if (!unreferenced) return Propagate(unreferenced);
        return SweepStep{1, std::move(*unreferenced)};
    });
}

Status SqliteStore::MarkFilesUsed(std::string_view org_id, std::string_view run_id,
                                  const std::vector<std::string>& file_ids) {
    if (file_ids.empty()) return {};
    return Write([&](Connection& db) -> Status {
        for (const std::string& file_id : file_ids) {
            // Only the org's own files of the org's own run are linked.
            auto linked = Execute(db,
                                  "INSERT OR IGNORE INTO run_files (run_id, file_id) "
                                  "SELECT r.id, f.id FROM runs AS r JOIN files AS f "
                                  "ON f.org_id = r.org_id "
                                  "WHERE r.id = ?1 AND r.org_id = ?2 AND f.id = ?3",
                                  run_id, org_id, file_id);
            if (!linked) return linked;
        }
        return {};
    });
}

Result<Org> SqliteStore::SetRetention(std::string_view org, std::int64_t window_ms) {
    if (window_ms < 1000) return InvalidRequest("a retention window is at least one second");
    return Write([&](Connection& db) -> Result<Org> {
        auto map = [](const Statement& row) { return Org{row.Text(0), row.Text(1)}; };
        auto updated = QueryOptional(db, map,
                                     "UPDATE orgs SET retention_ms = ?1 "
                                     "WHERE id = ?2 OR name = ?2 RETURNING id, name",
                                     window_ms, org);
        if (!updated) return Propagate(updated);
        if (!updated->has_value()) return NotFound("organisation not found");
        return **updated;
    });
}

Result<std::int64_t> SqliteStore::RetentionOf(std::string_view org_id) {
    return Read([&](Connection& db) -> Result<std::int64_t> {
        auto window = QueryOptional(
            db, [](const Statement& row) { return row.Int64(0); },
            "SELECT retention_ms FROM orgs WHERE id = ?1", org_id);
        if (!window) return Propagate(window);
        if (!window->has_value()) return NotFound("organisation not found");
        return **window;
    });
}

Result<SweepStep> SqliteStore::MarkExpiredRuns(std::int64_t now, int limit) {
    return Write([&](Connection& db) -> Result<SweepStep> {
        // A run with a task still queued or running is left for a later pass: its task ends
        // first and moves the run's clock.
        auto marked = Execute(
            db,
            fmt::format("UPDATE runs SET status = 'expired', expired_at = {0} "
                        "WHERE id IN (SELECT id FROM runs WHERE expired_at = 0 AND {0} <= ?1 "
                        "AND NOT {1} LIMIT ?2)",
                        kRunExpiry, kRunHasActiveTask),
            now, limit);
        if (!marked) return Propagate(marked);
        return SweepStep{db.Changes(), {}};
    });
}

Result<SweepStep> SqliteStore::PurgeExpiredRuns(std::int64_t now, std::int64_t purge_after_ms,
                                                int limit) {
    return Write([&](Connection& db) -> Result<SweepStep> {
        auto due = QueryAll(
            db, [](const Statement& row) { return row.Text(0); },
            "SELECT id FROM runs WHERE expired_at > 0 AND purged_at = 0 "
            "AND expired_at + ?1 <= ?2 LIMIT ?3",
            purge_after_ms, now, limit);
        if (!due) return Propagate(due);

        std::vector<std::string> candidates;
        for (const std::string& run_id : *due) {
            auto blobs = BlobsOfRun(db, run_id);
            if (!blobs) return Propagate(blobs);
            candidates.insert(candidates.end(), blobs->begin(), blobs->end());
            // The row stays; its bytes, versions, conversation and prompts go.
            for (std::string_view sql :
                 {"DELETE FROM versions WHERE run_id = ?1", "DELETE FROM turns WHERE run_id = ?1",
                  "DELETE FROM run_files WHERE run_id = ?1",
                  "UPDATE tasks SET request_json = '{}', summary = '' WHERE run_id = ?1"}) {
                if (auto done = Execute(db, sql, run_id); !done) return Propagate(done);
            }
            auto marked = Execute(db,
                                  "UPDATE runs SET blob = '', memory_json = '{}', purged_at = ?1 "
                                  "WHERE id = ?2",
                                  now, run_id);
            if (!marked) return Propagate(marked);
        }
        auto unreferenced = UnreferencedBlobs(db, std::move(candidates));
        if (!unreferenced) return Propagate(unreferenced);
        return SweepStep{static_cast<int>(due->size()), std::move(*unreferenced)};
    });
}

Result<SweepStep> SqliteStore::ExpireUnusedFiles(std::int64_t now, int limit) {
    return Write([&](Connection& db) -> Result<SweepStep> {
        auto blobs = QueryAll(db, FirstText,
                              "DELETE FROM files WHERE id IN (SELECT f.id FROM files AS f "
                              "JOIN orgs AS o ON o.id = f.org_id "
                              "WHERE f.created_at + o.retention_ms <= ?1 "
                              "AND NOT EXISTS (SELECT 1 FROM run_files AS u "
                              "WHERE u.file_id = f.id) LIMIT ?2) RETURNING blob",
                              now, limit);
        if (!blobs) return Propagate(blobs);
        int count = static_cast<int>(blobs->size());
        std::vector<std::string> candidates;
        for (auto& blob : *blobs) candidates.push_back(blob.value_or(""));
        auto unreferenced = UnreferencedBlobs(db, std::move(candidates));
        if (!unreferenced) return Propagate(unreferenced);
        return SweepStep{count, std::move(*unreferenced)};
    });
}

// --- server secrets ---

Result<std::string> SqliteStore::ServerSecret(std::string_view name) {
    if (name.empty()) return InvalidRequest("a secret needs a name");

    auto value_of = [](const Statement& row) { return row.Text(0); };
    auto existing = Read([&](Connection& db) {
        return QueryOptional(db, value_of, "SELECT value FROM secrets WHERE name = ?1", name);
    });
    if (!existing) return Propagate(existing);
    if (existing->has_value()) return **existing;

    // Another thread or process may create it between the read and this write; the insert
    // then does nothing and everyone reads the first value.
    return Write([&](Connection& db) -> Result<std::string> {
        auto inserted = Execute(db,
                                "INSERT INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (name) DO NOTHING",
                                name, RandomHex(32), NowMillis());
        if (!inserted) return Propagate(inserted);
        auto value = QueryOptional(db, value_of, "SELECT value FROM secrets WHERE name = ?1", name);
        if (!value) return Propagate(value);
        if (!value->has_value()) return Internal("storage error", "secret vanished after insert");
        return **value;
    });
}

Result<std::unique_ptr<Connection>> OpenWriter(const std::filesystem::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
        return Fail(ErrorCode::kUnavailable, "cannot create the data directory",
                    fmt::format("{}: {}", path.parent_path().string(), ec.message()));
    }
    return Connection::Open(path);
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::filesystem::path& path) {
    // Every refusal happens before the first write: switching a file to WAL already writes its
    // header, and closing the last connection copies the log into the file.
    if (auto header = sqlite::CheckFileHeader(path); !header) {
        return std::unexpected(header.error());
    }
    auto writer = OpenWriter(path);
    if (!writer) return Propagate(writer);
    if (auto schema = sqlite::CheckSchema(**writer); !schema) {
        (*writer)->KeepLogOnClose();
        return std::unexpected(schema.error());
    }

    if (auto wal = (*writer)->SetWalMode(); !wal) return std::unexpected(wal.error());
    if (auto migrated = sqlite::Migrate(**writer); !migrated) {
        return std::unexpected(migrated.error());
    }
    return std::make_unique<SqliteStore>(path, std::move(*writer));
}

}  // namespace quire::store
