#include "agent/llm/model_call.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <thread>

#include "common/log.hpp"
#include "common/utf8.hpp"

namespace quire::agent::llm {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A server may ask for any wait; a task has better things to do than sleep for an hour.
constexpr milliseconds kMaxRetryAfter{60'000};
constexpr milliseconds kMaxBackoff{30'000};
constexpr std::size_t kMaxErrorTextBytes = 300;

bool HasDeadline(const CallPolicy& policy) { return policy.deadline != Clock::time_point{}; }

bool Retryable(long status) { return status == 429 || (status >= 500 && status <= 599); }

milliseconds Backoff(int retries, milliseconds base) {
    auto wait = base;
    for (int i = 0; i < retries && wait < kMaxBackoff; ++i) wait *= 2;
    wait = std::min(wait, kMaxBackoff);
    // Jitter keeps workers that failed together from coming back together.
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::uniform_int_distribution<std::int64_t> spread(wait.count() / 2, wait.count());
    return milliseconds(spread(random));
}

milliseconds RetryWait(int retries, const CallPolicy& policy,
                       std::optional<milliseconds> retry_after) {
    if (retry_after) return std::min(*retry_after, kMaxRetryAfter);
    return Backoff(retries, policy.retry_base_delay);
}

// The time this attempt may take: the request timeout, or what is left before the deadline.
struct AttemptTime {
    milliseconds timeout;
    bool bounded_by_deadline = false;
};

std::optional<AttemptTime> TimeForAttempt(const CallPolicy& policy) {
    if (!HasDeadline(policy)) return AttemptTime{policy.request_timeout};
    auto left = std::chrono::duration_cast<milliseconds>(policy.deadline - Clock::now());
    if (left <= milliseconds::zero()) return std::nullopt;
    if (left < policy.request_timeout) return AttemptTime{left, true};
    return AttemptTime{policy.request_timeout};
}

// "no retries", "1 retry", "3 retries".
std::string Retries(int retries) {
    if (retries == 0) return "no retries";
    return fmt::format("{} {}", retries, retries == 1 ? "retry" : "retries");
}

std::unexpected<Error> PastDeadline(const CallPolicy& policy) {
    return Fail(ErrorCode::kTimeout,
                fmt::format("the call to {} ran past the task's deadline", policy.provider));
}

std::unexpected<Error> StatusError(const CallPolicy& policy, const HttpResponse& response,
                                   int retries) {
    long status = response.status;
    std::string text = ProviderErrorText(response.body, policy.secret);
    std::string suffix = text.empty() ? "" : ": " + text;
    if (status == 401 || status == 403) {
        // A 401 may quote part of the key back; none of the text goes on.
        return Fail(ErrorCode::kProviderAuthFailed,
                    fmt::format("{} rejected the API key (HTTP {})", policy.provider, status));
    }
    if (status == 429) {
        return Fail(ErrorCode::kProviderRateLimited,
                    fmt::format("{} is rate limiting Quire (HTTP 429, {}){}", policy.provider,
                                Retries(retries), suffix));
    }
    if (status >= 500) {
        return Fail(ErrorCode::kProviderUnavailable,
                    fmt::format("{} keeps failing (HTTP {}, {}){}", policy.provider, status,
                                Retries(retries), suffix));
    }
    return Fail(ErrorCode::kAgentFailed,
                fmt::format("{} refused the request (HTTP {}){}", policy.provider, status, suffix));
}

// What one attempt came to, and whether another might fare better.
struct Attempt {
    Result<CallAnswer> result;
    bool worth_retrying = false;
    long status = 0;  // 0 when no answer came
    std::optional<milliseconds> retry_after;
};

Result<CallAnswer> ReadAnswer(const CallPolicy& policy, const HttpResponse& response, int retries) {
    boost::system::error_code error;
    json::value body = json::parse(response.body, error);
    if (error || !body.is_object()) {
        return Fail(
            ErrorCode::kAgentFailed,
            fmt::format("{} answered with something that is not its JSON format", policy.provider),
            fmt::format("{} bytes, {}", response.body.size(),
                        error ? error.message() : "not an object"));
    }
    return CallAnswer{std::move(body), retries};
}

Attempt TryOnce(HttpClient& client, const HttpRequest& request, const CallPolicy& policy,
                AttemptTime time, int retries) {
    auto response = client.Send(request);
    if (response) {
        long status = response->status;
        if (status >= 200 && status <= 299) return {ReadAnswer(policy, *response, retries)};
        return {StatusError(policy, *response, retries), Retryable(status), status,
                response->retry_after};
    }
    const Error& error = response.error();
    if (error.code == ErrorCode::kTimeout) {
        if (time.bounded_by_deadline) return {PastDeadline(policy)};
        return {Fail(ErrorCode::kTimeout,
                     fmt::format("{} did not answer within {} ms", policy.provider,
                                 policy.request_timeout.count()),
                     error.detail)};
    }
    if (error.code != ErrorCode::kProviderUnavailable) return {std::unexpected(error)};
    return {Fail(ErrorCode::kProviderUnavailable,
                 fmt::format("cannot reach {} ({}): {}", policy.provider, Retries(retries),
                             error.detail),
                 error.detail),
            true};
}

bool KeyCharacter(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '*';
}

// The end of an API key that starts at `i` ("sk-…", as both vendors' keys do, masked or not),
// or `i` when none does.
std::size_t KeyEnd(std::string_view text, std::size_t i) {
    if ((i > 0 && KeyCharacter(text[i - 1])) || !text.substr(i).starts_with("sk-")) return i;
    std::size_t end = i;
    while (end < text.size() && KeyCharacter(text[end])) ++end;
    return end - i > 8 ? end : i;
}

std::string Redact(std::string_view text, std::string_view secret) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = KeyEnd(text, i);
        if (secret.size() >= 4 && text.substr(i).starts_with(secret)) {
            end = std::max(end, i + secret.size());
        }
        if (end > i) {
            out += "[redacted]";
            i = end;
            continue;
        }
        out += text[i++];
    }
    return out;
}

// One line of well-formed UTF-8, runs of white space and control bytes made one space.
std::string OneLine(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = Utf8SequenceLength(text, i);
        bool blank = length == 1 && static_cast<unsigned char>(text[i]) <= ' ';
        if (length == 0 || blank) {
            if (!out.empty() && out.back() != ' ') out += ' ';
            i += length == 0 ? 1 : length;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string Shorten(std::string text) {
    if (text.size() <= kMaxErrorTextBytes) return text;
    std::size_t cut = kMaxErrorTextBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    return text + "…";
}

std::string_view MessageOf(const json::value& body) {
    if (!body.is_object()) return {};
    const json::value* error = body.as_object().if_contains("error");
    if (error == nullptr) error = body.as_object().if_contains("message");
    if (error == nullptr) return {};
    if (error->is_string()) return error->as_string();
    if (!error->is_object()) return {};
    const json::value* message = error->as_object().if_contains("message");
    if (message == nullptr || !message->is_string()) return {};
    return message->as_string();
}

}  // namespace

std::string ProviderErrorText(std::string_view body, std::string_view secret) {
    boost::system::error_code error;
    json::value parsed = json::parse(body, error);
    if (error) return {};
    return Shorten(OneLine(Redact(MessageOf(parsed), secret)));
}

Result<CallAnswer> CallModel(HttpClient& client, HttpRequest request, const CallPolicy& policy) {
    for (int retries = 0;; ++retries) {
        auto time = TimeForAttempt(policy);
        if (!time) return PastDeadline(policy);
        request.timeout = time->timeout;

        Attempt attempt = TryOnce(client, request, policy, *time, retries);
        if (!attempt.worth_retrying || retries >= policy.max_retries) {
            return std::move(attempt.result);
        }
        milliseconds wait = RetryWait(retries, policy, attempt.retry_after);
        if (HasDeadline(policy) && Clock::now() + wait >= policy.deadline) {
            attempt.result.error().detail += "; the next try would start past the deadline";
            return std::move(attempt.result);
        }
        QUIRE_LOG_WARN("model call retry provider={} status={} retry={} wait_ms={}",
                       policy.provider, attempt.status, retries + 1, wait.count());
        std::this_thread::sleep_for(wait);
    }
}

Status ProbeEndpoint(HttpClient& client, HttpRequest request, const CallPolicy& policy) {
    request.timeout = policy.request_timeout;
    auto response = client.Send(request);
    if (!response) {
        if (response.error().code == ErrorCode::kTimeout) return Propagate(response);
        return Fail(ErrorCode::kProviderUnavailable,
                    fmt::format("cannot reach {}: {}", policy.provider, response.error().detail),
                    response.error().detail);
    }
    long status = response->status;
    if (status >= 200 && status <= 299) return {};
    if (status == 401 || status == 403) {
        return Fail(ErrorCode::kProviderAuthFailed,
                    fmt::format("{} rejected the API key (HTTP {})", policy.provider, status));
    }
    std::string text = ProviderErrorText(response->body, policy.secret);
    return Fail(ErrorCode::kProviderUnavailable,
                fmt::format("{} answered HTTP {} when asked for its models; check the base URL{}",
                            policy.provider, status, text.empty() ? "" : ": " + text));
}

CallPolicy HttpProvider::Policy(std::chrono::steady_clock::time_point deadline) const {
    return {.provider = Name(),
            .secret = config_.api_key,
            .request_timeout = config_.request_timeout,
            .max_retries = config_.max_retries,
            .retry_base_delay = config_.retry_base_delay,
            .deadline = deadline};
}

Result<Reply> HttpProvider::Complete(const Request& request) {
    Result<boost::json::object> body = Body(request);
    if (!body) return Propagate(body);
    HttpRequest http{.method = "POST",
                     .url = CompleteUrl(),
                     .headers = RequestHeaders(),
                     .body = boost::json::serialize(*body),
                     .stop_requested = request.stop_requested};
    Result<CallAnswer> answer = CallModel(client_, std::move(http), Policy(request.deadline));
    if (!answer) return Propagate(answer);
    // CallModel only answers JSON objects.
    Result<Reply> reply = ReadAnswer(answer->body.as_object());
    if (reply) reply->retries = answer->retries;
    return reply;
}

Status HttpProvider::Probe() {
    constexpr std::chrono::milliseconds kProbeTimeout{10'000};
    HttpRequest http{.method = "GET", .url = ProbeUrl(), .headers = RequestHeaders()};
    CallPolicy policy = Policy({});
    policy.request_timeout = std::min(policy.request_timeout, kProbeTimeout);
    return ProbeEndpoint(client_, std::move(http), policy);
}

}  // namespace quire::agent::llm
