// Every Word document of the shared corpus through the engine: a no-op open and save keeps every
// part, inserting paragraphs changes only the main part, hostile files are refused with a
// reason, and the corpus's special cases (strict namespaces, tracked changes, text boxes,
// content controls, a long document) read as they should.

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_test_support.hpp"
#include "ooxml/package/package.hpp"
#include "shared_dir.hpp"

namespace quire::docx {
namespace {

namespace json = boost::json;
using test_support::Paragraph;
using test_support::Reopen;

std::string ReadCorpus(std::string_view name) {
    std::ifstream in(quire::test_support::SharedDir() / "corpus" / name, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

struct CorpusDocument {
    std::string file;
    bool hostile = false;
};

std::vector<CorpusDocument> WordFiles(bool hostile) {
    std::vector<CorpusDocument> files;
    for (const quire::test_support::CorpusEntry& entry : quire::test_support::CorpusManifest()) {
        const std::string& name = entry.path;
        const bool word =
            name.ends_with(".docx") || name.ends_with(".docm") || name.ends_with(".dotx");
        if (word && entry.hostile() == hostile) files.push_back({name, hostile});
    }
    return files;
}

std::string TestName(const ::testing::TestParamInfo<CorpusDocument>& info) {
    std::string name = info.param.file;
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

// Names of parts whose bytes differ between two packages, added and removed ones included.
std::set<std::string> ChangedParts(const std::string& before_bytes,
                                   const std::string& after_bytes) {
    Result<ooxml::Package> before = ooxml::Package::Open(before_bytes);
    Result<ooxml::Package> after = ooxml::Package::Open(after_bytes);
    std::set<std::string> changed;
    if (!before || !after) return {"(unreadable)"};
    std::vector<std::string> names = before->PartNames();
    for (const std::string& name : after->PartNames()) names.push_back(name);
    for (const std::string& name : names) {
        Result<std::string> a = before->ReadPart(name);
        Result<std::string> b = after->ReadPart(name);
        if (!a || !b || *a != *b) changed.insert(name);
    }
    return changed;
}

class WordRoundTrip : public ::testing::TestWithParam<CorpusDocument> {};

TEST_P(WordRoundTrip, NoOpOpenAndSaveKeepsEveryPart) {
    const std::string original = ReadCorpus(GetParam().file);
    Result<WordDocument> document = WordDocument::Open(original);
    ASSERT_TRUE(document) << document.error().message;
    EXPECT_FALSE(document->OutlineJson().empty());
    Result<std::string> saved = document->Save();
    ASSERT_TRUE(saved);
    EXPECT_TRUE(ChangedParts(original, *saved).empty());
}

TEST_P(WordRoundTrip, InsertingParagraphsChangesOnlyTheMainPart) {
    const std::string original = ReadCorpus(GetParam().file);
    Result<WordDocument> document = WordDocument::Open(original);
    ASSERT_TRUE(document) << document.error().message;
    const json::array sections = json::parse(document->OutlineJson()).at("sections").as_array();
    std::string anchor = "start";
    for (const json::value& section : sections) {
        if (section.at("id") != "start") {
            anchor = section.at("id").as_string().c_str();
            break;
        }
    }
    ASSERT_TRUE(
        document->InsertBlocks(anchor, Position::kAfter, std::vector{Paragraph("First new")}));
    ASSERT_TRUE(
        document->InsertBlocks("end", Position::kAfter, std::vector{Paragraph("Last new")}));
    Result<std::string> saved = document->Save();
    ASSERT_TRUE(saved);
    Result<ooxml::Package> package = ooxml::Package::Open(original);
    ASSERT_TRUE(package);
    EXPECT_EQ(ChangedParts(original, *saved), std::set<std::string>{*package->MainPart()});
    const std::string text = Reopen(*document).Text();
    EXPECT_NE(text.find("First new"), std::string::npos);
    EXPECT_LT(text.find("First new"), text.find("Last new"));
    EXPECT_EQ(text.substr(text.size() - 9), "Last new\n");
}

// The outline says a document has tracked changes exactly when accepting them all changes a part:
// the flag and the resolution go by one list of revision elements and parts.
TEST_P(WordRoundTrip, TrackedChangesFlagMatchesWhatAcceptingChanges) {
    const std::string original = ReadCorpus(GetParam().file);
    Result<WordDocument> document = WordDocument::Open(original);
    ASSERT_TRUE(document) << document.error().message;
    const bool flagged = json::parse(document->OutlineJson()).at("tracked_changes").as_bool();
    ASSERT_TRUE(document->AcceptAllChanges());
    Result<std::string> saved = document->Save();
    ASSERT_TRUE(saved);
    EXPECT_EQ(!ChangedParts(original, *saved).empty(), flagged);
}

INSTANTIATE_TEST_SUITE_P(Corpus, WordRoundTrip, ::testing::ValuesIn(WordFiles(false)), TestName);

class WordHostile : public ::testing::TestWithParam<CorpusDocument> {};

TEST_P(WordHostile, IsRefusedWithAReason) {
    Result<WordDocument> document = WordDocument::Open(ReadCorpus(GetParam().file));
    ASSERT_FALSE(document);
    EXPECT_EQ(document.error().code, ErrorCode::kInvalidRequest);
    EXPECT_FALSE(document.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Corpus, WordHostile, ::testing::ValuesIn(WordFiles(true)), TestName);

TEST(WordCorpus, StrictDocumentIsRead) {
    Result<WordDocument> document =
        WordDocument::Open(ReadCorpus("docx/mammoth-strict-format.docx"));
    ASSERT_TRUE(document) << document.error().message;
    EXPECT_FALSE(document->Text().empty());
    ASSERT_TRUE(document->InsertBlocks("end", Position::kAfter, std::vector{Paragraph("Added")}));
    BlockSpec heading;
    heading.kind = BlockSpec::Kind::kHeading;
    heading.text = "Strict heading";
    ASSERT_TRUE(document->InsertBlocks("start", Position::kBefore, std::vector{heading}));
    WordDocument reopened = Reopen(*document);
    EXPECT_NE(reopened.Text().find("Added"), std::string::npos);
    const json::array sections = json::parse(reopened.OutlineJson()).at("sections").as_array();
    ASSERT_FALSE(sections.empty());
    EXPECT_EQ(sections[0].at("title"), "Strict heading");
}

TEST(WordCorpus, TrackedChangesAreAcceptedAndRejected) {
    const std::string bytes = ReadCorpus("docx/pandoc-paragraph_insertion_deletion.docx");
    Result<WordDocument> accepted = WordDocument::Open(bytes);
    ASSERT_TRUE(accepted);
    EXPECT_TRUE(json::parse(accepted->OutlineJson()).at("tracked_changes").as_bool());
    Result<std::size_t> changes = accepted->AcceptAllChanges();
    ASSERT_TRUE(changes);
    EXPECT_GT(*changes, 0u);
    EXPECT_FALSE(json::parse(Reopen(*accepted).OutlineJson()).at("tracked_changes").as_bool());
    Result<WordDocument> rejected = WordDocument::Open(bytes);
    ASSERT_TRUE(rejected);
    ASSERT_TRUE(rejected->RejectAllChanges());
    EXPECT_NE(Reopen(*accepted).Text(), Reopen(*rejected).Text());
}

TEST(WordCorpus, TextBoxesAndContentControlsAreRead) {
    Result<WordDocument> boxes = WordDocument::Open(ReadCorpus("docx/mammoth-text-box.docx"));
    ASSERT_TRUE(boxes);
    bool has_box = false;
    for (const BlockInfo& block : boxes->Blocks()) has_box |= !block.text_boxes.empty();
    EXPECT_TRUE(has_box);
    Result<WordDocument> controls = WordDocument::Open(ReadCorpus("docx/pandoc-sdt_elements.docx"));
    ASSERT_TRUE(controls);
    // The document's content control is a table cell whose content reads "Body copy".
    bool has_control = false;
    for (const BlockInfo& block : controls->Blocks()) {
        has_control |= block.kind == BlockInfo::Kind::kTable &&
                       block.text.find("Body copy") != std::string::npos;
    }
    EXPECT_TRUE(has_control);
}

TEST(WordCorpus, LargeDocumentOutlineStaysSmall) {
    Result<WordDocument> document = WordDocument::Open(ReadCorpus("docx/poi-bug65649.docx"));
    ASSERT_TRUE(document) << document.error().message;
    EXPECT_LT(document->OutlineJson().size(), 16u * 1024);
}

TEST(WordCorpus, NotesAndCommentsAreRead) {
    Result<WordDocument> notes = WordDocument::Open(ReadCorpus("docx/pandoc-notes.docx"));
    ASSERT_TRUE(notes);
    std::vector<std::string> kinds;
    for (const NoteInfo& note : notes->Notes()) {
        kinds.push_back(note.kind);
        EXPECT_FALSE(note.text.empty());
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"footnote", "endnote"}));
    Result<WordDocument> comments =
        WordDocument::Open(ReadCorpus("docx/pdocx-comments-rich-para.docx"));
    ASSERT_TRUE(comments);
    const std::vector<NoteInfo> read = comments->Notes();
    ASSERT_EQ(read.size(), 4u);
    EXPECT_EQ(read[0].kind, "comment");
    EXPECT_FALSE(read[0].author.empty());
    EXPECT_EQ(json::parse(comments->OutlineJson()).at("comments"), 4);
}

TEST(WordCorpus, SectionBreaksAndFloatingDrawingsAreRead) {
    Result<WordDocument> sections =
        WordDocument::Open(ReadCorpus("docx/pdocx-sct-section-props.docx"));
    ASSERT_TRUE(sections);
    EXPECT_EQ(json::parse(sections->OutlineJson()).at("page_sections"), 5);
    std::size_t breaks = 0;
    for (const BlockInfo& block : sections->Blocks()) breaks += block.section_break;
    EXPECT_EQ(breaks, 4u);
    Result<WordDocument> shapes =
        WordDocument::Open(ReadCorpus("docx/pdocx-shp-inline-shape-access.docx"));
    ASSERT_TRUE(shapes);
    std::set<std::string> kinds;
    for (const BlockInfo& block : shapes->Blocks()) {
        for (const DrawingInfo& drawing : block.drawings) kinds.insert(drawing.kind);
    }
    EXPECT_TRUE(kinds.contains("image"));
    EXPECT_TRUE(kinds.contains("chart"));
    EXPECT_TRUE(kinds.contains("diagram"));
}

// The corpus documents whose manifest lists tracked changes, moves or format changes.
std::vector<CorpusDocument> TrackedFiles() {
    std::vector<CorpusDocument> files;
    for (const quire::test_support::CorpusEntry& entry : quire::test_support::CorpusManifest()) {
        if (!entry.path.ends_with(".docx")) continue;
        if (entry.features.find("tracked-") != std::string::npos ||
            entry.features.find("format-changes") != std::string::npos) {
            files.push_back({entry.path, false});
        }
    }
    return files;
}

// Revision elements (ECMA-376 Part 1, 17.13) left in any WordprocessingML part of a package.
std::vector<std::string> RevisionMarksLeft(const std::string& bytes) {
    Result<ooxml::Package> package = ooxml::Package::Open(bytes);
    if (!package) return {"(unreadable)"};
    std::vector<std::string> left;
    for (const std::string& name : package->PartNames()) {
        if (!name.starts_with("word/") || !name.ends_with(".xml")) continue;
        if (name.find("document") == std::string::npos &&
            name.find("header") == std::string::npos && name.find("footer") == std::string::npos &&
            name.find("notes") == std::string::npos && name.find("comments") == std::string::npos) {
            continue;
        }
        Result<std::string> xml = package->ReadPart(name);
        for (std::string_view mark : {"<w:ins ", "<w:ins>", "<w:del ", "<w:del>", "<w:moveFrom",
                                      "<w:moveTo", "PrChange", "<w:cellIns", "<w:cellDel"}) {
            if (xml && xml->find(mark) != std::string::npos) {
                left.push_back(name + " " + std::string(mark));
            }
        }
    }
    return left;
}

class WordTrackedChanges : public ::testing::TestWithParam<CorpusDocument> {};

// Rejecting all changes of poi-delins.docx left inserted paragraph marks whose formatting change
// had been rejected, so a second call found more.
TEST_P(WordTrackedChanges, OneCallLeavesNoTrackedChange) {
    const std::string original = ReadCorpus(GetParam().file);
    for (const bool accept : {true, false}) {
        Result<WordDocument> document = WordDocument::Open(original);
        ASSERT_TRUE(document);
        EXPECT_TRUE(json::parse(document->OutlineJson()).at("tracked_changes").as_bool());
        Result<std::size_t> changes =
            accept ? document->AcceptAllChanges() : document->RejectAllChanges();
        ASSERT_TRUE(changes);
        EXPECT_GT(*changes, 0u);
        Result<std::string> saved = document->Save();
        ASSERT_TRUE(saved);
        EXPECT_EQ(RevisionMarksLeft(*saved), std::vector<std::string>{}) << accept;
        Result<WordDocument> reopened = WordDocument::Open(*saved);
        ASSERT_TRUE(reopened);
        EXPECT_FALSE(json::parse(reopened->OutlineJson()).at("tracked_changes").as_bool());
        Result<std::size_t> again =
            accept ? reopened->AcceptAllChanges() : reopened->RejectAllChanges();
        ASSERT_TRUE(again);
        EXPECT_EQ(*again, 0u) << accept;
    }
}

INSTANTIATE_TEST_SUITE_P(Corpus, WordTrackedChanges, ::testing::ValuesIn(TrackedFiles()), TestName);

// Rejecting a tracked heading, paragraph and table inserted at the end left the heading's empty
// paragraph with its bookmark, listed as a section; accepting keeps them all, untracked.
TEST(WordCorpus, RejectingATrackedInsertionGivesBackTheOriginalBody) {
    const std::string original = ReadCorpus("docx/pandoc-notes.docx");
    Result<WordDocument> before = WordDocument::Open(original);
    ASSERT_TRUE(before);
    BlockSpec heading;
    heading.kind = BlockSpec::Kind::kHeading;
    heading.text = "Tracked heading";
    heading.level = 1;
    BlockSpec table;
    table.kind = BlockSpec::Kind::kTable;
    table.rows = {{"a", "b"}, {"c", "d"}};
    for (const bool accept : {true, false}) {
        Result<WordDocument> document = WordDocument::Open(original);
        ASSERT_TRUE(document);
        ASSERT_TRUE(document->InsertBlocks(
            "end", Position::kAfter, std::vector{heading, Paragraph("Tracked text"), table}, true));
        WordDocument tracked = Reopen(*document);
        ASSERT_TRUE(accept ? tracked.AcceptAllChanges() : tracked.RejectAllChanges());
        WordDocument resolved = Reopen(tracked);
        const std::string outline = resolved.OutlineJson();
        EXPECT_FALSE(json::parse(outline).at("tracked_changes").as_bool());
        if (accept) {
            EXPECT_EQ(resolved.Text(),
                      before->Text() + "Tracked heading\nTracked text\na\tb\nc\td\n");
            EXPECT_NE(outline.find("sec_tracked_heading"), std::string::npos);
        } else {
            EXPECT_EQ(resolved.Text(), before->Text());
            EXPECT_EQ(outline, before->OutlineJson());
            Result<std::string> saved = resolved.Save();
            ASSERT_TRUE(saved);
            Result<ooxml::Package> package = ooxml::Package::Open(*saved);
            ASSERT_TRUE(package);
            EXPECT_EQ(*package->ReadPart("word/document.xml"),
                      *ooxml::Package::Open(original)->ReadPart("word/document.xml"));
        }
    }
}

}  // namespace
}  // namespace quire::docx

namespace quire::docx {
namespace {

// docx4j writes its main part indented, one element a line: the headings must still be found
// and edited as sections.
TEST(WordCorpus, IndentedDocumentHasItsHeadings) {
    Result<WordDocument> document = WordDocument::Open(ReadCorpus("docx/docx4j-toc.docx"));
    ASSERT_TRUE(document) << document.error().message;
    const json::array sections = json::parse(document->OutlineJson()).at("sections").as_array();
    ASSERT_EQ(sections.size(), 12u);
    EXPECT_EQ(sections[0].at("level"), 0);
    for (std::size_t i = 1; i < sections.size(); ++i) {
        EXPECT_EQ(sections[i].at("level"), 1);
        EXPECT_TRUE(std::string_view(sections[i].at("title").as_string())
                        .starts_with("Article " + std::to_string(i)));
    }
    const std::string article1(sections[1].at("id").as_string());
    const std::string article2(sections[2].at("id").as_string());
    Result<std::vector<BlockInfo>> first = document->ReadSection(article1);
    ASSERT_TRUE(first);
    ASSERT_GT(first->size(), 1u);
    EXPECT_EQ(first->front().heading_level, 1);

    ASSERT_TRUE(document->InsertBlocks(article1, Position::kEndOfSection,
                                       std::vector{Paragraph("Closing words of article 1")}));
    EXPECT_EQ(document->ReadSection(article1)->back().text, "Closing words of article 1");
    ASSERT_TRUE(document->MoveBlock(article2, article1, Position::kBefore));
    const std::size_t before = document->BlockCount();
    const std::size_t section_size = document->ReadSection(article1)->size();
    ASSERT_TRUE(document->DeleteBlock(article1));
    EXPECT_EQ(document->BlockCount(), before - section_size);

    const json::array after =
        json::parse(Reopen(*document).OutlineJson()).at("sections").as_array();
    ASSERT_EQ(after.size(), 11u);
    EXPECT_TRUE(std::string_view(after[1].at("title").as_string()).starts_with("Article 2"));
    EXPECT_TRUE(std::string_view(after[2].at("title").as_string()).starts_with("Article 3"));
}

}  // namespace
}  // namespace quire::docx
