#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "ooxml/chart/chart_part.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_testing.hpp"

namespace quire::xlsx {
namespace {

using workbook_testing::Contains;
using workbook_testing::MustOpen;
using workbook_testing::MustOpenPackage;
using workbook_testing::MustSave;
using workbook_testing::PartText;
using workbook_testing::ReadCorpus;

using chart::ChartSpec;
using chart::ChartType;
using chart::SeriesSpec;
using ooxml::Package;
// A workbook with a "Data" sheet: months in A2:A4, two series in B and C with headers in row 1,
// and an empty "Report" sheet.
Workbook SalesWorkbook() {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    EXPECT_TRUE(workbook.AddSheet("Report"));
    std::vector<CellEdit> edits = {
        {"A1", CellValue::Text("Month")}, {"B1", CellValue::Text("North")},
        {"C1", CellValue::Text("South")}, {"A2", CellValue::Text("Jan")},
        {"A3", CellValue::Text("Feb")},   {"A4", CellValue::Text("Mar")},
        {"B2", CellValue::Number(10)},    {"B3", CellValue::Number(12.5)},
        {"B4", CellValue::Number(9)},     {"C2", CellValue::Number(7)},
        {"C3", CellValue::Number(8)},     {"C4", CellValue::Formula("C3*2")},
    };
    EXPECT_TRUE(workbook.SetCells("Data", edits));
    return workbook;
}

ChartSpec SalesSpec(ChartType type = ChartType::kColumn) {
    ChartSpec spec;
    spec.type = type;
    spec.title = "Sales by month";
    spec.series.push_back({"", "Data!B1", "", "Data!A2:A4", {}, false, "Data!B2:B4", {}});
    if (type != ChartType::kPie) {
        spec.series.push_back({"South", "", "", "A2:A4", {}, false, "=Data!$C$2:$C$4", {}});
    }
    // Month names are no x values; a scatter plots the points at 1, 2, 3.
    if (type == ChartType::kScatter) {
        for (SeriesSpec& series : spec.series) series.categories_ref.clear();
    }
    return spec;
}

// Writes three numbers into column ZZ of a corpus sheet, whose own cells may hold only text, and
// returns their range for a chart to plot.
std::string NumbersToPlot(Workbook& workbook, std::string_view sheet) {
    std::vector<CellEdit> edits = {{"ZZ1", CellValue::Number(3)},
                                   {"ZZ2", CellValue::Number(1)},
                                   {"ZZ3", CellValue::Number(2)}};
    Status set = workbook.SetCells(sheet, edits);
    EXPECT_TRUE(set) << set.error().message;
    return "ZZ1:ZZ3";
}

ChartInfo MustAdd(Workbook& workbook, std::string_view sheet, const ChartSpec& spec,
                  std::string_view anchor, std::string_view name = "") {
    Result<ChartInfo> added = workbook.AddChart(sheet, spec, anchor, name);
    EXPECT_TRUE(added) << added.error().message;
    return added ? *added : ChartInfo{};
}

std::vector<ChartInfo> MustList(const Workbook& workbook) {
    Result<std::vector<ChartInfo>> charts = workbook.Charts();
    EXPECT_TRUE(charts) << charts.error().message;
    return charts ? *charts : std::vector<ChartInfo>{};
}

TEST(WorkbookCharts, AddChartWritesDrawingChartRelationshipsAndContentTypes) {
    Workbook workbook = SalesWorkbook();
    ChartInfo added = MustAdd(workbook, "Report", SalesSpec(), "E2");
    EXPECT_EQ(added.name, "Chart 1");
    EXPECT_EQ(added.anchor, "E2:L16");
    EXPECT_EQ(added.type, "column");

    std::string bytes = MustSave(workbook);
    std::string sheet = PartText(bytes, "xl/worksheets/sheet2.xml");
    EXPECT_TRUE(Contains(sheet, "<drawing r:id=\"rId1\"/></worksheet>")) << sheet;
    EXPECT_LT(sheet.find("<pageMargins"), sheet.find("<drawing")) << "schema order";
    EXPECT_TRUE(Contains(PartText(bytes, "xl/worksheets/_rels/sheet2.xml.rels"),
                         "relationships/drawing\" Target=\"/xl/drawings/drawing1.xml\""));
    std::string drawing = PartText(bytes, "xl/drawings/drawing1.xml");
    EXPECT_TRUE(Contains(drawing, "<xdr:cNvPr id=\"2\" name=\"Chart 1\"/>"));
    EXPECT_TRUE(Contains(drawing,
                         "<a:graphic><a:graphicData uri=\"http://schemas.openxmlformats"
                         ".org/drawingml/2006/chart\"><c:chart xmlns:c="));
    EXPECT_TRUE(Contains(drawing,
                         "<xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff>"
                         "<xdr:row>1</xdr:row>"));
    EXPECT_TRUE(Contains(PartText(bytes, "xl/drawings/_rels/drawing1.xml.rels"),
                         "relationships/chart\" Target=\"/xl/charts/chart1.xml\""));
    std::string types = PartText(bytes, "[Content_Types].xml");
    EXPECT_TRUE(Contains(types,
                         "PartName=\"/xl/drawings/drawing1.xml\" ContentType=\"application/"
                         "vnd.openxmlformats-officedocument.drawing+xml\""));
    EXPECT_TRUE(Contains(types,
                         "PartName=\"/xl/charts/chart1.xml\" ContentType=\"application/"
                         "vnd.openxmlformats-officedocument.drawingml.chart+xml\""));

    std::string chart = PartText(bytes, "xl/charts/chart1.xml");
    EXPECT_TRUE(Contains(chart,
                         "<c:tx><c:strRef><c:f>Data!$B$1</c:f><c:strCache><c:ptCount "
                         "val=\"1\"/><c:pt idx=\"0\"><c:v>North</c:v>"));
    EXPECT_TRUE(Contains(chart,
                         "<c:f>Data!$B$2:$B$4</c:f><c:numCache><c:formatCode>General"
                         "</c:formatCode><c:ptCount val=\"3\"/><c:pt idx=\"0\"><c:v>10"));
    EXPECT_TRUE(Contains(chart, "<c:pt idx=\"1\"><c:v>Feb</c:v></c:pt>"));
}

TEST(WorkbookCharts, EveryTypeIsListedBackAfterSaving) {
    Workbook workbook = SalesWorkbook();
    std::vector<ChartType> types = {ChartType::kColumn, ChartType::kBar, ChartType::kLine,
                                    ChartType::kArea,   ChartType::kPie, ChartType::kDoughnut,
                                    ChartType::kScatter};
    for (std::size_t i = 0; i < types.size(); ++i) {
        std::string anchor = fmt::format("A{}:H{}", 1 + 20 * i, 15 + 20 * i);
        MustAdd(workbook, "Report", SalesSpec(types[i]), anchor);
    }
    Workbook reopened = MustOpen(MustSave(workbook));
    std::vector<ChartInfo> charts = MustList(reopened);
    ASSERT_EQ(charts.size(), types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
        SCOPED_TRACE(charts[i].name);
        EXPECT_EQ(charts[i].name, fmt::format("Chart {}", i + 1));
        EXPECT_EQ(charts[i].sheet, "Report");
        EXPECT_EQ(charts[i].type, chart::ChartTypeName(types[i]));
        EXPECT_EQ(charts[i].anchor, fmt::format("A{}:H{}", 1 + 20 * i, 15 + 20 * i));
        EXPECT_EQ(charts[i].title, "Sales by month");
        ASSERT_FALSE(charts[i].series.empty());
        EXPECT_EQ(charts[i].series[0], "Data!$B$2:$B$4");
    }
    EXPECT_EQ(charts[0].series, (std::vector<std::string>{"Data!$B$2:$B$4", "Data!$C$2:$C$4"}));
}

TEST(WorkbookCharts, ChartsShareTheSheetsDrawingWithDistinctShapeIds) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Data", SalesSpec(), "E2");
    MustAdd(workbook, "Data", SalesSpec(ChartType::kLine), "E20", "Trend");
    std::string bytes = MustSave(workbook);
    Package package = MustOpenPackage(bytes);
    EXPECT_FALSE(package.HasPart("xl/drawings/drawing2.xml"));
    std::string drawing = PartText(bytes, "xl/drawings/drawing1.xml");
    EXPECT_TRUE(Contains(drawing, "<xdr:cNvPr id=\"2\" name=\"Chart 1\"/>"));
    EXPECT_TRUE(Contains(drawing, "<xdr:cNvPr id=\"3\" name=\"Trend\"/>"));
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 2u);
    EXPECT_EQ(charts[1].name, "Trend");
    EXPECT_EQ(charts[1].anchor, "E20:L34");
}

TEST(WorkbookCharts, SheetNamesThatNeedQuotesAreQuoted) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("It's data"));
    ASSERT_TRUE(workbook.SetCells("It's data", std::vector<CellEdit>{
                                                   {"A1", CellValue::Number(1)},
                                                   {"A2", CellValue::Number(2)},
                                               }));
    ChartSpec spec;
    spec.series.push_back({"Ones", "", "", "", {}, false, "'it''s data'!a1:a2", {}});
    ChartInfo added = MustAdd(workbook, "It's data", spec, "C1:H10");
    EXPECT_EQ(added.series, (std::vector<std::string>{"'It''s data'!$A$1:$A$2"}));
    std::vector<ChartInfo> charts = MustList(MustOpen(MustSave(workbook)));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].series[0], "'It''s data'!$A$1:$A$2");
    EXPECT_EQ(charts[0].title, "");
}

TEST(WorkbookCharts, NamesAndTitlesWithMarkupAreStoredAsText) {
    Workbook workbook = SalesWorkbook();
    ChartSpec spec = SalesSpec();
    spec.title = "Q1 <b>&amp;</b>";
    MustAdd(workbook, "Report", spec, "B2", "R&D \"<main>\"");
    const std::string bytes = MustSave(workbook);
    EXPECT_TRUE(
        Contains(PartText(bytes, "xl/drawings/drawing1.xml"), "name=\"R&amp;D &quot;&lt;main"));
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].name, "R&D \"<main>\"");
    EXPECT_EQ(charts[0].title, "Q1 <b>&amp;</b>");
}

TEST(WorkbookCharts, PrefixedWorksheetsGetAPrefixedDrawingElement) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    Package package = MustOpenPackage(MustSave(workbook));
    package.WritePart(
        "xl/worksheets/sheet1.xml",
        "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<x:sheetData><x:row r=\"1\"><x:c r=\"A1\"><x:v>1</x:v></x:c></x:row></x:sheetData>"
        "<x:pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" "
        "footer=\"0.3\"/><x:tableParts count=\"0\"/></x:worksheet>");
    Workbook edited = MustOpen(*package.Save());
    ChartSpec spec;
    spec.series.push_back({"", "", "", "", {}, false, "A1", {}});
    MustAdd(edited, "Data", spec, "C3");
    std::string sheet = PartText(MustSave(edited), "xl/worksheets/sheet1.xml");
    EXPECT_TRUE(Contains(sheet, "<x:drawing r:id=\"rId1\"/><x:tableParts")) << sheet;
    EXPECT_TRUE(Contains(sheet,
                         "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                         "relationships\""));
    EXPECT_EQ(MustList(MustOpen(MustSave(edited))).size(), 1u);
}

TEST(WorkbookCharts, NumericCategoriesAreCachedAsNumbers) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Years"));
    ASSERT_TRUE(workbook.SetCells("Years", std::vector<CellEdit>{
                                               {"A1", CellValue::Number(2021)},
                                               {"A2", CellValue::Number(2022)},
                                               {"B1", CellValue::Number(3)},
                                               {"B2", CellValue::Number(4)},
                                           }));
    ChartSpec spec;
    spec.type = ChartType::kScatter;
    spec.series.push_back({"", "", "", "A1:A2", {}, false, "B1:B2", {}});
    MustAdd(workbook, "Years", spec, "D1");
    std::string chart = PartText(MustSave(workbook), "xl/charts/chart1.xml");
    EXPECT_TRUE(Contains(chart, "<c:xVal><c:numRef><c:f>Years!$A$1:$A$2</c:f><c:numCache>"));
    EXPECT_TRUE(Contains(chart, "<c:v>2022</c:v>"));
}

// Each row: what is wrong, the call, and the code it must fail with.
TEST(WorkbookCharts, BadRequestsFailAndChangeNothing) {
    struct Case {
        std::string what;
        std::string sheet;
        ChartSpec spec;
        std::string anchor;
        std::string name;
        ErrorCode code;
        std::string message_part;
    };
    ChartSpec missing_sheet = SalesSpec();
    missing_sheet.series[1].values_ref = "Nowhere!B2:B4";
    ChartSpec square = SalesSpec();
    square.series[0].values_ref = "Data!B2:C4";
    ChartSpec pie_two = SalesSpec();
    pie_two.type = ChartType::kPie;
    ChartSpec no_series = SalesSpec();
    no_series.series.clear();
    ChartSpec bad_ref = SalesSpec();
    bad_ref.series[0].values_ref = "Data!B:B";
    ChartSpec wide_name = SalesSpec();
    wide_name.series[0].name_ref = "Data!B1:C1";
    ChartSpec unclosed = SalesSpec();
    unclosed.series[0].categories_ref = "'Data!A2:A4";
    ChartSpec external = SalesSpec();
    external.series[0].values_ref = "[1]Data!B2:B4";
    const std::vector<Case> cases = {
        {"unknown sheet", "Nope", SalesSpec(), "E2", "", ErrorCode::kNotFound, "'Nope'"},
        {"bad anchor", "Report", SalesSpec(), "E2:", "", ErrorCode::kInvalidRequest, "anchor"},
        {"anchor on the last column", "Report", SalesSpec(), "XFD1", "", ErrorCode::kInvalidRequest,
         "edge of the sheet"},
        {"reference to a missing sheet", "Report", missing_sheet, "E2", "", ErrorCode::kNotFound,
         "series[1].values"},
        {"two-dimensional values", "Report", square, "E2", "", ErrorCode::kInvalidRequest,
         "one row or one column"},
        {"pie with two series", "Report", pie_two, "E2", "", ErrorCode::kInvalidRequest, "pie"},
        {"no series", "Report", no_series, "E2", "", ErrorCode::kInvalidRequest, "series"},
        {"whole column", "Report", bad_ref, "E2", "", ErrorCode::kInvalidRequest, "Data!B:B"},
        {"name over two cells", "Report", wide_name, "E2", "", ErrorCode::kInvalidRequest,
         "one cell"},
        {"unclosed quote", "Report", unclosed, "E2", "", ErrorCode::kInvalidRequest,
         "series[0].categories"},
        {"external reference", "Report", external, "E2", "", ErrorCode::kInvalidRequest,
         "external"},
        {"taken name", "Report", SalesSpec(), "E2", "existing", ErrorCode::kInvalidRequest,
         "already has a chart named 'Existing'"},
        {"control character in name", "Report", SalesSpec(), "E2", "a\tb",
         ErrorCode::kInvalidRequest, "control"},
    };
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Data", SalesSpec(), "E2", "Existing");
    const std::string before = MustSave(workbook);
    for (const Case& row : cases) {
        SCOPED_TRACE(row.what);
        Result<ChartInfo> added = workbook.AddChart(row.sheet, row.spec, row.anchor, row.name);
        ASSERT_FALSE(added);
        EXPECT_EQ(added.error().code, row.code);
        EXPECT_TRUE(Contains(added.error().message, row.message_part)) << added.error().message;
        EXPECT_EQ(MustSave(workbook), before);
    }
}

TEST(WorkbookCharts, ChartsheetsTakeNoNewCharts) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    const std::string before = MustSave(workbook);
    ChartSpec spec;
    spec.series.push_back({"", "", "", "", {}, false, "Sheet2!A1:A5", {}});
    Result<ChartInfo> added = workbook.AddChart("Chart1", spec, "A1", "");
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().code, ErrorCode::kInvalidRequest);
    Result<ChartInfo> over_chartsheet =
        workbook.AddChart("Sheet1",
                          ChartSpec{ChartType::kLine,
                                    "",
                                    "",
                                    "",
                                    chart::LegendPosition::kRight,
                                    false,
                                    {{"", "", "", "", {}, false, "Chart1!A1:A5", {}}}},
                          "A1", "");
    ASSERT_FALSE(over_chartsheet);
    EXPECT_TRUE(Contains(over_chartsheet.error().message, "is a chartsheet and has no cells"));
    Result<ChartInfo> moved = workbook.MoveChart("Chart 1", "chart1", "A1");
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(WorkbookCharts, ListsTheChartsOfCorpusWorkbooks) {
    std::vector<ChartInfo> bar14 = MustList(MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx")));
    ASSERT_EQ(bar14.size(), 3u);
    EXPECT_EQ(bar14[0].name, "Chart 1");
    EXPECT_EQ(bar14[0].sheet, "Sheet2");
    EXPECT_EQ(bar14[0].anchor, "E9:L23");
    EXPECT_EQ(bar14[0].type, "bar");
    EXPECT_EQ(bar14[0].series.size(), 3u);
    EXPECT_EQ(bar14[1].anchor, "F25:M39");
    EXPECT_EQ(bar14[2].sheet, "Chart1");
    EXPECT_EQ(bar14[2].anchor, "");
    EXPECT_EQ(bar14[2].type, "column");

    std::vector<ChartInfo> budget =
        MustList(MustOpen(ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx")));
    ASSERT_EQ(budget.size(), 1u) << "the text box beside the chart is no chart";
    EXPECT_EQ(budget[0].name, "IncomeAndExpenses");
    EXPECT_EQ(budget[0].sheet, "Simple Monthly Budget");
    EXPECT_EQ(budget[0].anchor, "E11:I24");
    EXPECT_EQ(budget[0].series, (std::vector<std::string>{"'Simple Monthly Budget'!$E$9:$F$9"}));

    std::vector<ChartInfo> basic =
        MustList(MustOpen(ReadCorpus("xlsx/oxsdk-basicspreadsheet.xlsx")));
    ASSERT_EQ(basic.size(), 1u);
    EXPECT_EQ(basic[0].anchor, "A13:H27") << "estimated from the one-cell anchor's extent";
    EXPECT_EQ(basic[0].series, (std::vector<std::string>{"Sheet1!$G$1:$G$3"}));

    // Its drawings are linked from no sheet, so no sheet shows a chart.
    EXPECT_TRUE(MustList(MustOpen(ReadCorpus("xlsx/calamine-issue_530.xlsx"))).empty());
}

// Every workbook of the corpus that opens lists its charts, and takes one more on its first
// worksheet that is listed after saving and opening again.
TEST(WorkbookCharts, EveryCorpusWorkbookListsItsChartsAndTakesOneMore) {
    int tried = 0;
    for (const test_support::CorpusEntry& entry : test_support::CorpusManifest()) {
        const std::string& file = entry.path;
        if (!file.starts_with("xlsx/") || entry.hostile()) continue;
        SCOPED_TRACE(file);
        Result<Workbook> workbook = Workbook::Open(ReadCorpus(file));
        if (!workbook) continue;
        Result<std::vector<ChartInfo>> before = workbook->Charts();
        ASSERT_TRUE(before) << before.error().message;
        for (const ChartInfo& chart : *before) EXPECT_FALSE(chart.type.empty()) << chart.name;

        Result<std::vector<SheetInfo>> sheets = workbook->Sheets();
        ASSERT_TRUE(sheets);
        auto worksheet = std::find_if(sheets->begin(), sheets->end(),
                                      [](const SheetInfo& s) { return s.kind == "worksheet"; });
        if (worksheet == sheets->end()) continue;
        ChartSpec spec;
        spec.title = "Corpus sweep";
        spec.series.push_back(
            {"", "", "", "", {}, false, NumbersToPlot(*workbook, worksheet->name), {}});
        Result<ChartInfo> added = workbook->AddChart(worksheet->name, spec, "B2", "Sweep chart");
        ASSERT_TRUE(added) << added.error().message;
        Result<std::string> bytes = workbook->Save();
        ASSERT_TRUE(bytes) << bytes.error().message;
        std::vector<ChartInfo> after = MustList(MustOpen(*bytes));
        EXPECT_EQ(after.size(), before->size() + 1);
        EXPECT_TRUE(std::any_of(after.begin(), after.end(), [](const ChartInfo& chart) {
            return chart.name == "Sweep chart" && chart.title == "Corpus sweep";
        }));
        ++tried;
    }
    EXPECT_GT(tried, 10);
}

TEST(WorkbookCharts, AddingToACorpusSheetLeavesOtherPartsByteIdentical) {
    const std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    ChartSpec spec;
    spec.type = ChartType::kPie;
    spec.title = "Income";
    spec.series.push_back({"", "", "", "", {}, false, "'Simple Monthly Budget'!E9:F9", {}});
    ChartInfo added = MustAdd(workbook, "Simple Monthly Budget", spec, "K2");
    EXPECT_EQ(added.name, "Chart 1");
    const std::string saved = MustSave(workbook);

    Package before = MustOpenPackage(original);
    Package after = MustOpenPackage(saved);
    const std::set<std::string> changed = {"[Content_Types].xml", "xl/drawings/drawing1.xml",
                                           "xl/drawings/_rels/drawing1.xml.rels"};
    for (const std::string& part : before.PartNames()) {
        if (changed.contains(part)) continue;
        EXPECT_EQ(*after.ReadPart(part), *before.ReadPart(part)) << part;
    }
    EXPECT_TRUE(Contains(*after.ReadPart("xl/charts/chart2.xml"),
                         "<c:pt idx=\"0\"><c:v>3750</c:v></c:pt><c:pt idx=\"1\"><c:v>2336</c:v>"))
        << "the formulas' saved results are cached";
    std::string drawing = *after.ReadPart("xl/drawings/drawing1.xml");
    EXPECT_TRUE(Contains(drawing, "name=\"IncomeAndExpenses\""));
    EXPECT_TRUE(Contains(drawing, "<xdr:cNvPr id=\"5\" name=\"Chart 1\"/>"));
    std::vector<ChartInfo> charts = MustList(MustOpen(saved));
    ASSERT_EQ(charts.size(), 2u);
    EXPECT_EQ(charts[1].type, "pie");
    EXPECT_EQ(charts[1].title, "Income");
}

TEST(WorkbookCharts, StrictWorkbooksGetStrictDrawingsAndCharts) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets && !sheets->empty());
    const std::string sheet = sheets->front().name;
    ChartSpec spec;
    spec.title = "Strict";
    spec.series.push_back({"", "", "", "", {}, false, NumbersToPlot(workbook, sheet), {}});
    MustAdd(workbook, sheet, spec, "D2");
    const std::string bytes = MustSave(workbook);
    EXPECT_TRUE(Contains(PartText(bytes, "xl/drawings/drawing1.xml"),
                         "xmlns:xdr=\"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing\""));
    EXPECT_TRUE(Contains(PartText(bytes, "xl/charts/chart1.xml"),
                         "xmlns:c=\"http://purl.oclc.org/ooxml/drawingml/chart\""));
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].title, "Strict");
    EXPECT_EQ(charts[0].anchor, "D2:K16");
}

TEST(WorkbookCharts, BackslashPackagesGetFreshPartNames) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/calamine-issue_530.xlsx"));
    ChartSpec spec;
    spec.title = "Fresh";
    spec.series.push_back(
        {"", "", "", "", {}, false, NumbersToPlot(workbook, "出勤分类组织汇总表"), {}});
    ChartInfo added = MustAdd(workbook, "出勤分类组织汇总表", spec, "A1");
    EXPECT_EQ(added.name, "Chart 1");
    const std::string bytes = MustSave(workbook);
    Package package = MustOpenPackage(bytes);
    EXPECT_TRUE(package.HasPart("xl/drawings/drawing3.xml"));
    EXPECT_TRUE(package.HasPart("xl/charts/chart6.xml"));
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].series, (std::vector<std::string>{"'出勤分类组织汇总表'!$ZZ$1:$ZZ$3"}));
}

TEST(WorkbookCharts, AnUnreadableChartPartHidesOnlyItsDetails) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2", "Broken");
    MustAdd(workbook, "Report", SalesSpec(), "B20", "Fine");
    Package package = MustOpenPackage(MustSave(workbook));
    package.WritePart("xl/charts/chart1.xml", "<c:chartSpace");
    Result<std::string> bytes = package.Save();
    ASSERT_TRUE(bytes);
    std::vector<ChartInfo> charts = MustList(MustOpen(*bytes));
    ASSERT_EQ(charts.size(), 2u);
    EXPECT_EQ(charts[0].name, "Broken");
    EXPECT_EQ(charts[0].type, "");
    EXPECT_EQ(charts[0].anchor, "B2:I16");
    EXPECT_EQ(charts[1].type, "column");
}

TEST(WorkbookCharts, MovingWithinASheetRewritesTheAnchor) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2:F10");
    Result<ChartInfo> moved = workbook.MoveChart("chart 1", "Report", "H5");
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->anchor, "H5:L13") << "a corner cell keeps the size in cells";
    moved = workbook.MoveChart("Chart 1", "report", "A1:C3");
    ASSERT_TRUE(moved) << moved.error().message;
    std::vector<ChartInfo> charts = MustList(MustOpen(MustSave(workbook)));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].anchor, "A1:C3");
}

TEST(WorkbookCharts, MovingToAnotherSheetTakesTheChartPartAlong) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2");
    Result<ChartInfo> moved = workbook.MoveChart("Chart 1", "Data", "E2:K12");
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->sheet, "Data");
    const std::string bytes = MustSave(workbook);
    Package package = MustOpenPackage(bytes);

    // The Report sheet's drawing held only this chart and is gone with its link.
    EXPECT_FALSE(Contains(PartText(bytes, "xl/worksheets/sheet2.xml"), "<drawing"));
    EXPECT_FALSE(Contains(PartText(bytes, "xl/worksheets/_rels/sheet2.xml.rels"), "drawing"));
    EXPECT_FALSE(package.HasPart("xl/drawings/drawing1.xml"));
    EXPECT_FALSE(Contains(PartText(bytes, "[Content_Types].xml"), "drawing1.xml"));
    EXPECT_TRUE(Contains(PartText(bytes, "xl/worksheets/sheet1.xml"), "<drawing r:id="));
    EXPECT_TRUE(Contains(PartText(bytes, "xl/drawings/_rels/drawing2.xml.rels"),
                         "Target=\"/xl/charts/chart1.xml\""));
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].sheet, "Data");
    EXPECT_EQ(charts[0].anchor, "E2:K12");
    EXPECT_EQ(charts[0].title, "Sales by month");
}

TEST(WorkbookCharts, MovingACorpusChartKeepsItsPartAndItsNeighbour) {
    const std::string original = ReadCorpus("xlsx/rxw-chart_bar14.xlsx");
    Workbook workbook = MustOpen(original);
    Result<ChartInfo> moved = workbook.MoveChart("Chart 2", "Sheet3", "B2");
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->anchor, "B2:I16");
    const std::string saved = MustSave(workbook);
    EXPECT_EQ(PartText(saved, "xl/charts/chart2.xml"), PartText(original, "xl/charts/chart2.xml"));
    EXPECT_EQ(PartText(saved, "xl/drawings/drawing2.xml"),
              PartText(original, "xl/drawings/drawing2.xml"));
    std::vector<ChartInfo> charts = MustList(MustOpen(saved));
    ASSERT_EQ(charts.size(), 3u);
    EXPECT_EQ(charts[0].name, "Chart 1");
    EXPECT_EQ(charts[0].sheet, "Sheet2");
    EXPECT_EQ(charts[1].name, "Chart 2");
    EXPECT_EQ(charts[1].sheet, "Sheet3");
    EXPECT_EQ(charts[1].series, (std::vector<std::string>{"Sheet2!$A$1:$A$5"}));
}

TEST(WorkbookCharts, MovingAOneCellAnchorMakesItTwoCell) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/oxsdk-basicspreadsheet.xlsx"));
    Result<ChartInfo> moved = workbook.MoveChart("Chart 1", "Sheet1", "J2");
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->anchor, "J2:Q16");
    const std::string bytes = MustSave(workbook);
    std::string drawing = PartText(bytes, "xl/drawings/drawing1.xml");
    auto count = [](std::string_view text, std::string_view needle) {
        std::size_t n = 0;
        for (std::size_t at = text.find(needle); at != std::string_view::npos;
             at = text.find(needle, at + 1)) {
            ++n;
        }
        return n;
    };
    EXPECT_EQ(count(drawing, "<xdr:oneCellAnchor>"), 1u) << "only the diagram stays one-cell";
    EXPECT_TRUE(Contains(drawing, "<xdr:twoCellAnchor><xdr:from><xdr:col>9</xdr:col>"));
    EXPECT_TRUE(Contains(drawing, "name=\"Rectangle 2\"")) << "the shape beside it stays";
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].anchor, "J2:Q16");
}

TEST(WorkbookCharts, FailedMovesChangeNothing) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2");
    const std::string before = MustSave(workbook);
    Result<ChartInfo> unknown_chart = workbook.MoveChart("Chart 9", "Data", "A1");
    ASSERT_FALSE(unknown_chart);
    EXPECT_EQ(unknown_chart.error().code, ErrorCode::kNotFound);
    Result<ChartInfo> unknown_sheet = workbook.MoveChart("Chart 1", "Nope", "A1");
    ASSERT_FALSE(unknown_sheet);
    EXPECT_EQ(unknown_sheet.error().code, ErrorCode::kNotFound);
    Result<ChartInfo> bad_anchor = workbook.MoveChart("Chart 1", "Data", "1A");
    ASSERT_FALSE(bad_anchor);
    EXPECT_EQ(bad_anchor.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(WorkbookCharts, DeletingTheLastChartRemovesTheDrawing) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2");
    MustAdd(workbook, "Report", SalesSpec(), "B20", "Second");
    ASSERT_TRUE(workbook.DeleteChart("chart 1"));
    std::string bytes = MustSave(workbook);
    EXPECT_FALSE(MustOpenPackage(bytes).HasPart("xl/charts/chart1.xml"));
    EXPECT_TRUE(MustOpenPackage(bytes).HasPart("xl/drawings/drawing1.xml"));
    ASSERT_EQ(MustList(MustOpen(bytes)).size(), 1u);

    ASSERT_TRUE(workbook.DeleteChart("Second"));
    bytes = MustSave(workbook);
    Package package = MustOpenPackage(bytes);
    EXPECT_FALSE(package.HasPart("xl/charts/chart2.xml"));
    EXPECT_FALSE(package.HasPart("xl/drawings/drawing1.xml"));
    EXPECT_FALSE(Contains(PartText(bytes, "xl/worksheets/sheet2.xml"), "<drawing"));
    EXPECT_FALSE(Contains(PartText(bytes, "[Content_Types].xml"), "chart"));
    EXPECT_TRUE(MustList(MustOpen(bytes)).empty());

    Status again = workbook.DeleteChart("Second");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST(WorkbookCharts, DeletingACorpusChartLeavesTheOthers) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    ASSERT_TRUE(workbook.DeleteChart("Chart 1", "Sheet2"));
    std::string bytes = MustSave(workbook);
    Package package = MustOpenPackage(bytes);
    EXPECT_FALSE(package.HasPart("xl/charts/chart1.xml"));
    EXPECT_TRUE(package.HasPart("xl/charts/chart2.xml"));
    EXPECT_TRUE(package.HasPart("xl/charts/chart3.xml")) << "the chartsheet's chart stays";
    std::vector<ChartInfo> charts = MustList(MustOpen(bytes));
    ASSERT_EQ(charts.size(), 2u);
    EXPECT_EQ(charts[0].name, "Chart 2");
}

// Excel saves a style and a colour part beside each chart; they go with it unless another chart
// links them too.
TEST(WorkbookCharts, DeletingAChartTakesTheStylePartsOnlyItUses) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2", "Styled");
    MustAdd(workbook, "Report", SalesSpec(), "B20", "Sharing");
    Package package = MustOpenPackage(MustSave(workbook));
    const std::string rel_base = "http://schemas.microsoft.com/office/2011/relationships/chart";
    package.WritePart("xl/charts/style1.xml", "<cs:chartStyle xmlns:cs=\"urn:cs\"/>");
    package.WritePart("xl/charts/colors1.xml", "<cs:colorStyle xmlns:cs=\"urn:cs\"/>");
    package.SetContentTypeOverride("xl/charts/style1.xml",
                                   "application/vnd.ms-office.chartstyle+xml");
    package.SetContentTypeOverride("xl/charts/colors1.xml",
                                   "application/vnd.ms-office.chartcolorstyle+xml");
    package.SetRelationships(
        "xl/charts/chart1.xml",
        {{"rId1", rel_base + "Style", "style1.xml"}, {"rId2", rel_base + "Colors", "colors1.xml"}});
    package.SetRelationships("xl/charts/chart2.xml",
                             {{"rId1", rel_base + "Colors", "colors1.xml"}});
    Workbook styled = MustOpen(*package.Save());

    ASSERT_TRUE(styled.DeleteChart("Styled"));
    Package after = MustOpenPackage(MustSave(styled));
    EXPECT_FALSE(after.HasPart("xl/charts/chart1.xml"));
    EXPECT_FALSE(after.HasPart("xl/charts/_rels/chart1.xml.rels"));
    EXPECT_FALSE(after.HasPart("xl/charts/style1.xml"));
    EXPECT_TRUE(after.HasPart("xl/charts/colors1.xml")) << "chart2 still uses it";
    EXPECT_FALSE(after.ContentType("xl/charts/style1.xml") ==
                 std::optional<std::string>("application/vnd.ms-office.chartstyle+xml"));
}

TEST(WorkbookCharts, RenamingASheetRenamesNewChartReferences) {
    Workbook workbook = SalesWorkbook();
    MustAdd(workbook, "Report", SalesSpec(), "B2");
    ASSERT_TRUE(workbook.RenameSheet("Data", "Sales 2024"));
    std::vector<ChartInfo> charts = MustList(workbook);
    ASSERT_EQ(charts.size(), 1u);
    EXPECT_EQ(charts[0].series[0], "'Sales 2024'!$B$2:$B$4");
}

boost::json::object Args(std::string_view json) { return boost::json::parse(json).as_object(); }

TEST(ChartTools, AddChartReadsNamesAsReferencesOrText) {
    Workbook workbook = SalesWorkbook();
    Result<boost::json::value> result = CallTool(workbook, "add_chart", Args(R"({
        "sheet": "Report", "type": "line", "title": "Trend", "anchor": "B2:H16",
        "series": [{"name": "Data!B1", "categories": "Data!A2:A4", "values": "Data!B2:B4"},
                   {"name": "Forecast", "values": "Data!C2:C4"}],
        "x_axis_title": "Month", "y_axis_title": "Units", "legend": "bottom",
        "data_labels": true})"));
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(boost::json::serialize(*result),
              R"({"chart":"Chart 1","sheet":"Report","anchor":"B2:H16","type":"line","series":2})");
    std::string chart = PartText(MustSave(workbook), "xl/charts/chart1.xml");
    EXPECT_TRUE(Contains(chart, "<c:tx><c:strRef><c:f>Data!$B$1</c:f>"));
    EXPECT_TRUE(Contains(chart, "<c:tx><c:v>Forecast</c:v></c:tx>"));
    EXPECT_TRUE(Contains(chart, "<c:legendPos val=\"b\"/>"));
    EXPECT_TRUE(Contains(chart, "<c:showVal val=\"1\"/>"));
    EXPECT_TRUE(Contains(chart, "<a:t>Units</a:t>"));
}

TEST(ChartTools, BadArgumentsAreNamed) {
    Workbook workbook = SalesWorkbook();
    const std::string before = MustSave(workbook);
    struct Case {
        std::string args;
        std::string message_part;
    };
    const std::vector<Case> cases = {
        {R"({"sheet": "Report", "type": "radar", "anchor": "A1",
             "series": [{"values": "Data!B2:B4"}]})",
         "'type' must be column"},
        {R"({"sheet": "Report", "type": "bar", "anchor": "A1", "series": []})",
         "'series' is empty"},
        {R"({"sheet": "Report", "type": "bar", "anchor": "A1", "series": [{"name": "x"}]})",
         "series[0] needs 'values'"},
        {R"({"sheet": "Report", "type": "bar", "anchor": "A1",
             "series": [{"values": "Data!B2:B4", "colour": "red"}]})",
         "unknown key 'colour'"},
        {R"({"sheet": "Report", "type": "bar", "anchor": "A1", "legend": "middle",
             "series": [{"values": "Data!B2:B4"}]})",
         "'legend' must be"},
        {R"({"sheet": "Report", "type": "bar", "anchor": "A1", "size": 3,
             "series": [{"values": "Data!B2:B4"}]})",
         "unknown argument 'size'"},
        {R"({"sheet": "Report", "type": "bar", "series": [{"values": "Data!B2:B4"}]})",
         "'anchor' is required"},
    };
    for (const Case& row : cases) {
        Result<boost::json::value> result = CallTool(workbook, "add_chart", Args(row.args));
        ASSERT_FALSE(result) << row.args;
        EXPECT_TRUE(Contains(result.error().message, row.message_part)) << result.error().message;
    }
    Result<boost::json::value> move = CallTool(
        workbook, "move_chart", Args(R"({"name": "Chart 1", "sheet": "Data", "anchor": "A1"})"));
    ASSERT_FALSE(move);
    EXPECT_EQ(move.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(ChartTools, SchemasAreListed) {
    boost::json::array tools = boost::json::parse(ToolSchemasJson()).as_array();
    std::set<std::string> names;
    for (const boost::json::value& tool : tools) {
        names.insert(std::string(tool.at("name").as_string()));
        EXPECT_TRUE(tool.at("input_schema").is_object());
    }
    EXPECT_TRUE(names.contains("add_chart"));
    EXPECT_TRUE(names.contains("move_chart"));
    EXPECT_TRUE(names.contains("delete_chart"));
}

TEST(ChartTools, MoveAndDeleteReportWhatTheyDid) {
    Workbook workbook = SalesWorkbook();
    ASSERT_TRUE(CallTool(workbook, "add_chart", Args(R"({"sheet": "Report", "type": "pie",
        "anchor": "A1", "name": "Share", "series": [{"values": "Data!B2:B4"}]})")));
    Result<boost::json::value> moved = CallTool(
        workbook, "move_chart", Args(R"({"name": "share", "sheet": "Data", "anchor": "E1:J9"})"));
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(boost::json::serialize(*moved),
              R"({"chart":"Share","sheet":"Data","anchor":"E1:J9"})");
    Result<boost::json::value> deleted =
        CallTool(workbook, "delete_chart", Args(R"({"name": "Share"})"));
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_TRUE(MustList(workbook).empty());
}

// ---- Cached data and checks of the cells ------------------------------------------------------

// A "Data" sheet with `rows` days from 2024-01-01 in A (dates) and numbers in B, under headers.
Workbook DailyWorkbook(int rows) {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    std::vector<CellEdit> edits = {{"A1", CellValue::Text("Day")},
                                   {"B1", CellValue::Text("Visits")}};
    for (int i = 0; i < rows; ++i) {
        edits.push_back({fmt::format("A{}", i + 2), CellValue::Date(45292 + i)});
        edits.push_back({fmt::format("B{}", i + 2), CellValue::Number(100 + i % 17)});
    }
    EXPECT_TRUE(workbook.SetCells("Data", edits));
    return workbook;
}

ChartSpec DailySpec(int rows, ChartType type = ChartType::kLine) {
    ChartSpec spec;
    spec.type = type;
    spec.title = "Visits";
    spec.series.push_back({"",
                           "Data!B1",
                           "",
                           fmt::format("Data!A2:A{}", rows + 1),
                           {},
                           false,
                           fmt::format("Data!B2:B{}", rows + 1),
                           {}});
    return spec;
}

TEST(WorkbookCharts, DateCategoriesAreCachedWithTheirDateFormatNotAsBareSerials) {
    Workbook workbook = DailyWorkbook(3);
    MustAdd(workbook, "Data", DailySpec(3), "D2");
    const std::string chart = PartText(MustSave(workbook), "xl/charts/chart1.xml");
    EXPECT_TRUE(Contains(chart,
                         "<c:cat><c:numRef><c:f>Data!$A$2:$A$4</c:f><c:numCache>"
                         "<c:formatCode>yyyy-mm-dd</c:formatCode>"))
        << chart;
    EXPECT_TRUE(Contains(chart, "<c:pt idx=\"0\"><c:v>45292</c:v></c:pt>"));
    EXPECT_TRUE(Contains(chart, "<c:numFmt formatCode=\"yyyy-mm-dd\" sourceLinked=\"1\"/>"));
}

TEST(WorkbookCharts, SeriesOverAThousandPointsAreStillCached) {
    constexpr int kRows = 1461;
    Workbook workbook = DailyWorkbook(kRows);
    MustAdd(workbook, "Data", DailySpec(kRows), "D2");
    const std::string chart = PartText(MustSave(workbook), "xl/charts/chart1.xml");
    EXPECT_TRUE(Contains(chart, "<c:ptCount val=\"1461\"/>")) << "values and categories cached";
    EXPECT_TRUE(
        Contains(chart, fmt::format("<c:pt idx=\"1460\"><c:v>{}</c:v></c:pt>", 45292 + kRows - 1)));
    EXPECT_TRUE(Contains(
        chart, fmt::format("<c:pt idx=\"1460\"><c:v>{}</c:v></c:pt>", 100 + (kRows - 1) % 17)));
}

void ExpectAddRefused(Workbook& workbook, const ChartSpec& spec, std::string_view message) {
    const std::string before = MustSave(workbook);
    Result<ChartInfo> added = workbook.AddChart("Report", spec, "E2", "");
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().code, ErrorCode::kInvalidRequest);
    EXPECT_TRUE(Contains(added.error().message, message)) << added.error().message;
    EXPECT_EQ(MustSave(workbook), before) << "a refused chart changes nothing";
}

TEST(WorkbookCharts, ValuesThatHoldOnlyTextAreRefusedNamingTheSeries) {
    Workbook workbook = SalesWorkbook();
    for (ChartType type : {ChartType::kColumn, ChartType::kBar, ChartType::kLine, ChartType::kArea,
                           ChartType::kPie}) {
        SCOPED_TRACE(std::string(chart::ChartTypeName(type)));
        ChartSpec spec = SalesSpec(type);
        spec.series[0].values_ref = "Data!A2:A4";  // the month names
        ExpectAddRefused(workbook, spec, "series 'North': values 'Data!$A$2:$A$4' hold only text");
    }
}

TEST(WorkbookCharts, CategoriesAndValuesOfDifferentLengthsAreRefused) {
    Workbook workbook = SalesWorkbook();
    ChartSpec spec = SalesSpec();
    spec.series[1].categories_ref = "Data!A2:A3";
    ExpectAddRefused(workbook, spec, "series 'South': 3 values but 2 categories");
}

TEST(WorkbookCharts, ScatterXValuesThatHoldOnlyTextAreRefused) {
    Workbook workbook = SalesWorkbook();
    ChartSpec spec = SalesSpec(ChartType::kScatter);
    spec.series[0].categories_ref = "Data!A2:A4";
    ExpectAddRefused(workbook, spec, "series 'North': the x values (categories) 'Data!$A$2:$A$4'");
}

TEST(WorkbookCharts, EmptyOrPartlyTextValuesAreStillAccepted) {
    Workbook workbook = SalesWorkbook();
    ChartSpec spec = SalesSpec();
    spec.series[0].values_ref = "Data!B1:B4";  // a header and numbers
    spec.series[0].categories_ref = "Data!A1:A4";
    spec.series[1].values_ref = "Data!F2:F4";  // not filled in yet
    MustAdd(workbook, "Report", spec, "E2");
}

// rxw-chart_bar14.xlsx has a "Chart 1" on worksheet Sheet2 and one on chartsheet Chart1.
TEST(WorkbookCharts, AChartNameOnTwoSheetsIsAmbiguousUnlessFromSheetSaysWhich) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    std::vector<ChartInfo> charts = MustList(workbook);
    ASSERT_EQ(std::count_if(charts.begin(), charts.end(),
                            [](const ChartInfo& c) { return c.name == "Chart 1"; }),
              2);
    const std::string before = MustSave(workbook);

    Result<ChartInfo> moved = workbook.MoveChart("Chart 1", "Sheet1", "J2");
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().code, ErrorCode::kInvalidRequest);
    EXPECT_TRUE(Contains(moved.error().message, "'Sheet2'")) << moved.error().message;
    EXPECT_TRUE(Contains(moved.error().message, "'Chart1'")) << moved.error().message;
    EXPECT_TRUE(Contains(moved.error().message, "from_sheet")) << moved.error().message;
    Status deleted = workbook.DeleteChart("chart 1");
    ASSERT_FALSE(deleted);
    EXPECT_TRUE(Contains(deleted.error().message, "from_sheet")) << deleted.error().message;
    EXPECT_EQ(MustSave(workbook), before);

    Result<ChartInfo> unknown = workbook.MoveChart("Chart 1", "Sheet1", "J2", "Sheet1");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

    moved = workbook.MoveChart("Chart 1", "Sheet1", "J2", "sheet2");
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->sheet, "Sheet1");
    const std::size_t listed = MustList(workbook).size();
    ASSERT_TRUE(workbook.DeleteChart("Chart 1", "Sheet1"));
    charts = MustList(MustOpen(MustSave(workbook)));
    ASSERT_EQ(charts.size(), listed - 1);
    EXPECT_TRUE(std::any_of(charts.begin(), charts.end(), [](const ChartInfo& c) {
        return c.name == "Chart 1" && c.sheet == "Chart1";
    })) << "the chartsheet's chart stays";
}

TEST(ChartTools, MoveAndDeleteChartTakeFromSheet) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    auto call = [&](std::string_view tool, std::string_view args) {
        return CallTool(workbook, tool, Args(args));
    };
    Result<boost::json::value> ambiguous = call("delete_chart", R"({"name": "Chart 1"})");
    ASSERT_FALSE(ambiguous);
    EXPECT_TRUE(Contains(ambiguous.error().message, "from_sheet"));
    const std::size_t listed = MustList(workbook).size();
    Result<boost::json::value> deleted =
        call("delete_chart", R"({"name": "Chart 1", "from_sheet": "Sheet2"})");
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_EQ(MustList(workbook).size(), listed - 1);
    Result<boost::json::value> moved =
        call("move_chart", R"({"name": "Chart 1", "from_sheet": "Chart1", "sheet": "Sheet1",
                          "anchor": "A1"})");
    ASSERT_FALSE(moved) << "a chartsheet's chart stays put";
}

}  // namespace
}  // namespace quire::xlsx
