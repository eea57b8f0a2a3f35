#include "store/sqlite/schema.hpp"

#include <array>
#include <fstream>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "common/log.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace quire::store::sqlite {
namespace {

struct Migration {
    int version;
    std::string_view script;
};

// Version 1: the server core.
//
// Statuses and formats are plain TEXT without CHECK constraints: later versions add task
// statuses (cancelled, expired) and run statuses (expired), and SQLite cannot change a CHECK
// without rebuilding the table. Child rows of a run cascade on delete so that deleting a run
// needs no schema change either.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX api_keys_by_prefix ON api_keys (prefix);
CREATE INDEX api_keys_by_org ON api_keys (org_id);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    format TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    file_name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_task_at INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    blob TEXT NOT NULL DEFAULT '',
    memory_json TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX runs_by_org ON runs (org_id, id);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    status TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT '',
    request_json TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '',
    credits_used REAL NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    error_code TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX tasks_queue ON tasks (status, created_at, id);
CREATE INDEX tasks_by_run ON tasks (run_id, id);
CREATE INDEX tasks_by_org ON tasks (org_id, id);

CREATE TABLE versions (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, number)
) STRICT;
CREATE INDEX versions_by_task ON versions (task_id);

CREATE TABLE turns (
    task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    version INTEGER NOT NULL,
    messages_json TEXT NOT NULL,
    memory_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX turns_by_run ON turns (run_id, created_at);

CREATE TABLE files (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    blob TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX files_by_org ON files (org_id, id);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
)sql";

// What each task's turn cost (agent::TurnStats as JSON): tokens, model calls, tool calls.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE tasks ADD COLUMN usage_json TEXT NOT NULL DEFAULT '{}';
)sql";

// The task lifecycle: leases, the store's own guard against two running tasks on one run, the
// per-task event log, and idempotency keys.
//
// Claims order the queue by rowid, which follows insertion order even within one millisecond;
// tasks_by_status holds it implicitly. Events and keys go with their task or run.
constexpr std::string_view kVersion3TaskLifecycle = R"sql(
ALTER TABLE tasks ADD COLUMN lease_expires_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX tasks_one_running_per_run ON tasks (run_id) WHERE status = 'running';
CREATE INDEX tasks_by_status ON tasks (status);
CREATE INDEX tasks_active_by_run ON tasks (run_id) WHERE status IN ('queued', 'running');

CREATE TABLE task_events (
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    type TEXT NOT NULL,
    data_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task_id, id)
) STRICT;

CREATE TABLE idempotency_keys (
    org_id TEXT NOT NULL REFERENCES orgs (id),
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
) STRICT;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_by_task ON idempotency_keys (task_id);
)sql";

// Run lifecycle (runs half): who made each version, run metadata, retention windows and the
// marks the sweeper leaves, and which uploads a run uses (so that they do not expire under it).
// Every existing version was made by a task; every existing org gets the default window.
constexpr std::string_view kVersion4RunLifecycle = R"sql(
ALTER TABLE versions ADD COLUMN created_by TEXT NOT NULL DEFAULT 'agent';

ALTER TABLE orgs ADD COLUMN retention_ms INTEGER NOT NULL DEFAULT 2592000000;

ALTER TABLE runs ADD COLUMN metadata_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN expired_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN purged_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_by_expiry ON runs (status, last_task_at);

CREATE TABLE run_metadata (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT;
CREATE INDEX run_metadata_by_pair ON run_metadata (org_id, key, value);

CREATE TABLE run_files (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    PRIMARY KEY (run_id, file_id)
) STRICT;
CREATE INDEX run_files_by_file ON run_files (file_id);

CREATE INDEX versions_by_blob ON versions (blob);
CREATE INDEX files_by_blob ON files (blob);
CREATE INDEX runs_by_blob ON runs (blob);
CREATE INDEX files_by_age ON files (created_at);
)sql";

// What the recalculation after an Excel turn found (the task result's `recalculation`), as JSON;
// '' for tasks without one.
constexpr std::string_view kVersion5Recalculation = R"sql(
ALTER TABLE tasks ADD COLUMN recalculation_json TEXT NOT NULL DEFAULT '';
)sql";

// In order; the last step's version is kSqliteSchemaVersion.
constexpr std::array kMigrations{
    Migration{1, kVersion1},
    Migration{2, kVersion2},
    Migration{3, kVersion3TaskLifecycle},
    Migration{4, kVersion4RunLifecycle},
    Migration{5, kVersion5Recalculation},
};
static_assert(kMigrations.back().version == kSqliteSchemaVersion);

Status RefuseNewerSchema(std::int64_t version) {
    if (version <= kSqliteSchemaVersion) return {};
    return Fail(
        ErrorCode::kUnavailable,
        fmt::format("the data directory was written by a newer Quire (schema {}, this build "
                    "knows {}); refusing to open it",
                    version, kSqliteSchemaVersion));
}

Error Unreadable(const Error& cause) {
    return Error{ErrorCode::kUnavailable, "the database in the data directory cannot be read",
                 cause.detail};
}

Status RefuseForeignDatabase(Connection& db, std::int64_t version) {
    if (version != 0) return {};
    // Version and tables in one statement, so one snapshot: another process may migrate the
    // fresh file between two statements, and its tables without its version look foreign.
    auto tables = db.QueryInt(
        "SELECT COUNT(*) FROM sqlite_schema WHERE (SELECT user_version FROM pragma_user_version) = "
        "0");
    if (!tables) return std::unexpected(Unreadable(tables.error()));
    if (*tables == 0) return {};
    return Fail(ErrorCode::kUnavailable,
                "the database in the data directory is not Quire's; refusing to open it");
}

// What the first bytes of a database file say, read without SQLite: SQLite would create -wal and
// -shm files beside a WAL database even to read it, or roll back a journal left by a crash.
struct FileHeader {
    bool empty = false;      // a zero-length file, which SQLite treats as a new database
    bool is_sqlite = false;  // starts with the SQLite magic string
    std::int64_t user_version = 0;
};

Result<FileHeader> ReadFileHeader(const std::filesystem::path& path) {
    // The header layout is SQLite's file format: a 16-byte magic string, and the user version
    // as a big-endian 32-bit integer at offset 60 of the 100-byte header.
    constexpr std::string_view kMagic("SQLite format 3\0", 16);
    constexpr std::size_t kHeaderSize = 100;
    constexpr std::size_t kUserVersionOffset = 60;

    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Fail(ErrorCode::kUnavailable, "the database in the data directory cannot be read",
                    "cannot open " + path.string());
    std::array<char, kHeaderSize> bytes{};
    in.read(bytes.data(), bytes.size());
    auto got = static_cast<std::size_t>(in.gcount());

    FileHeader header;
    header.empty = got == 0;
    header.is_sqlite = got == kHeaderSize && std::string_view(bytes.data(), 16) == kMagic;
    if (!header.is_sqlite) return header;
    for (std::size_t i = 0; i < 4; ++i) {
        auto byte = static_cast<unsigned char>(bytes[kUserVersionOffset + i]);
        header.user_version = (header.user_version << 8) | byte;
    }
    return header;
}

Status ApplyMigration(Connection& writer, const Migration& migration) {
    auto transaction = Transaction::Begin(writer, TransactionMode::kImmediate);
    if (!transaction) return std::unexpected(transaction.error());

    // Another process may have migrated since this one last looked.
    auto version = writer.QueryInt("PRAGMA user_version");
    if (!version) return std::unexpected(version.error());
    if (auto newer = RefuseNewerSchema(*version); !newer) return newer;
    if (*version >= migration.version) return transaction->Commit();

    if (auto applied = writer.Exec(migration.script); !applied) return applied;
    auto set_version = writer.Exec(fmt::format("PRAGMA user_version = {}", migration.version));
    if (!set_version) return set_version;
    if (auto committed = transaction->Commit(); !committed) return committed;
    QUIRE_LOG_INFO("schema migrated version={}", migration.version);
    return {};
}

}  // namespace

Status CheckFileHeader(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};

    auto header = ReadFileHeader(path);
    if (!header) return std::unexpected(header.error());
    if (header->empty) return {};
    if (!header->is_sqlite) {
        return Fail(ErrorCode::kUnavailable,
                    "the database in the data directory is not a SQLite database; refusing to "
                    "open it");
    }
    return RefuseNewerSchema(header->user_version);
}

Status CheckSchema(Connection& db) {
    auto version = db.QueryInt("PRAGMA user_version");
    if (!version) return std::unexpected(Unreadable(version.error()));
    if (auto newer = RefuseNewerSchema(*version); !newer) return newer;
    return RefuseForeignDatabase(db, *version);
}

Status Migrate(Connection& writer) { return MigrateTo(writer, kSqliteSchemaVersion); }

Status MigrateTo(Connection& writer, int target) {
    auto version = writer.QueryInt("PRAGMA user_version");
    if (!version) return std::unexpected(version.error());
    if (auto newer = RefuseNewerSchema(*version); !newer) return newer;

    for (const Migration& migration : kMigrations) {
        if (migration.version <= *version || migration.version > target) continue;
        if (auto applied = ApplyMigration(writer, migration); !applied) return applied;
    }
    return {};
}

}  // namespace quire::store::sqlite
