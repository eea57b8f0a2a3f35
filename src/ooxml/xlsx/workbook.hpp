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
    std::string kind;        // "worksheet", "chartsheet", "macrosheet", "dialogsheet"
    std::string state;       // "visible", "hidden", "veryHidden"
    std::string dimension;   // the used range as "A1:D20", "" when the sheet is empty
    std::string part_name;   // "xl/worksheets/sheet1.xml"
};

class Workbook {
public:
    // Opens workbook bytes. kInvalidRequest with the reason for anything that is not a valid
    // xlsx/xlsm package (not a zip, encrypted, hostile, no workbook part, not a spreadsheet).
    [[nodiscard]] static Result<Workbook> Open(std::string bytes);

    // A new workbook with no sheets yet; Save fails until one is added.
    static Workbook Create();

    Workbook(Workbook&&) noexcept;
    Workbook& operator=(Workbook&&) noexcept;
    ~Workbook();

    [[nodiscard]] Result<std::vector<SheetInfo>> Sheets() const;

    // Adds an empty worksheet at the end. Names follow Excel's rules: 1–31 characters, none of
    // : \ / ? * [ ], not starting or ending with an apostrophe, unique ignoring case.
    [[nodiscard]] Status AddSheet(std::string_view name);

    // Renames a sheet; formulas and defined names that name it are updated.
    [[nodiscard]] Status RenameSheet(std::string_view sheet, std::string_view new_name);

    // Sets one cell ("B7") of a worksheet. Cached values of formulas are cleared and a full
    // recalculation on open is requested.
    [[nodiscard]] Status SetCell(std::string_view sheet, std::string_view ref,
                                 const CellValue& value);

    // Writes a CSV table into a worksheet from A1: a bold header row frozen in place, typed cells
    // (dates with a date format), and column widths fitted to the content.
    [[nodiscard]] Status WriteTable(std::string_view sheet, const CsvTable& table);

    // The outline as JSON: {"sheets": [{"name", "kind", "state", "dimension"}...]}.
    [[nodiscard]] Result<std::string> OutlineJson() const;

    // The workbook as xlsx bytes.
    [[nodiscard]] Result<std::string> Save() const;

private:
    struct Impl;
    explicit Workbook(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace quire::xlsx
