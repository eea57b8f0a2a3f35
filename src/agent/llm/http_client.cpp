#include "agent/llm/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>

namespace quire::agent::llm {
namespace {

// A model's answer is a few kilobytes; this only stops a broken server from filling memory.
constexpr std::size_t kMaxBodyBytes = 32u << 20;
constexpr std::chrono::milliseconds kMaxConnectTime{10'000};
constexpr std::size_t kMaxIdleHandles = 8;

struct Exchange {
    HttpResponse response;
    bool body_too_large = false;
};

std::string Lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* exchange = static_cast<Exchange*>(user);
    size_t bytes = size * count;
    if (exchange->response.body.size() + bytes > kMaxBodyBytes) {
        exchange->body_too_large = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    exchange->response.body.append(data, bytes);
    return bytes;
}

// curl's progress callback: a non-zero answer abandons the transfer.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* stop_requested = static_cast<const std::function<bool()>*>(user);
    return (*stop_requested)() ? 1 : 0;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* exchange = static_cast<Exchange*>(user);
    std::string_view line(data, size * count);
    // A status line starts the headers of a new response (after a 100 Continue, say).
    if (line.starts_with("HTTP/")) {
        exchange->response.headers.clear();
        return line.size();
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        exchange->response.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                                std::string(Trim(line.substr(colon + 1))));
    }
    return line.size();
}

std::optional<std::chrono::milliseconds> RetryAfter(CURL* curl, const HttpResponse& response) {
    if (auto ms = response.Header("retry-after-ms")) {
        double value = 0;
        auto [end, error] = std::from_chars(ms->data(), ms->data() + ms->size(), value);
        if (error == std::errc{} && value >= 0) {
            return std::chrono::milliseconds(static_cast<std::int64_t>(value));
        }
    }
    if (!response.Header("retry-after")) return std::nullopt;
    // curl reads both forms of the header (RFC 9110 §10.2.3): delay seconds and an HTTP date.
    curl_off_t seconds = 0;
    if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK || seconds < 0) {
        return std::nullopt;
    }
    return std::chrono::seconds(seconds);
}

// Whether the attempt timed out before a connection stood, which says more about the server
// being unreachable than about it being slow.
bool NeverConnected(CURL* curl) {
    curl_off_t connect_time = 0;
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time);
    return connect_time == 0;
}

std::once_flag curl_initialized;

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

// Idle easy handles: each keeps its connection cache, so the next request to the same server
// skips the TCP and TLS handshakes.
struct HttpClient::Handles {
    std::mutex mu;
    std::vector<CURL*> idle;  // guarded by mu

    CURL* Take() {
        {
            std::lock_guard lock(mu);
            if (!idle.empty()) {
                CURL* curl = idle.back();
                idle.pop_back();
                return curl;
            }
        }
        return curl_easy_init();
    }

    void Give(CURL* curl) {
        std::lock_guard lock(mu);
        if (idle.size() < kMaxIdleHandles) {
            idle.push_back(curl);
            return;
        }
        curl_easy_cleanup(curl);
    }

    ~Handles() {
        for (CURL* curl : idle) curl_easy_cleanup(curl);
    }
};

HttpClient::HttpClient() : handles_(std::make_unique<Handles>()) {
    std::call_once(curl_initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
    CURL* curl = handles_->Take();
    if (curl == nullptr) return Internal("cannot start an HTTP request", "curl_easy_init failed");
    curl_easy_reset(curl);

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
        headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    // Without this curl waits for a "100 Continue" before sending a large body.
    headers = curl_slist_append(headers, "Expect:");

    Exchange exchange;
    auto connect_time = std::min(request.timeout, kMaxConnectTime);
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_time.count()));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "quire");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
    if (request.stop_requested) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &request.stop_requested);
    }
    if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }

    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.response.status);
        exchange.response.retry_after = RetryAfter(curl, exchange.response);
    }
    bool never_connected = NeverConnected(curl);
    handles_->Give(curl);

    if (code == CURLE_OK) return std::move(exchange.response);
    std::string reason = curl_easy_strerror(code);
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        return Fail(ErrorCode::kConflict, "the model call was abandoned: the task was stopped");
    }
    if (exchange.body_too_large) {
        return Fail(ErrorCode::kAgentFailed, "the model provider's answer is too large", reason);
    }
    if (code == CURLE_OPERATION_TIMEDOUT && !(never_connected && connect_time < request.timeout)) {
        return Fail(ErrorCode::kTimeout, "the model provider did not answer in time", reason);
    }
    return Fail(ErrorCode::kProviderUnavailable, "cannot reach the model provider: " + reason,
                reason);
}

}  // namespace quire::agent::llm
