#pragma once

// An xlsx workbook opened through the lossless package layer. Operations touch only the parts
// they must (workbook.xml, one sheet part, styles, content types, relationships); every other
// part is saved byte for byte.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/chart/chart_part.hpp"
#include "ooxml/xlsx/cell.hpp"
#include "ooxml/xlsx/csv_table.hpp"
#include "ooxml/xlsx/formula_refs.hpp"

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

// One cell as ReadRange returns it: its value (for a formula, the value last calculated, kEmpty
// when none is stored) and its formula without the leading '=', "" for a plain value. Formulas
// read as written, without the prefixes the file gives newer functions (RemoveFunctionPrefixes).
// Errors such as #DIV/0! come back as kText.
struct CellContent {
    CellValue value;
    std::string formula;
};

// A rectangle of cells read back, row by row. Cells beyond the used range are left out
// (`clipped`); when the rest held more cells than the cap, `rows` covers `range` only (whole
// rows while they fit) and `truncated` is set.
struct RangeContent {
    std::string range;
    std::vector<std::vector<CellContent>> rows;
    bool truncated = false;
    bool clipped = false;  // `range` was cut to the sheet's used range, which holds every value
};

// A formula that refers to something the workbook lacks, found by CheckFormulas.
struct FormulaProblem {
    std::string location;  // "Summary!B7", or "name Sales" for a defined name
    std::string formula;   // the formula without '=', as RemoveFunctionPrefixes gives it
    std::string problem;   // "refers to a missing sheet 'Data'"
};

// A date serial as ISO 8601 text: "2024-01-31", with "T10:30:00" when it has a time of day, and
// "10:30:00" alone for a time without a day (a serial below 1 in the 1900 system).
// The 1900 system counts Excel's fictitious 1900-02-29 (serial 60), shown as "1900-02-29".
std::string DateText(double serial, bool date1904);

// A table (ListObject) as the outline and the tools see it.
struct TableInfo {
    std::string name;   // the table's name, unique in the workbook
    std::string sheet;  // the sheet it sits on
    std::string range;  // "A1:D20", header row included
    std::string style;  // "TableStyleMedium2", "" when none
    // The column names, left to right.
    std::vector<std::string> columns;
};

// A defined name: a named formula or range, for the whole workbook or local to one sheet.
struct DefinedNameInfo {
    std::string name;
    std::string refers_to;  // without the leading '=' and function prefixes: "Data!$A$1:$A$9"
    std::string sheet;      // the sheet it is local to, "" for a workbook-wide name
    bool hidden = false;
};

// A list validation: cells accept only the values of an inline list or of a source range.
struct ListValidation {
    std::vector<std::string> values;  // the allowed values, or empty when `source` is given
    std::string source;               // a range, defined name or formula giving the values
    bool allow_blank = true;
    std::string error;  // the message shown for a refused entry, "" for Excel's own
};

// A conditional format rule. Colours are "RRGGBB" or "AARRGGBB" hex, with or without '#'.
struct ConditionalFormatRule {
    enum class Kind { kCellValue, kColorScale, kDataBar };
    Kind kind = Kind::kCellValue;
    // kCellValue: an ST_ConditionalFormattingOperator ("greaterThan", "between", ...), its
    // formulas as stored (no leading '='; text constants quoted), and the format of matches.
    std::string op;
    std::vector<std::string> formulas;
    std::string fill_color;
    std::string font_color;
    // kColorScale: two (min, max) or three (min, midpoint, max) colours. kDataBar: one colour.
    std::vector<std::string> colors;
};

// A hyperlink: either an external `url` ("https://...", "mailto:...") or a `location` inside
// the workbook ("Sheet2!A1", a defined name), with optional text for the cell and a tooltip.
struct HyperlinkSpec {
    std::string url;
    std::string location;
    std::string text;
    std::string tooltip;
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

// Page margins in inches. In a SetPageSetup call a field left empty keeps the sheet's own
// margin, or Excel's default (0.7 left and right, 0.75 top and bottom, 0.3 header and footer)
// when the sheet has none.
struct PageMargins {
    std::optional<double> top;
    std::optional<double> bottom;
    std::optional<double> left;
    std::optional<double> right;
    std::optional<double> header;
    std::optional<double> footer;
};

// How a worksheet prints (ECMA-376 Part 1, §18.3.1.63 pageSetup, §18.3.1.62 pageMargins,
// §18.3.1.70 printOptions, §18.3.1.65 pageSetUpPr, and the sheet-local defined names
// _xlnm.Print_Area and _xlnm.Print_Titles of §18.2.5). In a SetPageSetup call a field left empty
// keeps what the sheet has; as PageSetupOf returns it, an empty field is not in the file.
struct PageSetup {
    std::optional<std::string> orientation;  // "portrait" or "landscape"
    std::optional<int> paper_size;           // ST_PaperSize code: 1 Letter, 5 Legal, 8 A3, 9 A4
    // Fitting to pages: at most this many pages across and down, 0 for as many as needed.
    // Either one turns fitting on (pageSetUpPr fitToPage); one left empty keeps the sheet's
    // value, 1 when it has none.
    std::optional<int> fit_to_width;
    std::optional<int> fit_to_height;
    std::optional<int> scale;  // percent, 10 to 400; setting it turns fitting to pages off
    PageMargins margins;
    // A cell range of the sheet like "A1:H40", or "" to remove the print area.
    std::optional<std::string> print_area;
    // The rows repeated at the top of every page, "1:1" or "1:3" (one row may be "1"), or "" to
    // remove them. Columns repeated at the left, which Print_Titles may also hold, are kept.
    std::optional<std::string> print_title_rows;
    std::optional<bool> center_horizontally;
    std::optional<bool> gridlines;  // print the cell gridlines
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
    // workbook has them, else inline. A formula is given without its leading '=' and is
    // stored with the prefixes of newer functions added (AddFunctionPrefixes). Overwriting the
    // anchor of a shared formula turns the rest of that group into ordinary formulas. An unknown
    // sheet is kNotFound; a chartsheet, a bad reference or an unstorable value is
    // kInvalidRequest; either way nothing changes.
    [[nodiscard]] Status SetCell(std::string_view sheet, std::string_view ref,
                                 const CellValue& value);

    // Sets many cells of one worksheet at once, as SetCell does for each. Every reference and
    // value is checked before anything is written: one bad edit fails the call and changes
    // nothing. Later edits of the same cell win.
    [[nodiscard]] Status SetCells(std::string_view sheet, std::span<const CellEdit> edits);
    // Writes rows of values from `top_left` down and to the right, as SetCells would with a
    // reference per value: rows[i][j] goes i rows below and j columns right of it, an empty
    // value clears its cell, rows may differ in length. The fast way to fill a sheet from data.
    [[nodiscard]] Status WriteRows(std::string_view sheet, CellRef top_left,
                                   std::span<const std::vector<CellValue>> rows);

    // Reads one cell back: its formula (kFormula, without the prefixes of newer functions) if it
    // has one, else its value. A number whose
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

    // Deletes a sheet and the parts only it used (its drawing, charts, tables, comments). Defined
    // names local to it go too; formulas elsewhere that name it are left as they are, for
    // CheckFormulas to report. The only visible sheet cannot be deleted (kInvalidRequest).
    [[nodiscard]] Status DeleteSheet(std::string_view sheet);

    // Moves a sheet to a 0-based position in the sheet order; local names and the active tab
    // follow it. A position outside the list is kInvalidRequest.
    [[nodiscard]] Status MoveSheet(std::string_view sheet, int position);

    // Sets a sheet's visibility: "visible", "hidden" or "veryHidden" (shown again only by a
    // program). Hiding the only visible sheet is kInvalidRequest.
    [[nodiscard]] Status SetSheetState(std::string_view sheet, std::string_view state);

    // ---- Reading and checking (workbook_read.cpp) ----

    // Reads a range ("A1:D20" or "C3") of a worksheet, at most `max_cells` cells (at least one
    // row is returned, cut to `max_cells` columns if it must). Shared formulas come back as each
    // cell's own formula. Unknown sheet: kNotFound; a bad range or a chartsheet: kInvalidRequest.
    [[nodiscard]] Result<RangeContent> ReadRange(std::string_view sheet, std::string_view range,
                                                 std::size_t max_cells) const;

    // The smallest range ("B2:F90") holding every cell of a worksheet that has a value or a
    // formula, found from the cells themselves: a sheet's declared dimension, and cells that
    // only carry a style, may reach much further. "" for a sheet without any. Unknown sheet:
    // kNotFound; a chartsheet: kInvalidRequest.
    [[nodiscard]] Result<std::string> ValueRange(std::string_view sheet) const;

    // Every formula in worksheets and defined names that refers to a missing sheet, an unknown
    // name or table, a reference beyond the grid, or holds a #REF! left by a deletion; at most
    // `max_problems` of them (`checked` counts the formulas looked at). Formulas of other
    // workbooks' references ([1]Sheet1!A1) are not judged.
    [[nodiscard]] Result<std::vector<FormulaProblem>> CheckFormulas(std::size_t max_problems,
                                                                    std::size_t* checked) const;

    // True when the workbook counts dates from 1904 (workbookPr date1904), as old Mac files do.
    [[nodiscard]] bool Uses1904Dates() const;

    // ---- Formatting (workbook_format.cpp) ----
    //
    // Every operation here finds the sheet by name ignoring ASCII case and fails with kNotFound
    // for an unknown sheet, and with kInvalidRequest for a chartsheet or any bad argument (naming
    // it). Arguments are checked before anything changes: a failed call leaves the workbook as it
    // was.

    // What FormatRange changes in each cell's style; fields left empty keep what the cell has.
    // Colours are hex "RRGGBB" or "#RRGGBB". Borders take a style ("none", "thin", "medium",
    // "thick", "dashed", "dotted", "double") drawn on every edge of every cell, or only around the
    // range when `border_outline` is set; "none" removes those edges. Alignments are "left",
    // "center", "right", "justify" and "top", "center", "bottom". A number format is a preset or
    // any Excel format code:
    //   "general"  General                 "percent"   0.00%
    //   "number"   #,##0.00                "date"      yyyy-mm-dd
    //   "integer"  #,##0                   "datetime"  yyyy-mm-dd hh:mm
    //   "currency" $#,##0.00 (dollars,     "text"      @ (shows the value as typed)
    //              whatever the locale)
    // A code equal to a built-in format uses its built-in id.
    struct CellFormat {
        std::optional<bool> bold;
        std::optional<bool> italic;
        std::optional<bool> underline;  // single underline
        std::optional<std::string> font_color;
        std::optional<double> font_size;  // points, 1 to 409
        std::optional<std::string> font_name;
        std::optional<std::string> fill_color;  // a solid fill
        std::optional<std::string> border;
        std::optional<std::string> border_color;  // needs `border`; Excel's automatic when empty
        bool border_outline = false;
        std::optional<std::string> horizontal;
        std::optional<std::string> vertical;
        std::optional<bool> wrap;
        std::optional<std::string> number_format;
    };

    // Applies `format` to every cell of `range` ("A1:D20" or one cell "C3"). Each cell's new style
    // is derived from its current one, so formats accumulate (bold, then a fill, gives both);
    // cells that do not exist yet are made, starting from their row's or column's style. Font,
    // fill, border, number format and cell format records already in the stylesheet are reused,
    // so formatting a range again adds none. At most 1,000,000 cells at once. Whole columns or
    // rows ("A:C", "2:5") put the style on their <col> entries or rows, so cells made there
    // later start from it, and restyle the cells they hold. A format with no field is refused.
    [[nodiscard]] Status FormatRange(std::string_view sheet, std::string_view range,
                                     const CellFormat& format);

    // Sets the width of one column ("B") or a span ("B:D") in characters, 0 to 255. The columns
    // keep their style and other settings.
    [[nodiscard]] Status SetColumnWidth(std::string_view sheet, std::string_view columns,
                                        double width);

    // Sets each column of `columns` as wide as its longest displayed value (text, number, date,
    // a formula's cached result) plus a little padding, between 8 and 60 characters, the way
    // WriteTable fits its columns. An empty column gets the minimum.
    [[nodiscard]] Status FitColumnWidth(std::string_view sheet, std::string_view columns);

    // Sets the height of one row ("3") or a span ("3:5") in points (0 to 409), making the rows
    // when missing. At most 1,000,000 rows at once.
    [[nodiscard]] Status SetRowHeight(std::string_view sheet, std::string_view rows, double points);

    // Merges `range` (two cells or more) into one. A range that overlaps an existing merge or a
    // table is refused. The cells keep their values; Excel shows only the top-left one.
    [[nodiscard]] Status MergeCells(std::string_view sheet, std::string_view range);

    // Removes the merge of exactly `range`; kInvalidRequest when there is no such merge. The
    // <mergeCells> element goes when its last merge does.
    [[nodiscard]] Status UnmergeCells(std::string_view sheet, std::string_view range);

    // Freezes the rows above and the columns left of `ref`: "B2" freezes row 1 and column A,
    // "A2" the first row, "B1" the first column, "A1" unfreezes.
    [[nodiscard]] Status FreezePanes(std::string_view sheet, std::string_view ref);

    // Puts an auto-filter (filter buttons on the first row) on `range`, replacing the sheet's
    // previous one; nullopt or "" removes it. The hidden defined name _xlnm._FilterDatabase that
    // Excel keeps for a filter is written or removed with it. Filter criteria of a previous
    // filter are dropped when the range changes. A range that overlaps a table (which has a
    // filter of its own) is refused.
    [[nodiscard]] Status SetAutoFilter(std::string_view sheet,
                                       std::optional<std::string_view> range);

    // ---- Tables, names, validation, links, notes (workbook_objects.cpp) ----

    // Every table of the workbook, in sheet order: each worksheet's <tableParts> in order.
    [[nodiscard]] Result<std::vector<TableInfo>> Tables() const;

    // Makes the range ("A1:D20", header row first, at least one data row) of a worksheet a
    // table (ECMA-376 Part 1, §18.5) with its own table part, autofilter and style ("" means
    // "TableStyleMedium2"). Column names come from the header cells; a blank header becomes
    // "ColumnN" (N its position in the table), a repeated one gets a number ("Name2"), and a
    // number, date, boolean or formula header is replaced by its text: such cells are rewritten
    // with the names, as Excel does. An empty `name` picks the first free "TableN"; a given one
    // must follow the rules of defined names and be free among tables and defined names
    // ignoring case. A range overlapping another table, a merged range or the sheet's autofilter
    // is kInvalidRequest, as is a chartsheet; an unknown sheet is kNotFound. Returns the table.
    [[nodiscard]] Result<TableInfo> AddTable(std::string_view sheet, std::string_view range,
                                             std::string_view name, std::string_view style = {});

    // The defined names of the workbook in file order.
    [[nodiscard]] Result<std::vector<DefinedNameInfo>> DefinedNames() const;

    // Adds a defined name, or replaces the formula of the one with that name and scope. The
    // name follows Excel's rules: it starts with a letter, '_' or '\', holds only letters,
    // digits, '_', '.' and '\', is at most 255 characters, and is not a cell reference ("B7",
    // "R1C1"); it must not be a table's name. `refers_to` is a formula (leading '=' optional)
    // whose brackets and quotes balance, stored with the prefixes of newer functions added
    // (AddFunctionPrefixes). A non-empty `sheet` makes the name local to that sheet
    // (kNotFound when it does not exist). Anything else wrong is kInvalidRequest.
    [[nodiscard]] Status DefineName(std::string_view name, std::string_view refers_to,
                                    std::string_view sheet = {});

    // Removes the defined name with this name (ignoring case) and scope ("" for workbook-wide).
    // kNotFound when there is none.
    [[nodiscard]] Status RemoveName(std::string_view name, std::string_view sheet = {});

    // Restricts the cells of `range` (one range, or several separated by spaces) to a list
    // (ECMA-376 Part 1, §18.3.1.32). An inline list is stored as "a,b,c" and may hold at most
    // 255 characters; its values must be non-empty and contain no comma. A `source` that is a
    // plain range ("Lists!A1:A9") is made absolute so that every cell reads the same list.
    // Validations already on those cells are removed from them, as Excel does. An unknown sheet
    // is kNotFound; a bad range, list or source is kInvalidRequest.
    [[nodiscard]] Status AddListValidation(std::string_view sheet, std::string_view range,
                                           const ListValidation& validation);

    // Adds a conditional format rule to the cells of `range` (ECMA-376 Part 1, §18.3.1.10). A
    // cell value rule takes one formula, or two for "between" and "notBetween", and a fill or
    // font colour, kept as a differential format in the stylesheet (reused when identical). Each
    // new rule gets a priority above every rule of the sheet. An unknown sheet is kNotFound;
    // a bad range, operator, formula or colour is kInvalidRequest.
    [[nodiscard]] Status AddConditionalFormat(std::string_view sheet, std::string_view range,
                                              const ConditionalFormatRule& rule);

    // Links one cell ("B7"): a `url` becomes an external relationship of the sheet, a `location`
    // ("Sheet2!A1", "'My Sheet'!B2:C4", a defined name; a leading '#' is dropped) the link's
    // location attribute. `text` is written into the cell; an empty cell without text shows the
    // target. A link already on that cell is replaced. An unknown sheet is kNotFound; a bad
    // cell, a URL without a scheme, a location naming no sheet or name is kInvalidRequest.
    [[nodiscard]] Status AddHyperlink(std::string_view sheet, std::string_view ref,
                                      const HyperlinkSpec& link);

    // Puts a note (a legacy comment, ECMA-376 Part 1, §18.7) on one cell: its text in the
    // sheet's comments part and a hidden shape in its VML drawing, which Excel needs to show it.
    // Both parts are made when the sheet has none and reused when it has. A note already on the
    // cell is replaced. An empty author is written as "Quire". An unknown sheet is kNotFound; a
    // bad cell, empty text or a VML drawing that is not well-formed XML is kInvalidRequest.
    [[nodiscard]] Status AddNote(std::string_view sheet, std::string_view ref,
                                 std::string_view text, std::string_view author = {});

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
    // Series references are not changed. `from_sheet` ("" for any) names the sheet the chart is
    // on, which is required when charts on several sheets share the name (files written by
    // other programs may repeat names); such a name without it is kInvalidRequest naming the
    // sheets. kNotFound for an unknown chart or sheet; kInvalidRequest for a bad anchor, a
    // chartsheet target or a chart that fills a chartsheet; either way nothing changes.
    [[nodiscard]] Result<ChartInfo> MoveChart(std::string_view name, std::string_view sheet,
                                              std::string_view anchor,
                                              std::string_view from_sheet = "");

    // Deletes a chart from its worksheet's drawing, with its chart part and the parts only it
    // uses (its style and colours). The chart is found as MoveChart finds it. kNotFound for an
    // unknown chart; kInvalidRequest for an ambiguous name or the chart of a chartsheet (delete
    // the sheet instead).
    [[nodiscard]] Status DeleteChart(std::string_view name, std::string_view from_sheet = "");

    // ---- Page setup (workbook_page.cpp) ----

    // How a worksheet prints, as its part and the workbook's names say. Unknown sheet:
    // kNotFound; a chartsheet: kInvalidRequest.
    [[nodiscard]] Result<PageSetup> PageSetupOf(std::string_view sheet) const;

    // Changes what `setup` sets of a worksheet's page setup and keeps everything else: other
    // attributes of the elements it touches (a printer settings relationship among them), and
    // other sheets' names. Fitting to pages and a scale in one call are refused, as is a setup
    // that sets nothing, an orientation other than "portrait" or "landscape", a paper size
    // outside 1 to 118, fit values below 0 or above 32767, a scale outside 10 to 400, a margin
    // outside 0 to 10 inches, and a print area or title rows that are not a cell range or a row
    // span: kInvalidRequest naming what was wrong. An unknown sheet is kNotFound, a chartsheet
    // kInvalidRequest. Everything is checked first: a failed call changes nothing.
    [[nodiscard]] Status SetPageSetup(std::string_view sheet, const PageSetup& setup);

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
