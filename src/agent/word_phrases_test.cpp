// The offline agent's Word recipes and follow-up instructions, turn by turn through
// MakeOfflineAgent() with the run memory passed on as the worker passes it, judged by reading the
// document back with the Word engine: every example of docs/offline-agent.md's Word section,
// names resolved through memory, refusals, and the report of every shared CSV.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>

#include "agent/agent.hpp"
#include "agent/documented_examples.hpp"
#include "agent/offline_run_testing.hpp"
#include "agent/word_memory.hpp"
#include "agent/word_report.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/xlsx/workbook_testing.hpp"
#include "shared_dir.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;
using Names = std::vector<std::string>;

bool Has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// A Word run: each turn gets the document and the memory the turn before left.
class WordRun : public testing::OfflineRun {
public:
    WordRun() : OfflineRun(DocumentFormat::kWord) {}
    WordRun(std::string document, std::string memory)
        : OfflineRun(DocumentFormat::kWord, std::move(document), std::move(memory)) {}
};

// A turn's document, read back with the engine.
class Saved {
public:
    explicit Saved(const std::string& bytes) {
        Result<docx::WordDocument> document = docx::WordDocument::Open(bytes);
        EXPECT_TRUE(document) << document.error().message;
        if (!document) return;
        blocks_ = document->Blocks();
        outline_ = json::parse(document->OutlineJson()).as_object();
        text_ = document->Text();
    }

    // Title and heading texts in document order.
    Names Headings() const {
        Names names;
        for (const auto& block : blocks_) {
            if (block.heading_level >= 0) names.push_back(block.text);
        }
        return names;
    }

    // The index of the first block whose text is `text`, or -1.
    int IndexOf(std::string_view text) const {
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            if (blocks_[i].text == text) return static_cast<int>(i);
        }
        return -1;
    }

    // The index of the first block holding a chart, or -1.
    int Chart() const {
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            for (const auto& drawing : blocks_[i].drawings) {
                if (drawing.kind == "chart") return static_cast<int>(i);
            }
        }
        return -1;
    }

    int Table() const {
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            if (blocks_[i].kind == docx::BlockInfo::Kind::kTable) return static_cast<int>(i);
        }
        return -1;
    }

    const std::vector<docx::BlockInfo>& blocks() const { return blocks_; }
    const json::object& outline() const { return outline_; }
    const std::string& text() const { return text_; }

private:
    std::vector<docx::BlockInfo> blocks_;
    json::object outline_;
    std::string text_;
};

// The document the examples of docs/offline-agent.md run on, made in the turns the doc names.
struct Fixture {
    std::string document, memory;
};

const Fixture& ExampleDocument() {
    static const Fixture fixture = [] {
        WordRun run;
        run.Say("Write a report titled \"Market review\" from this data", {"sp500.csv"});
        run.Say("Add a section Outlook at the end");
        return Fixture{run.document(), run.memory()};
    }();
    return fixture;
}

const Names kFixtureHeadings = {"Market review", "Executive summary", "Chart", "Data", "Outlook"};

using Check = std::function<void(const Saved&, const std::string& summary)>;

struct Example {
    const char* prompt;
    Check check;
    bool tracked = false;  // the saved document holds tracked changes
};

// The main part of a saved document, as XML.
std::string MainPart(const std::string& document) {
    return xlsx::workbook_testing::AllParts(document).at("word/document.xml");
}

const std::vector<Example>& Examples() {
    static const std::vector<Example> examples = {
        {"Add a section Risks after Summary",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings(), (Names{"Market review", "Executive summary", "Risks",
                                              "Chart", "Data", "Outlook"}));
         }},
        {"Insert a section called \"Next steps\" before the Data section",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings(), (Names{"Market review", "Executive summary", "Chart",
                                              "Next steps", "Data", "Outlook"}));
         }},
        {"Add a section Appendix at the end",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings().back(), "Appendix");
             EXPECT_EQ(doc.blocks().back().text, "Appendix");
         }},
        {"Move the price chart to the executive summary",
         [](const Saved& doc, const std::string&) {
             EXPECT_GT(doc.Chart(), doc.IndexOf("Executive summary"));
             EXPECT_EQ(doc.Chart() + 1, doc.IndexOf("Figure 1: price over date"));
             EXPECT_EQ(doc.Chart() + 2, doc.IndexOf("Data"));
             EXPECT_EQ(doc.IndexOf("Chart"), -1) << "the emptied Chart section is removed";
         }},
        {"Move the chart after the Data section",
         [](const Saved& doc, const std::string&) {
             EXPECT_GT(doc.Chart(), doc.Table());
             EXPECT_EQ(doc.Chart() + 1, doc.IndexOf("Figure 1: price over date"));
             EXPECT_EQ(doc.Chart() + 2, doc.IndexOf("Outlook"));
         }},
        {"Move the data table to Outlook",
         [](const Saved& doc, const std::string&) {
             EXPECT_GT(doc.Table(), doc.IndexOf("Outlook"));
             EXPECT_EQ(doc.Table() - 1, doc.IndexOf("Table 1: sp500.csv"));
         }},
        {"Move the Data section before the Chart section",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings(),
                       (Names{"Market review", "Executive summary", "Data", "Chart", "Outlook"}));
             EXPECT_LT(doc.Table(), doc.IndexOf("Chart"));
         }},
        {"Move the executive summary section to the end",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings(),
                       (Names{"Market review", "Chart", "Data", "Outlook", "Executive summary"}));
         }},
        {"Delete the Outlook section",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings(),
                       (Names{"Market review", "Executive summary", "Chart", "Data"}));
         }},
        {"Delete the chart",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Chart(), -1);
             EXPECT_EQ(doc.IndexOf("Figure 1: price over date"), -1);
             EXPECT_TRUE(doc.outline().at("figures").as_array().empty());
         }},
        {"Replace \"sp500.csv\" with \"the S&P 500 file\"",
         [](const Saved& doc, const std::string& summary) {
             EXPECT_FALSE(Has(doc.text(), "sp500.csv"));
             EXPECT_TRUE(Has(doc.text(), "Table 1: the S&P 500 file"));
             EXPECT_TRUE(Has(summary, "Replaced \"sp500.csv\" with \"the S&P 500 file\" (3 times)"))
                 << summary;
         }},
        {"Replace Outlook with Prospects",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings().back(), "Prospects");
         }},
        {"Add a paragraph to the summary saying \"Prices fell in 2008.\"",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.IndexOf("Prices fell in 2008.") + 1, doc.IndexOf("Chart"));
         }},
        {"Add a paragraph saying Source: vega datasets",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.blocks().back().text, "Source: vega datasets.");
             EXPECT_GT(doc.IndexOf("Source: vega datasets."), doc.IndexOf("Outlook"));
         }},
        {"Rename the document to Market review 2010",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings().front(), "Market review 2010");
             EXPECT_EQ(doc.blocks().front().heading_level, 0);
         }},
        {"Change the title to \"S&P 500 review\"",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.Headings().front(), "S&P 500 review");
         }},
        {"Replace \"sp500.csv\" with \"the S&P 500 file\" as a tracked change",
         [](const Saved& doc, const std::string& summary) {
             EXPECT_FALSE(Has(doc.text(), "sp500.csv")) << "deleted text is not read";
             EXPECT_TRUE(Has(doc.text(), "Table 1: the S&P 500 file"));
             EXPECT_TRUE(Has(summary, "Replaced \"sp500.csv\" with \"the S&P 500 file\" (3 times)"))
                 << summary;
             EXPECT_TRUE(Has(summary, "The edits are tracked changes by \"Quire\"")) << summary;
         },
         true},
        {"Move the price chart to the executive summary with tracked changes",
         [](const Saved& doc, const std::string&) {
             // The chart read first is the inserted copy; the deleted one stays in Chart.
             EXPECT_GT(doc.Chart(), doc.IndexOf("Executive summary"));
             EXPECT_EQ(doc.Chart() + 1, doc.IndexOf("Figure 1: price over date"));
             EXPECT_LT(doc.Chart(), doc.IndexOf("Chart"));
         },
         true},
        {"Delete the Outlook section, tracked",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.IndexOf("Outlook"), -1) << "deleted text is not read";
             EXPECT_EQ(doc.blocks().back().heading_level, 1) << "the heading stays until accepted";
         },
         true},
        {"Use track changes. Add a section Risks after Summary.",
         [](const Saved& doc, const std::string&) {
             EXPECT_EQ(doc.IndexOf("Risks"), doc.IndexOf("Chart") - 1);
         },
         true},
        {"Delete the chart as a suggestion. Accept all changes.",
         [](const Saved& doc, const std::string& summary) {
             EXPECT_EQ(doc.Chart(), -1);
             EXPECT_EQ(doc.IndexOf("Figure 1: price over date"), -1);
             EXPECT_TRUE(Has(summary, "Accepted ")) << summary;
             EXPECT_FALSE(Has(summary, "The edits are tracked changes")) << summary;
         }},
        {"Replace Outlook with Prospects as a tracked change. Reject all changes.",
         [](const Saved& doc, const std::string& summary) {
             EXPECT_EQ(doc.Headings(), kFixtureHeadings);
             EXPECT_TRUE(Has(summary, "Rejected 2 tracked changes.")) << summary;
         }},
    };
    return examples;
}

// ---- The documented examples ----

TEST(WordDocumentedExamples, TheDocAndTheTestsListTheSameExamples) {
    std::set<std::string> tested;
    for (const Example& example : Examples()) tested.insert(example.prompt);
    testing::ExpectDocumentedExamplesAreTested("Word", tested, 21);
}

TEST(WordDocumentedExamples, EachExampleDoesWhatTheDocSays) {
    const Fixture& fixture = ExampleDocument();
    std::vector<std::string> documented = testing::DocumentedExamples("Word");
    std::set<std::string> in_doc(documented.begin(), documented.end());
    for (const Example& example : Examples()) {
        if (!in_doc.contains(example.prompt)) continue;  // reported by the test above
        SCOPED_TRACE(example.prompt);
        WordRun run(fixture.document, fixture.memory);
        const TurnOutput& output = run.Say(example.prompt);
        EXPECT_FALSE(Has(output.summary, "Refused")) << output.summary;
        EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
        EXPECT_FALSE(Has(output.summary, "No changes were made")) << output.summary;
        EXPECT_GE(output.stats.tool_calls, 1);
        Saved saved(run.document());
        EXPECT_EQ(saved.outline().at("tracked_changes").as_bool(), example.tracked)
            << "edits are plain unless the prompt asks for tracked changes";
        example.check(saved, output.summary);
    }
}

TEST(WordDocumentedExamples, TheExampleDocumentIsWhatTheDocDescribes) {
    Saved doc(ExampleDocument().document);
    EXPECT_EQ(doc.Headings(), kFixtureHeadings);
    EXPECT_EQ(doc.blocks().front().heading_level, 0);
    EXPECT_EQ(doc.Chart() + 1, doc.IndexOf("Figure 1: price over date"));
    EXPECT_TRUE(doc.blocks()[doc.Chart() + 1].caption);
    EXPECT_EQ(doc.Table() - 1, doc.IndexOf("Table 1: sp500.csv"));
    EXPECT_LT(doc.IndexOf("Executive summary"), doc.Chart());
    EXPECT_LT(doc.IndexOf("Chart"), doc.Chart());
    EXPECT_LT(doc.Chart(), doc.IndexOf("Data"));
    EXPECT_LT(doc.IndexOf("Data"), doc.Table());
}

// ---- The report recipe ----

TEST(WordReport, NumbersAreRoundedToTwoDecimalsWithThousandsGrouped) {
    struct Row {
        double value;
        const char* text;
    };
    for (const Row& row : {Row{0, "0"}, Row{12, "12"}, Row{1234.5, "1,234.5"}, Row{-0.001, "0"},
                           Row{-0.25, "-0.25"}, Row{1234567.891, "1,234,567.89"},
                           Row{999.999, "1,000"}, Row{-1234, "-1,234"}, Row{100, "100"}}) {
        EXPECT_EQ(ReportNumber(row.value), row.text) << row.value;
    }
}

TEST(WordReport, TheRequestGivesTheTitleAndTheSections) {
    struct Row {
        const char* prompt;
        const char* title;
        Names sections;
    };
    for (const Row& row : {
             Row{"Write a report from this data", "", {}},
             Row{"Write a memo about the Q3 offsite with sections Agenda, Logistics and Budget",
                 "Q3 offsite",
                 {"Agenda", "Logistics", "Budget"}},
             Row{"Draft a short report on regional sales, with sections: Method; Results",
                 "Regional sales",
                 {"Method", "Results"}},
             Row{"Write a report titled \"Energy in Iowa\" from this data", "Energy in Iowa", {}},
             Row{"Launch plan. Ship in May.", "Launch plan", {}},
         }) {
        WordRequest request = ReadWordRequest(row.prompt);
        EXPECT_EQ(request.title, row.title) << row.prompt;
        EXPECT_EQ(request.sections, row.sections) << row.prompt;
    }
}

// Every CSV of the shared data makes a report: the title, an executive summary with the row
// count, a chart with its caption when the data has a time axis or categories, and the table.
TEST(WordReport, EverySharedCsvMakesAReport) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(test_support::SharedDir() / "data"))
        if (entry.path().extension() == ".csv") files.push_back(entry.path());
    ASSERT_GE(files.size(), 8u);
    for (const auto& path : files) {
        std::string name = path.filename().string();
        SCOPED_TRACE(name);
        WordRun run;
        const TurnOutput& output = run.Say("Write a report from this data", {name});
        EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
        Saved doc(run.document());
        Names headings = doc.Headings();
        ASSERT_GE(headings.size(), 3u);
        EXPECT_EQ(headings.front(), "Report on " + path.stem().string());
        EXPECT_EQ(headings[1], "Executive summary");
        EXPECT_EQ(headings.back(), "Data");
        EXPECT_TRUE(Has(doc.text(), name + " holds ")) << doc.text().substr(0, 300);
        ASSERT_GE(doc.Table(), 0);
        EXPECT_EQ(doc.blocks()[doc.Table() - 1].text, "Table 1: " + name);
        EXPECT_TRUE(Has(doc.blocks()[doc.Table() - 2].text, "The table shows "));
        EXPECT_LE(doc.blocks()[doc.Table()].rows, 21u);
        EXPECT_LE(doc.blocks()[doc.Table()].columns, 8u);
        if (doc.Chart() >= 0) {
            EXPECT_EQ(headings[2], "Chart");
            EXPECT_TRUE(doc.blocks()[doc.Chart() + 1].caption);
            EXPECT_TRUE(doc.blocks()[doc.Chart() + 1].text.starts_with("Figure 1: "));
        }
        WordMemory memory = ReadWordMemory(run.memory());
        EXPECT_EQ(memory.sections.front().role, "summary");
        EXPECT_LT(run.memory().size(), 1000u) << run.memory();
    }
}

TEST(WordReport, FiguresComeFromTheData) {
    WordRun run;
    run.Say("Write a report from this data", {"iowa-electricity.csv"});
    Saved doc(run.document());
    // 51 rows of net_generation; python computes the same in the oracle test.
    EXPECT_TRUE(Has(doc.text(), "iowa-electricity.csv holds 51 rows and 3 columns.")) << doc.text();
    EXPECT_TRUE(Has(doc.text(), "Its year runs from 2001-01-01 to 2017-01-01.")) << doc.text();
    EXPECT_TRUE(Has(doc.text(), "net_generation: total ")) << doc.text();
    EXPECT_TRUE(Has(doc.text(),
                    "By source: Fossil Fuels 17 rows, Nuclear Energy 17 rows and "
                    "Renewables 17 rows."))
        << doc.text();
    EXPECT_TRUE(
        Has(doc.text(), "The table shows the first 20 of 51 rows of iowa-electricity.csv."));
    EXPECT_TRUE(Has(doc.text(), "Figure 1: Total net_generation per source")) << doc.text();
}

TEST(WordReport, YearsAreWrittenWithoutAThousandsSeparator) {
    WordRun run;
    run.Say("Write a report from this data", {"disasters.csv"});
    std::string text = Saved(run.document()).text();
    EXPECT_TRUE(Has(text, "Its Year runs from 1900 to 2017.")) << text.substr(0, 400);
}

TEST(WordReport, ALongSeriesIsDrawnEveryKthRowAndTheCaptionSaysSo) {
    std::string csv = "day,value\n";
    for (int i = 0; i < 4001; ++i) {
        csv +=
            fmt::format("{:04}-{:02}-{:02},{}\n", 2000 + i / 336, 1 + i / 28 % 12, 1 + i % 28, i);
    }
    TurnInput input;
    input.format = DocumentFormat::kWord;
    input.prompt = "Write a report from this data";
    input.data_sources.push_back({"long.csv", "csv", csv});
    Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_TRUE(output) << output.error().message;
    EXPECT_TRUE(
        Has(Saved(output->document).text(), "Figure 1: value over day (every 3rd of 4,001 rows)"));
    std::string chart;
    for (const auto& [name, text] : xlsx::workbook_testing::AllParts(output->document)) {
        if (name.starts_with("word/charts/chart")) chart = text;
    }
    EXPECT_TRUE(Has(chart, "<c:ptCount val=\"1334\"/>")) << chart.substr(0, 2000);
    EXPECT_FALSE(Has(chart, "<c:ptCount val=\"4001\"/>"));
}

TEST(WordReport, AnAskListsTheSectionsAndChangesNothing) {
    TurnInput input;
    input.format = DocumentFormat::kWord;
    input.ask = true;
    input.prompt = "What does the report say?";
    input.document = ExampleDocument().document;
    input.memory_json = ExampleDocument().memory;
    Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_TRUE(output) << output.error().message;
    EXPECT_EQ(output->document, ExampleDocument().document);
    EXPECT_TRUE(Has(output->summary,
                    "The document has 4 sections: \"Executive summary\", "
                    "\"Chart\", \"Data\", \"Outlook\"."))
        << output->summary;
}

TEST(WordReport, EveryToolCallIsReportedAsItIsMade) {
    TurnInput input;
    input.format = DocumentFormat::kWord;
    input.prompt = "Move the chart to the executive summary. Add a section Risks at the end.";
    input.document = ExampleDocument().document;
    input.memory_json = ExampleDocument().memory;
    std::vector<std::string> tools;
    input.on_tool_call = [&](std::string_view tool, std::string_view) { tools.emplace_back(tool); };
    Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_TRUE(output) << output.error().message;
    // The move empties the report's Chart section, whose heading is deleted with it.
    EXPECT_EQ(tools, (Names{"move_block", "delete_block", "insert_blocks"}));
    EXPECT_EQ(output->stats.tool_calls, 3);
}

TEST(WordReport, LargeDataIsTruncatedWithASentenceSayingHowMuchIsShown) {
    WordRun weather;
    weather.Say("Write a report from this data", {"seattle-weather.csv"});
    EXPECT_TRUE(Has(Saved(weather.document()).text(),
                    "The table shows the first 20 of 1,461 rows of seattle-weather.csv."));
    WordRun employment;
    employment.Say("Write a report from this data", {"us-employment.csv"});
    EXPECT_TRUE(Has(Saved(employment.document()).text(),
                    "The table shows the first 20 of 120 rows and the first 8 of 24 columns of "
                    "us-employment.csv."));
}

TEST(WordReport, WithoutDataAMemoHasTheTitleAndSectionsAndNoFigures) {
    WordRun run;
    const TurnOutput& output =
        run.Say("Write a memo about the Q3 offsite with sections Agenda, Logistics and Budget");
    EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
    Saved doc(run.document());
    EXPECT_EQ(doc.Headings(), (Names{"Q3 offsite", "Agenda", "Logistics", "Budget"}));
    EXPECT_EQ(doc.Chart(), -1);
    EXPECT_EQ(doc.Table(), -1);
    EXPECT_EQ(doc.blocks().size(), 4u);
}

TEST(WordReport, AMemoKeepsThePromptsOtherSentencesAsParagraphs) {
    WordRun run;
    run.Say("Launch plan. Ship in May.");
    Saved doc(run.document());
    EXPECT_EQ(doc.Headings(), (Names{"Launch plan"}));
    EXPECT_GE(doc.IndexOf("Ship in May."), 1);
}

TEST(WordReport, TheFirstTurnCarriesOutItsInstructionsAfterTheRecipe) {
    WordRun run;
    const TurnOutput& output = run.Say(
        "Write a memo about hiring with sections Goals and Budget. Add a section Risks after "
        "Goals.");
    EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
    EXPECT_EQ(Saved(run.document()).Headings(), (Names{"Hiring", "Goals", "Risks", "Budget"}));
}

TEST(WordReport, DataInALaterTurnAddsItsOwnSections) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Add a report of this data", {"iowa-electricity.csv"});
    Names headings = Saved(run.document()).Headings();
    Names tail(headings.end() - 3, headings.end());
    EXPECT_EQ(tail, (Names{"Executive summary (iowa-electricity)", "Chart (iowa-electricity)",
                           "Data (iowa-electricity)"}));
    EXPECT_TRUE(Has(Saved(run.document()).text(), "Table 2: iowa-electricity.csv"));
}

TEST(WordReport, TwoSourcesGetTheirOwnSectionsAndTheirChartsAreToldApartByTitle) {
    WordRun run;
    run.Say("Write a report titled Markets from this data", {"sp500.csv", "iowa-electricity.csv"});
    Saved doc(run.document());
    EXPECT_EQ(doc.Headings(), (Names{"Markets", "Executive summary (sp500)", "Chart (sp500)",
                                     "Data (sp500)", "Executive summary (iowa-electricity)",
                                     "Chart (iowa-electricity)", "Data (iowa-electricity)"}));
    EXPECT_GE(doc.IndexOf("Figure 2: Total net_generation per source"), 0);
    EXPECT_GE(doc.IndexOf("Table 2: iowa-electricity.csv"), 0);

    run.Say("Move the price chart to the end");
    EXPECT_TRUE(Has(run.summary(), "Moved the chart \"Figure 1: price over date\" to the end"))
        << run.summary();
    EXPECT_EQ(Saved(run.document()).blocks().back().text, "Figure 1: price over date");
    run.Say("Delete the chart");
    EXPECT_TRUE(Has(run.summary(), "Deleted the chart \"Figure 1: price over date\""))
        << "the chart touched last: " << run.summary();
}

TEST(WordReport, ABrokenCsvFailsTheTurnAndNamesTheFile) {
    TurnInput input;
    input.format = DocumentFormat::kWord;
    input.prompt = "Write a report from this data";
    input.data_sources.push_back({"broken.csv", "csv", std::string("a,b\n\"open", 9)});
    Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().code, ErrorCode::kInvalidRequest);
    EXPECT_TRUE(Has(output.error().message, "broken.csv")) << output.error().message;
}

// ---- Names, memory, refusals ----

TEST(WordPhrases, NamesMatchIgnoringCaseArticlesAndPunctuation) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    const TurnOutput& output = run.Say("Please MOVE THE PRICE CHART TO THE EXECUTIVE SUMMARY!!");
    EXPECT_FALSE(Has(output.summary, "Refused")) << output.summary;
    Saved doc(run.document());
    EXPECT_GT(doc.Chart(), doc.IndexOf("Executive summary"));
    EXPECT_LT(doc.Chart(), doc.IndexOf("Data"));
}

TEST(WordPhrases, TheSummarySectionIsFoundThroughMemoryAfterItsHeadingChanged) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Replace \"Executive summary\" with Overview");
    run.Say("Move the chart to the summary section");
    EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
    Saved doc(run.document());
    EXPECT_GT(doc.Chart(), doc.IndexOf("Overview"));
    EXPECT_LT(doc.Chart(), doc.IndexOf("Data"));
}

TEST(WordPhrases, AnUnknownSectionIsRefusedNamingTheSectionsAndChangesNothing) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Add a section Risks after Costs");
    EXPECT_TRUE(Has(run.summary(),
                    "Refused \"Add a section Risks after Costs\": no section is "
                    "called \"Costs\"; the sections are \"Market review\", "
                    "\"Executive summary\", \"Chart\", \"Data\", \"Outlook\""))
        << run.summary();
    EXPECT_EQ(Saved(run.document()).Headings(), kFixtureHeadings);
}

TEST(WordPhrases, EverySentenceNotActedOnIsListed) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Make it sound confident. Delete the Outlook section. Paint everything blue.");
    EXPECT_TRUE(Has(run.summary(), "Deleted section \"Outlook\"")) << run.summary();
    EXPECT_TRUE(Has(run.summary(),
                    "Not acted on (the offline agent does not understand it): "
                    "\"Make it sound confident\"; \"Paint everything blue\"."))
        << run.summary();
}

TEST(WordPhrases, TextThatDoesNotOccurIsRefused) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Replace Zebra with Horse");
    EXPECT_TRUE(
        Has(run.summary(), "Refused \"Replace Zebra with Horse\": \"Zebra\" does not occur"))
        << run.summary();
}

TEST(WordPhrases, TheTitleCannotBeDeletedAsASection) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Delete the section Market review");
    EXPECT_TRUE(Has(run.summary(), "Refused")) << run.summary();
    EXPECT_EQ(Saved(run.document()).Headings(), kFixtureHeadings);
}

TEST(WordPhrases, MemoryKeepsTheSectionsChartsAndTablesTheRunMade) {
    WordMemory memory = ReadWordMemory(ExampleDocument().memory);
    Names roles, titles;
    for (const auto& section : memory.sections) {
        roles.push_back(section.role);
        titles.push_back(section.title);
    }
    EXPECT_EQ(titles, (Names{"Executive summary", "Chart", "Data", "Outlook"}));
    EXPECT_EQ(roles, (Names{"summary", "chart", "data", ""}));
    ASSERT_EQ(memory.figures.size(), 2u);
    EXPECT_EQ(memory.figures[0].kind, "chart");
    EXPECT_EQ(memory.figures[0].title, "price over date");
    EXPECT_EQ(memory.figures[1].title, "Table 1: sp500.csv");
    EXPECT_TRUE(memory.sections[0].anchor.starts_with("sec_")) << memory.sections[0].anchor;
    EXPECT_TRUE(memory.figures[0].anchor.starts_with("fig_")) << memory.figures[0].anchor;
}

TEST(WordPhrases, MemoryForgetsWhatIsGoneAndKeepsWhatElseTheRunStored) {
    json::object memory = json::parse(ExampleDocument().memory).as_object();
    memory["notes"] = json::array{"keep me"};
    WordRun run(ExampleDocument().document, json::serialize(memory));
    run.Say("Delete the chart");
    json::object after = json::parse(run.memory()).as_object();
    EXPECT_EQ(after.at("notes"), (json::array{"keep me"}));
    WordMemory word = ReadWordMemory(run.memory());
    ASSERT_EQ(word.figures.size(), 1u);
    EXPECT_EQ(word.figures[0].kind, "table");
}

TEST(WordPhrases, MemoryThatIsNoJsonObjectIsIgnored) {
    for (std::string broken :
         {"not json", "[1,2]", R"({"word":5})", R"({"word":{"sections":"x","figures":[7]}})"}) {
        SCOPED_TRACE(broken);
        WordRun run(ExampleDocument().document, broken);
        run.Say("Move the chart to the executive summary");
        EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
        // Without memory the "Chart" heading is not known as the report's: it stays.
        Saved doc(run.document());
        EXPECT_LT(doc.Chart(), doc.IndexOf("Chart"));
    }
}

// A chart of an uploaded document has no bookmark; its positional anchor ("b12") would name
// another block once something is inserted before it, so the run bookmarks what it remembers.
TEST(WordPhrases, AFigureWithoutABookmarkIsBookmarkedBeforeMemoryKeepsIt) {
    std::ifstream in(test_support::SharedDir() / "corpus" / "docx" / "oxsdk-complex01.docx",
                     std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    WordRun run(bytes, "{}");
    run.Say("Move the chart to the end");
    EXPECT_TRUE(Has(run.summary(), "Moved the chart")) << run.summary();
    WordMemory memory = ReadWordMemory(run.memory());
    ASSERT_EQ(memory.figures.size(), 1u);
    EXPECT_TRUE(memory.figures[0].anchor.starts_with("fig_")) << memory.figures[0].anchor;
    Saved doc(run.document());
    EXPECT_EQ(doc.blocks()[doc.Chart()].id, memory.figures[0].anchor);
}

TEST(WordPhrases, ASectionAddedInOneTurnIsFoundInTheNext) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Add a section Risks after the summary");
    run.Say("Add a paragraph to Risks saying Rates may rise and move the chart to Risks");
    EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
    Saved doc(run.document());
    EXPECT_EQ(doc.IndexOf("Rates may rise."), doc.IndexOf("Risks") + 1);
    EXPECT_EQ(doc.Chart(), doc.IndexOf("Risks") + 2);
}

// ---- Tracked changes ----

// "as a tracked change" was read as part of the replacement, and the document got the text
// `"the S&P file" as a tracked change`, quotes and all.
TEST(WordPhrases, TrackedChangeWordingIsNotWrittenIntoTheReplacement) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Replace \"sp500.csv\" with \"the S&P file\" as a tracked change");
    EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
    const std::string xml = MainPart(run.document());
    for (const char* damage : {"tracked change", "\"the S&amp;P file\"", "&quot;"}) {
        EXPECT_FALSE(Has(xml, damage)) << damage;
    }
    EXPECT_TRUE(Has(Saved(run.document()).text(), "Table 1: the S&P file"));
    EXPECT_TRUE(Saved(run.document()).outline().at("tracked_changes").as_bool());
    run.Say("Accept all changes");
    EXPECT_TRUE(Has(Saved(run.document()).text(), "Table 1: the S&P file"));
    EXPECT_FALSE(Has(MainPart(run.document()), "tracked change"));
}

TEST(WordPhrases, ALeadingTrackChangesSentenceWasTakenAsTheTitle) {
    WordRun run;
    run.Say("Use track changes. Write a memo about hiring");
    const Names headings = Saved(run.document()).Headings();
    ASSERT_FALSE(headings.empty()) << run.summary();
    EXPECT_FALSE(Has(Saved(run.document()).text(), "track changes")) << run.summary();
    EXPECT_EQ(headings.front(), "Hiring");
}

// The move was refused ("no section is called "executive summary with tracked changes""), and
// "Use track changes" and "Accept all changes" were listed as not acted on.
TEST(WordPhrases, TrackedChangeRequestsAreActedOnNotRefused) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Move the price chart to the executive summary with tracked changes");
    EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
    EXPECT_TRUE(Has(run.summary(), "to the end of \"Executive summary\"")) << run.summary();
    run.Say("Use track changes. Delete the Data section.");
    EXPECT_FALSE(Has(run.summary(), "Not acted on")) << run.summary();
    run.Say("Accept all changes");
    EXPECT_FALSE(Has(run.summary(), "Not acted on")) << run.summary();
    EXPECT_FALSE(Saved(run.document()).outline().at("tracked_changes").as_bool());
    run.Say("Accept all changes");
    EXPECT_TRUE(Has(run.summary(), "the document has no tracked changes")) << run.summary();
}

TEST(WordPhrases, AcceptOrRejectAfterAndIsAnInstructionOfItsOwn) {
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("Delete the Outlook section as a tracked change and accept all changes");
    EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
    EXPECT_TRUE(Has(run.summary(), "Accepted ")) << run.summary();
    Saved doc(run.document());
    EXPECT_EQ(doc.Headings(), (Names{"Market review", "Executive summary", "Chart", "Data"}));
    EXPECT_FALSE(doc.outline().at("tracked_changes").as_bool());
}

// Accepting a turn's tracked edits gives what the plain turn gives; rejecting them gives the
// document back.
TEST(WordPhrases, TrackedEditsAcceptToThePlainEditAndRejectToTheOriginal) {
    const std::string original = Saved(ExampleDocument().document).text();
    for (const char* prompt :
         {"Replace Outlook with Prospects", "Delete the section Chart",
          "Add a section Risks after Summary", "Add a paragraph to the summary saying Calm",
          "Rename the document to Market review 2010", "Move the Data section before Chart"}) {
        SCOPED_TRACE(prompt);
        WordRun plain(ExampleDocument().document, ExampleDocument().memory);
        plain.Say(prompt);
        for (bool accept : {true, false}) {
            WordRun run(ExampleDocument().document, ExampleDocument().memory);
            run.Say(std::string(prompt) + " as a tracked change");
            EXPECT_TRUE(Saved(run.document()).outline().at("tracked_changes").as_bool());
            run.Say(accept ? "Accept all changes" : "Reject all changes");
            EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
            Saved resolved(run.document());
            EXPECT_FALSE(resolved.outline().at("tracked_changes").as_bool());
            EXPECT_EQ(resolved.text(), accept ? Saved(plain.document()).text() : original);
        }
    }
    // A tracked move keeps the report's Chart heading, which still holds the deleted chart.
    WordRun moved(ExampleDocument().document, ExampleDocument().memory);
    moved.Say("Move the chart to the executive summary as a tracked change");
    moved.Say("Accept all changes");
    Saved accepted(moved.document());
    EXPECT_GT(accepted.Chart(), accepted.IndexOf("Executive summary"));
    EXPECT_LT(accepted.Chart(), accepted.IndexOf("Chart"));
    EXPECT_EQ(accepted.outline().at("figures").as_array().size(), 1u);
}

// ---- Fixed: names that reached the wrong thing, or nothing ----

// The text of a document's blocks, in order: what a refusal must leave as it was.
Names BlockTexts(const std::string& document) {
    Names texts;
    Saved saved(document);
    for (const auto& block : saved.blocks()) texts.push_back(block.text);
    return texts;
}

TEST(WordPhrases, TheReportsChartAndDataSectionsAreNamedWithTheWordSection) {
    struct Row {
        const char* prompt;
        Names headings;
    };
    const Row rows[] = {
        {"delete the section Chart", {"Market review", "Executive summary", "Data", "Outlook"}},
        {"delete the Chart section", {"Market review", "Executive summary", "Data", "Outlook"}},
        {"delete the section named Chart",
         {"Market review", "Executive summary", "Data", "Outlook"}},
        {"Delete the Table section", {"Market review", "Executive summary", "Chart", "Outlook"}},
        {"Move the Chart section to the end",
         {"Market review", "Executive summary", "Data", "Outlook", "Chart"}},
        {"Move the section Chart before Executive summary",
         {"Market review", "Chart", "Executive summary", "Data", "Outlook"}},
        {"Add a section Notes after Chart",
         {"Market review", "Executive summary", "Chart", "Notes", "Data", "Outlook"}},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.prompt);
        WordRun run(ExampleDocument().document, ExampleDocument().memory);
        const TurnOutput& output = run.Say(row.prompt);
        EXPECT_FALSE(Has(output.summary, "Refused")) << output.summary;
        EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
        EXPECT_EQ(Saved(run.document()).Headings(), row.headings);
    }
    WordRun run(ExampleDocument().document, ExampleDocument().memory);
    run.Say("delete the section Chart");
    EXPECT_EQ(Saved(run.document()).Chart(), -1) << "the section goes with its chart";
}

std::string CorpusDocument(const std::string& name) {
    std::ifstream in(test_support::SharedDir() / "corpus" / "docx" / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(bytes.empty()) << name;
    return bytes;
}

// The outline reads a table's caption above it, else below it; names are looked up the same way.
TEST(WordPhrases, ATableWhoseCaptionIsBelowItIsNamedByThatCaption) {
    const std::string bytes = CorpusDocument("pandoc-table_captions_with_field.docx");
    auto captions = [](const Saved& doc) {
        Names found;
        for (const auto& table : doc.outline().at("tables").as_array()) {
            found.emplace_back(table.at("caption").as_string());
        }
        return found;
    };
    ASSERT_EQ(captions(Saved(bytes)), (Names{"Table 1", "Table 2"}));
    for (const char* prompt : {"Delete the table \"Table 2\"", "Delete the \"Table 2\" table"}) {
        SCOPED_TRACE(prompt);
        WordRun run(bytes, "{}");
        run.Say(prompt);
        EXPECT_TRUE(Has(run.summary(), "Deleted the table \"Table 2\"")) << run.summary();
        Saved doc(run.document());
        EXPECT_EQ(captions(doc), (Names{"Table 1"}));
        EXPECT_EQ(doc.IndexOf("Table 2"), -1) << "the caption goes with its table";
    }
    WordRun run(bytes, "{}");
    run.Say("Move the table \"Table 2\" to the end");
    EXPECT_TRUE(Has(run.summary(), "Moved the table \"Table 2\" to the end")) << run.summary();
    Saved doc(run.document());
    ASSERT_GE(doc.blocks().size(), 2u);
    EXPECT_EQ(doc.blocks().back().text, "Table 2");
    EXPECT_EQ(doc.blocks()[doc.blocks().size() - 2].kind, docx::BlockInfo::Kind::kTable);
    EXPECT_EQ(captions(doc), (Names{"Table 1", "Table 2"}));
}

// A report of sp500.csv with a report of stocks.csv added in a later turn: two charts hold
// "price", two tables are under a section holding "data".
const Fixture& TwoReports() {
    static const Fixture fixture = [] {
        WordRun run;
        run.Say("Write a report titled \"Market review\" from this data", {"sp500.csv"});
        run.Say("Add a report of this data", {"stocks.csv"});
        return Fixture{run.document(), run.memory()};
    }();
    return fixture;
}

TEST(WordPhrases, ANameThatFitsSeveralChartsOrTablesIsRefusedNamingThem) {
    struct Row {
        const char* prompt;
        const char* refusal;
    };
    const Row rows[] = {
        {"Move the price chart to the end",
         "2 charts match \"price\": \"Figure 1: price over date\", \"Figure 2: Total price per "
         "symbol\"; name one"},
        {"Move the data table to the executive summary",
         "2 tables match \"data\": \"Table 1: sp500.csv\", \"Table 2: stocks.csv\"; name one"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.prompt);
        WordRun run(TwoReports().document, TwoReports().memory);
        run.Say(row.prompt);
        EXPECT_TRUE(Has(run.summary(), row.refusal)) << run.summary();
        EXPECT_EQ(BlockTexts(run.document()), BlockTexts(TwoReports().document));
    }
}

TEST(WordPhrases, AnExactNameWinsOverNamesThatHoldItsWords) {
    WordRun run(TwoReports().document, TwoReports().memory);
    run.Say("Move the price over date chart to the end");
    EXPECT_TRUE(Has(run.summary(), "Moved the chart \"Figure 1: price over date\" to the end"))
        << run.summary();
    run.Say("Move the table \"Table 2: stocks.csv\" to the executive summary");
    EXPECT_TRUE(Has(run.summary(),
                    "Moved the table \"Table 2: stocks.csv\" to the end of \"Executive summary\""))
        << run.summary();
    Saved doc(run.document());
    EXPECT_GT(doc.IndexOf("Table 2: stocks.csv"), doc.IndexOf("Executive summary"));
    EXPECT_LT(doc.IndexOf("Table 2: stocks.csv"), doc.IndexOf("Data"));
}

TEST(WordPhrases, ASectionNameThatFitsSeveralSectionsIsRefusedNamingThem) {
    WordRun run;
    run.Say("Write a report titled Markets from this data", {"sp500.csv", "stocks.csv"});
    std::string before = run.document();
    run.Say("Add a paragraph to the executive summary saying Prices rose");
    EXPECT_TRUE(Has(run.summary(),
                    "2 sections match \"executive summary\": \"Executive summary (sp500)\", "
                    "\"Executive summary (stocks)\"; name one"))
        << run.summary();
    EXPECT_EQ(BlockTexts(run.document()), BlockTexts(before));
    run.Say("Add a paragraph to the executive summary (stocks) section saying Prices rose");
    EXPECT_FALSE(Has(run.summary(), "Refused")) << run.summary();
    Saved doc(run.document());
    EXPECT_EQ(doc.IndexOf("Prices rose.") + 1, doc.IndexOf("Chart (stocks)"));
}

TEST(WordPhrases, MovingOrDeletingTheChartRemovesTheReportsEmptiedChartSection) {
    WordRun moved(ExampleDocument().document, ExampleDocument().memory);
    moved.Say("move the chart to the executive summary");
    EXPECT_TRUE(Has(moved.summary(),
                    "Moved the chart \"Figure 1: price over date\" to the end of \"Executive "
                    "summary\". Removed the section \"Chart\" the report had made for the chart, "
                    "now empty."))
        << moved.summary();
    EXPECT_EQ(Saved(moved.document()).Headings(),
              (Names{"Market review", "Executive summary", "Data", "Outlook"}));
    EXPECT_EQ(ReadWordMemory(moved.memory()).sections.size(), 3u) << "the section is forgotten";

    WordRun deleted(ExampleDocument().document, ExampleDocument().memory);
    deleted.Say("Delete the chart");
    EXPECT_TRUE(Has(deleted.summary(), "Removed the section \"Chart\"")) << deleted.summary();
    EXPECT_EQ(Saved(deleted.document()).Headings(),
              (Names{"Market review", "Executive summary", "Data", "Outlook"}));
}

TEST(WordPhrases, AUsersSectionOrOneWithTextLeftKeepsItsHeading) {
    WordRun with_text(ExampleDocument().document, ExampleDocument().memory);
    with_text.Say("Add a paragraph to the Chart section saying Drawn from daily closes");
    with_text.Say("Move the chart to the end");
    EXPECT_FALSE(Has(with_text.summary(), "Removed")) << with_text.summary();
    EXPECT_EQ(Saved(with_text.document()).Headings(), kFixtureHeadings);

    WordRun users(ExampleDocument().document, ExampleDocument().memory);
    users.Say("Add a section Gallery at the end. Move the chart to Gallery.");
    users.Say("Move the chart to the executive summary");
    EXPECT_FALSE(Has(users.summary(), "Removed")) << users.summary();
    EXPECT_EQ(Saved(users.document()).Headings().back(), "Gallery");

    // The Data section keeps the sentence about its table.
    WordRun table(ExampleDocument().document, ExampleDocument().memory);
    table.Say("Move the table to the end");
    EXPECT_FALSE(Has(table.summary(), "Removed")) << table.summary();
    EXPECT_EQ(Saved(table.document()).Headings(), kFixtureHeadings);
}

TEST(WordPhrases, ContextFilesOfAWordTurnAreListedAsNotUsed) {
    for (bool follow_up : {false, true}) {
        SCOPED_TRACE(follow_up ? "a later turn" : "a first turn");
        TurnInput input;
        input.format = DocumentFormat::kWord;
        input.prompt = follow_up ? "Add a section Risks at the end" : "Write a memo about hiring";
        if (follow_up) {
            input.document = ExampleDocument().document;
            input.memory_json = ExampleDocument().memory;
        }
        input.context_files.push_back({"notes.txt", "Rates may rise next year."});
        Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
        ASSERT_TRUE(output) << output.error().message;
        EXPECT_TRUE(Has(output->summary,
                        "Not acted on (the offline agent does not understand it): \"context file "
                        "notes.txt (the offline agent's Word recipes do not read context "
                        "files)\"."))
            << output->summary;
        EXPECT_FALSE(Has(Saved(output->document).text(), "Rates may rise"));
    }
}

}  // namespace
}  // namespace quire::agent
