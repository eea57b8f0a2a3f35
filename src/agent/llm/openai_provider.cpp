#include "agent/llm/openai_provider.hpp"

#include <boost/json/serialize.hpp>

#include "agent/llm/http_client.hpp"
#include "agent/llm/model_call.hpp"
#include "agent/llm/wire_json.hpp"
#include "common/json_text.hpp"

namespace quire::agent::llm {
namespace {

namespace json = boost::json;

json::object WireMessage(const Message& message) {
    switch (message.role) {
        case Message::Role::kUser:
            return {{"role", "user"}, {"content", message.text}};
        case Message::Role::kToolResult:
            // The wire has no error flag; the result text says what went wrong.
            return {{"role", "tool"},
                    {"tool_call_id", message.tool_call_id},
                    {"content", message.text}};
        case Message::Role::kAssistant:
            break;
    }
    json::object wire{{"role", "assistant"}};
    if (message.text.empty() && !message.tool_calls.empty()) {
        wire["content"] = nullptr;
    } else {
        wire["content"] = message.text;
    }
    if (message.tool_calls.empty()) return wire;
    json::array calls;
    for (const ToolCall& call : message.tool_calls) {
        // Arguments travel as the text the model wrote, malformed or not.
        calls.push_back({{"id", call.id},
                         {"type", "function"},
                         {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    wire["tool_calls"] = std::move(calls);
    return wire;
}

Result<json::object> ChatBody(std::string_view model, const Request& request) {
    json::array messages;
    if (!request.system.empty()) {
        messages.push_back({{"role", "system"}, {"content", request.system}});
    }
    for (const Message& message : request.messages) messages.push_back(WireMessage(message));

    // max_tokens rather than max_completion_tokens: every compatible server reads it.
    json::object body{{"model", model},
                      {"max_tokens", request.max_output_tokens},
                      {"messages", std::move(messages)}};
    if (request.tools.empty()) return body;
    json::array tools;
    for (const ToolSpec& tool : request.tools) {
        auto schema = SchemaObject(tool);
        if (!schema) return Propagate(schema);
        tools.push_back({{"type", "function"},
                         {"function",
                          {{"name", tool.name},
                           {"description", tool.description},
                           {"parameters", std::move(*schema)}}}});
    }
    body["tools"] = std::move(tools);
    return body;
}

std::string Arguments(const json::object& function) {
    const json::value* arguments = function.if_contains("arguments");
    if (arguments == nullptr || arguments->is_null()) return "";
    if (arguments->is_string()) return std::string(arguments->as_string());
    // Some compatible servers send the arguments as an object rather than as text.
    return JsonText(*arguments);
}

Result<std::vector<ToolCall>> ReadToolCalls(const json::object& message) {
    std::vector<ToolCall> calls;
    const json::value* wire = message.if_contains("tool_calls");
    if (wire == nullptr || wire->is_null()) return calls;
    if (!wire->is_array()) return MalformedAnswer("openai", "a tool_calls list");
    for (const json::value& item : wire->as_array()) {
        const json::object* function =
            item.is_object() ? ObjectField(item.as_object(), "function") : nullptr;
        if (function == nullptr) return MalformedAnswer("openai", "a function in a tool call");
        ToolCall call{std::string(StringField(item.as_object(), "id")),
                      std::string(StringField(*function, "name")), Arguments(*function)};
        // Some local servers leave the id out; the result still needs one to answer.
        if (call.id.empty()) call.id = "call_" + std::to_string(calls.size());
        calls.push_back(std::move(call));
    }
    return calls;
}

std::string StopReason(std::string_view finish_reason, bool has_tool_calls) {
    if (finish_reason == "length") return "max_tokens";
    // Some servers say "stop" even when the message carries tool calls.
    if (finish_reason == "tool_calls" || finish_reason == "function_call" || has_tool_calls) {
        return "tool_use";
    }
    return "end_turn";
}

Usage ReadUsage(const json::object& body) {
    Usage usage;
    const json::object* wire = ObjectField(body, "usage");
    if (wire == nullptr) return usage;
    std::int64_t prompt = IntField(*wire, "prompt_tokens");
    if (const json::object* details = ObjectField(*wire, "prompt_tokens_details")) {
        usage.cache_read_tokens =
            std::clamp<std::int64_t>(IntField(*details, "cached_tokens"), 0, prompt);
    }
    // prompt_tokens counts the cached ones too; Usage keeps them apart.
    usage.input_tokens = prompt - usage.cache_read_tokens;
    usage.output_tokens = IntField(*wire, "completion_tokens");
    return usage;
}

Result<Reply> ReadReply(const json::object& body) {
    const json::value* choices = body.if_contains("choices");
    if (choices == nullptr || !choices->is_array() || choices->as_array().empty() ||
        !choices->as_array()[0].is_object()) {
        return MalformedAnswer("openai", "choices");
    }
    const json::object& choice = choices->as_array()[0].as_object();
    const json::object* message = ObjectField(choice, "message");
    if (message == nullptr) return MalformedAnswer("openai", "a message");

    Reply reply;
    reply.text = StringField(*message, "content");
    auto calls = ReadToolCalls(*message);
    if (!calls) return Propagate(calls);
    reply.tool_calls = std::move(*calls);
    reply.stop_reason = StopReason(StringField(choice, "finish_reason"), !reply.tool_calls.empty());
    reply.usage = ReadUsage(body);
    return reply;
}

class OpenAiProvider final : public HttpProvider {
public:
    explicit OpenAiProvider(ProviderConfig config) : HttpProvider(std::move(config)) {}

    std::string_view Name() const override { return "openai"; }

private:
    std::string CompleteUrl() const override { return config().base_url + "/chat/completions"; }
    // OpenAI, Ollama, vLLM and llama.cpp server all list their models here, free of charge.
    std::string ProbeUrl() const override { return config().base_url + "/models"; }

    Headers RequestHeaders() const override {
        Headers headers{{"content-type", "application/json"}, {"accept", "application/json"}};
        // A local server may need no key; it then gets no Authorization header at all.
        if (!config().api_key.empty())
            headers.emplace_back("authorization", "Bearer " + config().api_key);
        return headers;
    }

    Result<json::object> Body(const Request& request) const override {
        return ChatBody(config().model, request);
    }
    Result<Reply> ReadAnswer(const json::object& answer) const override {
        return ReadReply(answer);
    }
};

}  // namespace

std::unique_ptr<Provider> MakeOpenAiProvider(ProviderConfig config) {
    return std::make_unique<OpenAiProvider>(std::move(config));
}

}  // namespace quire::agent::llm
