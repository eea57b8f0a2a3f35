#include "store/sqlite/sqlite_store.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::store {
namespace {

using sqlite::Connection;

// RecoverLapsedTasks' "every running task", and the attempt limit the server uses.
constexpr std::int64_t kEveryLease = INT64_MAX;
constexpr int kAttempts = 3;

// The value of a Result that the test needs to go on; a failure ends the test with its detail.
template <typename T>
T Must(Result<T> result) {
    if (!result) {
        throw std::runtime_error(result.error().message + " | " + result.error().detail);
    }
    return std::move(*result);
}

void Must(Status status) {
    if (!status) throw std::runtime_error(status.error().message + " | " + status.error().detail);
}

// The error code of a failed result, nullopt for a success.
template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& result) {
    if (result) return std::nullopt;
    return result.error().code;
}

std::string ReadBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteBytes(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Direct access to the database file, for what the interface does not show (schema, raw rows)
// and for playing a second process that holds locks.
std::unique_ptr<Connection> RawConnection(const std::filesystem::path& path) {
    return Must(Connection::Open(path));
}

std::int64_t CountRows(const std::filesystem::path& path, const std::string& sql) {
    return Must(RawConnection(path)->QueryInt(sql));
}

TurnCommit SampleTurn(std::string_view content, std::string memory = R"({"sheets":["Data"]})") {
    TurnCommit turn;
    turn.blob = Sha256Hex(content);
    turn.blob_size = static_cast<std::int64_t>(content.size());
    turn.summary = "Added a sheet named Data.";
    turn.credits_used = 1.5;
    turn.duration_ms = 1200;
    turn.memory_json = std::move(memory);
    turn.messages_json = R"([{"role":"user","content":"add a sheet"}])";
    turn.usage_json = R"({"input_tokens":900,"output_tokens":40,"steps":2,"tool_calls":1})";
    return turn;
}

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = OpenStore();
        org_ = Must(store_->EnsureOrg("acme"));
        other_org_ = Must(store_->EnsureOrg("globex"));
    }

    std::filesystem::path DbPath() const { return dir_.path() / "quire.db"; }
    std::unique_ptr<MetadataStore> OpenStore() { return Must(OpenSqliteStore(DbPath())); }

    store::Run NewRun(const Org& org) {
        return Must(store_->CreateRun(org.id, "excel", "report.xlsx"));
    }

    Task NewTask(const store::Run& run, std::string request = R"({"prompt":"hi"})") {
        Task task;
        task.run_id = run.id;
        task.org_id = run.org_id;
        task.request_json = std::move(request);
        return Must(store_->CreateTask(task));
    }

    Task Claim() {
        auto claimed = Must(store_->ClaimNextTask());
        if (!claimed) throw std::runtime_error("queue unexpectedly empty");
        return *claimed;
    }

    TempDir dir_;
    std::unique_ptr<MetadataStore> store_;
    Org org_;
    Org other_org_;
};

// --- schema and opening ---

TEST_F(SqliteStoreTest, FreshDatabaseIsMigratedToCurrentSchemaInWalMode) {
    auto raw = RawConnection(DbPath());
    EXPECT_EQ(Must(raw->QueryInt("PRAGMA user_version")), kSqliteSchemaVersion);

    auto mode = Must(raw->Prepare("PRAGMA journal_mode"));
    ASSERT_TRUE(Must(mode.Step()));
    EXPECT_EQ(mode.Text(0), "wal");

    for (const char* table :
         {"orgs", "api_keys", "runs", "tasks", "versions", "turns", "files", "secrets"}) {
        SCOPED_TRACE(table);
        auto found =
            Must(raw->Query("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' "
                            "AND name = ?1",
                            table));
        ASSERT_TRUE(Must(found.Step()));
        EXPECT_EQ(found.Int(0), 1);
    }
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndAppliesNoMigrationTwice) {
    std::string key = Must(store_->CreateApiKey(org_.id));
    store::Run run = NewRun(org_);
    store_.reset();

    auto reopened = OpenStore();
    EXPECT_FALSE(Must(reopened->IsEmpty()));
    EXPECT_EQ(Must(reopened->Authenticate(key)).org_id, org_.id);
    EXPECT_EQ(Must(reopened->GetRun(org_.id, run.id)).file_name, "report.xlsx");
    EXPECT_EQ(Must(reopened->EnsureOrg("acme")).id, org_.id);
    EXPECT_EQ(CountRows(DbPath(), "PRAGMA user_version"), kSqliteSchemaVersion);
}

// A database at schema `version` holding org_1, run_1 and its queued task_1, as an older Quire
// left it.
void MakeDatabaseWithOneQueuedTask(const std::filesystem::path& path, int version) {
    auto raw = RawConnection(path);
    Must(raw->SetWalMode());
    Must(sqlite::MigrateTo(*raw, version));
    Must(
        raw->Exec("INSERT INTO orgs (id, name, created_at) VALUES ('org_1', 'acme', 1);"
                  "INSERT INTO runs (id, org_id, format, created_at, updated_at) "
                  "VALUES ('run_1', 'org_1', 'excel', 1, 1);"
                  "INSERT INTO tasks (id, run_id, org_id, status, request_json, created_at) "
                  "VALUES ('task_1', 'run_1', 'org_1', 'queued', '{}', 1);"));
}

// A data directory of the first schema (no usage column) opens, gains the column, and keeps
// its tasks, which read as having no usage recorded.
TEST(SqliteStoreOpen, FirstSchemaIsMigratedKeepingItsTasks) {
    TempDir dir;
    auto path = dir.path() / "quire.db";
    MakeDatabaseWithOneQueuedTask(path, 1);
    auto store = Must(OpenSqliteStore(path));
    EXPECT_EQ(CountRows(path, "PRAGMA user_version"), kSqliteSchemaVersion);
    Task task = Must(store->GetTask("org_1", "task_1"));
    EXPECT_EQ(task.usage_json, "{}");
    EXPECT_EQ(task.status, "queued");
}

// A data directory of schema 3 gains the run lifecycle: its versions were made by the agent, its
// orgs keep runs for the default window, its runs have no metadata and are not expired.
TEST(SqliteStoreOpen, ThirdSchemaGainsTheRunLifecycle) {
    TempDir dir;
    auto path = dir.path() / "quire.db";
    const std::int64_t now = NowMillis();
    {
        auto raw = RawConnection(path);
        Must(raw->SetWalMode());
        Must(sqlite::MigrateTo(*raw, 3));
        EXPECT_EQ(Must(raw->QueryInt("PRAGMA user_version")), 3);
        Must(raw->Exec(fmt::format(
            "INSERT INTO orgs (id, name, created_at) VALUES ('org_1', 'acme', 1);"
            "INSERT INTO runs (id, org_id, format, created_at, updated_at, last_task_at, "
            "version, blob) VALUES ('run_1', 'org_1', 'excel', {0}, {0}, {0}, 1, '{1}');"
            "INSERT INTO tasks (id, run_id, org_id, status, request_json, created_at, version) "
            "VALUES ('task_1', 'run_1', 'org_1', 'completed', '{{}}', {0}, 1);"
            "INSERT INTO versions (run_id, number, org_id, blob, size, task_id, created_at) "
            "VALUES ('run_1', 1, 'org_1', '{1}', 5, 'task_1', {0});",
            now, Sha256Hex("bytes"))));
    }
    auto store = Must(OpenSqliteStore(path));
    EXPECT_EQ(CountRows(path, "PRAGMA user_version"), kSqliteSchemaVersion);
    store::Run run = Must(store->GetRun("org_1", "run_1"));
    EXPECT_EQ(run.status, "active");
    EXPECT_TRUE(run.metadata.empty());
    EXPECT_EQ(run.expires_at, now + kDefaultRetentionMs);
    EXPECT_EQ(Must(store->RetentionOf("org_1")), kDefaultRetentionMs);
    VersionPage versions = Must(store->ListVersions("org_1", "run_1", 10, ""));
    ASSERT_EQ(versions.versions.size(), 1u);
    EXPECT_EQ(versions.versions[0].created_by, "agent");
    EXPECT_EQ(versions.versions[0].task_id, "task_1");
    EXPECT_EQ(Must(store->LastTurnVersion("run_1")), 1);
}

// How a newer Quire may have left its database: checkpointed in WAL mode, in rollback-journal
// mode (switching that to WAL would already change its header), or with the newer schema still
// only in the write-ahead log (closing the last connection would copy it into the file).
enum class FutureLayout { kWal, kRollbackJournal, kNewerSchemaInLog };

void WriteFutureDatabase(const std::filesystem::path& path, FutureLayout layout) {
    auto future = RawConnection(path);
    if (layout != FutureLayout::kRollbackJournal) Must(future->SetWalMode());
    Must(future->Exec("CREATE TABLE from_the_future (x TEXT)"));
    if (layout != FutureLayout::kNewerSchemaInLog) {
        Must(future->Exec("PRAGMA user_version = 7"));
        return;
    }
    Must(future->Exec("PRAGMA user_version = 1"));
    future.reset();
    auto upgrader = RawConnection(path);
    upgrader->KeepLogOnClose();
    Must(upgrader->Exec("PRAGMA user_version = 7"));
}

TEST(SqliteStoreOpen, NewerSchemaIsRefusedAndFilesLeftByteIdentical) {
    for (FutureLayout layout :
         {FutureLayout::kWal, FutureLayout::kRollbackJournal, FutureLayout::kNewerSchemaInLog}) {
        constexpr const char* kNames[] = {"wal", "rollback journal", "newer schema in log"};
        SCOPED_TRACE(kNames[static_cast<int>(layout)]);
        TempDir dir;
        auto path = dir.path() / "quire.db";
        auto log = std::filesystem::path(path.string() + "-wal");
        WriteFutureDatabase(path, layout);
        std::string before = ReadBytes(path);
        std::string log_before = ReadBytes(log);
        bool had_log = std::filesystem::exists(log);
        ASSERT_EQ(had_log, layout == FutureLayout::kNewerSchemaInLog);

        auto opened = OpenSqliteStore(path);

        ASSERT_FALSE(opened);
        EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
        EXPECT_EQ(opened.error().message,
                  fmt::format("the data directory was written by a newer Quire (schema 7, this "
                              "build knows {}); refusing to open it",
                              kSqliteSchemaVersion));
        EXPECT_EQ(ReadBytes(path), before);
        EXPECT_EQ(std::filesystem::exists(log), had_log);
        EXPECT_EQ(ReadBytes(log), log_before);
    }
}

TEST(SqliteStoreOpen, StoreOfAKilledProcessOpensAndItsRunningTaskIsRequeued) {
    TempDir dir;
    auto path = dir.path() / "quire.db";
    std::string task_id = NewId("task_");

    // The child claims a task and is killed mid-work, leaving its write-ahead log behind.
    pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        auto store = OpenSqliteStore(path);
        if (!store) ::_exit(1);
        auto org = (*store)->EnsureOrg("local");
        auto run = org ? (*store)->CreateRun(org->id, "excel", "a.xlsx") : Propagate(org);
        if (!run) ::_exit(1);
        Task task;
        task.id = task_id;
        task.run_id = run->id;
        task.org_id = org->id;
        if (!(*store)->CreateTask(task) || !(*store)->ClaimNextTask()) ::_exit(1);
        ::kill(::getpid(), SIGKILL);
        ::_exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    ASSERT_TRUE(std::filesystem::exists(path.string() + "-wal"));

    auto store = Must(OpenSqliteStore(path));
    Org org = Must(store->EnsureOrg("local"));
    EXPECT_EQ(Must(store->GetTask(org.id, task_id)).status, "running");
    EXPECT_EQ(Must(store->RecoverLapsedTasks(kEveryLease, kAttempts)).requeued, 1);
    Task again = Must(store->ClaimNextTask()).value();
    EXPECT_EQ(again.id, task_id);
    EXPECT_EQ(again.attempt, 2);
}

TEST(SqliteStoreOpen, ForeignFilesAreRefusedAndLeftByteIdentical) {
    struct Case {
        const char* name;
        bool sqlite;  // a SQLite database of some other program, or plain bytes
    };
    for (const Case& c : {Case{"not a database", false}, Case{"another program's db", true}}) {
        SCOPED_TRACE(c.name);
        TempDir dir;
        auto path = dir.path() / "quire.db";
        if (c.sqlite) {
            Must(RawConnection(path)->Exec("CREATE TABLE contacts (name TEXT)"));
        } else {
            WriteBytes(path, std::string(8192, 'x'));
        }
        std::string before = ReadBytes(path);

        auto opened = OpenSqliteStore(path);

        ASSERT_FALSE(opened);
        EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
        EXPECT_EQ(ReadBytes(path), before);
    }
}

TEST(SqliteStoreOpen, SeveralOpenersOfAFreshFileMigrateItOnce) {
    TempDir dir;
    auto path = dir.path() / "quire.db";
    std::vector<std::string> errors(4);
    std::vector<std::thread> openers;
    for (std::size_t i = 0; i < errors.size(); ++i) {
        openers.emplace_back([&, i] {
            auto store = OpenSqliteStore(path);
            auto org = store ? (*store)->EnsureOrg("local") : Propagate(store);
            if (!org) errors[i] = org.error().message + " | " + org.error().detail;
        });
    }
    for (std::thread& opener : openers) opener.join();

    for (const std::string& error : errors) EXPECT_EQ(error, "");
    EXPECT_EQ(CountRows(path, "PRAGMA user_version"), kSqliteSchemaVersion);
    EXPECT_EQ(CountRows(path, "SELECT COUNT(*) FROM orgs"), 1);
}

TEST(SqliteStoreOpen, CreatesMissingParentDirectory) {
    TempDir dir;
    auto path = dir.path() / "data" / "nested" / "quire.db";
    auto store = Must(OpenSqliteStore(path));
    EXPECT_TRUE(Must(store->IsEmpty()));
    EXPECT_TRUE(std::filesystem::exists(path));
}

// --- organisations ---

TEST(SqliteStoreOrgs, EnsureOrgCreatesOnceAndFillsAnEmptyStore) {
    TempDir dir;
    auto store = Must(OpenSqliteStore(dir.path() / "quire.db"));
    EXPECT_TRUE(Must(store->IsEmpty()));

    Org first = Must(store->EnsureOrg("local"));
    Org second = Must(store->EnsureOrg("local"));

    EXPECT_TRUE(IsId(first.id, "org_"));
    EXPECT_EQ(first.id, second.id);
    EXPECT_EQ(first.name, "local");
    EXPECT_FALSE(Must(store->IsEmpty()));
}

TEST_F(SqliteStoreTest, EnsureOrgRefusesBadNames) {
    for (std::string name : {std::string(), std::string(101, 'a'), std::string("tab\there")}) {
        SCOPED_TRACE(name);
        auto org = store_->EnsureOrg(name);
        ASSERT_FALSE(org);
        EXPECT_EQ(org.error().code, ErrorCode::kInvalidRequest);
    }
}

// --- API keys ---

TEST_F(SqliteStoreTest, CreatedKeyHasDocumentedShapeAndAuthenticates) {
    std::string key = Must(store_->CreateApiKey(org_.id));

    ASSERT_EQ(key.size(), 43u);
    EXPECT_TRUE(key.starts_with("qk_"));
    EXPECT_EQ(key.find_first_not_of("0123456789abcdef", 3), std::string::npos);

    ApiKeyInfo info = Must(store_->Authenticate(key));
    EXPECT_EQ(info.org_id, org_.id);
    EXPECT_EQ(info.org_name, "acme");
    EXPECT_EQ(info.prefix, key.substr(0, 11));
    EXPECT_EQ(info.revoked_at, 0);
    EXPECT_GT(info.created_at, 0);
}

TEST_F(SqliteStoreTest, KeyIsStoredOnlyAsItsHash) {
    std::string key = Must(store_->CreateApiKey(org_.id));

    auto raw = RawConnection(DbPath());
    auto row = Must(raw->Prepare("SELECT key_hash, prefix FROM api_keys"));
    ASSERT_TRUE(Must(row.Step()));
    EXPECT_EQ(row.Text(0), Sha256Hex(key));
    EXPECT_EQ(row.Text(1), key.substr(0, 11));

    std::string files = ReadBytes(DbPath()) + ReadBytes(DbPath().string() + "-wal");
    EXPECT_EQ(files.find(key), std::string::npos);
    EXPECT_EQ(files.find(key.substr(11)), std::string::npos);
}

TEST_F(SqliteStoreTest, ListShowsEveryKeyWithPrefixOrgAndTimes) {
    std::string first = Must(store_->CreateApiKey(org_.id));
    std::string second = Must(store_->CreateApiKey(other_org_.id));
    Must(store_->RevokeApiKey(second));

    auto keys = Must(store_->ListApiKeys());

    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0].prefix, first.substr(0, 11));
    EXPECT_EQ(keys[0].org_name, "acme");
    EXPECT_EQ(keys[0].revoked_at, 0);
    EXPECT_EQ(keys[1].prefix, second.substr(0, 11));
    EXPECT_EQ(keys[1].org_id, other_org_.id);
    EXPECT_GE(keys[1].revoked_at, keys[1].created_at);
    EXPECT_GT(keys[1].revoked_at, 0);
}

TEST_F(SqliteStoreTest, RevokedKeyNoLongerAuthenticatesWhetherNamedByKeyOrPrefix) {
    struct Case {
        const char* name;
        bool by_prefix;
    };
    for (const Case& c : {Case{"whole key", false}, Case{"prefix", true}}) {
        SCOPED_TRACE(c.name);
        std::string doomed = Must(store_->CreateApiKey(org_.id));
        std::string kept = Must(store_->CreateApiKey(org_.id));

        Must(store_->RevokeApiKey(c.by_prefix ? doomed.substr(0, 11) : doomed));

        auto refused = store_->Authenticate(doomed);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, ErrorCode::kInvalidApiKey);
        EXPECT_TRUE(store_->Authenticate(kept));
    }
}

TEST_F(SqliteStoreTest, AmbiguousPrefixRevokesNothing) {
    // Two keys sharing a shown prefix (one in 2^32 in real use), planted directly.
    std::string first = "qk_0123abcd" + std::string(32, '1');
    std::string second = "qk_0123abcd" + std::string(32, '2');
    auto raw = RawConnection(DbPath());
    for (const std::string& key : {first, second}) {
        Must(Must(raw->Query("INSERT INTO api_keys (key_hash, prefix, org_id, created_at) "
                             "VALUES (?1, ?2, ?3, ?4)",
                             Sha256Hex(key), key.substr(0, 11), org_.id, NowMillis()))
                 .Run());
    }

    auto refused = store_->RevokeApiKey("qk_0123abcd");

    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidRequest);
    EXPECT_TRUE(store_->Authenticate(first));
    EXPECT_TRUE(store_->Authenticate(second));

    Must(store_->RevokeApiKey(second));
    EXPECT_TRUE(store_->Authenticate(first));
    EXPECT_FALSE(store_->Authenticate(second));
}

TEST_F(SqliteStoreTest, RevokingUnknownKeyOrPrefixIsNotFound) {
    Must(store_->CreateApiKey(org_.id));
    for (std::string text : {std::string("qk_ffffffff"), "qk_" + std::string(40, 'f'),
                             std::string("qk_"), std::string("hello"), std::string()}) {
        SCOPED_TRACE(text);
        auto revoked = store_->RevokeApiKey(text);
        ASSERT_FALSE(revoked);
        EXPECT_EQ(revoked.error().code, ErrorCode::kNotFound);
    }
}

TEST_F(SqliteStoreTest, RevokingTwiceKeepsTheFirstRevocationTime) {
    std::string key = Must(store_->CreateApiKey(org_.id));
    Must(store_->RevokeApiKey(key));
    std::int64_t first = Must(store_->ListApiKeys()).front().revoked_at;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

    Must(store_->RevokeApiKey(key.substr(0, 11)));

    EXPECT_EQ(Must(store_->ListApiKeys()).front().revoked_at, first);
}

TEST_F(SqliteStoreTest, UnknownAndMalformedKeysAreInvalid) {
    std::string key = Must(store_->CreateApiKey(org_.id));
    std::string upper = key;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

    for (std::string text : {std::string(), std::string("qk_"), key.substr(0, 11), key + "0",
                             "qk_" + std::string(40, '0'), upper, "Bearer " + key}) {
        SCOPED_TRACE(text);
        auto info = store_->Authenticate(text);
        ASSERT_FALSE(info);
        EXPECT_EQ(info.error().code, ErrorCode::kInvalidApiKey);
        EXPECT_EQ(info.error().message.find(key), std::string::npos);
    }
}

TEST_F(SqliteStoreTest, KeyForUnknownOrgIsNotFound) {
    auto key = store_->CreateApiKey("org_01ARZ3NDEKTSV4RRFFQ69G5FAV");
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(Must(store_->ListApiKeys()).empty());
}

// --- runs ---

TEST_F(SqliteStoreTest, NewRunStartsAtVersionZero) {
    store::Run run = Must(store_->CreateRun(org_.id, "word", "memo.docx"));

    EXPECT_TRUE(IsId(run.id, "run_"));
    store::Run stored = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(stored.org_id, org_.id);
    EXPECT_EQ(stored.format, "word");
    EXPECT_EQ(stored.status, "active");
    EXPECT_EQ(stored.file_name, "memo.docx");
    EXPECT_EQ(stored.version, 0);
    EXPECT_EQ(stored.blob, "");
    EXPECT_EQ(stored.memory_json, "{}");
    EXPECT_GT(stored.created_at, 0);
    EXPECT_EQ(stored.updated_at, stored.created_at);
    EXPECT_EQ(stored.last_task_at, 0);
}

TEST_F(SqliteStoreTest, CreateRunRefusesUnknownFormatAndOrg) {
    auto bad_format = store_->CreateRun(org_.id, "pdf", "x.pdf");
    ASSERT_FALSE(bad_format);
    EXPECT_EQ(bad_format.error().code, ErrorCode::kInvalidRequest);

    auto bad_org = store_->CreateRun("org_01ARZ3NDEKTSV4RRFFQ69G5FAV", "excel", "x.xlsx");
    ASSERT_FALSE(bad_org);
    EXPECT_EQ(bad_org.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, AnotherOrgsObjectsLookExactlyLikeMissingOnes) {
    store::Run run = NewRun(org_);
    Task task = NewTask(run);
    Must(store_->CommitTurn(task.id, Claim().attempt, SampleTurn("v1")));
    FileRecord file = Must(store_->CreateFile(FileRecord{.org_id = org_.id,
                                                         .name = "data.csv",
                                                         .size = 2,
                                                         .purpose = "context",
                                                         .blob = Sha256Hex("ab")}));

    auto expect_same_as_missing = [](const auto& theirs, const auto& missing) {
        ASSERT_FALSE(theirs);
        ASSERT_FALSE(missing);
        EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
        EXPECT_EQ(theirs.error().code, missing.error().code);
        EXPECT_EQ(theirs.error().message, missing.error().message);
    };
    expect_same_as_missing(store_->GetRun(other_org_.id, run.id),
                           store_->GetRun(other_org_.id, NewId("run_")));
    EXPECT_EQ(store_->GetRun(other_org_.id, run.id).error().message, "run not found");
    expect_same_as_missing(store_->GetTask(other_org_.id, task.id),
                           store_->GetTask(other_org_.id, NewId("task_")));
    expect_same_as_missing(store_->GetFile(other_org_.id, file.id),
                           store_->GetFile(other_org_.id, NewId("file_")));
    expect_same_as_missing(store_->GetVersion(other_org_.id, run.id, 1),
                           store_->GetVersion(other_org_.id, NewId("run_"), 1));
    EXPECT_TRUE(Must(store_->ListRuns(other_org_.id, 100, "")).runs.empty());

    // The owner still sees all of it.
    EXPECT_TRUE(store_->GetRun(org_.id, run.id));
    EXPECT_TRUE(store_->GetTask(org_.id, task.id));
    EXPECT_TRUE(store_->GetFile(org_.id, file.id));
    EXPECT_TRUE(store_->GetVersion(org_.id, run.id, 1));
}

TEST_F(SqliteStoreTest, TaskOnAnotherOrgsRunIsRefusedLikeAMissingRun) {
    store::Run run = NewRun(org_);
    Task task;
    task.run_id = run.id;
    task.org_id = other_org_.id;

    auto created = store_->CreateTask(task);

    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(created.error().message, "run not found");
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM tasks"), 0);
}

TEST_F(SqliteStoreTest, PagingVisitsEveryRunOnceNewestFirst) {
    std::vector<std::string> created;
    for (int i = 0; i < 45; ++i) created.push_back(NewRun(org_).id);
    NewRun(other_org_);

    std::vector<std::string> seen;
    std::vector<std::size_t> page_sizes;
    std::string cursor;
    while (true) {
        RunPage page = Must(store_->ListRuns(org_.id, 10, cursor));
        page_sizes.push_back(page.runs.size());
        for (const store::Run& run : page.runs) seen.push_back(run.id);
        EXPECT_EQ(page.has_more, !page.next_cursor.empty());
        if (!page.has_more) break;
        cursor = page.next_cursor;
    }

    EXPECT_EQ(page_sizes, (std::vector<std::size_t>{10, 10, 10, 10, 5}));
    EXPECT_EQ(seen, std::vector<std::string>(created.rbegin(), created.rend()));
}

TEST_F(SqliteStoreTest, PagingVisitsEveryRunOnceWhileRunsAreCreated) {
    std::set<std::string> existing;
    for (int i = 0; i < 45; ++i) existing.insert(NewRun(org_).id);

    std::multiset<std::string> seen;
    std::string cursor;
    do {
        RunPage page = Must(store_->ListRuns(org_.id, 10, cursor));
        for (const store::Run& run : page.runs) seen.insert(run.id);
        for (int i = 0; i < 3; ++i) NewRun(org_);  // arrives between two page requests
        cursor = page.next_cursor;
    } while (!cursor.empty());

    EXPECT_EQ(seen.size(), existing.size());
    for (const std::string& id : existing) EXPECT_EQ(seen.count(id), 1u) << id;
}

TEST_F(SqliteStoreTest, ExactlyFullPageHasNoMore) {
    for (int i = 0; i < 10; ++i) NewRun(org_);

    RunPage page = Must(store_->ListRuns(org_.id, 10, ""));

    EXPECT_EQ(page.runs.size(), 10u);
    EXPECT_FALSE(page.has_more);
    EXPECT_EQ(page.next_cursor, "");
}

TEST_F(SqliteStoreTest, BadCursorsAndLimitsAreInvalidRequests) {
    NewRun(org_);
    struct Case {
        int limit;
        std::string cursor;
    };
    for (const Case& c : {Case{20, "garbage"}, Case{20, "run_"}, Case{20, NewId("task_")},
                          Case{20, "run_' OR 1=1 --"}, Case{0, ""}, Case{101, ""}, Case{-5, ""}}) {
        SCOPED_TRACE(c.cursor + " limit " + std::to_string(c.limit));
        auto page = store_->ListRuns(org_.id, c.limit, c.cursor);
        ASSERT_FALSE(page);
        EXPECT_EQ(page.error().code, ErrorCode::kInvalidRequest);
    }
    EXPECT_EQ(store_->ListRuns(org_.id, 20, "garbage").error().message, "invalid cursor");
}

// --- tasks ---

TEST_F(SqliteStoreTest, NewTaskIsQueuedWithItsRequest) {
    store::Run run = NewRun(org_);
    Task task = NewTask(run, R"({"prompt":"make a report"})");

    Task stored = Must(store_->GetTask(org_.id, task.id));
    EXPECT_TRUE(IsId(stored.id, "task_"));
    EXPECT_EQ(stored.run_id, run.id);
    EXPECT_EQ(stored.status, "queued");
    EXPECT_EQ(stored.attempt, 0);
    EXPECT_EQ(stored.request_json, R"({"prompt":"make a report"})");
    EXPECT_GT(stored.created_at, 0);
    EXPECT_EQ(stored.started_at, 0);
}

TEST_F(SqliteStoreTest, ClaimsTakeTheOldestQueuedTaskFirst) {
    std::vector<std::string> created;
    for (int i = 0; i < 3; ++i) created.push_back(NewTask(NewRun(org_)).id);

    std::vector<std::string> claimed;
    while (auto task = Must(store_->ClaimNextTask())) {
        EXPECT_EQ(task->status, "running");
        EXPECT_EQ(task->attempt, 1);
        EXPECT_GT(task->started_at, 0);
        claimed.push_back(task->id);
    }

    EXPECT_EQ(claimed, created);
    EXPECT_EQ(Must(store_->GetTask(org_.id, created[0])).status, "running");
}

// Two tasks of one run used to run at once, each from the same stale version, and the later
// commit silently dropped the earlier one's edits.
TEST_F(SqliteStoreTest, TasksOfOneRunAreClaimedOneAtATimeInQueueOrder) {
    store::Run busy = NewRun(org_);
    store::Run other = NewRun(org_);
    Task first = NewTask(busy);
    Task second = NewTask(busy);
    Task elsewhere = NewTask(other);

    EXPECT_EQ(Claim().id, first.id);
    EXPECT_EQ(Claim().id, elsewhere.id);
    EXPECT_FALSE(Must(store_->ClaimNextTask()).has_value());

    Must(store_->CommitTurn(first.id, 1, SampleTurn("v1")));
    Task next = Claim();
    EXPECT_EQ(next.id, second.id);
    EXPECT_EQ(Must(store_->GetRun(org_.id, busy.id)).version, 1);
}

TEST_F(SqliteStoreTest, AFailedTaskFreesItsRunForTheNextOne) {
    store::Run run = NewRun(org_);
    Task first = NewTask(run);
    Task second = NewTask(run);
    Claim();
    Must(store_->FailTask(first.id, 1, "agent_failed", "a tool failed"));
    EXPECT_EQ(Claim().id, second.id);
}

TEST_F(SqliteStoreTest, PhaseIsVisibleWhileRunning) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task task = Claim();

    Must(store_->SetTaskPhase(task.id, task.attempt, "editing"));

    EXPECT_EQ(Must(store_->GetTask(org_.id, task.id)).phase, "editing");
}

TEST_F(SqliteStoreTest, AnAskCompletesItsTaskAndKeepsTheRunsVersion) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task first = Claim();
    Must(store_->CommitTurn(first.id, first.attempt, SampleTurn("workbook bytes")));
    NewTask(run);
    Task ask = Claim();
    TurnCommit answer = SampleTurn("", R"({"notes":["asked once"]})");
    answer.new_version = false;
    answer.blob.clear();

    Task done = Must(store_->CommitTurn(ask.id, ask.attempt, answer));

    EXPECT_EQ(done.status, "completed");
    EXPECT_EQ(done.version, 1);
    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 1);
    EXPECT_EQ(after.blob, Sha256Hex("workbook bytes"));
    EXPECT_EQ(after.memory_json, R"({"notes":["asked once"]})");
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM versions"), 1);
}

TEST_F(SqliteStoreTest, CommitTurnUpdatesRunVersionTurnAndTaskTogether) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task claimed = Claim();
    TurnCommit turn = SampleTurn("workbook bytes");

    Task done = Must(store_->CommitTurn(claimed.id, claimed.attempt, turn));

    EXPECT_EQ(done.status, "completed");
    EXPECT_EQ(done.summary, turn.summary);
    EXPECT_DOUBLE_EQ(done.credits_used, 1.5);
    EXPECT_EQ(done.usage_json, turn.usage_json);
    EXPECT_EQ(done.duration_ms, 1200);
    EXPECT_EQ(done.version, 1);
    EXPECT_GE(done.finished_at, done.started_at);
    EXPECT_EQ(done.phase, "");
    EXPECT_EQ(Must(store_->GetTask(org_.id, done.id)).status, "completed");

    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 1);
    EXPECT_EQ(after.blob, turn.blob);
    EXPECT_EQ(after.memory_json, turn.memory_json);
    EXPECT_EQ(after.last_task_at, done.finished_at);
    EXPECT_EQ(after.updated_at, done.finished_at);

    Version version = Must(store_->GetVersion(org_.id, run.id, 1));
    EXPECT_EQ(version.blob, turn.blob);
    EXPECT_EQ(version.size, turn.blob_size);
    EXPECT_EQ(version.task_id, done.id);

    auto raw = RawConnection(DbPath());
    auto row =
        Must(raw->Query("SELECT messages_json, memory_json, version FROM turns "
                        "WHERE task_id = ?1",
                        done.id));
    ASSERT_TRUE(Must(row.Step()));
    EXPECT_EQ(row.Text(0), turn.messages_json);
    EXPECT_EQ(row.Text(1), turn.memory_json);
    EXPECT_EQ(row.Int(2), 1);
}

TEST_F(SqliteStoreTest, EachCommitAddsTheNextVersion) {
    store::Run run = NewRun(org_);
    for (int i = 1; i <= 3; ++i) {
        NewTask(run);
        Task claimed = Claim();
        Task done = Must(store_->CommitTurn(claimed.id, claimed.attempt,
                                            SampleTurn("bytes " + std::to_string(i))));
        EXPECT_EQ(done.version, i);
    }

    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).version, 3);
    EXPECT_EQ(Must(store_->GetVersion(org_.id, run.id, 2)).blob, Sha256Hex("bytes 2"));
    auto missing = store_->GetVersion(org_.id, run.id, 4);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, StaleAttemptCannotTouchTheTaskOrItsRun) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task stale = Claim();
    // The stale worker's lease lapses and another claims the task.
    EXPECT_EQ(Must(store_->RecoverLapsedTasks(stale.lease_expires_at, kAttempts)).requeued, 1);
    Task current = Claim();
    ASSERT_EQ(current.attempt, stale.attempt + 1);
    Must(store_->SetTaskPhase(current.id, current.attempt, "thinking"));

    auto commit = store_->CommitTurn(stale.id, stale.attempt, SampleTurn("stale"));
    auto phase = store_->SetTaskPhase(stale.id, stale.attempt, "stale phase");
    auto fail = store_->FailTask(stale.id, stale.attempt, "agent_failed", "stale failure");

    EXPECT_EQ(CodeOf(commit), ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(phase), ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(fail), ErrorCode::kConflict);
    Task task = Must(store_->GetTask(org_.id, current.id));
    EXPECT_EQ(task.status, "running");
    EXPECT_EQ(task.phase, "thinking");
    EXPECT_EQ(task.attempt, current.attempt);
    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 0);
    EXPECT_EQ(after.blob, "");
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM versions"), 0);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM turns"), 0);

    EXPECT_TRUE(store_->CommitTurn(current.id, current.attempt, SampleTurn("current")));
}

TEST_F(SqliteStoreTest, FinishedTaskCannotBeCommittedOrFailedAgain) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task claimed = Claim();
    Must(store_->CommitTurn(claimed.id, claimed.attempt, SampleTurn("once")));

    auto again = store_->CommitTurn(claimed.id, claimed.attempt, SampleTurn("twice"));
    auto fail = store_->FailTask(claimed.id, claimed.attempt, "agent_failed", "late");
    auto unknown = store_->CommitTurn(NewId("task_"), 1, SampleTurn("nobody"));

    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    ASSERT_FALSE(fail);
    EXPECT_EQ(fail.error().code, ErrorCode::kConflict);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::kConflict);
    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 1);
    EXPECT_EQ(after.blob, Sha256Hex("once"));
    EXPECT_EQ(Must(store_->GetTask(org_.id, claimed.id)).status, "completed");
}

TEST_F(SqliteStoreTest, CommitThatFailsHalfwayLeavesNothingBehind) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task claimed = Claim();
    // A turn row already present for this task makes the commit's second insert fail after
    // its first (the version row) succeeded.
    Must(Must(RawConnection(DbPath())->Query(
                  "INSERT INTO turns (task_id, run_id, org_id, version, messages_json, "
                  "memory_json, created_at) VALUES (?1, ?2, ?3, 9, '[]', '{}', 0)",
                  claimed.id, run.id, org_.id))
             .Run());

    auto commit = store_->CommitTurn(claimed.id, claimed.attempt, SampleTurn("doomed"));

    ASSERT_FALSE(commit);
    EXPECT_EQ(commit.error().code, ErrorCode::kInternal);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM versions"), 0);
    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 0);
    EXPECT_EQ(after.blob, "");
    EXPECT_EQ(after.memory_json, "{}");
    Task task = Must(store_->GetTask(org_.id, claimed.id));
    EXPECT_EQ(task.status, "running");
    EXPECT_EQ(task.version, 0);
    EXPECT_EQ(task.summary, "");
}

TEST_F(SqliteStoreTest, CommitRefusesMalformedBlobWithoutTouchingAnything) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task claimed = Claim();
    TurnCommit turn = SampleTurn("x");
    turn.blob = "../../etc/passwd";

    auto commit = store_->CommitTurn(claimed.id, claimed.attempt, turn);

    ASSERT_FALSE(commit);
    EXPECT_EQ(commit.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(Must(store_->GetTask(org_.id, claimed.id)).status, "running");
}

TEST_F(SqliteStoreTest, FailedTaskLeavesTheRunAtItsLastGoodVersion) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task first = Claim();
    TurnCommit good = SampleTurn("good bytes");
    Must(store_->CommitTurn(first.id, first.attempt, good));
    NewTask(run);
    Task second = Claim();

    Task failed = Must(store_->FailTask(second.id, second.attempt, "agent_failed", "tool error",
                                        R"({"steps":4,"tool_calls":2})"));
    EXPECT_EQ(failed.usage_json, R"({"steps":4,"tool_calls":2})");

    EXPECT_EQ(failed.status, "failed");
    EXPECT_EQ(failed.error_code, "agent_failed");
    EXPECT_EQ(failed.error_message, "tool error");
    EXPECT_GT(failed.finished_at, 0);
    EXPECT_EQ(failed.version, 0);
    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 1);
    EXPECT_EQ(after.blob, good.blob);
    EXPECT_EQ(after.memory_json, good.memory_json);
    EXPECT_EQ(after.last_task_at, failed.finished_at);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM versions"), 1);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM turns"), 1);
}

TEST_F(SqliteStoreTest, RecoveringEveryLeasePutsOnlyRunningTasksBack) {
    store::Run run = NewRun(org_);
    NewTask(run);
    for (int i = 0; i < 3; ++i) NewTask(NewRun(org_));
    Task done = Claim();
    Must(store_->CommitTurn(done.id, done.attempt, SampleTurn("done")));
    Task running_a = Claim();
    Task running_b = Claim();
    Must(store_->SetTaskPhase(running_a.id, running_a.attempt, "editing"));

    EXPECT_EQ(Must(store_->RecoverLapsedTasks(kEveryLease, kAttempts)).requeued, 2);

    for (const Task& requeued : {running_a, running_b}) {
        Task task = Must(store_->GetTask(org_.id, requeued.id));
        EXPECT_EQ(task.status, "queued");
        EXPECT_EQ(task.phase, "");
        EXPECT_EQ(task.attempt, 1);
    }
    EXPECT_EQ(Must(store_->GetTask(org_.id, done.id)).status, "completed");
    EXPECT_EQ(Must(store_->RecoverLapsedTasks(kEveryLease, kAttempts)).requeued, 0);

    // Back in the queue in their original order, ahead of the never-claimed task.
    Task again = Claim();
    EXPECT_EQ(again.id, running_a.id);
    EXPECT_EQ(again.attempt, 2);
}

// --- the task lifecycle ---

std::vector<std::string> EventTypes(const std::vector<TaskEvent>& events) {
    std::vector<std::string> types;
    for (const TaskEvent& event : events) types.push_back(event.type);
    return types;
}

TaskSubmission Submission(const store::Run& run, bool enqueue = false) {
    TaskSubmission submission;
    submission.task.run_id = run.id;
    submission.task.org_id = run.org_id;
    submission.task.request_json = R"({"prompt":"hi"})";
    submission.enqueue = enqueue;
    return submission;
}

TEST(SqliteStoreOpen, MigrationToTheTaskLifecycleKeepsTasksAndGivesThemAnEmptyLog) {
    TempDir dir;
    auto path = dir.path() / "quire.db";
    MakeDatabaseWithOneQueuedTask(path, 2);
    auto store = Must(OpenSqliteStore(path));
    EXPECT_EQ(CountRows(path, "PRAGMA user_version"), kSqliteSchemaVersion);
    EXPECT_EQ(Must(store->GetTask("org_1", "task_1")).status, "queued");
    EXPECT_TRUE(Must(store->ListTaskEvents("org_1", "task_1", 0, 100)).empty());
    std::optional<Task> claimed = Must(store->ClaimNextTask(30'000));
    ASSERT_TRUE(claimed);
    EXPECT_EQ(claimed->id, "task_1");
    EXPECT_GT(claimed->lease_expires_at, claimed->started_at);
}

TEST_F(SqliteStoreTest, SecondSubmissionOnABusyRunIsRefusedNamingTheActiveTask) {
    store::Run run = NewRun(org_);
    SubmitOutcome first = Must(store_->SubmitTask(Submission(run)));
    ASSERT_EQ(first.kind, SubmitOutcome::Kind::kQueued);

    SubmitOutcome second = Must(store_->SubmitTask(Submission(run)));
    EXPECT_EQ(second.kind, SubmitOutcome::Kind::kRunBusy);
    EXPECT_EQ(second.task.id, first.task.id);
    Claim();
    EXPECT_EQ(Must(store_->SubmitTask(Submission(run))).kind, SubmitOutcome::Kind::kRunBusy);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM tasks"), 1);
}

TEST_F(SqliteStoreTest, EnqueuedSubmissionsRunInArrivalOrder) {
    store::Run run = NewRun(org_);
    std::vector<std::string> queued;
    for (int i = 0; i < 5; ++i) {
        SubmitOutcome outcome = Must(store_->SubmitTask(Submission(run, true)));
        ASSERT_EQ(outcome.kind, SubmitOutcome::Kind::kQueued);
        queued.push_back(outcome.task.id);
    }
    std::vector<std::string> ran;
    for (int i = 0; i < 5; ++i) {
        Task task = Claim();
        EXPECT_FALSE(Must(store_->ClaimNextTask()).has_value());
        Must(store_->CommitTurn(task.id, task.attempt, SampleTurn("v" + std::to_string(i))));
        EXPECT_EQ(Must(store_->GetTask(org_.id, task.id)).version, i + 1);
        ran.push_back(task.id);
    }
    EXPECT_EQ(ran, queued);
}

TEST_F(SqliteStoreTest, StoreRefusesASecondRunningTaskOnOneRunEvenWhenAskedDirectly) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task second = NewTask(run);
    Claim();
    auto raw = RawConnection(DbPath());
    auto forced =
        raw->Exec(fmt::format("UPDATE tasks SET status = 'running' WHERE id = '{}'", second.id));
    EXPECT_FALSE(forced);
    EXPECT_EQ(Must(store_->GetTask(org_.id, second.id)).status, "queued");
}

TEST_F(SqliteStoreTest, ConcurrentSubmissionsOnOneRunQueueExactlyOne) {
    store::Run run = NewRun(org_);
    std::atomic<int> queued{0};
    std::atomic<int> busy{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i) {
        threads.emplace_back([&] {
            auto outcome = store_->SubmitTask(Submission(run));
            if (!outcome) return;
            if (outcome->kind == SubmitOutcome::Kind::kQueued) ++queued;
            if (outcome->kind == SubmitOutcome::Kind::kRunBusy) ++busy;
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(queued.load(), 1);
    EXPECT_EQ(busy.load(), 19);
}

TEST_F(SqliteStoreTest, SubmissionWithANewRunCreatesBothOrNeither) {
    TaskSubmission submission = Submission(store::Run{});
    submission.task.org_id = org_.id;
    submission.new_run = store::Run{
        .id = NewId("run_"), .org_id = org_.id, .format = "word", .file_name = "notes.docx"};
    SubmitOutcome outcome = Must(store_->SubmitTask(submission));
    EXPECT_EQ(outcome.run.id, submission.new_run->id);
    EXPECT_EQ(Must(store_->GetRun(org_.id, outcome.run.id)).format, "word");
    EXPECT_EQ(Must(store_->GetTask(org_.id, outcome.task.id)).run_id, outcome.run.id);

    TaskSubmission bad = submission;
    bad.new_run->id = NewId("run_");
    bad.new_run->format = "pdf";
    EXPECT_EQ(CodeOf(store_->SubmitTask(bad)), ErrorCode::kInvalidRequest);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM runs"), 1);
}

TEST_F(SqliteStoreTest, IdempotencyKeyReplaysTheFirstSubmissionAndRefusesAnotherRequest) {
    store::Run run = NewRun(org_);
    TaskSubmission submission = Submission(run);
    submission.idempotency_key = "order-17";
    submission.request_sha256 = Sha256Hex("body one");
    SubmitOutcome first = Must(store_->SubmitTask(submission));
    Claim();

    SubmitOutcome again = Must(store_->SubmitTask(submission));
    EXPECT_EQ(again.kind, SubmitOutcome::Kind::kReplayed);
    EXPECT_EQ(again.task.id, first.task.id);
    EXPECT_EQ(again.run.id, run.id);
    EXPECT_EQ(again.task.status, "running");

    TaskSubmission other = submission;
    other.request_sha256 = Sha256Hex("body two");
    EXPECT_EQ(CodeOf(store_->SubmitTask(other)), ErrorCode::kConflict);

    // Another organisation's key of the same name is its own.
    store::Run theirs = NewRun(other_org_);
    TaskSubmission foreign = Submission(theirs);
    foreign.idempotency_key = "order-17";
    foreign.request_sha256 = Sha256Hex("body two");
    EXPECT_EQ(Must(store_->SubmitTask(foreign)).kind, SubmitOutcome::Kind::kQueued);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM tasks"), 2);
}

TEST_F(SqliteStoreTest, IdempotencyKeyPastItsLifetimeQueuesAgain) {
    store::Run run = NewRun(org_);
    TaskSubmission submission = Submission(run, true);
    submission.idempotency_key = "nightly";
    submission.request_sha256 = Sha256Hex("body");
    SubmitOutcome first = Must(store_->SubmitTask(submission));
    submission.idempotency_ttl_ms = -1;  // every earlier use is past its lifetime

    SubmitOutcome second = Must(store_->SubmitTask(submission));
    EXPECT_EQ(second.kind, SubmitOutcome::Kind::kQueued);
    EXPECT_NE(second.task.id, first.task.id);
}

TEST_F(SqliteStoreTest, IdempotentReplayOfANewRunCreatesNoSecondRun) {
    TaskSubmission submission = Submission(store::Run{});
    submission.task.org_id = org_.id;
    submission.new_run = store::Run{.id = NewId("run_"), .org_id = org_.id, .format = "excel"};
    submission.idempotency_key = "k";
    submission.request_sha256 = Sha256Hex("b");
    SubmitOutcome first = Must(store_->SubmitTask(submission));
    submission.new_run->id = NewId("run_");
    SubmitOutcome again = Must(store_->SubmitTask(submission));
    EXPECT_EQ(again.kind, SubmitOutcome::Kind::kReplayed);
    EXPECT_EQ(again.run.id, first.run.id);
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM runs"), 1);
}

TEST_F(SqliteStoreTest, LapsedLeaseRequeuesWithTheNextAttemptAndThirdLapseFailsWorkerLost) {
    store::Run run = NewRun(org_);
    Task task = NewTask(run);
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
        Task claimed = Must(store_->ClaimNextTask(1000)).value();
        EXPECT_EQ(claimed.attempt, attempt);
        // Not yet lapsed: nothing happens.
        EXPECT_EQ(
            Must(store_->RecoverLapsedTasks(claimed.lease_expires_at - 1, kAttempts)).requeued, 0);
        LapsedTasks lapsed = Must(store_->RecoverLapsedTasks(claimed.lease_expires_at, kAttempts));
        EXPECT_EQ(lapsed.requeued, attempt < kAttempts ? 1 : 0);
        EXPECT_EQ(lapsed.failed, attempt < kAttempts ? 0 : 1);
    }
    Task lost = Must(store_->GetTask(org_.id, task.id));
    EXPECT_EQ(lost.status, "failed");
    EXPECT_EQ(lost.error_code, "worker_lost");
    EXPECT_EQ(EventTypes(Must(store_->ListTaskEvents(org_.id, task.id, 0, 100))),
              (std::vector<std::string>{"queued", "running", "queued", "running", "queued",
                                        "running", "failed"}));
}

TEST_F(SqliteStoreTest, RenewedLeaseDoesNotLapseAndARevivedWorkerCannotRenewOrCommit) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task first = Must(store_->ClaimNextTask(1000)).value();
    Must(store_->RenewLease(first.id, first.attempt, 60'000));
    EXPECT_EQ(Must(store_->RecoverLapsedTasks(first.lease_expires_at, kAttempts)).requeued, 0);

    Task renewed = Must(store_->GetTask(org_.id, first.id));
    Must(store_->RecoverLapsedTasks(renewed.lease_expires_at, kAttempts));
    Task second = Claim();
    Must(store_->CommitTurn(second.id, second.attempt, SampleTurn("newer")));

    EXPECT_EQ(CodeOf(store_->RenewLease(first.id, first.attempt, 1000)), ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(store_->CommitTurn(first.id, first.attempt, SampleTurn("older"))),
              ErrorCode::kConflict);
    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).blob, Sha256Hex("newer"));
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM versions"), 1);
}

TEST_F(SqliteStoreTest, CancellingAQueuedTaskFreesTheRunAndLaterCallsChangeNothing) {
    store::Run run = NewRun(org_);
    SubmitOutcome queued = Must(store_->SubmitTask(Submission(run)));

    Task cancelled = Must(store_->CancelTask(org_.id, queued.task.id));
    EXPECT_EQ(cancelled.status, "cancelled");
    EXPECT_GT(cancelled.finished_at, 0);
    Task again = Must(store_->CancelTask(org_.id, queued.task.id));
    EXPECT_EQ(again.finished_at, cancelled.finished_at);
    EXPECT_FALSE(Must(store_->ClaimNextTask()).has_value());
    EXPECT_EQ(Must(store_->SubmitTask(Submission(run))).kind, SubmitOutcome::Kind::kQueued);
    EXPECT_EQ(CodeOf(store_->CancelTask(other_org_.id, queued.task.id)), ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, CancelledRunningTaskNeverCommitsOrReadsCompleted) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task running = Claim();

    EXPECT_EQ(Must(store_->CancelTask(org_.id, running.id)).status, "cancelled");

    EXPECT_EQ(CodeOf(store_->RenewLease(running.id, running.attempt, 1000)), ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(store_->CommitTurn(running.id, running.attempt, SampleTurn("late"))),
              ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(store_->FailTask(running.id, running.attempt, "agent_failed", "late")),
              ErrorCode::kConflict);
    EXPECT_EQ(Must(store_->GetTask(org_.id, running.id)).status, "cancelled");
    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).version, 0);
    EXPECT_EQ(Must(store_->RecoverLapsedTasks(kEveryLease, kAttempts)).requeued, 0);
}

TEST_F(SqliteStoreTest, FinishedTaskCannotBeCancelled) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task task = Claim();
    Must(store_->CommitTurn(task.id, task.attempt, SampleTurn("done")));
    EXPECT_EQ(Must(store_->CancelTask(org_.id, task.id)).status, "completed");
}

TEST_F(SqliteStoreTest, QueuedTasksPastTheLimitExpireAndFreeTheRun) {
    store::Run run = NewRun(org_);
    Task old = NewTask(run);
    EXPECT_EQ(Must(store_->ExpireQueuedTasks(old.created_at)), 0);
    EXPECT_EQ(Must(store_->ExpireQueuedTasks(old.created_at + 1)), 1);
    EXPECT_EQ(Must(store_->GetTask(org_.id, old.id)).status, "expired");
    EXPECT_EQ(Must(store_->SubmitTask(Submission(run))).kind, SubmitOutcome::Kind::kQueued);
}

TEST_F(SqliteStoreTest, EventLogTellsTheTaskStoryWithIncreasingIds) {
    store::Run run = NewRun(org_);
    Task task = NewTask(run);
    Task claimed = Claim();
    Must(store_->SetTaskPhase(claimed.id, claimed.attempt, "editing"));
    Must(store_->SetTaskPhase(claimed.id, claimed.attempt, "editing"));
    Must(store_->AppendTaskEvent(claimed.id, claimed.attempt, "tool_call",
                                 R"({"tool":"set_cells"})"));
    Must(store_->CommitTurn(claimed.id, claimed.attempt, SampleTurn("v1")));

    std::vector<TaskEvent> events = Must(store_->ListTaskEvents(org_.id, task.id, 0, 100));
    EXPECT_EQ(EventTypes(events),
              (std::vector<std::string>{"queued", "running", "running", "tool_call",
                                        "version_committed", "completed"}));
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].id, static_cast<std::int64_t>(i + 1));
    }
    EXPECT_EQ(events[2].data_json, R"({"attempt":1,"phase":"editing"})");
    EXPECT_EQ(events[4].data_json, R"({"version":1})");

    auto rest = Must(store_->ListTaskEvents(org_.id, task.id, 4, 100));
    EXPECT_EQ(EventTypes(rest), (std::vector<std::string>{"version_committed", "completed"}));
    EXPECT_EQ(CodeOf(store_->ListTaskEvents(other_org_.id, task.id, 0, 100)), ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(store_->AppendTaskEvent(claimed.id, claimed.attempt, "tool_call", "{}")),
              ErrorCode::kConflict);
}

TEST_F(SqliteStoreTest, PruningDropsOnlyTheLogsOfTasksFinishedBeforeTheCutoff) {
    store::Run run = NewRun(org_);
    NewTask(run);
    Task done = Claim();
    Must(store_->CommitTurn(done.id, done.attempt, SampleTurn("v1")));
    Task open = NewTask(run);
    Task finished = Must(store_->GetTask(org_.id, done.id));

    EXPECT_EQ(Must(store_->PruneTaskHistory(finished.finished_at)), 0);
    EXPECT_GT(Must(store_->PruneTaskHistory(finished.finished_at + 1)), 0);
    EXPECT_TRUE(Must(store_->ListTaskEvents(org_.id, done.id, 0, 100)).empty());
    EXPECT_EQ(Must(store_->ListTaskEvents(org_.id, open.id, 0, 100)).size(), 1u);
}

// --- files and secrets ---

TEST_F(SqliteStoreTest, FileRoundTripsWithinItsOrg) {
    FileRecord file = Must(store_->CreateFile(FileRecord{.org_id = org_.id,
                                                         .name = "sales.csv",
                                                         .size = 1234,
                                                         .purpose = "context",
                                                         .blob = Sha256Hex("sales")}));

    EXPECT_TRUE(IsId(file.id, "file_"));
    FileRecord stored = Must(store_->GetFile(org_.id, file.id));
    EXPECT_EQ(stored.name, "sales.csv");
    EXPECT_EQ(stored.size, 1234);
    EXPECT_EQ(stored.purpose, "context");
    EXPECT_EQ(stored.blob, Sha256Hex("sales"));
    EXPECT_GT(stored.created_at, 0);
}

TEST_F(SqliteStoreTest, FileWithBadFieldsIsRefused) {
    FileRecord good{
        .org_id = org_.id, .name = "a.csv", .size = 1, .purpose = "init", .blob = Sha256Hex("a")};
    FileRecord bad_purpose = good;
    bad_purpose.purpose = "other";
    FileRecord bad_blob = good;
    bad_blob.blob = "abc";
    FileRecord bad_id = good;
    bad_id.id = "run_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    for (const FileRecord& file : {bad_purpose, bad_blob, bad_id}) {
        auto created = store_->CreateFile(file);
        ASSERT_FALSE(created);
        EXPECT_EQ(created.error().code, ErrorCode::kInvalidRequest);
    }
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM files"), 0);
}

TEST_F(SqliteStoreTest, ServerSecretIsMadeOnceAndSurvivesReopening) {
    std::string secret = Must(store_->ServerSecret("download-signing"));
    EXPECT_EQ(secret.size(), 64u);
    EXPECT_EQ(Must(store_->ServerSecret("download-signing")), secret);
    EXPECT_NE(Must(store_->ServerSecret("other")), secret);

    store_.reset();
    auto reopened = OpenStore();
    EXPECT_EQ(Must(reopened->ServerSecret("download-signing")), secret);
}

// --- concurrency: threads and a second process on the same file ---

TEST_F(SqliteStoreTest, TwoStoresOnOneFileCreateKeysConcurrently) {
    // The second store plays `quire keys create` in another process while the server runs.
    auto second = OpenStore();
    constexpr int kThreadsPerStore = 3;
    constexpr int kKeysPerThread = 15;

    std::atomic<int> failures = 0;
    std::vector<std::string> errors(2 * kThreadsPerStore);
    std::vector<std::vector<std::string>> keys(2 * kThreadsPerStore);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2 * kThreadsPerStore; ++t) {
        MetadataStore* store = t % 2 == 0 ? store_.get() : second.get();
        threads.emplace_back([&, t, store] {
            for (int i = 0; i < kKeysPerThread; ++i) {
                auto key = store->CreateApiKey(org_.id);
                auto info = key ? store->Authenticate(*key) : Propagate(key);
                if (!key || !info) {
                    ++failures;
                    errors[t] = key ? info.error().detail : key.error().detail;
                    continue;
                }
                keys[t].push_back(*key);
            }
        });
    }
    for (std::thread& thread : threads) thread.join();

    EXPECT_EQ(failures.load(), 0);
    for (const std::string& error : errors) EXPECT_EQ(error, "");
    EXPECT_EQ(Must(store_->ListApiKeys()).size(), 2u * kThreadsPerStore * kKeysPerThread);
    EXPECT_TRUE(second->Authenticate(keys[0].front()));
    EXPECT_TRUE(store_->Authenticate(keys[1].front()));
}

TEST(SqliteStoreProcesses, KeysCreatedFromTwoProcessesAtOnceAllSucceed) {
    TempDir dir;
    auto path = dir.path() / "quire.db";
    std::string org_id = Must(Must(OpenSqliteStore(path))->EnsureOrg("local")).id;
    constexpr int kKeysPerProcess = 40;

    // No connection may cross the fork, so each side opens its own store after it.
    pid_t child = ::fork();
    ASSERT_NE(child, -1);
    auto store = OpenSqliteStore(path);
    int failures = store ? 0 : kKeysPerProcess;
    for (int i = 0; store && i < kKeysPerProcess; ++i) {
        if (!(*store)->CreateApiKey(org_id)) ++failures;
    }
    if (child == 0) ::_exit(failures == 0 ? 0 : 1);

    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(Must((*store)->ListApiKeys()).size(), 2u * kKeysPerProcess);
}

TEST_F(SqliteStoreTest, ConcurrentClaimsNeverHandOutATaskTwice) {
    constexpr int kTasks = 60;
    for (int i = 0; i < kTasks; ++i) NewTask(NewRun(org_));
    auto second = OpenStore();

    std::mutex mu;
    std::vector<std::string> claimed;  // guarded by mu
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        MetadataStore* store = t % 2 == 0 ? store_.get() : second.get();
        threads.emplace_back([&, store] {
            while (true) {
                auto task = store->ClaimNextTask();
                if (!task) {
                    ++failures;
                    return;
                }
                if (!task->has_value()) return;
                std::lock_guard lock(mu);
                claimed.push_back((*task)->id);
            }
        });
    }
    for (std::thread& thread : threads) thread.join();

    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kTasks));
    EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), claimed.size());
    EXPECT_EQ(CountRows(DbPath(), "SELECT COUNT(*) FROM tasks WHERE attempt = 1"), kTasks);
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitForAnotherProcessesWriteAndWritesWaitItOut) {
    store::Run run = NewRun(org_);
    auto other_process = RawConnection(DbPath());
    Must(other_process->Exec("BEGIN IMMEDIATE"));
    Must(Must(other_process->Query("UPDATE runs SET file_name = 'uncommitted' WHERE id = ?1",
                                   run.id))
             .Run());

    auto started = std::chrono::steady_clock::now();
    store::Run read = Must(store_->GetRun(org_.id, run.id));
    auto read_took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(read.file_name, "report.xlsx");
    EXPECT_LT(read_took, std::chrono::milliseconds(500));

    Status committed;
    std::thread committer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        committed = other_process->Exec("COMMIT");
    });
    started = std::chrono::steady_clock::now();
    auto key = store_->CreateApiKey(org_.id);
    auto write_took = std::chrono::steady_clock::now() - started;
    committer.join();

    ASSERT_TRUE(committed) << committed.error().detail;
    EXPECT_TRUE(key) << key.error().detail;
    EXPECT_GE(write_took, std::chrono::milliseconds(200));
    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).file_name, "uncommitted");
}

}  // namespace
}  // namespace quire::store
