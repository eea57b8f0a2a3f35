#pragma once

// Internal to the Word engine: a one-pass scanner of a main part's text that checks it as the
// tree parse would and records what inserting blocks needs, without building a tree.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace quire::docx {

// What a top-level element of the body is, as far as inserting blocks needs to know.
enum class BodyChildKind {
    kParagraph,
    kTable,
    kContentControl,
    kCustomXml,
    kAltChunk,
    kSectPr,
    kMark,  // a range start that belongs to the block after it (bookmarkStart, …)
    kOther,
};

// One element child of the body, by its place in the text.
struct BodyChild {
    std::uint64_t start = 0;  // the offset of its '<'
    std::uint64_t end = 0;    // the offset just past its last '>'
    BodyChildKind kind = BodyChildKind::kOther;
    bool has_drawing = false;  // a w:drawing somewhere inside it

    // A block, as IsBlockElement counts them.
    bool IsBlock() const {
        return kind == BodyChildKind::kParagraph || kind == BodyChildKind::kTable ||
               kind == BodyChildKind::kContentControl || kind == BodyChildKind::kCustomXml ||
               kind == BodyChildKind::kAltChunk;
    }
};

// What a scan found. Offsets count bytes from the start of the scanned text.
struct BodyScan {
    bool strict = false;                   // the strict WordprocessingML namespace
    bool declares_below_root = false;      // some element below the root declares a prefix
    std::uint64_t body_open_end = 0;       // just past the body's start tag
    std::uint64_t body_close_start = 0;    // the offset of "</w:body>"
    std::vector<BodyChild> children;       // in document order
    std::string final_sect_pr;             // the text of the body's last w:sectPr child
    std::set<std::string> bookmark_names;  // of the body's bookmarks, in ASCII lower case
    int max_bookmark_id = 0;  // of bookmarks and revision marks, as NextBookmarkId counts them
    int max_drawing_id = 0;   // of wp:docPr
};

// Reads XML text in pieces of any size (a tag may be split between pieces) and checks what the
// tree parse and Open check: elements nest with matching names, no deeper than the limit, no
// DOCTYPE, one root element. A whole part must be UTF-8 with a w:document root that maps "w"
// and "r" to the WordprocessingML and relationships namespaces of one conformance class (no
// other prefix maps to WordprocessingML; below the root, only other prefixes are declared, for
// other namespaces) and holds one w:body. A fragment is a run of elements written with those
// prefixes, read as children of the body. Whatever the scanner does not know how to read makes the
// scan fail (Finish gives nullopt), so that the caller parses a tree instead: it never guesses.
class BodyScanner {
public:
    enum class Mode { kPart, kFragment };
    BodyScanner(Mode mode, int max_depth);

    void Feed(std::string_view piece);
    // The result once every piece was fed; nullopt when the text is not one the scanner reads.
    std::optional<BodyScan> Finish();
    bool failed() const { return failed_; }

private:
    struct Attribute {
        std::string_view name, value;
    };

    std::size_t Scan(std::string_view text);
    std::size_t Markup(std::string_view text, std::size_t at);
    std::size_t StartTag(std::string_view text, std::size_t at);
    std::size_t EndTag(std::string_view text, std::size_t at);
    std::size_t Instruction(std::string_view text, std::size_t at);
    bool TextAllowed(std::string_view text) const;
    void OnStart(std::string_view name, const std::vector<Attribute>& attributes, bool empty,
                 std::size_t at, std::size_t end);
    void OnEnd(std::string_view name, std::size_t at, std::size_t end);
    void OnRoot(std::string_view name, const std::vector<Attribute>& attributes, bool empty);
    void Record(std::string_view name, const std::vector<Attribute>& attributes);
    void EndChild(std::size_t end);
    std::size_t Fail();

    // Set once at construction.
    Mode mode_;
    int max_depth_;

    // The state of the pass.
    std::string carry_;              // an unfinished construct at the end of the last piece
    std::uint64_t offset_ = 0;       // of the text being scanned (carry_ or a piece)
    std::string_view text_;          // the text being scanned
    std::vector<std::string> open_;  // names of the open elements
    std::size_t child_depth_ = 0;    // how many elements are open around a body child
    bool in_body_ = false;
    bool body_seen_ = false;
    bool root_seen_ = false;
    bool root_closed_ = false;
    bool failed_ = false;
    std::optional<std::size_t> child_;       // the body child being read, in scan_.children
    std::optional<std::size_t> capture_at_;  // where the sectPr being kept starts in this text
    std::string capture_;
    std::vector<Attribute> attributes_;  // reused between tags
    std::string root_w_, root_r_;        // the namespaces the root maps w: and r: to
    BodyScan scan_;
};

}  // namespace quire::docx
