#include "agent/llm/anthropic_provider.hpp"

#include <boost/json/serialize.hpp>

#include <optional>

#include "agent/llm/http_client.hpp"
#include "agent/llm/model_call.hpp"
#include "agent/llm/wire_json.hpp"
#include "common/json_text.hpp"

namespace quire::agent::llm {
namespace {

namespace json = boost::json;

constexpr std::string_view kApiVersion = "2023-06-01";

// Where a content block sits in the wire messages.
struct BlockPosition {
    std::size_t message = 0;
    std::size_t block = 0;
};

json::array ContentBlocks(const Message& message) {
    json::array blocks;
    if (message.role == Message::Role::kToolResult) {
        json::object result{{"type", "tool_result"}, {"tool_use_id", message.tool_call_id}};
        if (!message.text.empty()) result["content"] = message.text;
        if (message.is_error) result["is_error"] = true;
        blocks.push_back(std::move(result));
        return blocks;
    }
    // The API refuses empty text blocks.
    if (!message.text.empty()) blocks.push_back({{"type", "text"}, {"text", message.text}});
    for (const ToolCall& call : message.tool_calls) {
        blocks.push_back({{"type", "tool_use"},
                          {"id", call.id},
                          {"name", call.name},
                          {"input", ArgumentsObject(call.arguments)}});
    }
    return blocks;
}

// The wire messages, and for each request message where its last block ended up. Tool results
// and user text both travel as role "user"; neighbours of one role share a message, which is how
// consecutive tool results go back in one user message.
struct WireMessages {
    json::array messages;
    std::vector<std::optional<BlockPosition>> ends;
};

WireMessages BuildMessages(const std::vector<Message>& messages) {
    WireMessages wire;
    std::optional<BlockPosition> end;
    for (const Message& message : messages) {
        json::array blocks = ContentBlocks(message);
        if (!blocks.empty()) {
            std::string_view role =
                message.role == Message::Role::kAssistant ? "assistant" : "user";
            if (wire.messages.empty() || wire.messages.back().at("role").as_string() != role) {
                wire.messages.push_back({{"role", role}, {"content", json::array{}}});
            }
            json::array& content = wire.messages.back().at("content").as_array();
            for (auto& block : blocks) content.push_back(std::move(block));
            end = BlockPosition{wire.messages.size() - 1, content.size() - 1};
        }
        wire.ends.push_back(end);
    }
    return wire;
}

void MarkCacheBreakpoint(json::object& block) { block["cache_control"] = {{"type", "ephemeral"}}; }

void MarkCacheBreakpoint(json::array& messages, BlockPosition at) {
    auto& content = messages.at(at.message).at("content").as_array();
    MarkCacheBreakpoint(content.at(at.block).as_object());
}

Result<json::array> Tools(const std::vector<ToolSpec>& specs) {
    json::array tools;
    for (const ToolSpec& tool : specs) {
        auto schema = SchemaObject(tool);
        if (!schema) return Propagate(schema);
        tools.push_back({{"name", tool.name},
                         {"description", tool.description},
                         {"input_schema", std::move(*schema)}});
    }
    return tools;
}

// The stable history ends with the last block of message `stable - 1`; the request with the last
// block of all. Both may be the same block.
json::array MessagesWithBreakpoints(const std::vector<Message>& messages, std::size_t stable) {
    WireMessages wire = BuildMessages(messages);
    stable = std::min(stable, messages.size());
    if (stable > 0 && wire.ends[stable - 1]) {
        MarkCacheBreakpoint(wire.messages, *wire.ends[stable - 1]);
    }
    if (!wire.ends.empty() && wire.ends.back()) {
        MarkCacheBreakpoint(wire.messages, *wire.ends.back());
    }
    return std::move(wire.messages);
}

// The API caches the prefix tools → system → messages up to each marked block, at most four of
// them: the tools, the system prompt, the stable history, and the whole request so the next step
// of the same turn reads everything before its own new messages from the cache.
Result<json::object> MessagesBody(std::string_view model, const Request& request) {
    json::object body{{"model", model}, {"max_tokens", request.max_output_tokens}};
    if (!request.system.empty()) {
        json::object system{{"type", "text"}, {"text", request.system}};
        MarkCacheBreakpoint(system);
        body["system"] = json::array{std::move(system)};
    }
    if (!request.tools.empty()) {
        auto tools = Tools(request.tools);
        if (!tools) return Propagate(tools);
        MarkCacheBreakpoint(tools->back().as_object());
        body["tools"] = std::move(*tools);
    }
    body["messages"] = MessagesWithBreakpoints(request.messages, request.stable_messages);
    return body;
}

std::string StopReason(std::string_view wire) {
    if (wire == "tool_use") return "tool_use";
    if (wire == "max_tokens" || wire == "model_context_window_exceeded") return "max_tokens";
    // end_turn, stop_sequence, and the rarer refusal and pause_turn all end the model's turn.
    return "end_turn";
}

Result<Reply> ReadReply(const json::object& body) {
    const json::value* content = body.if_contains("content");
    if (content == nullptr || !content->is_array()) return MalformedAnswer("anthropic", "content");

    Reply reply;
    for (const json::value& item : content->as_array()) {
        if (!item.is_object()) return MalformedAnswer("anthropic", "content blocks");
        const json::object& block = item.as_object();
        std::string_view type = StringField(block, "type");
        if (type == "text") {
            if (!reply.text.empty()) reply.text += "\n";
            reply.text += StringField(block, "text");
        } else if (type == "tool_use") {
            const json::value* input = block.if_contains("input");
            reply.tool_calls.push_back({std::string(StringField(block, "id")),
                                        std::string(StringField(block, "name")),
                                        input != nullptr ? JsonText(*input) : "{}"});
        }
    }
    reply.stop_reason = StopReason(StringField(body, "stop_reason"));

    if (const json::object* usage = ObjectField(body, "usage")) {
        reply.usage.input_tokens = IntField(*usage, "input_tokens");
        reply.usage.output_tokens = IntField(*usage, "output_tokens");
        reply.usage.cache_read_tokens = IntField(*usage, "cache_read_input_tokens");
        reply.usage.cache_write_tokens = IntField(*usage, "cache_creation_input_tokens");
    }
    return reply;
}

class AnthropicProvider final : public HttpProvider {
public:
    explicit AnthropicProvider(ProviderConfig config) : HttpProvider(std::move(config)) {}

    std::string_view Name() const override { return "anthropic"; }

private:
    std::string CompleteUrl() const override { return config().base_url + "/v1/messages"; }
    // Listing models costs nothing and needs the same key as a message.
    std::string ProbeUrl() const override { return config().base_url + "/v1/models?limit=1"; }

    Headers RequestHeaders() const override {
        return {{"content-type", "application/json"},
                {"accept", "application/json"},
                {"anthropic-version", std::string(kApiVersion)},
                {"x-api-key", config().api_key}};
    }

    Result<json::object> Body(const Request& request) const override {
        return MessagesBody(config().model, request);
    }
    Result<Reply> ReadAnswer(const json::object& answer) const override {
        return ReadReply(answer);
    }
};

}  // namespace

std::unique_ptr<Provider> MakeAnthropicProvider(ProviderConfig config) {
    return std::make_unique<AnthropicProvider>(std::move(config));
}

}  // namespace quire::agent::llm
