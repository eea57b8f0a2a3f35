// The offline agent's follow-up instructions, turn by turn through MakeOfflineAgent() with the
// run memory passed on as the worker passes it, judged by reading the workbook back: every
// example of docs/offline-agent.md, names resolved through memory, and refusals.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <pugixml.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "agent/agent.hpp"
#include "agent/documented_examples.hpp"
#include "agent/offline_run_testing.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_testing.hpp"
#include "shared_dir.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;
using xlsx::CellValue;

// A workbook run: each turn gets the document and the memory the turn before left.
class Conversation : public testing::OfflineRun {
public:
    Conversation() : OfflineRun(DocumentFormat::kExcel) {}
    Conversation(std::string document, std::string memory)
        : OfflineRun(DocumentFormat::kExcel, std::move(document), std::move(memory)) {}
};

pugi::xml_node Child(pugi::xml_node parent, std::string_view local, int index = 0) {
    int n = 0;
    for (pugi::xml_node child : parent.children()) {
        std::string_view name = child.name();
        std::size_t colon = name.find(':');
        std::string_view bare = colon == std::string_view::npos ? name : name.substr(colon + 1);
        if (child.type() == pugi::node_element && bare == local && n++ == index) return child;
    }
    return {};
}

// A turn's workbook, read back with the engine and, for styles and panes, from its parts.
class Saved {
public:
    explicit Saved(const std::string& bytes)
        : bytes_(bytes), workbook_(xlsx::workbook_testing::MustOpen(bytes)) {
        EXPECT_TRUE(
            styles_.load_string(xlsx::workbook_testing::PartText(bytes, "xl/styles.xml").c_str()));
    }

    std::vector<std::string> Sheets() const {
        std::vector<std::string> names;
        for (const xlsx::SheetInfo& sheet : Infos()) names.push_back(sheet.name);
        return names;
    }

    CellValue Cell(std::string_view sheet, std::string_view ref) const {
        Result<CellValue> cell = workbook_.GetCell(sheet, ref);
        EXPECT_TRUE(cell) << sheet << "!" << ref << ": " << cell.error().message;
        return cell ? *cell : CellValue{};
    }

    std::string Formula(std::string_view sheet, std::string_view ref) const {
        CellValue cell = Cell(sheet, ref);
        return cell.kind == CellValue::Kind::kFormula ? cell.text : "(no formula)";
    }

    bool Bold(std::string_view sheet, std::string_view ref) const {
        pugi::xml_node font = Child(Child(styles_.document_element(), "fonts"), "font",
                                    Xf(sheet, ref).attribute("fontId").as_int());
        pugi::xml_node bold = Child(font, "b");
        return bold && bold.attribute("val").as_bool(true);
    }

    // The number format code of a cell, with the built-in ones Quire's presets use spelt out.
    std::string NumberFormat(std::string_view sheet, std::string_view ref) const {
        int id = Xf(sheet, ref).attribute("numFmtId").as_int();
        static const std::map<int, std::string> kBuiltIn = {
            {0, "General"}, {3, "#,##0"}, {4, "#,##0.00"}, {10, "0.00%"}, {49, "@"}};
        if (auto known = kBuiltIn.find(id); known != kBuiltIn.end()) return known->second;
        for (pugi::xml_node format : Child(styles_.document_element(), "numFmts").children()) {
            if (format.attribute("numFmtId").as_int() == id) {
                return format.attribute("formatCode").value();
            }
        }
        return fmt::format("(format {})", id);
    }

    // The first unfrozen cell of the sheet's frozen pane, "" when nothing is frozen.
    std::string Frozen(std::string_view sheet) const {
        pugi::xml_document part = Part(sheet);
        pugi::xml_node view = Child(Child(part.document_element(), "sheetViews"), "sheetView");
        pugi::xml_node pane = Child(view, "pane");
        if (!pane || std::string_view(pane.attribute("state").value()) != "frozen") return "";
        return pane.attribute("topLeftCell").value();
    }

    std::vector<xlsx::ChartInfo> Charts() const {
        Result<std::vector<xlsx::ChartInfo>> charts = workbook_.Charts();
        EXPECT_TRUE(charts);
        return charts ? *charts : std::vector<xlsx::ChartInfo>{};
    }

    // The chart with this title, or a failed expectation and an empty one.
    xlsx::ChartInfo Chart(std::string_view title) const {
        for (const xlsx::ChartInfo& chart : Charts()) {
            if (chart.title == title) return chart;
        }
        ADD_FAILURE() << "no chart titled " << title;
        return {};
    }

private:
    std::vector<xlsx::SheetInfo> Infos() const {
        Result<std::vector<xlsx::SheetInfo>> sheets = workbook_.Sheets();
        EXPECT_TRUE(sheets);
        return sheets ? *sheets : std::vector<xlsx::SheetInfo>{};
    }

    pugi::xml_document Part(std::string_view sheet) const {
        pugi::xml_document part;
        for (const xlsx::SheetInfo& info : Infos()) {
            if (info.name == sheet) {
                EXPECT_TRUE(part.load_string(
                    xlsx::workbook_testing::PartText(bytes_, info.part_name).c_str()));
            }
        }
        return part;
    }

    pugi::xml_node Xf(std::string_view sheet, std::string_view ref) const {
        pugi::xml_document part = Part(sheet);
        int style = 0;
        for (pugi::xml_node row : Child(part.document_element(), "sheetData").children()) {
            for (pugi::xml_node cell : row.children()) {
                if (ref == cell.attribute("r").value()) style = cell.attribute("s").as_int();
            }
        }
        return Child(Child(styles_.document_element(), "cellXfs"), "xf", style);
    }

    std::string bytes_;
    xlsx::Workbook workbook_;
    pugi::xml_document styles_;
};

bool Has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// ---- The documented examples ----

// The workbook the examples of docs/offline-agent.md run on, made in the turns the doc names;
// `data` is the run before its report turn, for the report example.
struct Fixture {
    std::string data_document, data_memory;
    std::string document, memory;
};

const Fixture& ExampleWorkbook() {
    static const Fixture fixture = [] {
        Conversation run;
        run.Say("Add a sheet named Notes. Put Topic in A1 of Notes. Put Owner in B1 of Notes.");
        run.Say("Make a workbook from this data", {"sp500.csv"});
        Fixture made{run.document(), run.memory(), {}, {}};
        run.Say("Create a report");
        made.document = run.document();
        made.memory = run.memory();
        return made;
    }();
    return fixture;
}

using Check = std::function<void(const Saved&, const std::string& summary)>;

struct Example {
    const char* prompt;
    Check check;
    bool before_report = false;
};

using Names = std::vector<std::string>;

const std::vector<Example>& Examples() {
    static const std::vector<Example> examples = {
        {"Add a sheet named Archive",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Notes", "sp500", "Summary", "Archive"}));
         }},
        {"Create a new sheet called \"Q3 Plan\"",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Sheets().back(), "Q3 Plan"); }},
        {"Delete the Summary sheet",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Notes", "sp500"}));
             EXPECT_TRUE(wb.Charts().empty());
         }},
        {"Rename sheet sp500 to Prices",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Notes", "Prices", "Summary"}));
             EXPECT_EQ(wb.Formula("Summary", "B4"), "SUM(Prices!$B$2:$B$124)");
         }},
        {"Rename the summary sheet to Overview",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Notes", "sp500", "Overview"}));
         }},
        {"Move the Summary sheet to the front",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Summary", "Notes", "sp500"}));
         }},
        {"Move sheet Notes to the end",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"sp500", "Summary", "Notes"}));
         }},
        {"Move sheet Notes after sp500",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"sp500", "Notes", "Summary"}));
         }},
        {"Move the summary sheet before sp500",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Notes", "Summary", "sp500"}));
         }},
        {"Set sp500!D1 to 42",
         [](const Saved& wb, const std::string&) {
             CellValue cell = wb.Cell("sp500", "D1");
             EXPECT_EQ(cell.kind, CellValue::Kind::kNumber);
             EXPECT_EQ(cell.number, 42);
         }},
        {"Set D2 to =B2*2",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Formula("sp500", "D2"), "B2*2"); }},
        {"Put \"Checked\" in A1 of the Summary sheet",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Cell("Summary", "A1").text, "Checked");
         }},
        {"Write 2024 into Notes!C1",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Cell("Notes", "C1").number, 2024);
         }},
        {"Make the header bold",
         [](const Saved& wb, const std::string& summary) {
             EXPECT_TRUE(wb.Bold("sp500", "A1") && wb.Bold("sp500", "B1"));
             EXPECT_TRUE(Has(summary, "Made A1:B1 of \"sp500\" bold.")) << summary;
         }},
        {"Make the header of the Notes sheet bold",
         [](const Saved& wb, const std::string&) {
             EXPECT_TRUE(wb.Bold("Notes", "A1"));
             EXPECT_TRUE(wb.Bold("Notes", "B1"));
         }},
        {"Make row 2 bold",
         [](const Saved& wb, const std::string&) {
             EXPECT_TRUE(wb.Bold("sp500", "A2") && wb.Bold("sp500", "B2"));
             EXPECT_FALSE(wb.Bold("sp500", "B3"));
         }},
        {"Make column A of the Summary sheet bold",
         [](const Saved& wb, const std::string&) {
             EXPECT_TRUE(wb.Bold("Summary", "A4") && wb.Bold("Summary", "A11"));
             EXPECT_FALSE(wb.Bold("Summary", "B4"));
         }},
        {"Format column B as currency",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.NumberFormat("sp500", "B2"), "$#,##0.00");
             EXPECT_EQ(wb.NumberFormat("sp500", "B124"), "$#,##0.00");
             EXPECT_EQ(wb.NumberFormat("sp500", "B1"), "General");
         }},
        {"Format the price column as a percentage",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.NumberFormat("sp500", "B60"), "0.00%");
         }},
        {"Format column A as dates",
         [](const Saved& wb, const std::string& summary) {
             EXPECT_EQ(wb.NumberFormat("sp500", "A2"), "yyyy-mm-dd");
             EXPECT_TRUE(Has(summary, "Formatted A2:A124 of \"sp500\" as dates.")) << summary;
         }},
        {"Show column B as whole numbers",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.NumberFormat("sp500", "B2"), "#,##0");
         }},
        {"Format Summary!B4:B8 as currency",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.NumberFormat("Summary", "B8"), "$#,##0.00");
             EXPECT_EQ(wb.NumberFormat("Summary", "B10"), "yyyy-mm-dd");
         }},
        {"Freeze the top row of the Notes sheet",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Frozen("Notes"), "A2"); }},
        {"Freeze the first column",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Frozen("sp500"), "B1"); }},
        {"Freeze the top row and the first column",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Frozen("sp500"), "B2"); }},
        {"Freeze the first 2 rows",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Frozen("sp500"), "A3"); }},
        {"Unfreeze the panes",
         [](const Saved& wb, const std::string&) { EXPECT_EQ(wb.Frozen("sp500"), ""); }},
        {"Add a line chart of sp500!A1:B13 titled First year",
         [](const Saved& wb, const std::string&) {
             xlsx::ChartInfo chart = wb.Chart("First year");
             EXPECT_EQ(chart.type, "line");
             EXPECT_EQ(chart.sheet, "sp500");
             EXPECT_TRUE(chart.anchor.starts_with("D1:")) << chart.anchor;
             EXPECT_EQ(chart.series, Names{"'sp500'!$B$2:$B$13"});  // "sp500" reads as a cell
         }},
        {"Add a bar chart of A1:B25 on the Summary sheet at A30",
         [](const Saved& wb, const std::string&) {
             xlsx::ChartInfo chart = wb.Chart("price");
             EXPECT_EQ(chart.type, "bar");
             EXPECT_EQ(chart.sheet, "Summary");
             EXPECT_TRUE(chart.anchor.starts_with("A30:")) << chart.anchor;
             EXPECT_EQ(chart.series, Names{"'sp500'!$B$2:$B$25"});
         }},
        {"Move the price chart to the sp500 sheet at D2",
         [](const Saved& wb, const std::string&) {
             xlsx::ChartInfo chart = wb.Chart("price over date");
             EXPECT_EQ(chart.sheet, "sp500");
             EXPECT_TRUE(chart.anchor.starts_with("D2:")) << chart.anchor;
         }},
        {"Move the chart to Notes",
         [](const Saved& wb, const std::string&) {
             xlsx::ChartInfo chart = wb.Chart("price over date");
             EXPECT_EQ(chart.sheet, "Notes");
             EXPECT_TRUE(chart.anchor.starts_with("D3:")) << chart.anchor;
         }},
        {"Delete the report chart",
         [](const Saved& wb, const std::string&) { EXPECT_TRUE(wb.Charts().empty()); }},
        {"Add a total row",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Cell("sp500", "A125").text, "Total");
             EXPECT_EQ(wb.Formula("sp500", "B125"), "SUM(B2:B124)");
             EXPECT_TRUE(wb.Bold("sp500", "B125"));
         }},
        {"Sum column B",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Formula("sp500", "B125"), "SUM(B2:B124)");
             EXPECT_EQ(wb.Cell("sp500", "A125").kind, CellValue::Kind::kEmpty);
         }},
        {"Create a report from the data",
         [](const Saved& wb, const std::string&) {
             EXPECT_EQ(wb.Sheets(), (Names{"Notes", "sp500", "Summary"}));
             EXPECT_EQ(wb.Formula("Summary", "B4"), "SUM('sp500'!$B$2:$B$124)");
             EXPECT_EQ(wb.Formula("Summary", "B10"), "MIN('sp500'!$A$2:$A$124)");
             EXPECT_EQ(wb.Chart("price over date").type, "line");
         },
         true},
    };
    return examples;
}

std::vector<std::string> DocumentedExamples() { return testing::DocumentedExamples("Excel"); }

TEST(DocumentedExamples, TheDocAndTheTestsListTheSameExamples) {
    std::set<std::string> tested;
    for (const Example& example : Examples()) tested.insert(example.prompt);
    testing::ExpectDocumentedExamplesAreTested("Excel", tested, 30);
}

TEST(DocumentedExamples, EachExampleDoesWhatTheDocSays) {
    const Fixture& fixture = ExampleWorkbook();
    std::set<std::string> in_doc;
    for (const std::string& example : DocumentedExamples()) in_doc.insert(example);
    for (const Example& example : Examples()) {
        if (!in_doc.contains(example.prompt)) continue;  // reported by the test above
        SCOPED_TRACE(example.prompt);
        Conversation run = example.before_report
                               ? Conversation(fixture.data_document, fixture.data_memory)
                               : Conversation(fixture.document, fixture.memory);
        const TurnOutput& output = run.Say(example.prompt);
        EXPECT_FALSE(Has(output.summary, "Refused")) << output.summary;
        EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
        EXPECT_FALSE(Has(output.summary, "No changes were made")) << output.summary;
        example.check(Saved(run.document()), output.summary);
    }
}

TEST(DocumentedExamples, TheExampleWorkbookIsWhatTheDocDescribes) {
    const Fixture& fixture = ExampleWorkbook();
    Saved workbook(fixture.document);
    EXPECT_EQ(workbook.Sheets(), (Names{"Notes", "sp500", "Summary"}));
    EXPECT_EQ(workbook.Cell("sp500", "B1").text, "price");
    EXPECT_EQ(workbook.Cell("sp500", "B124").kind, CellValue::Kind::kNumber);
    ASSERT_EQ(workbook.Charts().size(), 1u);
    EXPECT_EQ(workbook.Charts()[0].name, "Report chart");
    EXPECT_EQ(workbook.Charts()[0].title, "price over date");
    EXPECT_FALSE(workbook.Bold("Notes", "A1"));
    EXPECT_EQ(workbook.Frozen("Notes"), "");
}

// ---- Run memory ----

json::object ExcelMemoryOf(const std::string& memory) {
    json::value root = json::parse(memory);
    return root.at("excel").as_object();
}

TEST(OfflinePhrases, MemoryKeepsTheSheetsTheirRolesTheChartsAndTheCurrentSheet) {
    json::object memory = ExcelMemoryOf(ExampleWorkbook().memory);
    EXPECT_EQ(memory.at("current_sheet").as_string(), "sp500");
    EXPECT_EQ(json::serialize(memory.at("sheets")),
              R"([{"name":"Notes"},{"name":"sp500","role":"data"},)"
              R"({"name":"Summary","role":"summary"}])");
    EXPECT_EQ(json::serialize(memory.at("charts")),
              R"([{"name":"Report chart","title":"price over date","sheet":"Summary"}])");
}

TEST(OfflinePhrases, AnInstructionWithoutASheetUsesTheSheetTheRunLastWorkedOn) {
    Conversation run;
    run.Say("Add a sheet named Inputs and add a sheet named Notes");
    run.Say("Set A1 to 5");
    EXPECT_EQ(Saved(run.document()).Cell("Notes", "A1").number, 5);

    run.Say("Put 1 in B1 of Inputs");
    run.Say("Set A2 to 6");
    EXPECT_EQ(Saved(run.document()).Cell("Inputs", "A2").number, 6);
}

TEST(OfflinePhrases, WhenTheCurrentSheetIsGoneTheFirstWorksheetIsCurrent) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    run.Say("Delete the sp500 sheet");  // the current sheet
    run.Say("Set C1 to 5");
    EXPECT_EQ(Saved(run.document()).Cell("Notes", "C1").number, 5);
}

TEST(OfflinePhrases, WithoutMemoryTheFirstWorksheetIsTheCurrentSheet) {
    Conversation run;
    run.Say("Add a sheet named Inputs and add a sheet named Notes");
    run.ForgetMemory();
    run.Say("Set A1 to 5");
    Saved workbook(run.document());
    EXPECT_EQ(workbook.Cell("Inputs", "A1").number, 5);
    EXPECT_EQ(workbook.Cell("Notes", "A1").kind, CellValue::Kind::kEmpty);
}

TEST(OfflinePhrases, MemoryThatIsNoJsonObjectIsIgnoredAndReplaced) {
    for (const char* broken :
         {"not json", "[1,2]", R"({"excel": 7})", R"({"excel": {"sheets": "x", "charts": [3]}})"}) {
        SCOPED_TRACE(broken);
        Conversation run(ExampleWorkbook().document, broken);
        run.Say("Move the chart to Notes");
        EXPECT_EQ(Saved(run.document()).Chart("price over date").sheet, "Notes");
        EXPECT_EQ(ExcelMemoryOf(run.memory()).at("current_sheet").as_string(), "Notes");
    }
}

TEST(OfflinePhrases, MemoryKeepsWhatElseTheRunStoredThere) {
    Conversation run(ExampleWorkbook().document, R"({"notes":["keep me"],"excel":{}})");
    run.Say("Add a sheet named Archive");
    json::value memory = json::parse(run.memory());
    EXPECT_EQ(json::serialize(memory.at("notes")), R"(["keep me"])");
    EXPECT_EQ(memory.at("excel").at("current_sheet").as_string(), "Archive");
}

TEST(OfflinePhrases, TheSummarySheetIsFoundAfterARenameThroughMemory) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    run.Say("Rename sheet Summary to Overview");
    run.Say("Move the chart to the sp500 sheet");
    run.Say("Delete the summary sheet");
    Saved workbook(run.document());
    EXPECT_EQ(workbook.Sheets(), (Names{"Notes", "sp500"}));
    EXPECT_EQ(workbook.Chart("price over date").sheet, "sp500");
    EXPECT_TRUE(Has(run.summary(), "Deleted sheet \"Overview\".")) << run.summary();
}

TEST(OfflinePhrases, AChartIsFoundByWordsOfItsTitleAndTheChartIsTheOneTouchedLast) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    run.Say("Add a column chart of sp500!A1:B13 titled Revenue in 2000");
    run.Say("Move the revenue chart to Notes at A1");
    Saved moved(run.document());
    EXPECT_EQ(moved.Chart("Revenue in 2000").sheet, "Notes");
    EXPECT_TRUE(moved.Chart("Revenue in 2000").anchor.starts_with("A1:"));

    run.Say("Move the chart to F5");
    Saved again(run.document());
    EXPECT_TRUE(again.Chart("Revenue in 2000").anchor.starts_with("F5:"));
    EXPECT_EQ(again.Chart("price over date").sheet, "Summary");
    std::string charts = json::serialize(ExcelMemoryOf(run.memory()).at("charts"));
    EXPECT_TRUE(Has(charts, R"("title":"Revenue in 2000","sheet":"Notes")")) << charts;
}

TEST(OfflinePhrases, NamesMatchIgnoringCaseArticlesAndPunctuation) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    const TurnOutput& output =
        run.Say("Please MOVE THE NOTES SHEET TO THE END!\nnow, freeze the top row of sheet notes.");
    EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
    Saved workbook(run.document());
    EXPECT_EQ(workbook.Sheets(), (Names{"sp500", "Summary", "Notes"}));
    EXPECT_EQ(workbook.Frozen("Notes"), "A2");
}

TEST(OfflinePhrases, APartOfASheetNameIsEnoughWhenOnlyOneSheetHasIt) {
    Conversation run;
    run.Say("Make a workbook from this data", {"seattle-weather.csv"});
    run.Say("Add a sheet named Notes. Freeze the first column of the weather sheet");
    EXPECT_EQ(Saved(run.document()).Frozen("seattle-weather"), "B1");
}

// ---- Totals ----

TEST(OfflinePhrases, ATotalRowSumsEveryNumericColumnButNotDatesYearsOrText) {
    Conversation weather;
    weather.Say("Make a workbook from this data", {"seattle-weather.csv"});
    weather.Say("Add a total row");
    Saved sums(weather.document());
    EXPECT_EQ(sums.Cell("seattle-weather", "A1463").text, "Total");
    EXPECT_EQ(sums.Formula("seattle-weather", "B1463"), "SUM(B2:B1462)");
    EXPECT_EQ(sums.Formula("seattle-weather", "E1463"), "SUM(E2:E1462)");
    EXPECT_EQ(sums.Cell("seattle-weather", "F1463").kind, CellValue::Kind::kEmpty);
    EXPECT_TRUE(Has(weather.summary(), "the sum of precipitation, temp_max, temp_min, wind"))
        << weather.summary();

    Conversation disasters;
    disasters.Say("Make a workbook from this data", {"disasters.csv"});
    disasters.Say("add totals to the data");
    Saved years(disasters.document());
    EXPECT_EQ(years.Cell("disasters", "A805").text, "Total");
    EXPECT_EQ(years.Cell("disasters", "B805").kind, CellValue::Kind::kEmpty);  // Year
    EXPECT_EQ(years.Formula("disasters", "C805"), "SUM(C2:C804)");
}

TEST(OfflinePhrases, ASumGoesUnderTheLastFilledCellOfItsColumn) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    run.Say("Set D2 to 1. Set D3 to 2. Set D4 to 3");
    run.Say("Sum column D and sum the price column");
    Saved workbook(run.document());
    EXPECT_EQ(workbook.Formula("sp500", "D5"), "SUM(D2:D4)");
    EXPECT_EQ(workbook.Formula("sp500", "B125"), "SUM(B2:B124)");
}

// ---- Reports in a later turn ----

TEST(OfflinePhrases, AReportInALaterTurnIsTheReportOfTheImportTurn) {
    Conversation at_once;
    at_once.Say("Make a report from this data", {"seattle-weather.csv"});
    Conversation later;
    later.Say("Make a workbook from this data", {"seattle-weather.csv"});
    later.Say("Now summarise the data");
    Saved first(at_once.document());
    Saved second(later.document());
    EXPECT_EQ(second.Sheets(), first.Sheets());
    for (const char* ref : {"B3", "B4", "E8", "B10", "B11", "A14", "B14", "C18"}) {
        SCOPED_TRACE(ref);
        CellValue a = first.Cell("Summary", ref);
        CellValue b = second.Cell("Summary", ref);
        EXPECT_EQ(a.kind, b.kind);
        EXPECT_EQ(a.text, b.text);
    }
    ASSERT_EQ(second.Charts().size(), 1u);
    EXPECT_EQ(second.Charts()[0].type, "line");
    EXPECT_EQ(second.Charts()[0].series, first.Charts()[0].series);
    EXPECT_EQ(second.Charts()[0].title, first.Charts()[0].title);
}

TEST(OfflinePhrases, AReportWithoutDataIsNotUnderstoodNorAChartMentionARequest) {
    Conversation run;
    const TurnOutput& empty = run.Say("Create a report");
    EXPECT_TRUE(Has(empty.summary, "Refused \"Create a report\"")) << empty.summary;
    Conversation charted(ExampleWorkbook().document, ExampleWorkbook().memory);
    const TurnOutput& output = charted.Say("Make the chart prettier");
    EXPECT_TRUE(Has(output.summary, "Not acted on")) << output.summary;
    EXPECT_EQ(Saved(charted.document()).Sheets(), (Names{"Notes", "sp500", "Summary"}));
}

// A sheet whose file declares the whole grid as its used range ("A1:XFD1048576") used to be taken
// at its word: "make the header bold" formatted 16,384 cells and a total row went past the last
// row of the grid.
TEST(OfflinePhrases, ASheetDeclaringTheWholeGridIsMeasuredFromItsCells) {
    Conversation run(xlsx::workbook_testing::ReadCorpus("xlsx/calamine-issue_174.xlsx"), "{}");
    const TurnOutput& output = run.Say("Make the header bold. Add a total row");
    EXPECT_TRUE(Has(output.summary, "Made A1:K1 of \"Sheet1\" bold.")) << output.summary;
    EXPECT_TRUE(Has(output.summary, "Added a total row to \"Sheet1\" (row 3)")) << output.summary;
    Saved workbook(run.document());
    EXPECT_TRUE(workbook.Bold("Sheet1", "K1"));
    EXPECT_EQ(workbook.Formula("Sheet1", "F3"), "SUM(F2:F2)");
}

TEST(OfflinePhrases, AReportOfDataThatCannotBeATableIsRefusedNotAFailure) {
    xlsx::Workbook made = xlsx::Workbook::Create();
    ASSERT_TRUE(made.AddSheet("Data"));
    ASSERT_TRUE(made.WriteTable("Data", *xlsx::ParseCsv("region,sales\nNorth,1\nSouth,2\n")));
    ASSERT_TRUE(made.MergeCells("Data", "A2:A3"));
    std::string before = xlsx::workbook_testing::MustSave(made);
    Conversation run(before, "{}");
    const TurnOutput& output = run.Say("Create a report");
    EXPECT_TRUE(Has(output.summary, "Refused \"Create a report\": range A1:B3 overlaps the merged"))
        << output.summary;
    EXPECT_EQ(xlsx::workbook_testing::ChangedParts(before, run.document()),
              std::set<std::string>{});
}

// ---- Refusals ----

TEST(OfflinePhrases, ARefusedInstructionIsReportedAsRefusedAndChangesNothing) {
    const Fixture& fixture = ExampleWorkbook();
    Conversation once(fixture.document, fixture.memory);
    once.Say("Add a total row");
    once.Say("Sum column B");  // B125 holds the total's sum now
    const std::string totalled = once.document();

    struct Refusal {
        const char* prompt;
        const char* reason;
    };
    for (const Refusal& refusal : {
             Refusal{"Delete the Nope sheet", "the workbook has no sheet \"Nope\""},
             Refusal{"Move the revenue chart to Notes",
                     "the workbook has no chart named or titled \"revenue\""},
             Refusal{"Format column B of Nowhere as currency", "no sheet \"Nowhere\""},
             Refusal{"Add a total row", "already ends in a total row (row 125)"},
             Refusal{"Sum column B", "already ends in a sum (B125)"},
             Refusal{"Sum the volume column", "has no column headed \"volume\""},
             Refusal{"Add a total row to Notes", "has no numeric column to total"},
             Refusal{"Add a sheet named sp500", "sp500"},
             Refusal{"Rename sheet Notes to Bad:Name", "Bad:Name"},
             Refusal{"Add a line chart of Notes!A1:B1", "Notes"},
             Refusal{"Create a report", "is a table already"},
             Refusal{"Delete the s sheet",
                     "\"s\" could be any of the sheets: \"Notes\", \"sp500\", \"Summary\""},
         }) {
        SCOPED_TRACE(refusal.prompt);
        Conversation run(totalled, once.memory());
        const TurnOutput& output = run.Say(refusal.prompt);
        EXPECT_TRUE(Has(output.summary, fmt::format("Refused \"{}\": ", refusal.prompt)))
            << output.summary;
        EXPECT_TRUE(Has(output.summary, refusal.reason)) << output.summary;
        EXPECT_FALSE(Has(output.summary, "Not acted on")) << output.summary;
        EXPECT_TRUE(Has(output.summary, "No changes were made")) << output.summary;
        EXPECT_EQ(xlsx::workbook_testing::ChangedParts(totalled, run.document()),
                  std::set<std::string>{});
    }
}

TEST(OfflinePhrases, AnAmbiguousNameIsRefusedNamingTheCandidates) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    run.Say("Add a bar chart of sp500!A1:B25 titled Price in 2000");
    const TurnOutput& output = run.Say("Delete the price chart");
    EXPECT_TRUE(Has(output.summary,
                    "\"price\" could be any of the charts: \"Chart 1\" on \"sp500\", "
                    "\"Report chart\" on \"Summary\""))
        << output.summary;
    EXPECT_EQ(Saved(run.document()).Charts().size(), 2u);
}

TEST(OfflinePhrases, TheSummaryListsEverySentenceItDidNotActOn) {
    Conversation run(ExampleWorkbook().document, ExampleWorkbook().memory);
    const TurnOutput& output =
        run.Say("Make the header bold and paint it blue. Freeze the top row. Dance a little");
    EXPECT_TRUE(Has(output.summary, "Made A1:B1 of \"sp500\" bold.")) << output.summary;
    EXPECT_TRUE(Has(output.summary, "Froze the top row of \"sp500\".")) << output.summary;
    EXPECT_TRUE(Has(output.summary,
                    "Not acted on (the offline agent does not understand it): "
                    "\"paint it blue\"; \"Dance a little\"."))
        << output.summary;
}

}  // namespace
}  // namespace quire::agent
