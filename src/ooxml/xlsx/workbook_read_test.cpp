// Reading ranges back, checking formulas, and deleting, moving and hiding sheets.

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/csv_table.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_testing.hpp"
#include "shared_dir.hpp"

namespace quire::xlsx {
namespace {

namespace json = boost::json;

std::string ReadCorpusFile(std::string_view name) {
    std::ifstream in(quire::test_support::SharedDir() / "corpus" / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_FALSE(bytes.empty()) << "missing corpus file " << name;
    return bytes;
}

TEST(Workbook, ValueRangeIsTheCellsWithValuesNotTheDeclaredDimension) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.AddSheet("Empty"));
    std::vector<CellEdit> cells = {{"B2", CellValue::Number(1)}, {"D7", CellValue::Text("last")}};
    ASSERT_TRUE(workbook.SetCells("Data", cells));
    EXPECT_EQ(workbook.ValueRange("Data").value_or("?"), "B2:D7");
    EXPECT_EQ(workbook.ValueRange("Empty").value_or("?"), "");
    EXPECT_EQ(workbook.ValueRange("Nope").error().code, ErrorCode::kNotFound);

    // Declared A1:XFD1048576, with styled empty cells out to column XFD.
    auto corpus = Workbook::Open(ReadCorpusFile("xlsx/calamine-issue_174.xlsx"));
    ASSERT_TRUE(corpus);
    auto held = corpus->ValueRange("Sheet1");
    ASSERT_TRUE(held) << held.error().message;
    // Its values fill A1:K2; the other cells of its five rows carry only a style.
    EXPECT_EQ(*held, "A1:K2");
}

std::string SavedBytes(const Workbook& workbook) {
    Result<std::string> bytes = workbook.Save();
    EXPECT_TRUE(bytes) << bytes.error().message;
    return bytes ? *bytes : std::string{};
}

Workbook TwoSheets() {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    EXPECT_TRUE(workbook.AddSheet("Summary"));
    return workbook;
}

json::value Call(Workbook& workbook, std::string_view tool, std::string_view args) {
    Result<json::value> result = CallTool(workbook, tool, json::parse(args).as_object());
    EXPECT_TRUE(result) << result.error().message;
    return result ? *result : json::value{};
}

TEST(DateText, CountsExcelsCalendarInBothSystems) {
    EXPECT_EQ(DateText(1, false), "1900-01-01");
    EXPECT_EQ(DateText(59, false), "1900-02-28");
    EXPECT_EQ(DateText(60, false), "1900-02-29");
    EXPECT_EQ(DateText(61, false), "1900-03-01");
    EXPECT_EQ(DateText(45292, false), "2024-01-01");
    EXPECT_EQ(DateText(45292.75, false), "2024-01-01T18:00:00");
    EXPECT_EQ(DateText(0, true), "1904-01-01");
    EXPECT_EQ(DateText(0.2708333333, false), "06:30:00");  // was 1899-12-31T06:30:00
    EXPECT_EQ(DateText(43830, true), "2024-01-01");
}

TEST(ReadRange, ReturnsValuesAndFormulasRowByRow) {
    Workbook workbook = TwoSheets();
    std::vector<CellEdit> edits = {{"A1", CellValue::Text("Name")},
                                   {"B1", CellValue::Number(2.5)},
                                   {"A2", CellValue::Boolean(true)},
                                   {"B2", CellValue::Formula("B1*2")},
                                   {"C2", CellValue::Date(45292)}};
    ASSERT_TRUE(workbook.SetCells("Data", edits));

    Result<RangeContent> content = workbook.ReadRange("Data", "A1:C2", 100);
    ASSERT_TRUE(content) << content.error().message;
    EXPECT_EQ(content->range, "A1:C2");
    EXPECT_FALSE(content->truncated);
    ASSERT_EQ(content->rows.size(), 2u);
    EXPECT_EQ(content->rows[0][0].value.text, "Name");
    EXPECT_EQ(content->rows[0][1].value.number, 2.5);
    EXPECT_EQ(content->rows[0][2].value.kind, CellValue::Kind::kEmpty);
    EXPECT_EQ(content->rows[1][0].value.kind, CellValue::Kind::kBoolean);
    EXPECT_EQ(content->rows[1][1].formula, "B1*2");
    EXPECT_EQ(content->rows[1][1].value.kind, CellValue::Kind::kEmpty);  // not calculated yet
    EXPECT_EQ(content->rows[1][2].value.kind, CellValue::Kind::kDate);
}

TEST(ReadRange, KeepsWholeRowsUnderTheCapAndSaysItCut) {
    Workbook workbook = TwoSheets();
    Result<RangeContent> rows = workbook.ReadRange("Data", "B2:E100", 10);
    ASSERT_TRUE(rows);
    EXPECT_TRUE(rows->truncated);
    EXPECT_EQ(rows->range, "B2:E3");
    Result<RangeContent> wide = workbook.ReadRange("Data", "A1:Z1", 5);
    ASSERT_TRUE(wide);
    EXPECT_EQ(wide->range, "A1:E1");
}

// A request for the whole grid used to return 500 nulls of row 1 instead of the data.
TEST(ReadRange, LeavesOutCellsBeyondTheUsedRange) {
    Result<Workbook> workbook =
        Workbook::Open(ReadCorpusFile("xlsx/poi-simple-monthly-budget.xlsx"));
    ASSERT_TRUE(workbook);
    Result<RangeContent> content =
        workbook->ReadRange("Simple Monthly Budget", "A1:XFD1048576", 500);
    ASSERT_TRUE(content) << content.error().message;
    EXPECT_TRUE(content->clipped);
    EXPECT_FALSE(content->truncated);
    EXPECT_EQ(content->range, "A1:H23");
}

TEST(ReadRange, SharedFormulasComeBackAsEachCellsOwnFormula) {
    Result<Workbook> workbook =
        Workbook::Open(ReadCorpusFile("xlsx/poi-newstyleconditionalformattings.xlsx"));
    ASSERT_TRUE(workbook) << workbook.error().message;
    // openpyxl reads E3 as =$A3 and D5 as =$A5, with the cached values 10 and 20.
    Result<RangeContent> content = workbook->ReadRange("CF", "D3:E5", 100);
    ASSERT_TRUE(content) << content.error().message;
    EXPECT_EQ(content->rows[0][1].formula, "$A3");
    EXPECT_EQ(content->rows[0][1].value.number, 10);
    EXPECT_EQ(content->rows[2][0].formula, "$A5");
    EXPECT_EQ(content->rows[2][0].value.number, 20);
}

TEST(ReadRange, UnknownSheetAndBadRangeAreErrorsAModelCanFix) {
    Workbook workbook = TwoSheets();
    EXPECT_EQ(workbook.ReadRange("Nope", "A1", 10).error().code, ErrorCode::kNotFound);
    Result<RangeContent> bad = workbook.ReadRange("Data", "A0:B", 10);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "'A0:B' is not a range like A1:D20");
}

TEST(ReadRangeTool, DatesAreIsoTextAndFormulasCarryTheirValue) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetCell("Data", "A1", CellValue::Date(45292)));
    ASSERT_TRUE(workbook.SetCell("Data", "A2", CellValue::Formula("A1+1")));
    json::value result = Call(workbook, "read_range", R"({"sheet": "Data", "range": "A1:A2"})");
    EXPECT_EQ(json::serialize(result.at("rows")),
              R"([["2024-01-01"],[{"formula":"=A1+1","value":null}]])");
}

TEST(CheckFormulas, FindsMissingSheetsUnknownNamesOffGridAndRefErrors) {
    Workbook workbook = TwoSheets();
    std::vector<CellEdit> edits = {
        {"A1", CellValue::Formula("SUM(Data!A1:A3)+'Summary'!B1")},
        {"A2", CellValue::Formula("Gone!A1+Missing+XFE1")},
        {"A3", CellValue::Formula("IF(TRUE,#REF!,1.5E+3)")},
        {"A4", CellValue::Formula("SUM(A:A)+[1]Other!A1+\"Gone!A1\"")},
    };
    ASSERT_TRUE(workbook.SetCells("Summary", edits));
    std::size_t checked = 0;
    Result<std::vector<FormulaProblem>> problems = workbook.CheckFormulas(100, &checked);
    ASSERT_TRUE(problems) << problems.error().message;
    EXPECT_EQ(checked, 4u);
    ASSERT_EQ(problems->size(), 2u);
    EXPECT_EQ((*problems)[0].location, "Summary!A2");
    EXPECT_EQ((*problems)[0].problem,
              "refers to a missing sheet 'Gone'; uses 'Missing', which is no defined name or "
              "table; 'XFE1' is beyond the last cell of a sheet (XFD1048576)");
    EXPECT_EQ((*problems)[1].location, "Summary!A3");
}

TEST(CheckFormulas, DeletingASheetMakesItsReferencesProblems) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetCell("Summary", "A1", CellValue::Formula("SUM(Data!A1:A3)")));
    std::size_t checked = 0;
    EXPECT_TRUE(workbook.CheckFormulas(100, &checked)->empty());
    ASSERT_TRUE(workbook.DeleteSheet("Data"));
    Result<std::vector<FormulaProblem>> problems = workbook.CheckFormulas(100, &checked);
    ASSERT_EQ(problems->size(), 1u);
    EXPECT_EQ((*problems)[0].problem, "refers to a missing sheet 'Data'");
}

TEST(CheckFormulas, CorpusWorkbooksWithValidFormulasHaveNoProblems) {
    // Thousands of Excel-written formulas, and names pointing into other workbooks.
    for (const char* file : {"xlsx/poi-57181.xlsm", "xlsx/closedxml-drawingsizeinpx.xlsx"}) {
        Result<Workbook> workbook = Workbook::Open(ReadCorpusFile(file));
        ASSERT_TRUE(workbook) << file;
        std::size_t checked = 0;
        Result<std::vector<FormulaProblem>> problems = workbook->CheckFormulas(100, &checked);
        ASSERT_TRUE(problems) << file;
        EXPECT_GT(checked, 500u) << file;
        EXPECT_TRUE(problems->empty())
            << file << ": " << (*problems)[0].location << " " << (*problems)[0].problem;
    }
}

TEST(CheckFormulas, RefErrorsThatExcelLeftAreReported) {
    Result<Workbook> workbook = Workbook::Open(ReadCorpusFile("xlsx/calamine-issue_174.xlsx"));
    ASSERT_TRUE(workbook);
    std::size_t checked = 0;
    Result<std::vector<FormulaProblem>> problems = workbook->CheckFormulas(100, &checked);
    ASSERT_TRUE(problems);
    ASSERT_EQ(problems->size(), 1u);
    EXPECT_EQ((*problems)[0].location, "name _xlnm.Print_Area");
}

TEST(DeleteSheet, RemovesItsPartsAndLocalNamesAndShiftsTheOthers) {
    Result<Workbook> workbook = Workbook::Open(ReadCorpusFile("xlsx/rxw-chart_bar14.xlsx"));
    ASSERT_TRUE(workbook);
    Result<std::vector<SheetInfo>> before = workbook->Sheets();
    ASSERT_TRUE(before);
    ASSERT_TRUE(workbook->DeleteSheet((*before)[0].name));
    std::string bytes = SavedBytes(*workbook);
    Result<ooxml::Package> package = ooxml::Package::Open(bytes);
    ASSERT_TRUE(package);
    EXPECT_FALSE(package->HasPart((*before)[0].part_name));
    Result<Workbook> reopened = Workbook::Open(bytes);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->Sheets()->size(), before->size() - 1);
    EXPECT_EQ(reopened->Sheets()->front().name, (*before)[1].name);
}

TEST(DeleteSheet, TheOnlyVisibleSheetStays) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetSheetState("Summary", "hidden"));
    std::string before = SavedBytes(workbook);
    Status deleted = workbook.DeleteSheet("Data");
    ASSERT_FALSE(deleted);
    EXPECT_EQ(deleted.error().message,
              "sheet 'Data' is the only visible sheet; a workbook needs one");
    EXPECT_EQ(SavedBytes(workbook), before);
}

TEST(MoveSheet, ReordersTabsAndKeepsLocalNamesWithTheirSheet) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.AddSheet("Notes"));
    ASSERT_TRUE(workbook.MoveSheet("Notes", 0));
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    EXPECT_EQ((*sheets)[0].name, "Notes");
    EXPECT_EQ((*sheets)[1].name, "Data");
    EXPECT_EQ((*sheets)[2].name, "Summary");
    EXPECT_EQ(workbook.MoveSheet("Data", 3).error().message,
              "position must be from 0 to 2 (the workbook has 3 sheets)");
}

TEST(SetSheetState, HidesAndShowsAndRefusesUnknownStates) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetSheetState("Data", "veryHidden"));
    EXPECT_EQ(workbook.Sheets()->front().state, "veryHidden");
    ASSERT_TRUE(workbook.SetSheetState("Data", "visible"));
    EXPECT_EQ(workbook.Sheets()->front().state, "visible");
    EXPECT_EQ(workbook.SetSheetState("Data", "gone").error().code, ErrorCode::kInvalidRequest);
}

// Each shared-string cell read used to find the shared strings part again and walk its items from
// the first, so reading a sheet of many strings took time growing with its square.
TEST(CellTools, SharedStringsAreIndexedOnceAndStringsAddedLaterAreRead) {
    Workbook workbook =
        workbook_testing::MustOpen(ReadCorpusFile("xlsx/sheetjs-large_strings.xlsx"));
    json::value first =
        Call(workbook, "read_range", R"({"sheet": "longwordslist", "range": "A1:B3"})");
    json::value last =
        Call(workbook, "read_range", R"({"sheet": "longwordslist", "range": "A17619"})");
    ASSERT_TRUE(first.is_object() && last.is_object());
    std::string a1 = json::serialize(first.at("rows").at(0).at(0));
    ASSERT_TRUE(workbook.SetCell("Simple", "H1", CellValue::Text("a string no cell had")));
    Result<CellValue> added = workbook.GetCell("Simple", "H1");
    ASSERT_TRUE(added);
    EXPECT_EQ(added->text, "a string no cell had");
    EXPECT_EQ(
        json::serialize(Call(workbook, "read_range", R"({"sheet": "longwordslist", "range": "A1"})")
                            .at("rows")
                            .at(0)
                            .at(0)),
        a1);
    Workbook reopened = workbook_testing::MustOpen(SavedBytes(workbook));
    EXPECT_EQ(reopened.GetCell("Simple", "H1")->text, "a string no cell had");
    EXPECT_EQ(json::serialize(
                  Call(reopened, "read_range", R"({"sheet": "longwordslist", "range": "A17619"})")),
              json::serialize(last));
}

TEST(CellTools, SetCellsWithOneBadCellChangesNothing) {
    Workbook workbook = TwoSheets();
    std::string before = SavedBytes(workbook);
    Result<json::value> result =
        CallTool(workbook, "set_cells",
                 json::parse(R"({"sheet": "Data", "cells": [{"ref": "A1", "value": 1},
                                                   {"ref": "A0", "value": 2}]})")
                     .as_object());
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "set_cells: 'A0' is not a cell reference like B7");
    EXPECT_EQ(SavedBytes(workbook), before);
}

TEST(CellTools, FillFormulaMovesRelativeReferencesAndKeepsAnchoredOnes) {
    Workbook workbook = TwoSheets();
    json::value done = Call(workbook, "fill_formula",
                            R"js({"sheet": "Summary", "range": "B2:C4",
                                "formula": "=Data!B2*$F$1+SUM(Data!$A2:A2)"})js");
    EXPECT_EQ(done.at("cells_set"), 6);
    EXPECT_EQ(done.at("range"), "B2:C4");
    EXPECT_EQ(done.at("last_cell_formula"), "=Data!C4*$F$1+SUM(Data!$A4:B4)");
    std::map<std::string, std::string> expected = {{"B2", "Data!B2*$F$1+SUM(Data!$A2:A2)"},
                                                   {"C2", "Data!C2*$F$1+SUM(Data!$A2:B2)"},
                                                   {"B3", "Data!B3*$F$1+SUM(Data!$A3:A3)"},
                                                   {"C4", "Data!C4*$F$1+SUM(Data!$A4:B4)"}};
    Workbook reopened = workbook_testing::MustOpen(SavedBytes(workbook));
    for (const auto& [ref, formula] : expected) {
        Result<CellValue> cell = reopened.GetCell("Summary", ref);
        ASSERT_TRUE(cell) << ref;
        EXPECT_EQ(cell->kind, CellValue::Kind::kFormula) << ref;
        EXPECT_EQ(cell->text, formula) << ref;
    }
}

TEST(Workbook, NewerFunctionsWereWrittenWithoutTheirPrefix) {
    Workbook workbook = TwoSheets();
    Call(workbook, "set_cells", R"js({"sheet": "Summary", "cells": [
        {"ref": "A1", "formula": "=CONCAT(Data!A1,Data!A2)"},
        {"ref": "A2", "formula": "=ifs(Data!A1>0,1,TRUE,0)"},
        {"ref": "A3", "formula": "=TEXTJOIN(Data!B1,TRUE,Data!A1:A3)"},
        {"ref": "A4", "formula": "=XLOOKUP(2,Data!A1:A3,Data!B1:B3)"},
        {"ref": "A5", "formula": "=_xlfn.CONCAT(Data!A1)"}]})js");
    Call(workbook, "fill_formula",
         R"js({"sheet": "Summary", "range": "B1:B2", )js"
         R"js("formula": "=MAXIFS(Data!A1:A3,Data!B1:B3,C1)"})js");
    std::vector<std::vector<CellValue>> rows = {{CellValue::Formula("SORT(UNIQUE(Data!A1:A9))")}};
    ASSERT_TRUE(workbook.WriteRows("Summary", {3, 1}, rows));
    ASSERT_TRUE(workbook.DefineName("Joined", "=CONCAT(Data!A1,Data!A2)"));
    ConditionalFormatRule rule;
    rule.op = "greaterThan";
    rule.formulas = {"MINIFS(Data!A1:A3,Data!B1:B3,1)"};
    rule.fill_color = "FFC7CE";
    ASSERT_TRUE(workbook.AddConditionalFormat("Summary", "D1:D3", rule));
    std::string bytes = SavedBytes(workbook);

    std::string sheet = workbook_testing::PartText(bytes, "xl/worksheets/sheet2.xml");
    for (std::string_view stored :
         {"<f>_xlfn.CONCAT(Data!A1,Data!A2)</f>", "<f>_xlfn.IFS(Data!A1&gt;0,1,TRUE,0)</f>",
          "<f>_xlfn.TEXTJOIN(Data!B1,TRUE,Data!A1:A3)</f>",
          "<f>_xlfn.XLOOKUP(2,Data!A1:A3,Data!B1:B3)</f>", "<f>_xlfn.CONCAT(Data!A1)</f>",
          "<f>_xlfn.MAXIFS(Data!A2:A4,Data!B2:B4,C2)</f>",
          "<f>_xlfn._xlws.SORT(_xlfn.UNIQUE(Data!A1:A9))</f>",
          "<formula>_xlfn.MINIFS(Data!A1:A3,Data!B1:B3,1)</formula>"}) {
        EXPECT_TRUE(workbook_testing::Contains(sheet, stored)) << stored;
    }
    EXPECT_TRUE(workbook_testing::Contains(
        workbook_testing::PartText(bytes, "xl/workbook.xml"),
        "<definedName name=\"Joined\">_xlfn.CONCAT(Data!A1,Data!A2)</definedName>"));

    // Read back, the formulas are as they were written, with the function names in capitals.
    Workbook reopened = workbook_testing::MustOpen(bytes);
    json::value read = Call(reopened, "read_range", R"({"sheet": "Summary", "range": "A1:C2"})");
    EXPECT_EQ(read.at("rows").at(0).at(0).at("formula"), "=CONCAT(Data!A1,Data!A2)");
    EXPECT_EQ(read.at("rows").at(1).at(0).at("formula"), "=IFS(Data!A1>0,1,TRUE,0)");
    EXPECT_EQ(read.at("rows").at(1).at(1).at("formula"), "=MAXIFS(Data!A2:A4,Data!B2:B4,C2)");
    EXPECT_EQ(read.at("rows").at(0).at(2).at("formula"), "=SORT(UNIQUE(Data!A1:A9))");
    EXPECT_EQ(reopened.GetCell("Summary", "A4")->text, "XLOOKUP(2,Data!A1:A3,Data!B1:B3)");
    Result<std::vector<DefinedNameInfo>> names = reopened.DefinedNames();
    ASSERT_TRUE(names && names->size() == 1);
    EXPECT_EQ(names->front().refers_to, "CONCAT(Data!A1,Data!A2)");
}

TEST(Workbook, CheckFormulasShowsFormulasWithoutTheirFunctionPrefixes) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetCell("Summary", "A1", CellValue::Formula("TEXTJOIN(\",\",1,Gone!A1)")));
    Result<std::vector<FormulaProblem>> problems = workbook.CheckFormulas(10, nullptr);
    ASSERT_TRUE(problems && problems->size() == 1);
    EXPECT_EQ(problems->front().formula, "TEXTJOIN(\",\",1,Gone!A1)");
}

TEST(CellTools, FillFormulaRefusesBadRangesAndChangesNothing) {
    Workbook workbook = TwoSheets();
    std::string before = SavedBytes(workbook);
    const std::pair<std::string_view, std::string_view> cases[] = {
        {R"({"sheet": "Summary", "range": "B:B", "formula": "=A1"})", "not a cell range"},
        {R"({"sheet": "Summary", "range": "A1:Z50000", "formula": "=A1"})", "at most 1,000,000"},
        {R"({"sheet": "Summary", "range": "A1", "formula": "="})", "'formula' is empty"},
        {R"({"sheet": "Nope", "range": "A1:A3", "formula": "=B1"})", "Nope"},
        {R"({"sheet": "Summary", "range": "A1", "formula": "=B1", "x": 1})", "'x'"},
    };
    for (const auto& [args, words] : cases) {
        Result<json::value> result =
            CallTool(workbook, "fill_formula", json::parse(args).as_object());
        ASSERT_FALSE(result) << args;
        EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    }
    EXPECT_EQ(SavedBytes(workbook), before);
}

TEST(CellTools, MisspeltArgumentsAreNamed) {
    Workbook workbook = TwoSheets();
    Result<json::value> result =
        CallTool(workbook, "add_sheet", json::parse(R"({"nmae": "X"})").as_object());
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "add_sheet: 'name' is required");
}

TEST(ToolSchemas, EveryToolHasAnObjectSchemaAndAUniqueName) {
    json::value schemas = json::parse(ToolSchemasJson());
    std::set<std::string> names;
    for (const json::value& tool : schemas.as_array()) {
        std::string name(tool.at("name").as_string());
        EXPECT_TRUE(names.insert(name).second) << name;
        EXPECT_FALSE(tool.at("description").as_string().empty()) << name;
        EXPECT_EQ(tool.at("input_schema").at("type"), "object") << name;
    }
    for (const char* required :
         {"add_sheet", "rename_sheet", "set_cells", "read_range", "check_formulas"}) {
        EXPECT_TRUE(names.contains(required)) << required;
    }
}

}  // namespace
}  // namespace quire::xlsx

namespace quire::xlsx {
namespace {

json::object SheetOutlineOf(const Workbook& workbook, std::size_t index) {
    Result<std::string> outline = workbook.OutlineJson();
    EXPECT_TRUE(outline) << outline.error().message;
    return json::parse(*outline).at("sheets").at(index).as_object();
}

TEST(Outline, NamesTheHeaderColumnsAndCountsFormulas) {
    Result<CsvTable> table = ParseCsv("Date,City,Temp\n2024-01-01,Oslo,3\n2024-01-02,Rome,12\n");
    ASSERT_TRUE(table);
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.WriteTable("Data", *table));
    ASSERT_TRUE(workbook.SetCell("Summary", "A1", CellValue::Formula("AVERAGE(Data!C2:C3)")));
    Result<Workbook> saved = Workbook::Open(SavedBytes(workbook));
    ASSERT_TRUE(saved);

    json::object data = SheetOutlineOf(*saved, 0);
    EXPECT_EQ(data.at("dimension"), "A1:C3");
    EXPECT_EQ(data.at("header_row"), 1);
    EXPECT_EQ(json::serialize(data.at("columns")),
              R"([{"column":"A","header":"Date"},{"column":"B","header":"City"},)"
              R"({"column":"C","header":"Temp"}])");
    json::object summary = SheetOutlineOf(*saved, 1);
    EXPECT_EQ(summary.at("formulas"), 1);
    EXPECT_FALSE(summary.contains("header_row"));
}

TEST(Outline, ATitleOverAFormIsNoHeader) {
    Result<Workbook> workbook =
        Workbook::Open(ReadCorpusFile("xlsx/poi-simple-monthly-budget.xlsx"));
    ASSERT_TRUE(workbook);
    // Names over table columns point at no sheet: they used to be left out of the outline.
    Result<std::string> outline = workbook->OutlineJson();
    ASSERT_TRUE(outline);
    EXPECT_EQ(json::serialize(json::parse(*outline).at("names")),
              R"(["TotalMonthlyExpenses","TotalMonthlyIncome"])");
    json::object sheet = SheetOutlineOf(*workbook, 0);
    EXPECT_FALSE(sheet.contains("header_row"));
    EXPECT_EQ(sheet.at("merged_ranges"), 5);
}

TEST(Outline, StaysSmallForManyCellsAndCapsLongLists) {
    std::string csv = "Id,Name,Amount,When\n";
    for (int i = 0; i < 20000; ++i) {
        csv += std::to_string(i) + ",item " + std::to_string(i) + "," + std::to_string(i * 3) +
               ",2024-01-01\n";
    }
    Result<CsvTable> table = ParseCsv(csv);
    ASSERT_TRUE(table);
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.WriteTable("Data", *table));
    Result<Workbook> saved = Workbook::Open(SavedBytes(workbook));
    ASSERT_TRUE(saved);
    Result<std::string> outline = saved->OutlineJson();
    ASSERT_TRUE(outline);
    EXPECT_LT(outline->size(), 1024u) << *outline;

    Result<Workbook> names = Workbook::Open(ReadCorpusFile("xlsx/poi-57181.xlsm"));
    ASSERT_TRUE(names);
    Result<std::string> capped = names->OutlineJson();
    ASSERT_TRUE(capped);
    EXPECT_LT(capped->size(), 8192u);
    EXPECT_NE(capped->find("\"more_names\":"), std::string::npos);
}

TEST(Outline, CountsRulesLinksTablesAndChartsOfAnExcelFile) {
    Result<Workbook> workbook =
        Workbook::Open(ReadCorpusFile("xlsx/poi-datavalidationtablerange.xlsx"));
    ASSERT_TRUE(workbook);
    json::object sheet = SheetOutlineOf(*workbook, 0);
    EXPECT_EQ(sheet.at("validations"), 5);
    EXPECT_EQ(sheet.at("conditional_formats"), 3);
    EXPECT_EQ(sheet.at("tables").as_array().size(), 2u);
    EXPECT_EQ(sheet.at("charts").at(0).at("type"), "bar");
    EXPECT_FALSE(sheet.contains("hyperlinks"));
}

TEST(Outline, CountsFiftyThousandMergedRangesWithoutParsingTheSheet) {
    Result<Workbook> workbook = Workbook::Open(ReadCorpusFile("xlsx/poi-57893-many-merges.xlsx"));
    ASSERT_TRUE(workbook);
    EXPECT_EQ(SheetOutlineOf(*workbook, 0).at("merged_ranges"), 50000);
}

}  // namespace
}  // namespace quire::xlsx

namespace quire::xlsx {
namespace {

// A bulk edit whose last cell was bad used to leave the earlier cells' new texts behind in the
// shared strings, so the saved workbook differed although the call had failed.
TEST(SetCells, AFailedBulkEditLeavesTheSharedStringsAlone) {
    Result<Workbook> workbook =
        Workbook::Open(ReadCorpusFile("xlsx/poi-simple-monthly-budget.xlsx"));
    ASSERT_TRUE(workbook);
    std::string before = SavedBytes(*workbook);
    std::vector<CellEdit> edits = {{"A30", CellValue::Text("a text no sheet had before")},
                                   {"A31", CellValue::Formula("SUM(")}};
    ASSERT_FALSE(workbook->SetCells("Simple Monthly Budget", edits));
    EXPECT_EQ(SavedBytes(*workbook), before);
}

}  // namespace
}  // namespace quire::xlsx

namespace quire::xlsx {
namespace {

// Deleting a sheet used to keep the charts of its drawing: the drawing named them, and was
// itself on its way out.
TEST(DeleteSheet, TakesItsDrawingsChartsAlong) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetCells("Data", std::vector<CellEdit>{{"A1", CellValue::Text("x")},
                                                                {"A2", CellValue::Number(1)},
                                                                {"A3", CellValue::Number(2)}}));
    Call(workbook, "add_chart",
         R"({"sheet": "Summary", "type": "column", "title": "T", "anchor": "C3",
             "series": [{"name": "x", "values": "Data!A2:A3"}]})");
    ASSERT_TRUE(workbook.DeleteSheet("Summary"));
    Result<ooxml::Package> package = ooxml::Package::Open(SavedBytes(workbook));
    ASSERT_TRUE(package);
    for (const std::string& part : package->PartNames()) {
        EXPECT_EQ(part.find("chart"), std::string::npos) << part;
        EXPECT_EQ(part.find("drawing"), std::string::npos) << part;
    }
}

// Fitting a column of formulas nobody had calculated sized it for empty cells, so the figures
// showed as ### once a program calculated them.
TEST(FitColumnWidth, LeavesRoomForFormulasNotYetCalculated) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.SetCell("Data", "A1", CellValue::Formula("SUM(1234567,0.89)")));
    Call(workbook, "set_column_width", R"({"sheet": "Data", "columns": "A", "fit": true})");
    std::string sheet =
        workbook_testing::PartText(SavedBytes(workbook), "xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find("<col min=\"1\" max=\"1\" width=\"14\""), std::string::npos) << sheet;
}

}  // namespace
}  // namespace quire::xlsx

namespace quire::xlsx {
namespace {

// check_formulas used to look at cell formulas only, so a chart or a validation list still
// pointing at a deleted sheet went unreported.
TEST(CheckFormulas, ChartSeriesAndValidationSourcesAreCheckedToo) {
    Workbook workbook = TwoSheets();
    ASSERT_TRUE(workbook.AddSheet("Lists"));
    ASSERT_TRUE(workbook.SetCells("Lists", std::vector<CellEdit>{{"A1", CellValue::Number(1)},
                                                                 {"A2", CellValue::Number(2)}}));
    Call(workbook, "add_chart",
         R"({"sheet": "Summary", "type": "line", "title": "T", "anchor": "C3",
             "series": [{"name": "x", "values": "Lists!A1:A2"}]})");
    Call(workbook, "add_validation",
         R"({"sheet": "Data", "range": "B2:B9", "source": "Lists!A1:A2"})");
    ASSERT_TRUE(workbook.DeleteSheet("Lists"));
    std::size_t checked = 0;
    Result<std::vector<FormulaProblem>> problems = workbook.CheckFormulas(100, &checked);
    ASSERT_TRUE(problems);
    ASSERT_EQ(problems->size(), 2u);
    EXPECT_EQ((*problems)[0].location, "validation B2:B9 on Data");
    EXPECT_EQ((*problems)[1].location.rfind("chart ", 0), 0u) << (*problems)[1].location;
    EXPECT_EQ((*problems)[1].problem, "refers to a missing sheet 'Lists'");
}

}  // namespace
}  // namespace quire::xlsx
