#include "agent/prompt_clauses.hpp"

#include <gtest/gtest.h>

namespace quire::agent {
namespace {

struct SplitCase {
    const char* prompt;
    std::vector<std::string> clauses;
};

class SplitClausesTest : public testing::TestWithParam<SplitCase> {};

TEST_P(SplitClausesTest, SplitsIntoInstructions) {
    EXPECT_EQ(SplitClauses(GetParam().prompt), GetParam().clauses);
}

INSTANTIATE_TEST_SUITE_P(
    Prompts, SplitClausesTest,
    testing::Values(SplitCase{"Add a sheet named Summary", {"Add a sheet named Summary"}},
                    SplitCase{"Add a sheet named A and rename sheet B to C",
                              {"Add a sheet named A", "rename sheet B to C"}},
                    SplitCase{"Set Data!B2 to 3.5. Then add a sheet named X.",
                              {"Set Data!B2 to 3.5", "add a sheet named X"}},
                    SplitCase{"compare bread and butter; set S!A1 to 1\nadd sheet called Z",
                              {"compare bread and butter", "set S!A1 to 1", "add sheet called Z"}},
                    SplitCase{"add a sheet named Q1 and make it blue",
                              {"add a sheet named Q1", "make it blue"}},
                    SplitCase{"add a sheet named \"Salt and Pepper\"",
                              {"add a sheet named \"Salt and Pepper\""}},
                    SplitCase{"set 'Q and A'!B2 to 5 and then paint it",
                              {"set 'Q and A'!B2 to 5", "paint it"}},
                    SplitCase{"make the header bold and freeze the top row",
                              {"make the header bold", "freeze the top row"}},
                    SplitCase{"freeze the top row and the first column",
                              {"freeze the top row and the first column"}},
                    SplitCase{"make the header bold and paint it blue",
                              {"make the header bold", "paint it blue"}},
                    SplitCase{"sum column B then format column B as currency and sing",
                              {"sum column B", "format column B as currency", "sing"}},
                    SplitCase{"   ", {}}));

TEST(SplitTitle, FirstSentenceIsTheTitle) {
    TitledText text = SplitTitle("Quarterly report. Revenue grew 4.5% in Q3.");
    EXPECT_EQ(text.title, "Quarterly report");
    EXPECT_EQ(text.body, "Revenue grew 4.5% in Q3.");
}

TEST(SplitTitle, EmptyPromptGetsAPlaceholderTitle) {
    EXPECT_EQ(SplitTitle("  ").title, "Untitled");
}

TEST(EqualsIgnoringCase, ComparesAsciiLetters) {
    EXPECT_TRUE(EqualsIgnoringCase("Sheet1", "SHEET1"));
    EXPECT_FALSE(EqualsIgnoringCase("Sheet1", "Sheet2"));
}

}  // namespace
}  // namespace quire::agent
