#pragma once

// The recalculate tool of Excel turns: the office converter computes every formula of the turn's
// workbook, the computed values become the cells' cached values, and the model reads back the
// values and every formula error with its cell, so that it can fix them before it finishes.

#include <boost/json/object.hpp>

#include <string>

#include "agent/agent.hpp"
#include "agent/llm/provider.hpp"
#include "common/error.hpp"

namespace quire::xlsx {
class Workbook;
}

namespace quire::agent {

// The tool as the model sees it: name "recalculate", no arguments.
llm::ToolSpec RecalculateToolSpec();

// Runs one recalculate call on `workbook`: saves it, has `recalculate` compute it, and replaces
// `workbook` with the recalculated one. Returns the result for the model as JSON text:
//   {"recalculated": 3,
//    "errors": [{"cell": "Calc!A4", "formula": "=A1/0", "error": "#DIV/0!"}],
//    "values": [{"cell": "Calc!A3", "formula": "=A1*A2", "value": 6}],
//    "not_recalculated": [...]}
// (long lists are cut, and the result says how many were left out). Fails, with a message for
// the model and `workbook` unchanged, when arguments are given, when no converter runs
// (`recalculate` empty, or it answers kConverterUnavailable: "the office converter is not
// running ..."), or when the converter fails.
[[nodiscard]] Result<std::string> RunRecalculateTool(xlsx::Workbook& workbook,
                                                     const Recalculator& recalculate,
                                                     const boost::json::object& args);

}  // namespace quire::agent
