// Reading tables' merged cells and floating drawings back, and deleting blocks that footnotes,
// endnotes and comments hang on.

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_test_support.hpp"

namespace quire::docx {
namespace {

namespace json = boost::json;
using test_support::ExtraPart;
using test_support::PartXml;
using test_support::Reopen;
using test_support::WithBodyAndParts;
using test_support::WordRoot;

std::string Cell(std::string_view properties, std::string_view text = "") {
    return "<w:tc><w:tcPr>" + std::string(properties) + "</w:tcPr><w:p><w:r><w:t>" +
           std::string(text) + "</w:t></w:r></w:p></w:tc>";
}

std::string Table(std::size_t columns, const std::vector<std::string>& rows) {
    std::string xml = "<w:tbl><w:tblPr/><w:tblGrid>";
    for (std::size_t c = 0; c < columns; ++c) xml += "<w:gridCol/>";
    xml += "</w:tblGrid>";
    for (const std::string& row : rows) xml += "<w:tr>" + row + "</w:tr>";
    return xml + "</w:tbl><w:p/>";
}

// A vertical merge counted once for every row it spanned (its first cell too), and the old cell
// properties of a tracked change counted as well.
TEST(WordRead, AVerticalMergeWasCountedOncePerRow) {
    const std::string restart = R"(<w:vMerge w:val="restart"/>)";
    const std::string go_on = "<w:vMerge/>";
    const std::string span = R"(<w:gridSpan w:val="2"/>)";
    struct Case {
        std::string what;
        std::string table;
        std::size_t merged;
    };
    const std::vector<Case> cases = {
        {"plain", Table(2, {Cell("") + Cell(""), Cell("") + Cell("")}), 0},
        {"one cell over two columns", Table(2, {Cell(span), Cell("") + Cell("")}), 1},
        {"one cell over three rows",
         Table(2, {Cell(restart) + Cell(""), Cell(go_on) + Cell(""), Cell(go_on) + Cell("")}), 1},
        {"two merges in a column",
         Table(1, {Cell(restart), Cell(go_on), Cell(restart), Cell(go_on)}), 2},
        {"one cell over two rows and two columns",
         Table(3, {Cell(span + restart) + Cell(""), Cell(span + go_on) + Cell("")}), 1},
        {"a restart nothing continues", Table(1, {Cell(restart), Cell("")}), 0},
        {"the second column merged, after a spanning cell",
         Table(3, {Cell(span) + Cell(restart), Cell("") + Cell("") + Cell(go_on)}), 2},
        {"old properties of a tracked change",
         Table(2, {Cell("<w:tcPrChange w:id=\"1\"><w:tcPr>" + span + "</w:tcPr></w:tcPrChange>") +
                   Cell("")}),
         0},
    };
    for (const Case& c : cases) {
        WordDocument document = WithBodyAndParts(c.table + "<w:sectPr/>");
        const std::vector<BlockInfo> blocks = document.Blocks();
        ASSERT_FALSE(blocks.empty()) << c.what;
        EXPECT_EQ(blocks.front().kind, BlockInfo::Kind::kTable) << c.what;
        EXPECT_EQ(blocks.front().merged_cells, c.merged) << c.what;
    }
}

constexpr std::string_view kWpNs =
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";

std::string Drawing(std::string_view placement, std::string_view name) {
    return "<w:r><w:drawing><wp:" + std::string(placement) + " xmlns:wp=\"" + std::string(kWpNs) +
           "\"><wp:extent cx=\"100\" cy=\"100\"/><wp:docPr id=\"1\" name=\"" + std::string(name) +
           "\"/></wp:" + std::string(placement) + "></w:drawing></w:r>";
}

std::string Vml(std::string_view style) {
    return R"(<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" style=")" +
           std::string(style) + R"("/></w:pict></w:r>)";
}

// Every VML picture was read as floating, inline ones too.
TEST(WordRead, InlineVmlPicturesWereReadAsFloating) {
    WordDocument document =
        WithBodyAndParts("<w:p>" + Drawing("anchor", "Floating") + Drawing("inline", "Inline") +
                         Vml("position:absolute;margin-left:10pt;width:20pt;height:20pt") +
                         Vml("width:20pt;height:20pt") + "</w:p><w:sectPr/>");
    const std::vector<BlockInfo> blocks = document.Blocks();
    ASSERT_EQ(blocks.size(), 1u);
    ASSERT_EQ(blocks[0].drawings.size(), 4u);
    EXPECT_EQ(blocks[0].drawings[0].name, "Floating");
    EXPECT_TRUE(blocks[0].drawings[0].floating);
    EXPECT_EQ(blocks[0].drawings[1].name, "Inline");
    EXPECT_FALSE(blocks[0].drawings[1].floating);
    EXPECT_TRUE(blocks[0].drawings[2].floating);
    EXPECT_FALSE(blocks[0].drawings[3].floating);
}

// ---------------------------------------------------------------------------------------------
// Deleting blocks with notes and comments

ExtraPart Notes(std::string_view kind, std::vector<std::string> ids) {
    std::string xml = "<w:" + std::string(kind) + R"( w:type="separator" w:id="-1"><w:p><w:r>)" +
                      "<w:separator/></w:r></w:p></w:" + std::string(kind) + ">";
    for (const std::string& id : ids) {
        xml += "<w:" + std::string(kind) + " w:id=\"" + id + "\"><w:p><w:r><w:t>Note " + id +
               "</w:t></w:r></w:p></w:" + std::string(kind) + ">";
    }
    const std::string part = std::string(kind) + "s";
    return {"word/" + part + ".xml", "rId9" + std::to_string(kind.size()), part, part,
            WordRoot(part, xml)};
}

constexpr std::string_view kW14 = "http://schemas.microsoft.com/office/word/2010/wordml";
constexpr std::string_view kW15 = "http://schemas.microsoft.com/office/word/2012/wordml";

ExtraPart Comments() {
    std::string xml;
    for (std::string_view id : {"0", "1"}) {
        xml += R"(<w:comment w:id=")" + std::string(id) + R"(" w:author="B"><w:p w14:paraId="P)" +
               std::string(id) + R"("><w:r><w:t>Comment )" + std::string(id) +
               "</w:t></w:r></w:p></w:comment>";
    }
    std::string root = WordRoot("comments", xml);
    root.insert(root.find("xmlns:w="), "xmlns:w14=\"" + std::string(kW14) + "\" ");
    return {"word/comments.xml", "rId80", "comments", "comments", root};
}

ExtraPart CommentsExtended() {
    const std::string xml =
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:commentsEx xmlns:w15=")" +
        std::string(kW15) + R"("><w15:commentEx w15:paraId="P0" w15:done="0"/>)" +
        R"(<w15:commentEx w15:paraId="P1" w15:done="0"/></w15:commentsEx>)";
    return {"word/commentsExtended.xml", "rId81", "commentsExtended", "commentsExtended", xml};
}

std::string Commented(std::string_view id, std::string_view text) {
    return R"(<w:p><w:commentRangeStart w:id=")" + std::string(id) + R"("/><w:r><w:t>)" +
           std::string(text) + R"(</w:t></w:r><w:commentRangeEnd w:id=")" + std::string(id) +
           R"("/><w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference )"
           R"(w:id=")" +
           std::string(id) + R"("/></w:r></w:p>)";
}

std::string Footnoted(std::string_view text, std::string_view id, std::string_view kind) {
    return R"(<w:p><w:r><w:t>)" + std::string(text) + R"(</w:t></w:r><w:r><w:)" +
           std::string(kind) + R"(Reference w:id=")" + std::string(id) + R"("/></w:r></w:p>)";
}

WordDocument NotedDocument() {
    std::vector<ExtraPart> parts = {Notes("footnote", {"1", "2"}), Notes("endnote", {"1"}),
                                    Comments(), CommentsExtended()};
    const std::string body = Footnoted("Gone", "1", "footnote") +
                             Footnoted("Also gone", "1", "endnote") + Commented("0", "Gone too") +
                             Footnoted("Kept", "2", "footnote") + Commented("1", "Kept too") +
                             "<w:sectPr/>";
    return WithBodyAndParts(body, parts);
}

// Deleting a block left the footnotes, endnotes and comments only it referred to in their parts.
TEST(WordEdit, DeletingABlockLeftItsNotesAndCommentsBehind) {
    WordDocument document = NotedDocument();
    ASSERT_EQ(document.Notes().size(), 5u);
    for (const char* block : {"b1", "b1", "b1"}) ASSERT_TRUE(document.DeleteBlock(block));
    WordDocument reopened = Reopen(document);
    std::vector<std::string> notes;
    for (const NoteInfo& note : reopened.Notes()) notes.push_back(note.kind + " " + note.text);
    EXPECT_EQ(notes, (std::vector<std::string>{"footnote Note 2", "comment Comment 1"}));
    EXPECT_EQ(reopened.Text(), "Kept\nKept too\n");
    // No run is left holding only the properties of a removed comment's reference.
    const std::string main = PartXml(reopened, "word/document.xml");
    EXPECT_EQ(main.find(R"(CommentReference"/></w:rPr></w:r>)"), std::string::npos) << main;
    EXPECT_NE(main.find(R"(<w:commentReference w:id="1"/>)"), std::string::npos) << main;
    const json::value outline = json::parse(reopened.OutlineJson());
    EXPECT_EQ(outline.at("footnotes"), 1);
    EXPECT_EQ(outline.at("endnotes"), 0);
    EXPECT_EQ(outline.at("comments"), 1);
    // The separator note stays; the comment's thread entry goes with it.
    EXPECT_NE(PartXml(reopened, "word/footnotes.xml").find("w:separator"), std::string::npos);
    const std::string extended = PartXml(reopened, "word/commentsExtended.xml");
    EXPECT_EQ(extended.find(R"(paraId="P0")"), std::string::npos) << extended;
    EXPECT_NE(extended.find(R"(paraId="P1")"), std::string::npos) << extended;
}

TEST(WordEdit, NotesStillReferredToElsewhereStayWhenABlockIsDeleted) {
    // The same footnote referred to twice (as a copy-pasted reference does), and a comment whose
    // range starts in the deleted block but whose reference is in the next one.
    WordDocument document = WithBodyAndParts(
        Footnoted("One", "1", "footnote") + Footnoted("Two", "1", "footnote") +
            R"(<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>Three</w:t></w:r></w:p>)"
            R"(<w:p><w:r><w:t>Four</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r>)"
            R"(<w:commentReference w:id="0"/></w:r></w:p><w:sectPr/>)",
        {Notes("footnote", {"1"}), Comments()});
    ASSERT_TRUE(document.DeleteBlock("b1"));
    ASSERT_TRUE(document.DeleteBlock("b2"));
    std::vector<std::string> notes;
    for (const NoteInfo& note : Reopen(document).Notes()) notes.push_back(note.text);
    // Comment 1 was referred to by nothing from the start and is no business of a deletion.
    EXPECT_EQ(notes, (std::vector<std::string>{"Note 1", "Comment 0", "Comment 1"}));
}

TEST(WordEdit, ATrackedDeletionKeepsNotesAndComments) {
    WordDocument document = NotedDocument();
    ASSERT_TRUE(document.DeleteBlock("b1", true));
    ASSERT_TRUE(document.DeleteBlock("b3", true));
    EXPECT_EQ(Reopen(document).Notes().size(), 5u);
}

}  // namespace
}  // namespace quire::docx
