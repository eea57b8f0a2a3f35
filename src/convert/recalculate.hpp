#pragma once

// Recalculation of a workbook's formulas through the office converter, written back into the
// cells' cached values so that readers (and exports) see current values without Excel.

#include <string>
#include <vector>

#include "common/error.hpp"
#include "convert/office_bridge.hpp"

namespace quire::convert {

class OfficePool;

struct FormulaError {
    std::string location;  // "Summary!B7"
    std::string formula;   // as the workbook stores it, without '='
    std::string error;     // "#DIV/0!", "#REF!", "#NAME?", "#VALUE!", "#N/A", "#NUM!", "#NULL!"
};

// One formula cell and what the office computed for it.
struct ComputedFormula {
    std::string location;  // "Summary!B7"
    std::string formula;   // as the workbook stores it, without '='
    RecalculatedCell value;
    bool kept = false;  // an error in a cell listed in kept_excel_values: not stored
};

struct RecalculationReport {
    std::string xlsx;      // the workbook with the new cached values
    int recalculated = 0;  // formula cells whose cached value was written
    std::vector<FormulaError> errors;
    // Cells that use functions LibreOffice 7.4 does not know (XLOOKUP, LET, FILTER, …): they
    // keep Excel's cached value, as "Sheet!B7".
    std::vector<std::string> not_recalculated;
    // Cells where the office computed an error but the file held a value that is none (Excel's
    // own result): the value is kept, as "Sheet!B7". The office differs from Excel there, and a
    // workbook that was fine in Excel must not show errors because of it.
    std::vector<std::string> kept_excel_values;
    // Every formula cell the office computed, in sheet order (cells of not_recalculated are not).
    std::vector<ComputedFormula> computed;
};

// Loads `xlsx` in the pool, recalculates every formula and stores each formula cell's computed
// value as its cached value (<v> and the cell's t attribute) in the worksheet parts; nothing
// else in the package changes, and parts without formulas are copied as they are. A cell whose
// formula uses a function the office does not know keeps its cached value and is listed in
// `not_recalculated`, never overwritten with an error. Errors: kInvalidRequest for bytes that
// are not a workbook; the pool's errors (kConverterUnavailable, kConversionFailed).
[[nodiscard]] Result<RecalculationReport> Recalculate(OfficePool& pool, std::string xlsx);

// True when `formula` (without '=') calls a function LibreOffice 7.4 cannot calculate: the
// dynamic-array and lambda functions Excel added from 2019 on.
bool UsesFunctionsUnknownToOffice(std::string_view formula);

}  // namespace quire::convert
