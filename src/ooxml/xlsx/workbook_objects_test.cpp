#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_testing.hpp"

namespace quire::xlsx {
namespace {

using workbook_testing::ChangedParts;
using workbook_testing::Contains;
using workbook_testing::MustOpen;
using workbook_testing::MustSave;
using workbook_testing::PartText;
using workbook_testing::ReadCorpus;

namespace json = boost::json;
using ooxml::Package;
// A new workbook with a "Data" sheet holding a small table from A1.
Workbook DataWorkbook() {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    EXPECT_TRUE(workbook.AddSheet("Other Sheet"));
    std::vector<CellEdit> cells = {
        {"A1", CellValue::Text("Region")}, {"B1", CellValue::Text("Units")},
        {"A2", CellValue::Text("North")},  {"B2", CellValue::Number(12)},
        {"A3", CellValue::Text("South")},  {"B3", CellValue::Number(7)},
    };
    EXPECT_TRUE(workbook.SetCells("Data", cells));
    return workbook;
}

void ExpectRefused(const Status& status, ErrorCode code, std::string_view words) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, code) << status.error().message;
    EXPECT_TRUE(Contains(status.error().message, words)) << status.error().message;
}

// ---- Tables ------------------------------------------------------------------------------------

TEST(WorkbookTables, CorpusTablesAreListedWithRangeStyleAndColumns) {
    Workbook table06 = MustOpen(ReadCorpus("xlsx/rxw-table06.xlsx"));
    Result<std::vector<TableInfo>> tables = table06.Tables();
    ASSERT_TRUE(tables) << tables.error().message;
    ASSERT_EQ(tables->size(), 3u);
    EXPECT_EQ((*tables)[0].name, "Table1");
    EXPECT_EQ((*tables)[0].range, "C3:F13");
    EXPECT_EQ((*tables)[0].style, "TableStyleMedium9");
    EXPECT_EQ((*tables)[2].name, "Table3");
    EXPECT_EQ((*tables)[2].range, "C23:D30");

    Workbook budget = MustOpen(ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx"));
    tables = budget.Tables();
    ASSERT_TRUE(tables);
    ASSERT_EQ(tables->size(), 2u);
    EXPECT_EQ((*tables)[0].name, "tblIncome");
    EXPECT_EQ((*tables)[0].range, "B4:C7");
    EXPECT_EQ((*tables)[0].style, "Simple Monthly Budget");
    EXPECT_EQ((*tables)[0].columns, (std::vector<std::string>{"Item", "Amount"}));
    EXPECT_EQ((*tables)[1].name, "tblExpenses");

    Workbook basic = MustOpen(ReadCorpus("xlsx/oxsdk-basicspreadsheet.xlsx"));
    tables = basic.Tables();
    ASSERT_TRUE(tables);
    ASSERT_EQ(tables->size(), 2u);
    EXPECT_EQ((*tables)[0].name, "Table2");
    EXPECT_EQ((*tables)[0].sheet, "Sheet1");
    EXPECT_EQ((*tables)[1].range, "D30:F35");

    Workbook strict = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    tables = strict.Tables();
    ASSERT_TRUE(tables);
    EXPECT_TRUE(tables->empty());
}

TEST(WorkbookTables, AddedTableHasItsPartRelationshipAndColumns) {
    Workbook workbook = DataWorkbook();
    Result<TableInfo> table = workbook.AddTable("Data", "A1:B3", "Sales", "");
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(table->style, "TableStyleMedium2");
    std::string saved = MustSave(workbook);

    std::string part = PartText(saved, "xl/tables/table1.xml");
    EXPECT_TRUE(Contains(part, "id=\"1\" name=\"Sales\" displayName=\"Sales\" ref=\"A1:B3\""));
    EXPECT_TRUE(Contains(part, "<autoFilter ref=\"A1:B3\"/>"));
    EXPECT_TRUE(Contains(part, "<tableColumn id=\"1\" name=\"Region\"/>"));
    EXPECT_TRUE(Contains(part, "<tableStyleInfo name=\"TableStyleMedium2\""));
    EXPECT_TRUE(Contains(part, "showRowStripes=\"1\""));
    EXPECT_TRUE(Contains(PartText(saved, "[Content_Types].xml"),
                         "PartName=\"/xl/tables/table1.xml\" ContentType=\"application/"
                         "vnd.openxmlformats-officedocument.spreadsheetml.table+xml\""));
    EXPECT_TRUE(Contains(PartText(saved, "xl/worksheets/_rels/sheet1.xml.rels"),
                         "relationships/table\" Target=\"/xl/tables/table1.xml\""));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet,
                         "<tableParts count=\"1\"><tablePart r:id=\"rId1\"/></tableParts>"
                         "</worksheet>"));

    Result<std::vector<TableInfo>> listed = MustOpen(saved).Tables();
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].name, "Sales");
    EXPECT_EQ((*listed)[0].sheet, "Data");
    EXPECT_EQ((*listed)[0].columns, (std::vector<std::string>{"Region", "Units"}));
}

TEST(WorkbookTables, BlankRepeatedAndNumericHeadersAreRenamedInTheCells) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("S"));
    std::vector<CellEdit> cells = {{"A1", CellValue::Text("Name")},
                                   {"C1", CellValue::Text("name")},
                                   {"D1", CellValue::Number(2024)},
                                   {"E1", CellValue::Text("Column2")},
                                   {"A2", CellValue::Number(1)}};
    ASSERT_TRUE(workbook.SetCells("S", cells));
    Result<TableInfo> table = workbook.AddTable("S", "A1:E2", "", "TableStyleLight9");
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(table->name, "Table1");
    EXPECT_EQ(table->columns,
              (std::vector<std::string>{"Name", "Column2", "name2", "2024", "Column22"}));
    Result<CellValue> b1 = workbook.GetCell("S", "B1");
    ASSERT_TRUE(b1);
    EXPECT_EQ(b1->text, "Column2");
    Result<CellValue> c1 = workbook.GetCell("S", "C1");
    EXPECT_EQ(c1->text, "name2");
    Result<CellValue> d1 = workbook.GetCell("S", "D1");
    EXPECT_EQ(d1->kind, CellValue::Kind::kText);
    EXPECT_EQ(d1->text, "2024");
}

TEST(WorkbookTables, HeaderWithALineBreakKeepsItInTheColumnName) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("S"));
    ASSERT_TRUE(workbook.SetCell("S", "A1", CellValue::Text("Units\nsold")));
    ASSERT_TRUE(workbook.SetCell("S", "B1", CellValue::Formula("1+1")));
    ASSERT_TRUE(workbook.AddTable("S", "A1:B2", "T", ""));
    Workbook reopened = MustOpen(MustSave(workbook));
    Result<std::vector<TableInfo>> tables = reopened.Tables();
    ASSERT_TRUE(tables);
    ASSERT_EQ(tables->size(), 1u);
    EXPECT_EQ((*tables)[0].columns, (std::vector<std::string>{"Units\nsold", "Column2"}));
    // A formula header becomes static text, as a table header must be.
    EXPECT_EQ(reopened.GetCell("S", "B1")->kind, CellValue::Kind::kText);
}

TEST(WorkbookTables, TableIdsAndPartsStayUniqueInTheWorkbook) {
    std::string original = ReadCorpus("xlsx/oxsdk-basicspreadsheet.xlsx");
    Workbook workbook = MustOpen(original);
    ASSERT_TRUE(workbook.SetCell("Sheet2", "A1", CellValue::Text("Key")));
    ASSERT_TRUE(workbook.SetCell("Sheet2", "B1", CellValue::Text("Value")));
    ASSERT_TRUE(workbook.AddTable("Sheet2", "A1:B4", "", ""));
    ASSERT_TRUE(workbook.AddTable("Sheet2", "D1:D3", "", ""));
    std::string saved = MustSave(workbook);
    // table1.xml and table2.xml exist with ids 2 and 3.
    EXPECT_TRUE(Contains(PartText(saved, "xl/tables/table3.xml"), "id=\"4\" name=\"Table4\""));
    EXPECT_TRUE(Contains(PartText(saved, "xl/tables/table4.xml"), "id=\"5\" name=\"Table5\""));
    Result<std::vector<TableInfo>> tables = MustOpen(saved).Tables();
    ASSERT_TRUE(tables);
    EXPECT_EQ(tables->size(), 4u);
}

TEST(WorkbookTables, AddingATableToACorpusSheetTouchesOnlyItsParts) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    ASSERT_TRUE(workbook.AddTable("Simple Monthly Budget", "J30:K33", "Savings", ""));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, saved),
              (std::set<std::string>{"[Content_Types].xml", "xl/sharedStrings.xml",
                                     "xl/tables/table3.xml", "xl/worksheets/_rels/sheet1.xml.rels",
                                     "xl/worksheets/sheet1.xml"}));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet,
                         "<tablePart r:id=\"rId4\"/><tablePart r:id=\"rId5\"/></tableParts>"
                         "<extLst>"));
    EXPECT_TRUE(Contains(sheet, "<tableParts count=\"3\">"));
    EXPECT_TRUE(Contains(PartText(saved, "xl/tables/table3.xml"), "id=\"3\""));
}

TEST(WorkbookTables, BadTablesAreRefusedAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    const std::string sheet = "Simple Monthly Budget";
    auto add = [&](std::string_view range, std::string_view name, std::string_view style = {}) {
        Result<TableInfo> table = workbook.AddTable(sheet, range, name, style);
        return table ? Status{} : Status(std::unexpected(table.error()));
    };
    ExpectRefused(add("C6:D9", "T"), ErrorCode::kInvalidRequest, "overlaps table 'tblIncome'");
    ExpectRefused(add("G8:H12", "T"), ErrorCode::kInvalidRequest, "merged cells G8:H8");
    ExpectRefused(add("J1:K1", "T"), ErrorCode::kInvalidRequest, "at least one data row");
    ExpectRefused(add("J1:K", "T"), ErrorCode::kInvalidRequest, "not a range");
    ExpectRefused(add("J1:K5", "my table"), ErrorCode::kInvalidRequest, "spaces");
    ExpectRefused(add("J1:K5", "AB12"), ErrorCode::kInvalidRequest, "cell reference");
    ExpectRefused(add("J1:K5", "R1C1"), ErrorCode::kInvalidRequest, "cell reference");
    ExpectRefused(add("J1:K5", "1st"), ErrorCode::kInvalidRequest, "must start with");
    ExpectRefused(add("J1:K5", "TBLINCOME"), ErrorCode::kInvalidRequest, "already has a table");
    ExpectRefused(add("J1:K5", "totalmonthlyincome"), ErrorCode::kInvalidRequest,
                  "defined name 'TotalMonthlyIncome'");
    ExpectRefused(add("J1:K5", "T", "TableStyleMedium99"), ErrorCode::kInvalidRequest,
                  "not a table style");
    Result<TableInfo> unknown = workbook.AddTable("Nope", "A1:B2", "T", "");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

TEST(WorkbookTables, ChartsheetTakesNoTable) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    std::string chartsheet;
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    for (const SheetInfo& info : *sheets) {
        if (info.kind == "chartsheet") chartsheet = info.name;
    }
    ASSERT_FALSE(chartsheet.empty());
    Result<TableInfo> table = workbook.AddTable(chartsheet, "A1:B3", "T", "");
    ASSERT_FALSE(table);
    EXPECT_EQ(table.error().code, ErrorCode::kInvalidRequest);
}

TEST(WorkbookObjects, ChartsheetTakesNoCellObjectsAndNothingChanges) {
    std::string original = ReadCorpus("xlsx/rxw-chart_bar14.xlsx");
    Workbook workbook = MustOpen(original);
    std::string chart;
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    for (const SheetInfo& info : *sheets) {
        if (info.kind == "chartsheet") chart = info.name;
    }
    ASSERT_FALSE(chart.empty());
    ListValidation list;
    list.values = {"a"};
    ConditionalFormatRule bar;
    bar.kind = ConditionalFormatRule::Kind::kDataBar;
    bar.colors = {"638EC6"};
    const std::vector<Status> results = {
        workbook.AddListValidation(chart, "A1", list),
        workbook.AddConditionalFormat(chart, "A1", bar),
        workbook.AddHyperlink(chart, "A1", {"https://example.com", "", "", ""}),
        workbook.AddNote(chart, "A1", "x"),
    };
    for (const Status& status : results) {
        ExpectRefused(status, ErrorCode::kInvalidRequest, "not a worksheet");
    }
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

TEST(WorkbookTables, StrictWorkbookGetsAStrictTablePart) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    ASSERT_TRUE(workbook.AddTable("First Sheet", "A1:B4", "Strictly", ""));
    std::string saved = MustSave(workbook);
    EXPECT_TRUE(Contains(PartText(saved, "xl/tables/table1.xml"),
                         "<table xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\""));
    EXPECT_TRUE(Contains(PartText(saved, "xl/worksheets/_rels/sheet1.xml.rels"),
                         "http://purl.oclc.org/ooxml/officeDocument/relationships/table"));
    Result<std::vector<TableInfo>> tables = MustOpen(saved).Tables();
    ASSERT_TRUE(tables);
    ASSERT_EQ(tables->size(), 1u);
    EXPECT_EQ((*tables)[0].name, "Strictly");
    EXPECT_EQ((*tables)[0].sheet, "First Sheet");
}

// ---- Defined names -----------------------------------------------------------------------------

TEST(WorkbookNames, NamesAreAddedReplacedScopedAndRemoved) {
    Workbook workbook = DataWorkbook();
    ASSERT_TRUE(workbook.DefineName("Units", "=Data!$B$2:$B$3"));
    ASSERT_TRUE(workbook.DefineName("Rate", "0.2", "Other Sheet"));
    ASSERT_TRUE(workbook.DefineName("units", "Data!$B$2:$B$9"));  // replaces, ignoring case
    std::string saved = MustSave(workbook);
    std::string xml = PartText(saved, "xl/workbook.xml");
    EXPECT_TRUE(Contains(xml,
                         "</sheets><definedNames><definedName name=\"units\">"
                         "Data!$B$2:$B$9</definedName><definedName name=\"Rate\" "
                         "localSheetId=\"1\">0.2</definedName></definedNames><calcPr"));

    Workbook reopened = MustOpen(saved);
    Result<std::vector<DefinedNameInfo>> names = reopened.DefinedNames();
    ASSERT_TRUE(names);
    ASSERT_EQ(names->size(), 2u);
    EXPECT_EQ((*names)[1].name, "Rate");
    EXPECT_EQ((*names)[1].sheet, "Other Sheet");
    ExpectRefused(reopened.RemoveName("Rate"), ErrorCode::kNotFound, "workbook-wide");
    ASSERT_TRUE(reopened.RemoveName("RATE", "other sheet"));
    ASSERT_TRUE(reopened.RemoveName("Units"));
    EXPECT_FALSE(Contains(PartText(MustSave(reopened), "xl/workbook.xml"), "definedNames"));
}

TEST(WorkbookNames, BadNamesAndFormulasAreRefusedAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    ExpectRefused(workbook.DefineName("two words", "1"), ErrorCode::kInvalidRequest, "spaces");
    ExpectRefused(workbook.DefineName("XFD1", "1"), ErrorCode::kInvalidRequest, "cell reference");
    ExpectRefused(workbook.DefineName("rc", "1"), ErrorCode::kInvalidRequest, "cell reference");
    ExpectRefused(workbook.DefineName("a-b", "1"), ErrorCode::kInvalidRequest, "only letters");
    ExpectRefused(workbook.DefineName("", "1"), ErrorCode::kInvalidRequest, "empty");
    ExpectRefused(workbook.DefineName("Total", "SUM(A1:A3"), ErrorCode::kInvalidRequest,
                  "'refers_to'");
    ExpectRefused(workbook.DefineName("Total", "="), ErrorCode::kInvalidRequest, "empty");
    ExpectRefused(workbook.DefineName("tblExpenses", "1"), ErrorCode::kInvalidRequest,
                  "name of a table");
    ExpectRefused(workbook.DefineName("Total", "1", "Nope"), ErrorCode::kNotFound, "Nope");
    ExpectRefused(workbook.RemoveName("Missing"), ErrorCode::kNotFound, "Missing");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

// A name over a sheet that does not exist used to be stored, for check_formulas to find later.
TEST(WorkbookNames, NameOverAMissingSheetOrBeyondTheGridIsRefused) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    ExpectRefused(workbook.DefineName("Sales", "=Nope!$A$1:$A$9"), ErrorCode::kInvalidRequest,
                  "'Nope'");
    ExpectRefused(workbook.DefineName("Sales", "='No Such Sheet'!A1"), ErrorCode::kInvalidRequest,
                  "No Such Sheet");
    ExpectRefused(workbook.DefineName("Far", "=SUM(A1:XFE2)"), ErrorCode::kInvalidRequest, "XFE2");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    std::string upper = (*sheets)[0].name;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_TRUE(workbook.DefineName("Whole", "='" + upper + "'!$A$1"))
        << "sheet names match whatever their case";
}

TEST(WorkbookNames, ReplacingACorpusNameTouchesOnlyTheWorkbookPart) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    ASSERT_TRUE(workbook.DefineName("TotalMonthlyIncome", "SUM(tblIncome[Amount])*2"));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, saved), (std::set<std::string>{"xl/workbook.xml"}));
    Result<std::vector<DefinedNameInfo>> names = MustOpen(saved).DefinedNames();
    ASSERT_TRUE(names);
    ASSERT_EQ(names->size(), 2u);
    EXPECT_EQ((*names)[1].refers_to, "SUM(tblIncome[Amount])*2");
}

// ---- Data validation ---------------------------------------------------------------------------

TEST(WorkbookValidation, InlineListIsQuotedAndPlacedInSchemaOrder) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ListValidation list;
    list.values = {"Yes", "No", "Say \"maybe\""};
    list.error = "Pick from the list";
    ASSERT_TRUE(workbook.AddListValidation("Sheet1", "J2:J9 L2", list));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, saved), (std::set<std::string>{"xl/worksheets/sheet1.xml"}));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(
        Contains(sheet,
                 "</sheetData><dataValidations count=\"1\"><dataValidation type=\"list\" "
                 "allowBlank=\"1\" showInputMessage=\"1\" showErrorMessage=\"1\" error=\"Pick from "
                 "the list\" sqref=\"J2:J9 L2\"><formula1>\"Yes,No,Say \"\"maybe\"\"\"</formula1>"
                 "</dataValidation></dataValidations><hyperlinks>"));
}

TEST(WorkbookValidation, SourceRangeIsAnchoredAndOldRulesGiveUpTheirCells) {
    Workbook workbook = DataWorkbook();
    ListValidation first;
    first.values = {"a", "b"};
    ASSERT_TRUE(workbook.AddListValidation("Data", "B2:B10", first));
    ListValidation second;
    second.source = "='Other Sheet'!A1:A5";
    second.allow_blank = false;
    ASSERT_TRUE(workbook.AddListValidation("Data", "B5", second));
    std::string sheet = PartText(MustSave(workbook), "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "sqref=\"B2:B4 B6:B10\"><formula1>\"a,b\"</formula1>"));
    EXPECT_TRUE(Contains(sheet, "allowBlank=\"0\""));
    EXPECT_TRUE(Contains(sheet, "sqref=\"B5\"><formula1>'Other Sheet'!$A$1:$A$5</formula1>"));

    ListValidation third;
    third.source = "Data!$A$2:$A$3";
    ASSERT_TRUE(workbook.AddListValidation("Data", "A1:C20", third));
    sheet = PartText(MustSave(workbook), "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "<dataValidations count=\"1\">"));
}

TEST(WorkbookValidation, BadListsAreRefusedWithTheRuleAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ListValidation long_list;
    for (int i = 0; i < 60; ++i) long_list.values.push_back("item" + std::to_string(i));
    ExpectRefused(workbook.AddListValidation("Sheet1", "A1", long_list), ErrorCode::kInvalidRequest,
                  "at most 255");
    ListValidation comma;
    comma.values = {"a,b"};
    ExpectRefused(workbook.AddListValidation("Sheet1", "A1", comma), ErrorCode::kInvalidRequest,
                  "comma");
    ListValidation both;
    both.values = {"a"};
    both.source = "A1:A3";
    ExpectRefused(workbook.AddListValidation("Sheet1", "A1", both), ErrorCode::kInvalidRequest,
                  "not both");
    ExpectRefused(workbook.AddListValidation("Sheet1", "A1", ListValidation{}),
                  ErrorCode::kInvalidRequest, "'values'");
    ListValidation unbalanced;
    unbalanced.source = "INDIRECT(\"A1\"";
    ExpectRefused(workbook.AddListValidation("Sheet1", "A1", unbalanced),
                  ErrorCode::kInvalidRequest, "'source'");
    ExpectRefused(workbook.AddListValidation("Sheet1", "A1:", comma), ErrorCode::kInvalidRequest,
                  "not a range");
    ExpectRefused(workbook.AddListValidation("Nope", "A1", both), ErrorCode::kNotFound, "Nope");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

// ---- Conditional formats -----------------------------------------------------------------------

ConditionalFormatRule CellValueRule(std::string op, std::vector<std::string> formulas,
                                    std::string fill, std::string font = {}) {
    ConditionalFormatRule rule;
    rule.op = std::move(op);
    rule.formulas = std::move(formulas);
    rule.fill_color = std::move(fill);
    rule.font_color = std::move(font);
    return rule;
}

TEST(WorkbookConditionalFormat, CellValueRulesShareIdenticalDifferentialFormats) {
    Workbook workbook = DataWorkbook();
    ASSERT_TRUE(workbook.AddConditionalFormat(
        "Data", "B2:B3", CellValueRule("greaterThan", {"10"}, "#ffc7ce", "9C0006")));
    ASSERT_TRUE(workbook.AddConditionalFormat(
        "Data", "B2:B3", CellValueRule("between", {"1", "$B$1"}, "FFC7CE", "#9C0006")));
    ASSERT_TRUE(workbook.AddConditionalFormat("Data", "A2:A3",
                                              CellValueRule("equal", {"\"North\""}, "C6EFCE")));
    std::string saved = MustSave(workbook);
    std::string styles = PartText(saved, "xl/styles.xml");
    EXPECT_TRUE(Contains(styles,
                         "<dxfs count=\"2\"><dxf><font><color rgb=\"FF9C0006\"/></font>"
                         "<fill><patternFill><bgColor rgb=\"FFFFC7CE\"/></patternFill>"
                         "</fill></dxf><dxf><fill>"));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet,
                         "<conditionalFormatting sqref=\"B2:B3\"><cfRule type=\"cellIs\" "
                         "dxfId=\"0\" priority=\"1\" operator=\"greaterThan\"><formula>10"
                         "</formula></cfRule></conditionalFormatting>"));
    EXPECT_TRUE(Contains(sheet,
                         "dxfId=\"0\" priority=\"2\" operator=\"between\"><formula>1"
                         "</formula><formula>$B$1</formula>"));
    EXPECT_TRUE(Contains(sheet,
                         "dxfId=\"1\" priority=\"3\" operator=\"equal\"><formula>"
                         "\"North\"</formula>"));
    EXPECT_LT(sheet.find("</sheetData>"), sheet.find("<conditionalFormatting"));
    EXPECT_LT(sheet.find("<conditionalFormatting"), sheet.find("<pageMargins"));
}

TEST(WorkbookConditionalFormat, ScalesAndBarsFollowTheSheetsPriorities) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    ConditionalFormatRule scale;
    scale.kind = ConditionalFormatRule::Kind::kColorScale;
    scale.colors = {"F8696B", "FFEB84", "63BE7B"};
    ASSERT_TRUE(workbook.AddConditionalFormat("Simple Monthly Budget", "C5:C7", scale));
    ConditionalFormatRule bar;
    bar.kind = ConditionalFormatRule::Kind::kDataBar;
    bar.colors = {"638EC6"};
    ASSERT_TRUE(workbook.AddConditionalFormat("Simple Monthly Budget", "C11:C22", bar));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, saved), (std::set<std::string>{"xl/worksheets/sheet1.xml"}));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(
        sheet,
        "<conditionalFormatting sqref=\"C5:C7\"><cfRule type=\"colorScale\" "
        "priority=\"2\"><colorScale><cfvo type=\"min\"/><cfvo type=\"percentile\" "
        "val=\"50\"/><cfvo type=\"max\"/><color rgb=\"FFF8696B\"/><color rgb=\"FFFFEB84\"/>"
        "<color rgb=\"FF63BE7B\"/></colorScale></cfRule></conditionalFormatting>"));
    EXPECT_TRUE(Contains(sheet,
                         "<cfRule type=\"dataBar\" priority=\"3\"><dataBar><cfvo "
                         "type=\"min\"/><cfvo type=\"max\"/><color rgb=\"FF638EC6\"/>"));
    // The sheet's own rule stays first and the new ones come before printOptions.
    EXPECT_LT(sheet.find("sqref=\"E4\""), sheet.find("sqref=\"C5:C7\""));
    EXPECT_LT(sheet.find("sqref=\"C11:C22\""), sheet.find("<printOptions"));
}

TEST(WorkbookConditionalFormat, BadRulesAreRefusedAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    const std::string sheet = "Simple Monthly Budget";
    ExpectRefused(
        workbook.AddConditionalFormat(sheet, "C5", CellValueRule("above", {"1"}, "FF0000")),
        ErrorCode::kInvalidRequest, "not an operator");
    ExpectRefused(
        workbook.AddConditionalFormat(sheet, "C5", CellValueRule("between", {"1"}, "FF0000")),
        ErrorCode::kInvalidRequest, "takes 2 values");
    ExpectRefused(workbook.AddConditionalFormat(sheet, "C5", CellValueRule("equal", {"1"}, "red")),
                  ErrorCode::kInvalidRequest, "not a colour");
    ExpectRefused(workbook.AddConditionalFormat(sheet, "C5", CellValueRule("equal", {"1"}, "")),
                  ErrorCode::kInvalidRequest, "fill colour, a font colour");
    ExpectRefused(
        workbook.AddConditionalFormat(sheet, "C5", CellValueRule("equal", {"(1"}, "FF0000")),
        ErrorCode::kInvalidRequest, "values[0]");
    ConditionalFormatRule scale;
    scale.kind = ConditionalFormatRule::Kind::kColorScale;
    scale.colors = {"FF0000"};
    ExpectRefused(workbook.AddConditionalFormat(sheet, "C5", scale), ErrorCode::kInvalidRequest,
                  "2 colours");
    ExpectRefused(
        workbook.AddConditionalFormat(sheet, "C5:", CellValueRule("equal", {"1"}, "FF0000")),
        ErrorCode::kInvalidRequest, "not a range");
    ExpectRefused(
        workbook.AddConditionalFormat("Nope", "C5", CellValueRule("equal", {"1"}, "FF0000")),
        ErrorCode::kNotFound, "Nope");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

// ---- Hyperlinks --------------------------------------------------------------------------------

TEST(WorkbookHyperlinks, ExternalAndInternalLinksAreWrittenAndShownInEmptyCells) {
    Workbook workbook = DataWorkbook();
    ASSERT_TRUE(workbook.AddHyperlink("Data", "D2", {"https://example.com/a?b=1&c=2", "", "", ""}));
    ASSERT_TRUE(workbook.AddHyperlink("Data", "D3", {"", "#'Other Sheet'!B2", "Go there", "Tip"}));
    ASSERT_TRUE(workbook.AddHyperlink("Data", "A2", {"", "C5", "", ""}));
    std::string saved = MustSave(workbook);
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(
        Contains(sheet,
                 "<hyperlinks><hyperlink ref=\"D2\" r:id=\"rId1\"/><hyperlink ref=\"D3\" "
                 "location=\"'Other Sheet'!B2\" display=\"Go there\" tooltip=\"Tip\"/><hyperlink "
                 "ref=\"A2\" location=\"Data!C5\"/></hyperlinks><pageMargins"));
    EXPECT_TRUE(Contains(PartText(saved, "xl/worksheets/_rels/sheet1.xml.rels"),
                         "Target=\"https://example.com/a?b=1&amp;c=2\" TargetMode=\"External\""));
    Workbook reopened = MustOpen(saved);
    EXPECT_EQ(reopened.GetCell("Data", "D2")->text, "https://example.com/a?b=1&c=2");
    EXPECT_EQ(reopened.GetCell("Data", "D3")->text, "Go there");
    EXPECT_EQ(reopened.GetCell("Data", "A2")->text, "North");  // a filled cell keeps its value
}

TEST(WorkbookHyperlinks, ReplacingACorpusLinkDropsItsRelationship) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ASSERT_TRUE(workbook.AddHyperlink("Sheet1", "A1", {"", "Sheet1!J20", "", ""}));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(
        ChangedParts(original, saved),
        (std::set<std::string>{"xl/worksheets/_rels/sheet1.xml.rels", "xl/worksheets/sheet1.xml"}));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet,
                         "<hyperlinks><hyperlink ref=\"C1\" r:id=\"rId2\"/><hyperlink "
                         "ref=\"A1\" location=\"Sheet1!J20\"/></hyperlinks>"));
    std::string rels = PartText(saved, "xl/worksheets/_rels/sheet1.xml.rels");
    EXPECT_FALSE(Contains(rels, "Id=\"rId1\""));
    EXPECT_TRUE(Contains(rels, "Id=\"rId2\""));
}

TEST(WorkbookHyperlinks, BadLinksAreRefusedAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"example.com", "", "", ""}),
                  ErrorCode::kInvalidRequest, "no scheme");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"", "Missing!A1", "", ""}),
                  ErrorCode::kInvalidRequest, "names no sheet");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"", "NoSuchName", "", ""}),
                  ErrorCode::kInvalidRequest, "defined name");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"https://a.b", "Sheet1!A1", "", ""}),
                  ErrorCode::kInvalidRequest, "exactly one");
    ExpectRefused(
        workbook.AddHyperlink("Sheet1", "B2", {"https://a.b", "", "", std::string(300, 't')}),
        ErrorCode::kInvalidRequest, "'tooltip'");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B0", {"https://a.b", "", "", ""}),
                  ErrorCode::kInvalidRequest, "not a cell");
    ExpectRefused(workbook.AddHyperlink("Nope", "B2", {"https://a.b", "", "", ""}),
                  ErrorCode::kNotFound, "Nope");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

// A javascript: link used to be written as given; a click in a viewer could run it.
TEST(WorkbookHyperlinks, ScriptAndDataLinksAreRefused) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"javascript:alert(1)", "", "", ""}),
                  ErrorCode::kInvalidRequest, "javascript:");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"JavaScript:alert(1)", "", "", ""}),
                  ErrorCode::kInvalidRequest, "javascript:");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"vbscript:msgbox", "", "", ""}),
                  ErrorCode::kInvalidRequest, "vbscript:");
    ExpectRefused(workbook.AddHyperlink("Sheet1", "B2", {"data:text/html,<b>x</b>", "", "", ""}),
                  ErrorCode::kInvalidRequest, "data:");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
    EXPECT_TRUE(workbook.AddHyperlink("Sheet1", "B2", {"mailto:team@example.com", "", "", ""}));
}

// ---- Notes -------------------------------------------------------------------------------------

TEST(WorkbookNotes, FirstNoteMakesCommentsAndVmlParts) {
    Workbook workbook = DataWorkbook();
    ASSERT_TRUE(workbook.AddNote("Data", "B2", "Checked <twice> & ok", "Ann"));
    ASSERT_TRUE(workbook.AddNote("Data", "A1", "Header", ""));
    ASSERT_TRUE(workbook.AddNote("Data", "B2", "Replaced", "Ann"));
    std::string saved = MustSave(workbook);
    std::string comments = PartText(saved, "xl/comments1.xml");
    EXPECT_TRUE(Contains(comments,
                         "<authors><author>Ann</author><author>Quire</author></authors>"
                         "<commentList><comment ref=\"A1\" authorId=\"1\"><text><t "
                         "xml:space=\"preserve\">Header</t></text></comment><comment "
                         "ref=\"B2\" authorId=\"0\"><text><t xml:space=\"preserve\">"
                         "Replaced</t></text></comment></commentList>"));
    std::string vml = PartText(saved, "xl/drawings/vmlDrawing1.vml");
    EXPECT_TRUE(Contains(vml, "<o:idmap v:ext=\"edit\" data=\"1\"/>"));
    EXPECT_TRUE(Contains(vml, "id=\"_x0000_t202\""));
    EXPECT_TRUE(Contains(vml, "id=\"_x0000_s1025\""));
    EXPECT_TRUE(Contains(vml, "id=\"_x0000_s1026\""));
    EXPECT_FALSE(Contains(vml, "_x0000_s1027"));  // the replaced note keeps its shape
    EXPECT_TRUE(Contains(vml, "<x:Row>1</x:Row><x:Column>1</x:Column>"));
    std::string types = PartText(saved, "[Content_Types].xml");
    EXPECT_TRUE(Contains(types, "Extension=\"vml\""));
    EXPECT_TRUE(Contains(types, "/xl/comments1.xml"));
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "<legacyDrawing r:id=\"rId2\"/></worksheet>"));
    std::string rels = PartText(saved, "xl/worksheets/_rels/sheet1.xml.rels");
    EXPECT_TRUE(Contains(rels, "relationships/comments\" Target=\"/xl/comments1.xml\""));
    EXPECT_TRUE(Contains(rels, "relationships/vmlDrawing\" Target=\"/xl/drawings/vmlDrawing1.vml"));
}

TEST(WorkbookNotes, CorpusNotesReuseTheSheetsCommentsAndVml) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ASSERT_TRUE(workbook.AddNote("Sheet1", "A5", "New note", "John"));
    ASSERT_TRUE(workbook.AddNote("Sheet1", "J1", "Replaced Test2", "Jane"));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, saved),
              (std::set<std::string>{"xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"}));
    std::string comments = PartText(saved, "xl/comments1.xml");
    EXPECT_TRUE(Contains(comments, "<author>John</author><author>Jane</author>"));
    EXPECT_TRUE(Contains(comments, "<comment ref=\"H1\""));
    EXPECT_TRUE(Contains(comments,
                         "<comment ref=\"J1\" authorId=\"1\"><text><t "
                         "xml:space=\"preserve\">Replaced Test2</t>"));
    EXPECT_LT(comments.find("ref=\"J1\""), comments.find("ref=\"A5\""));
    EXPECT_FALSE(Contains(comments, ">Test2</t>"));
    std::string vml = PartText(saved, "xl/drawings/vmlDrawing1.vml");
    EXPECT_TRUE(Contains(vml, "id=\"_x0000_s1027\""));
    EXPECT_FALSE(Contains(vml, "_x0000_s1028"));
    EXPECT_TRUE(Contains(vml, "<x:Row>4</x:Row><x:Column>0</x:Column>"));
}

TEST(WorkbookNotes, SecondSheetGetsItsOwnIdBlock) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ASSERT_TRUE(workbook.AddSheet("Notes"));
    ASSERT_TRUE(workbook.AddNote("Notes", "C3", "On a new sheet"));
    std::string saved = MustSave(workbook);
    std::string vml = PartText(saved, "xl/drawings/vmlDrawing2.vml");
    EXPECT_TRUE(Contains(vml, "data=\"2\""));
    EXPECT_TRUE(Contains(vml, "id=\"_x0000_s2049\""));
    EXPECT_TRUE(Contains(PartText(saved, "xl/comments2.xml"), "On a new sheet"));
}

TEST(WorkbookNotes, CommentsWithoutADrawingGetShapesWithTheNextNote) {
    Workbook workbook = DataWorkbook();
    ASSERT_TRUE(workbook.AddNote("Data", "A1", "First"));
    // Strip the drawing, as some writers leave it out.
    Result<Package> package = Package::Open(MustSave(workbook));
    ASSERT_TRUE(package);
    std::string sheet = *package->ReadPart("xl/worksheets/sheet1.xml");
    std::string legacy = "<legacyDrawing r:id=\"rId2\"/>";
    ASSERT_NE(sheet.find(legacy), std::string::npos);
    sheet.erase(sheet.find(legacy), legacy.size());
    package->WritePart("xl/worksheets/sheet1.xml", sheet);
    std::vector<ooxml::Relationship> rels = *package->Relationships("xl/worksheets/sheet1.xml");
    std::erase_if(rels, [](const ooxml::Relationship& rel) { return rel.id == "rId2"; });
    package->SetRelationships("xl/worksheets/sheet1.xml", rels);
    package->RemovePart("xl/drawings/vmlDrawing1.vml");

    Workbook stripped = MustOpen(*package->Save());
    ASSERT_TRUE(stripped.AddNote("Data", "C4", "Second"));
    std::string vml = PartText(MustSave(stripped), "xl/drawings/vmlDrawing1.vml");
    EXPECT_TRUE(Contains(vml, "<x:Row>0</x:Row><x:Column>0</x:Column>"));
    EXPECT_TRUE(Contains(vml, "<x:Row>3</x:Row><x:Column>2</x:Column>"));
}

TEST(WorkbookNotes, ThreadedCommentCellsAreLeftAlone) {
    std::string original = ReadCorpus("xlsx/poi-right-to-left.xlsx");
    Workbook workbook = MustOpen(original);
    ExpectRefused(workbook.AddNote("English", "A3", "x"), ErrorCode::kInvalidRequest,
                  "threaded comment");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
    ASSERT_TRUE(workbook.AddNote("English", "B5", "Beside the thread"));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, saved),
              (std::set<std::string>{"xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"}));
    EXPECT_TRUE(Contains(PartText(saved, "xl/drawings/vmlDrawing1.vml"),
                         "<x:Row>4</x:Row><x:Column>1</x:Column>"));
}

TEST(WorkbookNotes, BadNotesAreRefusedAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    ExpectRefused(workbook.AddNote("Sheet1", "A1", ""), ErrorCode::kInvalidRequest, "empty");
    ExpectRefused(workbook.AddNote("Sheet1", "A1:B2", "x"), ErrorCode::kInvalidRequest,
                  "not a cell");
    ExpectRefused(workbook.AddNote("Sheet1", "A1", "x", std::string(300, 'a')),
                  ErrorCode::kInvalidRequest, "'author'");
    ExpectRefused(workbook.AddNote("Sheet1", "A1", "\xff"), ErrorCode::kInvalidRequest, "UTF-8");
    ExpectRefused(workbook.AddNote("Nope", "A1", "x"), ErrorCode::kNotFound, "Nope");
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

TEST(WorkbookNotes, StrictWorkbookGetsStrictCommentParts) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    ASSERT_TRUE(workbook.AddNote("Sheet Number 2", "B2", "strict note"));
    std::string saved = MustSave(workbook);
    EXPECT_TRUE(Contains(PartText(saved, "xl/comments1.xml"),
                         "<comments xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\">"));
    EXPECT_TRUE(Contains(PartText(saved, "xl/worksheets/_rels/sheet2.xml.rels"),
                         "http://purl.oclc.org/ooxml/officeDocument/relationships/vmlDrawing"));
}

TEST(WorkbookObjects, RenamingASheetUpdatesValidationFormatAndLinkFormulas) {
    Workbook workbook = DataWorkbook();
    ListValidation list;
    list.source = "'Other Sheet'!A1:A3";
    ASSERT_TRUE(workbook.AddListValidation("Data", "C2:C3", list));
    ASSERT_TRUE(workbook.AddConditionalFormat(
        "Data", "B2:B3", CellValueRule("greaterThan", {"'Other Sheet'!$A$1"}, "FFC7CE")));
    ASSERT_TRUE(workbook.AddHyperlink("Data", "D2", {"", "'Other Sheet'!B2", "", ""}));
    ASSERT_TRUE(workbook.DefineName("Pick", "'Other Sheet'!$A$1:$A$3"));
    ASSERT_TRUE(workbook.RenameSheet("Other Sheet", "Lists"));
    std::string saved = MustSave(workbook);
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "<formula1>Lists!$A$1:$A$3</formula1>"));
    EXPECT_TRUE(Contains(sheet, "<formula>Lists!$A$1</formula>"));
    EXPECT_TRUE(Contains(sheet, "location=\"Lists!B2\""));
    EXPECT_EQ((*MustOpen(saved).DefinedNames())[0].refers_to, "Lists!$A$1:$A$3");
}

// ---- Tools -------------------------------------------------------------------------------------

json::object Args(std::string_view text) { return json::parse(text).as_object(); }

Result<json::value> Call(Workbook& workbook, std::string_view tool, std::string_view args) {
    return CallTool(workbook, tool, Args(args));
}

TEST(ObjectTools, EveryToolRunsOnANewWorkbook) {
    Workbook workbook = DataWorkbook();
    Result<json::value> table =
        Call(workbook, "add_table", R"({"sheet": "Data", "range": "A1:B3", "name": "Sales"})");
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(json::serialize(*table),
              R"({"table":"Sales","sheet":"Data","range":"A1:B3","style":"TableStyleMedium2",)"
              R"("columns":["Region","Units"]})");
    const std::vector<std::pair<std::string, std::string>> calls = {
        {"define_name", R"({"name": "Units", "refers_to": "=Data!$B$2:$B$3"})"},
        {"define_name", R"({"name": "Local", "refers_to": "1", "sheet": "Other Sheet"})"},
        {"delete_name", R"({"name": "Local", "sheet": "Other Sheet"})"},
        {"add_validation", R"({"sheet": "Data", "range": "C2:C3", "values": ["x", 2.5]})"},
        {"add_validation",
         R"({"sheet": "Data", "range": "D2:D3", "source": "A2:A3", "allow_blank": false,
             "error": "Choose a region"})"},
        {"add_conditional_format",
         R"({"sheet": "Data", "range": "B2:B3", "type": "cell_value", "operator": "between",
             "values": [5, "=$B$1"], "fill_color": "FFC7CE"})"},
        {"add_conditional_format",
         R"({"sheet": "Data", "range": "A2:A3", "type": "cell_value", "operator": "equal",
             "values": ["North"], "font_color": "#006100"})"},
        {"add_conditional_format",
         R"({"sheet": "Data", "range": "B2:B3", "type": "color_scale",
             "colors": ["FFFFFF", "63BE7B"]})"},
        {"add_conditional_format", R"({"sheet": "Data", "range": "B2:B3", "type": "data_bar"})"},
        {"add_hyperlink", R"({"sheet": "Data", "ref": "E2", "url": "https://example.com"})"},
        {"add_hyperlink",
         R"({"sheet": "Data", "ref": "E3", "location": "Units", "text": "Units", "tooltip": "t"})"},
        {"add_note", R"({"sheet": "Data", "ref": "A1", "text": "Regions", "author": "Ann"})"},
    };
    for (const auto& [tool, args] : calls) {
        Result<json::value> result = Call(workbook, tool, args);
        EXPECT_TRUE(result) << tool << ": " << result.error().message;
    }
    std::string saved = MustSave(workbook);
    std::string sheet = PartText(saved, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "<formula1>\"x,2.5\"</formula1>"));
    EXPECT_TRUE(Contains(sheet, "error=\"Choose a region\""));
    EXPECT_TRUE(Contains(sheet, "<formula1>$A$2:$A$3</formula1>"));
    EXPECT_TRUE(Contains(sheet, "<formula>5</formula><formula>$B$1</formula>"));
    EXPECT_TRUE(Contains(sheet, "<formula>\"North\"</formula>"));
    EXPECT_TRUE(Contains(sheet, "<color rgb=\"FF638EC6\"/>"));
    EXPECT_TRUE(Contains(sheet, "location=\"Units\" display=\"Units\" tooltip=\"t\""));
    Result<std::vector<DefinedNameInfo>> names = MustOpen(saved).DefinedNames();
    ASSERT_TRUE(names);
    ASSERT_EQ(names->size(), 1u);
    EXPECT_EQ((*names)[0].name, "Units");
    EXPECT_TRUE(Contains(PartText(saved, "xl/comments1.xml"), "Regions"));
}

TEST(ObjectTools, ComparisonTextIsQuotedUnlessItIsANumberOrAFormula) {
    Workbook workbook = DataWorkbook();
    ASSERT_TRUE(Call(workbook, "add_conditional_format",
                     R"({"sheet": "Data", "range": "A2:A3", "type": "cell_value",
                         "operator": "between", "values": ["-2.5e3", "inf"],
                         "fill_color": "FFC7CE"})"));
    ASSERT_TRUE(Call(workbook, "add_conditional_format",
                     R"({"sheet": "Data", "range": "A2:A3", "type": "cell_value",
                         "operator": "equal", "values": ["say \"hi\""], "font_color": "FF0000"})"));
    std::string sheet = PartText(MustSave(workbook), "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "<formula>-2.5e3</formula><formula>\"inf\"</formula>"));
    EXPECT_TRUE(Contains(sheet, "<formula>\"say \"\"hi\"\"\"</formula>"));
}

TEST(ObjectTools, BadCallsNameTheProblemAndChangeNothing) {
    std::string original = ReadCorpus("xlsx/rxw-table06.xlsx");
    Workbook workbook = MustOpen(original);
    const std::vector<std::tuple<std::string, std::string, std::string>> calls = {
        {"add_table", R"({"sheet": "Sheet1", "range": "A1:B3", "nmae": "T"})", "unknown argument"},
        {"add_table", R"({"sheet": "Sheet1", "range": "C3:D4"})", "overlaps table 'Table1'"},
        {"define_name", R"({"name": "x y", "refers_to": "1"})", "spaces"},
        {"delete_name", R"({"name": "Nothing"})", "no workbook-wide defined name"},
        {"add_validation", R"({"sheet": "Sheet1", "range": "A1", "values": []})", "empty"},
        {"add_validation", R"({"sheet": "Sheet1", "range": "A1", "values": [true]})", "values[0]"},
        {"add_conditional_format",
         R"({"sheet": "Sheet1", "range": "A1", "type": "data_bar", "operator": "equal"})",
         "'operator' applies only to type cell_value"},
        {"add_conditional_format", R"({"sheet": "Sheet1", "range": "A1", "type": "icons"})",
         "not one of"},
        {"add_conditional_format",
         R"({"sheet": "Sheet1", "range": "A1", "type": "cell_value", "values": [1]})",
         "'operator' is required"},
        {"add_hyperlink", R"({"sheet": "Sheet1", "ref": "A1"})", "exactly one"},
        {"add_note", R"({"sheet": "Sheet1", "ref": "A1"})", "'text' is required"},
        {"add_note", R"({"sheet": "Gone", "ref": "A1", "text": "x"})", "no sheet named 'Gone'"},
    };
    for (const auto& [tool, args, words] : calls) {
        Result<json::value> result = Call(workbook, tool, args);
        ASSERT_FALSE(result) << tool << " " << args;
        EXPECT_TRUE(Contains(result.error().message, words)) << result.error().message;
        EXPECT_TRUE(result.error().message.starts_with(tool)) << result.error().message;
    }
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty());
}

TEST(ObjectTools, SchemasAreStrictObjects) {
    std::set<std::string> seen;
    for (const Tool& tool : WorkbookTools()) {
        static const std::set<std::string> kMine = {"add_table",
                                                    "define_name",
                                                    "delete_name",
                                                    "add_validation",
                                                    "add_conditional_format",
                                                    "add_hyperlink",
                                                    "add_note"};
        if (!kMine.contains(tool.name)) continue;
        seen.insert(tool.name);
        json::object schema = json::parse(tool.input_schema).as_object();
        EXPECT_EQ(schema.at("type"), "object") << tool.name;
        EXPECT_EQ(schema.at("additionalProperties"), false) << tool.name;
        for (const json::value& key : schema.at("required").as_array()) {
            EXPECT_TRUE(schema.at("properties").as_object().contains(key.as_string())) << tool.name;
        }
    }
    EXPECT_EQ(seen.size(), 7u);
}

}  // namespace
}  // namespace quire::xlsx
