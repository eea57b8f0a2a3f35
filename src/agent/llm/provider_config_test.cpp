#include <gtest/gtest.h>

#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "agent/llm/provider.hpp"

namespace quire::agent::llm {
namespace {

// Sets the provider variables for one test and puts the old values back afterwards.
class ScopedEnvironment {
public:
    explicit ScopedEnvironment(std::initializer_list<std::pair<const char*, const char*>> values) {
        for (const char* name : kNames) {
            const char* old = std::getenv(name);
            saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
            unsetenv(name);
        }
        for (const auto& [name, value] : values) setenv(name, value, 1);
    }

    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

    ~ScopedEnvironment() {
        for (const auto& [name, value] : saved_) {
            if (value) {
                setenv(name.c_str(), value->c_str(), 1);
            } else {
                unsetenv(name.c_str());
            }
        }
    }

private:
    static constexpr const char* kNames[] = {"QUIRE_LLM",         "QUIRE_MODEL",
                                             "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                                             "OPENAI_API_KEY",    "OPENAI_BASE_URL"};
    std::map<std::string, std::optional<std::string>> saved_;
};

TEST(ProviderConfig, WithoutQuireLlmItIsOffline) {
    ScopedEnvironment env({{"ANTHROPIC_API_KEY", "sk-ant-xyz"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->kind, "offline");
    auto provider = MakeProvider(*config);
    ASSERT_TRUE(provider.has_value());
    EXPECT_EQ(*provider, nullptr);
}

TEST(ProviderConfig, AnUnknownKindNamesTheVariable) {
    ScopedEnvironment env({{"QUIRE_LLM", "gemini"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(config.error().message.find("QUIRE_LLM"), std::string::npos);
    EXPECT_NE(config.error().message.find("gemini"), std::string::npos);
}

TEST(ProviderConfig, AnthropicNeedsItsKey) {
    ScopedEnvironment env({{"QUIRE_LLM", "anthropic"}, {"ANTHROPIC_BASE_URL", "http://h:1"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(config.error().message.find("ANTHROPIC_API_KEY"), std::string::npos);
}

TEST(ProviderConfig, AnthropicDefaults) {
    ScopedEnvironment env({{"QUIRE_LLM", "anthropic"}, {"ANTHROPIC_API_KEY", "sk-ant-xyz"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->kind, "anthropic");
    EXPECT_EQ(config->model, "claude-sonnet-4-5");
    EXPECT_EQ(config->api_key, "sk-ant-xyz");
    EXPECT_EQ(config->base_url, "https://api.anthropic.com");
}

TEST(ProviderConfig, BaseUrlsLoseTheirTrailingSlash) {
    ScopedEnvironment env({{"QUIRE_LLM", "anthropic"},
                           {"ANTHROPIC_API_KEY", "sk-ant-xyz"},
                           {"ANTHROPIC_BASE_URL", "http://proxy.internal:8080/anthropic/"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->base_url, "http://proxy.internal:8080/anthropic");
}

TEST(ProviderConfig, QuireModelChoosesTheModel) {
    ScopedEnvironment env(
        {{"QUIRE_LLM", "openai"}, {"OPENAI_API_KEY", "sk-abc"}, {"QUIRE_MODEL", "gpt-4.1"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->model, "gpt-4.1");
}

TEST(ProviderConfig, OpenAiDefaults) {
    ScopedEnvironment env({{"QUIRE_LLM", "openai"}, {"OPENAI_API_KEY", "sk-abc"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->kind, "openai");
    EXPECT_EQ(config->model, "gpt-4o-mini");
    EXPECT_EQ(config->base_url, "https://api.openai.com/v1");
}

TEST(ProviderConfig, OpenAiWithoutKeyOrServerNamesBothVariables) {
    ScopedEnvironment env({{"QUIRE_LLM", "openai"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(config.error().message.find("OPENAI_API_KEY"), std::string::npos);
    EXPECT_NE(config.error().message.find("OPENAI_BASE_URL"), std::string::npos);
}

TEST(ProviderConfig, ALocalOpenAiServerNeedsNoKey) {
    ScopedEnvironment env({{"QUIRE_LLM", "openai"},
                           {"OPENAI_BASE_URL", "http://localhost:11434/v1/"},
                           {"QUIRE_MODEL", "qwen2.5:7b"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->base_url, "http://localhost:11434/v1");
    EXPECT_EQ(config->api_key, "");
    auto provider = MakeProvider(*config);
    ASSERT_TRUE(provider.has_value()) << provider.error().message;
    EXPECT_EQ((*provider)->Name(), "openai");
    EXPECT_EQ((*provider)->Model(), "qwen2.5:7b");
}

TEST(ProviderConfig, ABaseUrlThatIsNotHttpNamesTheVariableAndNotTheKey) {
    ScopedEnvironment env({{"QUIRE_LLM", "openai"},
                           {"OPENAI_API_KEY", "sk-secret-value"},
                           {"OPENAI_BASE_URL", "localhost:8000/v1"}});
    auto config = ProviderConfig::FromEnvironment();
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(config.error().message.find("OPENAI_BASE_URL"), std::string::npos);
    EXPECT_EQ(config.error().message.find("sk-secret-value"), std::string::npos);
}

TEST(MakeProvider, RefusesAnUnknownKindAndAnthropicWithoutKey) {
    ProviderConfig config;
    config.kind = "mistral";
    auto unknown = MakeProvider(config);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidRequest);

    config.kind = "anthropic";
    config.model = "claude-sonnet-4-5";
    config.base_url = "https://api.anthropic.com";
    auto keyless = MakeProvider(config);
    ASSERT_FALSE(keyless.has_value());
    EXPECT_EQ(keyless.error().code, ErrorCode::kInvalidRequest);
}

TEST(Usage, AddsEveryCounter) {
    Usage total{1, 2, 3, 4};
    total += Usage{10, 20, 30, 40};
    EXPECT_EQ(total.input_tokens, 11);
    EXPECT_EQ(total.output_tokens, 22);
    EXPECT_EQ(total.cache_read_tokens, 33);
    EXPECT_EQ(total.cache_write_tokens, 44);
}

}  // namespace
}  // namespace quire::agent::llm
