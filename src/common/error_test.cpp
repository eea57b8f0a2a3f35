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

// A sync call whose task ran out of attempts answered agent_failed, hiding why.
TEST(ErrorCodeNames, ALostWorkerIsNoAgentFailure) {
    EXPECT_EQ(ErrorCodeFromName("worker_lost"), ErrorCode::kWorkerLost);
    EXPECT_EQ(ErrorCodeName(ErrorCode::kWorkerLost), "worker_lost");
}

TEST(ErrorCodeNames, AnUnknownNameIsAnAgentFailure) {
    EXPECT_EQ(ErrorCodeFromName("no_such_code"), ErrorCode::kAgentFailed);
}

}  // namespace
}  // namespace quire
