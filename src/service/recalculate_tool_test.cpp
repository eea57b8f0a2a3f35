// The model agent's recalculate tool over a real LibreOffice pool, as `quire serve` wires it:
// a scripted model writes a division by zero, recalculates, sees the error at its cell, fixes it
// and reads the computed value back.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "agent/llm/provider.hpp"
#include "agent/model_agent.hpp"
#include "convert/office_pool.hpp"
#include "fake_model_server.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "service/recalculating_agent.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::service {
namespace {
namespace json = boost::json;
using test_support::FakeModelServer;

std::shared_ptr<agent::llm::Provider> Provider(const FakeModelServer& server) {
    agent::llm::ProviderConfig config;
    config.kind = "anthropic";
    config.model = "fake-model";
    config.api_key = "test-key";
    config.base_url = server.BaseUrl();
    config.max_retries = 1;
    config.request_timeout = std::chrono::milliseconds(10'000);
    auto provider = agent::llm::MakeProvider(config);
    EXPECT_TRUE(provider) << provider.error().message;
    return std::shared_ptr<agent::llm::Provider>(std::move(*provider));
}

agent::TurnInput Turn(std::string document) {
    agent::TurnInput input;
    input.format = agent::DocumentFormat::kExcel;
    input.prompt = "Put half of A1 in A2.";
    input.document = std::move(document);
    input.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    return input;
}

// The JSON of each tool result in the turn's stored conversation, by tool call id.
std::map<std::string, json::object> ToolResults(const agent::TurnOutput& output) {
    std::map<std::string, json::object> results;
    json::value transcript = json::parse(output.messages_json);
    for (const json::value& entry : transcript.as_array()) {
        if (entry.at("role") != "tool") continue;
        std::string text(entry.at("content").as_string());
        auto start = text.find('{');
        auto end = text.rfind('}');
        if (start == std::string::npos || end == std::string::npos) continue;
        results[std::string(entry.at("tool_call_id").as_string())] =
            json::parse(text.substr(start, end - start + 1)).as_object();
    }
    return results;
}

class RecalculateToolTest : public testing::Test {
protected:
    static void SetUpTestSuite() {
        work_ = new store::TempDir();
        convert::OfficePoolOptions options;
        options.work_dir = work_->path();
        pool_ = new convert::OfficePool(options);
        ASSERT_TRUE(pool_->Start()) << "LibreOffice did not start";
    }
    static void TearDownTestSuite() {
        delete pool_;
        delete work_;
    }

    static store::TempDir* work_;
    static convert::OfficePool* pool_;
};

store::TempDir* RecalculateToolTest::work_ = nullptr;
convert::OfficePool* RecalculateToolTest::pool_ = nullptr;

TEST_F(RecalculateToolTest, TheModelSeesItsDivisionByZeroAtItsCellAndFixesIt) {
    FakeModelServer server(R"js({"steps": [
      {"reply": {"tool_calls": [
         {"id": "c1", "name": "set_cells", "arguments": {"sheet": "Calc", "cells": [
            {"ref": "A1", "value": 4}, {"ref": "A2", "formula": "=1/0"}]}},
         {"id": "c2", "name": "recalculate", "arguments": {}}]}},
      {"reply": {"tool_calls": [
         {"id": "c3", "name": "set_cells", "arguments": {"sheet": "Calc", "cells": [
            {"ref": "A2", "formula": "=A1/2"}]}},
         {"id": "c4", "name": "recalculate", "arguments": {}},
         {"id": "c5", "name": "read_range", "arguments": {"sheet": "Calc", "range": "A2"}}]}},
      {"reply": {"tool_calls": [
         {"id": "c6", "name": "finish", "arguments": {"summary": "A2 is half of A1."}}]}}
    ]})js");
    agent::ModelAgentOptions options;
    options.recalculate = OfficeRecalculator(*pool_);
    auto agent = agent::MakeModelAgent(Provider(server), options);
    xlsx::Workbook start = xlsx::Workbook::Create();
    ASSERT_TRUE(start.AddSheet("Calc"));

    auto output = agent->RunTurn(Turn(*start.Save()));
    ASSERT_TRUE(output) << output.error().message;

    std::map<std::string, json::object> results = ToolResults(*output);
    ASSERT_TRUE(results.contains("c2") && results.contains("c4") && results.contains("c5"));
    EXPECT_EQ(results["c2"].at("errors"),
              json::parse(R"([{"cell": "Calc!A2", "formula": "=1/0", "error": "#DIV/0!"}])"))
        << json::serialize(results["c2"]);
    EXPECT_EQ(results["c4"].at("errors"), json::array{}) << json::serialize(results["c4"]);
    EXPECT_EQ(results["c4"].at("values"),
              json::parse(R"([{"cell": "Calc!A2", "formula": "=A1/2", "value": 2}])"));
    // The computed value is the cell's cached value now, for read_range and the saved version.
    EXPECT_NE(json::serialize(results["c5"]).find("\"value\":2"), std::string::npos)
        << json::serialize(results["c5"]);
    auto saved = xlsx::Workbook::Open(output->document);
    ASSERT_TRUE(saved);
    auto a2 = saved->ReadRange("Calc", "A2", 1);
    ASSERT_TRUE(a2);
    EXPECT_EQ(a2->rows.at(0).at(0).formula, "A1/2");
    EXPECT_EQ(a2->rows.at(0).at(0).value.number, 2);
    EXPECT_EQ(output->summary, "A2 is half of A1.");
}

}  // namespace
}  // namespace quire::service
