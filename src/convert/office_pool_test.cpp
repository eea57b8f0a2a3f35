#include "convert/office_pool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

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
