#pragma once

// The agent's seam with the worker: one turn in, one turn out. The offline planner is the first
// implementation; model providers come with the agent issue.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::agent {

enum class DocumentFormat { kExcel, kWord, kSlides };

struct DataSource {
    std::string file_name;  // as uploaded ("sales.csv")
    std::string kind;       // "csv"
    std::string bytes;
};

struct TurnInput {
    DocumentFormat format = DocumentFormat::kExcel;
    std::string prompt;
    // The run's current document, or the uploaded init_file on a run's first turn; nullopt when
    // the run has no document yet.
    std::optional<std::string> document;
    std::vector<DataSource> data_sources;
    std::string memory_json = "{}";  // what the agent kept from earlier turns
    std::chrono::steady_clock::time_point deadline;
    // Reports a phase change ("planning", "editing", "saving"); may be empty.
    std::function<void(std::string_view)> on_phase;
};

struct TurnOutput {
    std::string document;  // the new version's bytes
    std::string summary;   // what was done and which parts of the prompt were not acted on
    std::string memory_json;
    std::string messages_json;  // this turn's conversation delta
    double credits_used = 0;
};

class Agent {
public:
    virtual ~Agent() = default;
    // Runs one turn. Failures: kInvalidRequest when the request itself is unusable (a data source
    // that is not valid CSV), kAgentFailed when a tool failed, kTimeout past the deadline.
    [[nodiscard]] virtual Result<TurnOutput> RunTurn(const TurnInput& input) = 0;
};

// The built-in, deterministic, rule-based agent (DESIGN.md §6).
std::unique_ptr<Agent> MakeOfflineAgent();

}  // namespace quire::agent
