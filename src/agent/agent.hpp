#pragma once

// The agent's seam with the worker: one turn in, one turn out. Two implementations: the offline
// planner and the model agent (model_agent.hpp).

#include <chrono>
#include <cstdint>
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

// What a turn cost: what the model read and wrote (the offline agent reads nothing), its steps
// and tool calls.
struct TurnStats {
    std::int64_t input_tokens = 0;  // uncached
    std::int64_t output_tokens = 0;
    std::int64_t cache_read_tokens = 0;
    std::int64_t cache_write_tokens = 0;
    int steps = 0;  // model calls
    int tool_calls = 0;
};

// credits = tool calls / 10 + (input + 1.25 x cache writes + 0.1 x cache reads + 5 x output)
// tokens / 10,000, the weights of what a provider charges for each (docs/agent.md).
inline double CreditsFor(const TurnStats& stats) {
    double tokens = static_cast<double>(stats.input_tokens) +
                    1.25 * static_cast<double>(stats.cache_write_tokens) +
                    0.1 * static_cast<double>(stats.cache_read_tokens) +
                    5.0 * static_cast<double>(stats.output_tokens);
    return stats.tool_calls / 10.0 + tokens / 10'000.0;
}

// A file the agent may read through a tool, not part of the prompt.
struct ContextFile {
    std::string file_name;  // as uploaded ("notes.txt")
    std::string bytes;
};

// A workbook whose formulas the office converter computed (convert/recalculate.hpp does the
// work; agents see only this).
struct RecalculatedWorkbook {
    // One formula cell with what the office computed for it.
    struct Formula {
        std::string location;  // "Summary!B7"
        std::string formula;   // as the workbook stores it, without '='
        enum class Kind { kNumber, kText, kError } kind = Kind::kNumber;
        double number = 0;  // kNumber
        std::string text;   // kText, or the error's name for kError ("#DIV/0!")
    };
    std::string xlsx;  // the workbook with the computed values stored as the cells' cached values
    std::vector<Formula> formulas;  // every formula cell the office computed, in sheet order
    // Cells the office cannot compute (they use functions it does not know or macros, or read
    // cells that do): they keep their cached value.
    std::vector<std::string> not_recalculated;
};

// Recalculates workbook bytes. kConverterUnavailable when no office converter runs; the
// converter's own errors otherwise (kConversionFailed, kInvalidRequest for bytes that are not a
// workbook).
using Recalculator = std::function<Result<RecalculatedWorkbook>(std::string xlsx)>;

struct TurnInput {
    DocumentFormat format = DocumentFormat::kExcel;
    std::string prompt;
    // The run's current document, or the uploaded init_file on a run's first turn; nullopt when
    // the run has no document yet.
    std::optional<std::string> document;
    std::vector<DataSource> data_sources;
    std::vector<ContextFile> context_files;
    // mode "ask": read-only tools, the answer in the summary, the document left as it was.
    bool ask = false;
    std::string memory_json = "{}";  // what the agent kept from earlier turns
    // What changed in the document since the agent's last turn, made outside it (an uploaded
    // document, a revert), as agent::DescribeDiff writes it; "" when nothing did.
    std::string outside_changes;
    std::chrono::steady_clock::time_point deadline;
    // When set, kept equal to what the turn has spent so far, so that a turn that fails still
    // tells its cost.
    TurnStats* spent = nullptr;
    // Reports a phase change ("planning", "editing", "saving"); may be empty.
    std::function<void(std::string_view)> on_phase;
    // True once the turn must stop (its task was cancelled or its claim was lost). The agent asks
    // between steps and hands it to model calls, which are abandoned; a stopped turn ends with
    // kConflict and its output is never committed. May be empty.
    std::function<bool()> stop_requested;
    // Reports a tool call the agent is about to run: the tool's name and its raw JSON arguments,
    // which may hold document contents, so the receiver keeps only a summary of their shape.
    // May be empty.
    std::function<void(std::string_view tool, std::string_view arguments)> on_tool_call;
};

// The error a turn ends with when `stop_requested` said so.
inline std::unexpected<Error> TurnStopped() {
    return Fail(ErrorCode::kConflict, "the task was stopped before it finished");
}

inline bool StopRequested(const TurnInput& input) {
    return input.stop_requested && input.stop_requested();
}

struct TurnOutput {
    std::string document;  // the new version's bytes; for an ask, the document unchanged
    std::string summary;   // what was done and which parts of the prompt were not acted on
    std::string memory_json;
    std::string messages_json;  // this turn's conversation delta
    // The recalculation of the turn's workbook as the task result shows it (docs/api.md, Tasks:
    // `recalculation`), "" when none ran.
    std::string recalculation_json;
    TurnStats stats;
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
