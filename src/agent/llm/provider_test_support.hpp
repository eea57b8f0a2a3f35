#pragma once

// Shared by the provider tests: a provider of either wire format pointed at a fake model server.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "agent/llm/provider.hpp"
#include "fake_model_server.hpp"

namespace quire::agent::llm::testing {

inline constexpr const char* kTestKey = "sk-test-0123456789abcdef";

// Small retry delays keep the tests quick; the policy is the same as with the defaults.
inline ProviderConfig ConfigFor(const std::string& kind,
                                const test_support::FakeModelServer& server,
                                std::string api_key = kTestKey) {
    ProviderConfig config;
    config.kind = kind;
    config.model = kind == "anthropic" ? "claude-test" : "gpt-test";
    config.api_key = std::move(api_key);
    config.base_url = kind == "anthropic" ? server.BaseUrl() : server.BaseUrl() + "/v1";
    config.request_timeout = std::chrono::seconds(10);
    config.max_retries = 3;
    config.retry_base_delay = std::chrono::milliseconds(5);
    return config;
}

inline std::unique_ptr<Provider> Make(const ProviderConfig& config) {
    auto provider = MakeProvider(config);
    if (!provider) throw std::runtime_error(provider.error().message);
    return std::move(*provider);
}

inline Request Question(std::string text) {
    Request request;
    request.system = "You edit spreadsheets.";
    request.messages.push_back({.role = Message::Role::kUser, .text = std::move(text)});
    return request;
}

inline ToolSpec SetCellsTool() {
    return {"set_cells", "Writes values into cells.",
            R"({"type":"object","properties":{"range":{"type":"string"}},"required":["range"]})"};
}

inline ToolSpec ReadRangeTool() {
    return {"read_range", "Reads a range.",
            R"({"type":"object","properties":{"range":{"type":"string"}}})"};
}

// The JSON body of the `index`-th request the server received.
inline boost::json::object BodyOf(const test_support::FakeModelServer& server, std::size_t index) {
    return server.Requests().at(index).at("body").as_object();
}

inline std::string HeaderOf(const boost::json::object& request, std::string_view name) {
    const auto* value = request.at("headers").as_object().if_contains(name);
    return value != nullptr ? std::string(value->as_string()) : std::string();
}

}  // namespace quire::agent::llm::testing
