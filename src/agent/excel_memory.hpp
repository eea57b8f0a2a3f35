#pragma once

// What the offline agent keeps between the turns of an Excel run, in the run's memory
// (TurnInput::memory_json, under "excel"): the sheets it knows and what they hold, the charts it
// made or moved, and the sheet it last worked on. Later turns resolve "the summary sheet", "the
// revenue chart" and instructions that name no sheet through it (docs/offline-agent.md).

#include <string>
#include <string_view>
#include <vector>

namespace quire::agent {

// A sheet the run knows. `role` says what the agent made it for: "data" (an imported CSV),
// "summary" (a report's summary sheet), or "" (anything else).
struct RememberedSheet {
    std::string name;
    std::string role;

    bool operator==(const RememberedSheet&) const = default;
};

// A chart the run made, moved or found in the workbook.
struct RememberedChart {
    std::string name;   // the chart's unique name, which the chart tools take
    std::string title;  // "" when it has none
    std::string sheet;  // the worksheet it is on

    bool operator==(const RememberedChart&) const = default;
};

struct ExcelMemory {
    std::string current_sheet;  // the sheet the run last worked on, "" when none
    std::vector<RememberedSheet> sheets;
    std::vector<RememberedChart> charts;  // the last one is the chart the run touched last

    bool operator==(const ExcelMemory&) const = default;
};

// Reads the "excel" member of a run's memory. Memory is a hint, never a reason to fail a turn:
// text that is not a JSON object, a missing member or a field of the wrong type reads as empty.
ExcelMemory ReadExcelMemory(std::string_view memory_json);

// The run's memory with its "excel" member set to `memory`; the other members of `previous`
// are kept as they were (a `previous` that is not a JSON object is dropped).
std::string WriteExcelMemory(std::string_view previous, const ExcelMemory& memory);

}  // namespace quire::agent
