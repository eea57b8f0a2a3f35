#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include "agent/agent.hpp"
#include "agent/data_import.hpp"
#include "agent/excel_actions.hpp"
#include "agent/excel_instructions.hpp"
#include "agent/excel_memory.hpp"
#include "agent/excel_report.hpp"
#include "agent/prompt_clauses.hpp"
#include "agent/verify.hpp"
#include "agent/word_actions.hpp"
#include "agent/word_memory.hpp"
#include "agent/word_report.hpp"
#include "agent/workbook_view.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/pptx/presentation.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {
namespace json = boost::json;

// Everything one turn did, for the summary: what was done, what the document refused, and what
// was not acted on.
struct TurnLog {
    std::vector<std::string> done;
    std::vector<std::string> skipped;
    std::vector<std::string> refused;   // "Refused \"clause\": reason"
    std::vector<std::string> warnings;  // what the checks found in the saved workbook
    int tool_calls = 0;                 // a CSV import and each whole-document write count as one

    std::string Summary() const {
        std::string out;
        for (const auto& line : done) out += line + " ";
        if (done.empty()) out = "No changes were made. ";
        for (const auto& line : refused) out += line + ". ";
        for (const auto& line : warnings) out += line + ". ";
        if (!skipped.empty()) {
            out += "Not acted on (the offline agent does not understand it): ";
            for (std::size_t i = 0; i < skipped.size(); ++i) {
                out += (i ? "; \"" : "\"") + skipped[i] + "\"";
            }
            out += ".";
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out;
    }
};

// The summary's closing sentence about versions made outside the agent since its last turn.
std::string OutsideChangesNote(const TurnInput& input) {
    if (input.outside_changes.empty()) return {};
    std::string changes;
    for (char c : input.outside_changes) {
        if (c == '\n') {
            changes += "; ";
        } else {
            changes += c;
        }
    }
    return " Changed outside the agent since its last turn: " + changes + ".";
}

class OfflineAgent final : public Agent {
public:
    Result<TurnOutput> RunTurn(const TurnInput& input) override;

private:
    Status Step(const TurnInput& input, std::string_view phase);
    // `memory` comes in as the run's memory and goes out as what the next turn gets.
    Result<std::string> RunExcel(const TurnInput& input, TurnLog& log, std::string& memory);
    Status ImportData(const TurnInput& input, WorkbookView& view, xlsx::Workbook& workbook,
                      TurnLog& log);
    Status ApplyClauses(const TurnInput& input, WorkbookView& view, TurnLog& log);
    Result<std::string> RunWord(const TurnInput& input, TurnLog& log, std::string& memory);
    Result<std::string> RunSlides(const TurnInput& input, TurnLog& log);
};

// QUIRE_OFFLINE_AGENT_STEP_DELAY_MS slows each step of the offline agent down, so that demos and
// tests can watch a task run, time out, or be interrupted.
std::chrono::milliseconds StepDelay() {
    const char* value = std::getenv("QUIRE_OFFLINE_AGENT_STEP_DELAY_MS");
    if (value == nullptr) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(std::strtol(value, nullptr, 10));
}

Status OfflineAgent::Step(const TurnInput& input, std::string_view phase) {
    if (input.on_phase) input.on_phase(phase);
    auto delay = StepDelay();
    auto deadline = input.deadline;
    while (delay.count() > 0) {
        if (StopRequested(input)) return TurnStopped();
        auto slice = std::min(delay, std::chrono::milliseconds(50));
        if (deadline != std::chrono::steady_clock::time_point{} &&
            std::chrono::steady_clock::now() + slice > deadline) {
            return Fail(ErrorCode::kTimeout, "the task ran past its timeout_ms");
        }
        std::this_thread::sleep_for(slice);
        delay -= slice;
    }
    if (StopRequested(input)) return TurnStopped();
    if (deadline != std::chrono::steady_clock::time_point{} &&
        std::chrono::steady_clock::now() > deadline) {
        return Fail(ErrorCode::kTimeout, "the task ran past its timeout_ms");
    }
    return {};
}

// "1 row", "6 rows".
std::string Counted(std::size_t count, std::string_view noun) {
    return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

// An ask: the offline agent answers no questions, so it says what the workbook or document holds
// and leaves everything as it was.
Result<TurnOutput> AnswerOffline(const TurnInput& input) {
    TurnOutput output;
    output.document = input.document.value_or(std::string());
    output.memory_json = input.memory_json.empty() ? "{}" : input.memory_json;
    std::string overview;
    if (input.format == DocumentFormat::kExcel && input.document) {
        Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(*input.document);
        if (!workbook) return Propagate(workbook);
        Result<std::vector<xlsx::SheetInfo>> sheets = workbook->Sheets();
        if (!sheets) return Propagate(sheets);
        std::vector<std::string> parts;
        for (const xlsx::SheetInfo& sheet : *sheets) {
            parts.push_back(sheet.dimension.empty()
                                ? fmt::format("\"{}\" (empty)", sheet.name)
                                : fmt::format("\"{}\" ({})", sheet.name, sheet.dimension));
        }
        overview = fmt::format(" The workbook has {}: {}.", Counted(sheets->size(), "sheet"),
                               fmt::join(parts, ", "));
    }
    if (input.format == DocumentFormat::kWord && input.document) {
        Result<docx::WordDocument> document = docx::WordDocument::Open(*input.document);
        if (!document) return Propagate(document);
        std::vector<std::string> sections;
        for (const docx::BlockInfo& block : document->Blocks()) {
            if (block.heading_level > 0) sections.push_back(fmt::format("\"{}\"", block.text));
        }
        overview = sections.empty() ? std::string(" The document has no sections.")
                                    : fmt::format(" The document has {}: {}.",
                                                  Counted(sections.size(), "section"),
                                                  fmt::join(sections, ", "));
    }
    output.summary = "The offline agent does not answer questions; nothing was changed." +
                     overview + OutsideChangesNote(input);
    json::array messages{json::object{{"role", "user"}, {"content", input.prompt}},
                         json::object{{"role", "assistant"}, {"content", output.summary}}};
    output.messages_json = json::serialize(messages);
    return output;
}

Result<TurnOutput> OfflineAgent::RunTurn(const TurnInput& input) {
    if (auto step = Step(input, "planning"); !step) return std::unexpected(step.error());
    if (input.ask) return AnswerOffline(input);
    TurnLog log;
    std::string memory = input.memory_json.empty() ? "{}" : input.memory_json;
    Result<std::string> document = [&]() -> Result<std::string> {
        switch (input.format) {
            case DocumentFormat::kExcel:
                return RunExcel(input, log, memory);
            case DocumentFormat::kWord:
                return RunWord(input, log, memory);
            case DocumentFormat::kSlides:
                return RunSlides(input, log);
        }
        return Internal("unknown format");
    }();
    if (!document) return Propagate(document);
    if (auto step = Step(input, "saving"); !step) return std::unexpected(step.error());

    TurnOutput output;
    output.document = std::move(*document);
    output.summary = log.Summary() + OutsideChangesNote(input);
    json::array messages{json::object{{"role", "user"}, {"content", input.prompt}},
                         json::object{{"role", "assistant"}, {"content", output.summary}}};
    output.messages_json = json::serialize(messages);
    output.memory_json = std::move(memory);
    output.stats.tool_calls = log.tool_calls;
    if (input.spent != nullptr) *input.spent = output.stats;
    output.credits_used = CreditsFor(output.stats);
    return output;
}

Result<std::string> OfflineAgent::RunExcel(const TurnInput& input, TurnLog& log,
                                           std::string& memory) {
    Result<xlsx::Workbook> opened = input.document
                                        ? xlsx::Workbook::Open(*input.document)
                                        : Result<xlsx::Workbook>(xlsx::Workbook::Create());
    if (!opened) return Propagate(opened);
    xlsx::Workbook& workbook = *opened;
    Result<std::set<std::string>> problems_before = FormulaProblemLines(workbook);
    if (!problems_before) return Propagate(problems_before);
    if (auto step = Step(input, "editing"); !step) return std::unexpected(step.error());
    WorkbookView view(workbook, ReadExcelMemory(memory));
    view.ObserveToolCalls(input.on_tool_call);

    if (Status imported = ImportData(input, view, workbook, log); !imported) {
        return std::unexpected(imported.error());
    }
    if (Status applied = ApplyClauses(input, view, log); !applied) {
        return std::unexpected(applied.error());
    }

    Result<std::vector<OutlineSheet>> sheets = view.Sheets();
    if (!sheets) return Propagate(sheets);
    if (sheets->empty()) {
        if (auto added = view.Call("add_sheet", {{"name", "Sheet1"}}); !added) {
            return Propagate(added);
        }
        log.done.push_back("Created an empty workbook with sheet \"Sheet1\".");
    }
    log.tool_calls += view.ToolCalls();
    Result<ExcelMemory> kept = view.Memory();
    if (!kept) return Propagate(kept);
    memory = WriteExcelMemory(memory, *kept);

    // The saved workbook must open again, and the formulas the turn wrote must hold.
    if (auto step = Step(input, "verifying"); !step) return std::unexpected(step.error());
    Result<SavedWorkbook> saved = SaveAndCheck(workbook, *problems_before);
    if (!saved) return Propagate(saved);
    // The offline agent writes the formulas it was told to; it says which of them refer to
    // something missing instead of guessing a fix.
    if (!saved->new_problems.empty()) {
        log.warnings.push_back(fmt::format("check_formulas found problems this turn brought in: {}",
                                           fmt::join(saved->new_problems, "; ")));
    }
    return std::move(saved->bytes);
}

// Each CSV becomes a sheet of its own, the data sheet of the run memory; with a report request,
// each also gets its report.
Status OfflineAgent::ImportData(const TurnInput& input, WorkbookView& view,
                                xlsx::Workbook& workbook, TurnLog& log) {
    for (const auto& source : input.data_sources) {
        auto table = xlsx::ParseCsv(source.bytes);
        if (!table) {
            return InvalidRequest(
                fmt::format("data source {}: {}", source.file_name, table.error().message));
        }
        auto sheets = workbook.Sheets();
        if (!sheets) return Propagate(sheets);
        std::string name = SheetNameFromFile(source.file_name, *sheets);
        if (auto added = view.Call("add_sheet", {{"name", name}}); !added) return Propagate(added);
        view.Invalidate();  // WriteTable is no tool call
        if (auto written = workbook.WriteTable(name, *table); !written) {
            return std::unexpected(written.error());
        }
        ++log.tool_calls;
        view.SetRole(name, "data");
        view.WorkedOn(name);
        log.done.push_back(fmt::format("Imported {} into sheet \"{}\" ({}, {}).", source.file_name,
                                       name, Counted(table->rows.size(), "row"),
                                       Counted(table->header.size(), "column")));
        if (!AsksForReport(input.prompt)) continue;
        Result<CsvReport> report = BuildCsvReport(workbook, name, *table, input.on_tool_call);
        // A freshly written sheet is always a valid table: any refusal here is a tool failing.
        if (!report && report.error().code != ErrorCode::kAgentFailed) {
            return Fail(ErrorCode::kAgentFailed,
                        "a document tool failed: " + report.error().message, report.error().detail);
        }
        if (!report) return Propagate(report);
        view.CountToolCalls(report->tool_calls);
        view.Invalidate();
        log.done.insert(log.done.end(), report->done.begin(), report->done.end());
        if (!report->summary_sheet.empty()) view.SetRole(report->summary_sheet, "summary");
        if (!report->chart.empty()) {
            view.ChartTouched({report->chart, report->chart_title, {}, report->summary_sheet, {}});
        }
    }
    return {};
}

// Every clause is an instruction the agent carries out or the document refuses, something the
// import already did ("make a workbook from this data"), a report of data the workbook already
// has, or not understood.
Status OfflineAgent::ApplyClauses(const TurnInput& input, WorkbookView& view, TurnLog& log) {
    for (const auto& clause : SplitClauses(input.prompt)) {
        std::optional<ExcelInstruction> instruction = ParseExcelInstruction(clause);
        Result<ClauseOutcome> outcome = ClauseOutcome{};
        if (instruction) {
            outcome = ApplyExcelInstruction(view, *instruction);
        } else if (!input.data_sources.empty() && SpeaksOfData(clause)) {
            continue;
        } else if (input.data_sources.empty() && AsksForFollowUpReport(clause)) {
            outcome = ReportOnDataSheet(view);
        }
        if (!outcome && outcome.error().code == ErrorCode::kAgentFailed) {
            return std::unexpected(outcome.error());
        }
        if (!outcome) {
            return Fail(ErrorCode::kAgentFailed,
                        "a document tool failed: " + outcome.error().message,
                        outcome.error().detail);
        }
        switch (outcome->kind) {
            case ClauseOutcome::Kind::kApplied:
                log.done.push_back(outcome->text);
                break;
            case ClauseOutcome::Kind::kAcknowledged:
                break;
            case ClauseOutcome::Kind::kNotUnderstood:
                log.skipped.push_back(clause);
                break;
            case ClauseOutcome::Kind::kRefused:
                log.refused.push_back(fmt::format("Refused \"{}\": {}", clause, outcome->text));
                break;
        }
    }
    return {};
}

// PowerPoint recipes do not use data yet; the summary says so instead of staying silent.
void ReportUnusedData(const TurnInput& input, TurnLog& log) {
    for (const auto& source : input.data_sources) {
        log.skipped.push_back(fmt::format(
            "data source {} (data is used for Excel and Word only so far)", source.file_name));
    }
}

// The CSV data sources of a turn, parsed. kInvalidRequest naming the file for one that is not
// CSV the reader accepts.
Result<std::vector<std::pair<std::string, xlsx::CsvTable>>> ReadTables(const TurnInput& input) {
    std::vector<std::pair<std::string, xlsx::CsvTable>> tables;
    for (const auto& source : input.data_sources) {
        auto table = xlsx::ParseCsv(source.bytes);
        if (!table) {
            return InvalidRequest(
                fmt::format("data source {}: {}", source.file_name, table.error().message));
        }
        tables.emplace_back(source.file_name, std::move(*table));
    }
    return tables;
}

// What the clauses of a Word turn ask for, read before anything is written: the memo's body
// must be known before the instructions that may refer to its sections run.
struct WordPlan {
    std::vector<std::pair<std::string, WordInstruction>> instructions;  // clause, instruction
    std::vector<std::string> body;                                      // memo paragraphs
    bool tracked = false;  // a clause asked for tracked changes: every instruction makes them
};

// The instruction of a clause, read without the words that ask for tracked changes (which then
// ask it of the whole turn), else as it is.
std::optional<WordInstruction> PlanClause(const std::string& clause, WordPlan& plan) {
    TrackedWording wording = ReadTrackedWording(clause);
    if (wording.tracked) {
        if (std::optional<WordInstruction> instruction = ParseWordInstruction(wording.clause)) {
            plan.tracked = true;
            return instruction;
        }
    }
    return ParseWordInstruction(clause);
}

WordPlan PlanWordTurn(std::string_view text, bool fresh, bool with_data, TurnLog& log) {
    WordPlan plan;
    for (const std::string& clause : SplitClauses(text)) {
        if (ReadTrackedWording(clause).alone) {
            plan.tracked = true;
        } else if (std::optional<WordInstruction> instruction = PlanClause(clause, plan)) {
            plan.instructions.emplace_back(clause, std::move(*instruction));
        } else if (with_data && SpeaksOfData(clause)) {
            continue;
        } else if (fresh && !with_data) {
            plan.body.push_back(clause);
        } else {
            log.skipped.push_back(clause);
        }
    }
    return plan;
}

// The prompt without the sentences at its start that only ask for tracked changes ("Use track
// changes. Write a memo …"), which are not what the document is to be.
std::string WithoutLeadingTrackedWording(std::string_view prompt) {
    std::string rest(prompt);
    for (TitledText first = SplitTitle(rest);
         !first.body.empty() && ReadTrackedWording(first.title).alone; first = SplitTitle(rest)) {
        rest = first.body;
    }
    return rest;
}

// A first turn reads its first sentence as what the document is to be ("write a memo about the
// offsite with sections Agenda and Budget"), unless that sentence is an instruction itself.
WordRequest FirstTurnRequest(const TurnInput& input) {
    if (!input.document) {
        const std::string prompt = WithoutLeadingTrackedWording(input.prompt);
        TitledText first = SplitTitle(prompt);
        if (!ParseWordInstruction(first.title)) return ReadWordRequest(prompt);
    }
    WordRequest request;
    request.rest = input.prompt;
    return request;
}

Status WriteWordRecipe(const TurnInput& input, WordEditor& editor, const WordRequest& request,
                       const std::vector<std::pair<std::string, xlsx::CsvTable>>& tables,
                       const WordPlan& plan, TurnLog& log) {
    bool fresh = !input.document;
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const auto& [file_name, table] = tables[i];
        Result<RecipeLog> report = BuildWordReport(editor, request, file_name, table,
                                                   fresh && i == 0, tables.size() > 1 || !fresh);
        if (!report) return std::unexpected(report.error());
        log.done.insert(log.done.end(), report->begin(), report->end());
    }
    if (fresh && tables.empty()) {
        Result<RecipeLog> memo = BuildWordMemo(editor, request, plan.body);
        if (!memo) return std::unexpected(memo.error());
        log.done.insert(log.done.end(), memo->begin(), memo->end());
    }
    return {};
}

Status ApplyWordPlan(WordEditor& editor, const WordPlan& plan, TurnLog& log) {
    editor.SetTracked(plan.tracked);
    bool changes_left = false;  // tracked edits of this turn that no later clause resolved
    for (const auto& [clause, instruction] : plan.instructions) {
        Result<ClauseOutcome> outcome = ApplyWordInstruction(editor, instruction);
        if (!outcome && outcome.error().code == ErrorCode::kAgentFailed) {
            return std::unexpected(outcome.error());
        }
        if (!outcome) {
            return Fail(ErrorCode::kAgentFailed,
                        "a document tool failed: " + outcome.error().message,
                        outcome.error().detail);
        }
        if (outcome->kind == ClauseOutcome::Kind::kApplied) {
            log.done.push_back(outcome->text);
            changes_left = !std::holds_alternative<ResolveChanges>(instruction);
        } else if (outcome->kind == ClauseOutcome::Kind::kRefused) {
            log.refused.push_back(fmt::format("Refused \"{}\": {}", clause, outcome->text));
        }
    }
    if (plan.tracked && changes_left) {
        log.done.push_back("The edits are tracked changes by \"Quire\", to accept or reject.");
    }
    return {};
}

// No Word recipe or instruction reads context files; the summary says so instead of staying
// silent.
void ReportUnusedContextFiles(const TurnInput& input, TurnLog& log) {
    for (const ContextFile& file : input.context_files) {
        log.skipped.push_back(fmt::format(
            "context file {} (the offline agent's Word recipes do not read context files)",
            file.file_name));
    }
}

// A new document gets the report of its data, or the memo skeleton of its prompt; every turn
// then carries out the instructions it understood. The recipes write plainly; the instructions'
// edits are tracked changes only when the turn asks for them.
Result<std::string> OfflineAgent::RunWord(const TurnInput& input, TurnLog& log,
                                          std::string& memory) {
    if (auto step = Step(input, "editing"); !step) return std::unexpected(step.error());
    Result<docx::WordDocument> opened =
        input.document ? docx::WordDocument::Open(*input.document)
                       : Result<docx::WordDocument>(docx::WordDocument::Create());
    if (!opened) return Propagate(opened);
    auto tables = ReadTables(input);
    if (!tables) return Propagate(tables);

    WordEditor editor(*opened, ReadWordMemory(memory), input.on_tool_call);
    WordRequest request = FirstTurnRequest(input);
    WordPlan plan = PlanWordTurn(request.rest, !input.document, !tables->empty(), log);
    if (Status wrote = WriteWordRecipe(input, editor, request, *tables, plan, log); !wrote) {
        return std::unexpected(wrote.error());
    }
    if (Status applied = ApplyWordPlan(editor, plan, log); !applied) {
        return std::unexpected(applied.error());
    }
    ReportUnusedContextFiles(input, log);
    log.tool_calls += editor.ToolCalls();
    memory = WriteWordMemory(memory, editor.Memory());

    // The saved document must open again.
    if (auto step = Step(input, "verifying"); !step) return std::unexpected(step.error());
    Result<std::string> saved = opened->Save();
    if (!saved) return Propagate(saved);
    if (auto reopened = docx::WordDocument::Open(*saved); !reopened) {
        return Fail(ErrorCode::kAgentFailed, "the saved document does not open again",
                    reopened.error().message);
    }
    return saved;
}

Result<std::string> OfflineAgent::RunSlides(const TurnInput& input, TurnLog& log) {
    if (auto step = Step(input, "editing"); !step) return std::unexpected(step.error());
    log.tool_calls = 1;
    ReportUnusedData(input, log);
    TitledText text = SplitTitle(input.prompt);
    if (!input.document) {
        log.done.push_back(fmt::format("Made a deck with the title slide \"{}\".", text.title));
        return pptx::BuildPresentation(text.title, text.body);
    }
    log.done.push_back(fmt::format("Added a slide titled \"{}\".", text.title));
    return pptx::AppendSlide(*input.document, text.title, text.body);
}

}  // namespace

std::unique_ptr<Agent> MakeOfflineAgent() { return std::make_unique<OfflineAgent>(); }

}  // namespace quire::agent
