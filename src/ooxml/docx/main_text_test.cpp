// The main part held as stored text: the scanner, the splices, and above all that inserting
// blocks in text mode makes the same document as inserting them into the tree.

#include "ooxml/docx/main_text.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ooxml/docx/body_scanner.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "shared_dir.hpp"

namespace quire::docx {
namespace {

constexpr std::string_view kRoot =
    R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
    R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)";

BlockSpec Block(BlockSpec::Kind kind, std::string text = "", int level = 1) {
    BlockSpec spec;
    spec.kind = kind;
    spec.text = std::move(text);
    spec.level = level;
    return spec;
}

BlockSpec Table(int rows) {
    BlockSpec spec = Block(BlockSpec::Kind::kTable);
    for (int r = 0; r < rows; ++r) spec.rows.push_back({"a" + std::to_string(r), "b"});
    return spec;
}

// Blocks that exercise what text mode must get right: bookmarks and their ids, styles, and
// tables next to each other and to the document's own tables.
std::vector<BlockSpec> InsertedBlocks() {
    return {Block(BlockSpec::Kind::kHeading, "Inserted heading", 2),
            Block(BlockSpec::Kind::kParagraph, "Inserted **bold** text"), Table(2), Table(3)};
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// The main part of saved bytes, parsed and written again, so that two parts holding the same
// document compare equal whatever their quoting and empty-element forms.
std::string CanonicalMainPart(const std::string& bytes) {
    Result<ooxml::Package> package = ooxml::Package::Open(bytes);
    if (!package) return "cannot open: " + package.error().message;
    Result<std::string> xml = package->ReadPart(*package->MainPart());
    if (!xml) return "cannot read: " + xml.error().message;
    auto doc = ooxml::ParseXml(*xml, "main");
    if (!doc) return "cannot parse: " + doc.error().message;
    return ooxml::SerializeXml(**doc);
}

// Blocks as a string of the fields an insertion can change.
std::string Summary(const WordDocument& document) {
    std::string out;
    for (const BlockInfo& block : document.Blocks()) {
        out += std::to_string(static_cast<int>(block.kind)) + "|" + block.id + "|" + block.style +
               "|" + std::to_string(block.heading_level) + "|" + block.text + "\n";
    }
    return out;
}

struct Outcome {
    std::string error;  // "" on success
    std::string main_part;
    std::string blocks;
};

// Opens `bytes`, optionally forces the tree (Blocks() needs it), runs `edit` and saves.
template <typename Edit>
Outcome EditAndSave(const std::string& bytes, bool force_tree, Edit edit) {
    Result<WordDocument> document = WordDocument::Open(bytes);
    if (!document) return {"open: " + document.error().message};
    if (force_tree) (void)document->Blocks();
    if (Status done = edit(*document); !done) return {done.error().message};
    Result<std::string> saved = document->Save();
    if (!saved) return {"save: " + saved.error().message};
    Result<WordDocument> reopened = WordDocument::Open(*saved);
    if (!reopened) return {"reopen: " + reopened.error().message};
    return {"", CanonicalMainPart(*saved), Summary(*reopened)};
}

// The four insertions of the fidelity checks, each through text mode and through the tree.
void ExpectSameInsertions(const std::string& bytes, const std::string& label) {
    Result<WordDocument> probe = WordDocument::Open(bytes);
    ASSERT_TRUE(probe) << label;
    const std::size_t middle = std::max<std::size_t>(1, probe->BlockCount() / 2);
    const std::pair<std::string, Position> places[] = {
        {"b1", Position::kAfter},
        {"b" + std::to_string(middle), Position::kBefore},
        {"start", Position::kAfter},
        {"end", Position::kAfter}};
    for (const auto& [anchor, position] : places) {
        auto insert = [&](WordDocument& document) -> Status {
            auto inserted = document.InsertBlocks(anchor, position, InsertedBlocks());
            if (!inserted) return std::unexpected(inserted.error());
            return {};
        };
        const Outcome text = EditAndSave(bytes, false, insert);
        const Outcome tree = EditAndSave(bytes, true, insert);
        EXPECT_EQ(text.error, tree.error) << label << " " << anchor;
        EXPECT_TRUE(text.main_part == tree.main_part) << label << " " << anchor;
        EXPECT_EQ(text.blocks, tree.blocks) << label << " " << anchor;
    }
}

std::vector<std::string> CorpusWordFiles() {
    std::vector<std::string> files;
    for (const test_support::CorpusEntry& entry : test_support::CorpusManifest()) {
        const std::string& name = entry.path;
        if (!entry.hostile() &&
            (name.ends_with(".docx") || name.ends_with(".docm") || name.ends_with(".dotx"))) {
            files.push_back(name);
        }
    }
    return files;
}

// A report as bench/docx writes it, smaller: chapters of headings, paragraphs and a table.
Status WriteReport(WordDocument& document, int chapters) {
    for (int c = 0; c < chapters; ++c) {
        std::vector<BlockSpec> blocks{
            Block(BlockSpec::Kind::kHeading, "Chapter " + std::to_string(c + 1))};
        for (int p = 0; p < 5; ++p) {
            blocks.push_back(Block(BlockSpec::Kind::kParagraph,
                                   "Paragraph " + std::to_string(p) + " of the chapter."));
        }
        blocks.push_back(Table(3));
        auto inserted = document.InsertBlocks("end", Position::kAfter, blocks);
        if (!inserted) return std::unexpected(inserted.error());
    }
    return {};
}

std::string SavedReport(bool force_tree, int chapters) {
    WordDocument document = WordDocument::Create();
    if (force_tree) (void)document.Blocks();
    EXPECT_TRUE(WriteReport(document, chapters));
    Result<std::string> saved = document.Save();
    EXPECT_TRUE(saved);
    return saved ? *saved : "";
}

// A Word package made by Quire whose main part is `xml`.
std::string WithMainPart(std::string_view xml) {
    Result<std::string> bytes = WordDocument::Create().Save();
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    package->WritePart(*package->MainPart(), std::string(xml));
    return *package->Save();
}

std::optional<BodyScan> ScanInPieces(std::string_view xml, std::size_t piece,
                                     BodyScanner::Mode mode = BodyScanner::Mode::kPart) {
    BodyScanner scanner(mode, 256);
    for (std::size_t at = 0; at < xml.size(); at += piece) scanner.Feed(xml.substr(at, piece));
    return scanner.Finish();
}

// ---------------------------------------------------------------------------------------------

TEST(MainText, EveryCorpusDocumentGetsTheSameInsertionsInTextModeAsInTheTree) {
    std::size_t read_as_text = 0;
    const std::vector<std::string> files = CorpusWordFiles();
    ASSERT_FALSE(files.empty());
    for (const std::string& file : files) {
        const std::string bytes = ReadFile(test_support::SharedDir() / "corpus" / file);
        Result<ooxml::Package> package = ooxml::Package::Open(bytes);
        ASSERT_TRUE(package) << file;
        read_as_text += MainText::Scan(*package, *package->MainPart(), 256) != nullptr;
        ExpectSameInsertions(bytes, file);
    }
    // Most documents must take the text path, or this test would compare the tree with itself.
    EXPECT_GE(read_as_text * 3, files.size() * 2) << read_as_text << " of " << files.size();
}

TEST(MainText, ReportWrittenInTextModeEqualsTheOneWrittenInTheTree) {
    const std::string text = SavedReport(false, 6);
    const std::string tree = SavedReport(true, 6);
    EXPECT_TRUE(CanonicalMainPart(text) == CanonicalMainPart(tree));
    ExpectSameInsertions(text, "report");
}

TEST(MainText, LongRunOfAppendsIsFoldedIntoThePartAndStaysEqual) {
    // About 900 KB of paragraphs, one insertion each: the splices are folded several times.
    const std::string words(900, 'x');
    auto append = [&](WordDocument& document) -> Status {
        for (int i = 0; i < 1000; ++i) {
            auto inserted = document.InsertBlocks(
                "end", Position::kAfter,
                std::vector{Block(BlockSpec::Kind::kParagraph, std::to_string(i) + words)});
            if (!inserted) return std::unexpected(inserted.error());
        }
        return {};
    };
    const std::string blank = *WordDocument::Create().Save();
    const Outcome text = EditAndSave(blank, false, append);
    const Outcome tree = EditAndSave(blank, true, append);
    ASSERT_EQ(text.error, "");
    EXPECT_TRUE(text.main_part == tree.main_part);
    EXPECT_EQ(text.blocks, tree.blocks);
    EXPECT_NE(text.blocks.find("999xxx"), std::string::npos);
}

TEST(MainText, TextInsertsThenOutlineThenMoveEqualTheTreePath) {
    const std::string report = SavedReport(false, 4);
    auto edit = [](WordDocument& document) -> Status {
        for (const char* anchor : {"b2", "end", "start"}) {
            auto inserted = document.InsertBlocks(anchor, Position::kAfter, InsertedBlocks());
            if (!inserted) return std::unexpected(inserted.error());
        }
        if (document.OutlineJson().find("Chapter 3") == std::string::npos) {
            return Internal("the outline misses a chapter");
        }
        if (Status moved = document.MoveBlock("h4", "h2", Position::kBefore); !moved) return moved;
        auto inserted = document.InsertBlocks("b3", Position::kBefore, InsertedBlocks());
        if (!inserted) return std::unexpected(inserted.error());
        return {};
    };
    const Outcome text = EditAndSave(report, false, edit);
    const Outcome tree = EditAndSave(report, true, edit);
    ASSERT_EQ(text.error, "");
    EXPECT_TRUE(text.main_part == tree.main_part);
    EXPECT_EQ(text.blocks, tree.blocks);
}

TEST(MainText, EveryKindOfBlockIsInsertedAlikeInTextModeAndInTheTree) {
    BlockSpec image = Block(BlockSpec::Kind::kImage);
    image.image =
        std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x10\0\0\0\x1e\x08\x02\0\0\0", 29) +
        std::string(16, '\0');  // 4096 x 30: wider than the page, so it is capped
    image.caption = "A picture";
    BlockSpec chart = Block(BlockSpec::Kind::kChart);
    chart.title = "Revenue";
    chart.categories = {"Q1", "Q2"};
    chart.series = {{"2024", {1.0, 2.5}}};
    chart.caption = "Revenue by quarter";
    BlockSpec list = Block(BlockSpec::Kind::kList);
    list.items = {{"one", 0}, {"two", 1}};
    list.ordered = true;
    const std::vector<BlockSpec> blocks{
        Block(BlockSpec::Kind::kToc),
        image,
        chart,
        list,
        Block(BlockSpec::Kind::kPageBreak),
        Block(BlockSpec::Kind::kParagraph, "With a note[^The note.] and [a link](https://x.org)"),
        Block(BlockSpec::Kind::kHeading, "Title", 0)};
    auto edit = [&](WordDocument& document) -> Status {
        for (const char* anchor : {"end", "b2", "start"}) {
            auto inserted = document.InsertBlocks(anchor, Position::kAfter, blocks);
            if (!inserted) return std::unexpected(inserted.error());
        }
        // After the figure paragraph: its caption goes with it, which the tree works out.
        auto after_figure = document.InsertBlocks("b4", Position::kAfter, InsertedBlocks());
        if (!after_figure) return std::unexpected(after_figure.error());
        return {};
    };
    const std::string report = SavedReport(false, 2);
    const Outcome text = EditAndSave(report, false, edit);
    const Outcome tree = EditAndSave(report, true, edit);
    ASSERT_EQ(text.error, "");
    EXPECT_TRUE(text.main_part == tree.main_part);
    EXPECT_EQ(text.blocks, tree.blocks);
    EXPECT_NE(text.main_part.find("wp:docPr id=\"3\""), std::string::npos);
}

TEST(MainText, NoOpOpenAndSaveKeepsTheMainPartBytes) {
    const std::string report = SavedReport(false, 3);
    Result<WordDocument> document = WordDocument::Open(report);
    ASSERT_TRUE(document);
    EXPECT_EQ(document->BlockCount(), 3u * 7u);
    Result<std::string> saved = document->Save();
    ASSERT_TRUE(saved);
    Result<ooxml::Package> before = ooxml::Package::Open(report);
    Result<ooxml::Package> after = ooxml::Package::Open(*saved);
    EXPECT_EQ(*before->ReadPart("word/document.xml"), *after->ReadPart("word/document.xml"));
}

TEST(MainText, MalformedMainPartsAreStillRefusedAtOpenWithAReason) {
    std::string deep = std::string(kRoot) + "<w:body>";
    for (int i = 0; i < 300; ++i) deep += "<w:sdt>";
    for (int i = 0; i < 300; ++i) deep += "</w:sdt>";
    deep += "</w:body></w:document>";
    const std::pair<std::string, std::string> cases[] = {
        {std::string(kRoot) + "<w:body><w:p></w:r></w:body></w:document>", "well-formed"},
        {std::string(kRoot) + "<w:body><w:p></w:body></w:document>", "well-formed"},
        {"<!DOCTYPE x [<!ENTITY a 'b'>]>" + std::string(kRoot) + "<w:body/></w:document>",
         "DOCTYPE"},
        {deep, "deeper"},
        {R"(<x:document xmlns:x="urn:other"><x:body/></x:document>)", "WordprocessingML"},
        {std::string(kRoot) + "<w:background/></w:document>", "no body"},
        {std::string(kRoot) + std::string("<w:body><w:p>a\0</w:p></w:body></w:document>", 43),
         "well-formed"},
    };
    for (const auto& [xml, reason] : cases) {
        Result<WordDocument> document = WordDocument::Open(WithMainPart(xml));
        ASSERT_FALSE(document) << reason;
        EXPECT_NE(document.error().message.find(reason), std::string::npos)
            << document.error().message;
    }
}

TEST(BodyScanner, ReadsTheSameWhateverThePiecesAre) {
    const std::string xml =
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        "\n" +
        std::string(kRoot) +
        R"(<!-- a > comment --><w:body><w:bookmarkStart w:id="7" w:name="Sec&amp;One"/>)"
        R"(<w:p><w:r><w:t xml:space="preserve">a &lt; b > c<![CDATA[ </w:p> ]]></w:t></w:r>)"
        R"(<w:r><w:drawing><wp:docPr id="12" name="x > y"/></w:drawing></w:r></w:p>)"
        R"(<?pi text?><w:tbl ><w:tr/></w:tbl   ><w:sectPr><w:pgSz w:w="100"/></w:sectPr>)"
        R"(</w:body></w:document>)";
    const std::optional<BodyScan> whole = ScanInPieces(xml, xml.size());
    ASSERT_TRUE(whole);
    ASSERT_EQ(whole->children.size(), 4u);
    EXPECT_EQ(whole->children[0].kind, BodyChildKind::kMark);
    EXPECT_EQ(whole->children[1].kind, BodyChildKind::kParagraph);
    EXPECT_TRUE(whole->children[1].has_drawing);
    EXPECT_EQ(whole->children[2].kind, BodyChildKind::kTable);
    EXPECT_EQ(whole->children[3].kind, BodyChildKind::kSectPr);
    EXPECT_EQ(
        xml.substr(whole->children[2].start, whole->children[2].end - whole->children[2].start),
        "<w:tbl ><w:tr/></w:tbl   >");
    EXPECT_EQ(whole->final_sect_pr, R"(<w:sectPr><w:pgSz w:w="100"/></w:sectPr>)");
    EXPECT_EQ(whole->bookmark_names, std::set<std::string>{"sec&one"});
    EXPECT_EQ(whole->max_bookmark_id, 7);
    EXPECT_EQ(whole->max_drawing_id, 12);
    EXPECT_EQ(xml.substr(whole->body_close_start, 9), "</w:body>");
    EXPECT_EQ(xml[whole->body_open_end - 1], '>');

    for (std::size_t piece : {1, 2, 3, 7, 64}) {
        const std::optional<BodyScan> split = ScanInPieces(xml, piece);
        ASSERT_TRUE(split) << piece;
        ASSERT_EQ(split->children.size(), whole->children.size());
        for (std::size_t i = 0; i < split->children.size(); ++i) {
            EXPECT_EQ(split->children[i].start, whole->children[i].start) << piece;
            EXPECT_EQ(split->children[i].end, whole->children[i].end) << piece;
        }
        EXPECT_EQ(split->final_sect_pr, whole->final_sect_pr) << piece;
        EXPECT_EQ(split->body_close_start, whole->body_close_start) << piece;
    }
}

TEST(BodyScanner, ReadsDeclarationsBelowTheRootThatLeaveWAndRAsTheyAre) {
    const std::string xml =
        std::string(kRoot) +
        R"(<w:body><w:p><a:graphic xmlns:a="urn:a" xmlns="urn:d"><x/></a:graphic>)"
        R"(<dgm:relIds xmlns:dgm="urn:dgm" )"
        R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>)"
        R"(</w:p></w:body></w:document>)";
    const std::optional<BodyScan> scan = ScanInPieces(xml, 10);
    ASSERT_TRUE(scan);
    EXPECT_TRUE(scan->declares_below_root);
    EXPECT_EQ(scan->children.size(), 1u);
}

TEST(BodyScanner, ReadsBookmarkNamesAsTheTreeParseDoes) {
    for (const std::string raw : {"a\r\nb", "a\rb", "a\nb", "A\tB", "x&amp;Y", "&#65;&#x42;",
                                  "&lt;&gt;&quot;&apos;", "caf\xC3\xA9"}) {
        const std::string xml = std::string(kRoot) + R"(<w:body><w:bookmarkStart w:id="1" )" +
                                "w:name=\"" + raw + "\"/></w:body></w:document>";
        const std::optional<BodyScan> scan = ScanInPieces(xml, 7);
        ASSERT_TRUE(scan) << raw;
        auto doc = ooxml::ParseXml(xml, "main");
        ASSERT_TRUE(doc) << raw;
        std::string name =
            doc->get()->document_element().first_child().first_child().attribute("w:name").value();
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(scan->bookmark_names, std::set<std::string>{name}) << raw;
    }
}

TEST(BodyScanner, LeavesWhatItDoesNotReadToTheTree) {
    const std::string body = "<w:body><w:p/></w:body></w:document>";
    const std::string cases[] = {
        "\xEF\xBB\xBF" + std::string(kRoot) + body,
        R"(<?xml version="1.0" encoding="windows-1252"?>)" + std::string(kRoot) + body,
        std::string(kRoot) + R"(<w:body><w:p xmlns:w="urn:v"/></w:body></w:document>)",
        std::string(kRoot) + R"(<w:body><w:p xmlns:r="urn:v"/></w:body></w:document>)",
        std::string(kRoot) +
            R"(<w:body><w:p xmlns="http://schemas.openxmlformats.org/wordprocessingml/2006/)"
            R"(main"/></w:body></w:document>)",
        R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
        R"(xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
        R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)" +
            body,
        R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)" +
            body,
        std::string(kRoot) + "<w:body/></w:document>",
        std::string(kRoot) + body + "<w:document/>",
        std::string(kRoot) + body + "text after",
        std::string(kRoot) + R"(<w:body><w:p a="1"b="2"/></w:body></w:document>)",
        std::string(kRoot) + R"(<w:body><w:bookmarkStart w:id="x1"/></w:body></w:document>)",
        std::string(kRoot) + "<w:body><w:p>",
        std::string(kRoot) + std::string("<w:body><w:p>a\0b</w:p></w:body></w:document>", 44),
    };
    for (const std::string& xml : cases) EXPECT_FALSE(ScanInPieces(xml, 5)) << xml;
}

TEST(MainText, SplicesMergeIntoTheStoredTextWhereverTheyGo) {
    const std::string xml = std::string(kRoot) + "<w:body><w:p/><w:p/></w:body></w:document>";
    ooxml::Package package = ooxml::Package::Create();
    package.WritePart("main.xml", xml);
    std::unique_ptr<MainText> text = MainText::Scan(package, "main.xml", 256);
    ASSERT_TRUE(text);
    ASSERT_EQ(text->BlockCount(), 2u);
    std::string expected = xml;
    auto insert = [&](std::uint64_t offset, std::size_t index, std::string_view fragment) {
        const std::optional<BodyScan> scan =
            ScanInPieces(fragment, fragment.size(), BodyScanner::Mode::kFragment);
        ASSERT_TRUE(scan);
        text->Insert(offset, index, fragment, scan->children);
        expected.insert(offset, fragment);
    };
    insert(text->scan().children[1].start, 1, "<w:p><w:r/></w:p>");
    insert(text->scan().children[1].end, 2, "<w:tbl/>");         // at the end of a splice
    insert(text->scan().children[1].start, 1, "<w:sdt/>");       // at the start of one
    insert(text->scan().body_close_start, 5, "<w:p>end</w:p>");  // after the stored text
    insert(text->scan().body_open_end, 0, "<w:p>start</w:p>");   // before everything
    EXPECT_EQ(text->BlockCount(), 7u);
    std::string streamed;
    ASSERT_TRUE(text->Stream(package, "main.xml", [&](std::string_view piece) {
        streamed.append(piece);
        return true;
    }));
    EXPECT_EQ(streamed, expected);
    for (const BodyChild& child : text->scan().children) {
        EXPECT_EQ(expected[child.start], '<');
        EXPECT_EQ(expected[child.end - 1], '>');
    }
}

}  // namespace
}  // namespace quire::docx
