#pragma once

// How the offline agent reads a prompt: split into clauses, each matched against the documented
// follow-up instructions (docs/offline-agent.md).

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::xlsx {
class Workbook;
}

namespace quire::agent {

// Splits a prompt into instructions at line breaks, semicolons, sentence ends, and at "and" /
// "then" when a new instruction verb follows ("add a sheet named A and rename sheet B to C").
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

// Applies one clause. Fails only when the engine itself failed (not for a missing sheet, which is
// kRefused).
[[nodiscard]] Result<ClauseOutcome> ApplyExcelClause(xlsx::Workbook& workbook,
                                                     std::string_view clause, bool has_data);

// True when some clause of the prompt asks for a report, summary, dashboard, analysis, overview
// or chart, other than a follow-up instruction that merely names one ("add a sheet named
// Summary").
bool AsksForReport(std::string_view prompt);

// A prompt's first sentence (at most 120 characters) as a title and the rest as body text.
struct TitledText {
    std::string title;
    std::string body;
};
TitledText SplitTitle(std::string_view prompt);

bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace quire::agent
