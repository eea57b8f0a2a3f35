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

}  // namespace
}  // namespace quire::convert
