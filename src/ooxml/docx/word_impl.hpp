#pragma once

// Internal to the Word engine: the state behind WordDocument and the helpers its source files
// share. Nothing here is part of the engine's contract.

#include <pugixml.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ooxml/docx/main_text.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/package/package.hpp"

namespace quire::docx {

inline constexpr std::string_view kWordStrictNs =
    "http://purl.oclc.org/ooxml/wordprocessingml/main";
inline constexpr std::string_view kRelNs =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
inline constexpr std::string_view kRelNsStrict =
    "http://purl.oclc.org/ooxml/officeDocument/relationships";
inline constexpr std::string_view kMcNs =
    "http://schemas.openxmlformats.org/markup-compatibility/2006";

// Element names of one WordprocessingML namespace as a part writes them. When the namespace has
// one prefix for the whole part (nearly always), names are compared as text; otherwise every
// comparison resolves prefixes through the declarations in scope.
class WordNames {
public:
    WordNames() = default;
    WordNames(const pugi::xml_document& doc, std::string_view word_ns);
    // The same, told by the caller whether the part declares prefixes below its root element
    // (see DeclaresBelowRoot), which is cheaper to find in the text than in the tree.
    WordNames(const pugi::xml_document& doc, std::string_view word_ns, bool declares_below_root);
    // Names written with `prefix` ("w:") for the whole part, compared as text.
    WordNames(std::string_view word_ns, std::string_view prefix);

    bool Is(const pugi::xml_node& node, std::string_view local) const;
    // The value of a w:-namespaced attribute ("w:val"), "" when absent.
    std::string_view Attr(const pugi::xml_node& node, std::string_view local) const;
    const std::string& ns() const { return ns_; }

private:
    std::string ns_;
    std::string prefix_;  // "w:" or "" for a default namespace
    bool fast_ = false;
};

// Whether a part's text, before parsing, shows an "xmlns" after its root element's start tag.
// Text that merely mentions "xmlns" gives true, which only costs speed.
bool DeclaresBelowRoot(std::string_view text);

// A block of the body and where its section ends, as the outline and the edits see it.
struct BodyBlock {
    pugi::xml_node node;
    int heading_level = -1;  // as BlockInfo::heading_level
};

// Where new nodes go: before `before`, or at the end of `parent` when `before` is empty.
struct InsertionPoint {
    pugi::xml_node parent;
    pugi::xml_node before;
};

struct WordDocument::Impl {
    ooxml::Package package;
    std::string main_part;
    // The main part as stored text (docs/docx.md, "Model"): set from Open until an operation
    // needs the tree, while `doc` and `body` are empty. Inserting blocks at the ends of the
    // body or next to a plain block works on it; everything else calls EnsureTree first.
    std::unique_ptr<MainText> text;
    std::unique_ptr<pugi::xml_document> final_sect_pr;  // text mode: for TextWidthTwips
    // The main part's text, which the parsed document points into (parsed in place), so it is
    // declared before `doc` and outlives it.
    std::string main_text;
    std::unique_ptr<pugi::xml_document> doc;
    pugi::xml_node body;
    WordNames w;
    bool strict = false;
    bool main_dirty = false;

    // Other parts parsed for reading or editing, and those that were changed.
    std::map<std::string, std::unique_ptr<pugi::xml_document>> parts;
    std::set<std::string> dirty_parts;
    std::optional<std::vector<ooxml::Relationship>> rels;  // of the main part
    bool rels_dirty = false;

    // Style id -> heading level (0 for Title), and the ids of styles by lowercase name.
    std::optional<std::map<std::string, int>> heading_styles;
    std::optional<std::map<std::string, std::string>> style_ids;
    // Lowercase names of the body's bookmarks and of those written since, scanned once.
    std::optional<std::set<std::string>> bookmark_names;
    int next_bookmark_id = -1;  // -1 until the body was scanned
    int next_drawing_id = -1;

    // --- the main part as text or tree ---
    // Makes the tree from the text (with its splices) and leaves text mode for good; nothing
    // when the tree is there. The parse's error when the text does not parse.
    Status EnsureTree();
    // Parses `xml` in place as the main part's tree and finds the body.
    Status ParseTree(std::string xml, bool declares_below_root);
    // Writes the text with its splices as the stored part.
    Status FoldText();
    // Text mode: the body's final w:sectPr, parsed on its own; empty when the body has none.
    pugi::xml_node TextFinalSectPr();
    // Text mode: the offset in the current text and the body child index where blocks inserted
    // at an anchor go, as Where finds them; nullopt when the tree must decide.
    std::optional<std::pair<std::uint64_t, std::size_t>> TextPlace(std::string_view anchor,
                                                                   Position position) const;
    // InsertBlocks in text mode, after the blocks were checked; nullopt when the tree must do it.
    std::optional<Result<std::vector<std::string>>> InsertText(std::string_view anchor,
                                                               Position position,
                                                               std::span<const BlockSpec> blocks,
                                                               bool tracked);
    void SeparateTextTables(std::vector<std::size_t> inserted);
    // Create in text mode: the skeleton's paragraphs are taken out of the stored part.
    Status DropTextParagraphs();

    // --- parts and relationships ---
    std::string RelType(std::string_view suffix) const;
    bool RelTypeIs(const ooxml::Relationship& rel, std::string_view suffix) const;
    std::string_view RelNs() const { return strict ? kRelNsStrict : kRelNs; }
    const std::vector<ooxml::Relationship>& Rels();
    // The part a main-part relationship of this type points at, "" when none.
    std::string RelatedPart(std::string_view suffix);
    std::string TargetOf(std::string_view rel_id);
    std::string AddRel(std::string_view suffix, std::string target, bool external = false);
    void RemoveRel(std::string_view rel_id);
    // A parsed part, cached; nullptr when absent or unreadable.
    pugi::xml_document* Part(const std::string& name);
    // Adds a new part from XML text and parses it.
    pugi::xml_document* CreatePart(const std::string& name, std::string_view content_type,
                                   std::string_view xml);
    std::string FreePartName(std::string_view stem, std::string_view extension) const;

    // --- body ---
    std::vector<BodyBlock> BodyBlocks();
    int HeadingLevel(const pugi::xml_node& paragraph);
    const std::map<std::string, int>& HeadingStyles();
    // The id of the style with this name (compared ignoring case), "" when the document lacks it.
    std::string StyleIdByName(std::string_view name);
    pugi::xml_node FinalSectPr() const;
    // The anchor of a block: its first bookmark, else "bN".
    std::string BlockAnchor(const pugi::xml_node& block, std::size_t index);

    // --- anchors ---
    // The body block an anchor names; kNotFound naming the anchor otherwise.
    Result<pugi::xml_node> Resolve(std::string_view anchor);
    // The nodes that go with a block when it moves or is deleted: a heading's section, a figure
    // or table with its caption.
    std::vector<pugi::xml_node> Unit(const pugi::xml_node& block, bool whole_section);
    Result<InsertionPoint> Where(std::string_view anchor, Position position);
    // Word and LibreOffice read two tables with no paragraph between them as one table. After an
    // edit placed or left the body blocks `around` next to others, an empty paragraph goes
    // between each of them that is a table and a neighbouring table, as Word writes it. Returns
    // the paragraphs added.
    Result<std::vector<pugi::xml_node>> SeparateTables(const std::vector<pugi::xml_node>& around);
    // Word wants the body's last block to be a paragraph: after a table that ends the body, an
    // empty paragraph is added.
    Status CloseBodyAfterTable();
    // The empty paragraph (<w:p/>) that CloseBodyAfterTable added, while it still closes a body
    // ending in a table; empty otherwise. A document's own final paragraph is never it.
    pugi::xml_node BodyCloser() const;
    pugi::xml_node added_closer;  // the paragraph CloseBodyAfterTable added last

    // --- writing ---
    int NextBookmarkId();
    int NextDrawingId();
    std::string UniqueBookmarkName(std::string_view wanted);
    bool BookmarkExists(std::string_view name);
    // Parses an XML fragment written with the prefixes w: and r: and inserts its top-level
    // elements at `at`, declaring those prefixes on them where the scope maps them elsewhere.
    Result<std::vector<pugi::xml_node>> InsertXml(const InsertionPoint& at, std::string_view xml);
    Result<std::string> BlockXml(const BlockSpec& spec, std::vector<std::string>& anchors);
    std::string EnsureStyle(std::string_view name);
};

// Checks a chart block's data: categories, 1-20 series, each with one value per category.
// kInvalidRequest naming the argument ('series', 'categories') otherwise.
Status ValidateChartData(const BlockSpec& spec);

// Marks `nodes` (body blocks) as a tracked insertion or deletion by "Quire": every run wrapped in
// w:ins or w:del (deleted text becoming w:delText), every paragraph mark and table row marked.
Status TrackRevision(WordDocument::Impl& impl, const std::vector<pugi::xml_node>& nodes,
                     bool insertion);

// The revision elements of ECMA-376 Part 1, 17.13 that AcceptAllChanges and RejectAllChanges
// resolve, by kind; the one list that also decides whether a document or block "has tracked
// changes". Marks around content, on paragraph marks, rows and numbering:
inline constexpr std::string_view kRevisionMarks[] = {"ins", "del", "moveFrom", "moveTo"};
// Marks on table cells: inserted, deleted, vertically merged or split.
inline constexpr std::string_view kCellRevisionMarks[] = {"cellIns", "cellDel", "cellMerge"};
// Records of the properties before a change.
inline constexpr std::string_view kPropertyChangeRecords[] = {
    "rPrChange",  "pPrChange",  "sectPrChange",  "tblPrChange",    "tblPrExChange",
    "trPrChange", "tcPrChange", "tblGridChange", "numberingChange"};
// Marks of the ranges of moves and of changes to custom XML.
inline constexpr std::string_view kRevisionRangeMarks[] = {"moveFromRangeStart",
                                                           "moveFromRangeEnd",
                                                           "moveToRangeStart",
                                                           "moveToRangeEnd",
                                                           "customXmlInsRangeStart",
                                                           "customXmlInsRangeEnd",
                                                           "customXmlDelRangeStart",
                                                           "customXmlDelRangeEnd",
                                                           "customXmlMoveFromRangeStart",
                                                           "customXmlMoveFromRangeEnd",
                                                           "customXmlMoveToRangeStart",
                                                           "customXmlMoveToRangeEnd"};

// Whether a node is one of the revision elements above, or a property change record.
bool IsRevisionElement(const WordNames& w, const pugi::xml_node& node);
bool IsPropertyChangeRecord(const WordNames& w, const pugi::xml_node& node);
// Whether `root` or anything below it is a revision element.
bool HoldsRevision(const WordNames& w, const pugi::xml_node& root);
// The parts besides the main one whose tracked changes count and are resolved: headers,
// footers, footnotes, endnotes and comments, each once.
std::vector<std::string> RevisionParts(WordDocument::Impl& impl);
// Whether any of RevisionParts holds a revision element (the body is not searched).
bool PartsHoldRevision(WordDocument::Impl& impl);

// Shared helpers of the engine's source files.
std::string_view Local(const pugi::xml_node& node);
bool IsBlockElement(const WordNames& w, const pugi::xml_node& node);
// The first child element and the element siblings of a node, passing over the whitespace text,
// comments and processing instructions that indented parts hold between elements.
pugi::xml_node FirstElement(const pugi::xml_node& parent);
pugi::xml_node NextElement(const pugi::xml_node& node);
pugi::xml_node PreviousElement(const pugi::xml_node& node);
// The body blocks next to a block, passing over loose marks between them; empty when none.
pugi::xml_node NextBlock(const WordNames& w, const pugi::xml_node& block);
pugi::xml_node PreviousBlock(const WordNames& w, const pugi::xml_node& block);
// Paragraph text in reading order, leaving out text boxes (collected into `boxes` when given).
std::string ParagraphText(const WordNames& w, const pugi::xml_node& paragraph,
                          std::vector<std::string>* boxes = nullptr,
                          std::vector<RunInfo>* runs = nullptr);
// The first of the range-start marks (bookmarkStart, commentRangeStart, …) that stand directly
// before a body block and so belong to it; the block itself when there are none.
pugi::xml_node LeadingMarks(const WordNames& w, pugi::xml_node block);
std::string TableText(const WordNames& w, const pugi::xml_node& table);
std::size_t CountWords(std::string_view text);
std::string Slug(std::string_view text);
std::string Shorten(std::string_view text, std::size_t max_code_points);

template <typename Visit>
void ForEachElement(const pugi::xml_node& root, Visit visit) {
    pugi::xml_node node = root.first_child();
    while (node) {
        bool descend = true;
        if (node.type() == pugi::node_element) descend = visit(node);
        if (descend && node.first_child()) {
            node = node.first_child();
            continue;
        }
        while (node != root && !node.next_sibling()) node = node.parent();
        if (node == root) break;
        node = node.next_sibling();
    }
}

}  // namespace quire::docx
