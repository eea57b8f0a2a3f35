#pragma once

// What the offline agent keeps between the turns of a Word run, in the run's memory
// (TurnInput::memory_json, under "word"): the sections, charts and tables it made or moved, by
// the bookmark the engine gave them. Later turns resolve "the summary section" and "the revenue
// chart" through it (docs/offline-agent.md). Only what the agent itself made is kept, so the
// memory stays a few hundred bytes whatever the document's length.

#include <string>
#include <string_view>
#include <vector>

namespace quire::agent {

// A section the run made. `role` says what for: "summary" (a report's executive summary),
// "data" (its data table), "chart" (its chart), or "" (a section added by an instruction).
struct RememberedSection {
    std::string anchor;  // the heading's bookmark
    std::string title;   // its text when the run wrote it
    std::string role;

    bool operator==(const RememberedSection&) const = default;
};

// A chart or table the run made or moved.
struct RememberedFigure {
    std::string anchor;  // the figure's or table's bookmark
    std::string kind;    // "chart" or "table"
    std::string title;   // the chart's title or the table's caption

    bool operator==(const RememberedFigure&) const = default;
};

struct WordMemory {
    std::vector<RememberedSection> sections;
    std::vector<RememberedFigure> figures;  // the last one is the figure the run touched last

    bool operator==(const WordMemory&) const = default;
};

// Reads the "word" member of a run's memory. As for Excel, memory is a hint: text that is not a
// JSON object, a missing member or a field of the wrong type reads as empty.
WordMemory ReadWordMemory(std::string_view memory_json);

// The run's memory with its "word" member set to `memory`; the other members of `previous` are
// kept (a `previous` that is not a JSON object is dropped).
std::string WriteWordMemory(std::string_view previous, const WordMemory& memory);

}  // namespace quire::agent
