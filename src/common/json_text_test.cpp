#include "common/json_text.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <limits>

namespace quire {
namespace {

// Numbers read back from a workbook came out as 4.2E1 and -0E0, which models misread.
TEST(JsonText, WritesDoublesAsPlainDecimals) {
    boost::json::value value = boost::json::parse(R"({"a": [42.0, 3.5, -0.0, 1e100, 0.1]})");
    EXPECT_EQ(JsonText(value), R"({"a":[42,3.5,-0,1e+100,0.1]})");
}

TEST(JsonText, KeepsStringsIntegersAndLiteralsAsTheyAre) {
    boost::json::value value =
        boost::json::parse(R"({"s": "q\"\u00e9\n", "i": -7, "b": true, "n": null})");
    EXPECT_EQ(JsonText(value), R"({"s":"q\"é\n","i":-7,"b":true,"n":null})");
    boost::json::value reparsed = boost::json::parse(JsonText(value));
    EXPECT_EQ(reparsed, value);
}

TEST(JsonText, NumbersJsonCannotHoldBecomeNull) {
    boost::json::value value = boost::json::array{std::numeric_limits<double>::infinity()};
    EXPECT_EQ(JsonText(value), "[null]");
}

}  // namespace
}  // namespace quire
