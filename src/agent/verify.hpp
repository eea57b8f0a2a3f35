#pragma once

// The checks a turn's workbook passes before it becomes a version: it opens again, and its
// formulas refer to nothing missing that was not already missing before the turn.

#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {

// What check_formulas finds, one line per problem: "Summary!B2 (=Data!A1): refers to ...".
Result<std::set<std::string>> FormulaProblemLines(const xlsx::Workbook& workbook);

struct SavedWorkbook {
    std::string bytes;
    xlsx::Workbook reopened;                // `bytes` opened again
    std::vector<std::string> new_problems;  // formula problems `before` did not have
};

// Saves the workbook, opens the bytes again and checks their formulas. kAgentFailed when it
// cannot be saved or does not open again.
Result<SavedWorkbook> SaveAndCheck(const xlsx::Workbook& workbook,
                                   const std::set<std::string>& before);

// The problems of `now` that `before` did not have, in order.
std::vector<std::string> NewProblems(const std::set<std::string>& before,
                                     const std::set<std::string>& now);

}  // namespace quire::agent
