// The block writers read back: page breaks, the table of contents field, JPEG images, list
// numbering, styles added to a document's styles part, table styles, the chart's embedded
// workbook, the outline's counts per section, and the blank document's styles.

#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <pugixml.hpp>

#include <set>

#include "ooxml/docx/tools.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_test_support.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::docx {
namespace {

namespace json = boost::json;
using test_support::ExtraPart;
using test_support::Heading;
using test_support::Paragraph;
using test_support::PartXml;
using test_support::Reopen;
using test_support::WithBodyAndParts;
using test_support::WordRoot;

BlockSpec Of(BlockSpec::Kind kind) {
    BlockSpec spec;
    spec.kind = kind;
    return spec;
}

BlockSpec List(bool ordered, std::vector<std::string> items) {
    BlockSpec spec = Of(BlockSpec::Kind::kList);
    spec.ordered = ordered;
    for (std::string& item : items) spec.items.push_back({std::move(item), 0});
    return spec;
}

BlockSpec Table(std::string style) {
    BlockSpec spec = Of(BlockSpec::Kind::kTable);
    spec.rows = {{"Region", "Sales"}, {"North", "10"}};
    spec.table_style = std::move(style);
    return spec;
}

pugi::xml_document Parse(const std::string& xml) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_buffer(xml.data(), xml.size())) << xml;
    return doc;
}

// The w:name values of a document's styles, lowercase as Word compares them.
std::multiset<std::string> StyleNames(const WordDocument& document) {
    const pugi::xml_document styles = Parse(PartXml(document, "word/styles.xml"));
    std::multiset<std::string> names;
    for (pugi::xml_node style : styles.document_element().children("w:style")) {
        std::string name = style.child("w:name").attribute("w:val").value();
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        names.insert(name);
    }
    return names;
}

// ---------------------------------------------------------------------------------------------
// The blank document

TEST(WordWrite, TheBlankDocumentHoldsTheStylesItsContractNames) {
    const WordDocument blank = WordDocument::Create();
    EXPECT_EQ(StyleNames(blank), (std::multiset<std::string>{"normal", "default paragraph font",
                                                             "title", "heading 1"}));
    EXPECT_EQ(blank.BlockCount(), 0u);
    const pugi::xml_document main = Parse(PartXml(blank, "word/document.xml"));
    const pugi::xml_node page =
        main.document_element().child("w:body").child("w:sectPr").child("w:pgSz");
    EXPECT_STREQ(page.attribute("w:w").value(), "11906");  // A4
    EXPECT_STREQ(page.attribute("w:h").value(), "16838");
}

// ---------------------------------------------------------------------------------------------
// Page breaks and the table of contents

TEST(WordWrite, APageBreakIsAParagraphOfItsOwn) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks(
        "end", Position::kAfter,
        std::vector{Paragraph("Before"), Of(BlockSpec::Kind::kPageBreak), Paragraph("After")}));
    WordDocument reopened = Reopen(document);
    ASSERT_EQ(reopened.BlockCount(), 3u);
    const pugi::xml_document main = Parse(PartXml(reopened, "word/document.xml"));
    const pugi::xml_node body = main.document_element().child("w:body");
    const pugi::xml_node page_break = body.child("w:p").next_sibling("w:p");
    ASSERT_TRUE(page_break);
    EXPECT_STREQ(page_break.child("w:r").child("w:br").attribute("w:type").value(), "page");
    EXPECT_FALSE(page_break.child("w:r").child("w:t"));
    EXPECT_EQ(json::parse(reopened.OutlineJson()).at("paragraphs"), 3);
}

TEST(WordWrite, ATableOfContentsIsADirtyTocFieldWordFillsOnOpen) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks(
        "end", Position::kAfter,
        std::vector{Of(BlockSpec::Kind::kToc), Heading("One"), Heading("Two", 2)}));
    WordDocument reopened = Reopen(document);
    const pugi::xml_document main = Parse(PartXml(reopened, "word/document.xml"));
    const pugi::xml_node toc = main.document_element().child("w:body").child("w:p");
    std::vector<std::string> field;
    for (pugi::xml_node run : toc.children("w:r")) {
        if (pugi::xml_node mark = run.child("w:fldChar")) {
            field.push_back(mark.attribute("w:fldCharType").value());
            if (field.back() == "begin") {
                EXPECT_STREQ(mark.attribute("w:dirty").value(), "true");
            }
        }
        if (pugi::xml_node instruction = run.child("w:instrText")) {
            field.push_back(instruction.text().get());
        }
        if (pugi::xml_node text = run.child("w:t")) field.push_back("text");
    }
    EXPECT_EQ(field, (std::vector<std::string>{"begin", R"( TOC \o "1-3" \h \z \u )", "separate",
                                               "text", "end"}));
    // The instruction is not text; the placeholder result is, until Word updates the field.
    const std::vector<BlockInfo> blocks = reopened.Blocks();
    ASSERT_EQ(blocks.size(), 3u);
    EXPECT_EQ(blocks[0].text.find("TOC"), std::string::npos);
    EXPECT_FALSE(blocks[0].text.empty());
    EXPECT_EQ(blocks[1].heading_level, 1);
}

// ---------------------------------------------------------------------------------------------
// JPEG images

std::string Segment(unsigned char marker, const std::string& payload) {
    const std::size_t length = payload.size() + 2;
    return std::string{'\xFF', static_cast<char>(marker), static_cast<char>(length >> 8),
                       static_cast<char>(length & 0xFF)} +
           payload;
}

// A complete baseline JPEG (ITU T.81) of width x height grey pixels, both multiples of 8: one
// quantisation table, Huffman tables of one code each (a zero DC difference and end-of-block),
// and a scan of two zero bits per 8x8 block.
std::string TinyJpeg(int width, int height) {
    const std::string quantisation = std::string(1, '\0') + std::string(64, '\x01');
    const std::string frame = {'\x08',
                               static_cast<char>(height >> 8),
                               static_cast<char>(height & 0xFF),
                               static_cast<char>(width >> 8),
                               static_cast<char>(width & 0xFF),
                               '\x01',
                               '\x01',
                               '\x11',
                               '\x00'};
    auto huffman = [](char table_class) {
        std::string payload = {table_class, '\x01'};
        payload += std::string(15, '\0');
        return payload + std::string(1, '\0');
    };
    const std::string scan = {'\x01', '\x01', '\x00', '\x00', '\x3F', '\x00'};
    const std::size_t blocks = static_cast<std::size_t>(width / 8) * (height / 8);
    return std::string("\xFF\xD8", 2) + Segment(0xDB, quantisation) + Segment(0xC0, frame) +
           Segment(0xC4, huffman('\x00')) + Segment(0xC4, huffman('\x10')) + Segment(0xDA, scan) +
           std::string((blocks * 2 + 7) / 8, '\0') + std::string("\xFF\xD9", 2);
}

TEST(WordWrite, JpegImagesKeepTheirBytesTypeAndSize) {
    const std::string jpeg = TinyJpeg(48, 16);
    WordDocument document = WordDocument::Create();
    BlockSpec image = Of(BlockSpec::Kind::kImage);
    image.image = jpeg;
    image.alt_text = "A strip";
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{image}));
    Result<std::string> bytes = document.Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    EXPECT_EQ(package->ReadPart("word/media/image1.jpeg").value_or(""), jpeg);
    EXPECT_EQ(package->ContentType("word/media/image1.jpeg").value_or(""), "image/jpeg");

    const std::vector<BlockInfo> blocks = Reopen(document).Blocks();
    ASSERT_EQ(blocks.size(), 1u);
    ASSERT_EQ(blocks[0].drawings.size(), 1u);
    EXPECT_EQ(blocks[0].drawings[0].kind, "image");
    EXPECT_EQ(blocks[0].drawings[0].part, "word/media/image1.jpeg");
    EXPECT_EQ(blocks[0].drawings[0].alt_text, "A strip");
    // 96 dpi: 9525 EMU a pixel, width and height not swapped.
    const std::string xml = *package->ReadPart("word/document.xml");
    EXPECT_NE(xml.find(R"(<wp:extent cx="457200" cy="152400"/>)"), std::string::npos) << xml;

    // A JPEG whose frame header is cut off is refused.
    image.image = jpeg.substr(0, 80);
    EXPECT_FALSE(document.InsertBlocks("end", Position::kAfter, std::vector{image}));
}

// ---------------------------------------------------------------------------------------------
// List numbering

struct Numbering {
    std::map<std::string, std::string> abstract_names;  // abstractNumId -> w:name
    std::map<std::string, std::string> num_abstract;    // numId -> abstractNumId
    std::set<std::string> restarting;                   // numIds that restart level 0 at 1
    bool abstracts_first = true;                        // every abstractNum before every num
};

// The numbering part: the engine's own is numbering1.xml, a document's is numbering.xml.
Numbering ReadNumbering(const WordDocument& document, const std::string& part) {
    const pugi::xml_document doc = Parse(PartXml(document, part));
    Numbering numbering;
    bool seen_num = false;
    for (pugi::xml_node node : doc.document_element().children()) {
        const std::string name = node.name();
        if (name == "w:abstractNum") {
            numbering.abstracts_first = numbering.abstracts_first && !seen_num;
            numbering.abstract_names[node.attribute("w:abstractNumId").value()] =
                node.child("w:name").attribute("w:val").value();
        } else if (name == "w:num") {
            seen_num = true;
            const std::string id = node.attribute("w:numId").value();
            numbering.num_abstract[id] = node.child("w:abstractNumId").attribute("w:val").value();
            const pugi::xml_node level =
                node.find_child_by_attribute("w:lvlOverride", "w:ilvl", "0");
            if (std::string_view(level.child("w:startOverride").attribute("w:val").value()) ==
                "1") {
                numbering.restarting.insert(id);
            }
        }
    }
    return numbering;
}

// The numId of each list paragraph of the body, in order.
std::vector<std::string> ListNumIds(const WordDocument& document) {
    const pugi::xml_document main = Parse(PartXml(document, "word/document.xml"));
    std::vector<std::string> ids;
    for (pugi::xml_node p : main.document_element().child("w:body").children("w:p")) {
        const pugi::xml_node num = p.child("w:pPr").child("w:numPr").child("w:numId");
        if (num) ids.push_back(num.attribute("w:val").value());
    }
    return ids;
}

TEST(WordWrite, ListsOfAKindShareADefinitionAndEachNumberedListRestartsAtOne) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks(
        "end", Position::kAfter,
        std::vector{List(false, {"a", "b"}), List(true, {"one", "two"}), Paragraph("Between"),
                    List(false, {"c"}), List(true, {"one again"})}));
    WordDocument reopened = Reopen(document);
    const Numbering numbering = ReadNumbering(reopened, "word/numbering1.xml");
    EXPECT_TRUE(numbering.abstracts_first);
    ASSERT_EQ(numbering.abstract_names.size(), 2u);
    const std::vector<std::string> ids = ListNumIds(reopened);
    ASSERT_EQ(ids.size(), 6u);
    // Items of one list share a w:num; each list has its own.
    EXPECT_EQ(ids[0], ids[1]);
    EXPECT_EQ(ids[2], ids[3]);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 4u);
    // Lists of one kind share the abstract definition.
    EXPECT_EQ(numbering.abstract_names.at(numbering.num_abstract.at(ids[0])), "QuireBullets");
    EXPECT_EQ(numbering.num_abstract.at(ids[0]), numbering.num_abstract.at(ids[4]));
    EXPECT_EQ(numbering.abstract_names.at(numbering.num_abstract.at(ids[2])), "QuireNumbered");
    EXPECT_EQ(numbering.num_abstract.at(ids[2]), numbering.num_abstract.at(ids[5]));
    // Numbered lists start again at 1; bullets have nothing to restart.
    EXPECT_EQ(numbering.restarting, (std::set<std::string>{ids[2], ids[5]}));
}

TEST(WordWrite, ListsAddedToADocumentsNumberingTakeFreeIds) {
    const std::string existing =
        R"(<w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/>)"
        R"(</w:lvl></w:abstractNum><w:num w:numId="4"><w:abstractNumId w:val="3"/></w:num>)";
    WordDocument document = WithBodyAndParts(
        R"(<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="4"/></w:numPr></w:pPr>)"
        R"(<w:r><w:t>Theirs</w:t></w:r></w:p><w:sectPr/>)",
        {{"word/numbering.xml", "rId90", "numbering", "numbering",
          WordRoot("numbering", existing)}});
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{List(true, {"x"}), List(true, {"y"})}));
    WordDocument reopened = Reopen(document);
    const Numbering numbering = ReadNumbering(reopened, "word/numbering.xml");
    EXPECT_TRUE(numbering.abstracts_first);
    EXPECT_EQ(numbering.num_abstract,
              (std::map<std::string, std::string>{{"4", "3"}, {"5", "4"}, {"6", "4"}}));
    EXPECT_EQ(numbering.abstract_names.at("4"), "QuireNumbered");
    EXPECT_EQ(ListNumIds(reopened), (std::vector<std::string>{"4", "5", "6"}));
}

// ---------------------------------------------------------------------------------------------
// Styles added to a document's styles part

TEST(WordWrite, AMissingHeadingStyleIsAddedToTheDocumentsStyles) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Heading("Top"), Heading("Deep", 3)}));
    WordDocument reopened = Reopen(document);
    EXPECT_EQ(StyleNames(reopened),
              (std::multiset<std::string>{"normal", "default paragraph font", "title", "heading 1",
                                          "heading 3"}));
    const pugi::xml_document styles = Parse(PartXml(reopened, "word/styles.xml"));
    const pugi::xml_node added =
        styles.document_element().find_child_by_attribute("w:style", "w:styleId", "Heading3");
    ASSERT_TRUE(added);
    EXPECT_STREQ(added.attribute("w:type").value(), "paragraph");
    EXPECT_STREQ(added.child("w:basedOn").attribute("w:val").value(), "Normal");
    EXPECT_STREQ(added.child("w:pPr").child("w:outlineLvl").attribute("w:val").value(), "2");
    const std::vector<BlockInfo> blocks = reopened.Blocks();
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].style, "Heading1");
    EXPECT_EQ(blocks[1].style, "Heading3");
    EXPECT_EQ(blocks[1].heading_level, 3);
}

// A document whose styles part is `styles` (w:style elements), with nothing else changed.
WordDocument WithStyles(std::string_view styles) {
    Result<std::string> bytes = WordDocument::Create().Save();
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    package->WritePart(
        "word/styles.xml",
        WordRoot("styles", R"(<w:style w:type="paragraph" w:default="1" w:styleId="Normal">)"
                           R"(<w:name w:val="Normal"/></w:style>)" +
                               std::string(styles)));
    Result<WordDocument> document = WordDocument::Open(*package->Save());
    EXPECT_TRUE(document);
    return std::move(*document);
}

TEST(WordWrite, HeadingStylesAreFoundByNameAndNewOnesTakeAFreeId) {
    // A localized document names its heading style "heading 2" under another id, and uses the id
    // "Heading3" for a style of its own.
    WordDocument document = WithStyles(
        R"(<w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/>)"
        R"(</w:style><w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="Mine"/>)"
        R"(</w:style>)");
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Heading("Two", 2), Heading("Three", 3)}));
    WordDocument reopened = Reopen(document);
    const std::vector<BlockInfo> blocks = reopened.Blocks();
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].style, "berschrift2");
    EXPECT_EQ(blocks[0].heading_level, 2);
    EXPECT_NE(blocks[1].style, "Heading3");
    EXPECT_EQ(blocks[1].heading_level, 3);
    EXPECT_EQ(StyleNames(reopened).count("heading 2"), 1u);
    EXPECT_EQ(StyleNames(reopened).count("heading 3"), 1u);
}

// ---------------------------------------------------------------------------------------------
// Table styles

constexpr std::string_view kShading =
    R"(<w:style w:type="table" w:styleId="LightShading-Accent1">)"
    R"(<w:name w:val="Light Shading Accent 1"/></w:style>)"
    R"(<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>)";

std::string TableStyleOf(const WordDocument& document) {
    for (const BlockInfo& block : document.Blocks()) {
        if (block.kind == BlockInfo::Kind::kTable) return block.style;
    }
    return "";
}

TEST(WordWrite, ATableStyleOfTheDocumentIsFoundByIdOrName) {
    for (std::string_view given : {"LightShading-Accent1", "light shading ACCENT 1"}) {
        WordDocument document = WithStyles(kShading);
        const std::string before = PartXml(document, "word/styles.xml");
        ASSERT_TRUE(
            document.InsertBlocks("end", Position::kAfter, std::vector{Table(std::string(given))}));
        WordDocument reopened = Reopen(document);
        EXPECT_EQ(TableStyleOf(reopened), "LightShading-Accent1") << given;
        EXPECT_EQ(PartXml(reopened, "word/styles.xml"), before) << given;
    }
}

TEST(WordWrite, TableGridIsAddedWhenTheDocumentLacksIt) {
    for (std::string_view given : {"", "Table Grid", "table grid", "TableGrid"}) {
        WordDocument document = WithStyles(kShading);
        ASSERT_TRUE(document.InsertBlocks(
            "end", Position::kAfter,
            std::vector{Table(std::string(given)), Paragraph("x"), Table(std::string(given))}));
        WordDocument reopened = Reopen(document);
        EXPECT_EQ(TableStyleOf(reopened), "TableGrid") << given;
        EXPECT_EQ(StyleNames(reopened).count("table grid"), 1u) << given;
    }
}

// A table style the document lacked was written as given, so the table pointed at nothing and
// showed unstyled.
TEST(WordWrite, AnUnknownTableStyleWasWrittenDangling) {
    for (std::string_view given : {"Fancy", "heading 1"}) {
        WordDocument document = WithStyles(kShading);
        const std::string before = PartXml(document, "word/styles.xml");
        const std::string text = document.Text();
        Result<std::vector<std::string>> inserted = document.InsertBlocks(
            "end", Position::kAfter, std::vector{Paragraph("x"), Table(std::string(given))});
        ASSERT_FALSE(inserted) << given;
        EXPECT_EQ(inserted.error().code, ErrorCode::kInvalidRequest);
        EXPECT_EQ(inserted.error().message,
                  "blocks[1]: 'table_style' '" + std::string(given) +
                      "' is not a table style of this document (it has 'Light Shading Accent "
                      "1'); name one of them, or 'Table Grid', or leave it out");
        EXPECT_EQ(document.Text(), text);
        EXPECT_EQ(PartXml(document, "word/styles.xml"), before);
    }
    WordDocument blank = WordDocument::Create();
    Result<json::value> refused =
        CallTool(blank, "insert_blocks",
                 json::parse(R"({"anchor":"end","blocks":[{"type":"table","rows":[["a"]],)"
                             R"("table_style":"Fancy"}]})")
                     .as_object());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message,
              "insert_blocks: blocks[0]: 'table_style' 'Fancy' is not a table style of this "
              "document (it has none); name one of them, or 'Table Grid', or leave it out");
}

BlockSpec StyledParagraph(std::string style) {
    BlockSpec spec = Paragraph("Styled");
    spec.style = std::move(style);
    return spec;
}

std::string ParagraphStyleOf(const WordDocument& document) {
    std::string style = "(no paragraph)";
    for (const BlockInfo& block : document.Blocks()) {
        if (block.kind == BlockInfo::Kind::kParagraph && block.text == "Styled")
            style = block.style;
    }
    return style;
}

TEST(WordWrite, AParagraphStyleOfTheDocumentIsFoundByIdOrNameAndNormalMeansNone) {
    constexpr std::string_view kQuote =
        R"(<w:style w:type="paragraph" w:styleId="IntenseQuote"><w:name w:val="Intense Quote"/>)"
        R"(</w:style>)";
    for (std::string_view given : {"IntenseQuote", "intense quote", "Intense Quote"}) {
        WordDocument document = WithStyles(kQuote);
        ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                          std::vector{StyledParagraph(std::string(given))}));
        EXPECT_EQ(ParagraphStyleOf(document), "IntenseQuote") << given;
    }
    WordDocument document = WithStyles(kQuote);
    ASSERT_TRUE(
        document.InsertBlocks("end", Position::kAfter, std::vector{StyledParagraph("Normal")}));
    EXPECT_EQ(ParagraphStyleOf(document), "");
}

TEST(WordWrite, ABuiltInParagraphStyleTheDocumentLacksIsAdded) {
    WordDocument document = WithStyles("");
    ASSERT_TRUE(
        document.InsertBlocks("end", Position::kAfter, std::vector{StyledParagraph("Caption")}));
    EXPECT_EQ(ParagraphStyleOf(document), "Caption");
    EXPECT_NE(PartXml(document, "word/styles.xml").find(R"(w:styleId="Caption")"),
              std::string::npos);
}

TEST(WordWrite, AnUnknownParagraphStyleWasWrittenDangling) {
    WordDocument document = WithStyles(kShading);
    const std::string before = PartXml(document, "word/styles.xml");
    const std::string text = document.Text();
    Result<std::vector<std::string>> inserted =
        document.InsertBlocks("end", Position::kAfter, std::vector{StyledParagraph("Fancy")});
    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(inserted.error().message,
              "blocks[0]: 'style' 'Fancy' is not a paragraph style of this document (it has "
              "'Normal', 'heading 1'); name one of them, or 'Normal', 'Title', "
              "'Heading 1'-'Heading 6', or leave it out");
    EXPECT_EQ(document.Text(), text);
    EXPECT_EQ(PartXml(document, "word/styles.xml"), before);
    // A table style is no paragraph style.
    EXPECT_FALSE(document.InsertBlocks("end", Position::kAfter,
                                       std::vector{StyledParagraph("LightShading-Accent1")}));
}

// ---------------------------------------------------------------------------------------------
// Charts

TEST(WordWrite, TheChartsEmbeddedWorkbookHoldsTheSeriesData) {
    WordDocument document = WordDocument::Create();
    BlockSpec chart = Of(BlockSpec::Kind::kChart);
    chart.title = "Revenue";
    chart.categories = {"Q1", "Q2", "Q3"};
    chart.series = {{"2024", {1.0, 2.5, 4.0}}, {"2025", {3.0, std::nullopt, 6.5}}};
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{chart}));
    Result<std::string> bytes = Reopen(document).Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    const std::string chart_xml = *package->ReadPart("word/charts/chart1.xml");
    EXPECT_NE(chart_xml.find("<c:f>Sheet1!$C$2:$C$4</c:f>"), std::string::npos) << chart_xml;
    Result<std::string> embedded =
        package->ReadPart("word/embeddings/Microsoft_Excel_Worksheet1.xlsx");
    ASSERT_TRUE(embedded);
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(*embedded);
    ASSERT_TRUE(workbook) << workbook.error().message;

    auto text = [&](std::string_view ref) {
        Result<xlsx::CellValue> cell = workbook->GetCell("Sheet1", ref);
        EXPECT_TRUE(cell && cell->kind == xlsx::CellValue::Kind::kText) << ref;
        return cell ? cell->text : "";
    };
    auto number = [&](std::string_view ref) {
        Result<xlsx::CellValue> cell = workbook->GetCell("Sheet1", ref);
        EXPECT_TRUE(cell && cell->kind == xlsx::CellValue::Kind::kNumber) << ref;
        return cell ? cell->number : -1;
    };
    EXPECT_EQ(text("B1"), "2024");
    EXPECT_EQ(text("C1"), "2025");
    EXPECT_EQ(text("A2"), "Q1");
    EXPECT_EQ(text("A4"), "Q3");
    EXPECT_EQ(number("B2"), 1.0);
    EXPECT_EQ(number("B3"), 2.5);
    EXPECT_EQ(number("B4"), 4.0);
    EXPECT_EQ(number("C2"), 3.0);
    EXPECT_EQ(number("C4"), 6.5);
    // A gap is an empty cell, as the chart's cache leaves the point out.
    EXPECT_EQ(workbook->GetCell("Sheet1", "C3")->kind, xlsx::CellValue::Kind::kEmpty);
    EXPECT_EQ(workbook->GetCell("Sheet1", "D1")->kind, xlsx::CellValue::Kind::kEmpty);
}

// ---------------------------------------------------------------------------------------------
// The outline's counts

json::object SectionById(const json::value& outline, std::string_view id) {
    for (const json::value& section : outline.at("sections").as_array()) {
        if (section.at("id").as_string() == id) return section.as_object();
    }
    ADD_FAILURE() << "no section " << id;
    return {};
}

TEST(WordWrite, TheOutlineCountsParagraphsAndWordsPerSection) {
    WordDocument document = WordDocument::Create();
    BlockSpec table = Table("");
    table.caption = "Table 1: Sales by region";
    ASSERT_TRUE(document.InsertBlocks(
        "end", Position::kAfter,
        std::vector{Paragraph("Lead in text."), Heading("Overview"),
                    Paragraph("First **bold** words."), Paragraph("Second."), Heading("Details"),
                    Paragraph("More."), table, Heading("Empty")}));
    const json::value outline = json::parse(Reopen(document).OutlineJson());
    const json::object start = SectionById(outline, "start");
    EXPECT_EQ(start.at("paragraphs"), 1);
    EXPECT_EQ(start.at("words"), 3);
    const json::object overview = SectionById(outline, "sec_overview");
    EXPECT_EQ(overview.at("paragraphs"), 2);
    EXPECT_EQ(overview.at("words"), 4);
    // The caption is a paragraph of the section; the table's cells are not.
    const json::object details = SectionById(outline, "sec_details");
    EXPECT_EQ(details.at("paragraphs"), 2);
    EXPECT_EQ(details.at("words"), 6);
    EXPECT_EQ(details.at("tables"), 1);
    const json::object empty = SectionById(outline, "sec_empty");
    EXPECT_EQ(empty.at("paragraphs"), 0);
    EXPECT_EQ(empty.at("words"), 0);
    EXPECT_EQ(outline.at("paragraphs"), 5);
    EXPECT_EQ(outline.at("words"), 13);
}

// The paragraphs of a block-level content control counted for nothing, so a template whose body
// sits in content controls had no words at all.
TEST(WordWrite, ParagraphsInContentControlsWereNotCounted) {
    WordDocument document = WithBodyAndParts(
        R"(<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>One</w:t></w:r></w:p>)"
        R"(<w:sdt><w:sdtPr><w:alias w:val="Body"/></w:sdtPr><w:sdtContent>)"
        R"(<w:p><w:r><w:t>two words</w:t></w:r></w:p><w:p><w:r><w:t>three more words</w:t>)"
        R"(</w:r></w:p><w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:p>)"
        R"(<w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:sdtContent></w:sdt>)"
        R"(<w:sectPr/>)");
    const json::value outline = json::parse(document.OutlineJson());
    const json::object one = SectionById(outline, "h1");
    EXPECT_EQ(one.at("paragraphs"), 2);
    EXPECT_EQ(one.at("words"), 5);
    EXPECT_EQ(outline.at("paragraphs"), 2);
    EXPECT_EQ(outline.at("words"), 5);
}

}  // namespace
}  // namespace quire::docx
