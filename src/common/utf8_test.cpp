#include "common/utf8.hpp"

#include <gtest/gtest.h>

namespace quire {
namespace {

struct Utf8Case {
    const char* bytes;
    bool valid;
};

class Utf8Validity : public testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8Validity, FollowsTheUnicodeTable) {
    EXPECT_EQ(IsValidUtf8(GetParam().bytes), GetParam().valid) << GetParam().bytes;
}

INSTANTIATE_TEST_SUITE_P(Sequences, Utf8Validity,
                         testing::Values(Utf8Case{"plain", true}, Utf8Case{"caf\xC3\xA9", true},
                                         Utf8Case{"\xE2\x82\xAC", true},
                                         Utf8Case{"\xF0\x9F\x98\x80", true},
                                         Utf8Case{"\xC0\xAF", false},          // overlong
                                         Utf8Case{"\xED\xA0\x80", false},      // surrogate
                                         Utf8Case{"\xF4\x90\x80\x80", false},  // past U+10FFFF
                                         Utf8Case{"\xE2\x82", false},          // truncated
                                         Utf8Case{"caf\xE9", false}));         // Windows-1252

TEST(Utf8, CountsCodePointsNotBytes) {
    EXPECT_EQ(Utf8CodePointCount("caf\xC3\xA9"), 4u);
    EXPECT_EQ(Utf8CodePointCount("\xF0\x9F\x98\x80"), 1u);
}

TEST(Utf8, AppendsEveryLengthAndReplacesWhatUtf8CannotHold) {
    std::string out;
    for (char32_t c : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600'}) AppendUtf8(out, c);
    EXPECT_EQ(out, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    EXPECT_TRUE(IsValidUtf8(out));
    std::string bad;
    AppendUtf8(bad, 0xD800);
    AppendUtf8(bad, 0x110000);
    EXPECT_EQ(bad, "\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace quire
