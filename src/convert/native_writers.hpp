#pragma once

// The exports Quire writes itself, from its own document engines: CSV of a workbook's sheet and
// plain text of a Word document. Both are deterministic: the same bytes give the same output.

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "convert/export_options.hpp"

namespace quire::convert {

// One worksheet of an xlsx as CSV (RFC 4180: comma-separated, fields with a comma, quote or line
// break quoted, CRLF line ends, UTF-8 without a byte-order mark), from A1 to the end of the used
// range. The sheet is `options.sheet` (found ignoring ASCII case), else the workbook's active
// sheet, else its first worksheet. Values are what a reader sees: a formula's last calculated
// value, dates as ISO 8601 text ("2024-01-31"), TRUE/FALSE, numbers with up to 15 significant
// digits as Excel shows them in General format. Unless `options.raw` is set, a text value
// starting with '=', '+', '-' or '@' is written with a leading apostrophe so that a spreadsheet
// program opening the CSV shows it instead of running it.
// A formula stored without a calculated value (as programs that do not calculate, such as
// openpyxl, save them) is written as an empty field and counted in `formulas_without_values`.
// Errors: kInvalidRequest for bytes that are not a workbook, an unknown or non-worksheet sheet
// (the message lists the worksheets), or a sheet of more than `max_cells` cells.
struct SheetCsv {
    std::string text;
    std::size_t formulas_without_values = 0;
};
[[nodiscard]] Result<SheetCsv> WorkbookToCsv(std::string xlsx, const ExportOptions& options,
                                             std::size_t max_cells = 20'000'000);

// CSV whose text fields are quoted and whose numbers are not (as Calc's CSV filter writes it with
// "quote all text cells"), with the same guard as WorkbookToCsv: a quoted field starting with
// '=', '+', '-' or '@' gets a leading apostrophe inside its quotes. Unquoted fields are left.
std::string GuardQuotedFormulaText(std::string_view csv);

// The text of a docx's main body: one line per paragraph ("\n"), tabs and breaks kept, table
// rows as lines of tab-separated cells, deleted tracked changes left out, inserted ones kept.
// Headers, footers, notes and comments are not included. kInvalidRequest for bytes that are not
// a Word document.
[[nodiscard]] Result<std::string> DocumentToText(std::string docx);

}  // namespace quire::convert
