#pragma once

// Small readers and writers of JSON shared by the two wire formats.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/llm/provider.hpp"
#include "common/error.hpp"

namespace quire::agent::llm {

// A tool's input schema as a JSON object; an empty schema is an object schema with no
// properties. kInternal when the text is not a JSON object: the tool set is broken, not the call.
[[nodiscard]] Result<boost::json::object> SchemaObject(const ToolSpec& tool);

// Arguments the model wrote, as an object for a wire format that wants one; text that is not a
// JSON object becomes an empty object (the tool's result already told the model what was wrong).
[[nodiscard]] boost::json::object ArgumentsObject(std::string_view arguments);

// `object[key]` when it is a string, else empty.
[[nodiscard]] std::string_view StringField(const boost::json::object& object, std::string_view key);

// `object[key]` when it is an integer, else 0.
[[nodiscard]] std::int64_t IntField(const boost::json::object& object, std::string_view key);

// `object[key]` when it is an object, else nullptr.
[[nodiscard]] const boost::json::object* ObjectField(const boost::json::object& object,
                                                     std::string_view key);

// kAgentFailed saying the provider's answer lacks `what`.
[[nodiscard]] std::unexpected<Error> MalformedAnswer(std::string_view provider,
                                                     std::string_view what);

}  // namespace quire::agent::llm
