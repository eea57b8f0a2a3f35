#include "convert/office_pool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/sqlite/temp_dir.hpp"

namespace quire::convert {
namespace {

OfficePoolOptions Options(const store::TempDir& dir, std::filesystem::path program) {
    OfficePoolOptions options;
    options.work_dir = dir.path();
    options.program = std::move(program);
    options.start_timeout = std::chrono::milliseconds(500);
    options.timeout = std::chrono::milliseconds(500);
    return options;
}

TEST(OfficePool, MissingProgramIsConverterUnavailable) {
    store::TempDir dir;
    OfficePool pool(Options(dir, dir.path() / "no-such-office"));
    EXPECT_FALSE(pool.installed());
    Status started = pool.Start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::kConverterUnavailable);
    auto converted = pool.Convert("bytes", OfficeRequest{"memo.docx", ".pdf", "writer_pdf_Export"});
    ASSERT_FALSE(converted);
    EXPECT_EQ(converted.error().code, ErrorCode::kConverterUnavailable);
}

TEST(OfficePool, ZeroProcessesRunsWithoutTheConverter) {
    store::TempDir dir;
    OfficePoolOptions options = Options(dir, "/bin/true");
    options.processes = 0;
    OfficePool pool(options);
    EXPECT_FALSE(pool.installed());
    EXPECT_EQ(pool.Readiness().error().message, "this server runs without the office converter");
}

TEST(OfficePool, ProgramThatCannotStartLeavesThePoolUnavailable) {
    if (!OfficeBridgeBuilt()) GTEST_SKIP() << "built without the UNO bridge";
    store::TempDir dir;
    OfficePool pool(Options(dir, "/bin/false"));
    ASSERT_TRUE(pool.installed());
    // Start returns once the first start failed, not after the whole start timeout.
    Status started = pool.Start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::kConverterUnavailable);
    EXPECT_TRUE(pool.ProcessIds().empty());
    auto converted = pool.Convert("bytes", OfficeRequest{"memo.docx", ".pdf", "writer_pdf_Export"});
    ASSERT_FALSE(converted);
    EXPECT_EQ(converted.error().code, ErrorCode::kConverterUnavailable);
}

// A program that exists but exits at once held every conversion and after-turn recalculation
// for the whole wait for a free process (two minutes with the server's settings) before
// answering "no converter process became free in time".
TEST(OfficePool, ProgramThatExitsAtOnceMakesThePoolFailingInsteadOfHoldingConversions) {
    if (!OfficeBridgeBuilt()) GTEST_SKIP() << "built without the UNO bridge";
    store::TempDir dir;
    OfficePoolOptions options = Options(dir, "/bin/true");
    // Long enough that a conversion waiting for a process would end with the other message.
    options.start_timeout = std::chrono::seconds(30);
    OfficePool pool(options);
    ASSERT_TRUE(pool.installed());
    ASSERT_FALSE(pool.Start());
    EXPECT_TRUE(pool.failing());
    EXPECT_GE(pool.NextStartIn().count(), 1);

    Status ready = pool.Readiness();
    ASSERT_FALSE(ready);
    EXPECT_EQ(ready.error().code, ErrorCode::kConverterUnavailable);
    EXPECT_NE(ready.error().message.find("fail to start"), std::string::npos);
    auto converted = pool.Convert("bytes", OfficeRequest{"memo.docx", ".pdf", "writer_pdf_Export"});
    ASSERT_FALSE(converted);
    EXPECT_EQ(converted.error().code, ErrorCode::kConverterUnavailable);
    EXPECT_NE(converted.error().message.find("fail to start"), std::string::npos)
        << converted.error().message;
    EXPECT_EQ(converted.error().message.find('/'), std::string::npos) << "names no path";
    auto recalculated = pool.Recalculate("bytes");
    ASSERT_FALSE(recalculated);
    EXPECT_NE(recalculated.error().message.find("fail to start"), std::string::npos);
}

TEST(OfficePool, ProgramMissingOrDisabledIsNotFailing) {
    store::TempDir dir;
    OfficePool missing(Options(dir, dir.path() / "no-such-office"));
    EXPECT_FALSE(missing.failing());
    OfficePoolOptions options = Options(dir, "/bin/true");
    options.processes = 0;
    OfficePool disabled(options);
    EXPECT_FALSE(disabled.failing());
    EXPECT_EQ(disabled.NextStartIn().count(), 0);
}

// A program that never started was started again and logged every second (229 lines in four
// minutes).
TEST(OfficePool, RestartDelayDoublesAfterEachFailedStartUpToItsCeiling) {
    OfficePoolOptions options;
    options.restart_delay = std::chrono::seconds(1);
    options.restart_delay_max = std::chrono::seconds(30);
    struct Row {
        int failures;
        std::chrono::milliseconds delay;
    };
    for (Row row : {Row{0, std::chrono::seconds(0)}, Row{1, std::chrono::seconds(1)},
                    Row{2, std::chrono::seconds(2)}, Row{3, std::chrono::seconds(4)},
                    Row{5, std::chrono::seconds(16)}, Row{6, std::chrono::seconds(30)},
                    Row{7, std::chrono::seconds(30)}, Row{1'000'000, std::chrono::seconds(30)}}) {
        SCOPED_TRACE(row.failures);
        EXPECT_EQ(RestartDelay(options, row.failures), row.delay);
    }
}

TEST(OfficePool, FailedStartsAreLoggedOncePerBackoffStepThenAtPowersOfTwo) {
    OfficePoolOptions options;
    options.restart_delay = std::chrono::seconds(1);
    options.restart_delay_max = std::chrono::seconds(30);
    std::vector<int> logged;
    for (int failures = 0; failures <= 100; ++failures) {
        if (LogsStartFailure(options, failures)) logged.push_back(failures);
    }
    // Delays 1, 2, 4, 8, 16 and 30 s for the first six; at the ceiling every power of two.
    EXPECT_EQ(logged, (std::vector<int>{1, 2, 3, 4, 5, 6, 8, 16, 32, 64}));
}

// The timeout grew by whole MiB only (input_size >> 20): a 0.87 MB workbook got no more time
// than an empty one.
TEST(OfficePool, ConversionTimeoutGrowsWithFractionsOfAMegabyte) {
    OfficePoolOptions options;
    options.timeout = std::chrono::seconds(60);
    options.timeout_per_mb = std::chrono::seconds(10);
    constexpr std::size_t kMb = std::size_t{1} << 20;
    struct Row {
        std::size_t bytes;
        std::chrono::milliseconds timeout;
    };
    for (Row row : {Row{0, std::chrono::milliseconds(60'000)},
                    Row{kMb / 2, std::chrono::milliseconds(65'000)},
                    Row{kMb * 87 / 100, std::chrono::milliseconds(68'699)},
                    Row{kMb, std::chrono::milliseconds(70'000)},
                    Row{kMb * 3 / 2, std::chrono::milliseconds(75'000)},
                    Row{kMb * 100, std::chrono::milliseconds(1'060'000)}}) {
        SCOPED_TRACE(row.bytes);
        EXPECT_EQ(ConversionTimeout(options, row.bytes), row.timeout);
    }
}

TEST(OfficePool, ProfileStartsWithWordCompletionAndOnlineSpellingOff) {
    if (!OfficeBridgeBuilt()) GTEST_SKIP() << "built without the UNO bridge";
    store::TempDir dir;
    // An earlier process left the profile with the office's own settings file.
    std::filesystem::create_directories(dir.path() / "profile-0" / "user");
    std::ofstream(dir.path() / "profile-0" / "user" / "registrymodifications.xcu")
        << "<oor:items/>";
    OfficePool pool(Options(dir, "/bin/false"));
    ASSERT_FALSE(pool.Start());

    std::ifstream in(dir.path() / "profile-0" / "user" / "registrymodifications.xcu");
    std::string settings((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(settings.find(R"(oor:path="/org.openoffice.Office.Writer/AutoFunction/Completion")"),
              std::string::npos);
    EXPECT_NE(settings.find(R"(<prop oor:name="CollectWords" oor:op="fuse"><value>false</value>)"),
              std::string::npos);
    EXPECT_NE(settings.find(R"(<prop oor:name="IsSpellAuto" oor:op="fuse"><value>false</value>)"),
              std::string::npos);
}

// Footers and cells that show a document's location printed the job folder under the data
// directory.
TEST(OfficePool, JobsAreReachedThroughALinkThatSaysNothingOfTheDataDirectory) {
    if (!OfficeBridgeBuilt()) GTEST_SKIP() << "built without the UNO bridge";
    store::TempDir dir;
    std::filesystem::path link;
    {
        OfficePool pool(Options(dir, "/bin/false"));
        [[maybe_unused]] Status started = pool.Start();
        link = pool.jobs_link();
        EXPECT_EQ(link.string().find(dir.path().string()), std::string::npos) << link;
        EXPECT_TRUE(std::filesystem::is_symlink(link)) << link;
        EXPECT_TRUE(std::filesystem::equivalent(link, dir.path() / "jobs"));
    }
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(link))) << link;
}

TEST(OfficePool, AKilledServersLinkToTheSameJobsIsRemovedAtStart) {
    if (!OfficeBridgeBuilt()) GTEST_SKIP() << "built without the UNO bridge";
    store::TempDir dir;
    store::TempDir elsewhere;
    namespace fs = std::filesystem;
    fs::create_directories(dir.path() / "jobs");
    const fs::path temp = fs::temp_directory_path();
    const fs::path stale = temp / ("office-stale-" + dir.path().filename().string());
    const fs::path other = temp / ("office-other-" + dir.path().filename().string());
    fs::create_directory_symlink(dir.path() / "jobs", stale);
    fs::create_directory_symlink(elsewhere.path(), other);
    {
        OfficePool pool(Options(dir, "/bin/false"));
        [[maybe_unused]] Status started = pool.Start();
        EXPECT_FALSE(fs::exists(fs::symlink_status(stale))) << stale;
        EXPECT_NE(pool.jobs_link(), stale);
    }
    // A link to another pool's jobs is not this pool's to remove.
    EXPECT_TRUE(fs::is_symlink(other)) << other;
    fs::remove(other);
}

TEST(OfficePool, InputNamesThatAreNotPlainFileNamesAreRefused) {
    if (!OfficeBridgeBuilt()) GTEST_SKIP() << "built without the UNO bridge";
    store::TempDir dir;
    OfficePool pool(Options(dir, "/bin/false"));
    for (const char* name : {"", "..", "../memo.docx", "a/memo.docx"}) {
        auto converted = pool.Convert("bytes", OfficeRequest{name, ".pdf", "writer_pdf_Export"});
        ASSERT_FALSE(converted) << name;
        EXPECT_EQ(converted.error().code, ErrorCode::kInternal) << name;
    }
}

}  // namespace
}  // namespace quire::convert
