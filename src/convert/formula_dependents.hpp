#pragma once

// Which formula cells of a workbook the office cannot compute: those it cannot compute on their
// own (they call functions it does not know or macros it does not run) and every formula that
// reads one of them, directly or through other formulas, so that recalculation leaves all of
// them with the values Excel stored.

#include <string>
#include <vector>

#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::convert {

// One formula cell as UncomputableCells sees it.
struct FormulaCell {
    std::string sheet;  // the worksheet's name
    xlsx::CellRef ref;
    std::string formula;        // without '='; a shared formula's member already moved to its cell
    bool uncomputable = false;  // the office cannot compute the cell on its own
};

// What formulas name besides cells: the sheets in workbook order (3-D references span them),
// the defined names and the tables.
struct WorkbookNames {
    std::vector<std::string> sheets;
    std::vector<xlsx::DefinedNameInfo> names;
    std::vector<xlsx::TableInfo> tables;
};

// One flag per cell of `cells`, set for the cells the office cannot compute: those marked
// `uncomputable`; those that use a defined name whose formula calls a function the office does
// not know (a LAMBDA kept in a name); and, until nothing changes, those whose formula reads a
// flagged cell on any sheet, through a cell or range reference (3-D ones too), a defined name
// (as Excel resolves it: the sheet's own name first) or a table. References made at run time
// (INDIRECT, OFFSET) are not followed. Sheet, name and table names compare ignoring ASCII case.
std::vector<bool> UncomputableCells(const std::vector<FormulaCell>& cells,
                                    const WorkbookNames& workbook);

}  // namespace quire::convert
