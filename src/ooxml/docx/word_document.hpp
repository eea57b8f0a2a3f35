#pragma once

// A Word document (.docx, .docm, .dotx, .dotm) opened through the lossless package layer
// (DESIGN.md §5). The main part is kept as stored and only scanned at Open; blocks inserted at
// the ends of the body or next to a plain block are spliced into its text, and the first other
// operation parses it into a tree, edited in memory from then on (docs/docx.md, "Model"). Every
// part an operation does not touch is saved byte for byte. Transitional and strict
// WordprocessingML are read alike and new content is written in the namespaces of the document
// it goes into.
//
// Blocks are the body's children: paragraphs, tables, block content controls and section breaks.
// Operations name blocks by anchor, an id the outline hands out:
//   - a bookmark name (the engine wraps every heading, figure and table it writes in one:
//     "sec_…", "fig_…", "tbl_…"); any bookmark of the document works too,
//   - "h3", "t2", "f1": the third heading, second table, first figure of the body,
//   - "b17": the 17th body block (counting from 1; valid until the next edit),
//   - "start" and "end": the two ends of the body.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/chart/chart_part.hpp"

namespace quire::docx {

// ---------------------------------------------------------------------------------------------
// Reading

// One drawing of a paragraph: a picture, chart, diagram, shape or text box.
struct DrawingInfo {
    std::string name;       // wp:docPr name ("Chart 1"), "" when absent
    std::string kind;       // "image", "chart", "diagram", "shape", "textbox"
    std::string alt_text;   // wp:docPr descr
    bool floating = false;  // wp:anchor rather than wp:inline, or VML positioned absolutely
    std::string part;       // the image or chart part it shows, "" when none
};

// One run of a paragraph as its text and the formatting the engine writes.
struct RunInfo {
    std::string text;
    bool bold = false;
    bool italic = false;
    bool underline = false;
    std::string link;  // the hyperlink target or anchor the run sits in, "" when none
};

// One body block, read.
struct BlockInfo {
    enum class Kind { kParagraph, kTable, kContentControl, kOther };
    Kind kind = Kind::kParagraph;
    std::string id;     // the block's anchor (a bookmark name when it has one, else "bN")
    std::string style;  // the paragraph or table style id, "" when none
    // 1–9 for headings, 0 for a Title paragraph, -1 for anything else.
    int heading_level = -1;
    // The text in reading order: runs, hyperlinks, field results and content controls, with
    // deleted text left out. Table cells are separated by tabs and rows by newlines.
    std::string text;
    std::vector<RunInfo> runs;   // paragraphs only; deleted text left out
    bool caption = false;        // a paragraph in the Caption style
    bool list_item = false;      // a paragraph with numbering
    bool section_break = false;  // a paragraph whose properties end a section
    // Tables: rows, grid columns, and cells spanning more than one column or row (each merged
    // cell once, however many rows or columns it spans).
    std::size_t rows = 0, columns = 0, merged_cells = 0;
    std::vector<DrawingInfo> drawings;
    std::vector<std::string> bookmarks;   // names of bookmarks starting in the block
    std::vector<std::string> text_boxes;  // the text of each text box anchored in the block
    // Holds a revision that AcceptAllChanges resolves: an insertion, deletion or move, a property
    // change, a cell inserted, deleted or merged, or a move or custom XML range mark.
    bool tracked_changes = false;
};

// A footnote, endnote or comment, read from its part.
struct NoteInfo {
    std::string kind;    // "footnote", "endnote", "comment"
    std::string id;      // the w:id the body refers to it by
    std::string author;  // comments only
    std::string text;    // its paragraphs' text, one line each
};

// ---------------------------------------------------------------------------------------------
// Writing

// One item of a list block.
struct ListItem {
    std::string text;  // with inline markup, as a paragraph's text
    int level = 0;     // 0–8
};

// One series of a chart block: a name and one value per category (nullopt for a gap).
struct ChartSeries {
    std::string name;
    std::vector<std::optional<double>> values;
};

// A block to insert. Text takes inline markup: **bold**, *italic*, __underline__,
// [text](https://…) for a link, [^note text] for a footnote; a backslash escapes the next
// character.
struct BlockSpec {
    enum class Kind { kHeading, kParagraph, kList, kTable, kPageBreak, kImage, kChart, kToc };
    Kind kind = Kind::kParagraph;
    std::string text;                            // heading, paragraph
    int level = 1;                               // heading: 0 for Title, 1–6 for Heading 1–6
    std::string style;                           // paragraph: a style id to apply, "" for Normal
    std::vector<ListItem> items;                 // list
    bool ordered = false;                        // list
    std::vector<std::vector<std::string>> rows;  // table, plain text per cell
    bool header = true;                          // table: the first row repeats as a header
    std::vector<double> column_widths_cm;        // table, optional
    // table: a table style of the document, by id or name (ignoring case), or "Table Grid",
    // which is added when the document lacks it; "" for Table Grid.
    std::string table_style;
    std::string image;                                        // image: PNG or JPEG bytes
    std::string alt_text;                                     // image, chart
    double width_cm = 0;                                      // image, chart: 0 for a default
    chart::ChartType chart_type = chart::ChartType::kColumn;  // chart
    std::string title;                                        // chart
    std::vector<std::string> categories;                      // chart
    std::vector<ChartSeries> series;                          // chart
    std::string caption;  // table, image, chart: a caption paragraph ("" for none)
    // heading, table, image, chart: the bookmark to wrap it in; "" lets the engine choose one
    // from the text ("sec_executive_summary"), made unique.
    std::string name;
};

enum class Position { kBefore, kAfter, kEndOfSection };

// "before", "after", "end_of_section"; nullopt for anything else.
std::optional<Position> ParsePosition(std::string_view name);

// Where a header or footer goes and what it says. `text` may hold {page} and {pages}, which
// become PAGE and NUMPAGES fields.
struct HeaderFooterSpec {
    bool footer = false;
    std::string which = "default";  // "default", "first" or "even"
    std::string text;
};

// Page setup for every section. Unset members keep what the document has.
struct PageSetup {
    std::optional<std::string> size;  // "A4", "A3", "A5", "Letter", "Legal"
    std::optional<bool> landscape;
    std::optional<double> margin_cm;  // all four margins
};

// ---------------------------------------------------------------------------------------------

// Like the package under it, a single-owner value, not safe for concurrent use. Every operation
// checks its arguments first and fails without changing anything.
class WordDocument {
public:
    // Opens document bytes. kInvalidRequest with the reason for anything that is not a Word
    // package (not a zip, encrypted, hostile, a spreadsheet or presentation, no body).
    [[nodiscard]] static Result<WordDocument> Open(std::string bytes);

    // A new, empty document (A4, 2.54 cm margins; no blocks, only the final section properties)
    // with settings, document properties and the styles Normal, Default Paragraph Font, Title and
    // Heading 1. Blocks that need other styles (Heading 2–6, Caption, List Paragraph, Table Grid,
    // Hyperlink, Header, Footer) add them to the styles part when they are written.
    static WordDocument Create();

    WordDocument(WordDocument&&) noexcept;
    WordDocument& operator=(WordDocument&&) noexcept;
    ~WordDocument();

    // --- reading -------------------------------------------------------------------------------

    // How many blocks the body has, without reading them.
    [[nodiscard]] std::size_t BlockCount() const;
    // The body's blocks in document order (the final section properties left out).
    [[nodiscard]] std::vector<BlockInfo> Blocks() const;
    // The body text in reading order: one line per paragraph, text boxes after the paragraph
    // that anchors them, table cells separated by tabs.
    [[nodiscard]] std::string Text() const;
    // The footnotes, endnotes and comments, in part order (separator notes left out).
    [[nodiscard]] std::vector<NoteInfo> Notes() const;
    // The blocks of the section an anchor names: the heading's section for a heading, the one
    // block otherwise. kNotFound for an unknown anchor.
    [[nodiscard]] Result<std::vector<BlockInfo>> ReadSection(std::string_view anchor) const;

    // The agent's map (see docs/docx.md): sections, tables, figures, bookmarks, headers and
    // footers, notes, comments and tracked changes. A few KB whatever the document's length.
    [[nodiscard]] std::string OutlineJson() const;
    // The same in a few lines of plain text.
    [[nodiscard]] std::string OutlineText() const;

    // --- editing -------------------------------------------------------------------------------

    // Inserts blocks at an anchor. With "start" and "end" every position means that end of the
    // body ("end" is before the final section properties). kEndOfSection needs a heading's
    // anchor (any block means the section it is in). Returns the new blocks' anchors.
    // With `tracked`, the new paragraphs, runs and table rows are marked as tracked insertions
    // by "Quire", for the document's owner to accept or reject.
    [[nodiscard]] Result<std::vector<std::string>> InsertBlocks(std::string_view anchor,
                                                                Position position,
                                                                std::span<const BlockSpec> blocks,
                                                                bool tracked = false);

    // Replaces every occurrence of `find` in the paragraphs of `scope` ("" or "all" for the whole
    // body, "document" for the body, headers, footers and notes, else an anchor's section) even
    // when it is split across runs. The replacement takes
    // the formatting of the run where the match starts. Returns the number replaced.
    // With `tracked`, the matched text stays as a tracked deletion by "Quire" (w:del, each piece
    // keeping its run's formatting) followed by the replacement as a tracked insertion (w:ins);
    // accepting gives the plain replacement, rejecting the text as it was.
    [[nodiscard]] Result<std::size_t> ReplaceText(std::string_view find, std::string_view replace,
                                                  std::string_view scope = "all",
                                                  bool tracked = false);

    // Moves a block, with what belongs to it (a heading's whole section, a figure's or table's
    // caption, the bookmarks in it), to an anchor. Moving a block into itself is kInvalidRequest.
    // With `tracked`, the move is marked as a tracked deletion at the source and a tracked
    // insertion of a copy at the destination, both by "Quire"; the bookmarks go with the copy.
    [[nodiscard]] Status MoveBlock(std::string_view block, std::string_view to_anchor,
                                   Position position, bool tracked = false);
    // Deletes a block the same way, with the image and chart parts only it used. With `tracked`
    // the content stays, marked as a tracked deletion by "Quire" (parts stay until it is
    // accepted and the document saved by Word).
    [[nodiscard]] Status DeleteBlock(std::string_view block, bool tracked = false);

    // Wraps the block's content in a new bookmark. A taken or invalid name is kInvalidRequest.
    [[nodiscard]] Status AddBookmark(std::string_view block, std::string_view name);

    // Sets a header or footer of every section, replacing the one that is there.
    [[nodiscard]] Status SetHeaderFooter(const HeaderFooterSpec& spec);

    [[nodiscard]] Status SetPageSetup(const PageSetup& setup);

    // Accepts (or rejects) every tracked insertion, deletion, move and format change in the
    // body, headers, footers and notes. Returns how many changes there were.
    [[nodiscard]] Result<std::size_t> AcceptAllChanges();
    [[nodiscard]] Result<std::size_t> RejectAllChanges();

    // The package as bytes. Parts no operation touched are copied byte for byte.
    [[nodiscard]] Result<std::string> Save() const;

    struct Impl;

private:
    explicit WordDocument(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace quire::docx
