#include "agent/llm/provider.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "agent/llm/anthropic_provider.hpp"
#include "agent/llm/openai_provider.hpp"

namespace quire::agent::llm {
namespace {

constexpr std::string_view kAnthropicModel = "claude-sonnet-4-5";
constexpr std::string_view kAnthropicBaseUrl = "https://api.anthropic.com";
constexpr std::string_view kOpenAiModel = "gpt-4o-mini";
constexpr std::string_view kOpenAiBaseUrl = "https://api.openai.com/v1";

// The variable's value, or empty when it is unset.
std::string Env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? "" : value;
}

// `url` without trailing slashes, so that paths join onto it with one.
Result<std::string> BaseUrl(std::string url, std::string_view variable) {
    while (url.ends_with('/')) url.pop_back();
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return InvalidRequest(fmt::format("{} must be an http:// or https:// URL", variable));
    }
    return url;
}

}  // namespace

Usage& Usage::operator+=(const Usage& other) {
    input_tokens += other.input_tokens;
    output_tokens += other.output_tokens;
    cache_read_tokens += other.cache_read_tokens;
    cache_write_tokens += other.cache_write_tokens;
    return *this;
}

Result<ProviderConfig> ProviderConfig::FromEnvironment() {
    ProviderConfig config;
    std::string kind = Env("QUIRE_LLM");
    if (kind.empty() || kind == "offline") return config;

    std::string base_url;
    if (kind == "anthropic") {
        config.model = kAnthropicModel;
        config.api_key = Env("ANTHROPIC_API_KEY");
        if (config.api_key.empty()) {
            return InvalidRequest("QUIRE_LLM=anthropic needs ANTHROPIC_API_KEY");
        }
        base_url = Env("ANTHROPIC_BASE_URL");
        auto url = BaseUrl(base_url.empty() ? std::string(kAnthropicBaseUrl) : base_url,
                           "ANTHROPIC_BASE_URL");
        if (!url) return Propagate(url);
        config.base_url = std::move(*url);
    } else if (kind == "openai") {
        config.model = kOpenAiModel;
        config.api_key = Env("OPENAI_API_KEY");
        base_url = Env("OPENAI_BASE_URL");
        // A server of one's own (Ollama, vLLM, llama.cpp) often takes no key.
        if (config.api_key.empty() && base_url.empty()) {
            return InvalidRequest(
                "QUIRE_LLM=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a server that "
                "takes no key");
        }
        auto url =
            BaseUrl(base_url.empty() ? std::string(kOpenAiBaseUrl) : base_url, "OPENAI_BASE_URL");
        if (!url) return Propagate(url);
        config.base_url = std::move(*url);
    } else {
        return InvalidRequest(
            fmt::format("QUIRE_LLM must be offline, anthropic or openai, not \"{}\"", kind));
    }
    config.kind = kind;
    if (std::string model = Env("QUIRE_MODEL"); !model.empty()) config.model = model;
    return config;
}

Result<std::unique_ptr<Provider>> MakeProvider(const ProviderConfig& config) {
    if (config.kind == "offline") return nullptr;
    if (config.kind != "anthropic" && config.kind != "openai") {
        return InvalidRequest(fmt::format(
            "the provider must be offline, anthropic or openai, not \"{}\"", config.kind));
    }
    if (config.model.empty()) return InvalidRequest("the provider needs a model name");
    if (config.base_url.empty()) return InvalidRequest("the provider needs a base URL");
    if (config.kind == "anthropic") {
        if (config.api_key.empty()) return InvalidRequest("anthropic needs an API key");
        return MakeAnthropicProvider(config);
    }
    return MakeOpenAiProvider(config);
}

}  // namespace quire::agent::llm
