// The OpenAI Chat Completions wire format, checked on the requests the fake model server received.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "provider_test_support.hpp"

namespace quire::agent::llm {
namespace {

namespace json = boost::json;
using test_support::FakeModelServer;
using testing::BodyOf;
using testing::ConfigFor;
using testing::HeaderOf;
using testing::Make;
using testing::Question;

using Role = Message::Role;

TEST(OpenAiProvider, SendsTheSystemMessageToolsAndBearerKey) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    Request request = Question("Sum column B.");
    request.tools = {testing::SetCellsTool()};
    request.max_output_tokens = 321;
    auto reply = Make(ConfigFor("openai", server))->Complete(request);
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->text, "Done.");
    EXPECT_EQ(reply->stop_reason, "end_turn");

    auto sent = server.Requests().at(0);
    EXPECT_EQ(sent.at("path").as_string(), "/v1/chat/completions");
    EXPECT_EQ(HeaderOf(sent, "authorization"), std::string("Bearer ") + testing::kTestKey);
    EXPECT_EQ(HeaderOf(sent, "x-api-key"), "");
    const json::object& body = sent.at("body").as_object();
    EXPECT_EQ(body.at("model").as_string(), "gpt-test");
    EXPECT_EQ(body.at("max_tokens").as_int64(), 321);
    EXPECT_EQ(body.at("messages"), json::parse(R"([
        {"role": "system", "content": "You edit spreadsheets."},
        {"role": "user", "content": "Sum column B."}])"));
    json::object function{{"name", "set_cells"},
                          {"description", "Writes values into cells."},
                          {"parameters", json::parse(testing::SetCellsTool().input_schema)}};
    EXPECT_EQ(body.at("tools"), (json::array{{{"type", "function"}, {"function", function}}}));
}

TEST(OpenAiProvider, ABaseUrlWithAPrefixKeepsIt) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    auto config = ConfigFor("openai", server);
    config.base_url = server.BaseUrl() + "/serving/v1";
    ASSERT_TRUE(Make(config)->Complete(Question("Hi.")).has_value());
    EXPECT_EQ(server.Requests().at(0).at("path").as_string(), "/serving/v1/chat/completions");
}

TEST(OpenAiProvider, WithoutAKeyNoAuthorizationIsSent) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor("openai", server, ""));
    ASSERT_TRUE(provider->Complete(Question("Hi.")).has_value());
    ASSERT_TRUE(provider->Probe().has_value());
    for (const auto& request : server.Requests()) {
        EXPECT_FALSE(request.at("headers").as_object().contains("authorization"));
    }
}

TEST(OpenAiProvider, ToolCallsRoundTripAsAssistantAndToolMessages) {
    FakeModelServer server(R"({"steps": [
        {"reply": {"tool_calls": [
            {"id": "call_a", "name": "read_range", "arguments": {"range": "A1:B3"}},
            {"id": "call_b", "name": "set_cells", "arguments": {"range": "C1"}}]}},
        {"reply": {"text": "Totals are in C."}}]})");
    auto provider = Make(ConfigFor("openai", server));
    Request request = Question("Add totals.");
    request.tools = {testing::ReadRangeTool(), testing::SetCellsTool()};

    auto first = provider->Complete(request);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_EQ(first->text, "");
    EXPECT_EQ(first->stop_reason, "tool_use");
    ASSERT_EQ(first->tool_calls.size(), 2u);
    EXPECT_EQ(first->tool_calls[1].id, "call_b");
    EXPECT_EQ(first->tool_calls[1].name, "set_cells");
    EXPECT_EQ(json::parse(first->tool_calls[1].arguments), json::parse(R"({"range":"C1"})"));

    request.messages.push_back({.role = Role::kAssistant, .tool_calls = first->tool_calls});
    request.messages.push_back(
        {.role = Role::kToolResult, .text = "[[1,2]]", .tool_call_id = "call_a"});
    request.messages.push_back({.role = Role::kToolResult,
                                .text = R"({"error":"C1 is locked"})",
                                .tool_call_id = "call_b",
                                .is_error = true});
    auto second = provider->Complete(request);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->text, "Totals are in C.");

    json::object body = BodyOf(server, 1);
    const auto& messages = body.at("messages").as_array();
    ASSERT_EQ(messages.size(), 5u);
    const auto& assistant = messages[2].as_object();
    EXPECT_TRUE(assistant.at("content").is_null());
    const auto& call = assistant.at("tool_calls").as_array()[0];
    EXPECT_EQ(call.at("id").as_string(), "call_a");
    EXPECT_EQ(call.at("type").as_string(), "function");
    EXPECT_EQ(call.at("function").at("name").as_string(), "read_range");
    EXPECT_EQ(call.at("function").at("arguments").as_string(), first->tool_calls[0].arguments);
    EXPECT_EQ(messages[3],
              json::parse(R"({"role":"tool","tool_call_id":"call_a","content":"[[1,2]]"})"));
    EXPECT_EQ(messages[4].at("tool_call_id").as_string(), "call_b");
}

TEST(OpenAiProvider, MalformedArgumentsPassThroughUntouched) {
    FakeModelServer server(R"({"steps": [
        {"reply": {"tool_calls": [
            {"id": "call_x", "name": "set_cells", "arguments": "{\"range\": \"C1"}]}},
        {"reply": {"text": "Fixed."}}]})");
    auto provider = Make(ConfigFor("openai", server));
    Request request = Question("Add totals.");
    request.tools = {testing::SetCellsTool()};
    auto first = provider->Complete(request);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_EQ(first->tool_calls.size(), 1u);
    EXPECT_EQ(first->tool_calls[0].arguments, R"({"range": "C1)");

    request.messages.push_back({.role = Role::kAssistant, .tool_calls = first->tool_calls});
    request.messages.push_back({.role = Role::kToolResult,
                                .text = R"({"error":"arguments are not JSON"})",
                                .tool_call_id = "call_x",
                                .is_error = true});
    ASSERT_TRUE(provider->Complete(request).has_value());
    json::object body = BodyOf(server, 1);
    const auto& call = body.at("messages").as_array()[2].at("tool_calls").as_array()[0];
    EXPECT_EQ(call.at("function").at("arguments").as_string(), R"({"range": "C1)");
}

TEST(OpenAiProvider, CachedTokensCountAsCacheReadsNotAsInput) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done.", "usage": {
        "input_tokens": 60, "cache_read_input_tokens": 40, "output_tokens": 7}}}]})");
    auto reply = Make(ConfigFor("openai", server))->Complete(Question("Hi."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->usage.input_tokens, 60);  // prompt_tokens 100 less the 40 cached
    EXPECT_EQ(reply->usage.cache_read_tokens, 40);
    EXPECT_EQ(reply->usage.cache_write_tokens, 0);
    EXPECT_EQ(reply->usage.output_tokens, 7);
}

TEST(OpenAiProvider, TheSecondCallOfAConversationReadsItsPrefixFromTheCache) {
    FakeModelServer server(
        R"({"steps": [{"reply": {"text": "One."}}, {"reply": {"text": "Two."}}]})");
    auto provider = Make(ConfigFor("openai", server));
    Request request = Question("First prompt.");
    request.tools = {testing::SetCellsTool()};
    auto first = provider->Complete(request);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_EQ(first->usage.cache_read_tokens, 0);

    request.messages.push_back({.role = Role::kAssistant, .text = first->text});
    request.messages.push_back({.role = Role::kUser, .text = "Second prompt."});
    auto second = provider->Complete(request);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->usage.cache_read_tokens, first->usage.input_tokens);
    EXPECT_GT(second->usage.input_tokens, 0);
}

TEST(OpenAiProvider, FinishReasonsMapOntoThreeNames) {
    FakeModelServer server(R"({"steps": [
        {"reply": {"text": "a", "stop_reason": "length"}},
        {"reply": {"text": "b", "stop_reason": "stop"}},
        {"reply": {"tool_calls": [{"name": "read_range", "arguments": {}}], "stop_reason": "stop"}},
        {"reply": {"text": "d", "stop_reason": "content_filter"}}]})");
    auto provider = Make(ConfigFor("openai", server));
    Request request = Question("Hi.");
    request.tools = {testing::ReadRangeTool()};
    for (const char* expected : {"max_tokens", "end_turn", "tool_use", "end_turn"}) {
        auto reply = provider->Complete(request);
        ASSERT_TRUE(reply.has_value()) << reply.error().message;
        EXPECT_EQ(reply->stop_reason, expected) << reply->text;
    }
}

TEST(OpenAiProvider, AToolCallWithoutAnIdGetsOne) {
    std::string answer = R"({"choices": [{"message": {"role": "assistant", "content": null,
        "tool_calls": [{"type": "function", "function": {"name": "read_range",
        "arguments": {"range": "A1"}}}]}, "finish_reason": "tool_calls"}]})";
    FakeModelServer server(json::serialize(json::object{{"steps", {{{"raw", answer}}}}}));
    auto reply = Make(ConfigFor("openai", server))->Complete(Question("Hi."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    ASSERT_EQ(reply->tool_calls.size(), 1u);
    EXPECT_EQ(reply->tool_calls[0].id, "call_0");
    EXPECT_EQ(json::parse(reply->tool_calls[0].arguments), json::parse(R"({"range":"A1"})"));
    EXPECT_EQ(reply->usage.input_tokens, 0);  // a server that reports no usage
}

}  // namespace
}  // namespace quire::agent::llm
