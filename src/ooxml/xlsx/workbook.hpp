#pragma once

// An xlsx workbook opened through the lossless package layer. Operations touch only the parts
// they must (workbook.xml, one sheet part, styles, content types, relationships); every other
// part is saved byte for byte.

#include <memory>
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

    // Reads one cell back: its formula (kFormula) if it has one, else its value. A number whose
    // style is a date format comes back as kDate. A missing cell is kEmpty.
    [[nodiscard]] Result<CellValue> GetCell(std::string_view sheet, std::string_view ref) const;

    // Writes a CSV table into a worksheet from A1: a bold header row frozen in place, typed cells
    // (dates with a yyyy-mm-dd format), and column widths fitted to the content (capped). Cells
    // outside the table are kept. Styles are reused when an identical one exists.
    [[nodiscard]] Status WriteTable(std::string_view sheet, const CsvTable& table);

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
