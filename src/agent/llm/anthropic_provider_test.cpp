// The Anthropic Messages wire format, checked on the requests the fake model server received.

#include <gtest/gtest.h>

#include <fmt/format.h>
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

// Where cache_control marks sit in a request body: "tools[1]", "system[0]", "messages[2][0]".
std::vector<std::string> CacheMarks(const json::object& body) {
    std::vector<std::string> marks;
    auto scan = [&](std::string_view name, const json::value* list) {
        if (list == nullptr) return;
        for (std::size_t i = 0; i < list->as_array().size(); ++i) {
            if (list->as_array()[i].as_object().contains("cache_control")) {
                marks.push_back(fmt::format("{}[{}]", name, i));
            }
        }
    };
    scan("tools", body.if_contains("tools"));
    scan("system", body.if_contains("system"));
    const auto& messages = body.at("messages").as_array();
    for (std::size_t m = 0; m < messages.size(); ++m) {
        scan(fmt::format("messages[{}]", m), &messages[m].at("content"));
    }
    return marks;
}

// A conversation of `turns` earlier user/assistant exchanges and a new prompt.
Request Conversation(int turns) {
    Request request = Question("First prompt.");
    request.tools = {testing::ReadRangeTool(), testing::SetCellsTool()};
    for (int i = 0; i < turns; ++i) {
        request.messages.push_back(
            {.role = Role::kAssistant, .text = fmt::format("Answer {}.", i)});
        request.messages.push_back({.role = Role::kUser, .text = fmt::format("Prompt {}.", i)});
    }
    return request;
}

TEST(AnthropicProvider, SendsHeadersSystemBlocksAndToolSchemas) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Question("Sum column B.");
    request.tools = {testing::ReadRangeTool(), testing::SetCellsTool()};
    request.max_output_tokens = 1234;
    auto reply = provider->Complete(request);
    ASSERT_TRUE(reply.has_value()) << reply.error().message;

    auto sent = server.Requests().at(0);
    EXPECT_EQ(sent.at("path").as_string(), "/v1/messages");
    EXPECT_EQ(HeaderOf(sent, "x-api-key"), testing::kTestKey);
    EXPECT_EQ(HeaderOf(sent, "anthropic-version"), "2023-06-01");
    EXPECT_EQ(HeaderOf(sent, "content-type"), "application/json");
    EXPECT_EQ(HeaderOf(sent, "authorization"), "");

    const json::object& body = sent.at("body").as_object();
    EXPECT_EQ(body.at("model").as_string(), "claude-test");
    EXPECT_EQ(body.at("max_tokens").as_int64(), 1234);
    EXPECT_EQ(body.at("system"), json::parse(R"([{"type": "text",
        "text": "You edit spreadsheets.", "cache_control": {"type": "ephemeral"}}])"));
    const auto& tools = body.at("tools").as_array();
    ASSERT_EQ(tools.size(), 2u);
    EXPECT_EQ(tools[1].at("name").as_string(), "set_cells");
    EXPECT_EQ(tools[1].at("description").as_string(), "Writes values into cells.");
    EXPECT_EQ(tools[1].at("input_schema"), json::parse(testing::SetCellsTool().input_schema));
    EXPECT_EQ(body.at("messages"), json::parse(R"([{"role": "user", "content": [{"type": "text",
        "text": "Sum column B.", "cache_control": {"type": "ephemeral"}}]}])"));
}

TEST(AnthropicProvider, ToolCallsComeBackAndTheirResultsShareOneUserMessage) {
    FakeModelServer server(R"({"steps": [
        {"reply": {"text": "Let me look.", "tool_calls": [
            {"id": "toolu_1", "name": "read_range", "arguments": {"range": "A1:B3"}},
            {"id": "toolu_2", "name": "set_cells",
             "arguments": {"range": "C1", "values": [1.5]}}]}},
        {"reply": {"text": "Column C holds the totals."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Question("Add totals.");
    request.tools = {testing::ReadRangeTool(), testing::SetCellsTool()};

    auto first = provider->Complete(request);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_EQ(first->text, "Let me look.");
    EXPECT_EQ(first->stop_reason, "tool_use");
    ASSERT_EQ(first->tool_calls.size(), 2u);
    EXPECT_EQ(first->tool_calls[0].id, "toolu_1");
    EXPECT_EQ(first->tool_calls[0].name, "read_range");
    EXPECT_EQ(json::parse(first->tool_calls[0].arguments), json::parse(R"({"range":"A1:B3"})"));
    EXPECT_EQ(json::parse(first->tool_calls[1].arguments),
              json::parse(R"({"range":"C1","values":[1.5]})"));

    request.messages.push_back(
        {.role = Role::kAssistant, .text = "", .tool_calls = first->tool_calls});
    request.messages.push_back(
        {.role = Role::kToolResult, .text = R"({"cells":[[1,2]]})", .tool_call_id = "toolu_1"});
    request.messages.push_back({.role = Role::kToolResult,
                                .text = R"({"error":"C1 is locked"})",
                                .tool_call_id = "toolu_2",
                                .is_error = true});
    auto second = provider->Complete(request);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->text, "Column C holds the totals.");
    EXPECT_EQ(second->stop_reason, "end_turn");

    json::object body = BodyOf(server, 1);
    const auto& messages = body.at("messages").as_array();
    ASSERT_EQ(messages.size(), 3u);
    const auto& assistant = messages[1].at("content").as_array();
    ASSERT_EQ(assistant.size(), 2u);  // no empty text block
    EXPECT_EQ(assistant[0].at("type").as_string(), "tool_use");
    EXPECT_EQ(assistant[0].at("input"), json::parse(R"({"range":"A1:B3"})"));
    EXPECT_EQ(messages[2].at("role").as_string(), "user");
    const auto& results = messages[2].at("content").as_array();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].at("type").as_string(), "tool_result");
    EXPECT_EQ(results[0].at("tool_use_id").as_string(), "toolu_1");
    EXPECT_EQ(results[0].at("content").as_string(), R"({"cells":[[1,2]]})");
    EXPECT_FALSE(results[0].as_object().contains("is_error"));
    EXPECT_EQ(results[1].at("tool_use_id").as_string(), "toolu_2");
    EXPECT_EQ(results[1].at("is_error"), json::value(true));
}

TEST(AnthropicProvider, MalformedArgumentsGoBackAsAnEmptyInput) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Sorry."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Question("Add totals.");
    request.messages.push_back(
        {.role = Role::kAssistant, .tool_calls = {{"toolu_9", "set_cells", R"({"range": "C1)"}}});
    request.messages.push_back({.role = Role::kToolResult,
                                .text = R"({"error":"arguments are not JSON"})",
                                .tool_call_id = "toolu_9",
                                .is_error = true});
    auto reply = provider->Complete(request);
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    json::object body = BodyOf(server, 0);
    const auto& call = body.at("messages").as_array()[1].at("content").as_array()[0];
    EXPECT_EQ(call.at("input"), json::object());
}

TEST(AnthropicProvider, MarksTheToolsSystemStableHistoryAndLastMessage) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Conversation(2);  // five messages
    request.stable_messages = 3;
    ASSERT_TRUE(provider->Complete(request).has_value());
    EXPECT_EQ(
        CacheMarks(BodyOf(server, 0)),
        (std::vector<std::string>{"tools[1]", "system[0]", "messages[2][0]", "messages[4][0]"}));
}

TEST(AnthropicProvider, AStableHistoryOfTheWholeRequestIsMarkedOnce) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Conversation(1);
    request.stable_messages = request.messages.size();
    ASSERT_TRUE(provider->Complete(request).has_value());
    EXPECT_EQ(CacheMarks(BodyOf(server, 0)),
              (std::vector<std::string>{"tools[1]", "system[0]", "messages[2][0]"}));
}

TEST(AnthropicProvider, TheStableMarkFallsOnTheLastBlockOfMergedToolResults) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Question("Add totals.");
    request.messages.push_back(
        {.role = Role::kAssistant,
         .text = "Reading.",
         .tool_calls = {{"a", "read_range", "{}"}, {"b", "read_range", "{}"}}});
    request.messages.push_back({.role = Role::kToolResult, .text = "1", .tool_call_id = "a"});
    request.messages.push_back({.role = Role::kToolResult, .text = "2", .tool_call_id = "b"});
    request.messages.push_back({.role = Role::kAssistant, .text = "Both read."});
    request.messages.push_back({.role = Role::kUser, .text = "Now chart them."});
    request.stable_messages = 4;  // through the second tool result
    ASSERT_TRUE(provider->Complete(request).has_value());
    EXPECT_EQ(CacheMarks(BodyOf(server, 0)),
              (std::vector<std::string>{"system[0]", "messages[2][1]", "messages[4][0]"}));
}

TEST(AnthropicProvider, TheSecondCallOfATurnReadsWhatTheFirstWroteToTheCache) {
    FakeModelServer server(R"({"steps": [
        {"reply": {"tool_calls": [
            {"id": "t1", "name": "read_range", "arguments": {"range": "A1"}}]}},
        {"reply": {"text": "Done."}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    Request request = Conversation(1);

    auto first = provider->Complete(request);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_GT(first->usage.cache_write_tokens, 0);
    EXPECT_EQ(first->usage.cache_read_tokens, 0);
    EXPECT_GT(first->usage.output_tokens, 0);

    request.messages.push_back({.role = Role::kAssistant, .tool_calls = first->tool_calls});
    request.messages.push_back({.role = Role::kToolResult, .text = "[[42]]", .tool_call_id = "t1"});
    auto second = provider->Complete(request);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->usage.cache_read_tokens,
              first->usage.cache_write_tokens + first->usage.input_tokens);
    EXPECT_GT(second->usage.cache_write_tokens, 0);
}

TEST(AnthropicProvider, UsageFieldsArrivedAsTheServerCountedThem) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done.", "usage": {
        "input_tokens": 17, "output_tokens": 5, "cache_read_input_tokens": 1200,
        "cache_creation_input_tokens": 300}}}]})");
    auto reply = Make(ConfigFor("anthropic", server))->Complete(Question("Hi."));
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->usage.input_tokens, 17);
    EXPECT_EQ(reply->usage.output_tokens, 5);
    EXPECT_EQ(reply->usage.cache_read_tokens, 1200);
    EXPECT_EQ(reply->usage.cache_write_tokens, 300);
}

TEST(AnthropicProvider, StopReasonsMapOntoThreeNames) {
    FakeModelServer server(R"({"steps": [
        {"reply": {"text": "a", "stop_reason": "max_tokens"}},
        {"reply": {"text": "b", "stop_reason": "stop_sequence"}},
        {"reply": {"text": "c", "stop_reason": "refusal"}},
        {"reply": {"text": "d", "stop_reason": "end_turn"}}]})");
    auto provider = Make(ConfigFor("anthropic", server));
    for (const char* expected : {"max_tokens", "end_turn", "end_turn", "end_turn"}) {
        auto reply = provider->Complete(Question("Hi."));
        ASSERT_TRUE(reply.has_value()) << reply.error().message;
        EXPECT_EQ(reply->stop_reason, expected) << reply->text;
    }
}

TEST(AnthropicProvider, AToolSchemaThatIsNotJsonFailsBeforeSending) {
    FakeModelServer server(R"({"steps": [{"reply": {"text": "Done."}}]})");
    Request request = Question("Hi.");
    request.tools = {{"broken", "A tool.", "{not json"}};
    auto reply = Make(ConfigFor("anthropic", server))->Complete(request);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, ErrorCode::kInternal);
    EXPECT_TRUE(server.Requests().empty());
}

}  // namespace
}  // namespace quire::agent::llm
