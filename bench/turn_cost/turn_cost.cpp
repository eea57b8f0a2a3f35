// What follow-up turns cost the model, with run memory and without.
//
// Plays one run of three Excel turns through the model agent and the real Anthropic provider
// against the scripted fake model server on loopback, handing each turn's document and memory to
// the next as the worker does: a report from us-employment.csv, "now add a forecast sheet for
// next year", "move the chart to the summary sheet". It plays the run twice, with run memory and
// with memory off (the model then knows nothing from earlier turns and inspects the workbook
// first). What the scripted model says in each mode is in with_memory.json and
// without_memory.json beside this file: {"turns": [[STEP, ...], ...]}, one list per turn, each
// STEP as tests/support/fake_model_server.py reads it.
//
//   turn_cost [--shared-dir DIR] [--scripts DIR] [--keep-requests DIR]
//
// --shared-dir holds data/us-employment.csv (default: $QUIRE_SHARED_DIR, else the folder CMake
// found); --scripts the two scripts (default: this folder); --keep-requests writes each mode's
// request log there as JSON lines.
//
// Prints, per turn, the input tokens of the messages of every model request of the turn (tool
// schemas and the system prompt left out: a caching provider serves them from its cache),
// counted by the fake server's rule, where those tokens go, and what the provider reported; then
// the targets. Exit status 0 when both runs went as scripted (targets are reported, not
// enforced), 1 when one did not (a failed turn or tool call, a step out of place, a missing sheet
// or chart, a count that disagrees with the server's), 2 for bad arguments.

#include <fmt/format.h>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent.hpp"
#include "agent/llm/provider.hpp"
#include "agent/model_agent.hpp"
#include "common/error.hpp"
#include "fake_model_server.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "shared_dir.hpp"

namespace {

namespace json = boost::json;
namespace agent = quire::agent;
namespace xlsx = quire::xlsx;
using quire::Error;
using quire::Result;
using quire::Status;
using quire::test_support::FakeModelServer;

constexpr std::string_view kApiKey = "turn-cost-key";
constexpr std::string_view kDataFile = "us-employment.csv";
constexpr std::string_view kDataSheet = "us-employment";
constexpr std::string_view kChart = "Nonfarm employment";
constexpr std::size_t kTurns = 3;

struct ScenarioTurn {
    std::string_view label;  // for the tables
    std::string_view prompt;
    // What the workbook holds after the turn, in either mode.
    std::vector<std::string_view> sheets;
    std::string_view chart_sheet;
};

const std::array<ScenarioTurn, kTurns> kScenario = {{
    {"report from us-employment.csv",
     "Make a report from this employment data: the key figures per year on a summary sheet, "
     "and a chart of how employment developed.",
     {"us-employment", "Summary"},
     "us-employment"},
    {"add a forecast sheet",
     "now add a forecast sheet for next year",
     {"us-employment", "Summary", "Forecast"},
     "us-employment"},
    {"move the chart to Summary",
     "move the chart to the summary sheet",
     {"us-employment", "Summary", "Forecast"},
     "Summary"},
}};

std::unexpected<Error> Broken(std::string message) { return quire::Internal(std::move(message)); }

// ---- the fake server's token rule ------------------------------------------------------------

// Python's json.dumps string escapes with ensure_ascii=False: '"', '\\' and control characters
// are escaped, everything else stays as it is.
constexpr std::array<std::pair<char, std::string_view>, 7> kShortEscapes = {{
    {'"', "\\\""},
    {'\\', "\\\\"},
    {'\n', "\\n"},
    {'\r', "\\r"},
    {'\t', "\\t"},
    {'\b', "\\b"},
    {'\f', "\\f"},
}};

void AppendPythonString(std::string& out, std::string_view text) {
    out += '"';
    for (char c : text) {
        auto escape = std::find_if(kShortEscapes.begin(), kShortEscapes.end(),
                                   [c](const auto& entry) { return entry.first == c; });
        if (escape != kShortEscapes.end()) {
            out += escape->second;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    out += '"';
}

// Python's repr of a float: the shortest digits that read back, in positional notation for
// exponents from -4 to 15 ("5840.4", "100000.0", "0.0001") and "1e+16" style otherwise.
std::string PythonFloat(double x) {
    char buffer[64];
    auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    std::string out;
    if (text.starts_with('-')) {
        out += '-';
        text.remove_prefix(1);
    }
    std::size_t e = text.find('e');
    std::string digits(1, text[0]);
    if (e > 1) digits += text.substr(2, e - 2);
    int exponent = 0;
    std::from_chars(text.data() + e + 1 + (text[e + 1] == '+'), text.data() + text.size(),
                    exponent);
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        return out + fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
    }
    if (exponent < 0) return out + "0." + std::string(-exponent - 1, '0') + digits;
    auto point = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= point)
        return out + digits + std::string(point - digits.size(), '0') + ".0";
    return out + digits.substr(0, point) + "." + digits.substr(point);
}

void AppendPythonJson(std::string& out, const json::value& value);

// Python's json.dumps sorts keys by code point, which is the byte order of their UTF-8.
void AppendPythonObject(std::string& out, const json::object& object) {
    std::vector<const json::key_value_pair*> members;
    for (const json::key_value_pair& member : object) members.push_back(&member);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        AppendPythonString(out, members[i]->key());
        out += ':';
        AppendPythonJson(out, members[i]->value());
    }
    out += '}';
}

// A value as the fake server writes it before counting: json.dumps with sorted keys, no spaces
// and non-ASCII text as it is.
void AppendPythonJson(std::string& out, const json::value& value) {
    if (const json::string* text = value.if_string()) return AppendPythonString(out, *text);
    if (const double* number = value.if_double()) {
        out += PythonFloat(*number);
        return;
    }
    if (const json::object* object = value.if_object()) return AppendPythonObject(out, *object);
    if (const json::array* array = value.if_array()) {
        out += '[';
        for (std::size_t i = 0; i < array->size(); ++i) {
            if (i > 0) out += ',';
            AppendPythonJson(out, (*array)[i]);
        }
        out += ']';
        return;
    }
    out += json::serialize(value);  // null, true, false and integers read the same in Python
}

// ceil(characters / 4), at least 1, characters being code points as Python counts them.
std::int64_t TokensOf(std::string_view text) {
    auto code_points = std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
    return std::max<std::int64_t>(1, (code_points + 3) / 4);
}

// One block as the server counts it: its place ("tool:", "system:", "user:"...) and its compact
// JSON without the cache_control mark.
std::int64_t BlockTokens(std::string_view place, const json::value& block) {
    std::string text(place);
    if (const json::object* object = block.if_object();
        object && object->contains("cache_control")) {
        json::object unmarked = *object;
        unmarked.erase("cache_control");
        AppendPythonJson(text, unmarked);
    } else {
        AppendPythonJson(text, block);
    }
    return TokensOf(text);
}

// Where a turn's message tokens go.
enum class Part { kEarlierTurns, kRequest, kModel, kToolResults };
constexpr std::size_t kParts = 4;

struct TokenCount {
    std::int64_t tools = 0;
    std::int64_t system = 0;
    std::array<std::int64_t, kParts> messages{};

    std::int64_t Messages() const {
        std::int64_t total = 0;
        for (std::int64_t part : messages) total += part;
        return total;
    }
    std::int64_t Whole() const { return tools + system + Messages(); }
    std::int64_t& operator[](Part part) { return messages[static_cast<std::size_t>(part)]; }
    std::int64_t operator[](Part part) const { return messages[static_cast<std::size_t>(part)]; }

    TokenCount& operator+=(const TokenCount& other) {
        tools += other.tools;
        system += other.system;
        for (std::size_t i = 0; i < kParts; ++i) messages[i] += other.messages[i];
        return *this;
    }
};

// One Anthropic request's tokens. `request_at` is the index of the turn's request message:
// messages before it are earlier turns, after it the model's calls and the tools' results.
TokenCount CountRequest(const json::object& body, std::size_t request_at) {
    TokenCount count;
    if (const json::value* tools = body.if_contains("tools")) {
        for (const json::value& tool : tools->as_array()) count.tools += BlockTokens("tool:", tool);
    }
    if (const json::value* system = body.if_contains("system")) {
        if (system->is_array()) {
            for (const json::value& block : system->as_array()) {
                count.system += BlockTokens("system:", block);
            }
        } else {
            count.system += BlockTokens("system:", *system);
        }
    }
    const json::array& messages = body.at("messages").as_array();
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const json::object& message = messages[i].as_object();
        std::string_view role = message.at("role").as_string();
        Part part = i < request_at        ? Part::kEarlierTurns
                    : i == request_at     ? Part::kRequest
                    : role == "assistant" ? Part::kModel
                                          : Part::kToolResults;
        std::string place = std::string(role) + ":";
        const json::value& content = message.at("content");
        if (content.is_string()) {
            count[part] += BlockTokens(place, json::object{{"type", "text"}, {"text", content}});
            continue;
        }
        for (const json::value& block : content.as_array())
            count[part] += BlockTokens(place, block);
    }
    return count;
}

// ---- one run of the scenario -----------------------------------------------------------------

struct TurnCost {
    TokenCount counted;      // summed over the turn's model requests
    agent::TurnStats stats;  // what the provider reported
    int requests = 0;
};

struct ModeRun {
    std::vector<TurnCost> turns;
    std::vector<std::string> outlines;  // the workbook's outline after each turn
    std::vector<json::object> requests;
};

struct Script {
    std::string server_script;            // what the fake server plays
    std::vector<std::size_t> first_step;  // per turn, and one past the last turn
};

Result<Script> LoadScript(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Broken(fmt::format("cannot read {}", path.string()));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    boost::system::error_code ec;
    json::value parsed = json::parse(text, ec);
    const json::value* turns =
        !ec && parsed.is_object() ? parsed.as_object().if_contains("turns") : nullptr;
    if (!turns || !turns->is_array() || turns->as_array().size() != kTurns) {
        return Broken(
            fmt::format("{}: expected {{\"turns\": [...]}} with {} turns", path.string(), kTurns));
    }
    Script script;
    json::array steps;
    for (const json::value& turn : turns->as_array()) {
        if (!turn.is_array() || turn.as_array().empty()) {
            return Broken(fmt::format("{}: a turn is a non-empty list of steps", path.string()));
        }
        script.first_step.push_back(steps.size());
        for (const json::value& step : turn.as_array()) steps.push_back(step);
    }
    script.first_step.push_back(steps.size());
    // The real API caches only prefixes of 1,024 tokens or more.
    script.server_script = json::serialize(json::object{
        {"api_key", kApiKey}, {"cache_min_tokens", 1024}, {"steps", std::move(steps)}});
    return script;
}

Result<std::shared_ptr<agent::llm::Provider>> AnthropicProvider(const FakeModelServer& server) {
    agent::llm::ProviderConfig config;
    config.kind = "anthropic";
    config.model = "claude-sonnet-4-5";
    config.api_key = std::string(kApiKey);
    config.base_url = server.BaseUrl();
    config.max_retries = 0;
    config.request_timeout = std::chrono::milliseconds(30'000);
    Result<std::unique_ptr<agent::llm::Provider>> provider = agent::llm::MakeProvider(config);
    if (!provider) return quire::Propagate(provider);
    return std::shared_ptr<agent::llm::Provider>(std::move(*provider));
}

// The turn's requests must be its own scripted steps, each answered, in order: otherwise the
// agent called the model more or less often than the script says a model would.
Status CheckSteps(const std::vector<json::object>& requests, std::size_t first, std::size_t end) {
    if (requests.size() != end - first) {
        return Broken(fmt::format("{} model requests where the script has {} steps",
                                  requests.size(), end - first));
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const json::object& request = requests[i];
        const json::value& step = request.at("step");
        if (request.at("outcome").as_string() != "reply" || !step.is_int64() ||
            step.as_int64() != static_cast<std::int64_t>(first + i)) {
            const json::value& reason = request.at("reason");
            return Broken(fmt::format("request {} got '{}' ({}) instead of step {}",
                                      request.at("n").as_int64(),
                                      std::string_view(request.at("outcome").as_string()),
                                      reason.is_string() ? std::string_view(reason.as_string())
                                                         : std::string_view("no reason"),
                                      first + i));
        }
    }
    return {};
}

// Every tool call of the turn succeeded: the script has none that should fail.
Status CheckToolResults(std::string_view messages_json) {
    json::array transcript = json::parse(messages_json).as_array();
    for (const json::value& entry : transcript) {
        const json::object& message = entry.as_object();
        if (!message.contains("is_error")) continue;
        std::string_view id = message.at("tool_call_id").as_string();
        std::string_view tool = "a tool";
        for (const json::value& earlier : transcript) {
            const json::value* calls = earlier.as_object().if_contains("tool_calls");
            if (!calls) continue;
            for (const json::value& call : calls->as_array()) {
                if (call.at("id").as_string() == id) tool = call.at("name").as_string();
            }
        }
        return Broken(fmt::format("{} failed: {}", tool,
                                  std::string_view(message.at("content").as_string())));
    }
    return {};
}

// The workbook after turn `turn` holds the scenario's sheets, the new sheets hold formulas and the
// chart is where it should be. Returns its outline.
Result<std::string> CheckWorkbook(const std::string& document, std::size_t turn) {
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(document);
    if (!workbook) return quire::Propagate(workbook);
    Result<std::vector<xlsx::SheetInfo>> sheets = workbook->Sheets();
    if (!sheets) return quire::Propagate(sheets);
    std::vector<std::string> names;
    for (const xlsx::SheetInfo& sheet : *sheets) names.push_back(sheet.name);
    const ScenarioTurn& expected = kScenario[turn];
    if (!std::equal(names.begin(), names.end(), expected.sheets.begin(), expected.sheets.end())) {
        return Broken(fmt::format("the workbook has sheets {} instead of {}",
                                  fmt::join(names, ", "), fmt::join(expected.sheets, ", ")));
    }

    Result<std::vector<xlsx::ChartInfo>> charts = workbook->Charts();
    if (!charts) return quire::Propagate(charts);
    auto chart = std::find_if(charts->begin(), charts->end(),
                              [](const xlsx::ChartInfo& c) { return c.name == kChart; });
    if (charts->size() != 1 || chart == charts->end() || chart->sheet != expected.chart_sheet) {
        return Broken(
            fmt::format("the chart '{}' is not (alone) on {}", kChart, expected.chart_sheet));
    }

    Result<std::string> outline = workbook->OutlineJson();
    if (!outline) return quire::Propagate(outline);
    json::value parsed = json::parse(*outline);
    for (const json::value& sheet : parsed.at("sheets").as_array()) {
        if (sheet.at("name").as_string() != kDataSheet &&
            sheet.at("formulas").to_number<std::int64_t>() == 0) {
            return Broken(fmt::format("sheet {} holds no formulas",
                                      std::string_view(sheet.at("name").as_string())));
        }
    }
    return *outline;
}

// The turn's cost from its requests. The count must be the server's: every token it counted is
// uncached input, a cache read or a cache write.
Result<TurnCost> CountTurn(const std::vector<json::object>& requests,
                           const agent::TurnStats& stats) {
    TurnCost cost{{}, stats, static_cast<int>(requests.size())};
    std::size_t request_at = requests.front().at("body").at("messages").as_array().size() - 1;
    for (const json::object& request : requests) {
        cost.counted += CountRequest(request.at("body").as_object(), request_at);
    }
    std::int64_t reported = stats.input_tokens + stats.cache_read_tokens + stats.cache_write_tokens;
    if (reported != cost.counted.Whole()) {
        return Broken(fmt::format("counted {} input tokens where the fake server counted {}",
                                  cost.counted.Whole(), reported));
    }
    return cost;
}

struct TurnResult {
    agent::TurnOutput output;
    TurnCost cost;
};

Result<TurnResult> PlayTurn(const agent::TurnInput& input, agent::Agent& agent,
                            const FakeModelServer& server, const Script& script, std::size_t turn) {
    std::size_t before = server.Requests().size();
    Result<agent::TurnOutput> output = agent.RunTurn(input);
    if (!output) {
        return Broken(fmt::format("the turn failed: {} ({})", output.error().message,
                                  quire::ErrorCodeName(output.error().code)));
    }
    std::vector<json::object> requests = server.Requests();
    requests.erase(requests.begin(), requests.begin() + static_cast<std::ptrdiff_t>(before));
    if (Status steps = CheckSteps(requests, script.first_step[turn], script.first_step[turn + 1]);
        !steps) {
        return std::unexpected(steps.error());
    }
    if (Status tools = CheckToolResults(output->messages_json); !tools) {
        return std::unexpected(tools.error());
    }
    Result<TurnCost> cost = CountTurn(requests, output->stats);
    if (!cost) return quire::Propagate(cost);
    return TurnResult{std::move(*output), *cost};
}

// Plays the three turns with one fake server, handing each turn's document and memory to the
// next as the worker does.
Result<ModeRun> PlayRun(bool use_memory, const std::filesystem::path& script_path,
                        const std::string& csv) {
    Result<Script> script = LoadScript(script_path);
    if (!script) return quire::Propagate(script);
    FakeModelServer server(script->server_script);
    Result<std::shared_ptr<agent::llm::Provider>> provider = AnthropicProvider(server);
    if (!provider) return quire::Propagate(provider);
    agent::ModelAgentOptions options;
    options.use_memory = use_memory;

    ModeRun run;
    std::optional<std::string> document;
    std::string memory_json = "{}";
    for (std::size_t turn = 0; turn < kTurns; ++turn) {
        agent::TurnInput input;
        input.format = agent::DocumentFormat::kExcel;
        input.prompt = std::string(kScenario[turn].prompt);
        input.document = document;
        input.memory_json = memory_json;
        input.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
        if (turn == 0) input.data_sources.push_back({std::string(kDataFile), "csv", csv});

        auto where = [&](const Error& error) {
            return Broken(fmt::format("{}, turn {}: {}", script_path.filename().string(), turn + 1,
                                      error.message));
        };
        // A new agent for each turn, as the worker makes one per task.
        std::unique_ptr<agent::Agent> model_agent = agent::MakeModelAgent(*provider, options);
        Result<TurnResult> played = PlayTurn(input, *model_agent, server, *script, turn);
        if (!played) return where(played.error());
        Result<std::string> outline = CheckWorkbook(played->output.document, turn);
        if (!outline) return where(outline.error());
        document = std::move(played->output.document);
        memory_json = std::move(played->output.memory_json);
        run.turns.push_back(played->cost);
        run.outlines.push_back(std::move(*outline));
    }
    run.requests = server.Requests();
    return run;
}

// ---- the report --------------------------------------------------------------------------------

std::string Both(std::int64_t with, std::int64_t without) {
    return fmt::format("{} / {}", with, without);
}

void PrintMessageTokens(const ModeRun& with, const ModeRun& without) {
    fmt::print(
        "\nmessage input tokens per turn, summed over its model requests (tool schemas and "
        "system prompt left out)\n");
    fmt::print("{:<32} {:>12} {:>15} {:>26}\n", "turn", "with memory", "without memory",
               "model calls (with / w/o)");
    for (std::size_t t = 0; t < kTurns; ++t) {
        fmt::print("{:<32} {:>12} {:>15} {:>26}\n", fmt::format("{} {}", t + 1, kScenario[t].label),
                   with.turns[t].counted.Messages(), without.turns[t].counted.Messages(),
                   Both(with.turns[t].requests, without.turns[t].requests));
    }

    fmt::print("\nwhere they go, with memory / without memory\n");
    fmt::print("{:<6} {:>17} {:>17} {:>17} {:>17}\n", "turn", "earlier turns", "turn's request",
               "model's calls", "tool results");
    for (std::size_t t = 0; t < kTurns; ++t) {
        fmt::print("{:<6}", t + 1);
        for (Part part : {Part::kEarlierTurns, Part::kRequest, Part::kModel, Part::kToolResults}) {
            fmt::print(" {:>17}",
                       Both(with.turns[t].counted[part], without.turns[t].counted[part]));
        }
        fmt::print("\n");
    }
}

void PrintReported(const ModeRun& with, const ModeRun& without) {
    fmt::print(
        "\nas the provider reported them (whole requests, tool schemas and system prompt "
        "included), with memory / without memory\n");
    fmt::print("{:<6} {:>17} {:>17} {:>17} {:>17} {:>19}\n", "turn", "uncached input", "cache read",
               "cache write", "total", "schemas and system");
    for (std::size_t t = 0; t < kTurns; ++t) {
        const TurnCost& a = with.turns[t];
        const TurnCost& b = without.turns[t];
        fmt::print("{:<6} {:>17} {:>17} {:>17} {:>17} {:>19}\n", t + 1,
                   Both(a.stats.input_tokens, b.stats.input_tokens),
                   Both(a.stats.cache_read_tokens, b.stats.cache_read_tokens),
                   Both(a.stats.cache_write_tokens, b.stats.cache_write_tokens),
                   Both(a.counted.Whole(), b.counted.Whole()),
                   Both(a.counted.tools + a.counted.system, b.counted.tools + b.counted.system));
    }
}

void PrintTargets(const ModeRun& with, const ModeRun& without) {
    std::int64_t turn1 = with.turns[0].counted.Messages();
    std::int64_t turn2 = with.turns[1].counted.Messages();
    std::int64_t turn2_without = without.turns[1].counted.Messages();
    auto percent = [](std::int64_t part, std::int64_t whole) {
        return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
    };
    auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
    fmt::print(
        "\ntargets: turn 2 with memory <= 30 % of turn 1: {:.1f} % ({} / {}): {}; "
        "turn 2 with memory <= 50 % of turn 2 without: {:.1f} % ({} / {}): {}\n",
        percent(turn2, turn1), turn2, turn1, verdict(turn2 * 10 <= turn1 * 3),
        percent(turn2, turn2_without), turn2, turn2_without, verdict(turn2 * 2 <= turn2_without));
}

Status KeepRequests(const std::filesystem::path& dir, std::string_view name, const ModeRun& run) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::ofstream out(dir / fmt::format("{}.jsonl", name), std::ios::binary);
    for (const json::object& request : run.requests) out << json::serialize(request) << '\n';
    if (!out) return Broken(fmt::format("cannot write the request log to {}", dir.string()));
    return {};
}

struct Options {
    std::filesystem::path shared_dir = quire::test_support::SharedDir();
    std::filesystem::path scripts_dir =
        std::filesystem::path(QUIRE_SOURCE_DIR) / "bench" / "turn_cost";
    std::optional<std::filesystem::path> keep_requests;
};

std::optional<Options> ParseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; i += 2) {
        std::string_view flag = argv[i];
        if (i + 1 >= argc) return std::nullopt;
        if (flag == "--shared-dir") {
            options.shared_dir = argv[i + 1];
        } else if (flag == "--scripts") {
            options.scripts_dir = argv[i + 1];
        } else if (flag == "--keep-requests") {
            options.keep_requests = argv[i + 1];
        } else {
            return std::nullopt;
        }
    }
    return options;
}

Status Run(const Options& options) {
    std::filesystem::path csv_path = options.shared_dir / "data" / kDataFile;
    std::ifstream in(csv_path, std::ios::binary);
    std::string csv((std::istreambuf_iterator<char>(in)), {});
    if (csv.empty()) return Broken(fmt::format("cannot read {}", csv_path.string()));
    fmt::print(
        "turn-cost benchmark: three turns of one Excel run over {}, Anthropic wire format, "
        "scripted model on loopback\n",
        kDataFile);

    Result<ModeRun> with = PlayRun(true, options.scripts_dir / "with_memory.json", csv);
    if (!with) return std::unexpected(with.error());
    Result<ModeRun> without = PlayRun(false, options.scripts_dir / "without_memory.json", csv);
    if (!without) return std::unexpected(without.error());
    if (options.keep_requests) {
        for (auto [name, run] : {std::pair{"with_memory", &*with}, {"without_memory", &*without}}) {
            if (Status kept = KeepRequests(*options.keep_requests, name, *run); !kept) return kept;
        }
    }
    // Both runs make the same edits; only what the model reads differs.
    for (std::size_t t = 0; t < kTurns; ++t) {
        if (with->outlines[t] != without->outlines[t]) {
            return Broken(fmt::format("after turn {} the two runs' workbooks differ", t + 1));
        }
    }

    PrintMessageTokens(*with, *without);
    PrintReported(*with, *without);
    PrintTargets(*with, *without);
    fmt::print(
        "scenario: ok (every tool call succeeded; after each turn both runs hold the same "
        "workbook, with the expected sheets, formulas and the chart in place)\n");
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<Options> options = ParseOptions(argc, argv);
    if (!options) {
        std::fprintf(stderr,
                     "usage: turn_cost [--shared-dir DIR] [--scripts DIR] [--keep-requests DIR]\n");
        return 2;
    }
    try {
        Status done = Run(*options);
        if (done) return 0;
        std::fflush(stdout);
        std::fprintf(stderr, "turn_cost: %s\n", done.error().message.c_str());
    } catch (const std::exception& e) {
        // The fake server did not start, or its log is not what it documents.
        std::fprintf(stderr, "turn_cost: %s\n", e.what());
    }
    return 1;
}
