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
    std::string formula;   // as written: without '=' and the prefixes of newer functions
    std::string error;     // "#DIV/0!", "#REF!", "#NAME?", "#VALUE!", "#N/A", "#NUM!", "#NULL!"
};

// One formula cell and what the office computed for it.
struct ComputedFormula {
    std::string location;  // "Summary!B7"
    std::string formula;   // as written: without '=' and the prefixes of newer functions
    RecalculatedCell value;
};

struct RecalculationReport {
    std::string xlsx;      // the workbook with the new cached values
    int recalculated = 0;  // formula cells whose cached value was written
    // Every formula cell whose computed value is an error, stored as the cell's value.
    std::vector<FormulaError> errors;
    // Cells the office cannot compute, as "Sheet!B7", in sheet order: they use functions
    // LibreOffice 7.4 does not know (XLOOKUP, LET, FILTER, …) or macro functions of the
    // workbook's VBA project, or read such cells (convert/formula_dependents.hpp). They keep
    // the cached value Excel stored, and are never overwritten with an error.
    std::vector<std::string> not_recalculated;
    // Every formula cell the office computed, in sheet order (cells of not_recalculated are not).
    std::vector<ComputedFormula> computed;
};

// Loads `xlsx` in the pool, recalculates every formula and stores each formula cell's computed
// value, an error too, as its cached value (<v> and the cell's t attribute, "e" for an error) in
// the worksheet parts; nothing else in the package changes, and parts without formulas are
// copied as they are. The cells of `not_recalculated` keep their cached values. Errors:
// kInvalidRequest for bytes that are not a workbook; the pool's errors (kConverterUnavailable,
// kConversionFailed).
[[nodiscard]] Result<RecalculationReport> Recalculate(OfficePool& pool, std::string xlsx);

// True when `formula` (without '=') calls a function LibreOffice 7.4 cannot calculate: the
// dynamic-array and lambda functions Excel added from 2019 on.
bool UsesFunctionsUnknownToOffice(std::string_view formula);

}  // namespace quire::convert
