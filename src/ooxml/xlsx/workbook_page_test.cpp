#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>
#include <string>
#include <string_view>

#include "ooxml/chart/chart_part.hpp"
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

constexpr std::string_view kBudget = "xlsx/poi-simple-monthly-budget.xlsx";
constexpr std::string_view kBudgetSheet = "Simple Monthly Budget";
constexpr std::string_view kBudgetPart = "xl/worksheets/sheet1.xml";
constexpr std::string_view kBudgetPageSetup =
    "<pageSetup fitToHeight=\"0\" orientation=\"landscape\" r:id=\"rId1\"/>";

Workbook ReportWorkbook() {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    EXPECT_TRUE(workbook.AddSheet("My report"));
    for (int row = 1; row <= 5; ++row) {
        std::string r = std::to_string(row);
        EXPECT_TRUE(workbook.SetCell("My report", "A" + r, CellValue::Text("Region " + r)));
        EXPECT_TRUE(workbook.SetCell("My report", "B" + r, CellValue::Number(row * 10.0)));
    }
    return workbook;
}

PageSetup Landscape() {
    PageSetup setup;
    setup.orientation = "landscape";
    setup.fit_to_width = 1;
    setup.fit_to_height = 0;
    return setup;
}

std::size_t At(std::string_view text, std::string_view needle) {
    std::size_t at = text.find(needle);
    EXPECT_NE(at, std::string_view::npos) << "missing " << needle;
    return at;
}

TEST(WorkbookPage, EverySettingReadsBackAfterSaveAndReopen) {
    Workbook workbook = ReportWorkbook();
    PageSetup setup = Landscape();
    setup.paper_size = 9;
    setup.margins.top = 0.5;
    setup.margins.left = 0.25;
    setup.print_area = "A1:H40";
    setup.print_title_rows = "1:2";
    setup.center_horizontally = true;
    setup.gridlines = true;
    ASSERT_TRUE(workbook.SetPageSetup("my REPORT", setup));

    Workbook reopened = MustOpen(MustSave(workbook));
    Result<PageSetup> read = reopened.PageSetupOf("My report");
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->orientation, "landscape");
    EXPECT_EQ(read->paper_size, 9);
    EXPECT_EQ(read->fit_to_width, 1);
    EXPECT_EQ(read->fit_to_height, 0);
    EXPECT_FALSE(read->scale);
    EXPECT_EQ(read->margins.top, 0.5);
    EXPECT_EQ(read->margins.left, 0.25);
    EXPECT_EQ(read->margins.bottom, 0.75) << "an unset margin keeps the sheet's own";
    EXPECT_EQ(read->print_area, "A1:H40");
    EXPECT_EQ(read->print_title_rows, "1:2");
    EXPECT_EQ(read->center_horizontally, true);
    EXPECT_EQ(read->gridlines, true);
    Result<CellValue> kept = reopened.GetCell("My report", "B5");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->number, 50);

    Result<PageSetup> other = reopened.PageSetupOf("Data");
    ASSERT_TRUE(other);
    EXPECT_FALSE(other->orientation);
    EXPECT_FALSE(other->print_area) << "the names are local to the second sheet";
}

TEST(WorkbookPage, NamesAreLocalToTheSheetAndQuoteItsName) {
    Workbook workbook = ReportWorkbook();
    PageSetup setup;
    setup.print_area = "$A$1:$D$9";
    setup.print_title_rows = "1";
    ASSERT_TRUE(workbook.SetPageSetup("My report", setup));
    std::string names = PartText(MustSave(workbook), "xl/workbook.xml");
    EXPECT_TRUE(Contains(names,
                         "<definedName name=\"_xlnm.Print_Area\" localSheetId=\"1\">'My "
                         "report'!$A$1:$D$9</definedName>"))
        << names;
    EXPECT_TRUE(Contains(names,
                         "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"1\">'My "
                         "report'!$1:$1</definedName>"))
        << names;
    EXPECT_LT(At(names, "</sheets>"), At(names, "<definedNames>")) << "schema order";
}

TEST(WorkbookPage, ElementsGoInTheWorksheetSchemaOrder) {
    Workbook workbook = ReportWorkbook();
    ASSERT_TRUE(workbook.MergeCells("My report", "D1:E1"));
    ConditionalFormatRule rule;
    rule.kind = ConditionalFormatRule::Kind::kDataBar;
    rule.colors = {"638EC6"};
    ASSERT_TRUE(workbook.AddConditionalFormat("My report", "B1:B5", rule));
    chart::ChartSpec spec;
    chart::SeriesSpec series;
    series.categories_ref = "'My report'!$A$1:$A$5";
    series.values_ref = "'My report'!$B$1:$B$5";
    spec.series.push_back(series);
    ASSERT_TRUE(workbook.AddChart("My report", spec, "D3:K18", ""));
    PageSetup setup = Landscape();
    setup.center_horizontally = true;
    ASSERT_TRUE(workbook.SetPageSetup("My report", setup));

    std::string sheet = PartText(MustSave(workbook), "xl/worksheets/sheet2.xml");
    EXPECT_LT(At(sheet, "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>"),
              At(sheet, "<dimension"));
    EXPECT_LT(At(sheet, "<mergeCells"), At(sheet, "<conditionalFormatting"));
    EXPECT_LT(At(sheet, "<conditionalFormatting"), At(sheet, "<printOptions"));
    EXPECT_LT(At(sheet, "<printOptions horizontalCentered=\"1\"/>"), At(sheet, "<pageMargins"));
    EXPECT_LT(At(sheet, "<pageMargins"), At(sheet, "<pageSetup"));
    EXPECT_LT(At(sheet, "<pageSetup"), At(sheet, "<drawing"));
}

TEST(WorkbookPage, CorpusPageSetupAndPrinterSettingsSurviveAnUnrelatedEdit) {
    const std::string original = ReadCorpus(kBudget);
    Workbook workbook = MustOpen(original);
    EXPECT_TRUE(ChangedParts(original, MustSave(workbook)).empty()) << "a no-op save";
    Result<PageSetup> before = workbook.PageSetupOf(kBudgetSheet);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->orientation, "landscape");
    EXPECT_EQ(before->fit_to_width, 1);
    EXPECT_EQ(before->fit_to_height, 0);
    EXPECT_EQ(before->center_horizontally, true);

    ASSERT_TRUE(workbook.SetCell(kBudgetSheet, "J2", CellValue::Text("checked")));
    const std::string after = MustSave(workbook);
    std::string sheet = PartText(after, kBudgetPart);
    EXPECT_TRUE(Contains(sheet, kBudgetPageSetup)) << "the page setup and its r:id stay";
    EXPECT_TRUE(Contains(sheet, "<pageSetUpPr autoPageBreaks=\"0\" fitToPage=\"1\"/>"));
    EXPECT_TRUE(
        Contains(PartText(after, "xl/worksheets/_rels/sheet1.xml.rels"), "printerSettings1.bin"));
    EXPECT_FALSE(ChangedParts(original, after).contains("xl/printerSettings/printerSettings1.bin"));
}

TEST(WorkbookPage, AnEditReplacesOnlyWhatItSets) {
    const std::string original = ReadCorpus(kBudget);
    Workbook workbook = MustOpen(original);
    PageSetup setup;
    setup.paper_size = 9;
    ASSERT_TRUE(workbook.SetPageSetup(kBudgetSheet, setup));
    const std::string after = MustSave(workbook);
    EXPECT_EQ(ChangedParts(original, after), std::set<std::string>{std::string(kBudgetPart)});
    std::string sheet = PartText(after, kBudgetPart);
    EXPECT_TRUE(Contains(sheet,
                         "<pageSetup fitToHeight=\"0\" orientation=\"landscape\" r:id=\"rId1\" "
                         "paperSize=\"9\"/>"))
        << sheet;
    EXPECT_TRUE(Contains(sheet, "<printOptions horizontalCentered=\"1\"/>"));

    PageSetup area;
    area.print_area = "B2:H23";
    ASSERT_TRUE(workbook.SetPageSetup(kBudgetSheet, area));
    const std::string named = MustSave(workbook);
    EXPECT_EQ(PartText(named, kBudgetPart), sheet) << "a print area alone leaves the sheet part";
    EXPECT_TRUE(Contains(PartText(named, "xl/workbook.xml"), "TotalMonthlyIncome"));
}

TEST(WorkbookPage, AScaleTurnsFittingOffAndKeepsTheOtherSheetProperties) {
    Workbook workbook = MustOpen(ReadCorpus(kBudget));
    PageSetup setup;
    setup.scale = 80;
    ASSERT_TRUE(workbook.SetPageSetup(kBudgetSheet, setup));
    std::string sheet = PartText(MustSave(workbook), kBudgetPart);
    EXPECT_TRUE(Contains(sheet, "<pageSetUpPr autoPageBreaks=\"0\"/>")) << sheet;
    Result<PageSetup> read = workbook.PageSetupOf(kBudgetSheet);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->scale, 80);
    EXPECT_FALSE(read->fit_to_width);

    ASSERT_TRUE(workbook.SetPageSetup(kBudgetSheet, Landscape()));
    read = workbook.PageSetupOf(kBudgetSheet);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->fit_to_width, 1) << "fitting again wins over the stored scale";
}

TEST(WorkbookPage, TitleRowsKeepTheTitleColumnsAndEmptyTextRemovesNames) {
    Workbook workbook = ReportWorkbook();
    ASSERT_TRUE(workbook.DefineName("_xlnm.Print_Titles", "'My report'!$A:$A,'My report'!$1:$1",
                                    "My report"));
    PageSetup rows;
    rows.print_title_rows = "1:3";
    rows.print_area = "A1:B5";
    ASSERT_TRUE(workbook.SetPageSetup("My report", rows));
    std::string names = PartText(MustSave(workbook), "xl/workbook.xml");
    EXPECT_TRUE(Contains(names, ">'My report'!$A:$A,'My report'!$1:$3</definedName>")) << names;

    PageSetup clear;
    clear.print_title_rows = "";
    clear.print_area = "";
    ASSERT_TRUE(workbook.SetPageSetup("My report", clear));
    names = PartText(MustSave(workbook), "xl/workbook.xml");
    EXPECT_TRUE(Contains(names, ">'My report'!$A:$A</definedName>")) << names;
    EXPECT_FALSE(Contains(names, "Print_Area"));

    ASSERT_TRUE(workbook.DefineName("_xlnm.Print_Titles", "'My report'!$2:$2", "My report"));
    ASSERT_TRUE(workbook.SetPageSetup("My report", clear));
    EXPECT_FALSE(Contains(PartText(MustSave(workbook), "xl/workbook.xml"), "definedNames"))
        << "definedNames must not be left empty";
}

TEST(WorkbookPage, BadSetupsAreRefusedAndChangeNothing) {
    Workbook workbook = ReportWorkbook();
    const std::string before = MustSave(workbook);
    auto with = [](auto change) {
        PageSetup setup;
        change(setup);
        return setup;
    };
    struct Case {
        std::string_view sheet;
        PageSetup setup;
        std::string_view says;
        ErrorCode code = ErrorCode::kInvalidRequest;
    };
    const Case cases[] = {
        {"Data", PageSetup{}, "sets nothing"},
        {"Data", with([](PageSetup& s) { s.orientation = "sideways"; }), "sideways"},
        {"Data", with([](PageSetup& s) { s.scale = 5; }), "scale 5 is outside 10 to 400"},
        {"Data", with([](PageSetup& s) { s.scale = 401; }), "scale 401"},
        {"Data", with([](PageSetup& s) { s.fit_to_width = -1; }), "fit to width -1"},
        {"Data", with([](PageSetup& s) { s.fit_to_height = -2; }), "fit to height -2"},
        {"Data", with([](PageSetup& s) { s.paper_size = 0; }), "paper size 0"},
        {"Data", with([](PageSetup& s) {
             s.scale = 90;
             s.fit_to_width = 1;
         }),
         "not both"},
        {"Data", with([](PageSetup& s) { s.margins.top = -0.1; }), "top margin -0.1"},
        {"Data", with([](PageSetup& s) { s.margins.footer = 11; }), "footer margin 11"},
        {"Data", with([](PageSetup& s) {
             s.orientation = "landscape";
             s.print_area = "A1:";
         }),
         "print area \"A1:\""},
        {"Data", with([](PageSetup& s) { s.print_area = "A:H"; }), "not a cell range"},
        {"Data", with([](PageSetup& s) { s.print_title_rows = "A1"; }), "print title rows"},
        {"Data", with([](PageSetup& s) { s.print_title_rows = "3:1"; }), "print title rows"},
        {"Ghost", Landscape(), "no sheet named 'Ghost'", ErrorCode::kNotFound},
    };
    for (const Case& c : cases) {
        Status status = workbook.SetPageSetup(c.sheet, c.setup);
        ASSERT_FALSE(status) << c.says;
        EXPECT_EQ(status.error().code, c.code) << c.says;
        EXPECT_TRUE(Contains(status.error().message, c.says)) << status.error().message;
    }
    EXPECT_EQ(MustSave(workbook), before);
}

json::object SheetOutline(const Workbook& workbook, std::string_view name) {
    Result<std::string> outline = workbook.OutlineJson();
    EXPECT_TRUE(outline) << outline.error().message;
    json::value parsed = json::parse(outline ? *outline : "{}");
    for (const json::value& sheet : parsed.at("sheets").as_array()) {
        if (sheet.at("name").as_string() == name) return sheet.as_object();
    }
    ADD_FAILURE() << "no sheet " << name << " in " << *outline;
    return {};
}

TEST(WorkbookPage, TheOutlineMentionsOnlyAPageSetupThatIsNotTheDefault) {
    Workbook workbook = ReportWorkbook();
    EXPECT_FALSE(SheetOutline(workbook, "My report").contains("print"));
    PageSetup margins;
    margins.margins.top = 1;
    ASSERT_TRUE(workbook.SetPageSetup("My report", margins));
    EXPECT_FALSE(SheetOutline(workbook, "My report").contains("print"));

    ASSERT_TRUE(workbook.SetPageSetup("My report", Landscape()));
    EXPECT_EQ(SheetOutline(workbook, "My report").at("print"), "landscape, 1 page wide");
    PageSetup scaled;
    scaled.scale = 80;
    scaled.orientation = "portrait";
    ASSERT_TRUE(workbook.SetPageSetup("My report", scaled));
    EXPECT_EQ(SheetOutline(workbook, "My report").at("print"), "80%");
    EXPECT_FALSE(SheetOutline(workbook, "Data").contains("print"));

    Workbook budget = MustOpen(ReadCorpus(kBudget));
    EXPECT_EQ(SheetOutline(budget, kBudgetSheet).at("print"), "landscape, 1 page wide");
}

// ---- The set_page_setup tool ---------------------------------------------------------------

Result<json::value> Call(Workbook& workbook, std::string_view args) {
    return CallTool(workbook, "set_page_setup", json::parse(args).as_object());
}

TEST(PageSetupTool, SetsEveryOptionAndAnswersWhatTheSheetNowHas) {
    Workbook workbook = ReportWorkbook();
    Result<json::value> result = Call(workbook, R"({
        "sheet": "my report", "orientation": "landscape", "paper": "a4",
        "fit_to_width": 1, "fit_to_height": 0,
        "margins": {"top": 0.5, "bottom": 0.5, "left": 0.3, "right": 0.3, "header": 0.2,
                    "footer": 0.2},
        "print_area": "A1:H40", "print_titles_rows": "1:1",
        "center_horizontally": true, "gridlines": false})");
    ASSERT_TRUE(result) << result.error().message;
    const json::object& page = result->as_object();
    EXPECT_EQ(page.at("sheet"), "My report");
    EXPECT_EQ(page.at("orientation"), "landscape");
    EXPECT_EQ(page.at("paper"), "a4");
    EXPECT_EQ(page.at("fit_to_width"), 1);
    EXPECT_EQ(page.at("fit_to_height"), 0);
    EXPECT_EQ(page.at("print_area"), "A1:H40");
    EXPECT_EQ(page.at("print_titles_rows"), "1:1");
    EXPECT_EQ(page.at("margins").at("top"), 0.5);

    Result<PageSetup> read = MustOpen(MustSave(workbook)).PageSetupOf("My report");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->paper_size, 9);
    EXPECT_EQ(read->margins.footer, 0.2);
    EXPECT_EQ(read->center_horizontally, true);
    EXPECT_FALSE(read->gridlines.value_or(false));

    result = Call(workbook, R"({"sheet": "My report", "scale": 75})");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->at("scale"), 75);
    EXPECT_FALSE(result->as_object().contains("fit_to_width"));
}

TEST(PageSetupTool, BadArgumentsAreNamedAndChangeNothing) {
    Workbook workbook = ReportWorkbook();
    const std::string before = MustSave(workbook);
    const std::pair<std::string_view, std::string_view> calls[] = {
        {R"({"sheet": "Ghost", "orientation": "landscape"})", "no sheet named 'Ghost'"},
        {R"({"sheet": "Data", "orientation": "upright"})", "upright"},
        {R"({"sheet": "Data", "paper": "tabloid"})", "'paper' must be one of letter, a4"},
        {R"({"sheet": "Data", "scale": 500})", "scale 500 is outside 10 to 400"},
        {R"({"sheet": "Data", "scale": 55.5})", "'scale' must be a whole number"},
        {R"({"sheet": "Data", "fit_to_width": -1})", "fit to width -1"},
        {R"({"sheet": "Data", "print_area": "everything"})", "print area \"everything\""},
        {R"({"sheet": "Data", "print_titles_rows": "A:A"})", "print title rows"},
        {R"({"sheet": "Data", "margins": {"top": 1, "inner": 2}})", "unknown margin 'inner'"},
        {R"({"sheet": "Data", "margins": {"top": "1"}})", "'margins.top' must be a number"},
        {R"({"sheet": "Data", "landscape": true})", "unknown argument 'landscape'"},
        {R"({"sheet": "Data"})", "sets nothing"},
    };
    for (const auto& [args, says] : calls) {
        Result<json::value> result = Call(workbook, args);
        ASSERT_FALSE(result) << args;
        EXPECT_TRUE(Contains(result.error().message, says)) << result.error().message;
        EXPECT_TRUE(result.error().message.starts_with("set_page_setup: "));
    }
    EXPECT_EQ(MustSave(workbook), before);
}

}  // namespace
}  // namespace quire::xlsx
