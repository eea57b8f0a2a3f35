#pragma once

// An xlsx workbook opened through the lossless package layer. Operations touch only the parts
// they must (workbook.xml, one sheet part, styles, content types, relationships); every other
// part is saved byte for byte.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/chart/chart_part.hpp"
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

// A workbook keeps the parts it parsed until Save; edits are applied to them in memory. Like the
// package under it, it is a single-owner value and not safe for concurrent use.
class Workbook {
public:
    // Opens workbook bytes. kInvalidRequest with the reason for anything that is not a valid
    // xlsx/xlsm package (not a zip, encrypted, hostile, no workbook part, not a spreadsheet).
    [[nodiscard]] static Result<Workbook> Open(std::string bytes);

    // A new workbook with no sheets yet; Save fails until one is added. It has the parts Excel
    // and LibreOffice expect: content types, package and workbook relationships, core and app
    // properties, the workbook and a minimal stylesheet.
    static Workbook Create();

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

    // Every chart of the workbook, in sheet order: those on each worksheet's drawing (in drawing
    // order) and the one a chartsheet shows. A chart's anchor is the range of cells it covers;
    // for a one-cell anchor it is estimated from default column widths and row heights, and a
    // chartsheet's chart has none (""). A chart whose part is missing or unreadable is listed
    // with an empty type, title and series.
    [[nodiscard]] Result<std::vector<ChartInfo>> Charts() const;

    // Adds a chart to a worksheet's drawing, creating the drawing when the sheet has none.
    // `anchor` is a range ("E2:L18") the chart covers, or one cell ("E2") for its top-left corner
    // with a default size of 8 columns by 15 rows. `name` must be unique among the workbook's
    // charts ignoring case; "" picks "Chart N". Series references are formula text such as
    // "Data!$B$2:$B$13" or "'My data'!B2:B13" (an '=' in front is allowed, a reference without a
    // sheet means `sheet`): values and categories must be one row or one column of an existing
    // worksheet, a name reference one cell. They are stored absolute, with the sheet quoted when
    // it must be, and cached from the cells. The result describes the new chart. An unknown
    // sheet is kNotFound; a chartsheet, a bad anchor, reference, name or spec is kInvalidRequest;
    // either way nothing changes.
    [[nodiscard]] Result<ChartInfo> AddChart(std::string_view sheet, const chart::ChartSpec& spec,
                                             std::string_view anchor, std::string_view name);

    // Moves a chart (found by name ignoring case) to `anchor` on worksheet `sheet`: within its
    // sheet it is moved or resized in place; to another sheet its chart part goes with it and
    // both drawings' relationships follow. A one-cell anchor keeps the chart's size in cells.
    // Series references are not changed. kNotFound for an unknown chart or sheet;
    // kInvalidRequest for a bad anchor, a chartsheet target or a chart that fills a chartsheet;
    // either way nothing changes.
    [[nodiscard]] Result<ChartInfo> MoveChart(std::string_view name, std::string_view sheet,
                                              std::string_view anchor);

    // Deletes a chart from its worksheet's drawing, with its chart part and the parts only it
    // uses (its style and colours). kNotFound for an unknown chart; kInvalidRequest for the chart
    // of a chartsheet (delete the sheet instead).
    [[nodiscard]] Status DeleteChart(std::string_view name);

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
