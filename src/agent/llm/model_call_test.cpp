// Retries, backoff, deadlines and error codes, the same for both wire formats: each test runs a
// real provider against the fake model server over loopback.

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "agent/llm/model_call.hpp"
#include "common/utf8.hpp"
#include "provider_test_support.hpp"

namespace quire::agent::llm {
namespace {

using std::chrono::milliseconds;
using test_support::FakeModelServer;
using testing::ConfigFor;
using testing::Make;
using testing::Question;

class ModelCall : public ::testing::TestWithParam<std::string> {
protected:
    std::string kind() const { return GetParam(); }
};

// A loopback port nothing listens on: bound once to learn a free number, then closed.
int ClosedPort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

TEST_P(ModelCall, RateLimitWithRetryAfterIsRetriedAndCounted) {
    FakeModelServer server(R"({"steps": [
        {"status": 429, "headers": {"retry-after-ms": "20"}, "body": "slow down"},
        {"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->text, "Done.");
    EXPECT_EQ(reply->retries, 1);
    EXPECT_EQ(server.Requests().size(), 2u);
}

TEST_P(ModelCall, RetryAfterInWholeSecondsIsHonoured) {
    FakeModelServer server(R"({"steps": [
        {"status": 429, "retry_after": 1},
        {"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->retries, 1);
}

TEST_P(ModelCall, RetryAfterPastTheDeadlineGivesUpWithoutWaiting) {
    // Were retry-after ignored, the quick backoff would reach the reply of the second step.
    FakeModelServer server(R"({"steps": [
        {"status": 429, "retry_after": 30},
        {"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    Request request = Question("Sum column B.");
    request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto reply = provider->Complete(request);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kProviderRateLimited);
    EXPECT_EQ(server.Requests().size(), 1u);
}

TEST_P(ModelCall, OverloadedAndUnavailableAreRetried) {
    FakeModelServer server(R"({"steps": [
        {"status": 529, "body": "Overloaded"},
        {"status": 503},
        {"status": 500},
        {"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->retries, 3);
}

TEST_P(ModelCall, ServerErrorsToTheEndAreProviderUnavailable) {
    FakeModelServer server(R"({"after_last": "repeat", "steps": [{"status": 503}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kProviderUnavailable);
    EXPECT_EQ(server.Requests().size(), 4u);  // the first try and max_retries = 3
}

TEST_P(ModelCall, PersistentRateLimitIsProviderRateLimited) {
    FakeModelServer server(R"({"after_last": "repeat", "steps": [{"status": 429}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kProviderRateLimited);
    EXPECT_EQ(server.Requests().size(), 4u);
}

TEST_P(ModelCall, RejectedKeyIsAuthFailedWithoutRetry) {
    FakeModelServer server(R"({"api_key": "the-right-key", "steps": [{"reply": {"text": "x"}}]})");
    auto provider = Make(ConfigFor(kind(), server, "sk-wrong-key-123456"));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kProviderAuthFailed);
    EXPECT_EQ(ErrorCodeName(reply.error().code), "provider_auth_failed");
    EXPECT_EQ(server.Requests().size(), 1u);
    EXPECT_EQ(reply.error().message.find("sk-wrong-key-123456"), std::string::npos);
}

TEST_P(ModelCall, ForbiddenIsAuthFailed) {
    FakeModelServer server(R"({"steps": [{"status": 403}, {"reply": {"text": "x"}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kProviderAuthFailed);
    EXPECT_EQ(server.Requests().size(), 1u);
}

TEST_P(ModelCall, BadRequestIsNotRetriedAndSaysWhy) {
    FakeModelServer server(R"({"steps": [
        {"status": 400, "body": "max_tokens: 99999 > 64000, the maximum for this model"},
        {"reply": {"text": "x"}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kAgentFailed);
    EXPECT_NE(reply.error().message.find("HTTP 400"), std::string::npos);
    EXPECT_NE(reply.error().message.find("max_tokens: 99999 > 64000"), std::string::npos);
    EXPECT_EQ(server.Requests().size(), 1u);
}

TEST_P(ModelCall, ErrorTextNeverCarriesTheKey) {
    std::string script = R"({"steps": [{"status": 404, "body": "no model for key )" +
                         std::string(testing::kTestKey) +
                         R"( or 'sk-other-abcdefgh1234', not sk-"}]})";
    FakeModelServer server(script);
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().message.find(testing::kTestKey), std::string::npos);
    EXPECT_EQ(reply.error().message.find("sk-other"), std::string::npos);
    EXPECT_NE(reply.error().message.find("'[redacted]', not sk-"), std::string::npos);
}

TEST_P(ModelCall, AnAnswerSlowerThanTheRequestTimeoutIsTimeout) {
    FakeModelServer server(R"({"steps": [{"delay_ms": 3000, "reply": {"text": "late"}}]})");
    auto config = ConfigFor(kind(), server);
    config.request_timeout = milliseconds(300);
    auto reply = Make(config)->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kTimeout);
    EXPECT_EQ(server.Requests().size(), 1u);
}

TEST_P(ModelCall, AnAnswerPastTheDeadlineIsTimeout) {
    FakeModelServer server(R"({"steps": [{"delay_ms": 3000, "reply": {"text": "late"}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    Request request = Question("Sum column B.");
    request.deadline = std::chrono::steady_clock::now() + milliseconds(300);
    auto reply = provider->Complete(request);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kTimeout);
    EXPECT_NE(reply.error().message.find("deadline"), std::string::npos);
}

TEST_P(ModelCall, ADeadlineAlreadyPassedSendsNothing) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "x"}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    Request request = Question("Sum column B.");
    request.deadline = std::chrono::steady_clock::now() - milliseconds(1);
    auto reply = provider->Complete(request);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kTimeout);
    EXPECT_TRUE(server.Requests().empty());
}

TEST_P(ModelCall, AnUnreachableServerIsProviderUnavailable) {
    FakeModelServer server(R"({"steps": []})");
    auto config = ConfigFor(kind(), server);
    std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort());
    config.base_url = kind() == "anthropic" ? url : url + "/v1";
    config.max_retries = 2;
    auto reply = Make(config)->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kProviderUnavailable);
    EXPECT_NE(reply.error().message.find("2 retries"), std::string::npos);
}

TEST_P(ModelCall, ADroppedConnectionIsRetried) {
    FakeModelServer server(R"({"steps": [{"drop": true}, {"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->text, "Done.");
    EXPECT_EQ(reply->retries, 1);
}

TEST_P(ModelCall, AnAnswerThatIsNotJsonIsAgentFailed) {
    FakeModelServer server(
        R"({"steps": [{"raw": "<html>gateway</html>"}, {"reply": {"text": "x"}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kAgentFailed);
    EXPECT_EQ(server.Requests().size(), 1u);
}

TEST_P(ModelCall, JsonOfAnotherShapeIsAgentFailed) {
    FakeModelServer server(R"({"steps": [{"raw": "{\"result\": \"ok\"}"}]})");
    auto provider = Make(ConfigFor(kind(), server));
    auto reply = provider->Complete(Question("Sum column B."));
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kAgentFailed);
}

TEST_P(ModelCall, ProbeSucceedsWithTheRightKey) {
    FakeModelServer server(std::string(R"({"api_key": ")") + testing::kTestKey +
                           R"(", "steps": []})");
    auto provider = Make(ConfigFor(kind(), server));
    auto status = provider->Probe();
    EXPECT_TRUE(status.has_value()) << status.error().message;
    auto requests = server.Requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].at("method").as_string(), "GET");
    EXPECT_TRUE(requests[0].at("path").as_string().starts_with("/v1/models"));
}

TEST_P(ModelCall, ProbeWithAWrongKeyIsAuthFailed) {
    FakeModelServer server(R"({"api_key": "the-right-key", "steps": []})");
    auto status = Make(ConfigFor(kind(), server, "sk-wrong-key-123456"))->Probe();
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kProviderAuthFailed);
}

TEST_P(ModelCall, ProbeOfAnUnreachableServerIsProviderUnavailable) {
    FakeModelServer server(R"({"steps": []})");
    auto config = ConfigFor(kind(), server);
    config.base_url = "http://127.0.0.1:" + std::to_string(ClosedPort());
    auto status = Make(config)->Probe();
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kProviderUnavailable);
}

TEST_P(ModelCall, ProbeOfAServerWithoutAModelsListIsProviderUnavailable) {
    FakeModelServer server(R"({"models": null, "steps": []})");
    auto status = Make(ConfigFor(kind(), server))->Probe();
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kProviderUnavailable);
    EXPECT_NE(status.error().message.find("404"), std::string::npos);
}

TEST_P(ModelCall, OneProviderServesSeveralThreadsAtOnce) {
    FakeModelServer server(R"({"after_last": "repeat", "steps": [{"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor(kind(), server));
    constexpr int kThreads = 4;
    constexpr int kCallsEach = 5;
    std::atomic<int> answered = 0;
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < kCallsEach; ++i) {
                    auto reply = provider->Complete(Question("Sum column B."));
                    if (reply && reply->text == "Done.") ++answered;
                }
            });
        }
    }
    EXPECT_EQ(answered, kThreads * kCallsEach);
    EXPECT_EQ(server.Requests().size(), static_cast<std::size_t>(kThreads * kCallsEach));
}

INSTANTIATE_TEST_SUITE_P(BothWireFormats, ModelCall, ::testing::Values("anthropic", "openai"),
                         [](const auto& info) { return info.param; });

TEST(ProviderErrorText, ReadsBothEnvelopesAndTheBareForm) {
    EXPECT_EQ(ProviderErrorText(R"({"type":"error","error":{"type":"x","message":"bad"}})", ""),
              "bad");
    EXPECT_EQ(ProviderErrorText(R"({"error":{"message":"worse","code":null}})", ""), "worse");
    EXPECT_EQ(ProviderErrorText(R"({"error":"model 'llama9' not found"})", ""),
              "model 'llama9' not found");
    EXPECT_EQ(ProviderErrorText("<html>502 Bad Gateway</html>", ""), "");
}

TEST(ProviderErrorText, IsOneShortLine) {
    std::string long_message(1000, 'x');
    std::string text = ProviderErrorText(
        R"({"error":{"message":"line one\nline two\t)" + long_message + R"("}})", "");
    EXPECT_TRUE(text.starts_with("line one line two x"));
    EXPECT_LE(text.size(), 310u);
    EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(ProviderErrorText, ACutNeverSplitsACharacter) {
    std::string message = std::string(299, 'a') + "é and more";
    std::string text = ProviderErrorText(R"({"error":{"message":")" + message + R"("}})", "");
    EXPECT_TRUE(IsValidUtf8(text));
}

}  // namespace
}  // namespace quire::agent::llm
