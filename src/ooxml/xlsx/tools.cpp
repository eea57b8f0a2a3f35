#include "ooxml/xlsx/tools.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>

#include "ooxml/xlsx/tools_impl.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::xlsx {

namespace json = boost::json;

const json::value* ToolArgs::Find(std::string_view key) {
    seen_.emplace_back(key);
    const json::value* value = args_.if_contains(key);
    return value != nullptr && !value->is_null() ? value : nullptr;
}

Result<std::string> ToolArgs::String(std::string_view key) {
    Result<std::optional<std::string>> text = OptionalString(key);
    if (!text) return std::unexpected(text.error());
    if (!*text) return InvalidRequest(fmt::format("'{}' is required", key));
    return std::move(**text);
}

Result<std::optional<std::string>> ToolArgs::OptionalString(std::string_view key) {
    const json::value* value = Find(key);
    if (value == nullptr) return std::optional<std::string>{};
    if (!value->is_string()) return InvalidRequest(fmt::format("'{}' must be a string", key));
    return std::string(value->get_string());
}

Result<std::optional<double>> ToolArgs::OptionalNumber(std::string_view key) {
    const json::value* value = Find(key);
    if (value == nullptr) return std::optional<double>{};
    if (!value->is_number()) return InvalidRequest(fmt::format("'{}' must be a number", key));
    return value->to_number<double>();
}

Result<std::optional<bool>> ToolArgs::OptionalBool(std::string_view key) {
    const json::value* value = Find(key);
    if (value == nullptr) return std::optional<bool>{};
    if (!value->is_bool()) return InvalidRequest(fmt::format("'{}' must be true or false", key));
    return value->get_bool();
}

Result<const json::array*> ToolArgs::Array(std::string_view key) {
    Result<const json::array*> array = OptionalArray(key);
    if (array && *array == nullptr) return InvalidRequest(fmt::format("'{}' is required", key));
    return array;
}

Result<const json::array*> ToolArgs::OptionalArray(std::string_view key) {
    const json::value* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_array()) return InvalidRequest(fmt::format("'{}' must be an array", key));
    return &value->get_array();
}

Result<const json::object*> ToolArgs::OptionalObject(std::string_view key) {
    const json::value* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) return InvalidRequest(fmt::format("'{}' must be an object", key));
    return &value->get_object();
}

Result<const json::value*> ToolArgs::Value(std::string_view key) {
    const json::value* value = Find(key);
    if (value == nullptr) return InvalidRequest(fmt::format("'{}' is required", key));
    return value;
}

Status ToolArgs::Finish() const {
    for (const auto& [key, value] : args_) {
        if (std::find(seen_.begin(), seen_.end(), std::string_view(key)) == seen_.end()) {
            return InvalidRequest(fmt::format("unknown argument '{}'", std::string_view(key)));
        }
    }
    return {};
}

const std::vector<Tool>& WorkbookTools() {
    static const std::vector<Tool> tools = [] {
        std::vector<Tool> all;
        for (auto group : {CellTools, FormatTools, ObjectTools, ChartTools}) {
            std::vector<Tool> part = group();
            all.insert(all.end(), std::make_move_iterator(part.begin()),
                       std::make_move_iterator(part.end()));
        }
        return all;
    }();
    return tools;
}

Error WithoutToolName(Error error, std::string_view name) {
    std::string prefix = std::string(name) + ": ";
    if (error.message.starts_with(prefix)) error.message.erase(0, prefix.size());
    return error;
}

Result<json::value> RunToolCall(std::string_view name, const json::object& args,
                                const std::function<Result<json::value>(ToolArgs&)>& run) {
    if (!run) return InvalidRequest(fmt::format("there is no tool '{}'", name));
    ToolArgs reader(args);
    Result<json::value> result = run(reader);
    if (!result) {
        Error error = result.error();
        error.message = fmt::format("{}: {}", name, error.message);
        return std::unexpected(std::move(error));
    }
    return result;
}

json::object ToolListing(std::string_view name, std::string_view description,
                         std::string_view input_schema) {
    return json::object{
        {"name", name}, {"description", description}, {"input_schema", json::parse(input_schema)}};
}

Result<json::value> CallTool(Workbook& workbook, std::string_view name, const json::object& args) {
    const std::vector<Tool>& tools = WorkbookTools();
    auto tool = std::find_if(tools.begin(), tools.end(),
                             [&](const Tool& candidate) { return candidate.name == name; });
    std::function<Result<json::value>(ToolArgs&)> run;
    if (tool != tools.end()) run = [&](ToolArgs& reader) { return tool->run(workbook, reader); };
    return RunToolCall(name, args, run);
}

std::string ToolSchemasJson() {
    json::array out;
    for (const Tool& tool : WorkbookTools()) {
        out.push_back(ToolListing(tool.name, tool.description, tool.input_schema));
    }
    return json::serialize(out);
}

}  // namespace quire::xlsx
