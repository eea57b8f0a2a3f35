// Whether a document has tracked changes, as the outline and the blocks report it, against what
// AcceptAllChanges and RejectAllChanges resolve.

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

constexpr std::string_view kBody = R"(<w:p><w:r><w:t>Body</w:t></w:r></w:p>)";
constexpr std::string_view kInsertion =
    R"(<w:p><w:ins w:id="7" w:author="A"><w:r><w:t>new</w:t></w:r></w:ins></w:p>)";
constexpr std::string_view kDeletion =
    R"(<w:p><w:del w:id="8" w:author="A"><w:r><w:delText>old</w:delText></w:r></w:del></w:p>)";

bool OutlineSaysTracked(const WordDocument& document) {
    return json::parse(document.OutlineJson()).at("tracked_changes").as_bool();
}

bool AnyBlockTracked(const WordDocument& document) {
    for (const BlockInfo& block : document.Blocks()) {
        if (block.tracked_changes) return true;
    }
    return false;
}

// A change only in a header.
WordDocument HeaderChange() {
    return WithBodyAndParts(
        std::string(kBody) +
            R"(<w:sectPr><w:headerReference w:type="default" r:id="rId90"/></w:sectPr>)",
        {{"word/header1.xml", "rId90", "header", "header", WordRoot("hdr", kInsertion)}});
}

// A change only in a footnote.
WordDocument FootnoteChange() {
    const std::string notes =
        R"(<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>)"
        R"(</w:footnote><w:footnote w:id="1">)" +
        std::string(kDeletion) + "</w:footnote>";
    return WithBodyAndParts(
        R"(<w:p><w:r><w:t>Noted</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>)"
        R"(<w:sectPr/>)",
        {{"word/footnotes.xml", "rId90", "footnotes", "footnotes", WordRoot("footnotes", notes)}});
}

// A change only in a comment.
WordDocument CommentChange() {
    return WithBodyAndParts(
        R"(<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>Commented</w:t></w:r>)"
        R"(<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>)"
        R"(<w:sectPr/>)",
        {{"word/comments.xml", "rId90", "comments", "comments",
          WordRoot("comments", R"(<w:comment w:id="0" w:author="B">)" + std::string(kInsertion) +
                                   "</w:comment>")}});
}

// Only a table's properties changed.
constexpr std::string_view kTablePropertyChange =
    R"(<w:tbl><w:tblPr><w:tblW w:w="100" w:type="dxa"/><w:tblPrChange w:id="1" w:author="A">)"
    R"(<w:tblPr><w:tblW w:w="200" w:type="dxa"/></w:tblPr></w:tblPrChange></w:tblPr>)"
    R"(<w:tblGrid><w:gridCol w:w="100"/></w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>cell</w:t>)"
    R"(</w:r></w:p></w:tc></w:tr></w:tbl><w:p/><w:sectPr/>)";

// A change that lay only in a header, a footnote, a comment or a table's properties was reported
// as none, so the agent was told the document had no tracked changes.
TEST(WordRevisions, ChangesOutsideBodyTextWereReportedAsNone) {
    struct Case {
        std::string_view what;
        WordDocument (*build)();
        std::string part;  // where the change is
    };
    const Case cases[] = {
        {"header", HeaderChange, "word/header1.xml"},
        {"footnote", FootnoteChange, "word/footnotes.xml"},
        {"comment", CommentChange, "word/comments.xml"},
        {"table properties", [] { return WithBodyAndParts(kTablePropertyChange); },
         "word/document.xml"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        for (const bool accept : {true, false}) {
            WordDocument document = c.build();
            EXPECT_TRUE(OutlineSaysTracked(document));
            EXPECT_NE(document.OutlineText().find("has tracked changes"), std::string::npos);
            EXPECT_EQ(AnyBlockTracked(document), c.part == "word/document.xml");
            Result<std::size_t> changes =
                accept ? document.AcceptAllChanges() : document.RejectAllChanges();
            ASSERT_TRUE(changes);
            EXPECT_EQ(*changes, 1u);
            WordDocument resolved = Reopen(document);
            EXPECT_FALSE(OutlineSaysTracked(resolved));
            EXPECT_FALSE(AnyBlockTracked(resolved));
            const std::string xml = PartXml(resolved, c.part);
            EXPECT_EQ(xml.find("<w:ins"), std::string::npos) << xml;
            EXPECT_EQ(xml.find("<w:del "), std::string::npos) << xml;
            EXPECT_EQ(xml.find("PrChange"), std::string::npos) << xml;
        }
    }
}

TEST(WordRevisions, EveryKindOfRevisionElementCountsAsATrackedChange) {
    const std::string_view bodies[] = {
        R"(<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/>)"
        R"(<w:ins w:id="1" w:author="A"/></w:numPr></w:pPr><w:r><w:t>x</w:t></w:r></w:p>)",
        R"(<w:p><w:pPr><w:sectPr><w:pgSz w:w="100" w:h="100"/><w:sectPrChange w:id="1">)"
        R"(<w:sectPr/></w:sectPrChange></w:sectPr></w:pPr></w:p>)",
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:tblGridChange w:id="1"><w:tblGrid/>)"
        R"(</w:tblGridChange></w:tblGrid><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>)",
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:trPr>)"
        R"(<w:trPrChange w:id="1"><w:trPr/></w:trPrChange></w:trPr><w:tc><w:p/></w:tc></w:tr>)"
        R"(</w:tbl>)",
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tcPr>)"
        R"(<w:tcPrChange w:id="1"><w:tcPr/></w:tcPrChange></w:tcPr><w:p/></w:tc></w:tr>)"
        R"(</w:tbl>)",
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr><w:tc><w:p/>)"
        R"(</w:tc><w:tc><w:tcPr><w:cellIns w:id="1"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>)",
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tcPr>)"
        R"(<w:vMerge w:val="restart"/></w:tcPr><w:p/></w:tc></w:tr><w:tr><w:tc><w:tcPr>)"
        R"(<w:vMerge/><w:cellMerge w:id="1" w:vMerge="cont"/></w:tcPr><w:p/></w:tc></w:tr>)"
        R"(</w:tbl>)",
        R"(<w:p><w:pPr><w:numPr><w:numberingChange w:id="1" w:original="%1."/></w:numPr>)"
        R"(</w:pPr></w:p>)",
        R"(<w:p><w:customXmlInsRangeStart w:id="1"/><w:r><w:t>x</w:t></w:r>)"
        R"(<w:customXmlInsRangeEnd w:id="1"/></w:p>)",
        R"(<w:p><w:moveToRangeStart w:id="1" w:name="m"/><w:r><w:t>x</w:t></w:r>)"
        R"(<w:moveToRangeEnd w:id="1"/></w:p>)",
    };
    for (std::string_view body : bodies) {
        SCOPED_TRACE(body);
        WordDocument document = WithBodyAndParts(std::string(body) + "<w:p/><w:sectPr/>");
        EXPECT_TRUE(OutlineSaysTracked(document));
        EXPECT_TRUE(AnyBlockTracked(document));
        ASSERT_TRUE(document.AcceptAllChanges());
        WordDocument accepted = Reopen(document);
        EXPECT_FALSE(OutlineSaysTracked(accepted));
        EXPECT_FALSE(AnyBlockTracked(accepted));
    }
    EXPECT_FALSE(OutlineSaysTracked(WithBodyAndParts(std::string(kBody) + "<w:sectPr/>")));
}

// A body whose only revisions were move range marks had them removed in memory, but the part
// was not marked changed (no revision counted), so the saved document still held them.
TEST(WordRevisions, RangeMarksAloneWereResolvedButNotSaved) {
    WordDocument document = WithBodyAndParts(
        R"(<w:p><w:moveFromRangeStart w:id="1" w:name="m"/><w:r><w:t>x</w:t></w:r>)"
        R"(<w:moveFromRangeEnd w:id="1"/></w:p><w:sectPr/>)");
    Result<std::size_t> changes = document.RejectAllChanges();
    ASSERT_TRUE(changes);
    EXPECT_EQ(*changes, 0u);
    const std::string xml = PartXml(document, "word/document.xml");
    EXPECT_EQ(xml.find("moveFromRange"), std::string::npos) << xml;
    EXPECT_EQ(Reopen(document).Text(), "x\n");
}

// A tracked vertical merge of cells (cellMerge) was left in place by both resolutions.
TEST(WordRevisions, ATrackedCellMergeWasNotResolved) {
    const std::string body =
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tcPr>)"
        R"(<w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr>)"
        R"(<w:tr><w:tc><w:tcPr><w:tcW w:w="100" w:type="dxa"/><w:vMerge/>)"
        R"(<w:cellMerge w:id="1" w:author="A" w:vMerge="cont"/></w:tcPr><w:p/></w:tc></w:tr>)"
        R"(</w:tbl><w:p/><w:sectPr/>)";
    for (const bool accept : {true, false}) {
        WordDocument document = WithBodyAndParts(body);
        Result<std::size_t> changes =
            accept ? document.AcceptAllChanges() : document.RejectAllChanges();
        ASSERT_TRUE(changes);
        EXPECT_EQ(*changes, 1u);
        WordDocument resolved = Reopen(document);
        const std::string xml = PartXml(resolved, "word/document.xml");
        EXPECT_EQ(xml.find("cellMerge"), std::string::npos) << xml;
        // Accepting keeps the two cells merged; rejecting splits them (the original setting,
        // absent, is "not merged").
        const std::string cell = R"(<w:tcW w:w="100" w:type="dxa"/>)";
        EXPECT_EQ(xml.find(cell + "<w:vMerge/></w:tcPr>") != std::string::npos, accept) << xml;
        EXPECT_EQ(xml.find(cell + R"(<w:vMerge w:val="restart"/></w:tcPr>)") != std::string::npos,
                  !accept)
            << xml;
        EXPECT_EQ(resolved.Blocks().front().merged_cells, accept ? 1u : 0u) << xml;
        EXPECT_FALSE(OutlineSaysTracked(resolved));
    }

    // A merge whose revised setting is absent and original setting continued the cell above:
    // rejecting merges the cells again.
    WordDocument split = WithBodyAndParts(
        R"(<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tcPr>)"
        R"(<w:vMerge w:val="restart"/></w:tcPr><w:p/></w:tc></w:tr><w:tr><w:tc><w:tcPr>)"
        R"(<w:tcW w:w="100" w:type="dxa"/><w:cellMerge w:id="1" w:vMergeOrig="cont"/></w:tcPr>)"
        R"(<w:p/></w:tc></w:tr></w:tbl><w:p/><w:sectPr/>)");
    EXPECT_EQ(split.Blocks().front().merged_cells, 0u);
    ASSERT_TRUE(split.RejectAllChanges());
    const std::string xml = PartXml(split, "word/document.xml");
    EXPECT_NE(xml.find(R"(<w:tcW w:w="100" w:type="dxa"/><w:vMerge/></w:tcPr>)"), std::string::npos)
        << xml;
    EXPECT_EQ(split.Blocks().front().merged_cells, 1u);
}

}  // namespace
}  // namespace quire::docx
