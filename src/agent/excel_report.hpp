#pragma once

// The offline agent's "report from a CSV" recipe (docs/offline-agent.md): the imported data as a
// styled table, a summary sheet whose figures are formulas over it, and a chart that fits the
// data. It works only through the Excel tools, as a model-driven agent would.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::xlsx {
class Workbook;
struct CsvTable;
}  // namespace quire::xlsx

namespace quire::agent {

// What the columns of a table are, as the recipe sees them.
struct ColumnRoles {
    std::vector<int> numeric;   // 0-based columns whose values are nearly all numbers
    int date = -1;              // the time axis: the first column of dates or of years, or -1
    bool date_is_year = false;  // the time axis holds whole years (1000-2999), not dates
    bool dates_repeat = false;  // some time-axis value occurs twice: the rows are per category
    int category = -1;          // a text column with few distinct values (2 to 30), or -1
};

// Decides the roles from the typed cells: a column takes a kind when at least 90% of its
// non-empty cells have it. A numeric column named like "year" whose values are all whole years
// is a time axis, not a figure to total.
ColumnRoles ClassifyColumns(const xlsx::CsvTable& table);

// What a report made: one sentence per thing, for the task's summary, and the names the run
// memory keeps.
struct CsvReport {
    std::vector<std::string> done;
    std::string summary_sheet;  // "" when the data had nothing to summarise
    std::string chart;          // the chart's name, "" when no chart fits the data
    std::string chart_title;
    int tool_calls = 0;  // the tool calls it made
};

// Builds the report for a table already written from A1 of `data_sheet`. When the data cannot be
// made a table (merged cells, a filter on it) the tool's error comes back and nothing changed;
// when a later tool refuses a call it fails with kAgentFailed.
// `on_tool_call`, when set, hears each tool call's name and JSON arguments as it is made.
[[nodiscard]] Result<CsvReport> BuildCsvReport(
    xlsx::Workbook& workbook, std::string_view data_sheet, const xlsx::CsvTable& table,
    const std::function<void(std::string_view, std::string_view)>& on_tool_call = {});

}  // namespace quire::agent
