#pragma once

// How the offline agent reads a prompt: split into clauses, each of which excel_instructions.hpp
// matches against the documented follow-up instructions (docs/offline-agent.md).

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::agent {

// Splits a prompt into instructions at line breaks, semicolons, sentence ends, and at "and" /
// "then" when a new instruction verb follows ("make the header bold and freeze the top row").
// After the verbs that take a free-text name or value (add, create, insert, rename, set, put,
// write) any unquoted "and" / "then" ends the instruction: "add a sheet named Q1 and make it
// blue" names the sheet "Q1".
std::vector<std::string> SplitClauses(std::string_view prompt);

// What one clause did to a workbook.
struct ClauseOutcome {
    enum class Kind {
        kApplied,       // done; `text` says what
        kAcknowledged,  // understood, covered by other work (e.g. "make a workbook from this data")
        kNotUnderstood,  // no recipe matches
        kRefused,        // understood, but the document said no; `text` says why
    };
    Kind kind = Kind::kNotUnderstood;
    std::string text;
};

// True when some clause of the prompt asks for a report, summary, dashboard, analysis, overview
// or chart, other than a follow-up instruction that merely names one ("add a sheet named
// Summary", "move the chart to the summary sheet").
bool AsksForReport(std::string_view prompt);

// True when a clause of a later turn asks for a report of the data the workbook already has:
// "create a report", "make a summary of the data", "summarise the data", "analyse it".
bool AsksForFollowUpReport(std::string_view clause);

// True when the clause speaks of the data or of a report ("make a workbook from this data"), so
// that a turn with data sources has done what it asks by importing them.
bool SpeaksOfData(std::string_view clause);

// A prompt's first sentence (at most 120 characters) as a title and the rest as body text.
struct TitledText {
    std::string title;
    std::string body;
};
TitledText SplitTitle(std::string_view prompt);

bool EqualsIgnoringCase(std::string_view a, std::string_view b);

// A clause without what carries no instruction: openers such as "please", "now" or "can you", a
// closing "please", and punctuation at the end.
std::string TidyClause(std::string_view clause);

// The text without one pair of surrounding quotes ("x", 'x', “x”, ‘x’, `x`) and
// without surrounding white space.
std::string Unquote(std::string_view text);

}  // namespace quire::agent
