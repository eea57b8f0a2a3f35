#include "agent/recalculate_tool.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {
namespace json = boost::json;
using Formula = RecalculatedWorkbook::Formula;

// Each list of the result holds at most this many cells; read_range shows any value.
constexpr std::size_t kListedCells = 100;

constexpr std::string_view kNoArgsSchema =
    R"({"type": "object", "properties": {}, "additionalProperties": false})";

constexpr std::string_view kNotRunning =
    "the office converter is not running, so formulas cannot be recalculated now; check them "
    "with check_formulas and read_range instead";

// Whole numbers as integers: 6, not 6E0.
json::value NumberJson(double number) {
    if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < 1e15) {
        return static_cast<std::int64_t>(number);
    }
    return number;
}

json::object Cell(const Formula& formula) {
    return json::object{{"cell", formula.location}, {"formula", "=" + formula.formula}};
}

// Adds `entry` to `list` while it has room, else counts it in `left_out`.
void Add(json::array& list, std::size_t& left_out, json::object entry) {
    if (list.size() < kListedCells) {
        list.push_back(std::move(entry));
    } else {
        ++left_out;
    }
}

std::string ResultJson(const RecalculatedWorkbook& done) {
    json::array errors, values;
    std::size_t errors_left_out = 0, values_left_out = 0;
    for (const Formula& formula : done.formulas) {
        json::object entry = Cell(formula);
        if (formula.kind == Formula::Kind::kError) {
            entry["error"] = formula.text;
            Add(errors, errors_left_out, std::move(entry));
        } else {
            entry["value"] = formula.kind == Formula::Kind::kNumber ? NumberJson(formula.number)
                                                                    : json::value(formula.text);
            Add(values, values_left_out, std::move(entry));
        }
    }

    json::object out{{"recalculated", done.formulas.size()}, {"errors", std::move(errors)}};
    if (errors_left_out > 0) out["errors_left_out"] = errors_left_out;
    out["values"] = std::move(values);
    if (values_left_out > 0) out["values_left_out"] = values_left_out;
    if (!done.not_recalculated.empty()) {
        json::array cells;
        for (const std::string& location : done.not_recalculated) {
            if (cells.size() == kListedCells) break;
            cells.emplace_back(location);
        }
        out["not_recalculated"] = std::move(cells);
        out["not_recalculated_note"] =
            "These formulas use functions LibreOffice cannot compute (XLOOKUP, LET, FILTER, ..., "
            "or the workbook's macros), or read cells that do; they keep their stored values.";
    }
    return json::serialize(out);
}

}  // namespace

llm::ToolSpec RecalculateToolSpec() {
    return {"recalculate",
            "Recalculates every formula of the workbook as it is now, stores the computed values "
            "(read_range then shows them) and returns them with every formula error (#DIV/0!, "
            "#REF!, #NAME?, #VALUE!, #N/A, #NUM!, #NULL!) and its cell. Call it after writing "
            "formulas, and fix the errors it reports before you finish.",
            std::string(kNoArgsSchema)};
}

Result<std::string> RunRecalculateTool(xlsx::Workbook& workbook, const Recalculator& recalculate,
                                       const json::object& args) {
    if (!args.empty()) return InvalidRequest("recalculate takes no arguments");
    if (!recalculate) return InvalidRequest(std::string(kNotRunning));
    Result<std::string> bytes = workbook.Save();
    if (!bytes) return Propagate(bytes);

    Result<RecalculatedWorkbook> done = recalculate(std::move(*bytes));
    if (!done) {
        if (done.error().code == ErrorCode::kConverterUnavailable) {
            return InvalidRequest(fmt::format("{} ({})", kNotRunning, done.error().message));
        }
        return InvalidRequest("recalculate failed: " + done.error().message);
    }
    Result<xlsx::Workbook> reopened = xlsx::Workbook::Open(std::move(done->xlsx));
    if (!reopened) return Propagate(reopened);
    workbook = std::move(*reopened);
    return ResultJson(*done);
}

}  // namespace quire::agent
