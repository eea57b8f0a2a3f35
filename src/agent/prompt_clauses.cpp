#include "agent/prompt_clauses.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "agent/excel_instructions.hpp"

namespace quire::agent {
namespace {

constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

// The verbs that start an instruction, for splitting at "and" / "then".
constexpr std::string_view kVerbs =
    "(?:add|create|insert|rename|set|put|write|enter|delete|remove|drop|move|make|format|show|"
    "display|freeze|unfreeze|sum|total|bold|draw|plot|accept|reject)";

std::string Trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
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

// An instruction ends at an unquoted "and" or "then": in "add a sheet named Q1 and make it
// blue" the sheet is "Q1" and "make it blue" is an instruction of its own. Text that does not
// start with an instruction verb ("compare bread and butter") is left whole.
std::vector<std::string> SplitInstruction(std::string_view text) {
    static const std::regex kVerb(
        R"(^\s*(?:please\s+)?(?:add|create|insert|rename|set|put|write)\b)", kIcase);
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

std::string Unquote(std::string_view text) {
    std::string value = Trim(text);
    static const std::pair<std::string_view, std::string_view> kQuotes[] = {
        {"\"", "\""}, {"'", "'"}, {"\u201c", "\u201d"}, {"\u2018", "\u2019"}, {"`", "`"}};
    for (const auto& [open, close] : kQuotes) {
        if (value.size() >= open.size() + close.size() && value.starts_with(open) &&
            value.ends_with(close)) {
            return value.substr(open.size(), value.size() - open.size() - close.size());
        }
    }
    return value;
}

std::string TidyClause(std::string_view clause) {
    static const std::regex kOpeners(R"(^(?:(?:please|now|also|then|and|next|finally|kindly|)"
                                     R"((?:can|could|would|will)\s+you)\b[\s,]*)+)",
                                     kIcase);
    static const std::regex kClosing(R"([\s,]+please$)", kIcase);
    std::string text = Trim(clause);
    for (bool changed = true; changed;) {
        std::size_t before = text.size();
        while (!text.empty() && std::string_view(".!?,;:").find(text.back()) != std::string::npos)
            text.pop_back();
        text = Trim(std::regex_replace(text, kClosing, ""));
        changed = text.size() != before;
    }
    return Trim(std::regex_replace(text, kOpeners, ""));
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

namespace {

// A clause no instruction matches may still begin with one that "and" / "then" joins to
// something else ("make the header bold and paint it blue"): the longest start that reads as an
// instruction becomes a clause of its own, and the rest is split the same way. A clause that
// reads as an instruction as a whole ("freeze the top row and the first column") stays whole.
void SplitAtJoiners(const std::string& clause, std::vector<std::string>& out) {
    static const std::regex kJoiner(R"(\s+(?:and\s+then|and|then)\s+)", kIcase);
    if (ParseExcelInstruction(clause)) {
        out.push_back(clause);
        return;
    }
    std::vector<std::pair<std::size_t, std::size_t>> joiners;
    for (std::sregex_iterator it(clause.begin(), clause.end(), kJoiner), end; it != end; ++it) {
        joiners.emplace_back(it->position(), it->position() + it->length());
    }
    for (auto joiner = joiners.rbegin(); joiner != joiners.rend(); ++joiner) {
        std::string head = Trim(std::string_view(clause).substr(0, joiner->first));
        if (!ParseExcelInstruction(head)) continue;
        out.push_back(head);
        SplitAtJoiners(Trim(std::string_view(clause).substr(joiner->second)), out);
        return;
    }
    out.push_back(clause);
}

}  // namespace

std::vector<std::string> SplitClauses(std::string_view prompt) {
    static const std::regex kJoin(
        R"(\s+(?:and\s+then|and|then)\s+(?=)" + std::string(kVerbs) + R"(\b))", kIcase);
    std::vector<std::string> clauses;
    for (const auto& sentence : SplitSentences(prompt)) {
        std::sregex_token_iterator it(sentence.begin(), sentence.end(), kJoin, -1), end;
        for (; it != end; ++it) {
            for (auto& clause : SplitInstruction(it->str())) {
                if (!clause.empty()) SplitAtJoiners(clause, clauses);
            }
        }
    }
    return clauses;
}

namespace {

const std::regex& ReportPattern() {
    static const std::regex pattern(
        R"(\b(report|summary|summari[sz]e|dashboard|analy[sz]e|analysis|chart|overview)\b)",
        kIcase);
    return pattern;
}

}  // namespace

bool AsksForReport(std::string_view prompt) {
    for (const std::string& clause : SplitClauses(prompt)) {
        if (!ParseExcelInstruction(clause) && std::regex_search(clause, ReportPattern())) {
            return true;
        }
    }
    return false;
}

bool AsksForFollowUpReport(std::string_view clause_view) {
    static const std::regex kMake(
        R"(\b(?:create|make|build|add|give|produce|prepare|generate|write|do|run)\b.*)"
        R"(\b(?:report|summary|analysis|dashboard|overview)\b)",
        kIcase);
    static const std::regex kVerb(R"(\b(?:summari[sz]e|analy[sz]e)\b)", kIcase);
    std::string clause(clause_view);
    if (ParseExcelInstruction(clause)) return false;
    return std::regex_search(clause, kMake) || std::regex_search(clause, kVerb);
}

bool SpeaksOfData(std::string_view clause_view) {
    static const std::regex kFromData(
        R"(\b(csv|data|dataset|file|import|load|table|workbook|spreadsheet)\b)", kIcase);
    std::string clause(clause_view);
    return std::regex_search(clause, kFromData) || std::regex_search(clause, ReportPattern());
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
