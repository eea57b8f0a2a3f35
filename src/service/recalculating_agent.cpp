#include "service/recalculating_agent.hpp"

#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/log.hpp"
#include "convert/office_pool.hpp"
#include "convert/recalculate.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::service {
namespace {
namespace json = boost::json;

// Cells named in the summary, and in each list of the task result's `recalculation`.
constexpr std::size_t kListedCells = 20;
constexpr std::size_t kRecordedCells = 1000;

// "A1, B2 and 3 more": at most kListedCells names.
std::string ListCells(const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size() && i < kListedCells; ++i) {
        out += (i == 0 ? "" : ", ") + cells[i];
    }
    if (cells.size() > kListedCells)
        out += fmt::format(" and {} more", cells.size() - kListedCells);
    return out;
}

std::string Sentence(const convert::RecalculationReport& report) {
    std::string text = fmt::format("Recalculated {} formula{}.", report.recalculated,
                                   report.recalculated == 1 ? "" : "s");
    if (!report.errors.empty()) {
        std::vector<std::string> errors;
        for (const auto& error : report.errors) {
            errors.push_back(fmt::format("{} {}", error.location, error.error));
        }
        text += " Formula errors: " + ListCells(errors) + ".";
    }
    if (!report.not_recalculated.empty()) {
        text +=
            " Not recalculated (functions or macros LibreOffice cannot compute, or cells that "
            "read them; the stored values kept): " +
            ListCells(report.not_recalculated) + ".";
    }
    return text;
}

// The task result's `recalculation` (docs/api.md): every error and cell left alone, up to
// kRecordedCells of each, with their totals.
std::string RecalculationJson(const convert::RecalculationReport& report) {
    json::array errors;
    for (const auto& error : report.errors) {
        if (errors.size() == kRecordedCells) break;
        errors.push_back(json::object{{"cell", error.location}, {"error", error.error}});
    }
    json::array not_recalculated;
    for (const std::string& location : report.not_recalculated) {
        if (not_recalculated.size() == kRecordedCells) break;
        not_recalculated.emplace_back(location);
    }
    return json::serialize(json::object{
        {"recalculated", report.recalculated},
        {"errors", std::move(errors)},
        {"errors_total", report.errors.size()},
        {"not_recalculated", std::move(not_recalculated)},
        {"not_recalculated_total", report.not_recalculated.size()},
    });
}

bool HasFormulas(const std::string& xlsx) {
    auto workbook = xlsx::Workbook::Open(xlsx);
    if (!workbook) return false;
    std::size_t checked = 0;
    auto problems = workbook->CheckFormulas(1, &checked);
    return problems && checked > 0;
}

class RecalculatingAgent final : public agent::Agent {
public:
    RecalculatingAgent(std::unique_ptr<agent::Agent> inner, convert::OfficePool& pool)
        : inner_(std::move(inner)), pool_(pool) {}

    Result<agent::TurnOutput> RunTurn(const agent::TurnInput& input) override {
        auto output = inner_->RunTurn(input);
        if (!output || input.ask || input.format != agent::DocumentFormat::kExcel) return output;
        if (input.document && *input.document == output->document) return output;
        if (!pool_.installed() || !HasFormulas(output->document)) return output;

        // Part of the turn's saving: no phase of its own, which would come after "saving".
        auto report = convert::Recalculate(pool_, output->document);
        if (!report) {
            QUIRE_LOG_WARN("recalculation failed code={} detail={}",
                           ErrorCodeName(report.error().code), report.error().detail);
            Append(*output,
                   "Formula values were not recalculated: " + report.error().message + ".");
            return output;
        }
        output->document = std::move(report->xlsx);
        output->recalculation_json = RecalculationJson(*report);
        if (report->recalculated > 0 || !report->not_recalculated.empty()) {
            Append(*output, Sentence(*report));
        }
        return output;
    }

private:
    static void Append(agent::TurnOutput& output, const std::string& sentence) {
        if (!output.summary.empty() && output.summary.back() != ' ') output.summary += ' ';
        output.summary += sentence;
    }

    std::unique_ptr<agent::Agent> inner_;
    convert::OfficePool& pool_;
};

agent::RecalculatedWorkbook ForAgent(convert::RecalculationReport report) {
    using Formula = agent::RecalculatedWorkbook::Formula;
    agent::RecalculatedWorkbook out;
    out.xlsx = std::move(report.xlsx);
    out.not_recalculated = std::move(report.not_recalculated);
    for (convert::ComputedFormula& cell : report.computed) {
        Formula formula;
        formula.location = std::move(cell.location);
        formula.formula = std::move(cell.formula);
        switch (cell.value.kind) {
            case convert::RecalculatedCell::Kind::kNumber:
                formula.kind = Formula::Kind::kNumber;
                break;
            case convert::RecalculatedCell::Kind::kText:
                formula.kind = Formula::Kind::kText;
                break;
            case convert::RecalculatedCell::Kind::kError:
                formula.kind = Formula::Kind::kError;
                break;
        }
        formula.number = cell.value.number;
        formula.text = std::move(cell.value.text);
        out.formulas.push_back(std::move(formula));
    }
    return out;
}

}  // namespace

agent::Recalculator OfficeRecalculator(convert::OfficePool& pool) {
    return [&pool](std::string xlsx) -> Result<agent::RecalculatedWorkbook> {
        // Without a process the pool would hold the call until one starts; the tool answers now.
        if (Status ready = pool.Readiness(); !ready) return std::unexpected(ready.error());
        auto report = convert::Recalculate(pool, std::move(xlsx));
        if (!report) {
            QUIRE_LOG_WARN("recalculate tool failed code={} detail={}",
                           ErrorCodeName(report.error().code), report.error().detail);
            return Propagate(report);
        }
        return ForAgent(std::move(*report));
    };
}

std::unique_ptr<agent::Agent> WithRecalculation(std::unique_ptr<agent::Agent> inner,
                                                convert::OfficePool& pool) {
    return std::make_unique<RecalculatingAgent>(std::move(inner), pool);
}

}  // namespace quire::service
