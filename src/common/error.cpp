#include "common/error.hpp"

namespace quire {

std::string_view ErrorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidRequest:
            return "invalid_request";
        case ErrorCode::kInvalidApiKey:
            return "invalid_api_key";
        case ErrorCode::kForbidden:
            return "forbidden";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kMethodNotAllowed:
            return "method_not_allowed";
        case ErrorCode::kConflict:
            return "conflict";
        case ErrorCode::kRunBusy:
            return "run_busy";
        case ErrorCode::kRunExpired:
            return "run_expired";
        case ErrorCode::kPayloadTooLarge:
            return "payload_too_large";
        case ErrorCode::kRateLimited:
            return "rate_limited";
        case ErrorCode::kAgentFailed:
            return "agent_failed";
        case ErrorCode::kProviderUnavailable:
            return "provider_unavailable";
        case ErrorCode::kProviderAuthFailed:
            return "provider_auth_failed";
        case ErrorCode::kProviderRateLimited:
            return "provider_rate_limited";
        case ErrorCode::kStepLimit:
            return "step_limit";
        case ErrorCode::kOutputLimit:
            return "output_limit";
        case ErrorCode::kWorkerLost:
            return "worker_lost";
        case ErrorCode::kTimeout:
            return "timeout";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kConversionFailed:
            return "conversion_failed";
        case ErrorCode::kConverterUnavailable:
            return "converter_unavailable";
        case ErrorCode::kInternal:
            return "internal_error";
    }
    return "internal_error";
}

ErrorCode ErrorCodeFromName(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
        auto code = static_cast<ErrorCode>(i);
        if (ErrorCodeName(code) == name) return code;
    }
    return ErrorCode::kAgentFailed;
}

}  // namespace quire
