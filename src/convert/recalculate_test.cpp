#include "convert/recalculate.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "convert/office_pool.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::convert {
namespace {

using xlsx::CellValue;

// A workbook whose formulas have no cached values yet, plus an XLOOKUP that Excel calculated.
std::string Workbook() {
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
    EXPECT_TRUE(workbook.SetCells("Calc", edits));
    auto saved = workbook.Save();
    EXPECT_TRUE(saved);

    // Excel's cached value of the XLOOKUP, which the office could not reproduce.
    auto package = ooxml::Package::Open(*saved);
    EXPECT_TRUE(package);
    std::string sheet = *package->ReadPart("xl/worksheets/sheet1.xml");
    std::string formula = "<f>_xlfn.XLOOKUP(3,A1:A2,A1:A2)</f>";
    auto at = sheet.find(formula);
    EXPECT_NE(at, std::string::npos) << sheet;
    sheet.insert(at + formula.size(), "<v>3</v>");
    package->WritePart("xl/worksheets/sheet1.xml", sheet);
    return *package->Save();
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

// A workbook that was fine in Excel got errors wherever LibreOffice computed one instead of
// Excel's value (seen in poi-stress002.xlsx, =IF(F8-G24<0,0,F8-G24) became #VALUE!).
TEST_F(RecalculateTest, AnErrorTheOfficeComputesNeverReplacesExcelsValue) {
    std::string bytes = Workbook();
    auto package = ooxml::Package::Open(bytes);
    ASSERT_TRUE(package);
    std::string sheet = *package->ReadPart("xl/worksheets/sheet1.xml");
    std::string formula = "<f>A1/0</f>";
    auto at = sheet.find(formula);
    ASSERT_NE(at, std::string::npos) << sheet;
    sheet.insert(at + formula.size(), "<v>7</v>");  // as if Excel had computed 7 there
    package->WritePart("xl/worksheets/sheet1.xml", sheet);
    auto report = Recalculate(*pool_, *package->Save());
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->errors.empty());
    EXPECT_EQ(report->kept_excel_values, std::vector<std::string>{"Calc!A4"});
    EXPECT_EQ(report->recalculated, 2);
    auto workbook = xlsx::Workbook::Open(report->xlsx);
    ASSERT_TRUE(workbook);
    auto range = workbook->ReadRange("Calc", "A4", 10);
    ASSERT_TRUE(range);
    EXPECT_EQ(range->rows[0][0].value.number, 7);
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

TEST(RecalculateFormulas, FunctionsUnknownToTheOfficeAreRecognised) {
    EXPECT_TRUE(UsesFunctionsUnknownToOffice("_xlfn.XLOOKUP(A1,B:B,C:C)"));
    EXPECT_TRUE(UsesFunctionsUnknownToOffice("SUM(_xlfn._xlws.FILTER(A1:A9,B1:B9>0))"));
    EXPECT_TRUE(UsesFunctionsUnknownToOffice("let(x,1,x+1)"));
    EXPECT_FALSE(UsesFunctionsUnknownToOffice("VLOOKUP(A1,B:C,2,FALSE)"));
    EXPECT_FALSE(UsesFunctionsUnknownToOffice("SORTED_TOTAL+1"));
    EXPECT_FALSE(UsesFunctionsUnknownToOffice("\"XLOOKUP\"&A1"));
}

}  // namespace
}  // namespace quire::convert
