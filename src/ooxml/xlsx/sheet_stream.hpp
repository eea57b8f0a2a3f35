#pragma once

// Worksheet parts read and edited as raw text, without a DOM (DESIGN.md §5, "Lazy and
// streaming"). A DOM of a large sheet part costs several times the part's size; these functions
// scan <sheetData> once and copy every byte they do not change, so unknown attributes, row
// attributes, extLst and everything outside <sheetData> survive as written.
//
// The edits give the same cells as SheetWriter and WriteCell on a DOM: an existing cell is
// rewritten by WriteCell on a small document holding only that cell, new cells and rows are
// placed in order, rows and cells the edit reaches get their r attribute written, a row's spans
// is widened, <dimension> grows to the edited range, and the members of a shared formula whose
// anchor is overwritten get the anchor's formula moved to their own position.

#include <pugixml.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sheet_part.hpp"

namespace quire::xlsx {

// One cell's new content for MergeCells.
struct StreamedCell {
    CellRef ref;
    CellWrite write;
};

// A shared formula group (ECMA-376 Part 1, §18.3.1.40) whose anchor an edit overwrites: the
// group's si, the anchor's formula text and position, and the range its ref attribute names.
struct SharedFormulaGroup {
    std::string si;
    std::string formula;
    CellRef anchor;
    CellRange range;
};

class MergeSink;

// A worksheet part's text with the places the stream edits need, found by one scan of the part
// up to <sheetData>. It refers to the text, which must outlive it.
class WorksheetText {
public:
    // nullopt when the text cannot be edited as a stream: not UTF-8, no root element, or no
    // <sheetData> (the DOM path makes one).
    static std::optional<WorksheetText> Scan(std::string_view xml);

    // The raw text of the existing cell at each reference (in the order given), or an empty view
    // where there is none. The scan stops after the last row asked for unless `whole`, which
    // reads on to </sheetData> so that MergeCells cannot fail on the rows' structure later.
    // kInvalidRequest naming `part_name` when <sheetData> ends before its closing tag.
    // With `row_styles`, also the style of each reference's row when the row has one
    // (customFormat), else nullopt: where a missing cell is made, it starts from that style.
    Result<std::vector<std::string_view>> FindCells(
        std::span<const CellRef> refs, std::string_view part_name, bool whole = false,
        std::vector<std::optional<int>>* row_styles = nullptr) const;

    // The styles the part's <col> entries give their columns.
    ColumnStyles ColumnStylesOf() const;

    // The cell's raw text parsed into a small document, inside a copy of the root element that
    // declares the part's namespaces so that names resolve as in the full part. The returned
    // document's root element's first element child is the cell. kInvalidRequest naming
    // `part_name` when the text is not well-formed.
    Result<std::unique_ptr<pugi::xml_document>> ParseCell(std::string_view cell,
                                                          std::string_view part_name) const;

    // The part's text with `cells` written and `detached` groups' members given formulas of
    // their own, as described at the top of this file. `cells` must be sorted by row, then
    // column, with at most one entry per cell. Fails only when a cell's text does not parse.
    Result<std::string> MergeCells(std::span<const StreamedCell> cells,
                                   std::span<const SharedFormulaGroup> detached,
                                   std::string_view part_name) const;

    // MergeCells done in place on `text`, which must be the text this object scanned: true when
    // `text` now holds the merged part, false (and `text` unchanged) when its spare capacity
    // cannot hold the growth, so that no second copy of a large part is ever made. Then call
    // MergeCells.
    Result<bool> MergeCellsInPlace(std::string& text, std::span<const StreamedCell> cells,
                                   std::span<const SharedFormulaGroup> detached,
                                   std::string_view part_name) const;

    // True when <sheetData> is written empty ("<sheetData/>"), as in a new sheet: no cell exists
    // and FindCells would find nothing.
    bool HasNoCells() const { return data_empty_; }

    // Hands over the next cells in sheet order, whole rows only; leaves `cells` empty when there
    // are none left.
    using CellSource = std::function<Status(std::vector<StreamedCell>& cells)>;

    // For a sheet that HasNoCells: the part's text with the cells `next` hands over, the same
    // text MergeCells gives for them all, without holding them all at once. `written` is the
    // range they cover, `writes_a1` whether one is A1; `estimate` how many bytes they likely add.
    // Fails with what `next` failed with.
    Result<std::string> FillCells(CellRange written, bool writes_a1, std::size_t estimate,
                                  const CellSource& next, std::string_view part_name) const;

    // The cell's style index (its s attribute), nullopt when it has none.
    static std::optional<int> CellStyle(std::string_view cell);

private:
    explicit WorksheetText(std::string_view xml) : xml_(xml) {}
    bool ScanProlog();
    Result<std::string> DimensionTag(std::span<const StreamedCell> cells,
                                     std::string_view part_name) const;
    Result<std::string> DimensionTag(CellRange written, bool writes_a1,
                                     std::string_view part_name) const;
    // Everything before the rows: the text up to <dimension>, the new one, and on to the rows'
    // place, opening a <sheetData/> that was written empty.
    void WriteHead(MergeSink& sink, std::string_view dimension) const;
    Status Merge(MergeSink& sink, std::span<const StreamedCell> cells,
                 std::span<const SharedFormulaGroup> detached, std::string_view part_name) const;
    Status MergeRows(MergeSink& sink, std::span<const StreamedCell> cells,
                     std::span<const SharedFormulaGroup> detached,
                     std::string_view part_name) const;

    std::string_view xml_;
    std::string_view root_qname_;
    std::string namespaces_;  // the root's xmlns attributes, as written
    std::optional<std::pair<std::size_t, std::size_t>> dimension_;  // its start tag
    std::string_view dimension_attrs_;
    bool dimension_empty_ = false;
    std::size_t dimension_insert_ = 0;  // where a missing <dimension> goes
    std::size_t data_begin_ = 0;        // at "<sheetData"
    std::size_t data_content_ = 0;      // one past its start tag
    std::string_view data_qname_;
    std::string_view data_attrs_;
    bool data_empty_ = false;  // written "<sheetData/>"
};

}  // namespace quire::xlsx
