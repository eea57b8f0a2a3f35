#include "agent/verify.hpp"

#include <fmt/format.h>

namespace quire::agent {

Result<std::set<std::string>> FormulaProblemLines(const xlsx::Workbook& workbook) {
    std::size_t checked = 0;
    Result<std::vector<xlsx::FormulaProblem>> problems = workbook.CheckFormulas(50, &checked);
    if (!problems) return Propagate(problems);
    std::set<std::string> lines;
    for (const xlsx::FormulaProblem& problem : *problems) {
        lines.insert(
            fmt::format("{} (={}): {}", problem.location, problem.formula, problem.problem));
    }
    return lines;
}

std::vector<std::string> NewProblems(const std::set<std::string>& before,
                                     const std::set<std::string>& now) {
    std::vector<std::string> added;
    for (const std::string& problem : now) {
        if (!before.contains(problem)) added.push_back(problem);
    }
    return added;
}

Result<SavedWorkbook> SaveAndCheck(const xlsx::Workbook& workbook,
                                   const std::set<std::string>& before) {
    Result<std::string> saved = workbook.Save();
    if (!saved) {
        return Fail(ErrorCode::kAgentFailed,
                    "the workbook could not be saved: " + saved.error().message);
    }
    Result<xlsx::Workbook> reopened = xlsx::Workbook::Open(*saved);
    if (!reopened) {
        return Fail(ErrorCode::kAgentFailed,
                    "the saved workbook does not open again: " + reopened.error().message);
    }
    Result<std::set<std::string>> problems = FormulaProblemLines(*reopened);
    if (!problems) return Propagate(problems);
    return SavedWorkbook{std::move(*saved), std::move(*reopened), NewProblems(before, *problems)};
}

}  // namespace quire::agent
