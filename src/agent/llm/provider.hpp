#pragma once

// A language model behind one interface: the turn loop sends the system prompt, the tool schemas
// and the conversation, and gets back text and tool calls with the tokens they cost. Anthropic
// Messages and OpenAI-compatible Chat Completions implement it over HTTP; tests point either at
// a scripted fake server on loopback.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::agent::llm {

struct ToolSpec {
    std::string name;
    std::string description;
    std::string input_schema;  // a JSON Schema object, as JSON text
};

struct ToolCall {
    std::string id;  // the provider's id, echoed back with the result
    std::string name;
    std::string arguments;  // JSON text as the model wrote it; may be malformed
};

struct Message {
    enum class Role { kUser, kAssistant, kToolResult };
    Role role = Role::kUser;
    // kUser, kAssistant: the text. kToolResult: the tool's result or error, as JSON text.
    std::string text;
    std::vector<ToolCall> tool_calls;  // kAssistant only
    std::string tool_call_id;          // kToolResult only: which call this answers
    bool is_error = false;             // kToolResult only
};

struct Usage {
    std::int64_t input_tokens = 0;  // uncached input
    std::int64_t output_tokens = 0;
    std::int64_t cache_read_tokens = 0;
    std::int64_t cache_write_tokens = 0;

    Usage& operator+=(const Usage& other);
};

struct Request {
    std::string system;
    std::vector<ToolSpec> tools;
    std::vector<Message> messages;
    // The first `stable_messages` messages are the same on every call of this turn and the next
    // (earlier turns, compacted): a caching provider marks the end of them, of the tools and of
    // the system prompt as cache breakpoints.
    std::size_t stable_messages = 0;
    int max_output_tokens = 4096;
    std::chrono::steady_clock::time_point deadline;  // default: no deadline beyond the timeout
    // When set and true, a call in flight is abandoned and fails with kConflict.
    std::function<bool()> stop_requested;
};

struct Reply {
    std::string text;
    std::vector<ToolCall> tool_calls;
    // "end_turn", "tool_use" or "max_tokens", whatever the wire format called it.
    std::string stop_reason;
    Usage usage;
    int retries = 0;  // how many failed attempts (429, 5xx, no connection) came before this one
};

class Provider {
public:
    virtual ~Provider() = default;
    // "anthropic", "openai" or "offline".
    [[nodiscard]] virtual std::string_view Name() const = 0;
    [[nodiscard]] virtual const std::string& Model() const = 0;
    // One model call, retried on 429, 529, 5xx and failed connections. May be called from
    // several threads at once. Failures: kProviderUnavailable (cannot
    // connect, or 5xx after every retry), kProviderAuthFailed (401/403), kProviderRateLimited
    // (429 after every retry), kTimeout (past the deadline), kAgentFailed (another 4xx or an
    // answer that is not the wire format).
    [[nodiscard]] virtual Result<Reply> Complete(const Request& request) = 0;
    // A cheap request that tells whether the provider answers and accepts the key, for /readyz.
    [[nodiscard]] virtual Status Probe() = 0;
};

struct ProviderConfig {
    std::string kind = "offline";  // QUIRE_LLM: offline | anthropic | openai
    std::string model;             // QUIRE_MODEL; each provider has a default
    std::string api_key;           // ANTHROPIC_API_KEY / OPENAI_API_KEY
    std::string base_url;          // ANTHROPIC_BASE_URL / OPENAI_BASE_URL, as the SDKs read them
    std::chrono::milliseconds request_timeout{120'000};
    int max_retries = 4;
    std::chrono::milliseconds retry_base_delay{500};

    // From the environment; kInvalidRequest naming the variable for an unknown QUIRE_LLM or a
    // missing key.
    static Result<ProviderConfig> FromEnvironment();
};

// nullptr for kind "offline": the offline planner is not a model.
Result<std::unique_ptr<Provider>> MakeProvider(const ProviderConfig& config);

}  // namespace quire::agent::llm
