// The run lifecycle in the SQLite store: versions and who made them, versions made outside the
// agent, run metadata, task listings, deletion, and retention (expiry, purge, unused uploads).
// Times in the past are written into the rows directly: no test waits for a clock.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::store {
namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

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

template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& result) {
    if (result) return std::nullopt;
    return result.error().code;
}

TurnCommit Turn(std::string_view content) {
    TurnCommit turn;
    turn.blob = Sha256Hex(content);
    turn.blob_size = static_cast<std::int64_t>(content.size());
    turn.summary = "done";
    turn.memory_json = "{}";
    turn.messages_json = "[]";
    turn.usage_json = "{}";
    return turn;
}

class RunLifecycleTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = Must(OpenSqliteStore(dir_.path() / "quire.db"));
        org_ = Must(store_->EnsureOrg("acme"));
        other_ = Must(store_->EnsureOrg("globex"));
    }

    store::Run NewRun(const RunMetadata& metadata = {}, std::string_view format = "excel") {
        return Must(store_->CreateRun(org_.id, format, "a.xlsx", metadata));
    }

    Task Queue(const store::Run& run) {
        Task task;
        task.run_id = run.id;
        task.org_id = run.org_id;
        task.request_json = "{}";
        return Must(store_->CreateTask(task));
    }

    // Queues, claims and commits one action task on `run`, making a version of `content`.
    Task Complete(const store::Run& run, std::string_view content) {
        Queue(run);
        auto claimed = Must(store_->ClaimNextTask());
        if (!claimed) throw std::runtime_error("nothing to claim");
        return Must(store_->CommitTurn(claimed->id, claimed->attempt, Turn(content)));
    }

    void Sql(const std::string& sql) {
        auto raw = Must(sqlite::Connection::Open(dir_.path() / "quire.db"));
        Must(raw->Exec(sql));
    }

    std::int64_t Count(const std::string& sql) {
        auto raw = Must(sqlite::Connection::Open(dir_.path() / "quire.db"));
        return Must(raw->QueryInt(sql));
    }

    // Moves the run's last task (and its creation) `ms` into the past.
    void AgeRun(const store::Run& run, std::int64_t ms) {
        Sql(fmt::format(
            "UPDATE runs SET last_task_at = last_task_at - {0}, created_at = created_at - {0} "
            "WHERE id = '{1}'",
            ms, run.id));
    }

    TempDir dir_;
    std::unique_ptr<MetadataStore> store_;
    Org org_;
    Org other_;
};

// --- versions ---

TEST_F(RunLifecycleTest, ATaskThatChangesNoBytesStillCommitsAVersionOnTheSameBlob) {
    store::Run run = NewRun();
    Complete(run, "same bytes");
    Task second = Complete(run, "same bytes");

    EXPECT_EQ(second.version, 2);
    VersionPage page = Must(store_->ListVersions(org_.id, run.id, 10, ""));
    ASSERT_EQ(page.versions.size(), 2u);
    EXPECT_EQ(page.versions[0].blob, page.versions[1].blob);
    EXPECT_EQ(page.versions[0].task_id, second.id);
}

TEST_F(RunLifecycleTest, VersionsListNewestFirstWithWhoMadeThemAndPageByNumber) {
    store::Run run = NewRun();
    Complete(run, "one");
    Must(store_->AddOutsideVersion(org_.id, run.id, {"upload", Sha256Hex("two"), 3, 0}));
    Must(store_->AddOutsideVersion(org_.id, run.id, {"revert", "", 0, 1}));

    VersionPage first = Must(store_->ListVersions(org_.id, run.id, 2, ""));
    ASSERT_EQ(first.versions.size(), 2u);
    EXPECT_TRUE(first.has_more);
    EXPECT_EQ(first.versions[0].number, 3);
    EXPECT_EQ(first.versions[0].created_by, "revert");
    EXPECT_EQ(first.versions[0].task_id, "");
    EXPECT_EQ(first.versions[1].created_by, "upload");
    EXPECT_EQ(first.versions[1].size, 3);
    VersionPage rest = Must(store_->ListVersions(org_.id, run.id, 2, first.next_cursor));
    ASSERT_EQ(rest.versions.size(), 1u);
    EXPECT_FALSE(rest.has_more);
    EXPECT_EQ(rest.versions[0].created_by, "agent");

    EXPECT_EQ(CodeOf(store_->ListVersions(other_.id, run.id, 2, "")), ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(store_->ListVersions(org_.id, run.id, 2, "x")), ErrorCode::kInvalidRequest);
}

TEST_F(RunLifecycleTest, RevertMakesANewVersionWithTheOldBytes) {
    store::Run run = NewRun();
    Complete(run, "one");
    Complete(run, "two");

    Version reverted = Must(store_->AddOutsideVersion(org_.id, run.id, {"revert", "", 0, 1}));

    EXPECT_EQ(reverted.number, 3);
    EXPECT_EQ(reverted.blob, Sha256Hex("one"));
    EXPECT_EQ(reverted.size, 3);
    store::Run after = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(after.version, 3);
    EXPECT_EQ(after.blob, Sha256Hex("one"));
    EXPECT_EQ(CodeOf(store_->AddOutsideVersion(org_.id, run.id, {"revert", "", 0, 9})),
              ErrorCode::kNotFound);
    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).version, 3);
}

TEST_F(RunLifecycleTest, RevertOfARunWithoutVersionsIsAConflict) {
    store::Run run = NewRun();
    EXPECT_EQ(CodeOf(store_->AddOutsideVersion(org_.id, run.id, {"revert", "", 0, 1})),
              ErrorCode::kConflict);
}

TEST_F(RunLifecycleTest, OutsideVersionWhileATaskIsQueuedOrRunningIsBusyAndChangesNothing) {
    store::Run run = NewRun();
    Complete(run, "one");
    Task queued = Queue(run);
    EXPECT_EQ(Must(store_->ActiveTaskOf(run.id)), queued.id);

    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round == 0 ? "queued" : "running");
        auto refused = store_->AddOutsideVersion(org_.id, run.id, {"upload", Sha256Hex("x"), 1, 0});
        EXPECT_EQ(CodeOf(refused), ErrorCode::kRunBusy);
        EXPECT_EQ(CodeOf(store_->AddOutsideVersion(org_.id, run.id, {"revert", "", 0, 1})),
                  ErrorCode::kRunBusy);
        EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).version, 1);
        if (round == 0) {
            ASSERT_TRUE(Must(store_->ClaimNextTask()));
        }
    }
    EXPECT_EQ(CodeOf(store_->DeleteRun(org_.id, run.id)), ErrorCode::kRunBusy);
}

TEST_F(RunLifecycleTest, TheLastTurnVersionIsWhereTheAgentLastLeftTheRun) {
    store::Run run = NewRun();
    EXPECT_EQ(Must(store_->LastTurnVersion(run.id)), 0);
    Complete(run, "one");
    Must(store_->AddOutsideVersion(org_.id, run.id, {"upload", Sha256Hex("two"), 3, 0}));
    EXPECT_EQ(Must(store_->LastTurnVersion(run.id)), 1);
    Complete(run, "three");
    EXPECT_EQ(Must(store_->LastTurnVersion(run.id)), 3);
}

// --- metadata and listings ---

TEST_F(RunLifecycleTest, MetadataRoundTripsInOrderAndFiltersTheList) {
    store::Run tagged = NewRun({{"team", "finance"}, {"quarter", "Q3"}});
    NewRun({{"team", "sales"}});
    store::Run word = NewRun({}, "word");

    EXPECT_EQ(Must(store_->GetRun(org_.id, tagged.id)).metadata, tagged.metadata);
    EXPECT_EQ(tagged.metadata.at(1).first, "quarter");

    RunFilter by_team;
    by_team.metadata = std::pair<std::string, std::string>("team", "finance");
    RunPage finance = Must(store_->ListRuns(org_.id, 10, "", by_team));
    ASSERT_EQ(finance.runs.size(), 1u);
    EXPECT_EQ(finance.runs[0].id, tagged.id);
    EXPECT_TRUE(Must(store_->ListRuns(other_.id, 10, "", by_team)).runs.empty());

    RunFilter by_format;
    by_format.format = "word";
    RunPage words = Must(store_->ListRuns(org_.id, 10, "", by_format));
    ASSERT_EQ(words.runs.size(), 1u);
    EXPECT_EQ(words.runs[0].id, word.id);

    RunFilter active;
    active.status = "active";
    EXPECT_EQ(Must(store_->ListRuns(org_.id, 10, "", active)).runs.size(), 3u);
    AgeRun(word, 31 * kDayMs);
    RunFilter expired;
    expired.status = "expired";
    RunPage old = Must(store_->ListRuns(org_.id, 10, "", expired));
    ASSERT_EQ(old.runs.size(), 1u);
    EXPECT_EQ(old.runs[0].id, word.id);
    EXPECT_EQ(Must(store_->ListRuns(org_.id, 10, "", active)).runs.size(), 2u);
}

TEST_F(RunLifecycleTest, TasksListNewestFirstByRunAndStatus) {
    store::Run first = NewRun();
    store::Run second = NewRun();
    Task done = Complete(first, "one");
    Task waiting = Queue(first);
    Task other = Queue(second);

    TaskPage all = Must(store_->ListTasks(org_.id, 2, ""));
    ASSERT_EQ(all.tasks.size(), 2u);
    EXPECT_EQ(all.tasks[0].id, other.id);
    EXPECT_EQ(all.tasks[1].id, waiting.id);
    ASSERT_TRUE(all.has_more);
    TaskPage rest = Must(store_->ListTasks(org_.id, 2, all.next_cursor));
    ASSERT_EQ(rest.tasks.size(), 1u);
    EXPECT_EQ(rest.tasks[0].id, done.id);

    TaskPage of_first = Must(store_->ListTasks(org_.id, 10, "", {first.id, ""}));
    EXPECT_EQ(of_first.tasks.size(), 2u);
    TaskPage queued = Must(store_->ListTasks(org_.id, 10, "", {"", "queued"}));
    ASSERT_EQ(queued.tasks.size(), 2u);
    TaskPage completed_of_first = Must(store_->ListTasks(org_.id, 10, "", {first.id, "completed"}));
    ASSERT_EQ(completed_of_first.tasks.size(), 1u);
    EXPECT_EQ(completed_of_first.tasks[0].id, done.id);
    EXPECT_TRUE(Must(store_->ListTasks(other_.id, 10, "")).tasks.empty());
    EXPECT_EQ(CodeOf(store_->ListTasks(org_.id, 10, "run_x")), ErrorCode::kInvalidRequest);
}

// --- deletion ---

TEST_F(RunLifecycleTest, DeletingARunRemovesItsRowsAndFreesOnlyBlobsNothingElseUses) {
    store::Run run = NewRun({{"k", "v"}});
    store::Run neighbour = NewRun();
    Complete(run, "mine");
    Complete(run, "shared");
    Complete(neighbour, "shared");
    FileRecord upload = Must(store_->CreateFile(
        {.org_id = org_.id, .name = "u", .size = 4, .purpose = "init", .blob = Sha256Hex("mine")}));
    Must(store_->MarkFilesUsed(org_.id, run.id, {upload.id}));

    EXPECT_EQ(CodeOf(store_->DeleteRun(other_.id, run.id)), ErrorCode::kNotFound);
    SweepStep deleted = Must(store_->DeleteRun(org_.id, run.id));

    // "mine" is still the upload's, "shared" the neighbour's.
    EXPECT_TRUE(deleted.unreferenced_blobs.empty());
    EXPECT_EQ(CodeOf(store_->GetRun(org_.id, run.id)), ErrorCode::kNotFound);
    for (const char* table : {"tasks", "versions", "turns", "run_metadata", "run_files"}) {
        SCOPED_TRACE(table);
        EXPECT_EQ(Count(fmt::format("SELECT COUNT(*) FROM {} WHERE run_id = '{}'", table, run.id)),
                  0);
    }
    SweepStep file_gone = Must(store_->DeleteFile(org_.id, upload.id));
    EXPECT_EQ(file_gone.unreferenced_blobs, std::vector<std::string>{Sha256Hex("mine")});
    SweepStep neighbour_gone = Must(store_->DeleteRun(org_.id, neighbour.id));
    EXPECT_EQ(neighbour_gone.unreferenced_blobs, std::vector<std::string>{Sha256Hex("shared")});
    EXPECT_EQ(CodeOf(store_->DeleteFile(org_.id, upload.id)), ErrorCode::kNotFound);
}

// --- retention ---

TEST_F(RunLifecycleTest, RetentionIsSetByNameOrIdAndRefusesLessThanASecond) {
    EXPECT_EQ(Must(store_->SetRetention("acme", 5000)).id, org_.id);
    EXPECT_EQ(Must(store_->RetentionOf(org_.id)), 5000);
    Must(store_->SetRetention(org_.id, 7 * kDayMs));
    EXPECT_EQ(Must(store_->RetentionOf(org_.id)), 7 * kDayMs);
    EXPECT_EQ(Must(store_->RetentionOf(other_.id)), kDefaultRetentionMs);
    EXPECT_EQ(CodeOf(store_->SetRetention("nobody", 5000)), ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(store_->SetRetention("acme", 999)), ErrorCode::kInvalidRequest);
}

TEST_F(RunLifecycleTest, ARunIsExpiredOnceItsWindowPassedBeforeAnySweep) {
    store::Run run = NewRun();
    Complete(run, "one");
    store::Run fresh = Must(store_->GetRun(org_.id, run.id));
    EXPECT_EQ(fresh.status, "active");
    EXPECT_EQ(fresh.expires_at, fresh.last_task_at + kDefaultRetentionMs);

    Must(store_->SetRetention("acme", 60'000));
    AgeRun(run, 61'000);
    store::Run expired = Must(store_->GetRun(org_.id, run.id));

    EXPECT_EQ(expired.status, "expired");
    EXPECT_EQ(expired.expired_at, expired.last_task_at + 60'000);
    EXPECT_EQ(CodeOf(store_->AddOutsideVersion(org_.id, run.id, {"upload", Sha256Hex("x"), 1, 0})),
              ErrorCode::kRunExpired);
    EXPECT_EQ(CodeOf(store_->AddOutsideVersion(org_.id, run.id, {"revert", "", 0, 1})),
              ErrorCode::kRunExpired);
}

// Its last task has not ended, so its window has not started.
TEST_F(RunLifecycleTest, ARunWithATaskQueuedOrRunningDoesNotExpire) {
    Must(store_->SetRetention("acme", 60'000));
    store::Run run = NewRun();
    Complete(run, "one");
    Queue(run);
    AgeRun(run, 61'000);

    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).status, "active");
    RunFilter expired;
    expired.status = "expired";
    EXPECT_TRUE(Must(store_->ListRuns(org_.id, 10, "", expired)).runs.empty());
    EXPECT_EQ(Must(store_->MarkExpiredRuns(NowMillis(), 10)).count, 0);

    auto claimed = Must(store_->ClaimNextTask());
    ASSERT_TRUE(claimed);
    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).status, "active");
    Must(store_->FailTask(claimed->id, claimed->attempt, "agent_failed", "no"));
    AgeRun(run, 61'000);
    EXPECT_EQ(Must(store_->GetRun(org_.id, run.id)).status, "expired");
}

TEST_F(RunLifecycleTest, SweepMarksExpiredRunsThenPurgesTheirBytesKeepingTheRow) {
    store::Run old = NewRun();
    store::Run busy = NewRun();
    store::Run young = NewRun();
    Complete(old, "old bytes");
    Complete(busy, "busy bytes");
    Complete(young, "young bytes");
    Queue(busy);
    AgeRun(old, 40 * kDayMs);
    AgeRun(busy, 40 * kDayMs);
    const std::int64_t now = NowMillis();

    EXPECT_EQ(Must(store_->MarkExpiredRuns(now, 10)).count, 1);
    EXPECT_EQ(Must(store_->MarkExpiredRuns(now, 10)).count, 0);
    store::Run marked = Must(store_->GetRun(org_.id, old.id));
    EXPECT_EQ(marked.status, "expired");
    EXPECT_EQ(marked.purged_at, 0);

    // Not yet a further 30 days past expiry; then it is.
    EXPECT_EQ(Must(store_->PurgeExpiredRuns(now, 30 * kDayMs, 10)).count, 0);
    SweepStep purged = Must(store_->PurgeExpiredRuns(now + 30 * kDayMs, 30 * kDayMs, 10));

    EXPECT_EQ(purged.count, 1);
    EXPECT_EQ(purged.unreferenced_blobs, std::vector<std::string>{Sha256Hex("old bytes")});
    store::Run row = Must(store_->GetRun(org_.id, old.id));
    EXPECT_EQ(row.status, "expired");
    EXPECT_EQ(row.purged_at, now + 30 * kDayMs);
    EXPECT_EQ(row.blob, "");
    EXPECT_EQ(row.version, 1);
    EXPECT_TRUE(Must(store_->ListVersions(org_.id, old.id, 10, "")).versions.empty());
    EXPECT_EQ(Count(fmt::format("SELECT COUNT(*) FROM turns WHERE run_id = '{}'", old.id)), 0);
    EXPECT_EQ(Must(store_->GetRun(org_.id, young.id)).status, "active");
    EXPECT_EQ(Must(store_->PurgeExpiredRuns(now + 30 * kDayMs, 30 * kDayMs, 10)).count, 0);
}

TEST_F(RunLifecycleTest, SweepStepsTakeAtMostTheirBatch) {
    for (int i = 0; i < 3; ++i) AgeRun(NewRun(), 40 * kDayMs);
    const std::int64_t now = NowMillis();
    EXPECT_EQ(Must(store_->MarkExpiredRuns(now, 2)).count, 2);
    EXPECT_EQ(Must(store_->MarkExpiredRuns(now, 2)).count, 1);
    EXPECT_EQ(Must(store_->PurgeExpiredRuns(now + 31 * kDayMs, 30 * kDayMs, 2)).count, 2);
}

TEST_F(RunLifecycleTest, UploadsNoRunUsesExpireWithTheWindowAndUsedOnesStay) {
    auto upload = [&](std::string_view bytes) {
        return Must(store_->CreateFile({.org_id = org_.id,
                                        .name = "f",
                                        .size = 1,
                                        .purpose = "context",
                                        .blob = Sha256Hex(bytes)}));
    };
    FileRecord unused = upload("unused");
    FileRecord used = upload("used");
    FileRecord recent = upload("recent");
    Must(store_->MarkFilesUsed(org_.id, NewRun().id, {used.id}));
    Sql(fmt::format("UPDATE files SET created_at = created_at - {} WHERE id IN ('{}', '{}')",
                    31 * kDayMs, unused.id, used.id));

    SweepStep expired = Must(store_->ExpireUnusedFiles(NowMillis(), 10));

    EXPECT_EQ(expired.count, 1);
    EXPECT_EQ(expired.unreferenced_blobs, std::vector<std::string>{Sha256Hex("unused")});
    EXPECT_EQ(CodeOf(store_->GetFile(org_.id, unused.id)), ErrorCode::kNotFound);
    EXPECT_TRUE(store_->GetFile(org_.id, used.id));
    EXPECT_TRUE(store_->GetFile(org_.id, recent.id));
}

}  // namespace
}  // namespace quire::store
