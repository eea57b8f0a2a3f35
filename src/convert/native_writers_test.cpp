#include "convert/native_writers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "ooxml/docx/document.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "shared_dir.hpp"

namespace quire::convert {
namespace {

using xlsx::CellValue;

std::string WorkbookBytes() {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Summary"));
    EXPECT_TRUE(workbook.AddSheet("Data"));
    std::vector<xlsx::CellEdit> summary = {{"A1", CellValue::Text("total")},
                                           {"B1", CellValue::Number(0.1 + 0.2)}};
    EXPECT_TRUE(workbook.SetCells("Summary", summary));
    std::vector<xlsx::CellEdit> data = {
        {"A1", CellValue::Text("name, with comma")},
        {"B1", CellValue::Text("say \"hi\"")},
        {"A2", CellValue::Text("=HYPERLINK(\"http://x\")")},
        {"B2", CellValue::Text("+1")},
        {"C2", CellValue::Text("-2")},
        {"D2", CellValue::Text("@SUM(A1)")},
        {"A3", CellValue::Number(-2)},
        {"B3", CellValue::Date(45322)},
        {"C3", CellValue::Boolean(true)},
        {"D3", CellValue::Number(1234567.5)},
        {"B5", CellValue::Text("two\nlines")},
    };
    EXPECT_TRUE(workbook.SetCells("Data", data));
    auto bytes = workbook.Save();
    EXPECT_TRUE(bytes);
    return bytes ? *bytes : std::string();
}

TEST(WorkbookToCsv, WritesDisplayedValuesQuotedAsRfc4180) {
    ExportOptions options;
    options.sheet = "data";
    auto csv = WorkbookToCsv(WorkbookBytes(), options);
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_EQ(csv->text,
              "\"name, with comma\",\"say \"\"hi\"\"\",,\r\n"
              "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2,'@SUM(A1)\r\n"
              "-2,2024-01-31,TRUE,1234567.5\r\n"
              ",,,\r\n"
              ",\"two\nlines\",,\r\n");
}

TEST(WorkbookToCsv, RawLeavesFormulaLikeTextAlone) {
    ExportOptions options;
    options.sheet = "Data";
    options.raw = true;
    auto csv = WorkbookToCsv(WorkbookBytes(), options);
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_NE(csv->text.find("\r\n\"=HYPERLINK(\"\"http://x\"\")\",+1,-2,@SUM(A1)\r\n"),
              std::string::npos);
}

TEST(WorkbookToCsv, DefaultIsTheActiveSheetAndNumbersShowFifteenDigits) {
    auto csv = WorkbookToCsv(WorkbookBytes(), ExportOptions{});
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_EQ(csv->text, "total,0.3\r\n");
}

TEST(WorkbookToCsv, UnknownSheetListsTheWorksheets) {
    ExportOptions options;
    options.sheet = "Missing";
    auto csv = WorkbookToCsv(WorkbookBytes(), options);
    ASSERT_FALSE(csv);
    EXPECT_EQ(csv.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(csv.error().message,
              "options.sheet: the workbook has no worksheet named 'Missing'; worksheets: "
              "'Summary', 'Data'");
}

TEST(WorkbookToCsv, ASheetWhoseStyledCellsSpanEveryColumnWritesOnlyItsValues) {
    // Its dimension claims A1:XFD1048576 and its rows carry styled empty cells out to column
    // XFD; the CSV was refused as more than 20 million cells.
    std::ifstream in(test_support::SharedDir() / "corpus" / "xlsx" / "calamine-issue_174.xlsx",
                     std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(bytes.empty());
    auto csv = WorkbookToCsv(bytes, {}, 20'000'000);
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_TRUE(csv->text.starts_with("Your Ref #,Contact Name,Contact Number,Address,City ,"))
        << csv->text.substr(0, 200);
    std::size_t lines = std::count(csv->text.begin(), csv->text.end(), '\n');
    EXPECT_EQ(lines, 2u);
    EXPECT_LT(csv->text.size(), 100'000u);
}

TEST(WorkbookToCsv, FormulasWithoutValuesAreCountedAndWrittenEmpty) {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Sheet1"));
    std::vector<xlsx::CellEdit> cells = {{"A1", CellValue::Number(2)},
                                         {"B1", CellValue::Formula("A1*3")},
                                         {"C1", CellValue::Formula("B1+1")}};
    ASSERT_TRUE(workbook.SetCells("Sheet1", cells));
    auto bytes = workbook.Save();
    ASSERT_TRUE(bytes);
    auto csv = WorkbookToCsv(*bytes, ExportOptions{});
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_EQ(csv->text, "2,,\r\n");
    EXPECT_EQ(csv->formulas_without_values, 2u);
}

TEST(WorkbookToCsv, NotAWorkbookIsInvalidRequest) {
    auto csv = WorkbookToCsv("not a zip", ExportOptions{});
    ASSERT_FALSE(csv);
    EXPECT_EQ(csv.error().code, ErrorCode::kInvalidRequest);
}

TEST(GuardQuotedFormulaText, QuotedTextIsGuardedAndNumbersAreNot) {
    EXPECT_EQ(GuardQuotedFormulaText("\"=1+2\",-4,\"-x\"\r\n\"a \"\"=b\"\"\",\"@s\",+5\r\n"),
              "\"'=1+2\",-4,\"'-x\"\r\n\"a \"\"=b\"\"\",\"'@s\",+5\r\n");
    EXPECT_EQ(GuardQuotedFormulaText("\"two\nlines\",\"=x\"\n"), "\"two\nlines\",\"'=x\"\n");
    EXPECT_EQ(GuardQuotedFormulaText(""), "");
}

TEST(DocumentToText, OneLinePerParagraph) {
    auto docx = docx::BuildDocument("Quarterly memo", {"First point.", "Second\tpoint."});
    ASSERT_TRUE(docx);
    auto text = DocumentToText(*docx);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, "Quarterly memo\nFirst point.\nSecond\tpoint.\n");
}

TEST(DocumentToText, NotADocumentIsInvalidRequest) {
    auto text = DocumentToText(WorkbookBytes());
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace quire::convert
