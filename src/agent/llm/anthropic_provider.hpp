#pragma once

// Anthropic's Messages API (POST {base}/v1/messages) with tool use and prompt caching.

#include <memory>

#include "agent/llm/provider.hpp"

namespace quire::agent::llm {

// Needs config.api_key and config.base_url set (MakeProvider checks them).
std::unique_ptr<Provider> MakeAnthropicProvider(ProviderConfig config);

}  // namespace quire::agent::llm
