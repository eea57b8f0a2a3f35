#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace quire {

// The one list of failure codes. Each maps to exactly one HTTP status in src/http/.
enum class ErrorCode {
    kInvalidRequest,       // the caller's input is wrong: 400
    kInvalidApiKey,        // missing, unknown or revoked key: 401
    kForbidden,            // a signed link that does not verify: 403
    kNotFound,             // no such object for this organisation: 404
    kMethodNotAllowed,     // known path, other method: 405
    kConflict,             // the object is not in a state for this: 409
    kRunBusy,              // the run has an active task: 409
    kRunExpired,           // the run is past its retention window: 410
    kPayloadTooLarge,      // upload over the limit: 413
    kRateLimited,          // 429
    kAgentFailed,          // the agent or a document tool failed: 502
    kProviderUnavailable,  // the model provider cannot be reached or keeps failing: 502
    kProviderAuthFailed,   // the model provider rejected the key: 502
    kProviderRateLimited,  // the model provider kept answering 429 after every retry: 502
    kStepLimit,            // the agent used up its step budget without finishing: 502
    kOutputLimit,          // the turn would produce more than the task may (cells, bytes): 502
    kWorkerLost,           // the task's worker vanished on every one of its attempts: 502
    kTimeout,              // the task ran past its deadline
    kUnavailable,          // a needed component is not running: 503
    // Exports: the office converter could not convert the document (502); no office converter
    // is installed, or its queue is full (503).
    kConversionFailed,
    kConverterUnavailable,
    kInternal,  // a bug or an unexpected environment failure: 500 (keep last)
};

// The wire name of a code, as it appears in the error envelope ("invalid_request").
std::string_view ErrorCodeName(ErrorCode code);

// The code whose wire name is `name`; kAgentFailed for a name no code has.
ErrorCode ErrorCodeFromName(std::string_view name);

// An expected failure. `message` is safe to show a client: it never holds keys, secrets or
// document contents. `detail` is for the log only.
struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    std::string detail;
};

template <typename T>
using Result = std::expected<T, Error>;

// A Result that carries no value.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string message, std::string detail = {}) {
    return std::unexpected(Error{code, std::move(message), std::move(detail)});
}

inline std::unexpected<Error> InvalidRequest(std::string message) {
    return Fail(ErrorCode::kInvalidRequest, std::move(message));
}

inline std::unexpected<Error> NotFound(std::string message) {
    return Fail(ErrorCode::kNotFound, std::move(message));
}

inline std::unexpected<Error> Internal(std::string message, std::string detail = {}) {
    return Fail(ErrorCode::kInternal, std::move(message), std::move(detail));
}

// Passes an error up unchanged: `if (!r) return Propagate(r);`
template <typename T>
std::unexpected<Error> Propagate(const Result<T>& result) {
    return std::unexpected(result.error());
}

}  // namespace quire
