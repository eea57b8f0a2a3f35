#include "common/duration.hpp"

#include <gtest/gtest.h>

namespace quire {
namespace {

TEST(Duration, EverySuffixAndABareNumberOfSeconds) {
    struct Row {
        const char* text;
        std::int64_t ms;
    };
    for (const Row& row :
         {Row{"3s", 3000}, Row{"15m", 900'000}, Row{"12h", 43'200'000}, Row{"30d", 2'592'000'000},
          Row{"90", 90'000}, Row{"0s", 0}, Row{"1500ms", 1500}}) {
        SCOPED_TRACE(row.text);
        auto parsed = ParseDurationMs(row.text);
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(*parsed, row.ms);
    }
}

TEST(Duration, AnythingElseIsRefusedNamingTheForms) {
    for (const char* text :
         {"", "d", "ms", "-3s", "3w", "1.5h", "3 s", "s3", "99999999999999999999d", "40000d"}) {
        SCOPED_TRACE(text);
        auto parsed = ParseDurationMs(text);
        ASSERT_FALSE(parsed);
        EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidRequest);
    }
    EXPECT_NE(ParseDurationMs("3w").error().message.find("ms, s, m, h or d"), std::string::npos);
}

TEST(Duration, TextIsTheLargestWholeUnit) {
    EXPECT_EQ(DurationText(2'592'000'000), "30d");
    EXPECT_EQ(DurationText(90'000), "90s");
    EXPECT_EQ(DurationText(3'600'000), "1h");
    EXPECT_EQ(DurationText(0), "0s");
    EXPECT_EQ(DurationText(1500), "1500ms");
}

}  // namespace
}  // namespace quire
