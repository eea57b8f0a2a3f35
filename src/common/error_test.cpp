#include <gtest/gtest.h>

#include "common/error.hpp"

namespace quire {
namespace {

TEST(ErrorCodeNames, EveryCodeComesBackFromItsWireName) {
    for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
        auto code = static_cast<ErrorCode>(i);
        EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(code)), code) << ErrorCodeName(code);
    }
}

TEST(ErrorCodeNames, ProviderFailuresHaveTheirOwnNames) {
    EXPECT_EQ(ErrorCodeName(ErrorCode::kProviderAuthFailed), "provider_auth_failed");
    EXPECT_EQ(ErrorCodeName(ErrorCode::kStepLimit), "step_limit");
    EXPECT_EQ(ErrorCodeFromName("provider_rate_limited"), ErrorCode::kProviderRateLimited);
}

TEST(ErrorCodeNames, AnUnknownNameIsAnAgentFailure) {
    EXPECT_EQ(ErrorCodeFromName("no_such_code"), ErrorCode::kAgentFailed);
}

}  // namespace
}  // namespace quire
