#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <pugixml.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_testing.hpp"

namespace quire::xlsx {
namespace {

using workbook_testing::AllParts;
using workbook_testing::MustOpen;
using workbook_testing::MustSave;
using workbook_testing::PartText;
using workbook_testing::ReadCorpus;

namespace json = boost::json;
using ooxml::Package;
using Format = Workbook::CellFormat;
// A parsed part, for checking what was written by element and attribute.
struct Xml {
    explicit Xml(const std::string& text) { EXPECT_TRUE(doc.load_string(text.c_str())); }
    pugi::xml_node Root() const { return doc.document_element(); }
    pugi::xml_document doc;
};

pugi::xml_node ByLocalName(pugi::xml_node parent, std::string_view local, int index = 0) {
    int n = 0;
    for (pugi::xml_node child : parent.children()) {
        std::string_view name = child.name();
        std::string_view bare =
            name.substr(name.find(':') == std::string_view::npos ? 0 : name.find(':') + 1);
        if (child.type() == pugi::node_element && bare == local && n++ == index) return child;
    }
    return {};
}

int Count(pugi::xml_node parent, std::string_view local) {
    int n = 0;
    while (ByLocalName(parent, local, n)) ++n;
    return n;
}

// The worksheet's <c> element at `ref`.
pugi::xml_node FindCell(const Xml& sheet, std::string_view ref) {
    for (pugi::xml_node row : ByLocalName(sheet.Root(), "sheetData").children()) {
        for (pugi::xml_node c : row.children()) {
            if (ref == c.attribute("r").value()) return c;
        }
    }
    return {};
}

// The style parts of one cell: its xf and the font, fill and border that xf names.
struct CellStyle {
    pugi::xml_node xf, font, fill, border;
};

CellStyle StyleOf(const Xml& styles, const Xml& sheet, std::string_view ref) {
    pugi::xml_node c = FindCell(sheet, ref);
    EXPECT_TRUE(c) << "no cell " << ref;
    pugi::xml_node root = styles.Root();
    CellStyle style;
    style.xf = ByLocalName(ByLocalName(root, "cellXfs"), "xf", c.attribute("s").as_int());
    style.font =
        ByLocalName(ByLocalName(root, "fonts"), "font", style.xf.attribute("fontId").as_int());
    style.fill =
        ByLocalName(ByLocalName(root, "fills"), "fill", style.xf.attribute("fillId").as_int());
    style.border = ByLocalName(ByLocalName(root, "borders"), "border",
                               style.xf.attribute("borderId").as_int());
    return style;
}

Workbook NewWorkbook() {
    Workbook workbook = Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    EXPECT_TRUE(workbook.SetCell("Data", "A1", CellValue::Text("Region")));
    EXPECT_TRUE(workbook.SetCell("Data", "B1", CellValue::Text("Amount")));
    EXPECT_TRUE(workbook.SetCell("Data", "A2", CellValue::Text("North")));
    EXPECT_TRUE(workbook.SetCell("Data", "B2", CellValue::Number(1234.5)));
    return workbook;
}

constexpr std::string_view kSheet1 = "xl/worksheets/sheet1.xml";
constexpr std::string_view kStyles = "xl/styles.xml";

Format Bold() {
    Format format;
    format.bold = true;
    return format;
}

TEST(WorkbookFormat, BoldThenFillAccumulateInOneStyle) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:B1", Bold()));
    Format fill;
    fill.fill_color = "#1f4e79";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:B1", fill));

    std::string saved = MustSave(workbook);
    Xml styles(PartText(saved, kStyles));
    Xml sheet(PartText(saved, kSheet1));
    CellStyle a1 = StyleOf(styles, sheet, "A1");
    EXPECT_TRUE(ByLocalName(a1.font, "b"));
    pugi::xml_node pattern = ByLocalName(a1.fill, "patternFill");
    EXPECT_STREQ(pattern.attribute("patternType").value(), "solid");
    EXPECT_STREQ(ByLocalName(pattern, "fgColor").attribute("rgb").value(), "FF1F4E79");
    EXPECT_STREQ(a1.xf.attribute("applyFill").value(), "1");
    EXPECT_EQ(FindCell(sheet, "A1").attribute("s").as_int(),
              FindCell(sheet, "B1").attribute("s").as_int());
    EXPECT_FALSE(FindCell(sheet, "A2").attribute("s"));
}

TEST(WorkbookFormat, FormattingTwiceAddsNoStyleRecords) {
    Workbook workbook = NewWorkbook();
    Format format;
    format.bold = true;
    format.italic = true;
    format.font_color = "C00000";
    format.fill_color = "FFF2CC";
    format.border = "thin";
    format.border_color = "808080";
    format.horizontal = "center";
    format.number_format = "0.0%";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:C3", format));
    std::string once = PartText(MustSave(workbook), kStyles);
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:C3", format));
    ASSERT_TRUE(workbook.FormatRange("Data", "B2", format));
    EXPECT_EQ(PartText(MustSave(workbook), kStyles), once);
}

TEST(WorkbookFormat, IdenticalRecordsAlreadyInTheFileAreReused) {
    // The strict sample has a bold font, a yellow solid fill and a red font already.
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    std::string before = PartText(MustSave(workbook), kStyles);
    Format fill;
    fill.fill_color = "FFFF00";
    ASSERT_TRUE(workbook.FormatRange("First Sheet", "A1", fill));
    Xml styles(PartText(MustSave(workbook), kStyles));
    EXPECT_EQ(Count(ByLocalName(styles.Root(), "fills"), "fill"), 3);
    EXPECT_EQ(Count(ByLocalName(styles.Root(), "fonts"), "font"), 3);
    EXPECT_NE(before, PartText(MustSave(workbook), kStyles));  // one new xf
    EXPECT_EQ(Count(ByLocalName(styles.Root(), "cellXfs"), "xf"), 4);
}

TEST(WorkbookFormat, RecordsWrittenWithOtherIndentationOrAttributeOrderAreReused) {
    std::string bytes = MustSave(NewWorkbook());
    Result<Package> package = Package::Open(bytes);
    std::string styles = *package->ReadPart(kStyles);
    auto insert_before = [&](std::string_view end_tag, std::string_view xml) {
        styles.insert(styles.find(end_tag), xml);
    };
    insert_before("</fills>",
                  "<fill>\n  <patternFill patternType=\"solid\">\n    <fgColor rgb=\"FF00B050\"/>"
                  "\n    <bgColor indexed=\"64\"/>\n  </patternFill>\n</fill>");
    insert_before("</cellXfs>",
                  "<xf applyFill=\"1\" xfId=\"0\" borderId=\"0\" fillId=\"2\" fontId=\"0\" "
                  "numFmtId=\"0\"/>");
    package->WritePart(std::string(kStyles), styles);
    Workbook workbook = MustOpen(*package->Save());

    Format fill;
    fill.fill_color = "00b050";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1", fill));
    std::string saved = MustSave(workbook);
    Xml written(PartText(saved, kStyles));
    EXPECT_EQ(Count(ByLocalName(written.Root(), "fills"), "fill"), 3);
    EXPECT_EQ(Count(ByLocalName(written.Root(), "cellXfs"), "xf"), 2);
    EXPECT_STREQ(FindCell(Xml(PartText(saved, kSheet1)), "A1").attribute("s").value(), "1");
}

TEST(WorkbookFormat, MissingCellsAreMadeWithTheStyle) {
    Workbook workbook = NewWorkbook();
    Format format;
    format.italic = true;
    ASSERT_TRUE(workbook.FormatRange("Data", "C4:D5", format));
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    Xml styles(PartText(saved, kStyles));
    for (std::string_view ref : {"C4", "D4", "C5", "D5"}) {
        EXPECT_TRUE(ByLocalName(StyleOf(styles, sheet, ref).font, "i")) << ref;
    }
    EXPECT_STREQ(ByLocalName(sheet.Root(), "dimension").attribute("ref").value(), "A1:D5");
    Result<CellValue> value = workbook.GetCell("Data", "C4");
    ASSERT_TRUE(value);
    EXPECT_EQ(value->kind, CellValue::Kind::kEmpty);
}

// Each new cell of a row used to renumber the whole row first, so formatting A1:XFD1 took
// seconds. The row holds every cell once, left to right, each with the style.
TEST(WorkbookFormat, FormattingAWholeRowOfNewCellsNumbersTheRowOnce) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.FormatRange("Data", "A7:XFD7", Bold()));
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    pugi::xml_node row;
    for (pugi::xml_node r : ByLocalName(sheet.Root(), "sheetData").children()) {
        if (std::string_view(r.attribute("r").value()) == "7") row = r;
    }
    ASSERT_TRUE(row);
    int cells = 0;
    for (pugi::xml_node c : row.children()) cells += std::string_view(c.name()) == "c";
    EXPECT_EQ(cells, 16384);
    EXPECT_STREQ(ByLocalName(row, "c", 0).attribute("r").value(), "A7");
    EXPECT_STREQ(ByLocalName(row, "c", 702).attribute("r").value(), "AAA7");
    EXPECT_STREQ(ByLocalName(row, "c", 16383).attribute("r").value(), "XFD7");
    Xml styles(PartText(saved, kStyles));
    EXPECT_TRUE(ByLocalName(StyleOf(styles, sheet, "XFD7").font, "b"));
}

// The <col> entries of a saved sheet as "min-max:width:style" strings, in order.
std::vector<std::string> ColumnEntries(const Xml& sheet) {
    std::vector<std::string> entries;
    for (pugi::xml_node col : ByLocalName(sheet.Root(), "cols").children()) {
        entries.push_back(fmt::format("{}-{}:{}:{}", col.attribute("min").value(),
                                      col.attribute("max").value(), col.attribute("width").value(),
                                      col.attribute("style").value()));
    }
    return entries;
}

TEST(WorkbookFormat, WholeColumnsCarryTheStyleForTheirCellsNowAndLater) {
    Workbook workbook = NewWorkbook();
    Format money;
    money.number_format = "#,##0.00";
    ASSERT_TRUE(workbook.FormatRange("Data", "B:B", money));
    ASSERT_TRUE(workbook.SetCell("Data", "B9", CellValue::Number(5)));
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    Xml styles(PartText(saved, kStyles));
    for (std::string_view ref : {"B1", "B2", "B9"}) {
        EXPECT_EQ(StyleOf(styles, sheet, ref).xf.attribute("numFmtId").as_int(), 4) << ref;
    }
    EXPECT_EQ(StyleOf(styles, sheet, "A2").xf.attribute("numFmtId").as_int(), 0);
    int style = FindCell(sheet, "B1").attribute("s").as_int();
    EXPECT_EQ(ColumnEntries(sheet),
              (std::vector<std::string>{fmt::format("2-2:9.140625:{}", style)}));
    EXPECT_STREQ(ByLocalName(sheet.Root(), "dimension").attribute("ref").value(), "A1:B9");
}

TEST(WorkbookFormat, WholeColumnsCutTheEntriesTheyShareAndFillTheGaps) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.SetColumnWidth("Data", "A:C", 20));
    ASSERT_TRUE(workbook.SetColumnWidth("Data", "F", 12));
    Format fill;
    fill.fill_color = "FFEEAA";
    ASSERT_TRUE(workbook.FormatRange("Data", "C:E", fill));
    ASSERT_TRUE(workbook.FormatRange("Data", "C:E", fill));  // again: same entries, same style
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    std::vector<std::string> entries = ColumnEntries(sheet);
    ASSERT_EQ(entries.size(), 5u) << fmt::format("{}", fmt::join(entries, " "));
    EXPECT_EQ(entries[0], "1-1:20:");
    EXPECT_EQ(entries[1], "2-2:20:");
    EXPECT_TRUE(entries[2].starts_with("3-3:20:")) << entries[2];
    EXPECT_TRUE(entries[3].starts_with("4-5:9.140625:")) << entries[3];
    EXPECT_EQ(entries[4], "6-6:12:");
    EXPECT_EQ(entries[2].substr(entries[2].rfind(':')), entries[3].substr(entries[3].rfind(':')));
}

TEST(WorkbookFormat, WholeRowsCarryTheStyleAndKeepTheColumnsStyleWhereTheyCross) {
    Workbook workbook = NewWorkbook();
    Format money;
    money.number_format = "#,##0.00";
    ASSERT_TRUE(workbook.FormatRange("Data", "D:D", money));
    ASSERT_TRUE(workbook.FormatRange("Data", "2:3", Bold()));
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    Xml styles(PartText(saved, kStyles));
    for (pugi::xml_node row : ByLocalName(sheet.Root(), "sheetData").children()) {
        int r = row.attribute("r").as_int();
        EXPECT_EQ(row.attribute("customFormat").as_bool(), r == 2 || r == 3) << r;
    }
    EXPECT_TRUE(ByLocalName(StyleOf(styles, sheet, "A2").font, "b"));
    EXPECT_FALSE(ByLocalName(StyleOf(styles, sheet, "A1").font, "b"));
    // D3 is made: without it, the row's bold would hide the column's number format there.
    CellStyle d3 = StyleOf(styles, sheet, "D3");
    EXPECT_TRUE(ByLocalName(d3.font, "b"));
    EXPECT_EQ(d3.xf.attribute("numFmtId").as_int(), 4);
}

TEST(WorkbookFormat, AnOutlineBorderOnWholeColumnsDrawsOnlyTheOuterSides) {
    Workbook workbook = NewWorkbook();
    Format box;
    box.border = "thin";
    box.border_outline = true;
    ASSERT_TRUE(workbook.FormatRange("Data", "A:C", box));
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    Xml styles(PartText(saved, kStyles));
    CellStyle a2 = StyleOf(styles, sheet, "A2");
    CellStyle b2 = StyleOf(styles, sheet, "B2");
    EXPECT_STREQ(ByLocalName(a2.border, "left").attribute("style").value(), "thin");
    EXPECT_FALSE(ByLocalName(a2.border, "right").attribute("style"));
    EXPECT_FALSE(ByLocalName(b2.border, "left").attribute("style"));
    EXPECT_FALSE(ByLocalName(b2.border, "bottom").attribute("style"));
    // A1 is on the top row of the columns.
    EXPECT_STREQ(ByLocalName(StyleOf(styles, sheet, "A1").border, "top").attribute("style").value(),
                 "thin");
    EXPECT_EQ(ColumnEntries(sheet).size(), 3u);
}

TEST(WorkbookFormat, NumberFormatPresetsAndCodes) {
    struct Row {
        std::string_view format;
        int builtin_id;  // -1: a custom code
        std::string_view code;
    };
    const Row rows[] = {{"general", 0, ""},
                        {"number", 4, ""},
                        {"integer", 3, ""},
                        {"percent", 10, ""},
                        {"text", 49, ""},
                        {"#,##0.00", 4, ""},
                        {"currency", -1, "$#,##0.00"},
                        {"date", -1, "yyyy-mm-dd"},
                        {"datetime", -1, "yyyy-mm-dd hh:mm"},
                        {"0.0\"x\"", -1, "0.0\"x\""}};
    for (const Row& row : rows) {
        SCOPED_TRACE(row.format);
        Workbook workbook = NewWorkbook();
        Format format;
        format.number_format = std::string(row.format);
        ASSERT_TRUE(workbook.FormatRange("Data", "B2", format));
        std::string saved = MustSave(workbook);
        Xml styles(PartText(saved, kStyles));
        int id =
            StyleOf(styles, Xml(PartText(saved, kSheet1)), "B2").xf.attribute("numFmtId").as_int();
        if (row.builtin_id >= 0) {
            EXPECT_EQ(id, row.builtin_id);
            continue;
        }
        EXPECT_GE(id, 164);
        pugi::xml_node found;
        for (pugi::xml_node numfmt : ByLocalName(styles.Root(), "numFmts").children()) {
            if (numfmt.attribute("numFmtId").as_int() == id) found = numfmt;
        }
        EXPECT_STREQ(found.attribute("formatCode").value(), std::string(row.code).c_str());
    }
}

TEST(WorkbookFormat, DatePresetMakesTheNumberReadAsADate) {
    Workbook workbook = NewWorkbook();
    Format format;
    format.number_format = "date";
    ASSERT_TRUE(workbook.FormatRange("Data", "B2", format));
    Result<CellValue> value = workbook.GetCell("Data", "B2");
    ASSERT_TRUE(value);
    EXPECT_EQ(value->kind, CellValue::Kind::kDate);
}

TEST(WorkbookFormat, OutlineBorderDrawsOnlyTheRangeEdges) {
    Workbook workbook = NewWorkbook();
    Format format;
    format.border = "medium";
    format.border_outline = true;
    ASSERT_TRUE(workbook.FormatRange("Data", "B2:D4", format));
    std::string saved = MustSave(workbook);
    Xml styles(PartText(saved, kStyles));
    Xml sheet(PartText(saved, kSheet1));
    auto side = [&](std::string_view ref, std::string_view edge) {
        return std::string(
            ByLocalName(StyleOf(styles, sheet, ref).border, edge).attribute("style").value());
    };
    EXPECT_EQ(side("B2", "left"), "medium");
    EXPECT_EQ(side("B2", "top"), "medium");
    EXPECT_EQ(side("B2", "right"), "");
    EXPECT_EQ(side("C3", "left"), "");
    EXPECT_EQ(side("C3", "top"), "");
    EXPECT_EQ(side("D4", "right"), "medium");
    EXPECT_EQ(side("D4", "bottom"), "medium");
    EXPECT_EQ(side("C4", "bottom"), "medium");
    EXPECT_EQ(side("C4", "left"), "");
}

TEST(WorkbookFormat, BorderNoneRemovesEdges) {
    Workbook workbook = NewWorkbook();
    Format thin;
    thin.border = "thin";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:B2", thin));
    Format none;
    none.border = "none";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:B2", none));
    std::string saved = MustSave(workbook);
    Xml styles(PartText(saved, kStyles));
    pugi::xml_node border = StyleOf(styles, Xml(PartText(saved, kSheet1)), "A1").border;
    EXPECT_FALSE(ByLocalName(border, "left").attribute("style"));
    EXPECT_FALSE(ByLocalName(border, "top").attribute("style"));
}

TEST(WorkbookFormat, AlignmentWrapAndFontSettings) {
    Workbook workbook = NewWorkbook();
    Format format;
    format.horizontal = "right";
    format.vertical = "top";
    format.wrap = true;
    format.underline = true;
    format.font_size = 14;
    format.font_name = "Arial";
    ASSERT_TRUE(workbook.FormatRange("Data", "A2", format));
    std::string saved = MustSave(workbook);
    Xml styles(PartText(saved, kStyles));
    CellStyle a2 = StyleOf(styles, Xml(PartText(saved, kSheet1)), "A2");
    pugi::xml_node alignment = ByLocalName(a2.xf, "alignment");
    EXPECT_STREQ(alignment.attribute("horizontal").value(), "right");
    EXPECT_STREQ(alignment.attribute("vertical").value(), "top");
    EXPECT_STREQ(alignment.attribute("wrapText").value(), "1");
    EXPECT_TRUE(ByLocalName(a2.font, "u"));
    EXPECT_STREQ(ByLocalName(a2.font, "sz").attribute("val").value(), "14");
    EXPECT_STREQ(ByLocalName(a2.font, "name").attribute("val").value(), "Arial");
}

TEST(WorkbookFormat, NewCellsStartFromTheirColumnStyle) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.FormatRange("Data", "A1", Bold()));
    std::string bytes = MustSave(workbook);
    Result<Package> package = Package::Open(bytes);
    std::string sheet = *package->ReadPart(kSheet1);
    int bold_xf = FindCell(Xml(sheet), "A1").attribute("s").as_int();
    std::string cols = "<cols><col min=\"5\" max=\"5\" width=\"9\" style=\"" +
                       std::to_string(bold_xf) + "\"/></cols>";
    sheet.insert(sheet.find("<sheetData"), cols);
    package->WritePart(std::string(kSheet1), sheet);
    Workbook edited = MustOpen(*package->Save());
    Format italic;
    italic.italic = true;
    ASSERT_TRUE(edited.FormatRange("Data", "E7", italic));
    std::string saved = MustSave(edited);
    CellStyle e7 = StyleOf(Xml(PartText(saved, kStyles)), Xml(PartText(saved, kSheet1)), "E7");
    EXPECT_TRUE(ByLocalName(e7.font, "b"));
    EXPECT_TRUE(ByLocalName(e7.font, "i"));
}

// Every failing call must leave the saved workbook byte for byte as it was.
TEST(WorkbookFormat, FailuresChangeNothing) {
    Workbook workbook = NewWorkbook();
    const std::string before = MustSave(workbook);
    auto format_with = [](auto set) {
        Format format;
        set(format);
        return format;
    };
    struct Case {
        std::string_view what;
        Status status;
        ErrorCode code;
    };
    Format bold = Bold();
    const Case cases[] = {
        {"unknown sheet", workbook.FormatRange("Nope", "A1", bold), ErrorCode::kNotFound},
        {"bad range", workbook.FormatRange("Data", "A1:", bold), ErrorCode::kInvalidRequest},
        {"whole columns of a missing sheet", workbook.FormatRange("Nope", "A:C", bold),
         ErrorCode::kNotFound},
        {"every row", workbook.FormatRange("Data", "1:1048576", bold), ErrorCode::kInvalidRequest},
        {"whole columns, empty format", workbook.FormatRange("Data", "A:C", Format{}),
         ErrorCode::kInvalidRequest},
        {"columns and cells mixed", workbook.FormatRange("Data", "A:C5", bold),
         ErrorCode::kInvalidRequest},
        {"too many cells", workbook.FormatRange("Data", "A1:Z40000", bold),
         ErrorCode::kInvalidRequest},
        {"empty format", workbook.FormatRange("Data", "A1", Format{}), ErrorCode::kInvalidRequest},
        {"bad colour",
         workbook.FormatRange("Data", "A1", format_with([](Format& f) { f.fill_color = "red"; })),
         ErrorCode::kInvalidRequest},
        {"bad colour after good fields",
         workbook.FormatRange("Data", "A1", format_with([](Format& f) {
                                  f.bold = true;
                                  f.font_color = "#12345";
                              })),
         ErrorCode::kInvalidRequest},
        {"unknown preset", workbook.FormatRange("Data", "A1", format_with([](Format& f) {
                                                    f.number_format = "curency";
                                                })),
         ErrorCode::kInvalidRequest},
        {"unclosed quote", workbook.FormatRange("Data", "A1", format_with([](Format& f) {
                                                    f.number_format = "0\"x";
                                                })),
         ErrorCode::kInvalidRequest},
        {"bad border",
         workbook.FormatRange("Data", "A1", format_with([](Format& f) { f.border = "wavy"; })),
         ErrorCode::kInvalidRequest},
        {"border colour alone", workbook.FormatRange("Data", "A1", format_with([](Format& f) {
                                                         f.border_color = "000000";
                                                     })),
         ErrorCode::kInvalidRequest},
        {"bad alignment", workbook.FormatRange("Data", "A1", format_with([](Format& f) {
                                                   f.horizontal = "middle";
                                               })),
         ErrorCode::kInvalidRequest},
        {"font size",
         workbook.FormatRange("Data", "A1", format_with([](Format& f) { f.font_size = 0; })),
         ErrorCode::kInvalidRequest},
        {"column span", workbook.SetColumnWidth("Data", "B:1", 10), ErrorCode::kInvalidRequest},
        {"width", workbook.SetColumnWidth("Data", "B", 300), ErrorCode::kInvalidRequest},
        {"fit sheet", workbook.FitColumnWidth("Nope", "A"), ErrorCode::kNotFound},
        {"row span", workbook.SetRowHeight("Data", "x", 20), ErrorCode::kInvalidRequest},
        {"height", workbook.SetRowHeight("Data", "2", -1), ErrorCode::kInvalidRequest},
        {"merge one cell", workbook.MergeCells("Data", "B2"), ErrorCode::kInvalidRequest},
        {"unmerge missing", workbook.UnmergeCells("Data", "A1:B2"), ErrorCode::kInvalidRequest},
        {"freeze ref", workbook.FreezePanes("Data", "B0"), ErrorCode::kInvalidRequest},
        {"freeze sheet", workbook.FreezePanes("Nope", "B2"), ErrorCode::kNotFound},
        {"filter range", workbook.SetAutoFilter("Data", "A1:B"), ErrorCode::kInvalidRequest},
        {"filter sheet", workbook.SetAutoFilter("Nope", "A1:B2"), ErrorCode::kNotFound},
    };
    for (const Case& c : cases) {
        ASSERT_FALSE(c.status) << c.what;
        EXPECT_EQ(c.status.error().code, c.code) << c.what;
        EXPECT_FALSE(c.status.error().message.empty()) << c.what;
    }
    ASSERT_TRUE(workbook.SetAutoFilter("Data", std::nullopt));
    EXPECT_EQ(AllParts(MustSave(workbook)), AllParts(before));
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(WorkbookFormat, ChartsheetIsRefused) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/rxw-chart_bar14.xlsx"));
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    std::string chart;
    for (const SheetInfo& sheet : *sheets) {
        if (sheet.kind == "chartsheet") chart = sheet.name;
    }
    ASSERT_FALSE(chart.empty());
    const std::string before = MustSave(workbook);
    for (Status status :
         {workbook.FormatRange(chart, "A1", Bold()), workbook.SetColumnWidth(chart, "A", 10),
          workbook.MergeCells(chart, "A1:B2"), workbook.FreezePanes(chart, "A2"),
          workbook.SetAutoFilter(chart, "A1:B2")}) {
        ASSERT_FALSE(status);
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
    }
    EXPECT_EQ(AllParts(MustSave(workbook)), AllParts(before));
    EXPECT_EQ(MustSave(workbook), before);
}

// Formatting a real workbook touches only the sheet and the stylesheet.
void ExpectOnlyPartsChanged(const std::string& before, const std::string& after,
                            std::set<std::string> allowed) {
    std::map<std::string, std::string> old_parts = AllParts(before);
    std::map<std::string, std::string> new_parts = AllParts(after);
    ASSERT_EQ(old_parts.size(), new_parts.size());
    for (const auto& [name, text] : old_parts) {
        if (allowed.contains(name)) continue;
        EXPECT_EQ(new_parts[name], text) << name << " changed";
    }
}

TEST(WorkbookFormat, BudgetWorkbookKeepsEveryOtherPart) {
    const std::string original = ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx");
    Workbook workbook = MustOpen(original);
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    ASSERT_TRUE(sheets);
    const std::string sheet = sheets->front().name;
    const std::string part = sheets->front().part_name;
    const std::string before = MustSave(workbook);
    Format format;
    format.bold = true;
    format.fill_color = "DDEBF7";
    format.border = "thin";
    format.border_outline = true;
    format.number_format = "currency";
    ASSERT_TRUE(workbook.FormatRange(sheet, "B3:H12", format));
    ASSERT_TRUE(workbook.SetColumnWidth(sheet, "C:D", 18));
    ASSERT_TRUE(workbook.FitColumnWidth(sheet, "B"));
    ASSERT_TRUE(workbook.SetRowHeight(sheet, "2:3", 24));
    ASSERT_TRUE(workbook.MergeCells(sheet, "J1:K2"));
    ASSERT_TRUE(workbook.FreezePanes(sheet, "C4"));
    const std::string after = MustSave(workbook);
    ExpectOnlyPartsChanged(before, after, {part, "xl/styles.xml"});

    // Column B kept its other columns' entries: C and D split out, E:F untouched.
    Xml xml(PartText(after, part));
    pugi::xml_node cols = ByLocalName(xml.Root(), "cols");
    std::map<int, std::string> widths;
    for (pugi::xml_node col : cols.children()) {
        widths[col.attribute("min").as_int()] = col.attribute("width").value();
    }
    EXPECT_EQ(widths[3], "18");
    EXPECT_EQ(widths[4], "18");
    EXPECT_EQ(widths[5], "25.5703125");
    EXPECT_TRUE(Workbook::Open(after));
}

TEST(WorkbookFormat, MergesAndFiltersThatReachIntoATableAreRefused) {
    // The budget sheet has the tables tblIncome (B4:C7) and tblExpenses (B10:C23).
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-simple-monthly-budget.xlsx"));
    const std::string sheet = workbook.Sheets()->front().name;
    const std::string before = MustSave(workbook);
    Status merge = workbook.MergeCells(sheet, "C7:D8");
    ASSERT_FALSE(merge);
    EXPECT_NE(merge.error().message.find("tblIncome"), std::string::npos) << merge.error().message;
    Status filter = workbook.SetAutoFilter(sheet, "A9:D30");
    ASSERT_FALSE(filter);
    EXPECT_NE(filter.error().message.find("tblExpenses"), std::string::npos);
    EXPECT_EQ(AllParts(MustSave(workbook)), AllParts(before));
    EXPECT_EQ(MustSave(workbook), before);
    EXPECT_TRUE(workbook.MergeCells(sheet, "D7:E8"));
}

TEST(WorkbookFormat, StrictWorkbookKeepsItsNamespaceAndOtherParts) {
    Workbook workbook = MustOpen(ReadCorpus("xlsx/poi-sampless.strict.xlsx"));
    const std::string before = MustSave(workbook);
    Format format;
    format.border = "thick";
    format.italic = true;
    ASSERT_TRUE(workbook.FormatRange("First Sheet", "A1:B2", format));
    ASSERT_TRUE(workbook.SetAutoFilter("First Sheet", "A1:B4"));
    const std::string after = MustSave(workbook);
    ExpectOnlyPartsChanged(before, after,
                           {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml"});
    std::string styles = PartText(after, kStyles);
    EXPECT_NE(styles.find("<start style=\"thick\"/>"), std::string::npos);
    EXPECT_EQ(styles.find("<left style"), std::string::npos);
    Xml workbook_xml(PartText(after, "xl/workbook.xml"));
    pugi::xml_node name =
        ByLocalName(ByLocalName(workbook_xml.Root(), "definedNames"), "definedName");
    EXPECT_STREQ(name.child_value(), "'First Sheet'!$A$1:$B$4");
    EXPECT_STREQ(std::string(workbook_xml.Root().name()).c_str(), "workbook");
}

TEST(WorkbookFormat, PrefixedPartsGetPrefixedElements) {
    std::string bytes = MustSave(NewWorkbook());
    Result<Package> package = Package::Open(bytes);
    const std::string ns = "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";
    package->WritePart(std::string(kSheet1),
                       "<x:worksheet " + ns +
                           "><x:sheetData><x:row r=\"1\"><x:c r=\"A1\"><x:v>1</x:v></x:c></x:row>"
                           "</x:sheetData><x:pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" "
                           "bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></x:worksheet>");
    package->WritePart(std::string(kStyles),
                       "<x:styleSheet " + ns +
                           "><x:fonts count=\"1\"><x:font><x:sz val=\"11\"/></x:font></x:fonts>"
                           "<x:cellXfs count=\"1\"><x:xf numFmtId=\"0\" fontId=\"0\"/></x:cellXfs>"
                           "</x:styleSheet>");
    Workbook workbook = MustOpen(*package->Save());
    Format format;
    format.bold = true;
    format.fill_color = "FF0000";
    format.border = "thin";
    format.horizontal = "left";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1:B2", format));
    ASSERT_TRUE(workbook.MergeCells("Data", "C1:D1"));
    ASSERT_TRUE(workbook.FreezePanes("Data", "A2"));
    ASSERT_TRUE(workbook.SetAutoFilter("Data", "A1:B2"));
    ASSERT_TRUE(workbook.SetColumnWidth("Data", "A", 12));
    std::string saved = MustSave(workbook);
    std::string styles = PartText(saved, kStyles);
    std::string sheet = PartText(saved, kSheet1);
    for (std::string_view element : {"<x:b/>", "<x:fills", "<x:patternFill", "<x:borders",
                                     "<x:left style=\"thin\"/>", "<x:alignment"}) {
        EXPECT_NE(styles.find(element), std::string::npos) << element;
    }
    for (std::string_view element : {"<x:mergeCell ", "<x:pane ", "<x:autoFilter ", "<x:col "}) {
        EXPECT_NE(sheet.find(element), std::string::npos) << element;
    }
    // Every element stays in the prefixed namespace: no unprefixed tag was added.
    for (const std::string& xml : {styles, sheet}) {
        for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
            std::string_view rest = std::string_view(xml).substr(at + 1);
            if (rest.starts_with('?') || rest.starts_with('/')) rest.remove_prefix(1);
            if (xml[at + 1] == '?') continue;
            EXPECT_TRUE(rest.starts_with("x:")) << xml.substr(at, 30);
        }
    }
    // The cell formats read back through the prefixed stylesheet.
    Format percent;
    percent.number_format = "percent";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1", percent));
    Xml reread(PartText(MustSave(workbook), kStyles));
    EXPECT_EQ(Count(ByLocalName(reread.Root(), "fonts"), "font"), 2);
}

TEST(WorkbookFormat, AStylesheetWithoutTheReservedFillsGetsThemBeforeANewFill) {
    std::string bytes = MustSave(NewWorkbook());
    Result<Package> package = Package::Open(bytes);
    package->WritePart(std::string(kStyles),
                       "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                       "main\"><fonts count=\"1\"><font><sz val=\"11\"/></font></fonts>"
                       "<fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>"
                       "</styleSheet>");
    Workbook workbook = MustOpen(*package->Save());
    Format fill;
    fill.fill_color = "ABCDEF";
    ASSERT_TRUE(workbook.FormatRange("Data", "A1", fill));
    std::string saved = MustSave(workbook);
    Xml styles(PartText(saved, kStyles));
    pugi::xml_node fills = ByLocalName(styles.Root(), "fills");
    ASSERT_EQ(Count(fills, "fill"), 3);
    EXPECT_STREQ(fills.attribute("count").value(), "3");
    EXPECT_STREQ(
        ByLocalName(ByLocalName(fills, "fill", 1), "patternFill").attribute("patternType").value(),
        "gray125");
    // cellXfs was missing: xf 0 is a plain one and the cell's xf the new fill.
    pugi::xml_node xfs = ByLocalName(styles.Root(), "cellXfs");
    EXPECT_STREQ(ByLocalName(xfs, "xf", 0).attribute("fillId").value(), "0");
    EXPECT_STREQ(
        StyleOf(styles, Xml(PartText(saved, kSheet1)), "A1").xf.attribute("fillId").value(), "2");
}

TEST(WorkbookFormat, ColumnWidthSplitsARangeEntryAndKeepsItsStyle) {
    Workbook workbook = NewWorkbook();
    std::string bytes = MustSave(workbook);
    Result<Package> package = Package::Open(bytes);
    std::string sheet = *package->ReadPart(kSheet1);
    sheet.insert(sheet.find("<sheetData"),
                 "<cols><col min=\"1\" max=\"6\" width=\"11\" style=\"0\" customWidth=\"1\"/>"
                 "</cols>");
    package->WritePart(std::string(kSheet1), sheet);
    Workbook edited = MustOpen(*package->Save());
    ASSERT_TRUE(edited.SetColumnWidth("Data", "C:D", 30));
    Xml xml(PartText(MustSave(edited), kSheet1));
    std::vector<std::string> entries;
    for (pugi::xml_node col : ByLocalName(xml.Root(), "cols").children()) {
        entries.push_back(fmt::format("{}-{}:{}:{}", col.attribute("min").value(),
                                      col.attribute("max").value(), col.attribute("width").value(),
                                      col.attribute("style").value()));
    }
    EXPECT_EQ(entries, (std::vector<std::string>{"1-2:11:0", "3-3:30:0", "4-4:30:0", "5-6:11:0"}));
}

TEST(WorkbookFormat, FitColumnWidthFollowsTheLongestValue) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.SetCell("Data", "A3", CellValue::Text(std::string(30, 'x'))));
    ASSERT_TRUE(workbook.FitColumnWidth("Data", "A:C"));
    Xml xml(PartText(MustSave(workbook), kSheet1));
    pugi::xml_node cols = ByLocalName(xml.Root(), "cols");
    EXPECT_DOUBLE_EQ(ByLocalName(cols, "col", 0).attribute("width").as_double(), 32);
    EXPECT_DOUBLE_EQ(ByLocalName(cols, "col", 1).attribute("width").as_double(), 8);  // minimum
    EXPECT_DOUBLE_EQ(ByLocalName(cols, "col", 2).attribute("width").as_double(), 8);
}

TEST(WorkbookFormat, RowHeightIsCustomAndMakesMissingRows) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.SetRowHeight("Data", "2:4", 30.5));
    Xml xml(PartText(MustSave(workbook), kSheet1));
    pugi::xml_node data = ByLocalName(xml.Root(), "sheetData");
    ASSERT_EQ(Count(data, "row"), 4);
    for (int i = 1; i < 4; ++i) {
        pugi::xml_node row = ByLocalName(data, "row", i);
        EXPECT_EQ(row.attribute("r").as_int(), i + 1);
        EXPECT_STREQ(row.attribute("ht").value(), "30.5");
        EXPECT_STREQ(row.attribute("customHeight").value(), "1");
    }
    EXPECT_FALSE(ByLocalName(data, "row", 0).attribute("ht"));
}

TEST(WorkbookFormat, MergesKeepTheirCountAndRefuseOverlap) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.MergeCells("Data", "A1:B1"));
    ASSERT_TRUE(workbook.MergeCells("Data", "D4:C3"));
    Status overlap = workbook.MergeCells("Data", "B1:B2");
    ASSERT_FALSE(overlap);
    EXPECT_NE(overlap.error().message.find("A1:B1"), std::string::npos);

    Xml merged(PartText(MustSave(workbook), kSheet1));
    pugi::xml_node merges = ByLocalName(merged.Root(), "mergeCells");
    EXPECT_STREQ(merges.attribute("count").value(), "2");
    EXPECT_STREQ(ByLocalName(merges, "mergeCell", 1).attribute("ref").value(), "C3:D4");
    // mergeCells comes after sheetData and before pageMargins.
    EXPECT_STREQ(std::string(merges.previous_sibling().name()).c_str(), "sheetData");

    ASSERT_TRUE(workbook.UnmergeCells("Data", "A1:B1"));
    Xml one(PartText(MustSave(workbook), kSheet1));
    EXPECT_STREQ(ByLocalName(one.Root(), "mergeCells").attribute("count").value(), "1");
    ASSERT_TRUE(workbook.UnmergeCells("Data", "C3:D4"));
    Xml none(PartText(MustSave(workbook), kSheet1));
    EXPECT_FALSE(ByLocalName(none.Root(), "mergeCells"));
}

TEST(WorkbookFormat, FreezePanesWritesPaneAndSelections) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.FreezePanes("Data", "B2"));
    Xml both(PartText(MustSave(workbook), kSheet1));
    pugi::xml_node view = ByLocalName(ByLocalName(both.Root(), "sheetViews"), "sheetView");
    pugi::xml_node pane = ByLocalName(view, "pane");
    EXPECT_STREQ(pane.attribute("xSplit").value(), "1");
    EXPECT_STREQ(pane.attribute("ySplit").value(), "1");
    EXPECT_STREQ(pane.attribute("topLeftCell").value(), "B2");
    EXPECT_STREQ(pane.attribute("activePane").value(), "bottomRight");
    EXPECT_STREQ(pane.attribute("state").value(), "frozen");
    ASSERT_EQ(Count(view, "selection"), 3);
    EXPECT_STREQ(ByLocalName(view, "selection", 2).attribute("pane").value(), "bottomRight");

    ASSERT_TRUE(workbook.FreezePanes("Data", "A3"));
    Xml rows(PartText(MustSave(workbook), kSheet1));
    view = ByLocalName(ByLocalName(rows.Root(), "sheetViews"), "sheetView");
    pane = ByLocalName(view, "pane");
    EXPECT_FALSE(pane.attribute("xSplit"));
    EXPECT_STREQ(pane.attribute("ySplit").value(), "2");
    EXPECT_STREQ(pane.attribute("activePane").value(), "bottomLeft");
    EXPECT_EQ(Count(view, "selection"), 1);

    ASSERT_TRUE(workbook.FreezePanes("Data", "C1"));
    Xml columns(PartText(MustSave(workbook), kSheet1));
    pane = ByLocalName(ByLocalName(ByLocalName(columns.Root(), "sheetViews"), "sheetView"), "pane");
    EXPECT_STREQ(pane.attribute("xSplit").value(), "2");
    EXPECT_STREQ(pane.attribute("activePane").value(), "topRight");

    ASSERT_TRUE(workbook.FreezePanes("Data", "A1"));
    Xml unfrozen(PartText(MustSave(workbook), kSheet1));
    view = ByLocalName(ByLocalName(unfrozen.Root(), "sheetViews"), "sheetView");
    EXPECT_FALSE(ByLocalName(view, "pane"));
    EXPECT_EQ(Count(view, "selection"), 0);
}

TEST(WorkbookFormat, AutoFilterAndItsHiddenNameComeAndGoTogether) {
    Workbook workbook = NewWorkbook();
    ASSERT_TRUE(workbook.AddSheet("It's"));
    ASSERT_TRUE(workbook.SetAutoFilter("it's", "A1:C9"));
    ASSERT_TRUE(workbook.SetAutoFilter("Data", "A1:B2"));
    ASSERT_TRUE(workbook.SetAutoFilter("Data", "A1:B5"));
    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    EXPECT_STREQ(ByLocalName(sheet.Root(), "autoFilter").attribute("ref").value(), "A1:B5");
    Xml book(PartText(saved, "xl/workbook.xml"));
    pugi::xml_node names = ByLocalName(book.Root(), "definedNames");
    ASSERT_EQ(Count(names, "definedName"), 2);
    std::map<int, std::string> by_sheet;
    for (pugi::xml_node name : names.children()) {
        EXPECT_STREQ(name.attribute("name").value(), "_xlnm._FilterDatabase");
        EXPECT_STREQ(name.attribute("hidden").value(), "1");
        by_sheet[name.attribute("localSheetId").as_int()] = name.child_value();
    }
    EXPECT_EQ(by_sheet[0], "Data!$A$1:$B$5");
    EXPECT_EQ(by_sheet[1], "'It''s'!$A$1:$C$9");

    ASSERT_TRUE(workbook.SetAutoFilter("Data", std::nullopt));
    ASSERT_TRUE(workbook.SetAutoFilter("It's", ""));
    std::string cleared = MustSave(workbook);
    EXPECT_FALSE(ByLocalName(Xml(PartText(cleared, kSheet1)).Root(), "autoFilter"));
    EXPECT_FALSE(ByLocalName(Xml(PartText(cleared, "xl/workbook.xml")).Root(), "definedNames"));
}

// ---- Tools ---------------------------------------------------------------------------------

json::value MustCall(Workbook& workbook, std::string_view tool, std::string_view args) {
    Result<json::value> result = CallTool(workbook, tool, json::parse(args).as_object());
    EXPECT_TRUE(result) << tool << ": " << result.error().message;
    return result ? *result : json::value{};
}

TEST(WorkbookFormatTools, EveryFormattingToolWorksThroughCallTool) {
    Workbook workbook = NewWorkbook();
    MustCall(workbook, "format_range",
             R"({"sheet": "Data", "range": "A1:B1", "bold": true, "fill_color": "#D9E1F2",
                 "border": "thin", "border_color": "000000", "horizontal": "center",
                 "number_format": "integer"})");
    MustCall(workbook, "set_column_width", R"({"sheet": "Data", "columns": "A", "width": 25})");
    MustCall(workbook, "set_column_width", R"({"sheet": "Data", "columns": "B", "fit": true})");
    MustCall(workbook, "set_row_height", R"({"sheet": "Data", "rows": "1", "height": 28})");
    MustCall(workbook, "merge_cells", R"({"sheet": "Data", "range": "D1:E1"})");
    MustCall(workbook, "unmerge_cells", R"({"sheet": "Data", "range": "D1:E1"})");
    MustCall(workbook, "freeze_panes", R"({"sheet": "Data", "ref": "A2"})");
    json::value filter =
        MustCall(workbook, "set_auto_filter", R"({"sheet": "Data", "range": "A1:B2"})");
    EXPECT_EQ(filter.at("range").as_string(), "A1:B2");

    std::string saved = MustSave(workbook);
    Xml sheet(PartText(saved, kSheet1));
    Xml styles(PartText(saved, kStyles));
    CellStyle a1 = StyleOf(styles, sheet, "A1");
    EXPECT_TRUE(ByLocalName(a1.font, "b"));
    EXPECT_STREQ(a1.xf.attribute("numFmtId").value(), "3");
    EXPECT_STREQ(ByLocalName(a1.border, "left").attribute("style").value(), "thin");
    EXPECT_STREQ(ByLocalName(sheet.Root(), "autoFilter").attribute("ref").value(), "A1:B2");
    EXPECT_FALSE(ByLocalName(sheet.Root(), "mergeCells"));

    MustCall(workbook, "set_auto_filter", R"({"sheet": "Data", "range": null})");
    EXPECT_FALSE(ByLocalName(Xml(PartText(MustSave(workbook), kSheet1)).Root(), "autoFilter"));
}

TEST(WorkbookFormatTools, BadArgumentsAreNamedAndChangeNothing) {
    Workbook workbook = NewWorkbook();
    const std::string before = MustSave(workbook);
    struct Case {
        std::string_view tool;
        std::string_view args;
        std::string_view says;
    };
    const Case cases[] = {
        {"format_range", R"({"sheet": "Data", "range": "A1", "bold": "yes"})", "'bold'"},
        {"format_range", R"({"sheet": "Data", "range": "A1", "colour": "FF0000"})", "'colour'"},
        {"format_range", R"({"sheet": "Data", "range": "A1", "fill_color": "blue"})", "fill_color"},
        {"format_range", R"({"sheet": "Data", "range": "A1"})", "nothing to format"},
        {"set_column_width", R"({"sheet": "Data", "columns": "A"})", "width"},
        {"set_column_width", R"({"sheet": "Data", "columns": "A", "width": 9, "fit": true})",
         "width"},
        {"set_column_width", R"({"sheet": "Data", "columns": "A", "fit": false})", "fit"},
        {"set_row_height", R"({"sheet": "Data", "rows": "1"})", "'height'"},
        {"merge_cells", R"({"sheet": "Data"})", "'range'"},
        {"freeze_panes", R"({"sheet": "Data", "ref": 2})", "'ref'"},
        {"set_auto_filter", R"({"sheet": "Ghost", "range": "A1:B2"})", "Ghost"},
    };
    for (const Case& c : cases) {
        Result<json::value> result = CallTool(workbook, c.tool, json::parse(c.args).as_object());
        ASSERT_FALSE(result) << c.tool << " " << c.args;
        EXPECT_NE(result.error().message.find(c.says), std::string::npos) << result.error().message;
    }
    EXPECT_EQ(AllParts(MustSave(workbook)), AllParts(before));
    EXPECT_EQ(MustSave(workbook), before);
}

TEST(WorkbookFormatTools, SchemasAreStrictObjects) {
    json::array schemas = json::parse(ToolSchemasJson()).as_array();
    int found = 0;
    for (const json::value& entry : schemas) {
        std::string name(entry.at("name").as_string());
        static const std::set<std::string> kFormatTools = {
            "format_range",  "set_column_width", "set_row_height",  "merge_cells",
            "unmerge_cells", "freeze_panes",     "set_auto_filter", "set_page_setup"};
        if (!kFormatTools.contains(name)) continue;
        ++found;
        const json::object& schema = entry.at("input_schema").as_object();
        EXPECT_EQ(schema.at("type").as_string(), "object") << name;
        EXPECT_FALSE(schema.at("additionalProperties").as_bool()) << name;
        for (const json::value& required : schema.at("required").as_array()) {
            EXPECT_TRUE(schema.at("properties").as_object().contains(required.as_string())) << name;
        }
    }
    EXPECT_EQ(found, 8);
}

}  // namespace
}  // namespace quire::xlsx
