#pragma once

// The run's document during one model turn, with what its format brings to the model agent's
// loop (model_agent.cpp): the system prompt, the format's tools, the outline the model reads,
// the caps on what one turn may write, and the checks a saved package passes before it becomes a
// version. The loop itself, the run memory and the tools every format shares (get_outline,
// remember, finish, read_context_file) are the same for every format.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent.hpp"
#include "agent/llm/provider.hpp"
#include "common/error.hpp"

namespace quire::agent {

struct ModelAgentOptions;

// `text` cut to at most `most` bytes on a UTF-8 boundary, with "…" when it was cut.
std::string Cut(std::string_view text, std::size_t most);

// Text from the user's files, marked so that the system prompt can call it data.
std::string DocumentData(std::string_view text);

// A saved package that opened again, with what its checks found.
struct CheckedDocument {
    std::string bytes;
    std::string outline_json;               // the outline of the reopened package
    std::vector<std::string> new_problems;  // problems the turn brought in, one line each
};

class TurnDocument {
public:
    virtual ~TurnDocument() = default;

    // "workbook" or "document", as the model's messages name it.
    virtual std::string_view Noun() const = 0;
    virtual std::string_view SystemPrompt() const = 0;
    // The format's own tools (get_outline, remember, finish and read_context_file are added by
    // the loop); for an ask only those that read.
    virtual std::vector<llm::ToolSpec> ToolSpecs(bool ask) const = 0;
    virtual std::string_view OutlineToolDescription() const = 0;
    // True for the format's tools that change nothing.
    virtual bool ReadOnly(std::string_view tool) const = 0;
    // True for the tools whose results hold the document's own text.
    virtual bool ReadsDocument(std::string_view tool) const = 0;

    // Gets the document ready before the first model call (an Excel run imports its CSV data
    // sources) and returns the lines the turn's request adds about it, "" for none.
    [[nodiscard]] virtual Result<std::string> Prepare(const TurnInput& input) = 0;
    // True when Prepare made the data sources part of the document; otherwise the loop offers
    // them to the model as context files.
    virtual bool ImportsDataSources() const = 0;

    [[nodiscard]] virtual Result<std::string> OutlineJson() const = 0;
    // An outline as the model reads it: a few lines instead of JSON. `known` is the outline the
    // model saw at the end of its last turn (null for none): what it already had may be told in
    // short.
    virtual std::string OutlineText(std::string_view outline_json,
                                    const boost::json::value& known) const = 0;
    // What differs between two outlines in one line ("sheet 'Notes' added"), "" for nothing.
    virtual std::string OutlineChanges(const boost::json::value& before,
                                       const boost::json::value& after) const = 0;

    // Runs one of the format's tools: its result as JSON text, or the error for the model. A call
    // past one of the turn's caps sets `limit` to kOutputLimit (the turn then ends) and fails.
    [[nodiscard]] virtual Result<std::string> Call(std::string_view tool,
                                                   const boost::json::object& args,
                                                   Status& limit) = 0;

    // Saves the document and opens the bytes again; kAgentFailed when either fails.
    [[nodiscard]] virtual Result<CheckedDocument> SaveAndCheck() = 0;
    // What the model is told about new problems, to fix them and finish again.
    virtual std::string ProblemsRequest(const std::vector<std::string>& problems) const = 0;
    // The error a turn ends with when problems are still there after the rounds of fixing, or
    // nullopt when such a document is committed anyway with the problems in its summary.
    virtual std::optional<Error> ProblemsFailure(
        const std::vector<std::string>& problems) const = 0;
};

// The Excel and Word documents of a turn, opened from `document` (a new one when nullopt).
// kInvalidRequest when the bytes are not of the format.
Result<std::unique_ptr<TurnDocument>> OpenExcelTurnDocument(
    const std::optional<std::string>& document, const ModelAgentOptions& options);
Result<std::unique_ptr<TurnDocument>> OpenWordTurnDocument(
    const std::optional<std::string>& document, const ModelAgentOptions& options);

}  // namespace quire::agent
