#pragma once

// One worksheet part (ECMA-376 Part 1, §18.3): the used range read by a scan of the raw XML,
// and edits of its DOM that keep rows and cells sorted and everything unknown in place.

#include <pugixml.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ooxml/xlsx/formula_refs.hpp"

namespace quire::xlsx {

// A worksheet's used range as "A1:D20", read without building a DOM: its <dimension ref> when
// that says more than "A1" (which writers put in empty sheets too), else computed from the
// cells; "" for a sheet without cells.
std::string ScanDimension(std::string_view xml);

// What the outline tells about a worksheet part, read in one scan of its raw XML: counts of
// formulas, merged ranges, validations, conditional-format rules and hyperlinks, and the cells of
// its first `head_rows` rows that hold cells (at most kMaxHeadCells each), as stored: `type` is the
// t attribute, `value` the <v> or inline text with entity references still encoded.
inline constexpr std::size_t kMaxHeadCells = 64;

struct SheetCensus {
    struct HeadCell {
        CellRef ref;
        std::string type;
        std::string value;
    };
    int formulas = 0;
    int merged_ranges = 0;
    int validations = 0;          // <dataValidation> rules
    int conditional_formats = 0;  // <cfRule> rules
    int hyperlinks = 0;
    std::vector<std::vector<HeadCell>> head;
    // How the sheet prints: its pageSetup's orientation ("" when unset), scale (0 when unset)
    // and page counts to fit to, and whether sheetPr/pageSetUpPr turns fitting on.
    struct Print {
        std::string orientation;
        int scale = 0;
        int fit_to_width = 1;
        int fit_to_height = 1;
        bool fit_to_page = false;
    };
    Print print;
};

SheetCensus ScanSheet(std::string_view xml, int head_rows);

// The <dimension ref> of a worksheet's text when it stands before <sheetData> and says more
// than "A1", as ScanDimension would return it; nullopt otherwise, also when `head` (which may be
// only the start of the part) ends first. Reading the start of a large part is then enough.
std::optional<std::string> DeclaredDimension(std::string_view head);

// A cell's new content, prepared before the sheet is touched so that a bad value changes nothing.
struct CellWrite {
    enum class Kind { kClear, kNumber, kSharedString, kInlineString, kBoolean, kFormula };
    Kind kind = Kind::kClear;
    std::string text;  // the <v> value, the inline text (already ST_Xstring) or the formula
    std::optional<int> style;
    // Set instead of `text` when that text is the caller's own and outlives the write, so that a
    // bulk write does not copy every formula.
    std::string_view borrowed;

    std::string_view Text() const { return borrowed.data() != nullptr ? borrowed : text; }
};

// Finds or makes rows and cells in one worksheet document, keeping them in order. Rows and cells
// that leave out their r attribute get it written, so that inserting among them keeps their
// meaning. The document must outlive the writer.
class SheetWriter {
public:
    // Makes <sheetData> if the sheet has none.
    explicit SheetWriter(pugi::xml_document& doc);

    // The existing cell at `ref`, or an empty node.
    pugi::xml_node FindCell(CellRef ref);

    // The row numbered `r`, made in its place if missing.
    pugi::xml_node Row(int r);

    // The row numbered `r`, or an empty node when there is none.
    pugi::xml_node ExistingRow(int r) const {
        auto it = rows_.find(r);
        return it == rows_.end() ? pugi::xml_node{} : it->second;
    }

    // The cell at `ref` in `row`, made in its place if missing. `hint`, when given, is a cell of
    // the row left of `ref`: the search starts there, which keeps writing a row left to right
    // linear.
    pugi::xml_node Cell(pugi::xml_node row, CellRef ref, pugi::xml_node hint = {});

    // Widens <dimension ref> to hold every cell reached through Cell.
    void UpdateDimension();

    // Gives every cell of row `r` that lacks one its r attribute (once per row).
    void NumberCells(pugi::xml_node row, int r);

    pugi::xml_node root() const { return root_; }
    pugi::xml_node data() const { return data_; }

private:
    static bool IsCell(const pugi::xml_node& node);
    pugi::xml_node Touch(pugi::xml_node c, CellRef ref);
    void IndexRows();
    void WidenSpans(pugi::xml_node row, int col);

    pugi::xml_node root_;
    pugi::xml_node data_;
    std::map<int, pugi::xml_node> rows_;
    std::set<int> numbered_;  // rows whose cells all carry r
    std::optional<CellRange> written_;
};

// The styles a sheet's <col> entries give their columns: what a cell made in such a column starts
// from, unless its row has a style of its own (ECMA-376 Part 1, §18.3.1.13, §18.3.1.73).
class ColumnStyles {
public:
    // The <col> entries of a parsed worksheet.
    static ColumnStyles Of(pugi::xml_node worksheet);

    // Columns [min, max] have `style`.
    void Add(int min, int max, int style);

    // The style of column `col`, 0 when its entry has none.
    int At(int col) const;

    bool empty() const { return by_min_.empty(); }

    // (min, (max, style)) of every entry with a style, by min.
    const std::map<int, std::pair<int, int>>& entries() const { return by_min_; }

private:
    std::map<int, std::pair<int, int>> by_min_;
};

// The style a cell made at `col` of `row` starts from: the row's when it has one (customFormat),
// else the column's; nullopt for style 0.
std::optional<int> NewCellStyle(pugi::xml_node row, int col, const ColumnStyles& columns);

// True when the cell has a formula element (its own or a share of a group's).
bool HasFormula(const pugi::xml_node& c);

// True when text stored in <t> needs xml:space="preserve" to keep its whitespace: it starts or
// ends with whitespace, or holds tabs, line breaks or runs of spaces, which readers may
// otherwise collapse. A single space between words needs nothing (as Excel writes it).
bool NeedsSpacePreserved(std::string_view text);

// Replaces the cell's value, formula and metadata links with `write`, keeping its style (unless
// `write` sets one) and any unknown attributes and children.
void WriteCell(pugi::xml_node c, const CellWrite& write);

// Before the anchor of a shared formula is overwritten, gives each cell of the group the anchor's
// formula moved to its own position, so that none is left without one.
void DetachSharedFormula(SheetWriter& sheet, pugi::xml_node anchor, CellRef anchor_ref);

// Sets custom widths (in characters) of the columns from `first_col` on, one per entry of
// `widths`. Each of those columns gets its own <col> entry that keeps the other attributes
// (style, hidden, outline level) of the entry that covered it; entries reaching past either end
// are split so that the columns outside keep what they had.
void SetColumnWidths(pugi::xml_node worksheet, int first_col, const std::vector<double>& widths);

// The same from column A.
void SetColumnWidths(pugi::xml_node worksheet, const std::vector<double>& widths);

// Freezes the rows above and the columns left of `top_left` in the first sheet view (ECMA-376
// Part 1, §18.3.1.66): B2 freezes row 1 and column A, A2 the first row, A1 unfreezes. The
// view's previous pane and selections are replaced.
void FreezePanes(pugi::xml_node worksheet, CellRef top_left);

// Freezes the first row: FreezePanes at A2.
void FreezeHeaderRow(pugi::xml_node worksheet);

}  // namespace quire::xlsx
