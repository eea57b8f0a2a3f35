#include "convert/recalculate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

#include "convert/office_pool.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::convert {
namespace {

using xlsx::CellValue;

// `bytes` with `value` as the cached value of the cell whose formula element is `formula`.
std::string WithCachedValue(const std::string& bytes, const std::string& formula,
                            const std::string& value) {
    auto package = ooxml::Package::Open(bytes);
    EXPECT_TRUE(package);
    std::string sheet = *package->ReadPart("xl/worksheets/sheet1.xml");
    auto at = sheet.find(formula);
    EXPECT_NE(at, std::string::npos) << sheet;
    sheet.insert(at + formula.size(), value);
    package->WritePart("xl/worksheets/sheet1.xml", sheet);
    return *package->Save();
}

// A workbook whose formulas have no cached values yet, plus an XLOOKUP that Excel calculated.
std::string Workbook(std::vector<xlsx::CellEdit> more = {}) {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Calc"));
    std::vector<xlsx::CellEdit> edits = {
        {"A1", CellValue::Number(2)},
        {"A2", CellValue::Number(3)},
        {"A3", CellValue::Formula("A1*A2")},
        {"A4", CellValue::Formula("A1/0")},
        {"A5", CellValue::Formula("_xlfn.XLOOKUP(3,A1:A2,A1:A2)")},
        {"A6", CellValue::Formula("A1&\"x\"")},
        {"B1", CellValue::Text("unchanged")},
    };
    edits.insert(edits.end(), more.begin(), more.end());
    EXPECT_TRUE(workbook.SetCells("Calc", edits));
    auto saved = workbook.Save();
    EXPECT_TRUE(saved);
    // Excel's cached value of the XLOOKUP, which the office could not reproduce.
    return WithCachedValue(*saved, "<f>_xlfn.XLOOKUP(3,A1:A2,A1:A2)</f>", "<v>3</v>");
}

class RecalculateTest : public testing::Test {
protected:
    static void SetUpTestSuite() {
        work_ = new store::TempDir();
        OfficePoolOptions options;
        options.work_dir = work_->path();
        pool_ = new OfficePool(options);
        ASSERT_TRUE(pool_->Start()) << "LibreOffice did not start";
    }
    static void TearDownTestSuite() {
        delete pool_;
        delete work_;
    }

    static store::TempDir* work_;
    static OfficePool* pool_;
};

store::TempDir* RecalculateTest::work_ = nullptr;
OfficePool* RecalculateTest::pool_ = nullptr;

TEST_F(RecalculateTest, WritesComputedValuesAndReportsErrors) {
    auto report = Recalculate(*pool_, Workbook());
    ASSERT_TRUE(report) << report.error().message << " " << report.error().detail;
    EXPECT_EQ(report->recalculated, 3);
    ASSERT_EQ(report->errors.size(), 1u);
    EXPECT_EQ(report->errors[0].location, "Calc!A4");
    EXPECT_EQ(report->errors[0].error, "#DIV/0!");
    EXPECT_EQ(report->not_recalculated, std::vector<std::string>{"Calc!A5"});

    auto workbook = xlsx::Workbook::Open(report->xlsx);
    ASSERT_TRUE(workbook);
    auto range = workbook->ReadRange("Calc", "A3:A6", 10);
    ASSERT_TRUE(range);
    EXPECT_EQ(range->rows[0][0].value.number, 6);
    EXPECT_EQ(range->rows[1][0].value.text, "#DIV/0!");
    EXPECT_EQ(range->rows[2][0].value.number, 3);  // Excel's value, kept
    EXPECT_EQ(range->rows[3][0].value.text, "2x");
    EXPECT_EQ(range->rows[0][0].formula, "A1*A2");
}

// A turn that made a formula fail (say A2=0 under =A1/A2) left the value Excel had stored
// before, in the workbook and its exports, and the error went unreported.
TEST_F(RecalculateTest, AnErrorATurnCausedReplacesTheStaleValueAndIsReported) {
    std::string bytes = WithCachedValue(Workbook(), "<f>A1/0</f>", "<v>7</v>");
    auto report = Recalculate(*pool_, bytes);
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->errors.size(), 1u);
    EXPECT_EQ(report->errors[0].location, "Calc!A4");
    EXPECT_EQ(report->errors[0].error, "#DIV/0!");
    EXPECT_EQ(report->recalculated, 3);

    auto package = ooxml::Package::Open(report->xlsx);
    ASSERT_TRUE(package);
    std::string sheet = *package->ReadPart("xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find(R"(<c r="A4" t="e"><f>A1/0</f><v>#DIV/0!</v></c>)"), std::string::npos)
        << sheet;
}

// =A5+1 over an XLOOKUP in A5 was stored as #NAME? and reported as a formula error.
TEST_F(RecalculateTest, CellsThatReadAnUnknownFunctionKeepExcelsValues) {
    std::string bytes = Workbook({{"A7", CellValue::Formula("A5+1")},
                                  {"A8", CellValue::Formula("SUM(A5:A7)*2")},
                                  {"C1", CellValue::Formula("A3+1")}});
    bytes = WithCachedValue(bytes, "<f>A5+1</f>", "<v>4</v>");
    auto report = Recalculate(*pool_, bytes);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->not_recalculated,
              (std::vector<std::string>{"Calc!A5", "Calc!A7", "Calc!A8"}));
    ASSERT_EQ(report->errors.size(), 1u);
    EXPECT_EQ(report->errors[0].location, "Calc!A4");
    EXPECT_EQ(report->recalculated, 4);

    auto workbook = xlsx::Workbook::Open(report->xlsx);
    ASSERT_TRUE(workbook);
    auto range = workbook->ReadRange("Calc", "A7:C8", 10);
    ASSERT_TRUE(range);
    EXPECT_EQ(range->rows[0][0].value.number, 4);                      // Excel's value, kept
    EXPECT_EQ(range->rows[1][0].value.kind, CellValue::Kind::kEmpty);  // none stored, none made
    auto c1 = workbook->ReadRange("Calc", "C1", 1);
    ASSERT_TRUE(c1);
    EXPECT_EQ(c1->rows[0][0].value.number, 7);
}

// A workbook that was fine in Excel showed #VALUE! wherever a formula called one of its VBA
// functions (SROUND, CROUND, TROUND), which the office does not run, or read such a cell
// (=IF(F8-G24<0,0,F8-G24) on Schedule B).
TEST_F(RecalculateTest, MacroFunctionsAndTheCellsThatReadThemKeepExcelsValues) {
    std::ifstream in(std::string(QUIRE_SHARED_DIR) + "/corpus/xlsx/poi-stress002.xlsx",
                     std::ios::binary);
    ASSERT_TRUE(in) << "corpus file missing";
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto report = Recalculate(*pool_, bytes);
    ASSERT_TRUE(report) << report.error().message;
    for (const FormulaError& error : report->errors) {
        ADD_FAILURE() << error.location << " " << error.error << " =" << error.formula;
    }
    for (const char* cell : {"Schedule D!C18", "Schedule B!F5", "Schedule B!G25",
                             "CS Worksheet!M31", "Schedule E!G36"}) {
        EXPECT_NE(std::find(report->not_recalculated.begin(), report->not_recalculated.end(), cell),
                  report->not_recalculated.end())
            << cell;
    }
    EXPECT_GT(report->recalculated, 100);

    auto workbook = xlsx::Workbook::Open(report->xlsx);
    ASSERT_TRUE(workbook);
    auto g25 = workbook->ReadRange("Schedule B", "G25", 1);
    ASSERT_TRUE(g25);
    EXPECT_EQ(g25->rows[0][0].value.kind, CellValue::Kind::kNumber);
    EXPECT_EQ(g25->rows[0][0].value.number, 0);
}

TEST_F(RecalculateTest, PartsWithoutFormulasStayByteForByte) {
    std::string before = Workbook();
    auto report = Recalculate(*pool_, before);
    ASSERT_TRUE(report);
    auto old_package = ooxml::Package::Open(before);
    auto new_package = ooxml::Package::Open(report->xlsx);
    ASSERT_TRUE(old_package && new_package);
    for (const std::string& part : old_package->PartNames()) {
        if (part == "xl/worksheets/sheet1.xml") continue;
        EXPECT_EQ(*old_package->ReadPart(part), *new_package->ReadPart(part)) << part;
    }
}

// CONCAT, IFS and TEXTJOIN were stored without the prefix the file format gives them, and the
// office answered #NAME? for each; XLOOKUP, which Excel would have shown as #NAME? too, was
// merely reported as not recalculated.
TEST_F(RecalculateTest, NewerFunctionsWereWrittenWithoutTheirPrefix) {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Calc"));
    std::vector<xlsx::CellEdit> edits = {
        {"A1", CellValue::Formula("CONCAT(\"a\",\"b\")")},
        {"A2", CellValue::Formula("ifs(A1=\"ab\",7,TRUE,0)")},
        {"A3", CellValue::Formula("TEXTJOIN(\"-\",TRUE,\"x\",\"y\")")},
        {"A4", CellValue::Formula("XLOOKUP(7,A2:A3,A1:A2)")},
    };
    ASSERT_TRUE(workbook.SetCells("Calc", edits));
    auto saved = workbook.Save();
    ASSERT_TRUE(saved);
    std::string sheet = *ooxml::Package::Open(*saved)->ReadPart("xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find("<f>_xlfn.XLOOKUP(7,A2:A3,A1:A2)</f>"), std::string::npos) << sheet;

    auto report = Recalculate(*pool_, *saved);
    ASSERT_TRUE(report) << report.error().message << " " << report.error().detail;
    EXPECT_TRUE(report->errors.empty())
        << report->errors.front().location << " " << report->errors.front().error;
    EXPECT_EQ(report->recalculated, 3);
    EXPECT_EQ(report->not_recalculated, std::vector<std::string>{"Calc!A4"});
    ASSERT_EQ(report->computed.size(), 3u);
    EXPECT_EQ(report->computed[0].formula, "CONCAT(\"a\",\"b\")");
    EXPECT_EQ(report->computed[0].value.text, "ab");
    EXPECT_EQ(report->computed[1].formula, "IFS(A1=\"ab\",7,TRUE,0)");
    EXPECT_EQ(report->computed[1].value.kind, RecalculatedCell::Kind::kNumber);
    EXPECT_EQ(report->computed[1].value.number, 7);
    EXPECT_EQ(report->computed[2].value.text, "x-y");
}

TEST(RecalculateFormulas, FunctionsUnknownToTheOfficeAreRecognised) {
    EXPECT_TRUE(UsesFunctionsUnknownToOffice("_xlfn.XLOOKUP(A1,B:B,C:C)"));
    EXPECT_TRUE(UsesFunctionsUnknownToOffice("SUM(_xlfn._xlws.FILTER(A1:A9,B1:B9>0))"));
    EXPECT_TRUE(UsesFunctionsUnknownToOffice("let(x,1,x+1)"));
    EXPECT_FALSE(UsesFunctionsUnknownToOffice("VLOOKUP(A1,B:C,2,FALSE)"));
    EXPECT_FALSE(UsesFunctionsUnknownToOffice("SORTED_TOTAL+1"));
    EXPECT_FALSE(UsesFunctionsUnknownToOffice("\"XLOOKUP\"&A1"));
}

// Formulas are stored with the prefixes of newer functions: those still name what the office
// does not know.
TEST(RecalculateFormulas, FunctionsUnknownToTheOfficeAreRecognisedAsStored) {
    for (std::string_view name : {"XLOOKUP", "XMATCH", "FILTER", "SORT", "SORTBY", "UNIQUE",
                                  "SEQUENCE", "RANDARRAY", "TEXTSPLIT", "VSTACK", "TAKE"}) {
        std::string stored = xlsx::AddFunctionPrefixes(std::string(name) + "(A1:A3)");
        EXPECT_TRUE(stored.starts_with("_xlfn.")) << stored;
        EXPECT_TRUE(UsesFunctionsUnknownToOffice(stored)) << stored;
    }
    EXPECT_FALSE(UsesFunctionsUnknownToOffice(xlsx::AddFunctionPrefixes("CONCAT(A1:A3)")));
}

}  // namespace
}  // namespace quire::convert
