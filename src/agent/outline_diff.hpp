#pragma once

// What changed in a run's document between two versions, at the level of the document's outline:
// sheets, sections (docx headings) or slides added, removed or renamed; changed cells with their
// old and new values; changed paragraphs and slide texts. The worker computes it between the
// version the agent's last turn ended at and the version the next turn starts from, so that the
// agent hears about uploads and reverts made in between (DESIGN.md §2, step 4).

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent.hpp"
#include "common/error.hpp"

namespace quire::agent {

inline constexpr std::size_t kMaxCellChanges = 50;  // cells listed with their values
inline constexpr std::size_t kMaxQuotedTexts = 3;   // paragraphs or slide texts quoted

// One changed cell. Values are as a person reads them: numbers and dates as text, a formula
// with its leading '=', "" for an empty cell.
struct CellChange {
    std::string sheet;
    std::string cell;  // "B7"
    std::string before;
    std::string after;
};

// One changed paragraph or slide text; `before` or `after` is "" when it was added or removed.
struct TextChange {
    std::string where;  // "paragraph 12", "slide 3"
    std::string before;
    std::string after;
};

struct OutlineDiff {
    // Sheets, sections or slides by name ("Data", "Introduction", "Q3 results").
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::pair<std::string, std::string>> renamed;  // {old, new}
    std::vector<CellChange> cells;  // the first kMaxCellChanges, sheet by sheet, row by row
    std::size_t changed_cells = 0;  // all of them
    bool cells_capped = false;      // a sheet was too large to compare every cell of
    std::vector<TextChange> texts;  // the first kMaxQuotedTexts
    std::size_t changed_texts = 0;  // all of them

    bool Empty() const {
        return added.empty() && removed.empty() && renamed.empty() && changed_cells == 0 &&
               changed_texts == 0;
    }
};

// The difference from `before` to `after`, two documents of `format`. Sheets and slides are
// matched by their part in the package, which an edit keeps, so a renamed one is "renamed", not
// "removed" and "added"; docx sections are matched by aligning the headings. Paragraphs are
// aligned as sequences, so an inserted paragraph does not make every later one "changed".
// kInvalidRequest when either document cannot be read.
[[nodiscard]] Result<OutlineDiff> DiffDocuments(DocumentFormat format, const std::string& before,
                                                const std::string& after);

// The diff in a few lines for a person or a model: "sheet 'Notes' added; 3 cells changed:
// Data!B2 5 -> 7, …", "" when it is empty. Long values and quotes are cut.
std::string DescribeDiff(DocumentFormat format, const OutlineDiff& diff);

}  // namespace quire::agent
