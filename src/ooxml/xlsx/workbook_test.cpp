#include "ooxml/xlsx/workbook.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "ooxml/package/package.hpp"
#include "shared_dir.hpp"

namespace quire::xlsx {
namespace {

namespace fs = std::filesystem;
using ooxml::Package;

fs::path CorpusDir() { return quire::test_support::SharedDir() / "corpus"; }

std::string ReadCorpus(std::string_view name) {
    std::ifstream in(CorpusDir() / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_FALSE(bytes.empty()) << "missing corpus file " << name;
    return bytes;
}

Workbook MustOpen(std::string bytes) {
    Result<Workbook> workbook = Workbook::Open(std::move(bytes));
    EXPECT_TRUE(workbook) << workbook.error().message;
    return std::move(*workbook);
}

std::string MustSave(const Workbook& workbook) {
    Result<std::string> bytes = workbook.Save();
    EXPECT_TRUE(bytes) << bytes.error().message;
    return bytes ? *bytes : std::string{};
}

std::string PartText(const std::string& bytes, std::string_view part) {
    Result<Package> package = Package::Open(bytes);
    EXPECT_TRUE(package) << package.error().message;
    Result<std::string> text = package->ReadPart(part);
    EXPECT_TRUE(text) << part;
    return text ? *text : std::string{};
}

bool Contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

void ExpectCell(const Workbook& workbook, std::string_view sheet, std::string_view ref,
                CellValue::Kind kind, double number, std::string_view text = {}) {
    Result<CellValue> cell = workbook.GetCell(sheet, ref);
    ASSERT_TRUE(cell) << cell.error().message;
    EXPECT_EQ(cell->kind, kind) << ref;
    if (kind == CellValue::Kind::kText || kind == CellValue::Kind::kFormula) {
        EXPECT_EQ(cell->text, text) << ref;
    } else {
        EXPECT_DOUBLE_EQ(cell->number, number) << ref;
    }
}

TEST(Workbook, CreatedWorkbookKeepsTypedCellsAcrossSaveAndOpen) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCell("Data", "A1", CellValue::Text("Region")));
    ASSERT_TRUE(workbook.SetCell("Data", "B2", CellValue::Number(1234.5)));
    ASSERT_TRUE(workbook.SetCell("Data", "C3", CellValue::Boolean(true)));
    ASSERT_TRUE(workbook.SetCell("Data", "D4", CellValue::Date(45292)));
    ASSERT_TRUE(workbook.SetCell("Data", "E5", CellValue::Formula("=SUM(B2:B3)")));
    ASSERT_TRUE(workbook.SetCell("Data", "A2", CellValue::Text("  spaced  ")));

    Workbook reopened = MustOpen(MustSave(workbook));
    ExpectCell(reopened, "Data", "A1", CellValue::Kind::kText, 0, "Region");
    ExpectCell(reopened, "Data", "A2", CellValue::Kind::kText, 0, "  spaced  ");
    ExpectCell(reopened, "Data", "B2", CellValue::Kind::kNumber, 1234.5);
    ExpectCell(reopened, "Data", "C3", CellValue::Kind::kBoolean, 1);
    ExpectCell(reopened, "Data", "D4", CellValue::Kind::kDate, 45292);
    ExpectCell(reopened, "Data", "E5", CellValue::Kind::kFormula, 0, "SUM(B2:B3)");
    ExpectCell(reopened, "Data", "Z99", CellValue::Kind::kEmpty, 0);

    Result<std::vector<SheetInfo>> sheets = reopened.Sheets();
    ASSERT_TRUE(sheets);
    ASSERT_EQ(sheets->size(), 1u);
    EXPECT_EQ((*sheets)[0].name, "Data");
    EXPECT_EQ((*sheets)[0].kind, "worksheet");
    EXPECT_EQ((*sheets)[0].state, "visible");
    EXPECT_EQ((*sheets)[0].dimension, "A1:E5");
}

TEST(Workbook, CreatedWorkbookHasThePartsOfficeExpects) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("One"));
    std::string bytes = MustSave(workbook);
    Result<Package> package = Package::Open(bytes);
    ASSERT_TRUE(package);
    for (const char* part : {"[Content_Types].xml", "_rels/.rels", "docProps/app.xml",
                             "docProps/core.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                             "xl/styles.xml", "xl/worksheets/sheet1.xml"}) {
        EXPECT_TRUE(package->HasPart(part)) << part;
    }
    EXPECT_EQ(*package->MainPart(), "xl/workbook.xml");
    EXPECT_EQ(package->ContentType("xl/worksheets/sheet1.xml"),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml");
    std::string styles = PartText(bytes, "xl/styles.xml");
    for (const char* element : {"<fonts", "<fills", "<borders", "<cellStyleXfs", "<cellXfs"}) {
        EXPECT_TRUE(Contains(styles, element)) << element;
    }
}

TEST(Workbook, SavingWithoutSheetsIsRefused) {
    Result<std::string> saved = Workbook::Create().Save();
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error().code, ErrorCode::kInvalidRequest);
}

TEST(Workbook, AddedSheetsGetFreshIdsAndParts) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("A"));
    ASSERT_TRUE(workbook.AddSheet("B"));
    std::string bytes = MustSave(workbook);
    std::string xml = PartText(bytes, "xl/workbook.xml");
    EXPECT_TRUE(Contains(xml, "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId2\"/>")) << xml;
    EXPECT_TRUE(Contains(xml, "<sheet name=\"B\" sheetId=\"2\" r:id=\"rId3\"/>")) << xml;
    EXPECT_TRUE(Package::Open(bytes)->HasPart("xl/worksheets/sheet2.xml"));
}

struct NameCase {
    const char* name;
    bool valid;
};

class SheetNameRules : public ::testing::TestWithParam<NameCase> {};

TEST_P(SheetNameRules, FollowExcel) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Existing"));
    Status added = workbook.AddSheet(GetParam().name);
    EXPECT_EQ(added.has_value(), GetParam().valid) << GetParam().name;
    if (!added) {
        EXPECT_EQ(added.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(added.error().message.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(Names, SheetNameRules,
                         ::testing::Values(NameCase{"Sales 2024", true}, NameCase{"Résumé", true},
                                           NameCase{"1234567890123456789012345678901", true},
                                           NameCase{"12345678901234567890123456789012", false},
                                           NameCase{"", false}, NameCase{"a:b", false},
                                           NameCase{"a\\b", false}, NameCase{"a/b", false},
                                           NameCase{"a?b", false}, NameCase{"a*b", false},
                                           NameCase{"[a]", false}, NameCase{"'quoted", false},
                                           NameCase{"quoted'", false}, NameCase{"it's", true},
                                           NameCase{"existing", false}, NameCase{"EXISTING", false},
                                           NameCase{"History", false}, NameCase{"bad\x01", false},
                                           NameCase{"\xff\xfe", false}));

TEST(Workbook, UnknownSheetIsNotFoundAndNamed) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    Status set = workbook.SetCell("Nope", "A1", CellValue::Number(1));
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(Contains(set.error().message, "Nope"));
    Status renamed = workbook.RenameSheet("Nope", "Other");
    ASSERT_FALSE(renamed);
    EXPECT_EQ(renamed.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(Contains(renamed.error().message, "Nope"));
}

TEST(Workbook, BadInputChangesNothing) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCell("Data", "A1", CellValue::Number(1)));
    std::string before = MustSave(workbook);

    EXPECT_EQ(workbook.SetCell("Data", "A0", CellValue::Number(1)).error().code,
              ErrorCode::kInvalidRequest);
    EXPECT_EQ(workbook.SetCell("Data", "B1", CellValue::Number(std::nan(""))).error().code,
              ErrorCode::kInvalidRequest);
    EXPECT_EQ(workbook.SetCell("Data", "B1", CellValue::Text(std::string(40000, 'x'))).error().code,
              ErrorCode::kInvalidRequest);
    EXPECT_EQ(workbook.SetCell("Data", "B1", CellValue::Text("\xc3")).error().code,
              ErrorCode::kInvalidRequest);
    EXPECT_EQ(workbook.RenameSheet("Data", "a/b").error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(Workbook, UnbalancedFormulaIsRefusedInsteadOfWrittenForExcelToRepair) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    std::string before = MustSave(workbook);
    Status set = workbook.SetCell("Data", "A1", CellValue::Formula("=SUM(B1:B3"));
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(set.error().message, "A1: the formula has an unclosed '('");
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(Workbook, ControlCharactersAreEscapedAndReadBack) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCell("Data", "A1", CellValue::Text("bell\x07 and _x0041_")));
    Workbook reopened = MustOpen(MustSave(workbook));
    ExpectCell(reopened, "Data", "A1", CellValue::Kind::kText, 0, "bell\x07 and _x0041_");
}

TEST(Workbook, CellsStaySortedWhateverTheWriteOrder) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    for (const char* ref : {"C3", "A1", "B3", "A3", "C1", "B2"}) {
        ASSERT_TRUE(workbook.SetCell("Data", ref, CellValue::Number(1)));
    }
    std::string xml = PartText(MustSave(workbook), "xl/worksheets/sheet1.xml");
    std::vector<std::string> order;
    for (std::size_t pos = 0; (pos = xml.find("<c r=\"", pos)) != std::string::npos; ++pos) {
        order.push_back(xml.substr(pos + 6, 2));
    }
    EXPECT_EQ(order, (std::vector<std::string>{"A1", "C1", "B2", "A3", "B3", "C3"}));
    EXPECT_TRUE(Contains(xml, "<dimension ref=\"A1:C3\"/>"));
}

// A workbook whose Summary sheet refers to Data through formulas and a defined name.
std::string WorkbookWithReferences() {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    EXPECT_TRUE(workbook.AddSheet("Summary"));
    EXPECT_TRUE(workbook.SetCell("Data", "A1", CellValue::Number(5)));
    EXPECT_TRUE(workbook.SetCell("Summary", "A1", CellValue::Formula("SUM(Data!A1:A3)")));
    EXPECT_TRUE(workbook.SetCell("Summary", "A2", CellValue::Formula("'Data'!A1*2+Database!B1")));
    EXPECT_TRUE(workbook.SetCell("Summary", "A3", CellValue::Formula("\"Data!A1\"")));
    std::string bytes = MustSave(workbook);

    Result<Package> package = Package::Open(bytes);
    std::string xml = *package->ReadPart("xl/workbook.xml");
    std::string names =
        "<definedNames><definedName name=\"Total\">Data!$A$1:$A$3</definedName>"
        "<definedName name=\"Print_Area\" localSheetId=\"1\">'Summary'!$A$1</definedName>"
        "</definedNames>";
    xml.insert(xml.find("<calcPr"), names);
    package->WritePart("xl/workbook.xml", xml);
    return *package->Save();
}

TEST(Workbook, RenameUpdatesFormulasAndDefinedNames) {
    Workbook workbook = MustOpen(WorkbookWithReferences());
    ASSERT_TRUE(workbook.RenameSheet("data", "Q1 Data"));
    std::string bytes = MustSave(workbook);

    Workbook reopened = MustOpen(bytes);
    ExpectCell(reopened, "Summary", "A1", CellValue::Kind::kFormula, 0, "SUM('Q1 Data'!A1:A3)");
    ExpectCell(reopened, "Summary", "A2", CellValue::Kind::kFormula, 0,
               "'Q1 Data'!A1*2+Database!B1");
    ExpectCell(reopened, "Summary", "A3", CellValue::Kind::kFormula, 0, "\"Data!A1\"");
    ExpectCell(reopened, "Q1 Data", "A1", CellValue::Kind::kNumber, 5);
    std::string xml = PartText(bytes, "xl/workbook.xml");
    EXPECT_TRUE(Contains(xml, "<definedName name=\"Total\">'Q1 Data'!$A$1:$A$3</definedName>"));
    EXPECT_TRUE(Contains(xml, "'Summary'!$A$1"));
    EXPECT_EQ(reopened.GetCell("Data", "A1").error().code, ErrorCode::kNotFound);
}

TEST(Workbook, RenameToATakenNameIsRefusedButCaseChangeIsAllowed) {
    Workbook workbook = MustOpen(WorkbookWithReferences());
    EXPECT_EQ(workbook.RenameSheet("Data", "SUMMARY").error().code, ErrorCode::kInvalidRequest);
    ASSERT_TRUE(workbook.RenameSheet("Data", "DATA"));
    Workbook reopened = MustOpen(MustSave(workbook));
    ExpectCell(reopened, "Summary", "A1", CellValue::Kind::kFormula, 0, "SUM(DATA!A1:A3)");
}

TEST(Workbook, WriteTableMakesBoldFrozenHeaderTypedCellsAndWidths) {
    CsvTable table;
    table.header = {"Name", "Amount", "When", "Paid"};
    table.rows = {{CellValue::Text("A rather long customer name"), CellValue::Number(10.5),
                   CellValue::Date(45000), CellValue::Boolean(true)},
                  {CellValue::Text("Bo"), CellValue::Number(-3), CellValue::Date(45001),
                   CellValue::Boolean(false)},
                  {CellValue::Text("=not a formula"), CellValue{}, CellValue::Date(45002)}};
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.WriteTable("Data", table));
    std::string bytes = MustSave(workbook);

    Workbook reopened = MustOpen(bytes);
    ExpectCell(reopened, "Data", "A1", CellValue::Kind::kText, 0, "Name");
    ExpectCell(reopened, "Data", "B2", CellValue::Kind::kNumber, 10.5);
    ExpectCell(reopened, "Data", "C3", CellValue::Kind::kDate, 45001);
    ExpectCell(reopened, "Data", "D2", CellValue::Kind::kBoolean, 1);
    ExpectCell(reopened, "Data", "A4", CellValue::Kind::kText, 0, "=not a formula");
    ExpectCell(reopened, "Data", "B4", CellValue::Kind::kEmpty, 0);
    EXPECT_EQ((*reopened.Sheets())[0].dimension, "A1:D4");

    std::string sheet = PartText(bytes, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet,
                         "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
                         "state=\"frozen\"/>"))
        << sheet;
    EXPECT_TRUE(Contains(sheet, "<c r=\"A1\" s=\"1\" t=\"inlineStr\">")) << sheet;
    EXPECT_TRUE(Contains(sheet, "<col min=\"1\" max=\"1\" width=\"29\" customWidth=\"1\"/>"))
        << sheet;
    EXPECT_TRUE(Contains(sheet, "<col min=\"4\" max=\"4\" width=\"8\" customWidth=\"1\"/>"))
        << sheet;
    std::string styles = PartText(bytes, "xl/styles.xml");
    EXPECT_TRUE(Contains(styles, "<font><b/><sz val=\"11\"/>")) << styles;
    EXPECT_TRUE(Contains(styles, "formatCode=\"yyyy-mm-dd\"")) << styles;
}

TEST(Workbook, WritingTheTableTwiceReusesStyles) {
    CsvTable table;
    table.header = {"When"};
    table.rows = {{CellValue::Date(45000)}};
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("A"));
    ASSERT_TRUE(workbook.AddSheet("B"));
    ASSERT_TRUE(workbook.WriteTable("A", table));
    std::string once = PartText(MustSave(workbook), "xl/styles.xml");
    ASSERT_TRUE(workbook.WriteTable("B", table));
    EXPECT_EQ(PartText(MustSave(workbook), "xl/styles.xml"), once);
}

TEST(Workbook, WriteRowsPutsEachValueBelowAndRightOfTheFirstCell) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    std::vector<std::vector<CellValue>> rows = {
        {CellValue::Text("Region"), CellValue::Text("Sales")},
        {CellValue::Text("North"), CellValue::Number(12.5), CellValue::Formula("C4*2")},
        {},
        {CellValue::Text("South"), CellValue{}, CellValue::Boolean(true)},
    };
    ASSERT_TRUE(workbook.WriteRows("Data", {2, 3}, rows));
    Workbook reopened = MustOpen(MustSave(workbook));
    ExpectCell(reopened, "Data", "B3", CellValue::Kind::kText, 0, "Region");
    ExpectCell(reopened, "Data", "C4", CellValue::Kind::kNumber, 12.5);
    ExpectCell(reopened, "Data", "D4", CellValue::Kind::kFormula, 0, "C4*2");
    ExpectCell(reopened, "Data", "B6", CellValue::Kind::kText, 0, "South");
    ExpectCell(reopened, "Data", "C6", CellValue::Kind::kEmpty, 0);
    ExpectCell(reopened, "Data", "D6", CellValue::Kind::kBoolean, 1);
    ExpectCell(reopened, "Data", "A3", CellValue::Kind::kEmpty, 0);
    EXPECT_EQ((*reopened.Sheets())[0].dimension, "B3:D6");
}

// Rows that stream (more cells than a SetCells call that streams) give the same sheet as the
// same values set one reference at a time.
TEST(Workbook, WriteRowsOfManyRowsGivesTheSheetSetCellsGives) {
    std::vector<std::vector<CellValue>> rows;
    std::vector<CellEdit> edits;
    for (int r = 0; r < 600; ++r) {
        std::string row = std::to_string(r + 1);
        rows.push_back({CellValue::Number(r * 0.5), CellValue::Text("item & " + row),
                        CellValue::Formula("A" + row + "*2"), CellValue::Date(45000 + r)});
        for (std::size_t c = 0; c < rows.back().size(); ++c) {
            edits.push_back({std::string(1, static_cast<char>('A' + c)) + row, rows.back()[c]});
        }
    }
    Workbook by_rows = Workbook::Create();
    Workbook by_refs = Workbook::Create();
    ASSERT_TRUE(by_rows.AddSheet("Data"));
    ASSERT_TRUE(by_refs.AddSheet("Data"));
    ASSERT_TRUE(by_rows.WriteRows("Data", {1, 1}, rows));
    ASSERT_TRUE(by_refs.SetCells("Data", edits));
    std::string a = MustSave(by_rows);
    std::string b = MustSave(by_refs);
    EXPECT_EQ(PartText(a, "xl/worksheets/sheet1.xml"), PartText(b, "xl/worksheets/sheet1.xml"));
    EXPECT_EQ(PartText(a, "xl/styles.xml"), PartText(b, "xl/styles.xml"));
    ExpectCell(MustOpen(a), "Data", "B600", CellValue::Kind::kText, 0, "item & 600");
}

TEST(Workbook, WriteRowsPastTheSheetsEdgeOrWithABadValueChangesNothing) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCell("Data", "A1", CellValue::Number(1)));
    std::string before = MustSave(workbook);
    std::vector<std::vector<CellValue>> two_rows = {{CellValue::Number(1)}, {CellValue::Number(2)}};
    Status past_last_row = workbook.WriteRows("Data", {1, 1048576}, two_rows);
    ASSERT_FALSE(past_last_row);
    EXPECT_EQ(past_last_row.error().code, ErrorCode::kInvalidRequest);
    EXPECT_TRUE(Contains(past_last_row.error().message, "last row"))
        << past_last_row.error().message;

    std::vector<std::vector<CellValue>> two_columns = {
        {CellValue::Number(1), CellValue::Number(2)}};
    Status past_last_column = workbook.WriteRows("Data", {16384, 1}, two_columns);
    ASSERT_FALSE(past_last_column);
    EXPECT_TRUE(Contains(past_last_column.error().message, "last column"));

    std::vector<std::vector<CellValue>> bad = {{CellValue::Text("fine")},
                                               {CellValue::Number(std::nan(""))}};
    Status not_a_number = workbook.WriteRows("Data", {3, 1}, bad);
    ASSERT_FALSE(not_a_number);
    EXPECT_TRUE(Contains(not_a_number.error().message, "C2")) << not_a_number.error().message;
    EXPECT_FALSE(workbook.WriteRows("Nope", {1, 1}, two_rows));
    EXPECT_EQ(MustSave(workbook), before);
}

// A CSV of thousands of cells goes into the sheet's text without a DOM of the sheet, and still
// gets its bold frozen header and fitted widths.
TEST(Workbook, ImportingALargeCsvStreamsTheSheetWithItsHeaderAndWidths) {
    std::ifstream in(quire::test_support::SharedDir() / "data" / "seattle-weather.csv",
                     std::ios::binary);
    std::string csv((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(csv.empty());
    Result<CsvTable> table = ParseCsv(csv);
    ASSERT_TRUE(table) << table.error().message;
    ASSERT_GT(table->rows.size() * table->header.size(), 2000u);

    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Weather"));
    ASSERT_TRUE(workbook.WriteTable("Weather", *table));
    std::vector<std::string> parsed = workbook.ParsedParts();
    EXPECT_EQ(std::count(parsed.begin(), parsed.end(), "xl/worksheets/sheet1.xml"), 0);

    std::string bytes = MustSave(workbook);
    std::string sheet = PartText(bytes, "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "state=\"frozen\"")) << sheet.substr(0, 600);
    EXPECT_TRUE(Contains(sheet, "<c r=\"A1\" s=\"1\" t=\"inlineStr\">"));
    EXPECT_TRUE(Contains(sheet, "<col min=\"1\" max=\"1\""));
    Workbook reopened = MustOpen(bytes);
    ExpectCell(reopened, "Weather", "F1", CellValue::Kind::kText, 0, "weather");
    ExpectCell(reopened, "Weather", "A2", CellValue::Kind::kDate, 40909);  // 2012-01-01
    ExpectCell(reopened, "Weather", "B3", CellValue::Kind::kNumber, 10.9);
    EXPECT_EQ((*reopened.Sheets())[0].dimension, "A1:F" + std::to_string(table->rows.size() + 1));
}

// Parts whose bytes differ between two saved packages.
std::set<std::string> ChangedParts(const std::string& before, const std::string& after) {
    Result<Package> a = Package::Open(before);
    Result<Package> b = Package::Open(after);
    EXPECT_TRUE(a && b);
    std::set<std::string> changed;
    std::set<std::string> names;
    for (const std::string& part : a->PartNames()) names.insert(part);
    for (const std::string& part : b->PartNames()) names.insert(part);
    for (const std::string& part : names) {
        Result<std::string> x = a->ReadPart(part);
        Result<std::string> y = b->ReadPart(part);
        if (!x || !y || *x != *y) changed.insert(part);
    }
    return changed;
}

TEST(Workbook, SetCellOnACorpusWorkbookTouchesOnlyItsParts) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    std::string sheet = (*workbook.Sheets())[0].name;
    ASSERT_TRUE(workbook.SetCell(sheet, "H40", CellValue::Number(42)));
    EXPECT_EQ(ChangedParts(original, MustSave(workbook)),
              (std::set<std::string>{"xl/workbook.xml", "xl/worksheets/sheet1.xml"}));
}

TEST(Workbook, FormulaOnACorpusWorkbookDropsTheCalcChain) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    std::string sheet = (*workbook.Sheets())[0].name;
    ASSERT_TRUE(workbook.SetCell(sheet, "H40", CellValue::Formula("1+1")));
    std::string saved = MustSave(workbook);
    EXPECT_EQ(
        ChangedParts(original, saved),
        (std::set<std::string>{"[Content_Types].xml", "xl/_rels/workbook.xml.rels",
                               "xl/calcChain.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"}));
    EXPECT_FALSE(Package::Open(saved)->HasPart("xl/calcChain.xml"));
    EXPECT_FALSE(Contains(PartText(saved, "[Content_Types].xml"), "calcChain"));
    EXPECT_TRUE(Contains(PartText(saved, "xl/workbook.xml"), "fullCalcOnLoad=\"1\""));
}

TEST(Workbook, TextGoesToExistingSharedStrings) {
    std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    std::string sheet = (*workbook.Sheets())[0].name;
    ASSERT_TRUE(workbook.SetCell(sheet, "H41", CellValue::Text("Quire was here")));
    std::string saved = MustSave(workbook);
    EXPECT_TRUE(ChangedParts(original, saved).contains("xl/sharedStrings.xml"));
    ExpectCell(MustOpen(saved), sheet, "H41", CellValue::Kind::kText, 0, "Quire was here");
    EXPECT_TRUE(Contains(PartText(saved, "xl/worksheets/sheet1.xml"), "<c r=\"H41\" t=\"s\">"));
}

TEST(Workbook, StrictWorkbookIsEditedInItsOwnNamespace) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    ASSERT_TRUE(workbook.AddSheet("Added"));
    ASSERT_TRUE(workbook.SetCell("Added", "B2", CellValue::Text("strict")));
    std::string saved = MustSave(workbook);
    Workbook reopened = MustOpen(saved);
    ExpectCell(reopened, "Added", "B2", CellValue::Kind::kText, 0, "strict");
    Result<Package> package = Package::Open(saved);
    std::string rels = *package->ReadPart("xl/_rels/workbook.xml.rels");
    EXPECT_TRUE(
        Contains(rels, "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet"));
}

TEST(Workbook, ChartsheetHoldsNoCells) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    auto chart = std::find_if(sheets->begin(), sheets->end(),
                              [](const SheetInfo& s) { return s.kind == "chartsheet"; });
    ASSERT_NE(chart, sheets->end());
    Status set = workbook.SetCell(chart->name, "A1", CellValue::Number(1));
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, ErrorCode::kInvalidRequest);
}

TEST(Workbook, OverwritingASharedFormulaAnchorKeepsTheOthersFormulas) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    std::string bytes = MustSave(workbook);
    Result<Package> package = Package::Open(bytes);
    package->WritePart(
        "xl/worksheets/sheet1.xml",
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\"><f t=\"shared\" "
        "ref=\"B1:B3\" si=\"0\">A1*2</f><v>2</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</v></c>"
        "<c r=\"B2\"><f t=\"shared\" si=\"0\"/><v>4</v></c></row><row r=\"3\"><c r=\"B3\">"
        "<f t=\"shared\" si=\"0\"/><v>0</v></c></row></sheetData></worksheet>");
    Workbook edited = MustOpen(*package->Save());
    ASSERT_TRUE(edited.SetCell("Data", "B1", CellValue::Number(7)));
    Workbook reopened = MustOpen(MustSave(edited));
    ExpectCell(reopened, "Data", "B1", CellValue::Kind::kNumber, 7);
    ExpectCell(reopened, "Data", "B2", CellValue::Kind::kFormula, 0, "A2*2");
    ExpectCell(reopened, "Data", "B3", CellValue::Kind::kFormula, 0, "A3*2");
}

TEST(Workbook, RowsWithoutNumbersAreNumberedBeforeInsertion) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    Result<Package> package = Package::Open(MustSave(workbook));
    package->WritePart(
        "xl/worksheets/sheet1.xml",
        "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<x:sheetData><x:row><x:c><x:v>1</x:v></x:c></x:row><x:row><x:c><x:v>2</x:v></x:c>"
        "<x:c><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>");
    Workbook edited = MustOpen(*package->Save());
    EXPECT_EQ((*edited.Sheets())[0].dimension, "A1:B2");
    ASSERT_TRUE(edited.SetCell("Data", "A2", CellValue::Number(9)));
    ASSERT_TRUE(edited.SetCell("Data", "C1", CellValue::Number(4)));
    Workbook reopened = MustOpen(MustSave(edited));
    ExpectCell(reopened, "Data", "A1", CellValue::Kind::kNumber, 1);
    ExpectCell(reopened, "Data", "A2", CellValue::Kind::kNumber, 9);
    ExpectCell(reopened, "Data", "B2", CellValue::Kind::kNumber, 3);
    ExpectCell(reopened, "Data", "C1", CellValue::Kind::kNumber, 4);
    EXPECT_TRUE(
        Contains(PartText(MustSave(reopened), "xl/worksheets/sheet1.xml"), "<x:c r=\"C1\">"));
}

TEST(Workbook, OutlineListsSheetsAsJson) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCell("Data", "B3", CellValue::Number(1)));
    ASSERT_TRUE(workbook.AddSheet("Empty"));
    Result<std::string> outline = workbook.OutlineJson();
    ASSERT_TRUE(outline);
    EXPECT_EQ(*outline,
              "{\"sheets\":[{\"name\":\"Data\",\"kind\":\"worksheet\",\"state\":\"visible\","
              "\"dimension\":\"B3\",\"formulas\":0,\"merged_ranges\":0},{\"name\":\"Empty\","
              "\"kind\":\"worksheet\",\"state\":\"visible\",\"dimension\":\"\",\"formulas\":0,"
              "\"merged_ranges\":0}]}");
}

TEST(Workbook, DocumentsOfOtherFormatsAreRefused) {
    Result<Workbook> docx = Workbook::Open(ReadCorpus("docx/poi-delins.docx"));
    ASSERT_FALSE(docx);
    EXPECT_EQ(docx.error().code, ErrorCode::kInvalidRequest);
    EXPECT_TRUE(Contains(docx.error().message, "not an Excel workbook"));

    Result<Workbook> junk = Workbook::Open("not a zip");
    ASSERT_FALSE(junk);
    EXPECT_EQ(junk.error().code, ErrorCode::kInvalidRequest);
}

TEST(Workbook, BillionLaughsWorkbookIsRefused) {
    Result<Workbook> bomb = Workbook::Open(ReadCorpus("xlsx/poi-54764.xlsx"));
    ASSERT_FALSE(bomb);
    EXPECT_TRUE(Contains(bomb.error().message, "DOCTYPE"));
}

}  // namespace
}  // namespace quire::xlsx
