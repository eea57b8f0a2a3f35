#include "agent/prompt_clauses.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

std::string Trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

// Removes one pair of surrounding quotes ("x", 'x', “x”, ‘x’) and a trailing full stop.
std::string Unquote(std::string_view text) {
    std::string value = Trim(text);
    if (!value.empty() && value.back() == '.') value.pop_back();
    static const std::vector<std::pair<std::string, std::string>> kQuotes = {
        {"\"", "\""}, {"'", "'"}, {"\u201c", "\u201d"}, {"\u2018", "\u2019"}, {"`", "`"}};
    for (const auto& [open, close] : kQuotes) {
        if (value.size() >= open.size() + close.size() && value.starts_with(open) &&
            value.ends_with(close)) {
            return value.substr(open.size(), value.size() - open.size() - close.size());
        }
    }
    return value;
}

// Sentence ends are a full stop, question or exclamation mark followed by white space; a full
// stop inside a number ("3.5") or a reference is not one.
std::vector<std::string> SplitSentences(std::string_view prompt) {
    std::vector<std::string> pieces;
    std::string current;
    for (std::size_t i = 0; i < prompt.size(); ++i) {
        char c = prompt[i];
        bool at_end = i + 1 == prompt.size();
        bool next_space = !at_end && std::isspace(static_cast<unsigned char>(prompt[i + 1]));
        if (c == '\n' || c == ';' ||
            ((c == '.' || c == '!' || c == '?') && (next_space || at_end))) {
            pieces.push_back(current);
            current.clear();
            continue;
        }
        current.push_back(c);
    }
    pieces.push_back(current);
    return pieces;
}

xlsx::CellValue ParseValue(std::string_view text) {
    std::string raw = Trim(text);
    if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'') &&
        raw.back() == raw.front()) {
        return xlsx::CellValue::Text(raw.substr(1, raw.size() - 2));
    }
    if (!raw.empty() && raw.back() == '.') raw.pop_back();
    if (raw.starts_with("=") && raw.size() > 1) return xlsx::CellValue::Formula(raw.substr(1));
    if (EqualsIgnoringCase(raw, "true")) return xlsx::CellValue::Boolean(true);
    if (EqualsIgnoringCase(raw, "false")) return xlsx::CellValue::Boolean(false);
    static const std::regex kNumber(R"(^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$)");
    if (std::regex_match(raw, kNumber))
        return xlsx::CellValue::Number(std::strtod(raw.c_str(), nullptr));
    return xlsx::CellValue::Text(raw);
}

ClauseOutcome Refused(std::string_view what, const Error& error) {
    return {ClauseOutcome::Kind::kRefused, fmt::format("{}: {}", what, error.message)};
}

// Engine errors that describe the request (no such sheet, bad name) become refusals the summary
// reports; anything else fails the task.
Result<ClauseOutcome> Outcome(const Status& status, std::string_view what, std::string done) {
    if (status) return ClauseOutcome{ClauseOutcome::Kind::kApplied, std::move(done)};
    ErrorCode code = status.error().code;
    if (code == ErrorCode::kInvalidRequest || code == ErrorCode::kNotFound ||
        code == ErrorCode::kConflict) {
        return Refused(what, status.error());
    }
    return std::unexpected(status.error());
}

// An instruction ends at an unquoted "and" or "then": in "add a sheet named Q1 and make it
// blue" the sheet is "Q1" and "make it blue" is an instruction of its own. Text that does not
// start with an instruction verb ("compare bread and butter") is left whole.
std::vector<std::string> SplitInstruction(std::string_view text) {
    static const std::regex kVerb(R"(^\s*(?:please\s+)?(add|create|insert|rename|set|put|write)\b)",
                                  kIcase);
    std::string clause = Trim(text);
    if (!std::regex_search(clause, kVerb)) return {clause};

    std::vector<std::string> pieces;
    std::size_t start = 0;
    char quote = 0;
    for (std::size_t i = 0; i < clause.size(); ++i) {
        char c = clause[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '"' || (c == '\'' && (i == 0 || clause[i - 1] == ' '))) {
            quote = c;
            continue;
        }
        if (c != ' ') continue;
        for (std::string_view joiner : {" and then ", " and ", " then "}) {
            if (clause.size() - i >= joiner.size() &&
                EqualsIgnoringCase(std::string_view(clause).substr(i, joiner.size()), joiner)) {
                pieces.push_back(Trim(std::string_view(clause).substr(start, i - start)));
                start = i + joiner.size();
                i = start - 1;
                break;
            }
        }
    }
    pieces.push_back(Trim(std::string_view(clause).substr(start)));
    return pieces;
}

}  // namespace

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::vector<std::string> SplitClauses(std::string_view prompt) {
    static const std::regex kJoin(
        R"(\s+(?:and\s+then|and|then)\s+(?=(?:add|create|insert|rename|set|put|write)\b))", kIcase);
    std::vector<std::string> clauses;
    for (const auto& sentence : SplitSentences(prompt)) {
        std::sregex_token_iterator it(sentence.begin(), sentence.end(), kJoin, -1), end;
        for (; it != end; ++it) {
            for (auto& clause : SplitInstruction(it->str())) {
                if (!clause.empty()) clauses.push_back(std::move(clause));
            }
        }
    }
    return clauses;
}

namespace {

// The documented follow-up instructions (docs/offline-agent.md), matched against a whole clause.
const std::regex& AddSheetPattern() {
    static const std::regex pattern(
        R"(^(?:please\s+)?(?:add|create|insert)\s+(?:a\s+|an\s+|one\s+)?(?:new\s+)?(?:empty\s+)?)"
        R"((?:work)?sheet\s+(?:named|called|titled)\s+(.+)$)",
        kIcase);
    return pattern;
}

const std::regex& RenamePattern() {
    static const std::regex pattern(
        R"(^(?:please\s+)?rename\s+(?:the\s+)?(?:work)?sheet\s+(.+?)\s+(?:to|as)\s+(.+)$)", kIcase);
    return pattern;
}

const std::regex& SetCellPattern() {
    static const std::regex pattern(R"(^(?:please\s+)?(?:set|put|write)\s+(?:cell\s+)?(.+?)!)"
                                    R"(\$?([A-Za-z]{1,3})\$?([0-9]{1,7})\s+(?:to|=)\s+(.+)$)",
                                    kIcase);
    return pattern;
}

const std::regex& ReportPattern() {
    static const std::regex pattern(
        R"(\b(report|summary|summari[sz]e|dashboard|analy[sz]e|analysis|chart|overview)\b)",
        kIcase);
    return pattern;
}

bool IsFollowUpInstruction(const std::string& clause) {
    return std::regex_match(clause, AddSheetPattern()) ||
           std::regex_match(clause, RenamePattern()) || std::regex_match(clause, SetCellPattern());
}

}  // namespace

bool AsksForReport(std::string_view prompt) {
    for (const std::string& clause : SplitClauses(prompt)) {
        if (!IsFollowUpInstruction(clause) && std::regex_search(clause, ReportPattern())) {
            return true;
        }
    }
    return false;
}

Result<ClauseOutcome> ApplyExcelClause(xlsx::Workbook& workbook, std::string_view clause_view,
                                       bool has_data) {
    static const std::regex kFromData(
        R"(\b(csv|data|dataset|file|import|load|table|workbook|spreadsheet)\b)", kIcase);
    const std::regex& kAddSheet = AddSheetPattern();
    const std::regex& kRename = RenamePattern();
    const std::regex& kSetCell = SetCellPattern();

    std::string clause(clause_view);
    std::smatch match;
    if (std::regex_match(clause, match, kAddSheet)) {
        std::string name = Unquote(match[1].str());
        return Outcome(workbook.AddSheet(name), fmt::format("Could not add sheet \"{}\"", name),
                       fmt::format("Added sheet \"{}\".", name));
    }
    if (std::regex_match(clause, match, kRename)) {
        std::string from = Unquote(match[1].str());
        std::string to = Unquote(match[2].str());
        return Outcome(workbook.RenameSheet(from, to),
                       fmt::format("Could not rename sheet \"{}\"", from),
                       fmt::format("Renamed sheet \"{}\" to \"{}\".", from, to));
    }
    if (std::regex_match(clause, match, kSetCell)) {
        std::string sheet = Unquote(match[1].str());
        std::string ref = match[2].str() + match[3].str();
        std::ranges::transform(ref, ref.begin(), [](unsigned char c) { return std::toupper(c); });
        xlsx::CellValue value = ParseValue(match[4].str());
        return Outcome(workbook.SetCell(sheet, ref, value),
                       fmt::format("Could not set {}!{}", sheet, ref),
                       fmt::format("Set {}!{}.", sheet, ref));
    }
    bool about_data =
        std::regex_search(clause, kFromData) || std::regex_search(clause, ReportPattern());
    if (has_data && about_data) {
        return ClauseOutcome{ClauseOutcome::Kind::kAcknowledged, {}};
    }
    return ClauseOutcome{};
}

TitledText SplitTitle(std::string_view prompt) {
    std::string text = Trim(prompt);
    std::size_t end = text.size();
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n' ||
            ((c == '.' || c == '!' || c == '?') &&
             (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))))) {
            end = i;
            break;
        }
    }
    TitledText out;
    out.title = Trim(std::string_view(text).substr(0, std::min<std::size_t>(end, 120)));
    if (out.title.empty()) out.title = "Untitled";
    out.body = end < text.size() ? Trim(std::string_view(text).substr(end + 1)) : std::string();
    return out;
}

}  // namespace quire::agent
