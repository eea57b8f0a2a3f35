#pragma once

// OpenAI's Chat Completions API (POST {base}/chat/completions), as OpenAI, vLLM, llama.cpp server
// and Ollama speak it.

#include <memory>

#include "agent/llm/provider.hpp"

namespace quire::agent::llm {

// Needs config.base_url set; an empty config.api_key sends no Authorization header.
std::unique_ptr<Provider> MakeOpenAiProvider(ProviderConfig config);

}  // namespace quire::agent::llm
