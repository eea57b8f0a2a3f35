#pragma once

// The follow-up instructions the offline agent understands for workbooks, read from one clause
// of a prompt (docs/offline-agent.md lists every phrase with an example). Reading is separate
// from doing: ParseExcelInstruction only says what a clause asks for, with names as the user
// wrote them; excel_actions.hpp resolves the names against the workbook and calls the tools.
//
// Matching ignores letter case, "please" and similar openers, articles, and punctuation at the
// end. A sheet is named as `Summary`, `sheet Summary`, `the Summary sheet`, `the sheet named
// "Q3 Summary"`; where an instruction may name none, `sheet` is "" and means the current sheet.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ooxml/xlsx/cell.hpp"

namespace quire::agent {

// A column as the user names it: by letter ("column C") or by its header ("the price column").
struct ColumnWords {
    std::string letter;  // "C", upper case; "" when named by header
    std::string header;  // "price"; "" when named by letter
};

struct AddSheet {
    std::string name;
};

struct DeleteSheet {
    std::string sheet;
};

struct RenameSheet {
    std::string sheet;
    std::string new_name;
};

struct MoveSheet {
    enum class Place { kFront, kEnd, kAfter, kBefore };
    std::string sheet;
    Place place = Place::kFront;
    std::string other;  // the sheet of kAfter and kBefore
};

struct SetCell {
    std::string sheet;
    std::string ref;  // "B7", upper case
    xlsx::CellValue value;
};

// Bold for the header row, a row or rows by number, or a column's cells.
struct MakeBold {
    enum class Part { kHeader, kRows, kColumn };
    std::string sheet;
    Part part = Part::kHeader;
    int first_row = 0;  // kRows
    int last_row = 0;   // kRows
    ColumnWords column;
};

// A number format for a column's data cells, or for a range given as cells.
struct FormatNumbers {
    std::string sheet;
    ColumnWords column;  // empty when `range` is given
    std::string range;   // "C2:C10"
    std::string format;  // a format_range preset: "currency", "percent", "date", "number", ...
};

// Freeze `rows` rows and `columns` columns; zero of both unfreezes. `header_rows` asks for the
// rows down to the sheet's header row instead of a count.
struct FreezePanes {
    std::string sheet;
    int rows = 0;
    int columns = 0;
    bool header_rows = false;
};

struct AddChart {
    std::string type;          // "line", "bar", "column", "pie", "area", "scatter", "doughnut"
    std::string source_sheet;  // the sheet of `range`, "" for the current sheet
    std::string range;         // "A1:B13", upper case
    std::string title;         // "" to derive one from the headers
    std::string sheet;         // the sheet to put it on, "" for the source sheet
    std::string anchor;        // its top-left cell, "" to place it beside the data
};

struct MoveChart {
    std::string chart;   // the words naming the chart ("revenue"), "" for "the chart"
    std::string sheet;   // the sheet to move it to, "" to keep it on its sheet
    std::string anchor;  // a cell or range, "" to keep its top-left cell
};

struct DeleteChart {
    std::string chart;
};

// A "Total" row under the data, with a SUM for every numeric column.
struct AddTotalRow {
    std::string sheet;
};

// One SUM under a column's data.
struct SumColumn {
    std::string sheet;
    ColumnWords column;
};

using ExcelInstruction =
    std::variant<AddSheet, DeleteSheet, RenameSheet, MoveSheet, SetCell, MakeBold, FormatNumbers,
                 FreezePanes, AddChart, MoveChart, DeleteChart, AddTotalRow, SumColumn>;

// The instruction a clause gives, or nullopt when it matches none of the documented phrases.
std::optional<ExcelInstruction> ParseExcelInstruction(std::string_view clause);

// A value as an instruction writes it: `=...` a formula, a number, TRUE/FALSE, or text (quotes
// keep "42" as text).
xlsx::CellValue ParseCellValue(std::string_view text);

}  // namespace quire::agent
