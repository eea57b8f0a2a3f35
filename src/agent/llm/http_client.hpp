#pragma once

// The model providers' one way onto the network: a blocking HTTP/1.1 exchange over libcurl, kept
// behind this header so that nothing else sees curl.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace quire::agent::llm {

struct HttpRequest {
    std::string method = "POST";  // "GET" or "POST"
    std::string url;
    // Sent as given. Values may be secrets (an API key): they are never logged or put into errors.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // POST only
    std::chrono::milliseconds timeout{30'000};
    // Asked while the exchange is in flight (a few times a second); true abandons it with
    // kConflict. May be empty.
    std::function<bool()> stop_requested;
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    // How long the server asked the client to wait: `retry-after-ms`, else `retry-after` (seconds
    // or an HTTP date). nullopt when it sent neither.
    std::optional<std::chrono::milliseconds> retry_after;

    // The value of the first header named `name` (lower case), or nullopt.
    [[nodiscard]] std::optional<std::string> Header(std::string_view name) const;
};

// Sends requests and keeps their connections open for the next one to the same server. Send may
// be called from several threads at once.
class HttpClient {
public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Any HTTP status is a response, not an error. Failures: kTimeout when `request.timeout`
    // passed before the answer was complete; kProviderUnavailable when the server could not be
    // reached or broke the exchange off; kAgentFailed for an answer larger than the client takes.
    [[nodiscard]] Result<HttpResponse> Send(const HttpRequest& request);

private:
    struct Handles;
    std::unique_ptr<Handles> handles_;
};

}  // namespace quire::agent::llm
