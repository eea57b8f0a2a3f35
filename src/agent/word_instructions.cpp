#include "agent/word_instructions.hpp"

#include <regex>

#include "agent/prompt_clauses.hpp"

namespace quire::agent {
namespace {

constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

// A quoted piece of text, or else the shortest text that lets the rest of the phrase match:
// quote a name that holds "after", "to" or "with".
const std::string kName = R"(("[^"]*"|'[^']*'|\u201c[^\u201d]*\u201d|.+?))";

bool Match(const std::string& text, std::smatch& match, const std::regex& pattern) {
    return std::regex_match(text, match, pattern);
}

// "after", "below", "following" -> after; "before", "above" -> before.
WordPlace PlaceWord(const std::string& word) {
    static const std::regex kBefore(R"(before|above|ahead\s+of|in\s+front\s+of)", kIcase);
    return std::regex_match(word, kBefore) ? WordPlace::kBeforeSection : WordPlace::kAfterSection;
}

// "section Chart", "the Chart section", "the section named Chart": the word "section" settles
// that a section is meant, even one called "Chart" or "Table".
bool SaysSection(const std::string& text) {
    static const std::regex kSection(R"(^(?:the\s+)?(?:section\b.*|.+\s+section)$)", kIcase);
    return std::regex_match(text, kSection);
}

// The section named where only a section can be meant ("add a section Notes after Chart"): as
// SectionWords, but a bare name that reads like a chart or table is a section's too.
std::optional<std::string> PlaceSectionWords(const std::string& text) {
    if (std::optional<std::string> section = SectionWords(text)) return section;
    static const std::regex kBare(R"(^(?:the\s+)?(.+)$)", kIcase);
    std::string words = Unquote(text);
    std::smatch match;
    if (words.empty() || !Match(words, match, kBare)) return std::nullopt;
    return Unquote(match[1].str());
}

bool NamesDocumentEnd(const std::string& text) {
    static const std::regex kEnd(
        R"((?:the\s+)?(?:end|bottom)(?:\s+of\s+(?:the\s+|this\s+)?document)?)", kIcase);
    return std::regex_match(text, kEnd);
}

std::optional<WordInstruction> TryAddSection(const std::string& clause) {
    static const std::regex kAdd(
        R"(^(?:add|insert|create|append)\s+(?:(?:a|an|one)\s+)?(?:new\s+)?section\s+)"
        R"((?:(?:named|called|titled|headed)\s+)?)" +
            kName + R"((?:\s+(after|below|following|before|above)\s+(.+)|\s+at\s+(.+))?$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kAdd)) return std::nullopt;
    AddSection add{Unquote(match[1].str()), WordPlace::kEndOfDocument, {}};
    if (add.title.empty()) return std::nullopt;
    if (match[4].matched) {
        // "at" that does not name an end of the document is part of the title.
        if (!NamesDocumentEnd(match[4].str()))
            add.title = Unquote(match[0].str().substr(match.position(1)));
        return add;
    }
    if (match[2].matched) {
        std::optional<std::string> section = PlaceSectionWords(match[3].str());
        if (!section) return std::nullopt;
        add.place = PlaceWord(match[2].str());
        add.section = *section;
    }
    return add;
}

// "move X to/into Y", "move X after/before Y", "move X to the end".
std::optional<WordInstruction> TryMove(const std::string& clause) {
    static const std::regex kMove(
        R"(^move\s+)" + kName + R"(\s+(to|into|in|after|below|before|above)\s+(.+)$)", kIcase);
    std::smatch match;
    if (!Match(clause, match, kMove)) return std::nullopt;
    std::string what = match[1].str();
    std::string word = match[2].str();
    std::string where = match[3].str();
    static const std::regex kEndOf(R"(^(?:the\s+)?end\s+of\s+(.+)$)", kIcase);
    bool into = std::regex_match(word, std::regex(R"(to|into|in)", kIcase));
    std::smatch end_of;
    if (into && !NamesDocumentEnd(where) && std::regex_match(where, end_of, kEndOf)) {
        where = end_of[1].str();
    }
    if (std::optional<FigureWords> figure = ParseFigureWords(what)) {
        MoveFigure move{*figure, into ? WordPlace::kEndOfSection : PlaceWord(word), {}};
        if (into && NamesDocumentEnd(where)) {
            move.place = WordPlace::kEndOfDocument;
            return move;
        }
        std::optional<std::string> section = SectionWords(where);
        if (!section) return std::nullopt;
        move.section = *section;
        return move;
    }
    std::optional<std::string> section = SectionWords(what);
    if (!section) return std::nullopt;
    MoveSection move{*section, PlaceWord(word), {}};
    if (into) {
        if (!NamesDocumentEnd(where)) return std::nullopt;
        move.place = WordPlace::kEndOfDocument;
        return move;
    }
    std::optional<std::string> other = PlaceSectionWords(where);
    if (!other) return std::nullopt;
    move.other = *other;
    return move;
}

std::optional<WordInstruction> TryDelete(const std::string& clause) {
    static const std::regex kDelete(R"(^(?:delete|remove|drop)\s+(.+)$)", kIcase);
    std::smatch match;
    if (!Match(clause, match, kDelete)) return std::nullopt;
    if (std::optional<FigureWords> figure = ParseFigureWords(match[1].str())) {
        return DeleteFigure{*figure};
    }
    // A section is only deleted when the clause says it is one: "delete Risks" could mean a word.
    if (!SaysSection(Unquote(match[1].str()))) return std::nullopt;
    std::optional<std::string> section = SectionWords(match[1].str());
    if (!section || section->empty()) return std::nullopt;
    return DeleteSection{*section};
}

std::optional<WordInstruction> TryReplace(const std::string& clause) {
    static const std::regex kReplace(
        R"(^replace\s+(?:(?:all|every|each)\s+)?(?:of\s+)?)" + kName + R"(\s+(?:with|by)\s+(.+)$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kReplace)) return std::nullopt;
    ReplaceWords replace{Unquote(match[1].str()), Unquote(match[2].str())};
    if (replace.find.empty()) return std::nullopt;
    return replace;
}

std::optional<WordInstruction> TryAddParagraph(const std::string& clause) {
    static const std::regex kAdd(
        R"(^(?:add|insert|append|write)\s+(?:(?:a|an|one)\s+)?(?:new\s+)?paragraph)"
        R"((?:\s+(?:to|in|into|under|at\s+the\s+end\s+of)\s+)" +
            kName +
            R"()?\s*(?:,\s*)?(?:saying|that\s+says|reading|with\s+(?:the\s+)?text)\s*:?\s*(.+)$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kAdd)) return std::nullopt;
    AddParagraph add{{}, Unquote(match[2].str())};
    if (add.text.empty()) return std::nullopt;
    static const std::regex kDocument(R"((?:the\s+|this\s+)?document)", kIcase);
    if (match[1].matched && !NamesDocumentEnd(match[1].str()) &&
        !std::regex_match(match[1].str(), kDocument)) {
        std::optional<std::string> section = PlaceSectionWords(match[1].str());
        if (!section) return std::nullopt;
        add.section = *section;
    }
    return add;
}

std::optional<WordInstruction> TryRetitle(const std::string& clause) {
    static const std::regex kRename(
        R"(^(?:rename|retitle)\s+(?:the\s+|this\s+)?(?:document|memo|report)\s+)"
        R"((?:to\s+|as\s+)?(.+)$)",
        kIcase);
    static const std::regex kSetTitle(
        R"(^(?:change|set|make)\s+(?:the\s+)?(?:(?:document|memo|report)(?:'s)?\s+)?)"
        R"(title\s+(?:to|into)\s+(.+)$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kRename) && !Match(clause, match, kSetTitle)) return std::nullopt;
    RetitleDocument retitle{Unquote(match[1].str())};
    if (retitle.title.empty()) return std::nullopt;
    return retitle;
}

// "accept all changes", "reject all the tracked changes", "accept every suggestion".
std::optional<WordInstruction> TryResolveChanges(const std::string& clause) {
    static const std::regex kResolve(
        R"(^(accept|reject)\s+(?:(?:all|every)\s+(?:of\s+)?)?(?:the\s+)?(?:tracked\s+)?)"
        R"((?:changes?|revisions?|suggestions?)$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kResolve)) return std::nullopt;
    return ResolveChanges{EqualsIgnoringCase(match[1].str(), "accept")};
}

}  // namespace

TrackedWording ReadTrackedWording(std::string_view clause) {
    static const std::regex kAlone(
        R"(^(?:(?:use|turn\s+on|switch\s+on|keep|with)\s+)?track(?:ed)?\s+changes(?:\s+on)?$|)"
        R"(^as\s+(?:a\s+)?tracked\s+changes?$|^as\s+suggestions$|)"
        R"(^track\s+(?:the\s+|your\s+|all\s+|my\s+)?(?:changes|edits)$|)"
        R"(^(?:make|mark)\s+(?:the\s+|your\s+|all\s+|these\s+)?(?:edits|changes)\s+)"
        R"((?:as\s+)?(?:tracked(?:\s+changes)?|suggestions)$)",
        kIcase);
    static const std::regex kAtEnd(
        R"(^(.+?)(?:\s*,)?\s+(?:as\s+(?:a\s+)?tracked\s+changes?|as\s+(?:a\s+)?suggestions?|)"
        R"(with\s+track(?:ed)?\s+changes(?:\s+on)?)$|^(.+?)\s*,\s*tracked$)",
        kIcase);
    static const std::regex kAtStart(
        R"(^(?:as\s+(?:a\s+)?tracked\s+changes?|with\s+track(?:ed)?\s+changes)\s*,?\s+(.+)$)",
        kIcase);
    const std::string text = TidyClause(clause);
    if (std::regex_match(text, kAlone)) return {"", true, true};
    std::smatch match;
    if (Match(text, match, kAtEnd)) {
        return {(match[1].matched ? match[1] : match[2]).str(), true, false};
    }
    if (Match(text, match, kAtStart)) return {match[1].str(), true, false};
    return {std::string(clause), false, false};
}

std::optional<FigureWords> ParseFigureWords(std::string_view text) {
    static const std::regex kWordFirst(
        R"(^(?:the\s+)?(chart|graph|figure|table)(?:\s+(?:named|called|titled))?(?:\s+(.+))?$)",
        kIcase);
    static const std::regex kWordLast(R"(^(?:the\s+)?(.+?)\s+(chart|graph|figure|table)$)", kIcase);
    std::string words = Unquote(text);
    if (SaysSection(words)) return std::nullopt;
    std::smatch match;
    if (!Match(words, match, kWordFirst) && !Match(words, match, kWordLast)) return std::nullopt;
    bool word_first = std::regex_match(words, kWordFirst);
    std::string kind = (word_first ? match[1] : match[2]).str();
    std::string name = Unquote((word_first ? match[2] : match[1]).str());
    bool table = EqualsIgnoringCase(kind, "table");
    return FigureWords{table ? "table" : "chart", name};
}

std::optional<std::string> SectionWords(std::string_view text) {
    static const std::regex kWordFirst(
        R"(^(?:the\s+)?section(?:\s+(?:named|called|titled|headed))?\s+(.+)$)", kIcase);
    static const std::regex kWordLast(R"(^(?:the\s+)?(.+?)\s+section$)", kIcase);
    static const std::regex kBare(R"(^(?:the\s+)?(.+)$)", kIcase);
    std::string words = Unquote(text);
    std::smatch match;
    // The word "section" settles it: "the Chart section" is a section, "the chart" is not.
    if (Match(words, match, kWordFirst) || Match(words, match, kWordLast)) {
        return Unquote(match[1].str());
    }
    if (words.empty() || ParseFigureWords(words)) return std::nullopt;
    if (Match(words, match, kBare)) return Unquote(match[1].str());
    return std::nullopt;
}

std::optional<WordInstruction> ParseWordInstruction(std::string_view clause) {
    // The order settles overlaps: a paragraph before a section ("add a paragraph to section X"),
    // a retitle before a replacement.
    using Parser = std::optional<WordInstruction> (*)(const std::string&);
    static constexpr Parser kParsers[] = {TryAddParagraph,  TryAddSection, TryMove,
                                          TryDelete,        TryRetitle,    TryReplace,
                                          TryResolveChanges};
    std::string text = TidyClause(clause);
    if (text.empty()) return std::nullopt;
    for (Parser parse : kParsers) {
        if (std::optional<WordInstruction> instruction = parse(text)) return instruction;
    }
    return std::nullopt;
}

}  // namespace quire::agent
