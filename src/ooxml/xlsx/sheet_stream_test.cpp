#include "ooxml/xlsx/sheet_stream.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"
#include "shared_dir.hpp"

namespace quire::xlsx {
namespace {

using ooxml::Package;

constexpr std::string_view kDecl =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr std::string_view kNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

std::string Sheet(std::string_view body) {
    return fmt::format("{}<worksheet xmlns=\"{}\">{}</worksheet>", kDecl, kNs, body);
}

CellWrite Number(std::string text, std::optional<int> style = std::nullopt) {
    return {CellWrite::Kind::kNumber, std::move(text), style};
}

CellRef Ref(std::string_view name) { return *ParseCellRef(name); }

// The same edits applied the way Workbook::SetCells applies them to a DOM.
std::string DomMerge(const std::string& xml, const std::vector<StreamedCell>& cells) {
    auto doc = ooxml::ParseXml(xml, "sheet.xml");
    EXPECT_TRUE(doc);
    SheetWriter writer(**doc);
    for (const StreamedCell& cell : cells) {
        pugi::xml_node c = writer.Cell(writer.Row(cell.ref.row), cell.ref);
        if (HasFormula(c)) DetachSharedFormula(writer, c, cell.ref);
        WriteCell(c, cell.write);
    }
    writer.UpdateDimension();
    return ooxml::SerializeXml(**doc);
}

// The stream merge, with shared formula groups found the way Workbook does.
std::string StreamMerge(const std::string& xml, const std::vector<StreamedCell>& cells) {
    std::optional<WorksheetText> sheet = WorksheetText::Scan(xml);
    EXPECT_TRUE(sheet);
    std::vector<CellRef> refs;
    for (const StreamedCell& cell : cells) refs.push_back(cell.ref);
    Result<std::vector<std::string_view>> existing = sheet->FindCells(refs, "sheet.xml", true);
    EXPECT_TRUE(existing);
    std::vector<SharedFormulaGroup> groups;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        if ((*existing)[i].empty()) continue;
        auto doc = sheet->ParseCell((*existing)[i], "sheet.xml");
        EXPECT_TRUE(doc);
        pugi::xml_node f = Child((*doc)->document_element().first_child(), "f");
        if (f && std::string_view(f.attribute("t").value()) == "shared" && f.attribute("ref")) {
            groups.push_back({f.attribute("si").value(), NodeText(f), refs[i],
                              *ParseRange(f.attribute("ref").value())});
        }
    }
    Result<std::string> merged = sheet->MergeCells(cells, groups, "sheet.xml");
    EXPECT_TRUE(merged) << merged.error().message;
    return merged ? *merged : std::string{};
}

struct MergeCase {
    std::string name;
    std::string xml;
    std::vector<StreamedCell> cells;  // sorted, one per cell
};

std::vector<MergeCase> MergeCases() {
    const std::string rows =
        "<dimension ref=\"A1:C3\"/><sheetData><row r=\"1\" spans=\"1:3\"><c r=\"A1\"><v>1</v></c>"
        "<c r=\"C1\" s=\"2\"><v>3</v></c></row><row r=\"3\"><c r=\"B3\" t=\"s\"><v>0</v></c>"
        "</row></sheetData>";
    return {
        {"IntoEmptySelfClosedSheetData",
         Sheet("<dimension ref=\"A1\"/><sheetData/>"),
         {{Ref("B2"), Number("5")},
          {Ref("C2"), {CellWrite::Kind::kInlineString, "a b & <c>", std::nullopt}},
          {Ref("A4"), {CellWrite::Kind::kFormula, "B2*2&\"x\"", std::nullopt}},
          {Ref("B4"), {CellWrite::Kind::kBoolean, "1", std::nullopt}},
          {Ref("C4"), {CellWrite::Kind::kSharedString, "7", 3}},
          {Ref("D4"), {CellWrite::Kind::kClear, "", std::nullopt}}}},
        {"BeforeBetweenAndAfterRowsAndCells",
         Sheet(rows),
         {{Ref("B1"), Number("2")},
          {Ref("D1"), Number("4")},
          {Ref("A2"), Number("9")},
          {Ref("A3"), Number("8")},
          {Ref("B3"), Number("7", 1)},
          {Ref("A9"), Number("6")}}},
        {"OverwritesKeepingTheStyle", Sheet(rows), {{Ref("C1"), Number("30")}}},
        {"NoDimensionElementYet",
         Sheet("<sheetPr><tabColor rgb=\"FF00FF00\"/></sheetPr><sheetViews><sheetView "
               "workbookViewId=\"0\"/></sheetViews><sheetData><row r=\"2\"><c r=\"B2\"><v>1</v>"
               "</c></row></sheetData>"),
         {{Ref("E5"), Number("1")}}},
        {"DimensionA1WithoutCellA1IsReplaced",
         Sheet("<dimension ref=\"A1\"/><sheetData><row r=\"3\"><c r=\"C3\"><v>1</v></c></row>"
               "</sheetData>"),
         {{Ref("D4"), Number("1")}}},
        {"PrefixedNamespace",
         fmt::format("{}<x:worksheet xmlns:x=\"{}\"><x:dimension ref=\"A1:A1\"/><x:sheetData>"
                     "<x:row r=\"1\"><x:c r=\"A1\"><x:v>1</x:v></x:c></x:row></x:sheetData>"
                     "</x:worksheet>",
                     kDecl, kNs),
         {{Ref("A1"), {CellWrite::Kind::kInlineString, "t", std::nullopt}},
          {Ref("B1"), {CellWrite::Kind::kInlineString, "u", std::nullopt}},
          {Ref("A2"), Number("2")}}},
        {"SharedFormulaAnchorOverwritten",
         Sheet("<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\"><f t=\"shared\" "
               "ref=\"B1:B3\" si=\"0\">A1*2</f><v>2</v></c></row><row r=\"2\"><c r=\"B2\"><f "
               "t=\"shared\" si=\"0\"/><v>4</v></c></row><row r=\"3\"><c r=\"B3\"><f "
               "t=\"shared\" si=\"0\"/><v>0</v></c><c r=\"C3\"><f t=\"shared\" ref=\"C3:C4\" "
               "si=\"1\">B3</f></c></row><row r=\"4\"><c r=\"C4\"><f t=\"shared\" si=\"1\"/></c>"
               "</row></sheetData>"),
         {{Ref("B1"), Number("7")}}},
        {"RowsAndCellsWithoutNumbers",
         Sheet("<sheetData><row><c><v>1</v></c></row><row><c><v>2</v></c><c><v>3</v></c></row>"
               "<row r=\"5\"><c r=\"A5\"><v>5</v></c></row></sheetData>"),
         {{Ref("C1"), Number("4")}, {Ref("A2"), Number("9")}, {Ref("A3"), Number("8")}}},
        {"UnknownChildrenOfARowStay",
         Sheet("<sheetData><row r=\"1\" customHeight=\"1\" ht=\"30\"><c r=\"A1\"><v>1</v></c>"
               "<extLst><ext uri=\"{X}\"/></extLst></row></sheetData><extLst/>"),
         {{Ref("B1"), Number("2")}}},
        {"SpansListsAreDropped",
         Sheet("<sheetData><row r=\"1\" spans=\"1:2 4:5\"><c r=\"A1\"><v>1</v></c></row>"
               "</sheetData>"),
         {{Ref("C1"), Number("2")}}},
    };
}

class StreamMergeMatchesDom : public ::testing::TestWithParam<MergeCase> {};

// Inputs written the way pugixml writes, so the DOM path's output is the input plus the edits:
// the two must then agree byte for byte.
TEST_P(StreamMergeMatchesDom, ByteForByte) {
    const MergeCase& test = GetParam();
    EXPECT_EQ(StreamMerge(test.xml, test.cells), DomMerge(test.xml, test.cells));
}

TEST_P(StreamMergeMatchesDom, InPlaceToo) {
    const MergeCase& test = GetParam();
    std::string text;
    text.reserve(test.xml.size() + 4096);
    text = test.xml;
    std::optional<WorksheetText> sheet = WorksheetText::Scan(text);
    ASSERT_TRUE(sheet);
    // The groups are found as StreamMerge finds them; only the shared formula case has any.
    std::vector<SharedFormulaGroup> groups;
    if (test.name == "SharedFormulaAnchorOverwritten") {
        groups.push_back({"0", "A1*2", Ref("B1"), *ParseRange("B1:B3")});
    }
    const char* before = text.data();
    Result<bool> done = sheet->MergeCellsInPlace(text, test.cells, groups, "sheet.xml");
    ASSERT_TRUE(done);
    ASSERT_TRUE(*done);
    EXPECT_EQ(text.data(), before) << "the text was copied";
    EXPECT_EQ(text, DomMerge(test.xml, test.cells));
}

TEST(WorksheetText, InPlaceMergeWithoutRoomLeavesTheTextAlone) {
    std::string text = Sheet("<dimension ref=\"A1\"/><sheetData/>");
    text.shrink_to_fit();
    const std::string original = text;
    std::optional<WorksheetText> sheet = WorksheetText::Scan(text);
    ASSERT_TRUE(sheet);
    std::vector<StreamedCell> cells;
    for (int r = 1; r <= 200; ++r) cells.push_back({{1, r}, Number(std::to_string(r))});
    Result<bool> done = sheet->MergeCellsInPlace(text, cells, {}, "sheet.xml");
    ASSERT_TRUE(done);
    EXPECT_FALSE(*done);
    EXPECT_EQ(text, original);
}

INSTANTIATE_TEST_SUITE_P(Cases, StreamMergeMatchesDom, ::testing::ValuesIn(MergeCases()),
                         [](const auto& info) { return info.param.name; });

TEST(WorksheetText, MergeKeepsEveryOtherByteAsWritten) {
    // Single quotes, spaces around '=', comments and unknown attributes would all be rewritten
    // by a DOM round trip; a stream edit keeps them.
    const std::string xml =
        "<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main' "
        "xmlns:q='urn:q'>\n  <dimension ref = 'A1:B2' />\n  <sheetData >\n    <!-- <row r=\"2\"> "
        "-->\n    <row r='1' q:x='1'><c r='A1' q:keep='yes'><v>1</v></c></row>\n    <row "
        "r='2'><c r='B2'><v>2</v></c></row>\n  </sheetData>\n  <q:extra a='1'/>\n</worksheet>";
    std::string merged = StreamMerge(xml, {{Ref("B1"), Number("5")}});
    const std::string expected =
        "<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main' "
        "xmlns:q='urn:q'>\n  <dimension ref=\"A1:B2\" />\n  <sheetData >\n    <!-- <row r=\"2\"> "
        "-->\n    <row r='1' q:x='1'><c r='A1' q:keep='yes'><v>1</v></c><c r=\"B1\"><v>5</v></c>"
        "</row>\n    <row r='2'><c r='B2'><v>2</v></c></row>\n  </sheetData>\n  <q:extra a='1'/>\n"
        "</worksheet>";
    EXPECT_EQ(merged, expected);
}

TEST(WorksheetText, FindsCellsInAnyOrderAndReportsMissingOnes) {
    const std::string xml = Sheet(
        "<sheetData><row r=\"2\"><c r=\"A2\" s=\"4\"><v>1</v></c><c r=\"C2\"/></row><row "
        "r=\"7\"><c r=\"B7\" t=\"b\"><v>1</v></c></row></sheetData>");
    std::optional<WorksheetText> sheet = WorksheetText::Scan(xml);
    ASSERT_TRUE(sheet);
    std::vector<CellRef> refs = {Ref("B7"), Ref("A2"), Ref("B2"), Ref("C2"), Ref("A9")};
    Result<std::vector<std::string_view>> found = sheet->FindCells(refs, "sheet.xml");
    ASSERT_TRUE(found);
    EXPECT_EQ((*found)[0], "<c r=\"B7\" t=\"b\"><v>1</v></c>");
    EXPECT_EQ((*found)[1], "<c r=\"A2\" s=\"4\"><v>1</v></c>");
    EXPECT_TRUE((*found)[2].empty());
    EXPECT_EQ((*found)[3], "<c r=\"C2\"/>");
    EXPECT_TRUE((*found)[4].empty());
    EXPECT_EQ(WorksheetText::CellStyle((*found)[1]), 4);
    EXPECT_EQ(WorksheetText::CellStyle((*found)[0]), std::nullopt);
}

TEST(WorksheetText, ParsedCellResolvesThePartsNamespaces) {
    const std::string xml = fmt::format(
        "<x:worksheet xmlns:x=\"{}\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\"><x:f>1+1</x:f>"
        "</x:c></x:row></x:sheetData></x:worksheet>",
        kNs);
    std::optional<WorksheetText> sheet = WorksheetText::Scan(xml);
    ASSERT_TRUE(sheet);
    const CellRef a1{1, 1};
    Result<std::vector<std::string_view>> found = sheet->FindCells({&a1, 1}, "sheet.xml");
    ASSERT_TRUE(found);
    auto doc = sheet->ParseCell(found->front(), "sheet.xml");
    ASSERT_TRUE(doc);
    pugi::xml_node c = (*doc)->document_element().first_child();
    EXPECT_EQ(ooxml::NamespaceOf(c), kNs);
    EXPECT_EQ(NodeText(Child(c, "f")), "1+1");
}

TEST(WorksheetText, TextWithoutSheetDataOrInAnotherEncodingIsNotStreamed) {
    EXPECT_FALSE(WorksheetText::Scan(Sheet("<sheetViews/>")));
    EXPECT_FALSE(WorksheetText::Scan(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><worksheet><sheetData/></worksheet>"));
    EXPECT_FALSE(WorksheetText::Scan("not xml"));
    EXPECT_TRUE(WorksheetText::Scan(Sheet("<sheetData/>")));
}

TEST(WorksheetText, TruncatedSheetDataIsRefusedNamingThePart) {
    const std::string xml =
        fmt::format("<worksheet xmlns=\"{}\"><sheetData><row r=\"1\"><c r=\"A1\"><v>1", kNs);
    std::optional<WorksheetText> sheet = WorksheetText::Scan(xml);
    ASSERT_TRUE(sheet);
    Result<std::vector<std::string_view>> found = sheet->FindCells({}, "xl/sheet9.xml", true);
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(found.error().message.find("xl/sheet9.xml"), std::string::npos);
    std::vector<StreamedCell> cells = {{Ref("B2"), Number("1")}};
    EXPECT_FALSE(sheet->MergeCells(cells, {}, "xl/sheet9.xml"));
}

// ---- Through the workbook: the stream path and the DOM path agree ----------------------------

std::vector<CellEdit> MixedEdits(int rows, int cols) {
    std::vector<CellEdit> edits;
    for (int r = 1; r <= rows; ++r) {
        for (int c = 1; c <= cols; ++c) {
            std::string ref = CellName({c, r});
            switch (c % 4) {
                case 0:
                    edits.push_back({ref, CellValue::Number(r * 1.5 + c)});
                    break;
                case 1:
                    edits.push_back(
                        {ref, CellValue::Text(fmt::format("item {} & <{}>", r % 7, c))});
                    break;
                case 2:
                    edits.push_back({ref, CellValue::Formula(fmt::format("A{}*2", r))});
                    break;
                default:
                    edits.push_back({ref, CellValue::Boolean(r % 2 == 0)});
            }
        }
    }
    return edits;
}

constexpr WorkbookOptions kDomOnly{UINT64_MAX, SIZE_MAX};
constexpr WorkbookOptions kStreamAlways{0, 0};

void ExpectSameCells(const Workbook& a, const Workbook& b, std::string_view sheet,
                     const std::vector<std::string>& refs) {
    for (const std::string& ref : refs) {
        Result<CellValue> x = a.GetCell(sheet, ref);
        Result<CellValue> y = b.GetCell(sheet, ref);
        ASSERT_TRUE(x && y) << ref;
        EXPECT_EQ(x->kind, y->kind) << ref;
        EXPECT_EQ(x->number, y->number) << ref;
        EXPECT_EQ(x->text, y->text) << ref;
    }
}

std::string SheetPart(const Workbook& workbook) {
    Result<std::string> saved = workbook.Save();
    EXPECT_TRUE(saved);
    Result<Package> package = Package::Open(*saved);
    EXPECT_TRUE(package);
    Result<std::string> text = package->ReadPart("xl/worksheets/sheet1.xml");
    return text ? *text : std::string{};
}

TEST(WorkbookStream, BulkWriteWithoutADomGivesTheDomPathsPart) {
    std::vector<CellEdit> edits = MixedEdits(300, 9);
    Workbook streamed = Workbook::Create(kStreamAlways);
    Workbook dom = Workbook::Create(kDomOnly);
    ASSERT_TRUE(streamed.AddSheet("Data") && dom.AddSheet("Data"));
    ASSERT_TRUE(streamed.SetCells("Data", edits));
    ASSERT_TRUE(dom.SetCells("Data", edits));
    for (const std::string& part : streamed.ParsedParts()) {
        EXPECT_EQ(part.find("worksheets/"), std::string::npos) << part << " was parsed";
    }
    EXPECT_EQ(SheetPart(streamed), SheetPart(dom));
}

// More cells than the fill prepares at once, with a chunk's end falling inside a row, dates
// that need a style and empty values.
TEST(WorkbookStream, FillingANewSheetInChunksGivesTheDomPathsPart) {
    std::vector<CellEdit> edits = MixedEdits(1000, 10);
    for (std::size_t i = 3; i < edits.size(); i += 97) edits[i].value = CellValue::Date(45000.5);
    for (std::size_t i = 5; i < edits.size(); i += 101) edits[i].value = CellValue{};
    Workbook streamed = Workbook::Create(kStreamAlways);
    Workbook dom = Workbook::Create(kDomOnly);
    ASSERT_TRUE(streamed.AddSheet("Data") && dom.AddSheet("Data"));
    ASSERT_TRUE(streamed.SetCells("Data", edits));
    ASSERT_TRUE(dom.SetCells("Data", edits));
    std::string text = SheetPart(streamed);
    EXPECT_EQ(text, SheetPart(dom));
    std::size_t rows = 0;
    for (std::size_t at = text.find("<row "); at != std::string::npos;
         at = text.find("<row ", at + 1)) {
        ++rows;
    }
    EXPECT_EQ(rows, 1000u);
}

// New cells used to get style 0 whatever their column or row said, so values written into a
// column formatted as currency showed as plain numbers.
TEST(WorkbookStream, NewCellsTakeTheirColumnsOrRowsFormatOnBothPaths) {
    std::map<std::string, std::string> parts;
    for (const WorkbookOptions& options : {kDomOnly, kStreamAlways}) {
        Workbook setup = Workbook::Create(kDomOnly);
        ASSERT_TRUE(setup.AddSheet("Data") && setup.AddSheet("New"));
        ASSERT_TRUE(setup.SetCells("Data", std::vector<CellEdit>{{"A1", CellValue::Number(1)},
                                                                 {"B1", CellValue::Number(2)}}));
        Workbook::CellFormat money;
        money.number_format = "#,##0.00";
        Workbook::CellFormat bold;
        bold.bold = true;
        ASSERT_TRUE(setup.FormatRange("Data", "B:B", money));
        ASSERT_TRUE(setup.FormatRange("Data", "5:5", bold));
        ASSERT_TRUE(setup.FormatRange("New", "B:B", money));
        Result<Workbook> opened = Workbook::Open(*setup.Save(), options);
        ASSERT_TRUE(opened);
        Workbook& workbook = *opened;
        ASSERT_TRUE(
            workbook.SetCells("Data", std::vector<CellEdit>{{"B9", CellValue::Number(3)},
                                                            {"C5", CellValue::Number(4)},
                                                            {"D20", CellValue::Number(5)}}));
        std::vector<CellEdit> fill;
        for (int row = 1; row <= 30; ++row) {
            fill.push_back({CellName({1, row}), CellValue::Number(row)});
            fill.push_back({CellName({2, row}), CellValue::Number(row * 1.5)});
        }
        ASSERT_TRUE(workbook.SetCells("New", fill));
        Result<std::string> saved = workbook.Save();
        ASSERT_TRUE(saved);
        Result<Package> package = Package::Open(*saved);
        ASSERT_TRUE(package);
        // The numFmtId of the cell's style: 4 is "#,##0.00", 0 "General".
        auto format_of = [&](std::string_view part, std::string_view ref) {
            pugi::xml_document sheet, styles;
            EXPECT_TRUE(sheet.load_string(package->ReadPart(std::string(part))->c_str()));
            EXPECT_TRUE(styles.load_string(package->ReadPart("xl/styles.xml")->c_str()));
            pugi::xml_node c =
                sheet.select_node(fmt::format("//*[local-name()='c'][@r='{}']", ref).c_str())
                    .node();
            EXPECT_TRUE(c) << ref;
            pugi::xml_node xf = styles
                                    .select_node(fmt::format("//*[local-name()='cellXfs']/*[{}]",
                                                             c.attribute("s").as_int() + 1)
                                                     .c_str())
                                    .node();
            return xf.attribute("numFmtId").as_int();
        };
        EXPECT_EQ(format_of("xl/worksheets/sheet1.xml", "B9"), 4);
        EXPECT_EQ(format_of("xl/worksheets/sheet1.xml", "D20"), 0);
        EXPECT_EQ(format_of("xl/worksheets/sheet2.xml", "B30"), 4);
        EXPECT_EQ(format_of("xl/worksheets/sheet2.xml", "A30"), 0);
        std::string data = *package->ReadPart("xl/worksheets/sheet1.xml");
        std::size_t c5 = data.find("<c r=\"C5\"");
        ASSERT_NE(c5, std::string::npos);
        EXPECT_NE(data.substr(c5, data.find('>', c5) - c5).find(" s=\""), std::string::npos)
            << "C5 lost the row's style";
        parts[options.stream_edit_count == 0 ? "stream" : "dom"] =
            data + *package->ReadPart("xl/worksheets/sheet2.xml");
    }
    EXPECT_EQ(parts["stream"], parts["dom"]);
}

TEST(WorkbookStream, EditsOutOfOrderAndRepeatedAgreeWithTheDomPath) {
    std::vector<CellEdit> edits = MixedEdits(120, 20);
    std::reverse(edits.begin(), edits.end());
    edits.push_back({"C7", CellValue::Text("last edit wins")});
    edits.push_back({"Z999", CellValue::Number(1)});
    Workbook streamed = Workbook::Create(kStreamAlways);
    Workbook dom = Workbook::Create(kDomOnly);
    ASSERT_TRUE(streamed.AddSheet("Data") && dom.AddSheet("Data"));
    ASSERT_TRUE(streamed.SetCells("Data", edits));
    ASSERT_TRUE(dom.SetCells("Data", edits));
    Workbook a = *Workbook::Open(*streamed.Save());
    Workbook b = *Workbook::Open(*dom.Save());
    ExpectSameCells(a, b, "Data", {"A1", "B2", "C7", "D50", "T120", "U120", "Z999", "A121"});
    EXPECT_EQ(a.GetCell("Data", "C7")->text, "last edit wins");
}

TEST(WorkbookStream, WhitespaceThatReadersWouldCollapseIsPreservedOnBothPaths) {
    const std::vector<std::string> texts = {" lead", "trail ", "two  spaces", "tab\there",
                                            "one space"};
    for (const WorkbookOptions& options : {kDomOnly, kStreamAlways}) {
        Workbook workbook = Workbook::Create(options);
        ASSERT_TRUE(workbook.AddSheet("Data"));
        std::vector<CellEdit> edits;
        for (std::size_t i = 0; i < texts.size(); ++i) {
            edits.push_back({CellName({1, static_cast<int>(i) + 1}), CellValue::Text(texts[i])});
        }
        ASSERT_TRUE(workbook.SetCells("Data", edits));
        std::string sheet = SheetPart(workbook);
        EXPECT_NE(sheet.find("<t xml:space=\"preserve\"> lead</t>"), std::string::npos) << sheet;
        EXPECT_NE(sheet.find("<t>one space</t>"), std::string::npos) << sheet;
        Result<Workbook> reopened = Workbook::Open(*workbook.Save());
        ASSERT_TRUE(reopened);
        for (std::size_t i = 0; i < texts.size(); ++i) {
            Result<CellValue> cell =
                reopened->GetCell("Data", CellName({1, static_cast<int>(i) + 1}));
            ASSERT_TRUE(cell);
            EXPECT_EQ(cell->text, texts[i]);
        }
    }
}

TEST(WorkbookStream, BadEditInABulkCallChangesNothing) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    std::vector<CellEdit> edits = MixedEdits(100, 30);
    edits[2500].value = CellValue::Formula("SUM(A1");
    Status status = workbook.SetCells("Data", edits);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find(edits[2500].ref), std::string::npos);
    EXPECT_EQ((*workbook.Sheets())[0].dimension, "");
    EXPECT_EQ(workbook.GetCell("Data", "A1")->kind, CellValue::Kind::kEmpty);
}

TEST(WorkbookStream, DomLoadedAfterStreamEditsSeesThem) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCells("Data", MixedEdits(100, 25)));
    // A small edit of a small part goes through the DOM, which must start from the streamed text.
    ASSERT_TRUE(workbook.SetCell("Data", "B3", CellValue::Number(12)));
    EXPECT_EQ(workbook.GetCell("Data", "B3")->number, 12);
    EXPECT_EQ(workbook.GetCell("Data", "B4")->text, "A4*2");
    // Once parsed, even a bulk edit goes to the DOM, so the two never disagree.
    ASSERT_TRUE(workbook.SetCells("Data", MixedEdits(100, 25)));
    EXPECT_EQ(workbook.GetCell("Data", "B3")->text, "A3*2");
    Workbook reopened = *Workbook::Open(*workbook.Save());
    EXPECT_EQ(reopened.GetCell("Data", "B3")->text, "A3*2");
    EXPECT_EQ((*reopened.Sheets())[0].dimension, "A1:Y100");
}

// Real files: the same edits streamed and through a DOM read back alike,
// including the cells around the edits and shared formulas the edits break up.
class CorpusStreamMatchesDom : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusStreamMatchesDom, CellsReadBackAlike) {
    std::filesystem::path path = quire::test_support::SharedDir() / "corpus" / GetParam();
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(bytes.empty()) << path;
    Result<Workbook> streamed = Workbook::Open(bytes, kStreamAlways);
    Result<Workbook> dom = Workbook::Open(bytes, kDomOnly);
    ASSERT_TRUE(streamed && dom);
    Result<std::vector<SheetInfo>> sheets = streamed->Sheets();
    ASSERT_TRUE(sheets);
    auto sheet = std::find_if(sheets->begin(), sheets->end(),
                              [](const SheetInfo& s) { return s.kind == "worksheet"; });
    ASSERT_NE(sheet, sheets->end());

    std::vector<CellEdit> edits;
    std::vector<std::string> probes;
    for (int r = 1; r <= 60; ++r) {
        for (int c = 1; c <= 40; ++c) {
            std::string ref = CellName({c, r});
            probes.push_back(ref);
            if ((r * 7 + c * 3) % 5 == 0) edits.push_back({ref, CellValue::Number(r + c / 100.0)});
            if ((r + c) % 11 == 0) edits.push_back({ref, CellValue::Text("s" + ref)});
        }
    }
    edits.push_back({"AZ2000", CellValue::Number(1)});
    ASSERT_TRUE(streamed->SetCells(sheet->name, edits));
    ASSERT_TRUE(dom->SetCells(sheet->name, edits));
    Result<Workbook> a = Workbook::Open(*streamed->Save());
    Result<Workbook> b = Workbook::Open(*dom->Save());
    ASSERT_TRUE(a && b);
    probes.push_back("AZ2000");
    ExpectSameCells(*a, *b, sheet->name, probes);
    const auto index = static_cast<std::size_t>(sheet - sheets->begin());
    EXPECT_EQ((*a->Sheets())[index].dimension, (*b->Sheets())[index].dimension);
}

INSTANTIATE_TEST_SUITE_P(Files, CorpusStreamMatchesDom,
                         ::testing::Values("xlsx/calamine-issue_174.xlsx",
                                           "xlsx/poi-57893-many-merges.xlsx",
                                           "xlsx/poi-newstyleconditionalformattings.xlsx",
                                           "xlsx/poi-stress002.xlsx",
                                           "xlsx/poi-sampless.strict.xlsx", "xlsx/poi-57181.xlsm"),
                         [](const auto& info) {
                             std::string name = info.param;
                             for (char& ch : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             }
                             return name;
                         });

}  // namespace
}  // namespace quire::xlsx

namespace quire::xlsx {
namespace {

TEST(FormatNumber, WritesEveryKindOfNumberAsFmtWritesItsShortestForm) {
    const std::vector<double> values = {
        0.0,    -0.0,  1.0,       -2.0,     1.25,    0.1,
        -0.7,   1e15,  -1e15,     1e15 - 1, 1e16,    123456789012345.0,
        1e-5,   1e300, 5e-324,    2.5e-7,   1.0 / 3, 9007199254740993.0,
        -1e100, 42.5,  1e14 + 0.5};
    for (double value : values) {
        EXPECT_EQ(FormatNumber(value), fmt::format("{}", value)) << value;
    }
}

TEST(SheetPart, DeclaredDimensionNeedsOnlyTheStartOfThePart) {
    const std::string xml = Sheet("<dimension ref=\"B2:D9\"/><sheetData><row r=\"2\">");
    EXPECT_EQ(DeclaredDimension(xml), "B2:D9");
    EXPECT_EQ(DeclaredDimension(xml.substr(0, xml.find("<sheetData"))), "B2:D9");
    // Cut inside the tag, "A1" (also written in empty sheets) or no tag before the cells: the
    // whole part must be scanned instead.
    EXPECT_EQ(DeclaredDimension(xml.substr(0, xml.find(":D9"))), std::nullopt);
    EXPECT_EQ(DeclaredDimension(Sheet("<dimension ref=\"A1\"/><sheetData/>")), std::nullopt);
    EXPECT_EQ(DeclaredDimension(Sheet("<sheetData/><dimension ref=\"A1:B2\"/>")), std::nullopt);
}

TEST(WorkbookStream, OutlineOfALargeSheetReadsItsDeclaredDimension) {
    Workbook workbook = Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Data"));
    ASSERT_TRUE(workbook.SetCells("Data", MixedEdits(3000, 4)));
    Result<Workbook> reopened = Workbook::Open(*workbook.Save());
    ASSERT_TRUE(reopened);
    Result<std::vector<SheetInfo>> sheets = reopened->Sheets();
    ASSERT_TRUE(sheets);
    EXPECT_EQ((*sheets)[0].dimension, "A1:D3000");
}

}  // namespace
}  // namespace quire::xlsx
