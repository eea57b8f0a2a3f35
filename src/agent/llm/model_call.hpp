#pragma once

// What both wire formats share: sending one model request with retries, backoff and the
// deadline, turning HTTP statuses into Quire's error codes, and reading the JSON answer.

#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/llm/http_client.hpp"
#include "agent/llm/provider.hpp"
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

// A provider whose wire format is JSON over HTTP. The wire format gives its URLs, headers, the
// request body and how to read an answer; sending with retries and probing are the same for all.
class HttpProvider : public Provider {
public:
    explicit HttpProvider(ProviderConfig config) : config_(std::move(config)) {}

    const std::string& Model() const override { return config_.model; }
    Result<Reply> Complete(const Request& request) final;
    Status Probe() final;

protected:
    using Headers = std::vector<std::pair<std::string, std::string>>;

    const ProviderConfig& config() const { return config_; }
    virtual std::string CompleteUrl() const = 0;
    // A request that costs nothing and needs the same key as a model call.
    virtual std::string ProbeUrl() const = 0;
    virtual Headers RequestHeaders() const = 0;
    virtual Result<boost::json::object> Body(const Request& request) const = 0;
    virtual Result<Reply> ReadAnswer(const boost::json::object& answer) const = 0;

private:
    CallPolicy Policy(std::chrono::steady_clock::time_point deadline) const;

    // Set once at construction.
    const ProviderConfig config_;
    // Thread-safe.
    HttpClient client_;
};

}  // namespace quire::agent::llm
