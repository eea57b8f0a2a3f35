#include "agent/llm/wire_json.hpp"

#include <boost/json/parse.hpp>

#include <fmt/format.h>

namespace quire::agent::llm {

namespace json = boost::json;

Result<json::object> SchemaObject(const ToolSpec& tool) {
    if (tool.input_schema.empty()) return json::object{{"type", "object"}, {"properties", {}}};
    boost::system::error_code error;
    json::value schema = json::parse(tool.input_schema, error);
    if (error || !schema.is_object()) {
        return Internal(fmt::format("the schema of tool {} is not a JSON object", tool.name));
    }
    return std::move(schema.as_object());
}

json::object ArgumentsObject(std::string_view arguments) {
    boost::system::error_code error;
    json::value parsed = json::parse(arguments, error);
    if (error || !parsed.is_object()) return {};
    return std::move(parsed.as_object());
}

std::string_view StringField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) return {};
    return value->as_string();
}

std::int64_t IntField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return 0;
    if (value->is_int64()) return value->as_int64();
    if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
    return 0;
}

const json::object* ObjectField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_object()) return nullptr;
    return &value->as_object();
}

std::unexpected<Error> MalformedAnswer(std::string_view provider, std::string_view what) {
    return Fail(ErrorCode::kAgentFailed,
                fmt::format("{} answered without {}; it does not speak the expected wire format",
                            provider, what));
}

}  // namespace quire::agent::llm
