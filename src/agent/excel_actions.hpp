#pragma once

// Carrying out the follow-up instructions of excel_instructions.hpp through the Excel tools, the
// same ones a model calls (docs/offline-agent.md).

#include "agent/excel_instructions.hpp"
#include "agent/prompt_clauses.hpp"
#include "common/error.hpp"

namespace quire::agent {

class WorkbookView;

// Resolves the names the instruction uses and makes the tool calls. kApplied says what was done
// in a sentence for the summary; kRefused says why the workbook does not allow it (an unknown
// sheet or chart, a column with no data), and then nothing was changed. Fails only when the
// engine failed, or when a tool refused a call after an earlier call of the same instruction had
// changed the workbook (the turn then fails as a whole, so no half-done instruction is kept).
[[nodiscard]] Result<ClauseOutcome> ApplyExcelInstruction(WorkbookView& view,
                                                          const ExcelInstruction& instruction);

// The report recipe (excel_report.hpp) for the data already in the workbook: the sheet the run
// imported a CSV into, else the current sheet, read back through read_range with its first row
// as the header. Refused when that sheet is empty, does not start at A1, or holds a table
// already (a report was made of it).
[[nodiscard]] Result<ClauseOutcome> ReportOnDataSheet(WorkbookView& view);

}  // namespace quire::agent
