#pragma once

// What both wire formats share: sending one model request with retries, backoff and the
// deadline, turning HTTP statuses into Quire's error codes, and reading the JSON answer.

#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "agent/llm/http_client.hpp"
#include "common/error.hpp"

namespace quire::agent::llm {

struct CallPolicy {
    std::string_view provider;  // "anthropic" or "openai", for messages
    std::string_view secret;    // the API key, scrubbed from any provider text passed on
    std::chrono::milliseconds request_timeout{120'000};
    int max_retries = 4;
    std::chrono::milliseconds retry_base_delay{500};
    std::chrono::steady_clock::time_point deadline;  // time_point{}: none
};

struct CallAnswer {
    boost::json::value body;
    int retries = 0;
};

// Sends `request` (its timeout is set from the policy) and reads the answer as JSON. A 429, 529 or
// 5xx answer and a failed connection are tried again, up to `max_retries` times, after the wait the
// server asked for in `retry-after` (at most a minute) or else an exponential backoff with jitter;
// a wait that would end past the deadline is not begun. Failures: kProviderAuthFailed (401, 403),
// kProviderRateLimited (429 to the end), kProviderUnavailable (5xx or no connection to the end),
// kTimeout (the request timeout or the deadline passed), kAgentFailed (another status, or a body
// that is not JSON).
[[nodiscard]] Result<CallAnswer> CallModel(HttpClient& client, HttpRequest request,
                                           const CallPolicy& policy);

// One GET of the models endpoint, no retries: ok for any 2xx, kProviderAuthFailed for 401 and 403,
// kProviderUnavailable for anything else, kTimeout when the request timeout passed.
[[nodiscard]] Status ProbeEndpoint(HttpClient& client, HttpRequest request,
                                   const CallPolicy& policy);

// The message of a provider's error answer (`{"error": {"message": ...}}` or `{"error": ...}`),
// on one line, at most 300 bytes, with `secret` and anything shaped like an API key replaced by
// "[redacted]"; empty when the body carries no message.
[[nodiscard]] std::string ProviderErrorText(std::string_view body, std::string_view secret);

}  // namespace quire::agent::llm
