// How clauses read as Word instructions: one row per phrasing, with what the clause must ask for.

#include "agent/word_instructions.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace quire::agent {
namespace {

std::string Place(WordPlace place) {
    const char* places[] = {"end_of", "after", "before", "end"};
    return places[static_cast<int>(place)];
}

// An instruction written out field by field, so that a row says what it expects in one string
// and a failure shows what was read instead.
std::string Describe(const WordInstruction& instruction) {
    struct Writer {
        std::string operator()(const AddSection& s) {
            return fmt::format("add_section {}|{}|{}", s.title, Place(s.place), s.section);
        }
        std::string operator()(const MoveFigure& s) {
            return fmt::format("move_{} {}|{}|{}", s.figure.kind, s.figure.words, Place(s.place),
                               s.section);
        }
        std::string operator()(const MoveSection& s) {
            return fmt::format("move_section {}|{}|{}", s.section, Place(s.place), s.other);
        }
        std::string operator()(const DeleteSection& s) { return "delete_section " + s.section; }
        std::string operator()(const DeleteFigure& s) {
            return fmt::format("delete_{} {}", s.figure.kind, s.figure.words);
        }
        std::string operator()(const ReplaceWords& s) {
            return fmt::format("replace {}|{}", s.find, s.replace);
        }
        std::string operator()(const AddParagraph& s) {
            return fmt::format("add_paragraph {}|{}", s.section, s.text);
        }
        std::string operator()(const RetitleDocument& s) { return "retitle " + s.title; }
        std::string operator()(const ResolveChanges& s) {
            return s.accept ? "accept_all_changes" : "reject_all_changes";
        }
    };
    return std::visit(Writer{}, instruction);
}

struct Row {
    const char* clause;
    const char* reads;  // nullptr: no instruction
};

TEST(WordInstructions, EachPhrasingReadsAsItsInstruction) {
    const Row rows[] = {
        {"Add a section Risks after Summary", "add_section Risks|after|Summary"},
        {"add a new section named Costs below the Data section", "add_section Costs|after|Data"},
        {"Insert a section called \"Before and after\" before section Data",
         "add_section Before and after|before|Data"},
        {"Create a section Appendix", "add_section Appendix|end|"},
        {"Add a section Appendix at the end of the document", "add_section Appendix|end|"},
        {"Add a section Notes at home", "add_section Notes at home|end|"},
        {"Move the revenue chart to the executive summary",
         "move_chart revenue|end_of|executive summary"},
        {"move the chart into section Risks", "move_chart |end_of|Risks"},
        {"Move the chart to the end of the Data section", "move_chart |end_of|Data"},
        {"Move the chart to the end", "move_chart |end|"},
        {"Move chart \"Figure 2\" after Summary", "move_chart Figure 2|after|Summary"},
        {"Move the data table before the Chart section", "move_table data|before|Chart"},
        {"Move the Data section before the Chart section", "move_section Data|before|Chart"},
        {"move section Risks to the end", "move_section Risks|end|"},
        {"Delete the Outlook section", "delete_section Outlook"},
        {"remove section \"Costs and risks\"", "delete_section Costs and risks"},
        {"Delete the chart", "delete_chart "},
        {"drop the data table", "delete_table data"},
        {"Delete Risks", nullptr},
        {"Replace 2023 with 2024", "replace 2023|2024"},
        {"Please replace all \"Q3\" with \"Q4\".", "replace Q3|Q4"},
        {"replace \"with\" by \"without\"", "replace with|without"},
        {"Add a paragraph to the summary saying \"Prices fell.\"",
         "add_paragraph summary|Prices fell."},
        {"add a paragraph under Risks that says rates may rise",
         "add_paragraph Risks|rates may rise"},
        {"Add a paragraph saying: Thanks to everyone", "add_paragraph |Thanks to everyone"},
        {"Add a paragraph at the end of the document saying Done", "add_paragraph |Done"},
        {"Rename the document to Annual review", "retitle Annual review"},
        {"Change the title to \"S&P 500 review\"", "retitle S&P 500 review"},
        {"set the document's title to Plan B", "retitle Plan B"},
        {"Accept all changes", "accept_all_changes"},
        {"reject all the tracked changes", "reject_all_changes"},
        {"Accept every suggestion", "accept_all_changes"},
        {"Reject the changes", "reject_all_changes"},
        {"Accept the offer", nullptr},
        {"Paint it gold", nullptr},
        {"Add a sheet named Archive", nullptr},
        {"Move the chart", nullptr},
    };
    for (const Row& row : rows) {
        std::optional<WordInstruction> instruction = ParseWordInstruction(row.clause);
        if (row.reads == nullptr) {
            EXPECT_FALSE(instruction) << row.clause << " read as " << Describe(*instruction);
            continue;
        }
        ASSERT_TRUE(instruction) << row.clause;
        EXPECT_EQ(Describe(*instruction), row.reads) << row.clause;
    }
}

// The words that ask for tracked changes come off the clause before it is read, so that they
// never end up in a name or in the text written.
TEST(WordInstructions, TrackedChangeWordingIsTakenOffTheClause) {
    struct Wording {
        const char* clause;
        const char* rest;  // the clause left to read; nullptr when it asks for nothing else
        const char* reads;
    };
    const Wording rows[] = {
        {"Replace \"sp500.csv\" with \"the S&P file\" as a tracked change",
         "Replace \"sp500.csv\" with \"the S&P file\"", "replace sp500.csv|the S&P file"},
        {"Move the price chart to the executive summary with tracked changes",
         "Move the price chart to the executive summary",
         "move_chart price|end_of|executive summary"},
        {"Delete the Outlook section, tracked", "Delete the Outlook section",
         "delete_section Outlook"},
        {"Add a section Risks after Summary as suggestions", "Add a section Risks after Summary",
         "add_section Risks|after|Summary"},
        {"replace 2023 with 2024 with track changes on", "replace 2023 with 2024",
         "replace 2023|2024"},
        {"As a tracked change, replace Outlook with Prospects", "replace Outlook with Prospects",
         "replace Outlook|Prospects"},
        {"Replace Outlook with Prospects as tracked changes.", "Replace Outlook with Prospects",
         "replace Outlook|Prospects"},
        {"Use track changes", nullptr, nullptr},
        {"please turn on track changes", nullptr, nullptr},
        {"Track your changes", nullptr, nullptr},
        {"with tracked changes", nullptr, nullptr},
        {"Make the edits as suggestions", nullptr, nullptr},
        {"As tracked changes", nullptr, nullptr},
    };
    for (const Wording& row : rows) {
        SCOPED_TRACE(row.clause);
        TrackedWording wording = ReadTrackedWording(row.clause);
        EXPECT_TRUE(wording.tracked);
        EXPECT_EQ(wording.alone, row.rest == nullptr);
        if (row.rest == nullptr) continue;
        EXPECT_EQ(wording.clause, row.rest);
        std::optional<WordInstruction> instruction = ParseWordInstruction(wording.clause);
        ASSERT_TRUE(instruction);
        EXPECT_EQ(Describe(*instruction), row.reads);
    }
    // Quoted text keeps its words; a clause without the wording stays as it is.
    for (const char* plain : {"Replace \"plain\" with \"as a tracked change\"",
                              "Replace untracked with tracked", "Delete the Outlook section"}) {
        SCOPED_TRACE(plain);
        TrackedWording wording = ReadTrackedWording(plain);
        EXPECT_FALSE(wording.tracked);
        EXPECT_EQ(wording.clause, plain);
    }
}

TEST(WordInstructions, SectionAndFigureWords) {
    EXPECT_EQ(SectionWords("the Risks section"), "Risks");
    EXPECT_EQ(SectionWords("section \"Q3 plan\""), "Q3 plan");
    EXPECT_EQ(SectionWords("the Chart section"), "Chart");
    EXPECT_EQ(SectionWords("the chart"), std::nullopt);
    ASSERT_TRUE(ParseFigureWords("the revenue chart"));
    EXPECT_EQ(ParseFigureWords("the revenue chart")->words, "revenue");
    EXPECT_EQ(ParseFigureWords("the graph")->kind, "chart");
    EXPECT_EQ(ParseFigureWords("table \"Table 1\"")->words, "Table 1");
    EXPECT_FALSE(ParseFigureWords("the summary"));
}

// The report's own sections are called "Chart", "Table" or "Data": the word "section" makes the
// name a section's, where these words were once read as a chart or table named "section".
TEST(WordInstructions, TheWordSectionNamesASectionCalledChartOrTable) {
    const Row rows[] = {
        {"delete the section Chart", "delete_section Chart"},
        {"delete the Chart section", "delete_section Chart"},
        {"delete the section named Chart", "delete_section Chart"},
        {"Delete the Table section", "delete_section Table"},
        {"Move the Chart section to the end", "move_section Chart|end|"},
        {"Move the section Chart before Executive summary",
         "move_section Chart|before|Executive summary"},
        {"Move the Data section after Chart", "move_section Data|after|Chart"},
        {"Add a section Notes after Chart", "add_section Notes|after|Chart"},
        {"Add a section Notes before the table", "add_section Notes|before|table"},
        {"Add a paragraph to Chart saying Drawn from sp500.csv",
         "add_paragraph Chart|Drawn from sp500.csv"},
        {"delete the chart", "delete_chart "},
        {"Move the price chart to the Chart section", "move_chart price|end_of|Chart"},
        {"delete the \"Q3 section\" table", "delete_table Q3 section"},
    };
    for (const Row& row : rows) {
        std::optional<WordInstruction> instruction = ParseWordInstruction(row.clause);
        ASSERT_TRUE(instruction) << row.clause;
        EXPECT_EQ(Describe(*instruction), row.reads) << row.clause;
    }
    EXPECT_FALSE(ParseFigureWords("the section Chart"));
    EXPECT_FALSE(ParseFigureWords("the Table section"));
}

}  // namespace
}  // namespace quire::agent
