#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "agent/agent.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {
namespace json = boost::json;

std::string ReadExample(const char* name) {
    std::ifstream in(std::string(QUIRE_SOURCE_DIR) + "/examples/" + name, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::vector<std::string> SheetNames(const std::string& bytes) {
    auto workbook = xlsx::Workbook::Open(bytes);
    EXPECT_TRUE(workbook.has_value()) << workbook.error().message;
    std::vector<std::string> names;
    auto sheets = workbook->Sheets();
    EXPECT_TRUE(sheets.has_value());
    for (const auto& sheet : *sheets) names.push_back(sheet.name);
    return names;
}

TurnInput ExcelTurn(std::string prompt, std::optional<std::string> document = std::nullopt) {
    TurnInput input;
    input.format = DocumentFormat::kExcel;
    input.prompt = std::move(prompt);
    input.document = std::move(document);
    input.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    return input;
}

TEST(OfflineAgent, CsvDataSourceBecomesANamedSheet) {
    TurnInput input = ExcelTurn("Make a workbook from this data");
    input.data_sources.push_back(
        {"seattle-weather.csv", "csv", ReadExample("seattle-weather.csv")});
    auto output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_TRUE(output.has_value()) << output.error().message;
    EXPECT_EQ(SheetNames(output->document), std::vector<std::string>{"seattle-weather"});
    EXPECT_NE(output->summary.find("seattle-weather.csv"), std::string::npos);
    EXPECT_EQ(output->summary.find("Not acted on"), std::string::npos) << output->summary;
}

TEST(OfflineAgent, AStopRequestedEndsTheTurnWithoutADocument) {
    TurnInput input = ExcelTurn("Add a sheet named Never");
    int asked = 0;
    input.stop_requested = [&asked] { return ++asked > 0; };
    auto output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().code, ErrorCode::kConflict);
    EXPECT_EQ(asked, 1);
}

TEST(OfflineAgent, FollowUpPromptsAddAndRenameSheets) {
    auto first = MakeOfflineAgent()->RunTurn(ExcelTurn("Add a sheet named Inputs"));
    ASSERT_TRUE(first.has_value()) << first.error().message;
    auto second = MakeOfflineAgent()->RunTurn(
        ExcelTurn("Add a sheet named \"Q3 Summary\" and rename sheet Inputs to Raw. "
                  "Set 'Q3 Summary'!B2 to 42",
                  first->document));
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(SheetNames(second->document), (std::vector<std::string>{"Raw", "Q3 Summary"}));
}

// Offline turns reported no tool calls, so their task's event stream had no tool_call events.
TEST(OfflineAgent, EveryToolCallIsReportedAsItIsMade) {
    std::vector<std::string> heard;
    TurnInput input = ExcelTurn("Add a sheet named Plan. Set Plan!B2 to 5. Create a report");
    input.data_sources.push_back(
        {"seattle-weather.csv", "csv", ReadExample("seattle-weather.csv")});
    input.on_tool_call = [&heard](std::string_view tool, std::string_view arguments) {
        EXPECT_TRUE(arguments.starts_with("{")) << arguments;
        heard.emplace_back(tool);
    };
    auto output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_TRUE(output.has_value()) << output.error().message;
    auto has = [&](std::string_view tool) {
        return std::find(heard.begin(), heard.end(), tool) != heard.end();
    };
    EXPECT_TRUE(has("add_sheet"));
    EXPECT_TRUE(has("set_cells"));
    EXPECT_TRUE(has("add_table"));  // the report's, through its own tool calls
    EXPECT_TRUE(has("add_chart"));
    EXPECT_EQ(static_cast<int>(heard.size()) + 1, output->stats.tool_calls);  // + the import
}

TEST(OfflineAgent, SummaryNamesWhatItDidNotActOn) {
    auto output =
        MakeOfflineAgent()->RunTurn(ExcelTurn("Add a sheet named Plan. Make the header purple"));
    ASSERT_TRUE(output.has_value());
    EXPECT_NE(output->summary.find("Not acted on"), std::string::npos);
    EXPECT_NE(output->summary.find("Make the header purple"), std::string::npos);
}

TEST(OfflineAgent, RenamingAMissingSheetIsReportedAsRefusedNotFatal) {
    auto output = MakeOfflineAgent()->RunTurn(ExcelTurn("Rename sheet Nope to Yes"));
    ASSERT_TRUE(output.has_value());
    EXPECT_NE(output->summary.find(
                  "Refused \"Rename sheet Nope to Yes\": the workbook has no sheet \"Nope\""),
              std::string::npos)
        << output->summary;
    EXPECT_EQ(output->summary.find("Not acted on"), std::string::npos) << output->summary;
}

TEST(OfflineAgent, AFormulaOverAMissingSheetIsWrittenAndNamedInTheSummary) {
    auto output = MakeOfflineAgent()->RunTurn(
        ExcelTurn("Add a sheet named Plan. Set Plan!A1 to =Budget!B2*2"));
    ASSERT_TRUE(output.has_value()) << output.error().message;
    EXPECT_NE(output->summary.find("check_formulas found problems this turn brought in: Plan!A1 "
                                   "(=Budget!B2*2): refers to a missing sheet 'Budget'"),
              std::string::npos)
        << output->summary;
}

TEST(OfflineAgent, ProblemsTheWorkbookAlreadyHadAreNotReportedAgain) {
    xlsx::Workbook start = xlsx::Workbook::Create();
    ASSERT_TRUE(start.AddSheet("Plan"));
    ASSERT_TRUE(start.SetCell("Plan", "A1", xlsx::CellValue::Formula("Budget!B2")));
    auto output = MakeOfflineAgent()->RunTurn(ExcelTurn("Add a sheet named Notes", *start.Save()));
    ASSERT_TRUE(output.has_value()) << output.error().message;
    EXPECT_EQ(output->summary.find("check_formulas"), std::string::npos) << output->summary;
}

// A new run's instruction for the current sheet was refused ("the workbook has no worksheet")
// although the run then got Sheet1.
TEST(OfflineAgent, ANewRunsFirstInstructionWritesToSheet1) {
    for (const char* prompt : {"Put 5 in A1", "Set Sheet1!A1 to 5", "Set A1 to 5"}) {
        SCOPED_TRACE(prompt);
        auto output = MakeOfflineAgent()->RunTurn(ExcelTurn(prompt));
        ASSERT_TRUE(output.has_value()) << output.error().message;
        EXPECT_EQ(output->summary.find("Refused"), std::string::npos) << output->summary;
        Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(output->document);
        ASSERT_TRUE(workbook);
        Result<xlsx::CellValue> a1 = workbook->GetCell("Sheet1", "A1");
        ASSERT_TRUE(a1);
        EXPECT_EQ(a1->number, 5);
        EXPECT_EQ(SheetNames(output->document), (std::vector<std::string>{"Sheet1"}));
    }
    auto named = MakeOfflineAgent()->RunTurn(ExcelTurn("Add a sheet named S. Put 5 in A1"));
    ASSERT_TRUE(named.has_value());
    EXPECT_EQ(SheetNames(named->document), (std::vector<std::string>{"S"}));
}

TEST(OfflineAgent, MessagesRecordThePromptAndTheAnswer) {
    auto output = MakeOfflineAgent()->RunTurn(ExcelTurn("Add a sheet named Notes"));
    ASSERT_TRUE(output.has_value());
    json::value messages = json::parse(output->messages_json);
    ASSERT_EQ(messages.as_array().size(), 2u);
    EXPECT_EQ(messages.as_array()[0].at("content").as_string(), "Add a sheet named Notes");
}

TEST(OfflineAgent, PastTheDeadlineTheTurnTimesOut) {
    TurnInput input = ExcelTurn("Add a sheet named Late");
    input.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto output = MakeOfflineAgent()->RunTurn(input);
    ASSERT_FALSE(output.has_value());
    EXPECT_EQ(output.error().code, ErrorCode::kTimeout);
}

TEST(OfflineAgent, WordAndSlidesBuildThenAppend) {
    for (DocumentFormat format : {DocumentFormat::kWord, DocumentFormat::kSlides}) {
        TurnInput input = ExcelTurn("Project update. We shipped the importer.");
        input.format = format;
        auto first = MakeOfflineAgent()->RunTurn(input);
        ASSERT_TRUE(first.has_value()) << first.error().message;
        input.document = first->document;
        input.prompt = format == DocumentFormat::kWord ? "Add a section Next steps at the end"
                                                       : "Next steps. Exports.";
        auto second = MakeOfflineAgent()->RunTurn(input);
        ASSERT_TRUE(second.has_value()) << second.error().message;
        EXPECT_NE(second->document, first->document);
    }
}

}  // namespace
}  // namespace quire::agent
