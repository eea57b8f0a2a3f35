#pragma once

// Recalculation after Excel turns: an agent wrapper that, when a turn changed a workbook that has
// formulas, recalculates it through the office pool so that the new version carries current
// cached values, and says in the turn's summary which formulas failed and which could not be
// recalculated.

#include <memory>

#include "agent/agent.hpp"

namespace quire::convert {
class OfficePool;
}

namespace quire::service {

// The recalculate tool's backing (agent::ModelAgentOptions::recalculate) over the pool: it
// answers kConverterUnavailable at once while no office process runs, else recalculates as
// convert::Recalculate does. Borrows the pool; it must outlive the returned function.
agent::Recalculator OfficeRecalculator(convert::OfficePool& pool);

// Wraps `inner`. Action turns on Excel runs whose document changed and holds formulas are
// recalculated (convert::Recalculate); the summary gains one sentence with the count, the first
// formula errors by cell, and the first cells left with their stored values, and the output's
// recalculation_json lists them all (up to 1000 of each, with totals). Without a running
// converter, or when recalculation fails, the turn's document is kept as the agent made it,
// recalculation_json stays "" and the summary says its values were not recalculated. Borrows
// the pool; it must outlive the agent.
std::unique_ptr<agent::Agent> WithRecalculation(std::unique_ptr<agent::Agent> inner,
                                                convert::OfficePool& pool);

}  // namespace quire::service
