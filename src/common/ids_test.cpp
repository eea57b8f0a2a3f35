#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace quire {
namespace {

TEST(Ids, HavePrefixAndUlidShape) {
    std::string id = NewId("run_");
    EXPECT_EQ(id.size(), 4u + 26u);
    EXPECT_TRUE(IsId(id, "run_"));
    EXPECT_FALSE(IsId(id, "task_"));
    EXPECT_FALSE(IsId("run_ILOU0000000000000000000000", "run_"));
}

TEST(Ids, LaterIdsSortAfterEarlierOnesWithinOneMillisecond) {
    std::string previous = NewId("task_");
    for (int i = 0; i < 5000; ++i) {
        std::string next = NewId("task_");
        ASSERT_LT(previous, next);
        previous = next;
    }
}

TEST(Ids, Rfc3339IsUtcWithMilliseconds) {
    EXPECT_EQ(MillisToRfc3339(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(MillisToRfc3339(1764788930123), "2025-12-03T19:08:50.123Z");
}

}  // namespace
}  // namespace quire
