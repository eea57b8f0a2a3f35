#pragma once

// An xlsx workbook opened through the lossless package layer. Operations touch only the parts
// they must (workbook.xml, one sheet part, styles, content types, relationships); every other
// part is saved byte for byte.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/xlsx/cell.hpp"
#include "ooxml/xlsx/csv_table.hpp"

namespace quire::ooxml {
class Package;
}

namespace quire::xlsx {

// One entry of the workbook's sheet list.
struct SheetInfo {
    std::string name;
    std::string kind;       // "worksheet", "chartsheet", "macrosheet", "dialogsheet"
    std::string state;      // "visible", "hidden", "veryHidden"
    std::string dimension;  // the used range as "A1:D20", "" when the sheet is empty
    std::string part_name;  // "xl/worksheets/sheet1.xml"
};

// One cell edit of SetCells: a reference like "B7" and the value to store there.
struct CellEdit {
    std::string ref;
    CellValue value;
};

// A table (ListObject) as the outline and the tools see it.
struct TableInfo {
    std::string name;   // the table's name, unique in the workbook
    std::string sheet;  // the sheet it sits on
    std::string range;  // "A1:D20", header row included
    std::string style;  // "TableStyleMedium2", "" when none
};

// A chart as the outline and the tools see it: on a worksheet's drawing or a chartsheet.
struct ChartInfo {
    std::string name;    // the drawing object's name, which the agent refers to
    std::string sheet;   // the sheet whose drawing holds it
    std::string type;    // "column", "bar", "line", "area", "pie", "doughnut", "scatter", ...
    std::string anchor;  // the cell range it covers, "E2:L18"
    std::string title;   // "" when it has none
    std::vector<std::string> series;  // each series' values reference, "Data!$B$2:$B$20"
};

// How a workbook trades memory for speed on large sheets (DESIGN.md §5). Cells of a worksheet
// part that goes through the stream path are written by merging the edits into the part's text
// and read by scanning it; no DOM of the part is built. Results are the same either way.
struct WorkbookOptions {
    // Worksheet parts at least this large (uncompressed bytes) stream.
    std::uint64_t stream_part_bytes = 1u << 20;
    // A SetCells call with at least this many edits streams, whatever the part's size.
    std::size_t stream_edit_count = 2000;
};

// A workbook keeps the parts it parsed until Save; edits are applied to them in memory. Like the
// package under it, it is a single-owner value and not safe for concurrent use.
class Workbook {
public:
    // Opens workbook bytes. kInvalidRequest with the reason for anything that is not a valid
    // xlsx/xlsm package (not a zip, encrypted, hostile, no workbook part, not a spreadsheet).
    [[nodiscard]] static Result<Workbook> Open(std::string bytes);
    [[nodiscard]] static Result<Workbook> Open(std::string bytes, const WorkbookOptions& options);

    // A new workbook with no sheets yet; Save fails until one is added. It has the parts Excel
    // and LibreOffice expect: content types, package and workbook relationships, core and app
    // properties, the workbook and a minimal stylesheet.
    static Workbook Create();
    static Workbook Create(const WorkbookOptions& options);

    Workbook(Workbook&&) noexcept;
    Workbook& operator=(Workbook&&) noexcept;
    ~Workbook();

    // The sheets in workbook order. A worksheet's dimension is its <dimension ref>, or computed
    // from its cells when that is absent or only "A1"; chartsheets have none.
    [[nodiscard]] Result<std::vector<SheetInfo>> Sheets() const;

    // Adds an empty worksheet at the end. Names follow Excel's rules: 1–31 characters, none of
    // : \ / ? * [ ], not starting or ending with an apostrophe, not "History", unique ignoring
    // case. A name that breaks them is kInvalidRequest with the rule it breaks.
    [[nodiscard]] Status AddSheet(std::string_view name);

    // Renames a sheet; formulas and defined names that name it are updated, as are formulas in
    // charts, conditional formats, data validations, hyperlink locations and pivot cache
    // sources. References into other workbooks ("[1]Sheet1!A1") are left alone. The sheet is
    // found by name ignoring ASCII case. An unknown sheet is kNotFound; a bad or taken new name is
    // kInvalidRequest.
    [[nodiscard]] Status RenameSheet(std::string_view sheet, std::string_view new_name);

    // Sets one cell ("B7") of a worksheet. Cached values of formulas are cleared and a full
    // recalculation on open is requested. The cell keeps its style, except that a date gets a
    // date number format when its style has none. Text goes to the shared strings when the
    // workbook has them, else inline. A formula is given without its leading '='. Overwriting the
    // anchor of a shared formula turns the rest of that group into ordinary formulas. An unknown
    // sheet is kNotFound; a chartsheet, a bad reference or an unstorable value is
    // kInvalidRequest; either way nothing changes.
    [[nodiscard]] Status SetCell(std::string_view sheet, std::string_view ref,
                                 const CellValue& value);

    // Sets many cells of one worksheet at once, as SetCell does for each. Every reference and
    // value is checked before anything is written: one bad edit fails the call and changes
    // nothing. Later edits of the same cell win.
    [[nodiscard]] Status SetCells(std::string_view sheet, std::span<const CellEdit> edits);

    // Reads one cell back: its formula (kFormula) if it has one, else its value. A number whose
    // style is a date format comes back as kDate. A missing cell is kEmpty.
    [[nodiscard]] Result<CellValue> GetCell(std::string_view sheet, std::string_view ref) const;

    // The parts held parsed in memory (as DOMs) at the moment, by part name, in name order.
    // Worksheet parts of at least a megabyte, and any sheet a bulk SetCells wrote without a DOM,
    // are edited and read as text and do not appear here unless another operation parsed them.
    std::vector<std::string> ParsedParts() const;

    // Writes a CSV table into a worksheet from A1: a bold header row frozen in place, typed cells
    // (dates with a yyyy-mm-dd format), and column widths fitted to the content (capped). Cells
    // outside the table are kept. Styles are reused when an identical one exists.
    [[nodiscard]] Status WriteTable(std::string_view sheet, const CsvTable& table);

    // ---- Sheets (workbook_sheets.cpp) ----

    // ---- Reading and checking (workbook_read.cpp) ----

    // ---- Formatting (workbook_format.cpp) ----

    // ---- Tables, names, validation, links, notes (workbook_objects.cpp) ----

    // Every table of the workbook, in sheet order.
    [[nodiscard]] Result<std::vector<TableInfo>> Tables() const;

    // ---- Charts (workbook_charts.cpp) ----

    // Every chart of the workbook, in sheet order.
    [[nodiscard]] Result<std::vector<ChartInfo>> Charts() const;

    // ---- Outline (workbook_outline.cpp) ----

    // The outline as JSON: {"sheets": [{"name", "kind", "state", "dimension"}...]}.
    [[nodiscard]] Result<std::string> OutlineJson() const;

    // The workbook as xlsx bytes. kInvalidRequest when it has no sheet.
    [[nodiscard]] Result<std::string> Save() const;

private:
    struct Impl;
    explicit Workbook(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace quire::xlsx
