// The "report from a CSV" recipe, through the offline agent and on its own.

#include "agent/excel_report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/agent.hpp"
#include "ooxml/xlsx/csv_table.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "shared_dir.hpp"

namespace quire::agent {
namespace {

std::string ReadData(const char* name) {
    std::ifstream in(quire::test_support::SharedDir() / "data" / name, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    EXPECT_FALSE(buffer.str().empty()) << name;
    return buffer.str();
}

TurnOutput ReportTurn(const char* prompt, const char* file) {
    TurnInput input;
    input.format = DocumentFormat::kExcel;
    input.prompt = prompt;
    input.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    input.data_sources.push_back({file, "csv", ReadData(file)});
    Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
    EXPECT_TRUE(output) << output.error().message;
    return output ? *output : TurnOutput{};
}

std::string Formula(const xlsx::Workbook& workbook, std::string_view sheet, std::string_view ref) {
    Result<xlsx::CellValue> cell = workbook.GetCell(sheet, ref);
    EXPECT_TRUE(cell) << cell.error().message;
    EXPECT_EQ(cell->kind, xlsx::CellValue::Kind::kFormula) << ref;
    return cell->text;
}

TEST(ClassifyColumns, FindsNumbersDatesAndAFewCategories) {
    Result<xlsx::CsvTable> table = xlsx::ParseCsv(ReadData("seattle-weather.csv"));
    ASSERT_TRUE(table);
    ColumnRoles roles = ClassifyColumns(*table);
    EXPECT_EQ(roles.date, 0);                                  // date
    EXPECT_EQ(roles.numeric, (std::vector<int>{1, 2, 3, 4}));  // precipitation .. wind
    EXPECT_EQ(roles.category, 5);                              // weather: five kinds
}

TEST(ClassifyColumns, IdentifiersAreNoCategories) {
    Result<xlsx::CsvTable> table =
        xlsx::ParseCsv("code,amount\nA1,1\nB2,2\nC3,3\nD4,4\nE5,5\nF6,6\n");
    ASSERT_TRUE(table);
    EXPECT_EQ(ClassifyColumns(*table).category, -1);
}

TEST(CsvReport, WeatherDataGetsATableSummaryFormulasAndALineChart) {
    TurnOutput output = ReportTurn("Make a report from this data", "seattle-weather.csv");
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(output.document);
    ASSERT_TRUE(workbook);

    Result<std::vector<xlsx::TableInfo>> tables = workbook->Tables();
    ASSERT_TRUE(tables);
    ASSERT_EQ(tables->size(), 1u);
    EXPECT_EQ((*tables)[0].name, "tbl_seattle_weather");
    EXPECT_EQ((*tables)[0].range, "A1:F1462");

    EXPECT_EQ(Formula(*workbook, "Summary", "B4"), "SUM('seattle-weather'!$B$2:$B$1462)");
    EXPECT_EQ(Formula(*workbook, "Summary", "E7"), "MAX('seattle-weather'!$E$2:$E$1462)");
    EXPECT_EQ(Formula(*workbook, "Summary", "B10"), "MIN('seattle-weather'!$A$2:$A$1462)");
    Result<xlsx::CellValue> first_kind = workbook->GetCell("Summary", "A14");
    ASSERT_TRUE(first_kind);
    EXPECT_EQ(first_kind->text, "drizzle");
    EXPECT_EQ(Formula(*workbook, "Summary", "B14"), "COUNTIF('seattle-weather'!$F$2:$F$1462,A14)");

    Result<std::vector<xlsx::ChartInfo>> charts = workbook->Charts();
    ASSERT_TRUE(charts);
    ASSERT_EQ(charts->size(), 1u);
    EXPECT_EQ((*charts)[0].type, "line");
    EXPECT_EQ((*charts)[0].sheet, "Summary");
    EXPECT_EQ((*charts)[0].series.size(), 3u);
    std::size_t checked = 0;
    EXPECT_TRUE(workbook->CheckFormulas(10, &checked)->empty());
    EXPECT_GT(checked, 20u);
    EXPECT_EQ(output.summary.find("Not acted on"), std::string::npos) << output.summary;
    EXPECT_NE(output.summary.find("line chart"), std::string::npos) << output.summary;
    // It once said "... count of 4 columns per weather", as if every figure were per category.
    EXPECT_NE(output.summary.find("count of 4 columns, the first and last date, and the count "
                                  "and total precipitation per weather"),
              std::string::npos)
        << output.summary;
}

TEST(CsvReport, BothSheetsPrintLandscapeOnePageWideWithTheHeaderOnEveryPage) {
    TurnOutput output = ReportTurn("Make a report from this data", "seattle-weather.csv");
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(output.document);
    ASSERT_TRUE(workbook);
    for (const char* sheet : {"seattle-weather", "Summary"}) {
        Result<xlsx::PageSetup> setup = workbook->PageSetupOf(sheet);
        ASSERT_TRUE(setup) << setup.error().message;
        EXPECT_EQ(setup->orientation, "landscape") << sheet;
        EXPECT_EQ(setup->fit_to_width, 1) << sheet;
        EXPECT_EQ(setup->fit_to_height, 0) << sheet << ": as many pages down as it needs";
    }
    EXPECT_EQ(workbook->PageSetupOf("seattle-weather")->print_title_rows, "1:1");
    EXPECT_FALSE(workbook->PageSetupOf("Summary")->print_title_rows);
    EXPECT_NE(output.summary.find("\"seattle-weather\" prints landscape, one page wide, with its "
                                  "header row on every page."),
              std::string::npos)
        << output.summary;
}

TEST(ClassifyColumns, AYearColumnIsATimeAxisNotAFigure) {
    Result<xlsx::CsvTable> table = xlsx::ParseCsv(ReadData("disasters.csv"));
    ASSERT_TRUE(table);
    ColumnRoles roles = ClassifyColumns(*table);
    EXPECT_EQ(roles.date, 1);
    EXPECT_TRUE(roles.date_is_year);
    EXPECT_TRUE(roles.dates_repeat);  // one row per disaster kind and year
    EXPECT_EQ(roles.numeric, std::vector<int>{2});
    EXPECT_EQ(roles.category, 0);
}

TEST(CsvReport, RowsPerCategoryAndYearGetColumnsOfTotalsPerCategory) {
    TurnOutput output = ReportTurn("Summarize the disasters", "disasters.csv");
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(output.document);
    ASSERT_TRUE(workbook);
    EXPECT_EQ(Formula(*workbook, "Summary", "B4"), "SUM(disasters!$C$2:$C$804)");
    Result<xlsx::CellValue> label = workbook->GetCell("Summary", "A10");
    ASSERT_TRUE(label);
    EXPECT_EQ(label->text, "First year");
    Result<std::vector<xlsx::ChartInfo>> charts = workbook->Charts();
    ASSERT_TRUE(charts);
    ASSERT_EQ(charts->size(), 1u) << output.summary;
    EXPECT_EQ((*charts)[0].type, "column");
    EXPECT_EQ((*charts)[0].title, "Total Deaths by Entity");
    EXPECT_EQ((*charts)[0].series, std::vector<std::string>{"Summary!$C$14:$C$24"});
}

// A report of two data sources used to fail: both charts were named "Report chart".
TEST(CsvReport, EveryDataSourceGetsItsOwnSummaryAndChart) {
    TurnInput input;
    input.format = DocumentFormat::kExcel;
    input.prompt = "Make a report from these files";
    input.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    input.data_sources.push_back({"sp500.csv", "csv", ReadData("sp500.csv")});
    input.data_sources.push_back({"iowa-electricity.csv", "csv", ReadData("iowa-electricity.csv")});
    Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_TRUE(output) << output.error().message;
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(output->document);
    ASSERT_TRUE(workbook);
    Result<std::vector<xlsx::SheetInfo>> infos = workbook->Sheets();
    ASSERT_TRUE(infos);
    std::vector<std::string> sheets;
    for (const auto& sheet : *infos) sheets.push_back(sheet.name);
    EXPECT_EQ(sheets,
              (std::vector<std::string>{"sp500", "Summary", "iowa-electricity", "Summary 2"}));
    Result<std::vector<xlsx::ChartInfo>> charts = workbook->Charts();
    ASSERT_TRUE(charts);
    ASSERT_EQ(charts->size(), 2u);
    EXPECT_EQ((*charts)[1].name, "Report chart 2");
}

TEST(CsvReport, AddingASheetNamedSummaryIsNoReportRequest) {
    TurnOutput output = ReportTurn("Add a sheet named Summary", "seattle-weather.csv");
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(output.document);
    ASSERT_TRUE(workbook);
    EXPECT_TRUE(workbook->Tables()->empty());
    EXPECT_EQ(workbook->Sheets()->size(), 2u);
}

}  // namespace
}  // namespace quire::agent
