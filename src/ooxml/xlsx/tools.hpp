#pragma once

// The Excel tool set: every workbook operation an agent (model-driven or offline) may call, with
// its JSON schema. A call gets a short, exact JSON result or an error a model can correct
// (unknown sheet, bad reference, out-of-bounds range). `quire doc tools --format xlsx` prints the
// schemas and `quire doc apply` runs calls from a file; both go through this registry.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::xlsx {

class Workbook;

// A call's arguments with typed, named access. Every getter fails with kInvalidRequest naming
// the argument ("'sheet' must be a string"); Finish refuses arguments no getter asked for, so a
// misspelt option is reported instead of ignored.
class ToolArgs {
public:
    explicit ToolArgs(const boost::json::object& args) : args_(args) {}

    Result<std::string> String(std::string_view key);
    Result<std::optional<std::string>> OptionalString(std::string_view key);
    Result<std::optional<double>> OptionalNumber(std::string_view key);
    Result<std::optional<bool>> OptionalBool(std::string_view key);
    // An array or object argument as it was given, for the tool to read further.
    Result<const boost::json::array*> Array(std::string_view key);
    Result<const boost::json::array*> OptionalArray(std::string_view key);
    Result<const boost::json::object*> OptionalObject(std::string_view key);
    Result<const boost::json::value*> Value(std::string_view key);

    // kInvalidRequest naming the first argument that no getter read.
    Status Finish() const;

private:
    const boost::json::value* Find(std::string_view key);

    const boost::json::object& args_;
    std::vector<std::string> seen_;
};

// Runs one tool call: `run` (empty when no tool has the name) with `args`, its error message
// prefixed with the tool's name. The Excel and Word tool sets both dispatch through it.
Result<boost::json::value> RunToolCall(
    std::string_view name, const boost::json::object& args,
    const std::function<Result<boost::json::value>(ToolArgs&)>& run);

// `error` without the "NAME: " that RunToolCall put before its message, for callers that say
// which tool failed themselves.
Error WithoutToolName(Error error, std::string_view name);

// A tool as a listing shows it: {"name", "description", "input_schema"}.
boost::json::object ToolListing(std::string_view name, std::string_view description,
                                std::string_view input_schema);

struct Tool {
    std::string name;
    std::string description;
    std::string input_schema;  // a JSON Schema object, as JSON text
    // Reads its arguments, calls args.Finish(), validates everything, and only then changes the
    // workbook: a failed call leaves it as it was.
    std::function<Result<boost::json::value>(Workbook&, ToolArgs&)> run;
};

// Every Excel tool, in a stable order.
const std::vector<Tool>& WorkbookTools();

// Runs one tool on the workbook. An unknown tool, bad arguments or a failed operation is an
// error; a failed call leaves the workbook as it was.
Result<boost::json::value> CallTool(Workbook& workbook, std::string_view name,
                                    const boost::json::object& args);

// The schemas as `quire doc tools` prints them: [{"name", "description", "input_schema"}…].
std::string ToolSchemasJson();

}  // namespace quire::xlsx
