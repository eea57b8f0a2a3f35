#include "agent/excel_instructions.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <regex>
#include <vector>

#include "agent/prompt_clauses.hpp"

namespace quire::agent {
namespace {

constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

// Pieces the phrases share. A cell is "B7" or "$B$7"; a range is two cells.
const std::string kCell = R"(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})";
const std::string kRange = kCell + ":" + kCell;
const std::string kArticle = R"((?:(?:a|an|one)\s+)?)";

std::string Trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string Upper(std::string text) {
    std::ranges::transform(text, text.begin(), [](unsigned char c) { return std::toupper(c); });
    return text;
}

// "$b$7" -> "B7".
std::string CellText(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c != '$') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return out;
}

bool Match(const std::string& text, std::smatch& match, const std::regex& pattern) {
    return std::regex_match(text, match, pattern);
}

// The words naming a sheet: "sheet X", "the sheet named X", "the X sheet", or, unless
// `require_word`, "X" alone. "" means the current sheet ("the sheet", "this sheet").
std::optional<std::string> SheetWords(std::string_view text, bool require_word) {
    static const std::regex kWordFirst(
        R"(^(?:the\s+)?(?:work)?(?:sheet|tab)(?:\s+(?:named|called|titled))?(?:\s+(.+))?$)",
        kIcase);
    static const std::regex kWordLast(R"(^(?:the\s+)?(.+?)\s+(?:work)?(?:sheet|tab)$)", kIcase);
    static const std::regex kBare(R"(^(?:the\s+)?(.+)$)", kIcase);
    static const std::regex kChart(R"(\b(?:chart|graph)$)", kIcase);
    std::string words = Trim(text);
    std::smatch match;
    if (words.empty()) return std::nullopt;
    if (Match(words, match, kWordFirst) || Match(words, match, kWordLast)) {
        std::string name = Unquote(match[1].str());
        if (EqualsIgnoringCase(name, "this") || EqualsIgnoringCase(name, "current") ||
            EqualsIgnoringCase(name, "active") || EqualsIgnoringCase(name, "same")) {
            return std::string{};
        }
        return name;
    }
    if (require_word || std::regex_search(words, kChart)) return std::nullopt;
    Match(words, match, kBare);
    return Unquote(match[1].str());
}

// The words naming a chart: "the revenue chart", "chart Sales", "the chart named Q1", or "" for
// "the chart". nullopt when the text does not speak of a chart.
std::optional<std::string> ChartWords(std::string_view text) {
    static const std::regex kWordFirst(
        R"(^(?:the\s+)?(?:chart|graph)(?:\s+(?:named|called|titled))?(?:\s+(.+))?$)", kIcase);
    static const std::regex kWordLast(R"(^(?:the\s+)?(.+?)\s+(?:chart|graph)$)", kIcase);
    std::string words = Trim(text);
    std::smatch match;
    if (Match(words, match, kWordFirst) || Match(words, match, kWordLast)) {
        return Unquote(match[1].str());
    }
    return std::nullopt;
}

// Parses `text` as a target followed by an optional " of/on/in SHEET": the whole text first,
// then split at each such word from the left, so that "the cost of goods column" is a column
// and "row 2 of Summary" is row 2 of sheet Summary.
template <typename T>
std::optional<std::pair<T, std::string>> WithSheet(
    const std::string& text, const std::function<std::optional<T>(const std::string&)>& body) {
    if (std::optional<T> whole = body(text)) return std::pair{std::move(*whole), std::string{}};
    static const std::regex kJoin(R"(\s+(?:of|on|in|from)\s+)", kIcase);
    for (std::sregex_iterator it(text.begin(), text.end(), kJoin), end; it != end; ++it) {
        std::string head = text.substr(0, it->position());
        std::string tail = text.substr(it->position() + it->length());
        std::optional<T> part = body(head);
        std::optional<std::string> sheet = SheetWords(tail, false);
        if (part && sheet) return std::pair{std::move(*part), std::move(*sheet)};
    }
    return std::nullopt;
}

std::optional<ColumnWords> ParseColumn(const std::string& text) {
    static const std::regex kLetter(
        R"(^(?:the\s+)?(?:(?:values|cells|numbers|data)\s+in\s+)?column\s+([A-Za-z]{1,3})$)",
        kIcase);
    static const std::regex kHeader(R"(^(?:the\s+)?(.+?)\s+column$)", kIcase);
    std::smatch match;
    if (Match(text, match, kLetter)) return ColumnWords{Upper(match[1].str()), {}};
    if (Match(text, match, kHeader)) return ColumnWords{{}, Unquote(match[1].str())};
    return std::nullopt;
}

std::optional<ExcelInstruction> TryAddSheet(const std::string& clause) {
    static const std::regex kPattern(
        R"(^(?:add|create|insert|make)\s+)" + kArticle +
            R"((?:new\s+)?(?:(?:empty|blank)\s+)?(?:work)?sheet\s+)"
            R"((?:(?:named|called|titled)\s+(.+)|("[^"]*"|'[^']*'|\S+))$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kPattern)) return std::nullopt;
    std::string name = Unquote(match[1].matched ? match[1].str() : match[2].str());
    if (name.empty()) return std::nullopt;
    return AddSheet{name};
}

std::optional<ExcelInstruction> TryDelete(const std::string& clause) {
    static const std::regex kPattern(R"(^(?:delete|remove|drop)\s+(.+)$)", kIcase);
    std::smatch match;
    if (!Match(clause, match, kPattern)) return std::nullopt;
    if (std::optional<std::string> chart = ChartWords(match[1].str())) return DeleteChart{*chart};
    std::optional<std::string> sheet = SheetWords(match[1].str(), true);
    if (!sheet || sheet->empty()) return std::nullopt;
    return DeleteSheet{*sheet};
}

std::optional<ExcelInstruction> TryRenameSheet(const std::string& clause) {
    static const std::regex kPattern(R"(^rename\s+(.+?)\s+(?:to|as|into)\s+(.+)$)", kIcase);
    std::smatch match;
    if (!Match(clause, match, kPattern)) return std::nullopt;
    std::optional<std::string> sheet = SheetWords(match[1].str(), false);
    std::string new_name = Unquote(match[2].str());
    if (!sheet || new_name.empty()) return std::nullopt;
    return RenameSheet{*sheet, new_name};
}

std::optional<ExcelInstruction> TryMoveChart(const std::string& clause) {
    static const std::regex kPattern(R"(^move\s+(.+?)\s+(?:to|onto|into)\s+(.+)$)", kIcase);
    static const std::regex kSheetAt(
        R"(^(.+?)\s+at\s+(?:cell\s+)?()" + kCell + "(?::" + kCell + R"()?)$)", kIcase);
    static const std::regex kPlace(
        R"(^(?:cell\s+)?(?:(.+?)!)?()" + kCell + "(?::" + kCell + R"()?)$)", kIcase);
    std::smatch match;
    if (!Match(clause, match, kPattern)) return std::nullopt;
    std::optional<std::string> chart = ChartWords(match[1].str());
    if (!chart) return std::nullopt;

    std::string target = match[2].str();
    MoveChart move{*chart, {}, {}};
    if (Match(target, match, kSheetAt)) {
        std::optional<std::string> sheet = SheetWords(match[1].str(), false);
        if (!sheet) return std::nullopt;
        move.sheet = *sheet;
        move.anchor = CellText(match[2].str());
    } else if (Match(target, match, kPlace)) {
        move.sheet = Unquote(match[1].str());
        move.anchor = CellText(match[2].str());
    } else {
        std::optional<std::string> sheet = SheetWords(target, false);
        if (!sheet) return std::nullopt;
        move.sheet = *sheet;
    }
    return move;
}

std::optional<ExcelInstruction> TryMoveSheet(const std::string& clause) {
    static const std::regex kEnds(
        R"(^move\s+(.+?)\s+(?:to\s+)?(?:the\s+)?(front|start|beginning|end|back|first|last))"
        R"((?:\s+(?:place|position|tab))?(?:\s+of\s+the\s+(?:workbook|tabs|sheets))?$)",
        kIcase);
    static const std::regex kBeside(
        R"(^move\s+(.+?)\s+(after|behind|before|in\s+front\s+of)\s+(.+)$)", kIcase);
    std::smatch match;
    if (Match(clause, match, kEnds)) {
        std::optional<std::string> sheet = SheetWords(match[1].str(), false);
        if (!sheet) return std::nullopt;
        std::string end = match[2].str();
        bool back = EqualsIgnoringCase(end, "end") || EqualsIgnoringCase(end, "back") ||
                    EqualsIgnoringCase(end, "last");
        return MoveSheet{*sheet, back ? MoveSheet::Place::kEnd : MoveSheet::Place::kFront, {}};
    }
    if (Match(clause, match, kBeside)) {
        std::optional<std::string> sheet = SheetWords(match[1].str(), false);
        std::optional<std::string> other = SheetWords(match[3].str(), false);
        if (!sheet || !other || other->empty()) return std::nullopt;
        std::string word = match[2].str();
        bool after = EqualsIgnoringCase(word, "after") || EqualsIgnoringCase(word, "behind");
        return MoveSheet{*sheet, after ? MoveSheet::Place::kAfter : MoveSheet::Place::kBefore,
                         *other};
    }
    return std::nullopt;
}

// "set S!A1 to V", "set A1 of S to V", "put V in A1 of S", "write V into S!A1".
std::optional<ExcelInstruction> TrySetCell(const std::string& clause) {
    static const std::regex kSet(R"(^set\s+(?:the\s+)?(?:value\s+of\s+)?(?:cell\s+)?(?:(.+?)!)?()" +
                                     kCell +
                                     R"()(?:\s+(?:of|on|in)\s+(.+?))?\s+(?:to|=|as)\s+(.+)$)",
                                 kIcase);
    static const std::regex kPut(R"(^(?:put|write|enter|type|place)\s+(.+?)\s+)"
                                 R"((?:in|into|at|to)\s+(?:cell\s+)?(?:(.+?)!)?()" +
                                     kCell + R"()(?:\s+(?:of|on|in)\s+(.+))?$)",
                                 kIcase);
    std::smatch match;
    std::string sheet, ref, value;
    std::string qualifier;
    if (Match(clause, match, kSet)) {
        sheet = Unquote(match[1].str());
        ref = CellText(match[2].str());
        qualifier = match[3].str();
        value = match[4].str();
    } else if (Match(clause, match, kPut)) {
        value = match[1].str();
        sheet = Unquote(match[2].str());
        ref = CellText(match[3].str());
        qualifier = match[4].str();
    } else {
        return std::nullopt;
    }
    if (!qualifier.empty()) {
        if (!sheet.empty()) return std::nullopt;  // two sheets: "set S!A1 of T to 1"
        std::optional<std::string> words = SheetWords(qualifier, false);
        if (!words) return std::nullopt;
        sheet = *words;
    }
    return SetCell{sheet, ref, ParseCellValue(value)};
}

std::optional<MakeBold> ParseBoldTarget(const std::string& text) {
    static const std::regex kHeader(
        R"(^(?:the\s+)?(?:header|headers|header\s+row|heading|headings|heading\s+row|)"
        R"(column\s+headers|column\s+headings|titles|title\s+row)$)",
        kIcase);
    static const std::regex kTopRow(R"(^(?:the\s+)?(?:top|first)\s+row$)", kIcase);
    static const std::regex kRow(R"(^(?:the\s+)?row\s+([0-9]{1,7})$)", kIcase);
    static const std::regex kRows(
        R"(^(?:the\s+)?rows\s+([0-9]{1,7})\s*(?:-|to|through|and)\s*([0-9]{1,7})$)", kIcase);
    std::smatch match;
    MakeBold bold;
    if (Match(text, match, kHeader)) return bold;
    bold.part = MakeBold::Part::kRows;
    if (Match(text, match, kTopRow)) {
        bold.first_row = bold.last_row = 1;
        return bold;
    }
    if (Match(text, match, kRow)) {
        bold.first_row = bold.last_row = std::atoi(match[1].str().c_str());
        return bold;
    }
    if (Match(text, match, kRows)) {
        bold.first_row = std::atoi(match[1].str().c_str());
        bold.last_row = std::atoi(match[2].str().c_str());
        if (bold.first_row > bold.last_row) std::swap(bold.first_row, bold.last_row);
        return bold;
    }
    if (std::optional<ColumnWords> column = ParseColumn(text)) {
        bold.part = MakeBold::Part::kColumn;
        bold.column = *column;
        return bold;
    }
    return std::nullopt;
}

std::optional<ExcelInstruction> TryMakeBold(const std::string& clause) {
    static const std::regex kMake(
        R"(^(?:make|set|turn|format|put)\s+(.+?)\s+(?:in\s+|to\s+|as\s+)?)"
        R"(bold(?:\s+(?:font|type|text))?$)",
        kIcase);
    static const std::regex kBold(R"(^(?:bold|embolden)\s+(.+)$)", kIcase);
    std::smatch match;
    if (!Match(clause, match, kMake) && !Match(clause, match, kBold)) return std::nullopt;
    auto target = WithSheet<MakeBold>(match[1].str(), ParseBoldTarget);
    if (!target) return std::nullopt;
    target->first.sheet = target->second;
    return target->first;
}

// The words for each number format preset of format_range, in the order they are tried.
constexpr std::pair<const char*, const char*> kFormatWords[] = {
    {R"(currency|money|dollars?)", "currency"},
    {R"(percents?|percentages?|%)", "percent"},
    {R"(date\s*times?|dates?\s+and\s+times?)", "datetime"},
    {R"(dates?)", "date"},
    {R"(integers?|whole\s+numbers?)", "integer"},
    {R"(numbers?|decimals?|decimal\s+numbers?)", "number"},
    {R"(text|plain\s+text)", "text"},
};

std::string FormatWordsPattern() {
    std::string pattern;
    for (const auto& [words, preset] : kFormatWords) {
        pattern += (pattern.empty() ? "" : "|") + std::string(words);
    }
    return "(?:" + pattern + ")";
}

std::string NumberFormatPreset(const std::string& word) {
    for (const auto& [words, preset] : kFormatWords) {
        if (std::regex_match(word, std::regex(words, kIcase))) return preset;
    }
    return "general";  // not reached: the phrase matched one of kFormatWords
}

std::optional<FormatNumbers> ParseFormatTarget(const std::string& text) {
    static const std::regex kCells(
        R"(^(?:the\s+)?(?:cells\s+|range\s+)?(?:(.+?)!)?()" + kRange + R"()$)", kIcase);
    std::smatch match;
    FormatNumbers format;
    if (Match(text, match, kCells)) {
        format.sheet = Unquote(match[1].str());
        format.range = CellText(match[2].str());
        return format;
    }
    if (std::optional<ColumnWords> column = ParseColumn(text)) {
        format.column = *column;
        return format;
    }
    return std::nullopt;
}

std::optional<ExcelInstruction> TryFormatNumbers(const std::string& clause) {
    static const std::regex kPattern(
        R"(^(?:format|show|display|set|make)\s+(.+?)\s+(?:as|to|in|with)\s+(?:(?:a|an)\s+)?()" +
            FormatWordsPattern() + R"()(?:\s+format)?$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kPattern)) return std::nullopt;
    auto target = WithSheet<FormatNumbers>(match[1].str(), ParseFormatTarget);
    if (!target) return std::nullopt;
    if (!target->second.empty()) {
        if (!target->first.sheet.empty()) return std::nullopt;
        target->first.sheet = target->second;
    }
    target->first.format = NumberFormatPreset(match[2].str());
    return target->first;
}

// One part of what to freeze: "the top row", "the first 2 columns", "the header".
std::optional<FreezePanes> ParseFreezePart(const std::string& text) {
    static const std::regex kHeader(
        R"(^(?:the\s+)?(?:header|headers|header\s+row|heading|headings|heading\s+row)$)", kIcase);
    static const std::regex kTopRow(R"(^(?:the\s+)?(?:top|first)\s+row$)", kIcase);
    static const std::regex kTopRows(R"(^(?:the\s+)?(?:top|first)\s+([0-9]{1,7})\s+rows$|)"
                                     R"(^rows\s+1\s*(?:-|to|through)\s*([0-9]{1,7})$)",
                                     kIcase);
    static const std::regex kFirstColumn(R"(^(?:the\s+)?(?:first|left|leftmost)\s+column$)",
                                         kIcase);
    static const std::regex kFirstColumns(
        R"(^(?:the\s+)?(?:first|left|leftmost)\s+([0-9]{1,5})\s+columns$)", kIcase);
    std::smatch match;
    FreezePanes freeze;
    if (Match(text, match, kHeader)) {
        freeze.header_rows = true;
    } else if (Match(text, match, kTopRow)) {
        freeze.rows = 1;
    } else if (Match(text, match, kTopRows)) {
        freeze.rows = std::atoi((match[1].matched ? match[1] : match[2]).str().c_str());
    } else if (Match(text, match, kFirstColumn)) {
        freeze.columns = 1;
    } else if (Match(text, match, kFirstColumns)) {
        freeze.columns = std::atoi(match[1].str().c_str());
    } else {
        return std::nullopt;
    }
    return freeze;
}

// "the top row and the first column": rows and columns together.
std::optional<FreezePanes> ParseFreezeTarget(const std::string& text) {
    static const std::regex kAnd(R"(^(.+?)\s+and\s+(.+)$)", kIcase);
    std::smatch match;
    if (!Match(text, match, kAnd)) return ParseFreezePart(text);
    std::optional<FreezePanes> first = ParseFreezePart(match[1].str());
    std::optional<FreezePanes> second = ParseFreezePart(match[2].str());
    if (!first || !second) return std::nullopt;
    first->rows = std::max(first->rows, second->rows);
    first->columns = std::max(first->columns, second->columns);
    first->header_rows = first->header_rows || second->header_rows;
    return first;
}

std::optional<ExcelInstruction> TryFreeze(const std::string& clause) {
    static const std::regex kFreeze(R"(^freeze\s+(.+)$)", kIcase);
    static const std::regex kUnfreeze(
        R"(^(?:unfreeze|unlock)(?:\s+(?:the\s+)?(?:panes|rows|columns|everything|all))?)"
        R"((?:\s+(?:of|on|in)\s+(.+))?$)",
        kIcase);
    std::smatch match;
    if (Match(clause, match, kUnfreeze)) {
        std::optional<std::string> sheet =
            match[1].matched ? SheetWords(match[1].str(), false) : std::string{};
        if (!sheet) return std::nullopt;
        return FreezePanes{*sheet, 0, 0, false};
    }
    if (!Match(clause, match, kFreeze)) return std::nullopt;
    auto target = WithSheet<FreezePanes>(match[1].str(), ParseFreezeTarget);
    if (!target) return std::nullopt;
    target->first.sheet = target->second;
    return target->first;
}

std::optional<ExcelInstruction> TryAddChart(const std::string& clause) {
    static const std::regex kPattern(
        R"(^(?:add|create|insert|make|draw|plot|build)\s+)" + kArticle +
            R"((?:new\s+)?(?:(line|bar|column|pie|area|scatter|doughnut|donut)\s+)?)"
            R"((?:chart|graph|plot)\s+(?:of|for|from|over|showing|using|with)\s+(?:the\s+)?)"
            R"((?:(?:data|values|cells|range)\s+(?:in\s+)?)?(?:(.+?)!)?()" +
            kRange +
            R"()(?:\s+(?:titled|called|named|with\s+(?:the\s+)?title)\s+(.+?))?)"
            R"((?:\s+on\s+(.+?))?(?:\s+at\s+(?:cell\s+)?()" +
            kCell + R"())?$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kPattern)) return std::nullopt;
    AddChart chart;
    chart.type = match[1].matched ? match[1].str() : "column";
    std::ranges::transform(chart.type, chart.type.begin(),
                           [](unsigned char c) { return std::tolower(c); });
    if (chart.type == "donut") chart.type = "doughnut";
    chart.source_sheet = Unquote(match[2].str());
    chart.range = CellText(match[3].str());
    chart.title = Unquote(match[4].str());
    if (match[5].matched) {
        std::optional<std::string> sheet = SheetWords(match[5].str(), false);
        if (!sheet) return std::nullopt;
        chart.sheet = *sheet;
    }
    chart.anchor = CellText(match[6].str());
    return chart;
}

std::optional<ExcelInstruction> TryAddTotalRow(const std::string& clause) {
    static const std::regex kRow(
        R"(^(?:add|insert|append|put|create)\s+)" + kArticle +
            R"((?:new\s+)?(?:totals?|sums?|grand\s+total)\s+row)"
            R"((?:\s+(?:to|on|in|under|below|beneath|at\s+the\s+(?:bottom|end)\s+of)\s+(.+))?$)",
        kIcase);
    static const std::regex kTotals(R"(^(?:add|insert|show|calculate|compute)\s+(?:the\s+)?totals)"
                                    R"((?:\s+(?:to|on|in|of|for|under|below)\s+(.+))?$)",
                                    kIcase);
    static const std::regex kColumns(
        R"(^total\s+(?:up\s+)?(?:all\s+|every\s+)?(?:the\s+)?(?:numeric\s+)?columns)"
        R"((?:\s+(?:of|on|in)\s+(.+))?$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kRow) && !Match(clause, match, kTotals) &&
        !Match(clause, match, kColumns)) {
        return std::nullopt;
    }
    if (!match[1].matched) return AddTotalRow{};
    std::optional<std::string> sheet = SheetWords(match[1].str(), false);
    if (!sheet) return std::nullopt;
    return AddTotalRow{*sheet};
}

std::optional<ExcelInstruction> TrySumColumn(const std::string& clause) {
    static const std::regex kSum(R"(^(?:sum|total|add\s+up)\s+(?:up\s+)?(.+)$)", kIcase);
    static const std::regex kAddSum(
        R"(^(?:add|insert|put|write)\s+(?:(?:a|an|the)\s+)?(?:sum|total)\s+)"
        R"((?:under|below|beneath|to|for|of|at\s+the\s+(?:bottom|end)\s+of)\s+(.+)$)",
        kIcase);
    std::smatch match;
    if (!Match(clause, match, kSum) && !Match(clause, match, kAddSum)) return std::nullopt;
    auto target = WithSheet<ColumnWords>(match[1].str(), ParseColumn);
    if (!target) return std::nullopt;
    return SumColumn{target->second, target->first};
}

}  // namespace

xlsx::CellValue ParseCellValue(std::string_view text) {
    std::string raw = Trim(text);
    if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'') &&
        raw.back() == raw.front()) {
        return xlsx::CellValue::Text(raw.substr(1, raw.size() - 2));
    }
    if (raw.starts_with("=") && raw.size() > 1) return xlsx::CellValue::Formula(raw.substr(1));
    if (EqualsIgnoringCase(raw, "true")) return xlsx::CellValue::Boolean(true);
    if (EqualsIgnoringCase(raw, "false")) return xlsx::CellValue::Boolean(false);
    static const std::regex kNumber(R"(^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$)");
    if (std::regex_match(raw, kNumber)) {
        return xlsx::CellValue::Number(std::strtod(raw.c_str(), nullptr));
    }
    return xlsx::CellValue::Text(Unquote(raw));
}

std::optional<ExcelInstruction> ParseExcelInstruction(std::string_view clause) {
    // The order settles overlaps: a chart phrase before a sheet phrase ("add a line chart" is no
    // sheet), a total row before a column sum, number formats before cell values ("set column B
    // to currency").
    using Parser = std::optional<ExcelInstruction> (*)(const std::string&);
    static constexpr Parser kParsers[] = {
        TryAddChart,  TryAddTotalRow,   TryAddSheet, TryDelete, TryRenameSheet, TryMoveChart,
        TryMoveSheet, TryFormatNumbers, TryMakeBold, TryFreeze, TrySumColumn,   TrySetCell,
    };
    std::string text = TidyClause(clause);
    if (text.empty()) return std::nullopt;
    for (Parser parse : kParsers) {
        if (std::optional<ExcelInstruction> instruction = parse(text)) return instruction;
    }
    return std::nullopt;
}

}  // namespace quire::agent
