#include "convert/export_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/sqlite/temp_dir.hpp"

namespace quire::convert {
namespace {

const std::string kKey(64, 'c');
const std::vector<std::string> kBlobs = {std::string(64, '1'), std::string(64, '2')};

TEST(ExportIndex, RemembersResultsPerOrganisation) {
    store::TempDir dir;
    ExportIndex index(dir.path());
    EXPECT_EQ(index.Find("org_a", kKey), std::nullopt);
    ASSERT_TRUE(index.Put("org_a", kKey, kBlobs));
    EXPECT_EQ(index.Find("org_a", kKey), kBlobs);
    EXPECT_EQ(index.Find("org_b", kKey), std::nullopt);
}

// A deleted run's exports stayed in the cache, and their files on disk.
TEST(ExportIndex, DroppingASourceForgetsEveryResultMadeFromIt) {
    store::TempDir dir;
    ExportIndex index(dir.path());
    const std::string source(64, 'a');
    const std::string other(64, 'b');
    const std::string second_key(64, 'e');
    ASSERT_TRUE(index.Put("org_a", kKey, kBlobs, source));
    ASSERT_TRUE(index.Put("org_b", second_key, {std::string(64, 'f')}, source));
    ASSERT_TRUE(index.Put("org_a", std::string(64, '9'), {std::string(64, '8')}, other));
    std::vector<std::string> dropped = index.DropSource(source);
    std::vector<std::string> expected = kBlobs;
    expected.push_back(std::string(64, 'f'));
    EXPECT_EQ(dropped, expected);
    EXPECT_EQ(index.Find("org_a", kKey), std::nullopt);
    EXPECT_EQ(index.Find("org_b", second_key), std::nullopt);
    EXPECT_TRUE(index.Find("org_a", std::string(64, '9')));
    EXPECT_TRUE(index.DropSource(source).empty());
}

TEST(ExportIndex, RefusesNamesThatAreNotPlain) {
    store::TempDir dir;
    ExportIndex index(dir.path());
    EXPECT_FALSE(index.Put("../org", kKey, kBlobs));
    EXPECT_FALSE(index.Put("org_a", "../../etc", kBlobs));
    EXPECT_EQ(index.Find("org_a", "not-a-key"), std::nullopt);
}

TEST(SingleFlight, ConcurrentCallsWithOneKeyRunTheWorkOnce) {
    SingleFlight flights;
    std::atomic<int> runs{0};
    std::atomic<bool> release{false};
    auto slow = [&]() -> Result<SingleFlight::Blobs> {
        ++runs;
        while (!release) std::this_thread::yield();
        return kBlobs;
    };

    bool first_joined = true;
    bool second_joined = false;
    Result<SingleFlight::Blobs> first = Internal("unset");
    Result<SingleFlight::Blobs> second = Internal("unset");
    std::thread a([&] { first = flights.Do("k", slow, &first_joined); });
    while (runs == 0) std::this_thread::yield();
    std::thread b([&] { second = flights.Do("k", slow, &second_joined); });
    while (flights.Waiters("k") == 0) std::this_thread::yield();
    release = true;
    a.join();
    b.join();

    EXPECT_EQ(runs, 1);
    EXPECT_FALSE(first_joined);
    EXPECT_TRUE(second_joined);
    EXPECT_EQ(first, kBlobs);
    EXPECT_EQ(second, kBlobs);
}

TEST(SingleFlight, LaterCallsRunAgainAndFailuresAreShared) {
    SingleFlight flights;
    int runs = 0;
    auto failing = [&]() -> Result<SingleFlight::Blobs> {
        ++runs;
        return Fail(ErrorCode::kConversionFailed, "no");
    };
    EXPECT_FALSE(flights.Do("k", failing, nullptr));
    EXPECT_FALSE(flights.Do("k", failing, nullptr));
    EXPECT_EQ(runs, 2);
    EXPECT_EQ(flights.Waiters("k"), 0u);
}

// A clock that moves only when the test moves it.
struct TestClock {
    FailedExports::Clock::time_point now{};
    std::function<FailedExports::Clock::time_point()> Reader() {
        return [this] { return now; };
    }
};

TEST(FailedExports, RemembersAFailureUntilItsTimeIsUp) {
    TestClock clock;
    FailedExports failures(std::chrono::minutes(10), clock.Reader());
    EXPECT_FALSE(failures.FailedRecently("org_a/k"));
    failures.Remember("org_a/k");
    EXPECT_TRUE(failures.FailedRecently("org_a/k"));
    EXPECT_FALSE(failures.FailedRecently("org_b/k"));
    clock.now += std::chrono::minutes(10) - std::chrono::seconds(1);
    EXPECT_TRUE(failures.FailedRecently("org_a/k"));
    clock.now += std::chrono::seconds(1);
    EXPECT_FALSE(failures.FailedRecently("org_a/k"));
}

TEST(FailedExports, AFailureRememberedAgainLastsFromTheLaterOne) {
    TestClock clock;
    FailedExports failures(std::chrono::minutes(10), clock.Reader());
    failures.Remember("k");
    clock.now += std::chrono::minutes(6);
    failures.Remember("k");
    clock.now += std::chrono::minutes(6);
    EXPECT_TRUE(failures.FailedRecently("k"));
    clock.now += std::chrono::minutes(4);
    EXPECT_FALSE(failures.FailedRecently("k"));
}

TEST(FailedExports, PastItsCapacityTheOldestIsForgotten) {
    TestClock clock;
    FailedExports failures(std::chrono::minutes(10), clock.Reader(), 2);
    for (const char* key : {"a", "b", "c"}) {
        failures.Remember(key);
        clock.now += std::chrono::seconds(1);
    }
    EXPECT_FALSE(failures.FailedRecently("a"));
    EXPECT_TRUE(failures.FailedRecently("b"));
    EXPECT_TRUE(failures.FailedRecently("c"));
}

}  // namespace
}  // namespace quire::convert
