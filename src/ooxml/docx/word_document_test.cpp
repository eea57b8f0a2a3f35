#include "ooxml/docx/word_document.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "ooxml/docx/tools.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/docx/word_test_support.hpp"
#include "ooxml/package/package.hpp"

namespace quire::docx {
namespace {

namespace json = boost::json;
using test_support::Heading;
using test_support::Paragraph;
using test_support::Reopen;

BlockSpec Chart(std::string caption) {
    BlockSpec spec;
    spec.kind = BlockSpec::Kind::kChart;
    spec.title = "Revenue";
    spec.categories = {"Q1", "Q2", "Q3"};
    spec.series = {{"2024", {1.0, 2.5, 4.0}}};
    spec.caption = std::move(caption);
    return spec;
}

// The first bytes of a 40 x 30 PNG: the engine reads the size from the header only.
std::string PngHeader() {
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x28\0\0\0\x1e\x08\x02\0\0\0", 29);
    return png + std::string(16, '\0');
}

// A report with two sections, a chart in the second.
WordDocument Report() {
    WordDocument document = WordDocument::Create();
    std::vector<BlockSpec> blocks = {
        Heading("Report", 0), Heading("Executive summary"),     Paragraph("Revenue grew."),
        Heading("Details"),   Paragraph("Quarter by quarter."), Chart("Figure 1: Revenue")};
    auto inserted = document.InsertBlocks("end", Position::kAfter, blocks);
    EXPECT_TRUE(inserted) << (inserted ? ""
                                       : inserted.error().message + " " + inserted.error().detail);
    return document;
}

TEST(WordDocument, BuiltReportReadsBackWithAnchors) {
    WordDocument document = Reopen(Report());
    const json::object outline = json::parse(document.OutlineJson()).as_object();
    const json::array& sections = outline.at("sections").as_array();
    ASSERT_EQ(sections.size(), 3u);
    EXPECT_EQ(sections[1].at("id"), "sec_executive_summary");
    EXPECT_EQ(sections[2].at("title"), "Details");
    const json::array& figures = outline.at("figures").as_array();
    ASSERT_EQ(figures.size(), 1u);
    EXPECT_EQ(figures[0].at("kind"), "chart");
    EXPECT_EQ(figures[0].at("section"), "sec_details");
    EXPECT_EQ(figures[0].at("caption"), "Figure 1: Revenue");
    EXPECT_NE(document.OutlineText().find("sec_details"), std::string::npos);
}

TEST(WordDocument, ChartHasEmbeddedWorkbook) {
    Result<std::string> bytes = Report().Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    EXPECT_TRUE(package->HasPart("word/charts/chart1.xml"));
    EXPECT_TRUE(package->HasPart("word/embeddings/Microsoft_Excel_Worksheet1.xlsx"));
    Result<std::string> chart = package->ReadPart("word/charts/chart1.xml");
    ASSERT_TRUE(chart);
    EXPECT_NE(chart->find("externalData"), std::string::npos);
}

TEST(WordDocument, MovingAFigureTakesItsCaption) {
    WordDocument document = Report();
    const std::string figure =
        json::parse(document.OutlineJson()).at("figures").at(0).at("id").as_string().c_str();
    ASSERT_TRUE(document.MoveBlock(figure, "sec_executive_summary", Position::kEndOfSection));
    const std::string text = Reopen(document).Text();
    const std::size_t caption = text.find("Figure 1: Revenue");
    EXPECT_LT(text.find("Executive summary"), caption);
    EXPECT_LT(caption, text.find("Details"));
    EXPECT_LT(text.find("Revenue grew."), caption);
}

TEST(WordDocument, MovingASectionIntoItselfIsRefused) {
    WordDocument document = Report();
    EXPECT_FALSE(document.MoveBlock("sec_details", "b5", Position::kAfter));
    EXPECT_TRUE(document.MoveBlock("sec_details", "sec_details", Position::kBefore));
}

// The names of the bookmarks in a deleted block stayed taken until the document was opened again,
// so a figure deleted and inserted again under its name was refused.
TEST(WordDocument, ADeletedBlocksBookmarkNameWasStillTaken) {
    WordDocument document = Report();
    BlockSpec chart = Chart("Figure 1: Revenue by quarter");
    chart.name = "fig_revenue";
    ASSERT_TRUE(document.InsertBlocks("sec_details", Position::kEndOfSection, {&chart, 1}));
    ASSERT_TRUE(document.DeleteBlock("fig_revenue"));
    auto again = document.InsertBlocks("sec_details", Position::kEndOfSection, {&chart, 1});
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, std::vector<std::string>{"fig_revenue"});
    // A name still in the document stays taken.
    EXPECT_FALSE(document.InsertBlocks("sec_details", Position::kEndOfSection, {&chart, 1}));
}

TEST(WordDocument, ATitlesSectionEndsAtTheFirstHeading) {
    WordDocument document = Report();
    ASSERT_TRUE(document.DeleteBlock("sec_report"));
    const json::array sections = json::parse(document.OutlineJson()).at("sections").as_array();
    ASSERT_EQ(sections.size(), 2u);
    EXPECT_EQ(sections[0].at("id"), "sec_executive_summary");
}

TEST(WordDocument, DeletingAFigureRemovesItsParts) {
    WordDocument document = Report();
    ASSERT_TRUE(document.DeleteBlock("f1"));
    Result<std::string> bytes = document.Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    EXPECT_FALSE(package->HasPart("word/charts/chart1.xml"));
    EXPECT_FALSE(package->HasPart("word/embeddings/Microsoft_Excel_Worksheet1.xlsx"));
    EXPECT_EQ(Reopen(document).Text().find("Figure 1"), std::string::npos);
}

TEST(WordDocument, ReplaceTextAcrossRunsKeepsFirstRunFormatting) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Paragraph("Net **reve**nue rose")}));
    Result<std::size_t> count = document.ReplaceText("revenue", "income");
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 1u);
    const std::vector<BlockInfo> blocks = Reopen(document).Blocks();
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0].text, "Net income rose");
    ASSERT_GE(blocks[0].runs.size(), 2u);
    EXPECT_EQ(blocks[0].runs[1].text, "income");
    EXPECT_TRUE(blocks[0].runs[1].bold);
}

TEST(WordDocument, InlineMarkupBecomesRunsLinksAndFootnotes) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks(
        "end", Position::kAfter,
        std::vector{Paragraph("See *this* [site](https://example.com)[^A note.] now")}));
    WordDocument reopened = Reopen(document);
    const std::vector<BlockInfo> blocks = reopened.Blocks();
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0].text, "See this site now");
    bool italic = false, linked = false;
    for (const RunInfo& run : blocks[0].runs) {
        italic |= run.italic && run.text == "this";
        linked |= run.link == "https://example.com";
    }
    EXPECT_TRUE(italic);
    EXPECT_TRUE(linked);
    EXPECT_EQ(json::parse(reopened.OutlineJson()).at("footnotes"), 1);
}

TEST(WordDocument, ListsAndTablesAreWritten) {
    WordDocument document = WordDocument::Create();
    BlockSpec list;
    list.kind = BlockSpec::Kind::kList;
    list.ordered = true;
    list.items = {{"One", 0}, {"Two", 1}};
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"Region", "Sales"}, {"North", "10"}, {"South", "12"}};
    table.caption = "Table 1: Sales";
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{list, table}));
    WordDocument reopened = Reopen(document);
    const json::object outline = json::parse(reopened.OutlineJson()).as_object();
    const json::array& tables = outline.at("tables").as_array();
    ASSERT_EQ(tables.size(), 1u);
    EXPECT_EQ(tables[0].at("rows"), 3);
    EXPECT_EQ(tables[0].at("columns"), 2);
    EXPECT_EQ(tables[0].at("caption"), "Table 1: Sales");
    const std::vector<BlockInfo> blocks = reopened.Blocks();
    ASSERT_GE(blocks.size(), 4u);
    EXPECT_TRUE(blocks[0].list_item);
    EXPECT_EQ(blocks[3].text, "Region\tSales\nNorth\t10\nSouth\t12");
}

TEST(WordDocument, BadBlocksChangeNothing) {
    WordDocument document = Report();
    const std::string before = document.Text();
    BlockSpec image;
    image.kind = BlockSpec::Kind::kImage;
    image.image = "not an image";
    EXPECT_FALSE(
        document.InsertBlocks("end", Position::kAfter, std::vector{Paragraph("x"), image}));
    EXPECT_FALSE(
        document.InsertBlocks("no_such_anchor", Position::kAfter, std::vector{Paragraph("x")}));
    EXPECT_FALSE(document.InsertBlocks("end", Position::kAfter,
                                       std::vector{Paragraph("[x](javascript:alert(1))")}));
    BlockSpec huge = image;
    huge.image = PngHeader() + std::string(21u << 20, '\0');
    EXPECT_FALSE(document.InsertBlocks("end", Position::kAfter, std::vector{huge}));
    EXPECT_EQ(document.Text(), before);
}

TEST(WordDocument, HeaderWithPageNumbersAndPageSetup) {
    WordDocument document = Report();
    ASSERT_TRUE(document.SetHeaderFooter({true, "default", "Page {page} of {pages}"}));
    ASSERT_TRUE(document.SetPageSetup({"Letter", true, 2.0}));
    const json::object outline = json::parse(Reopen(document).OutlineJson()).as_object();
    const json::array& headers = outline.at("headers_footers").as_array();
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].at("kind"), "footer");
    EXPECT_EQ(headers[0].at("text"), "Page 1 of 1");
    Result<std::string> bytes = document.Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    const std::string xml = *package->ReadPart("word/document.xml");
    EXPECT_NE(xml.find(R"(<w:pgSz w:w="15840" w:h="12240" w:orient="landscape"/>)"),
              std::string::npos);
    EXPECT_NE(xml.find(R"(w:top="1134")"), std::string::npos);
}

TEST(WordDocument, EvenPageHeadersAreSwitchedOnInTheSettings) {
    WordDocument document = Report();
    ASSERT_TRUE(document.SetHeaderFooter({false, "even", "Even"}));
    ASSERT_TRUE(document.SetHeaderFooter({false, "even", "Even again"}));
    Result<std::string> bytes = document.Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    const std::string settings = *package->ReadPart("word/settings.xml");
    const std::size_t even = settings.find("<w:evenAndOddHeaders/>");
    ASSERT_NE(even, std::string::npos) << settings;
    EXPECT_EQ(settings.find("<w:evenAndOddHeaders/>", even + 1), std::string::npos);
    // CT_Settings puts it after defaultTabStop and before characterSpacingControl.
    EXPECT_LT(settings.find("defaultTabStop"), even);
    EXPECT_GT(settings.find("characterSpacingControl"), even);
}

TEST(WordDocument, ToolsRunThroughOneFunction) {
    WordDocument document = WordDocument::Create();
    json::object args = json::parse(R"({"anchor":"end","blocks":[
        {"type":"heading","text":"Sales","level":1},
        {"type":"paragraph","text":"Up."},
        {"type":"table","rows":[["A","B"],[1,2]]}]})")
                            .as_object();
    Result<json::value> inserted = CallTool(document, "insert_blocks", args);
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(inserted->at("anchors").at(0), "sec_sales");
    Result<json::value> section =
        CallTool(document, "read_section", json::parse(R"({"anchor":"sec_sales"})").as_object());
    ASSERT_TRUE(section);
    EXPECT_EQ(section->at("blocks").as_array().size(), 3u);
    Result<json::value> bad =
        CallTool(document, "replace_text",
                 json::parse(R"({"find":"x","replace":"y","bogus":1})").as_object());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("bogus"), std::string::npos);
    EXPECT_NE(ToolSchemasJson().find("set_header_footer"), std::string::npos);
}

TEST(WordDocument, BlocksOfOneCallGetDistinctAnchors) {
    WordDocument document = WordDocument::Create();
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"a"}};
    Result<std::vector<std::string>> anchors = document.InsertBlocks(
        "end", Position::kAfter, std::vector{table, table, Heading("Same"), Heading("Same")});
    ASSERT_TRUE(anchors);
    ASSERT_EQ(anchors->size(), 4u);
    EXPECT_NE((*anchors)[0], (*anchors)[1]);
    EXPECT_NE((*anchors)[2], (*anchors)[3]);
    BlockSpec named = Heading("Named");
    named.name = "chosen";
    EXPECT_FALSE(document.InsertBlocks("end", Position::kAfter, std::vector{named, named}));
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{named}));
    EXPECT_FALSE(document.InsertBlocks("end", Position::kAfter, std::vector{named}));
    EXPECT_FALSE(document.AddBookmark("b1", "chosen"));
}

TEST(WordDocument, ImagesAreInlineWithAltTextAndLeaveWithTheirPart) {
    WordDocument document = WordDocument::Create();
    BlockSpec image;
    image.kind = BlockSpec::Kind::kImage;
    image.image = PngHeader();
    image.alt_text = "A square";
    image.caption = "Figure 1: Square";
    Result<std::vector<std::string>> anchors =
        document.InsertBlocks("end", Position::kAfter, std::vector{Heading("Pictures"), image});
    ASSERT_TRUE(anchors);
    WordDocument reopened = Reopen(document);
    const std::vector<BlockInfo> blocks = reopened.Blocks();
    ASSERT_EQ(blocks.size(), 3u);
    ASSERT_EQ(blocks[1].drawings.size(), 1u);
    EXPECT_EQ(blocks[1].drawings[0].kind, "image");
    EXPECT_EQ(blocks[1].drawings[0].alt_text, "A square");
    EXPECT_EQ(blocks[1].drawings[0].part, "word/media/image1.png");
    EXPECT_FALSE(blocks[1].drawings[0].floating);
    EXPECT_TRUE(blocks[2].caption);
    ASSERT_TRUE(reopened.DeleteBlock((*anchors)[1]));
    Result<std::string> bytes = reopened.Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    EXPECT_FALSE(package->HasPart("word/media/image1.png"));
    EXPECT_EQ(Reopen(reopened).Text(), "Pictures\n");
}

TEST(WordDocument, SectionStartAndBookmarksAreAnchors) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks(
        "end", Position::kAfter,
        std::vector{Paragraph("Preface"), Heading("One"), Paragraph("Body"), Heading("Two")}));
    Result<std::vector<BlockInfo>> start = document.ReadSection("start");
    ASSERT_TRUE(start);
    ASSERT_EQ(start->size(), 1u);
    EXPECT_EQ(start->front().text, "Preface");
    ASSERT_TRUE(document.AddBookmark("b3", "body_text"));
    ASSERT_TRUE(
        document.InsertBlocks("body_text", Position::kBefore, std::vector{Paragraph("Lead")}));
    ASSERT_TRUE(
        document.InsertBlocks("sec_one", Position::kEndOfSection, std::vector{Paragraph("Tail")}));
    Result<std::vector<BlockInfo>> one = Reopen(document).ReadSection("sec_one");
    ASSERT_TRUE(one);
    std::vector<std::string> texts;
    for (const BlockInfo& block : *one) texts.push_back(block.text);
    EXPECT_EQ(texts, (std::vector<std::string>{"One", "Lead", "Body", "Tail"}));
    EXPECT_EQ(document.ReadSection("nowhere").error().code, ErrorCode::kNotFound);
}

TEST(WordDocument, FirstPageHeaderSetsTitlePage) {
    WordDocument document = Report();
    ASSERT_TRUE(document.SetHeaderFooter({false, "first", "Cover"}));
    ASSERT_TRUE(document.SetHeaderFooter({false, "first", "Cover again"}));
    const json::object outline = json::parse(Reopen(document).OutlineJson()).as_object();
    const json::array& headers = outline.at("headers_footers").as_array();
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].at("type"), "first");
    EXPECT_EQ(headers[0].at("text"), "Cover again");
    EXPECT_FALSE(document.SetHeaderFooter({false, "odd", "x"}));
}

// A document whose body is `body_xml` (WordprocessingML with the w: prefix).
WordDocument WithBody(std::string_view body_xml) {
    Result<std::string> bytes = WordDocument::Create().Save();
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    package->WritePart("word/document.xml",
                       std::string(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)") +
                           R"(<w:document xmlns:w="http://schemas.openxmlformats.org/)"
                           R"(wordprocessingml/2006/main"><w:body>)" +
                           std::string(body_xml) + "<w:sectPr/></w:body></w:document>");
    Result<WordDocument> document = WordDocument::Open(*package->Save());
    EXPECT_TRUE(document) << document.error().message;
    return std::move(*document);
}

TEST(WordDocument, BookmarkStartBeforeABlockStaysWithIt) {
    WordDocument document =
        WithBody(R"(<w:p><w:r><w:t>One</w:t></w:r></w:p><w:bookmarkStart w:id="1" w:name="two"/>)"
                 R"(<w:p><w:r><w:t>Two</w:t></w:r></w:p><w:bookmarkEnd w:id="1"/>)"
                 R"(<w:p><w:r><w:t>Three</w:t></w:r></w:p>)");
    ASSERT_TRUE(document.InsertBlocks("two", Position::kBefore, std::vector{Paragraph("New")}));
    Result<std::vector<BlockInfo>> two = document.ReadSection("two");
    ASSERT_TRUE(two);
    ASSERT_EQ(two->size(), 1u);
    EXPECT_EQ(two->front().text, "Two");
    ASSERT_TRUE(document.MoveBlock("two", "end", Position::kAfter));
    EXPECT_EQ(Reopen(document).Text(), "One\nNew\nThree\nTwo\n");
    ASSERT_TRUE(document.ReadSection("two"));
    EXPECT_EQ(document.ReadSection("two")->front().text, "Two");
}

TEST(WordDocument, PrefixesDeclaredBelowTheRootAreResolved) {
    WordDocument document =
        WithBody(R"(<x:p xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
                 R"(<x:r><x:t>Spelled </x:t></x:r><x:r><x:t>differently</x:t></x:r></x:p>)");
    EXPECT_EQ(document.Text(), "Spelled differently\n");
    Result<std::size_t> count = document.ReplaceText("d d", "d, d");
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 1u);
    EXPECT_EQ(Reopen(document).Text(), "Spelled, differently\n");
}

TEST(WordDocument, TextReadsFieldsControlsAndChangesInOrder) {
    WordDocument document = WithBody(
        R"(<w:p><w:r><w:t xml:space="preserve">Page </w:t></w:r>)"
        R"(<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText>)"
        R"(</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>)"
        R"(<w:r><w:fldChar w:fldCharType="end"/></w:r>)"
        R"(<w:sdt><w:sdtPr><w:alias w:val="Name"/></w:sdtPr><w:sdtContent><w:r>)"
        R"(<w:t xml:space="preserve"> of </w:t></w:r></w:sdtContent></w:sdt>)"
        R"(<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>9</w:t></w:r></w:fldSimple>)"
        R"(<w:del w:id="1" w:author="A"><w:r><w:delText>gone</w:delText></w:r></w:del>)"
        R"(<w:ins w:id="2" w:author="A"><w:r><w:t>!</w:t></w:r></w:ins></w:p>)");
    const std::vector<BlockInfo> blocks = document.Blocks();
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0].text, "Page 7 of 9!");
    EXPECT_TRUE(blocks[0].tracked_changes);
    ASSERT_TRUE(document.RejectAllChanges());
    EXPECT_EQ(document.Text(), "Page 7 of 9gone\n");
}

TEST(WordDocument, TrackedInsertionsCanBeAcceptedOrRejected) {
    for (const bool accept : {true, false}) {
        WordDocument document = WordDocument::Create();
        ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{Paragraph("Kept")}));
        BlockSpec table;
        table.kind = BlockSpec::Kind::kTable;
        table.rows = {{"a", "b"}};
        ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                          std::vector{Paragraph("New **text**"), table}, true));
        WordDocument reopened = Reopen(document);
        EXPECT_TRUE(json::parse(reopened.OutlineJson()).at("tracked_changes").as_bool());
        EXPECT_EQ(reopened.Text(), "Kept\nNew text\na\tb\n");
        Result<std::size_t> changes =
            accept ? reopened.AcceptAllChanges() : reopened.RejectAllChanges();
        ASSERT_TRUE(changes);
        // Two runs and the paragraph mark, two cell runs, two cell paragraph marks and the row.
        EXPECT_EQ(*changes, 8u);
        WordDocument resolved = Reopen(reopened);
        EXPECT_FALSE(json::parse(resolved.OutlineJson()).at("tracked_changes").as_bool());
        EXPECT_EQ(resolved.Text(), accept ? "Kept\nNew text\na\tb\n" : "Kept\n");
    }
}

// Rejecting an inserted row used to free the marks of its cells while they still waited to be
// resolved.
TEST(WordDocument, RejectingInsertedRowsLeavesNoMarkBehind) {
    WordDocument document = WithBody(R"(<w:p><w:r><w:t>Before</w:t></w:r></w:p>)");
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"a", "b"}, {"c", "d"}, {"e", "f"}};
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{table}, true));
    Result<std::size_t> changes = document.RejectAllChanges();
    ASSERT_TRUE(changes);
    EXPECT_EQ(*changes, 3u * (2 + 2 + 1));
    EXPECT_EQ(Reopen(document).Text(), "Before\n");
    EXPECT_TRUE(document.Blocks().size() == 1);
}

TEST(WordDocument, TrackedDeletionsKeepTheTextUntilAccepted) {
    for (const bool accept : {true, false}) {
        WordDocument document = Report();
        ASSERT_TRUE(document.DeleteBlock("sec_executive_summary", true));
        WordDocument reopened = Reopen(document);
        EXPECT_TRUE(json::parse(reopened.OutlineJson()).at("tracked_changes").as_bool());
        // Deleted text is not read, but the paragraphs stay until the change is resolved.
        EXPECT_EQ(reopened.Text().find("Revenue grew."), std::string::npos);
        ASSERT_TRUE(accept ? reopened.AcceptAllChanges() : reopened.RejectAllChanges());
        WordDocument resolved = Reopen(reopened);
        const std::string text = resolved.Text();
        EXPECT_EQ(text.find("Revenue grew.") != std::string::npos, !accept) << text;
        const json::array sections = json::parse(resolved.OutlineJson()).at("sections").as_array();
        ASSERT_EQ(sections.size(), accept ? 2u : 3u) << text;
        // Accepting leaves the next heading with its own style, not the deleted one's.
        EXPECT_EQ(sections.back().at("title"), "Details");
        EXPECT_EQ(sections.back().at("level"), 1);
    }
}

TEST(WordDocument, ReplaceTextReachesHeadersAndNotesOnlyForTheDocumentScope) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Paragraph("Acme sells[^Acme says so.]")}));
    ASSERT_TRUE(document.SetHeaderFooter({false, "default", "Acme report"}));
    Result<std::size_t> body = document.ReplaceText("Acme", "Apex");
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, 1u);
    Result<std::size_t> rest = document.ReplaceText("Acme", "Apex", "document");
    ASSERT_TRUE(rest);
    EXPECT_EQ(*rest, 2u);
    WordDocument reopened = Reopen(document);
    EXPECT_EQ(reopened.Notes().at(0).text, " Apex says so.");
    EXPECT_EQ(json::parse(reopened.OutlineJson()).at("headers_footers").at(0).at("text"),
              "Apex report");
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

// A main part over 256 KiB is parsed in place and saved deflated as it is serialised; editing it
// twice, saving between, must keep every paragraph.
TEST(WordDocument, LargeMainPartSurvivesEditsAndRepeatedSaves) {
    WordDocument document = WordDocument::Create();
    std::vector<BlockSpec> blocks;
    for (int i = 0; i < 1200; ++i) {
        blocks.push_back(Paragraph("Paragraph " + std::to_string(i) + std::string(300, 'x')));
    }
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, blocks));
    Result<std::string> bytes = document.Save();
    ASSERT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    ASSERT_TRUE(package);
    ASSERT_GT(package->PartSize("word/document.xml").value_or(0), 256u << 10);

    Result<WordDocument> opened = WordDocument::Open(*bytes);
    ASSERT_TRUE(opened) << opened.error().message;
    ASSERT_TRUE(opened->InsertBlocks("b600", Position::kAfter, std::vector{Paragraph("Middle")}));
    WordDocument once = Reopen(*opened);
    ASSERT_TRUE(opened->InsertBlocks("start", Position::kBefore, std::vector{Paragraph("First")}));
    WordDocument twice = Reopen(*opened);

    EXPECT_EQ(once.BlockCount(), 1201u);
    EXPECT_EQ(once.Blocks().at(600).text, "Middle");
    EXPECT_EQ(twice.BlockCount(), 1202u);
    EXPECT_EQ(twice.Blocks().front().text, "First");
    EXPECT_EQ(twice.Blocks().at(601).text, "Middle");
    EXPECT_EQ(twice.Blocks().back().text, "Paragraph 1199" + std::string(300, 'x'));
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

TEST(WordNames, DeclarationsBelowTheRootAreSeenInTheText) {
    EXPECT_FALSE(DeclaresBelowRoot(R"(<?xml version="1.0"?><!-- <a xmlns:x="u"> -->)"
                                   R"(<w:document xmlns:w="u"><w:body/></w:document>)"));
    EXPECT_TRUE(DeclaresBelowRoot(R"(<w:document xmlns:w="u"><w:p xmlns:x="v"/></w:document>)"));
    EXPECT_TRUE(DeclaresBelowRoot(std::string("<\0w\0:\0d\0>\0", 10)));
    EXPECT_TRUE(DeclaresBelowRoot("<w:document xmlns:w=\"u\""));
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

TEST(WordDocument, NumberedAnchorsCountBlocksHeadingsTablesAndFigures) {
    WordDocument document = Report();
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"a", "b"}};
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{table}));

    auto first_text = [&](std::string_view anchor) {
        Result<std::vector<BlockInfo>> section = document.ReadSection(anchor);
        return section && !section->empty() ? section->front().text : std::string("none");
    };
    EXPECT_EQ(first_text("b3"), "Revenue grew.");
    EXPECT_EQ(first_text("h1"), "Report");
    EXPECT_EQ(first_text("h3"), "Details");
    // A table's section starts at the caption above it, here the chart's.
    EXPECT_EQ(document.ReadSection("t1")->back().text, "a\tb");
    EXPECT_EQ(document.ReadSection("f1")->front().drawings.size(), 1u);
    EXPECT_FALSE(document.ReadSection("h4"));
    EXPECT_FALSE(document.ReadSection("t2"));
    EXPECT_FALSE(document.ReadSection("b0"));
    EXPECT_FALSE(document.ReadSection("b99"));
}

// ---------------------------------------------------------------------------------------------
// Resolving every kind of tracked change in one call

// The main part of a document as saved.
std::string MainPartXml(const WordDocument& document) {
    Result<std::string> bytes = document.Save();
    EXPECT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(bytes ? *bytes : "");
    EXPECT_TRUE(package);
    Result<std::string> xml =
        package ? package->ReadPart("word/document.xml") : Result<std::string>();
    return xml ? *xml : "";
}

// The revision elements (ECMA-376 Part 1, 17.13) still in the main part.
std::vector<std::string> RevisionMarksLeft(const WordDocument& document) {
    const std::string xml = MainPartXml(document);
    std::vector<std::string> left;
    for (std::string_view name :
         {"<w:ins ", "<w:ins>", "<w:ins/>", "<w:del ", "<w:del>", "<w:del/>", "<w:moveFrom",
          "<w:moveTo", "PrChange", "GridChange", "<w:cellIns", "<w:cellDel", "<w:cellMerge"}) {
        if (xml.find(name) != std::string::npos) left.emplace_back(name);
    }
    return left;
}

// Resolves every change once, checks that nothing is left to resolve, and gives the text.
std::string ResolvedText(WordDocument document, bool accept) {
    Result<std::size_t> changes =
        accept ? document.AcceptAllChanges() : document.RejectAllChanges();
    EXPECT_TRUE(changes);
    EXPECT_GT(changes ? *changes : 0, 0u);
    EXPECT_EQ(RevisionMarksLeft(document), std::vector<std::string>{});
    WordDocument reopened = Reopen(document);
    EXPECT_FALSE(json::parse(reopened.OutlineJson()).at("tracked_changes").as_bool());
    Result<std::size_t> again = accept ? reopened.AcceptAllChanges() : reopened.RejectAllChanges();
    EXPECT_EQ(again ? *again : 99, 0u);
    return reopened.Text();
}

// A paragraph mark whose insertion and formatting were both tracked (as Word writes runs of new
// empty paragraphs) kept its insertion when rejected: restoring the old run properties dropped
// the mark's own w:ins, and the w:ins of the old properties came back in its place.
TEST(WordDocument, RejectingAFormattedInsertedParagraphMarkRemovesIt) {
    const std::string body =
        R"(<w:p><w:r><w:t>Before</w:t></w:r></w:p>)"
        R"(<w:p><w:pPr><w:rPr><w:ins w:id="1" w:author="A"/><w:rPrChange w:id="2" w:author="A">)"
        R"(<w:rPr><w:ins w:id="3" w:author="A"/></w:rPr></w:rPrChange></w:rPr></w:pPr></w:p>)"
        R"(<w:p><w:pPr><w:rPr><w:ins w:id="4" w:author="A"/><w:b/><w:rPrChange w:id="5" )"
        R"(w:author="A"><w:rPr><w:i/></w:rPr></w:rPrChange></w:rPr></w:pPr>)"
        R"(<w:ins w:id="6" w:author="A"><w:r><w:t>New</w:t></w:r></w:ins></w:p>)"
        R"(<w:p><w:r><w:t>After</w:t></w:r></w:p>)";
    EXPECT_EQ(ResolvedText(WithBody(body), false), "Before\nAfter\n");
    EXPECT_EQ(ResolvedText(WithBody(body), true), "Before\n\nNew\nAfter\n");
}

// In an indented part a paragraph joined to the next one went in front of the white space
// before that paragraph's pPr, and so in front of the pPr itself.
TEST(WordDocument, AParagraphJoinedToAnIndentedOneGoesAfterItsProperties) {
    const std::string body =
        "<w:p><w:pPr><w:rPr><w:del w:id=\"1\" w:author=\"A\"/></w:rPr></w:pPr>"
        "<w:r><w:t>one</w:t></w:r></w:p>\n  <w:p>\n    <w:pPr><w:jc w:val=\"center\"/></w:pPr>"
        "\n    <w:r><w:t>two</w:t></w:r>\n  </w:p>";
    WordDocument document = WithBody(body);
    ASSERT_TRUE(document.AcceptAllChanges());
    const std::string xml = MainPartXml(document);
    const std::size_t properties = xml.find("<w:jc w:val=\"center\"/></w:pPr>");
    const std::size_t one = xml.find(">one<");
    ASSERT_NE(properties, std::string::npos) << xml;
    ASSERT_NE(one, std::string::npos) << xml;
    EXPECT_LT(properties, one) << xml;
    EXPECT_EQ(Reopen(document).Text(), "onetwo\n");
}

// Accepting an insertion used to leave a deletion nested in it, and rejecting a deletion left an
// insertion nested in it.
TEST(WordDocument, ChangesNestedInChangesAreResolved) {
    const std::string body =
        R"(<w:p><w:r><w:t>a</w:t></w:r><w:ins w:id="1" w:author="A"><w:r><w:t>b</w:t></w:r>)"
        R"(<w:del w:id="2" w:author="B"><w:r><w:delText>c</w:delText></w:r></w:del></w:ins>)"
        R"(<w:del w:id="3" w:author="B"><w:r><w:delText>d</w:delText></w:r>)"
        R"(<w:ins w:id="4" w:author="A"><w:r><w:t>e</w:t></w:r></w:ins></w:del></w:p>)";
    EXPECT_EQ(ResolvedText(WithBody(body), true), "ab\n");
    EXPECT_EQ(ResolvedText(WithBody(body), false), "ad\n");
}

TEST(WordDocument, MovesGoToTheirDestinationOnAcceptAndStayOnReject) {
    const std::string body =
        R"(<w:p><w:moveFromRangeStart w:id="1" w:name="m"/><w:moveFrom w:id="2" w:author="A">)"
        R"(<w:r><w:t>moved</w:t></w:r></w:moveFrom><w:moveFromRangeEnd w:id="1"/>)"
        R"(<w:r><w:t>one</w:t></w:r></w:p>)"
        R"(<w:p><w:r><w:t>two</w:t></w:r><w:moveToRangeStart w:id="3" w:name="m"/>)"
        R"(<w:moveTo w:id="4" w:author="A"><w:r><w:t>moved</w:t></w:r></w:moveTo>)"
        R"(<w:moveToRangeEnd w:id="3"/></w:p>)";
    EXPECT_EQ(ResolvedText(WithBody(body), true), "one\ntwomoved\n");
    EXPECT_EQ(ResolvedText(WithBody(body), false), "movedone\ntwo\n");
}

// Only paragraph and run property changes were undone on reject; the others kept the new
// properties.
TEST(WordDocument, RejectingPropertyChangesRestoresTheOldProperties) {
    const std::string body =
        R"(<w:tbl><w:tblPr><w:tblW w:w="100" w:type="dxa"/><w:tblPrChange w:id="1" w:author="A">)"
        R"(<w:tblPr><w:tblW w:w="200" w:type="dxa"/></w:tblPr></w:tblPrChange></w:tblPr>)"
        R"(<w:tblGrid><w:gridCol w:w="100"/><w:tblGridChange w:id="2"><w:tblGrid>)"
        R"(<w:gridCol w:w="200"/></w:tblGrid></w:tblGridChange></w:tblGrid>)"
        R"(<w:tr><w:trPr><w:jc w:val="left"/><w:trPrChange w:id="3" w:author="A"><w:trPr>)"
        R"(<w:jc w:val="right"/></w:trPr></w:trPrChange></w:trPr>)"
        R"(<w:tc><w:tcPr><w:tcW w:w="100" w:type="dxa"/><w:tcPrChange w:id="4" w:author="A">)"
        R"(<w:tcPr><w:tcW w:w="200" w:type="dxa"/></w:tcPr></w:tcPrChange></w:tcPr>)"
        R"(<w:p><w:pPr><w:jc w:val="center"/><w:pPrChange w:id="5" w:author="A"><w:pPr>)"
        R"(<w:jc w:val="both"/></w:pPr></w:pPrChange></w:pPr><w:r><w:rPr><w:b/>)"
        R"(<w:rPrChange w:id="6" w:author="A"><w:rPr><w:i/></w:rPr></w:rPrChange></w:rPr>)"
        R"(<w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>)"
        R"(<w:p><w:pPr><w:sectPr><w:pgSz w:w="100" w:h="100"/><w:sectPrChange w:id="7" )"
        R"(w:author="A"><w:sectPr><w:pgSz w:w="200" w:h="200"/></w:sectPr></w:sectPrChange>)"
        R"(</w:sectPr></w:pPr></w:p>)";
    for (const bool accept : {true, false}) {
        WordDocument document = WithBody(body);
        Result<std::size_t> changes =
            accept ? document.AcceptAllChanges() : document.RejectAllChanges();
        ASSERT_TRUE(changes);
        EXPECT_EQ(*changes, 7u);
        EXPECT_EQ(RevisionMarksLeft(document), std::vector<std::string>{});
        const std::string xml = MainPartXml(document);
        const std::string kept = accept ? "100" : "200";
        const std::string gone = accept ? "200" : "100";
        for (const std::string& width : {R"(<w:tblW w:w=")" + kept, R"(<w:gridCol w:w=")" + kept,
                                         R"(<w:tcW w:w=")" + kept, R"(<w:pgSz w:w=")" + kept}) {
            EXPECT_NE(xml.find(width), std::string::npos) << width;
        }
        EXPECT_EQ(xml.find(R"(w:w=")" + gone), std::string::npos) << xml;
        EXPECT_NE(xml.find(accept ? R"(<w:jc w:val="left"/>)" : R"(<w:jc w:val="right"/>)"),
                  std::string::npos);
        EXPECT_NE(xml.find(accept ? R"(<w:jc w:val="center"/>)" : R"(<w:jc w:val="both"/>)"),
                  std::string::npos);
        EXPECT_NE(xml.find(accept ? "<w:b/>" : "<w:i/>"), std::string::npos);
    }
}

TEST(WordDocument, InsertedAndDeletedCellsAreResolved) {
    const std::string body =
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid><w:tr>)"
        R"(<w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc>)"
        R"(<w:tc><w:tcPr><w:cellIns w:id="1" w:author="A"/></w:tcPr>)"
        R"(<w:p><w:r><w:t>new</w:t></w:r></w:p></w:tc>)"
        R"(<w:tc><w:tcPr><w:cellDel w:id="2" w:author="A"/></w:tcPr>)"
        R"(<w:p><w:r><w:t>old</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>)";
    EXPECT_EQ(ResolvedText(WithBody(body), true), "a\tnew\n\n");
    EXPECT_EQ(ResolvedText(WithBody(body), false), "a\told\n\n");
}

// Accepting a deleted row, or rejecting an inserted one, in the only row of a table nested in a
// cell takes the table and leaves the cell the paragraph it must end with.
TEST(WordDocument, RemovingANestedTablesLastRowLeavesItsCellAParagraph) {
    const std::string body =
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc>)"
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:trPr>)"
        R"(<w:ins w:id="1" w:author="A"/></w:trPr><w:tc><w:p><w:r><w:t>inner</w:t></w:r>)"
        R"(</w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl><w:p/>)";
    WordDocument document = WithBody(body);
    ASSERT_TRUE(document.RejectAllChanges());
    const std::string xml = MainPartXml(document);
    EXPECT_NE(xml.find("<w:tc><w:p/></w:tc>"), std::string::npos) << xml;
}

// Rejecting a tracked insertion left its empty heading behind, with the bookmark the engine had
// put around it, still listed as a section.
TEST(WordDocument, RejectingATrackedInsertionGivesBackTheBodyAsItWas) {
    WordDocument original = Report();
    const std::string before = MainPartXml(original);
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"a", "b"}, {"c", "d"}};
    for (const bool accept : {true, false}) {
        WordDocument document = Reopen(original);
        ASSERT_TRUE(document.InsertBlocks(
            "end", Position::kAfter,
            std::vector{Heading("Tracked heading"), Paragraph("Tracked text"), table}, true));
        WordDocument reopened = Reopen(document);
        ASSERT_TRUE(accept ? reopened.AcceptAllChanges() : reopened.RejectAllChanges());
        EXPECT_EQ(RevisionMarksLeft(reopened), std::vector<std::string>{});
        const json::value outline = json::parse(reopened.OutlineJson());
        const std::string sections = json::serialize(outline.at("sections"));
        EXPECT_EQ(sections.find("Tracked heading") != std::string::npos, accept) << sections;
        if (!accept) {
            EXPECT_EQ(MainPartXml(reopened), before);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tracked edits: replace_text and move_block

// How often `part` occurs in `text`.
std::size_t Occurrences(std::string_view text, std::string_view part) {
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string_view::npos;
         at = text.find(part, at + part.size())) {
        ++count;
    }
    return count;
}

// The runs of the document's only paragraph as text and boldness, "Net |*income*| rose".
std::string RunsOf(const WordDocument& document) {
    const std::vector<BlockInfo> blocks = document.Blocks();
    EXPECT_EQ(blocks.size(), 1u);
    std::string out;
    for (const RunInfo& run : blocks.empty() ? std::vector<RunInfo>{} : blocks[0].runs) {
        if (run.text.empty()) continue;
        if (!out.empty()) out += "|";
        out += run.bold ? "*" + run.text + "*" : run.text;
    }
    return out;
}

TEST(WordDocument, ATrackedReplacementAcrossRunsDeletesEachPieceAndInsertsWithTheFirstsFormat) {
    for (const bool accept : {true, false}) {
        WordDocument document = WordDocument::Create();
        ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                          std::vector{Paragraph("Net **reve**nue rose")}));
        Result<std::size_t> count = document.ReplaceText("revenue", "income", "all", true);
        ASSERT_TRUE(count) << count.error().message;
        EXPECT_EQ(*count, 1u);
        const std::string xml = MainPartXml(document);
        // Each piece keeps its run's formatting, deleted; the replacement is bold like "reve".
        EXPECT_NE(xml.find(R"(<w:rPr><w:b/></w:rPr><w:delText xml:space="preserve">reve<)"),
                  std::string::npos)
            << xml;
        EXPECT_NE(xml.find(R"(<w:delText xml:space="preserve">nue</w:delText>)"), std::string::npos)
            << xml;
        EXPECT_NE(xml.find(R"(<w:rPr><w:b/></w:rPr><w:t xml:space="preserve">income<)"),
                  std::string::npos)
            << xml;
        EXPECT_EQ(Occurrences(xml, R"(w:author="Quire")"), 3u) << xml;
        WordDocument reopened = Reopen(document);
        EXPECT_TRUE(json::parse(reopened.OutlineJson()).at("tracked_changes").as_bool());
        EXPECT_EQ(reopened.Text(), "Net income rose\n") << "deleted text is not read";

        EXPECT_EQ(ResolvedText(Reopen(reopened), accept),
                  accept ? "Net income rose\n" : "Net revenue rose\n");
        ASSERT_TRUE(accept ? reopened.AcceptAllChanges() : reopened.RejectAllChanges());
        EXPECT_EQ(RunsOf(reopened), accept ? "Net |*income*| rose" : "Net |*reve*|nue| rose");
    }
}

TEST(WordDocument, ATrackedReplacementFindsEveryMatchAndNeverMatchesItsOwnReplacement) {
    WordDocument document =
        WithBody(R"(<w:p><w:r><w:rPr><w:i/></w:rPr><w:t>a cat, a cat</w:t></w:r></w:p>)"
                 R"(<w:p><w:r><w:t xml:space="preserve">no </w:t></w:r><w:r><w:t>ca</w:t></w:r>)"
                 R"(<w:r><w:t>t here</w:t></w:r></w:p>)");
    Result<std::size_t> count = document.ReplaceText("cat", "cat and cat", "all", true);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 3u);
    EXPECT_EQ(document.Text(), "a cat and cat, a cat and cat\nno cat and cat here\n");
    EXPECT_EQ(ResolvedText(Reopen(document), true),
              "a cat and cat, a cat and cat\nno cat and cat here\n");
    EXPECT_EQ(ResolvedText(Reopen(document), false), "a cat, a cat\nno cat here\n");
    EXPECT_EQ(Occurrences(MainPartXml(document), "<w:i/>"), 6u)
        << "two deleted pieces, two insertions and the two pieces of text before them keep the "
           "italics";
}

// A run may hold several text elements, with a tab between them; a match across them splits the
// run around each piece and leaves the tab where it was.
TEST(WordDocument, ATrackedReplacementAcrossTextElementsOfOneRunKeepsWhatIsBetweenThem) {
    WordDocument document = WithBody(R"(<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>one tw</w:t>)"
                                     R"(<w:tab/><w:t>o three</w:t></w:r></w:p>)");
    Result<std::size_t> count = document.ReplaceText("two", "2", "all", true);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 1u);
    EXPECT_EQ(document.Text(), "one 2\t three\n");
    EXPECT_EQ(ResolvedText(Reopen(document), true), "one 2\t three\n");
    EXPECT_EQ(ResolvedText(Reopen(document), false), "one tw\to three\n");
    EXPECT_EQ(Occurrences(MainPartXml(document), "<w:b/>"), 6u)
        << "the text before, the two pieces, the tab, the insertion and the text after";
}

// Text a tracked change inserted (the user's, or an earlier replacement's) is deleted inside
// that insertion, as Word does; resolving takes both changes back or keeps the last one.
TEST(WordDocument, ATrackedReplacementOfInsertedTextResolvesBothWays) {
    WordDocument document = WithBody(
        R"(<w:p><w:r><w:t xml:space="preserve">Plan </w:t></w:r><w:ins w:id="1" w:author="A">)"
        R"(<w:r><w:t>alpha</w:t></w:r></w:ins></w:p>)");
    ASSERT_TRUE(document.ReplaceText("alpha", "beta", "all", true));
    ASSERT_TRUE(document.ReplaceText("beta", "gamma", "all", true));
    EXPECT_EQ(document.Text(), "Plan gamma\n");
    EXPECT_EQ(ResolvedText(Reopen(document), true), "Plan gamma\n");
    EXPECT_EQ(ResolvedText(Reopen(document), false), "Plan \n");
}

TEST(WordDocument, ATrackedReplacementWithNothingIsADeletionOnly) {
    WordDocument document = WithBody(R"(<w:p><w:r><w:t>keep drop keep</w:t></w:r></w:p>)");
    Result<std::size_t> count = document.ReplaceText("drop ", "", "all", true);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 1u);
    const std::string xml = MainPartXml(document);
    EXPECT_EQ(Occurrences(xml, "<w:ins "), 0u) << xml;
    EXPECT_EQ(Occurrences(xml, "<w:del "), 1u) << xml;
    EXPECT_EQ(ResolvedText(Reopen(document), true), "keep keep\n");
    EXPECT_EQ(ResolvedText(Reopen(document), false), "keep drop keep\n");
}

TEST(WordDocument, ATrackedReplacementReachesHeadersForTheDocumentScope) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(
        document.InsertBlocks("end", Position::kAfter, std::vector{Paragraph("Draft text")}));
    ASSERT_TRUE(document.SetHeaderFooter({false, "default", "Draft header"}));
    Result<std::size_t> count = document.ReplaceText("Draft", "Final", "document", true);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 2u);
    WordDocument reopened = Reopen(document);
    const std::string headers =
        json::serialize(json::parse(reopened.OutlineJson()).at("headers_footers"));
    EXPECT_NE(headers.find("Final header"), std::string::npos) << headers;
    ASSERT_TRUE(reopened.RejectAllChanges());
    const std::string rejected =
        json::serialize(json::parse(Reopen(reopened).OutlineJson()).at("headers_footers"));
    EXPECT_NE(rejected.find("Draft header"), std::string::npos) << rejected;
    EXPECT_EQ(Reopen(reopened).Text(), "Draft text\n");
}

// The text of the document after a plain move, to compare a tracked move's accepted result with.
std::string PlainlyMoved(std::string_view block, std::string_view to, Position position) {
    WordDocument document = Report();
    EXPECT_TRUE(document.MoveBlock(block, to, position));
    return Reopen(document).Text();
}

TEST(WordDocument, ATrackedMoveAcceptsToTheMovedOrderAndRejectsToTheOriginal) {
    const std::string original = Report().Text();
    const std::string moved =
        PlainlyMoved("sec_details", "sec_executive_summary", Position::kBefore);
    ASSERT_NE(moved, original);
    for (const bool accept : {true, false}) {
        WordDocument document = Report();
        ASSERT_TRUE(
            document.MoveBlock("sec_details", "sec_executive_summary", Position::kBefore, true));
        WordDocument reopened = Reopen(document);
        EXPECT_TRUE(json::parse(reopened.OutlineJson()).at("tracked_changes").as_bool());
        // Read as the document will be once accepted; the anchor names the moved heading.
        EXPECT_EQ(reopened.Text().find("Details"), moved.find("Details"));
        Result<std::vector<BlockInfo>> section = reopened.ReadSection("sec_details");
        ASSERT_TRUE(section);
        EXPECT_EQ(section->front().text, "Details");
        EXPECT_LT(reopened.Text().find("Details"), reopened.Text().find("Executive summary"));
        EXPECT_EQ(ResolvedText(Reopen(reopened), accept), accept ? moved : original);
    }
}

TEST(WordDocument, ATrackedMoveOfAChartKeepsOneDrawingOnceResolved) {
    const std::string original = Report().Text();
    for (const bool accept : {true, false}) {
        WordDocument document = Report();
        const std::string figure =
            json::parse(document.OutlineJson()).at("figures").at(0).at("id").as_string().c_str();
        const std::string moved =
            PlainlyMoved(figure, "sec_executive_summary", Position::kEndOfSection);
        ASSERT_TRUE(
            document.MoveBlock(figure, "sec_executive_summary", Position::kEndOfSection, true));
        const std::string xml = MainPartXml(document);
        EXPECT_EQ(Occurrences(xml, "<c:chart "), 2u) << "the source stays until resolved";
        EXPECT_EQ(Occurrences(xml, "w:name=\"" + figure + "\""), 1u) << xml;
        EXPECT_EQ(Occurrences(xml, "<wp:docPr id=\"1\""), 1u) << "drawing ids stay unique";
        WordDocument resolved = Reopen(document);
        EXPECT_EQ(ResolvedText(Reopen(resolved), accept), accept ? moved : original);
        ASSERT_TRUE(accept ? resolved.AcceptAllChanges() : resolved.RejectAllChanges());
        EXPECT_EQ(Occurrences(MainPartXml(resolved), "<c:chart "), 1u);
        const json::value outline = json::parse(Reopen(resolved).OutlineJson());
        ASSERT_EQ(outline.at("figures").as_array().size(), 1u);
        EXPECT_EQ(outline.at("figures").at(0).at("section"),
                  accept ? "sec_executive_summary" : "sec_details");
    }
}

TEST(WordDocument, ATrackedMoveIntoItselfIsRefusedAndChangesNothing) {
    WordDocument document = Report();
    const std::string before = MainPartXml(document);
    EXPECT_FALSE(document.MoveBlock("sec_details", "b5", Position::kAfter, true));
    EXPECT_EQ(MainPartXml(document), before);
}

// The tools take "tracked" on every edit, reject any other type for it, and edit plainly
// without it.
TEST(WordDocument, ToolsMarkEditsAsTrackedOnlyWhenAsked) {
    struct Row {
        const char* tool;
        const char* args;
    };
    const Row rows[] = {
        {"replace_text", R"({"find":"Revenue grew","replace":"Sales rose")"},
        {"move_block", R"({"block":"sec_details","to_anchor":"sec_report","position":"after")"},
        {"delete_block", R"({"block":"sec_details")"},
        {"insert_blocks", R"({"anchor":"end","blocks":[{"type":"paragraph","text":"More."}])"},
        {"add_chart", R"({"anchor":"end","categories":["a"],"series":[{"values":[1]}],)"
                      R"("caption":"Figure 2: A")"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.tool);
        for (const char* tracked : {"", R"(,"tracked":false)", R"(,"tracked":true)"}) {
            WordDocument document = Report();
            const json::object args =
                json::parse(std::string(row.args) + tracked + "}").as_object();
            Result<json::value> done = CallTool(document, row.tool, args);
            ASSERT_TRUE(done) << done.error().message;
            const bool marked = std::string_view(tracked) == R"(,"tracked":true)";
            EXPECT_EQ(json::parse(Reopen(document).OutlineJson()).at("tracked_changes").as_bool(),
                      marked)
                << tracked;
        }
        WordDocument document = Report();
        const std::string before = MainPartXml(document);
        Result<json::value> bad =
            CallTool(document, row.tool,
                     json::parse(std::string(row.args) + R"(,"tracked":"yes"})").as_object());
        ASSERT_FALSE(bad);
        EXPECT_EQ(bad.error().code, ErrorCode::kInvalidRequest);
        EXPECT_NE(bad.error().message.find("'tracked' must be true or false"), std::string::npos)
            << bad.error().message;
        EXPECT_EQ(MainPartXml(document), before);
    }
    const std::string schemas = ToolSchemasJson();
    EXPECT_EQ(Occurrences(schemas, R"("tracked":{"type":"boolean","description":)"), 5u);
    EXPECT_NE(schemas.find("unless the user asks for tracked changes"), std::string::npos);
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

// Indents every element that holds only elements, one child a line, as pretty printers do;
// elements with text (w:t, w:instrText) keep their content as it is.
void IndentElements(pugi::xml_node node, int depth) {
    std::vector<pugi::xml_node> children;
    for (pugi::xml_node child : node.children()) {
        if (child.type() != pugi::node_element) return;
        children.push_back(child);
    }
    if (children.empty()) return;
    for (pugi::xml_node child : children) {
        node.insert_child_before(pugi::node_pcdata, child)
            .set_value(("\n" + std::string(2 * (depth + 1), ' ')).c_str());
        IndentElements(child, depth + 1);
    }
    node.append_child(pugi::node_pcdata).set_value(("\n" + std::string(2 * depth, ' ')).c_str());
}

struct StringWriter final : pugi::xml_writer {
    void write(const void* data, std::size_t size) override {
        text.append(static_cast<const char*>(data), size);
    }
    std::string text;
};

// The document saved with its main part re-indented.
std::string IndentedCopy(const WordDocument& document) {
    Result<std::string> bytes = document.Save();
    EXPECT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(bytes ? *bytes : "");
    EXPECT_TRUE(package);
    const std::string flat = *package->ReadPart("word/document.xml");
    pugi::xml_document xml;
    EXPECT_TRUE(
        xml.load_buffer(flat.data(), flat.size(),
                        pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_declaration));
    IndentElements(xml.document_element(), 0);
    StringWriter indented_xml;
    xml.save(indented_xml, "", pugi::format_raw);
    EXPECT_NE(indented_xml.text.find("\n    <w:p>"), std::string::npos);
    package->WritePart("word/document.xml", std::move(indented_xml.text));
    Result<std::string> indented = package->Save();
    EXPECT_TRUE(indented);
    return indented ? *indented : "";
}

WordDocument TwoSections() {
    WordDocument document = WordDocument::Create();
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"Region", "Sales"}, {"North", " 10 "}};
    table.caption = "Table 1: Sales";
    std::vector<BlockSpec> blocks = {Heading("Overview"),  Paragraph("First  **bold** words."),
                                     Paragraph("Second."), Heading("Details"),
                                     Paragraph("More."),   table};
    EXPECT_TRUE(document.InsertBlocks("end", Position::kAfter, blocks));
    return document;
}

TEST(WordDocument, IndentedMainPartReadsLikeTheFlatOne) {
    WordDocument flat = Reopen(TwoSections());
    Result<WordDocument> indented = WordDocument::Open(IndentedCopy(flat));
    ASSERT_TRUE(indented) << indented.error().message;
    EXPECT_EQ(indented->OutlineJson(), flat.OutlineJson());
    EXPECT_EQ(indented->OutlineText(), flat.OutlineText());
    EXPECT_EQ(indented->Text(), flat.Text());
    EXPECT_EQ(indented->BlockCount(), flat.BlockCount());
    EXPECT_NE(indented->Text().find("First  bold words."), std::string::npos);
    EXPECT_NE(indented->Text().find("North\t 10 "), std::string::npos);

    Result<std::vector<BlockInfo>> section = indented->ReadSection("sec_overview");
    ASSERT_TRUE(section);
    ASSERT_EQ(section->size(), 3u);
    EXPECT_EQ(section->front().heading_level, 1);
    EXPECT_EQ(indented->ReadSection("h2")->front().text, "Details");
}

TEST(WordDocument, IndentedMainPartEditsLikeTheFlatOne) {
    WordDocument flat = Reopen(TwoSections());
    Result<WordDocument> indented = WordDocument::Open(IndentedCopy(flat));
    ASSERT_TRUE(indented);
    for (WordDocument* document : {&flat, &*indented}) {
        ASSERT_TRUE(document->InsertBlocks("sec_overview", Position::kEndOfSection,
                                           std::vector{Paragraph("Third.")}));
        ASSERT_TRUE(document->MoveBlock("sec_details", "sec_overview", Position::kBefore));
        ASSERT_TRUE(document->AddBookmark("sec_details", "marked"));
        ASSERT_TRUE(document->InsertBlocks("t1", Position::kAfter, std::vector{Paragraph("x")}));
    }
    EXPECT_EQ(indented->OutlineJson(), flat.OutlineJson());
    EXPECT_EQ(indented->Text(), flat.Text());
    Result<std::vector<BlockInfo>> overview = indented->ReadSection("sec_overview");
    ASSERT_TRUE(overview);
    ASSERT_EQ(overview->size(), 4u);
    EXPECT_EQ(overview->back().text, "Third.");
    // The bookmark went after the heading's properties, which keep it a heading.
    WordDocument reopened = Reopen(*indented);
    EXPECT_EQ(reopened.ReadSection("marked")->front().heading_level, 1);
    EXPECT_EQ(reopened.Blocks().front().text, "Details");

    ASSERT_TRUE(indented->DeleteBlock("sec_overview"));
    ASSERT_TRUE(flat.DeleteBlock("sec_overview"));
    EXPECT_EQ(indented->Text(), flat.Text());
    EXPECT_EQ(indented->Text().find("Second."), std::string::npos);
    EXPECT_EQ(Reopen(*indented).OutlineJson(), Reopen(flat).OutlineJson());
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

BlockSpec Table(std::string cell) {
    BlockSpec spec;
    spec.kind = BlockSpec::Kind::kTable;
    spec.rows = {{std::move(cell), "x"}};
    return spec;
}

// The kinds of the body's blocks, "T" for a table, "P" for a paragraph, "E" for an empty one.
std::string BlockKinds(const WordDocument& document) {
    std::string kinds;
    for (const BlockInfo& block : Reopen(document).Blocks()) {
        kinds += block.kind == BlockInfo::Kind::kTable ? 'T' : block.text.empty() ? 'E' : 'P';
    }
    return kinds;
}

std::string MainPart(const WordDocument& document) {
    Result<std::string> bytes = document.Save();
    EXPECT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(bytes ? *bytes : "");
    EXPECT_TRUE(package);
    return *package->ReadPart("word/document.xml");
}

TEST(WordDocument, TablesInsertedSideBySideAreNotWrittenAdjacent) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(
        document.InsertBlocks("end", Position::kAfter, std::vector{Table("a"), Table("b")}));
    EXPECT_EQ(BlockKinds(document), "TET");
    ASSERT_TRUE(document.InsertBlocks("t1", Position::kAfter, std::vector{Table("c")}));
    ASSERT_TRUE(document.InsertBlocks("t1", Position::kBefore, std::vector{Table("d")}));
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{Table("e")}));
    EXPECT_EQ(BlockKinds(document), "TETETETET");
    EXPECT_EQ(MainPart(document).find("</w:tbl><w:tbl"), std::string::npos);
}

TEST(WordDocument, ATableMovedToTheEndIsFollowedByAParagraph) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Table("a"), Paragraph("x"), Table("b")}));
    ASSERT_TRUE(document.MoveBlock("t1", "end", Position::kAfter));
    EXPECT_EQ(BlockKinds(document), "PTETE");
    EXPECT_NE(MainPart(document).find("<w:p/><w:sectPr"), std::string::npos);
    // Deleting the paragraph that closes the body brings it back.
    ASSERT_TRUE(document.DeleteBlock("b5"));
    EXPECT_EQ(BlockKinds(document), "PTETE");
}

// The empty paragraph that closed the body after a table stayed when blocks were appended after
// it, as a blank line between the table and them.
TEST(WordDocument, BlocksAppendedAfterATableThatEndsTheBodyTakeTheClosingParagraphsPlace) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Paragraph("x"), Table("a"), Paragraph("y")}));
    ASSERT_TRUE(document.DeleteBlock("b3"));
    EXPECT_EQ(BlockKinds(document), "PTE");
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{Heading("Next")}));
    EXPECT_EQ(BlockKinds(document), "PTP");

    // Before another table it stays, to keep the two tables apart.
    WordDocument tables = WordDocument::Create();
    ASSERT_TRUE(tables.InsertBlocks("end", Position::kAfter,
                                    std::vector{Paragraph("x"), Table("a"), Paragraph("y")}));
    ASSERT_TRUE(tables.DeleteBlock("b3"));
    ASSERT_TRUE(tables.InsertBlocks("end", Position::kAfter, std::vector{Table("b")}));
    EXPECT_EQ(BlockKinds(tables), "PTET");
}

TEST(WordDocument, TrackedTablesInsertedSideBySideKeepTheirSeparatorTracked) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{Table("a")}));
    ASSERT_TRUE(document.InsertBlocks("t1", Position::kAfter, std::vector{Table("b")}, true));
    EXPECT_EQ(BlockKinds(document), "TET");
    ASSERT_TRUE(document.RejectAllChanges());
    EXPECT_EQ(BlockKinds(document), "T");
}

TEST(WordDocument, MovesAndDeletesDoNotLeaveTablesAdjacent) {
    WordDocument document = WordDocument::Create();
    ASSERT_TRUE(document.InsertBlocks("end", Position::kAfter,
                                      std::vector{Heading("One"), Table("a"), Paragraph("Between"),
                                                  Table("b"), Heading("Two"), Paragraph("Text")}));
    EXPECT_EQ(BlockKinds(document), "PTPTPP");
    ASSERT_TRUE(document.DeleteBlock("b3"));
    EXPECT_EQ(BlockKinds(document), "PTETPP");
    ASSERT_TRUE(document.MoveBlock("t1", "t2", Position::kAfter));
    EXPECT_EQ(BlockKinds(document), "PETETPP");

    // A table moved to the end gets the final paragraph Word needs.
    ASSERT_TRUE(document.MoveBlock("t1", "end", Position::kAfter));
    const std::string kinds = BlockKinds(document);
    EXPECT_TRUE(kinds.ends_with("TE")) << kinds;
    EXPECT_EQ(kinds.find("TT"), std::string::npos) << kinds;
    const std::string xml = MainPart(document);
    EXPECT_EQ(xml.find("</w:tbl><w:tbl"), std::string::npos) << xml;
    EXPECT_EQ(xml.find("</w:tbl><w:sectPr"), std::string::npos) << xml;
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

TEST(WordDocument, ChartSeriesWithTheWrongValueCountAreRefused) {
    WordDocument document = Report();
    const std::string before = document.Text();
    for (std::vector<std::optional<double>> values :
         {std::vector<std::optional<double>>{1.0, 2.0},
          std::vector<std::optional<double>>{1.0, 2.0, 3.0, 4.0}}) {
        BlockSpec chart = Chart("Short");
        chart.series.push_back({"2025", values});
        Result<std::vector<std::string>> inserted =
            document.InsertBlocks("end", Position::kAfter, std::vector{Paragraph("x"), chart});
        ASSERT_FALSE(inserted);
        EXPECT_EQ(inserted.error().message,
                  "blocks[1]: series[1] ('2025') has " + std::to_string(values.size()) +
                      " values for 3 categories; give one value (or null) per category");
    }
    // A gap is a null value, not a missing one.
    BlockSpec gaps = Chart("Gaps");
    gaps.series.push_back({"2025", {1.0, std::nullopt, 3.0}});
    EXPECT_EQ(document.Text(), before);
    EXPECT_TRUE(document.InsertBlocks("end", Position::kAfter, std::vector{gaps}));
}

TEST(WordDocument, AddChartNamesItsOwnArgumentsInErrors) {
    WordDocument document = Report();
    Result<json::value> empty =
        CallTool(document, "add_chart",
                 json::parse(R"({"anchor":"end","categories":["a","b"],"series":[]})").as_object());
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message, "add_chart: 'series' holds 1-20 series, not 0");
    Result<json::value> short_series = CallTool(
        document, "add_chart",
        json::parse(
            R"({"anchor":"end","categories":["a","b"],"series":[{"name":"S","values":[1]}]})")
            .as_object());
    ASSERT_FALSE(short_series);
    EXPECT_EQ(short_series.error().message,
              "add_chart: series[0] ('S') has 1 values for 2 categories; give one value (or "
              "null) per category");
    Result<json::value> block = CallTool(
        document, "insert_blocks",
        json::parse(
            R"({"anchor":"end","blocks":[{"type":"chart","categories":["a"],"series":[]}]})")
            .as_object());
    ASSERT_FALSE(block);
    EXPECT_EQ(block.error().message, "insert_blocks: blocks[0]: 'series' holds 1-20 series, not 0");
}

}  // namespace
}  // namespace quire::docx
