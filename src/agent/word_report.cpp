#include "agent/word_report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include "agent/excel_report.hpp"
#include "agent/prompt_clauses.hpp"
#include "agent/word_actions.hpp"
#include "ooxml/xlsx/csv_table.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;
using xlsx::CellValue;

constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

// The data table shows at most this much of the data; the summary figures cover all of it.
constexpr std::size_t kMaxTableRows = 20;
constexpr std::size_t kMaxTableColumns = 8;
// As the Excel report: figures for at most 12 numeric columns, a line chart of at most three.
constexpr std::size_t kMaxFigureColumns = 12;
constexpr std::size_t kMaxLineSeries = 3;
constexpr std::size_t kMaxListedCategories = 10;
// A line chart draws at most this many points: longer data is drawn every k-th row, and the
// caption says so, so that a chart part and its workbook stay small.
constexpr std::size_t kMaxChartPoints = 2000;

std::string Trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string Capitalised(std::string text) {
    if (!text.empty())
        text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text;
}

std::string Header(const xlsx::CsvTable& table, int column) {
    if (static_cast<std::size_t>(column) < table.header.size() && !table.header[column].empty()) {
        return table.header[column];
    }
    return fmt::format("column {}", column + 1);
}

const CellValue* At(const std::vector<CellValue>& row, int column) {
    return static_cast<std::size_t>(column) < row.size() ? &row[column] : nullptr;
}

// "a", "a and b", "a, b and c".
std::string JoinAnd(const std::vector<std::string>& items) {
    if (items.size() <= 1) return items.empty() ? "" : items.front();
    std::vector<std::string> head(items.begin(), items.end() - 1);
    return fmt::format("{} and {}", fmt::join(head, ", "), items.back());
}

std::string Counted(std::size_t count, std::string_view noun) {
    return fmt::format("{} {}{}", ReportNumber(static_cast<double>(count)), noun,
                       count == 1 ? "" : "s");
}

std::string Stem(std::string_view file_name) {
    std::string name(file_name);
    if (std::size_t slash = name.find_last_of("/\\"); slash != std::string::npos)
        name.erase(0, slash + 1);
    if (std::size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0) name.erase(dot);
    return name.empty() ? std::string("data") : name;
}

// ---- the figures ----

struct ColumnFigures {
    std::string header;
    std::size_t count = 0;
    double sum = 0, min = 0, max = 0;
};

std::optional<ColumnFigures> FiguresOf(const xlsx::CsvTable& table, int column) {
    ColumnFigures figures{Header(table, column)};
    for (const auto& row : table.rows) {
        const CellValue* cell = At(row, column);
        if (cell == nullptr || cell->kind != CellValue::Kind::kNumber) continue;
        if (figures.count == 0 || cell->number < figures.min) figures.min = cell->number;
        if (figures.count == 0 || cell->number > figures.max) figures.max = cell->number;
        figures.sum += cell->number;
        ++figures.count;
    }
    if (figures.count == 0) return std::nullopt;
    return figures;
}

std::string CellText(const CellValue& cell) {
    switch (cell.kind) {
        case CellValue::Kind::kNumber:
            return fmt::format("{}", cell.number);
        case CellValue::Kind::kDate:
            return xlsx::DateText(cell.number, false);
        case CellValue::Kind::kBoolean:
            return cell.number != 0 ? "TRUE" : "FALSE";
        case CellValue::Kind::kText:
        case CellValue::Kind::kFormula:
            return cell.text;
        case CellValue::Kind::kEmpty:
            return "";
    }
    return "";
}

// The first and last value of the time axis, as text; nullopt when it holds none.
std::optional<std::pair<std::string, std::string>> TimeSpan(const xlsx::CsvTable& table,
                                                            const ColumnRoles& roles) {
    std::optional<double> first, last;
    CellValue::Kind kind = roles.date_is_year ? CellValue::Kind::kNumber : CellValue::Kind::kDate;
    for (const auto& row : table.rows) {
        const CellValue* cell = At(row, roles.date);
        if (cell == nullptr || cell->kind != kind) continue;
        if (!first || cell->number < *first) first = cell->number;
        if (!last || cell->number > *last) last = cell->number;
    }
    if (!first) return std::nullopt;
    if (roles.date_is_year) {
        return std::pair{fmt::format("{}", static_cast<long long>(*first)),
                         fmt::format("{}", static_cast<long long>(*last))};
    }
    return std::pair{xlsx::DateText(*first, false), xlsx::DateText(*last, false)};
}

// Rows per value of the category column, most rows first, then by value.
std::vector<std::pair<std::string, std::size_t>> CategoryCounts(const xlsx::CsvTable& table,
                                                                int column) {
    std::map<std::string, std::size_t> counts;
    for (const auto& row : table.rows) {
        const CellValue* cell = At(row, column);
        if (cell != nullptr && cell->kind == CellValue::Kind::kText) ++counts[cell->text];
    }
    std::vector<std::pair<std::string, std::size_t>> sorted(counts.begin(), counts.end());
    std::ranges::stable_sort(sorted,
                             [](const auto& a, const auto& b) { return a.second > b.second; });
    return sorted;
}

struct SummaryText {
    std::string overview;
    std::vector<std::string> column_lines;  // one list item per numeric column
    std::string categories;                 // "" without a category column
    std::string what;                       // for the task's summary
};

SummaryText Summarise(const xlsx::CsvTable& table, std::string_view file_name,
                      const ColumnRoles& roles) {
    SummaryText text;
    text.overview = fmt::format("{} holds {} and {}.", file_name, Counted(table.rows.size(), "row"),
                                Counted(table.header.size(), "column"));
    std::vector<std::string> what;
    if (roles.date >= 0) {
        if (auto span = TimeSpan(table, roles)) {
            text.overview += fmt::format(" Its {} runs from {} to {}.", Header(table, roles.date),
                                         span->first, span->second);
            what.push_back(roles.date_is_year ? "the first and last year"
                                              : "the first and last date");
        }
    }
    std::size_t columns = 0;
    for (int column : roles.numeric) {
        if (columns == kMaxFigureColumns) break;
        std::optional<ColumnFigures> figures = FiguresOf(table, column);
        if (!figures) continue;
        ++columns;
        text.column_lines.push_back(
            fmt::format("{}: total {}, average {}, minimum {}, maximum {} ({}).", figures->header,
                        ReportNumber(figures->sum), ReportNumber(figures->sum / figures->count),
                        ReportNumber(figures->min), ReportNumber(figures->max),
                        Counted(figures->count, "value")));
    }
    if (columns > 0) {
        what.insert(what.begin(), fmt::format("the total, average, minimum and maximum of {}",
                                              Counted(columns, "numeric column")));
    } else {
        text.overview += " No column holds numbers, so there are no totals.";
    }
    if (roles.category >= 0) {
        auto counts = CategoryCounts(table, roles.category);
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < counts.size() && i < kMaxListedCategories; ++i) {
            parts.push_back(
                fmt::format("{} {}", counts[i].first, Counted(counts[i].second, "row")));
        }
        text.categories = fmt::format("By {}: {}", Header(table, roles.category), JoinAnd(parts));
        if (counts.size() > kMaxListedCategories) {
            text.categories += fmt::format(", and {} more",
                                           Counted(counts.size() - kMaxListedCategories, "value"));
        }
        text.categories += ".";
        what.push_back(fmt::format("the rows per {}", Header(table, roles.category)));
    }
    text.what = JoinAnd(what);
    return text;
}

// ---- the chart ----

struct ReportChart {
    std::string type;  // "" when no chart fits the data
    std::string title;
    std::string sampling;  // " (every 2nd of 4,000 rows)" when not every row is drawn
    json::array categories;
    json::array series;
};

// "2nd", "3rd", "11th", "21st".
std::string Ordinal(std::size_t n) {
    std::string_view suffix = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1) suffix = "st";
        if (n % 10 == 2) suffix = "nd";
        if (n % 10 == 3) suffix = "rd";
    }
    return fmt::format("{}{}", n, suffix);
}

json::value Number(const CellValue* cell) {
    if (cell == nullptr || cell->kind != CellValue::Kind::kNumber) return nullptr;
    return cell->number;
}

// As the Excel report: a line chart of the first three numeric columns over the time axis when
// each time has one row; else, with a category column, a column chart of the first numeric
// column's total per category (or of the rows per category); else none.
ReportChart PlanChart(const xlsx::CsvTable& table, const ColumnRoles& roles) {
    ReportChart chart;
    if (roles.date >= 0 && !roles.dates_repeat && !roles.numeric.empty()) {
        chart.type = "line";
        std::vector<std::string> names;
        std::vector<json::array> values(std::min(kMaxLineSeries, roles.numeric.size()));
        std::size_t step = (table.rows.size() + kMaxChartPoints - 1) / kMaxChartPoints;
        if (step > 1) {
            chart.sampling = fmt::format(" (every {} of {} rows)", Ordinal(step),
                                         ReportNumber(static_cast<double>(table.rows.size())));
        }
        for (std::size_t r = 0; r < table.rows.size(); r += step) {
            const auto& row = table.rows[r];
            const CellValue* when = At(row, roles.date);
            chart.categories.emplace_back(when ? CellText(*when) : "");
            for (std::size_t s = 0; s < values.size(); ++s) {
                values[s].push_back(Number(At(row, roles.numeric[s])));
            }
        }
        for (std::size_t s = 0; s < values.size(); ++s) {
            names.push_back(Header(table, roles.numeric[s]));
            chart.series.push_back(
                json::object{{"name", names.back()}, {"values", std::move(values[s])}});
        }
        chart.title = fmt::format("{} over {}", JoinAnd(names), Header(table, roles.date));
        return chart;
    }
    if (roles.category < 0) return chart;
    std::map<std::string, double> totals;
    for (const auto& row : table.rows) {
        const CellValue* category = At(row, roles.category);
        if (category == nullptr || category->kind != CellValue::Kind::kText) continue;
        double& total = totals[category->text];
        if (roles.numeric.empty()) {
            total += 1;
        } else if (const CellValue* cell = At(row, roles.numeric.front());
                   cell != nullptr && cell->kind == CellValue::Kind::kNumber) {
            total += cell->number;
        }
    }
    chart.type = "column";
    std::string measure = roles.numeric.empty() ? std::string("Rows")
                                                : "Total " + Header(table, roles.numeric.front());
    json::array values;
    for (const auto& [name, total] : totals) {
        chart.categories.emplace_back(name);
        values.emplace_back(total);
    }
    chart.series.push_back(json::object{{"name", measure}, {"values", std::move(values)}});
    chart.title = fmt::format("{} per {}", measure, Header(table, roles.category));
    return chart;
}

// ---- the table ----

struct DataTable {
    json::array rows;
    std::string shown;  // "all 51 rows", "the first 20 of 123 rows"
};

DataTable PlanTable(const xlsx::CsvTable& table) {
    DataTable out;
    std::size_t columns = std::min(table.header.size(), kMaxTableColumns);
    std::size_t rows = std::min(table.rows.size(), kMaxTableRows);
    json::array header;
    for (std::size_t c = 0; c < columns; ++c) header.emplace_back(table.header[c]);
    out.rows.push_back(std::move(header));
    for (std::size_t r = 0; r < rows; ++r) {
        json::array cells;
        for (std::size_t c = 0; c < columns; ++c) {
            const CellValue* cell = At(table.rows[r], static_cast<int>(c));
            cells.emplace_back(cell ? CellText(*cell) : "");
        }
        out.rows.push_back(std::move(cells));
    }
    out.shown = rows == table.rows.size()
                    ? fmt::format("all {}", Counted(rows, "row"))
                    : fmt::format("the first {} of {} rows", rows,
                                  ReportNumber(static_cast<double>(table.rows.size())));
    if (columns < table.header.size()) {
        out.shown += fmt::format(" and the first {} of {} columns", columns, table.header.size());
    }
    return out;
}

json::object Heading(std::string_view text, int level) {
    return json::object{{"type", "heading"}, {"text", EscapeMarkup(text)}, {"level", level}};
}

json::object Paragraph(std::string_view text) {
    return json::object{{"type", "paragraph"}, {"text", EscapeMarkup(text)}};
}

// The anchors insert_blocks returned, by kind, in document order.
struct NewAnchors {
    std::vector<std::string> sections, figures, tables;
};

NewAnchors SortAnchors(const json::value& result) {
    NewAnchors out;
    for (const json::value& anchor : result.at("anchors").as_array()) {
        std::string id(anchor.as_string());
        if (id.starts_with("fig_")) {
            out.figures.push_back(id);
        } else if (id.starts_with("tbl_")) {
            out.tables.push_back(id);
        } else {
            out.sections.push_back(id);
        }
    }
    return out;
}

std::size_t CountKind(WordEditor& editor, std::string_view kind) {
    return static_cast<std::size_t>(std::ranges::count_if(
        editor.Figures(), [&](const DocumentFigure& figure) { return figure.kind == kind; }));
}

Status Failed(const Error& error) {
    return Fail(ErrorCode::kAgentFailed, "a document tool failed: " + error.message, error.detail);
}

}  // namespace

std::string ReportNumber(double value) {
    double rounded = std::round(value * 100) / 100;
    if (rounded == 0 || !std::isfinite(rounded)) rounded = std::isfinite(value) ? 0 : value;
    std::string text = fmt::format("{:.2f}", rounded);
    while (text.ends_with('0')) text.pop_back();
    if (text.ends_with('.')) text.pop_back();
    bool negative = text.starts_with('-');
    std::size_t digits_end = text.find('.');
    if (digits_end == std::string::npos) digits_end = text.size();
    std::size_t digits_begin = negative ? 1 : 0;
    for (std::size_t at = digits_end; at > digits_begin + 3; at -= 3) text.insert(at - 3, ",");
    return text;
}

WordRequest ReadWordRequest(std::string_view prompt) {
    static const std::regex kTitled(R"(\b(?:titled|called|named|entitled)\s+("[^"]*"|'[^']*'|.+?))"
                                    R"((?:\s+(?:with|from|using|based\s+on)\b.*)?$)",
                                    kIcase);
    static const std::regex kAsk(
        R"(^(?:please\s+)?(?:write|draft|create|make|prepare|produce|build|generate|start|)"
        R"(give\s+me|turn\s+(?:this|it)\s+into)\s+(?:me\s+)?(?:(?:a|an|the|one)\s+)?)"
        R"((?:(?:short|brief|new|quick|one-page|word|simple)\s+)*)"
        R"((memo|report|document|doc|note|brief|summary|letter|plan|proposal|overview)\b)"
        R"((?:\s+(?:about|on|for|regarding|of|covering)\s+(.+?))?)"
        R"((?:\s+(?:with|from|using|based\s+on|titled|called|named|entitled)\b.*)?$)",
        kIcase);
    static const std::regex kDataTopic(
        R"(^(?:this|the|our|my|that|attached)\s+(?:attached\s+)?(?:data|csv|file|dataset|)"
        R"(spreadsheet|numbers|table)$)",
        kIcase);
    static const std::regex kLeadingArticle(R"(^(?:the|a|an)\s+)", kIcase);
    static const std::regex kSections(
        R"(\b(?:with|has|having|containing|including)\s+(?:(?:the|these|three|two|four|five|)"
        R"(six|[0-9]+)\s+)?sections?\b\s*(?:named|called|titled|for|:)?\s*([^.\n]+))",
        kIcase);

    WordRequest request;
    TitledText first = SplitTitle(prompt);
    std::string sentence = Trim(first.title);
    std::smatch match;
    if (std::regex_match(sentence, match, kAsk)) {
        request.kind = match[1].str();
        std::ranges::transform(request.kind, request.kind.begin(),
                               [](unsigned char c) { return std::tolower(c); });
        std::string topic = std::regex_replace(Trim(match[2].str()), kLeadingArticle, "");
        while (!topic.empty() && std::string_view(",;:").find(topic.back()) != std::string::npos)
            topic.pop_back();
        if (!topic.empty() && !std::regex_match(topic, kDataTopic)) {
            request.title = Capitalised(Unquote(topic));
        }
    } else {
        request.title = sentence;
    }
    if (std::regex_search(sentence, match, kTitled)) request.title = Unquote(match[1].str());

    std::string whole(prompt);
    request.rest = first.body;
    if (std::regex_search(whole, match, kSections)) {
        static const std::regex kItem(R"(\s*(?:,|;|\band\b)\s*)", kIcase);
        static const std::regex kSectionWord(R"(\s+sections?$)", kIcase);
        std::string list = match[1].str();
        for (std::sregex_token_iterator it(list.begin(), list.end(), kItem, -1), end; it != end;
             ++it) {
            std::string name = Unquote(std::regex_replace(
                std::regex_replace(Trim(it->str()), kLeadingArticle, ""), kSectionWord, ""));
            if (!name.empty()) request.sections.push_back(Capitalised(name));
        }
        std::string list_text = match[0].str();
        if (std::size_t at = request.rest.find(list_text); at != std::string::npos) {
            request.rest.erase(at, list_text.size());
        }
    }
    return request;
}

namespace {

std::string ReportTitle(const WordRequest& request, std::string_view file_name) {
    if (!request.title.empty()) return request.title;
    std::string kind = request.kind == "document" ? std::string("report") : request.kind;
    return fmt::format("{} on {}", Capitalised(kind), Stem(file_name));
}

// The blocks of one report, in order, with the sections they start (their anchors are filled in
// once the blocks are written) and what the summary says about them.
struct ReportPlan {
    json::array blocks;
    std::vector<RememberedSection> sections;
    ReportChart chart;
    std::string table_caption;
    std::string shown;  // how much of the data the table shows
    std::string what;   // what the executive summary holds
};

void PlanSection(ReportPlan& plan, const std::string& title, int level, std::string role) {
    plan.blocks.push_back(Heading(title, level));
    plan.sections.push_back({"", title, std::move(role)});
}

void PlanSummary(ReportPlan& plan, const SummaryText& summary, const std::string& suffix) {
    PlanSection(plan, "Executive summary" + suffix, 1, "summary");
    plan.blocks.push_back(Paragraph(summary.overview));
    if (!summary.column_lines.empty()) {
        json::array items;
        for (const std::string& line : summary.column_lines) items.emplace_back(EscapeMarkup(line));
        plan.blocks.push_back(json::object{{"type", "list"}, {"items", std::move(items)}});
    }
    if (!summary.categories.empty()) plan.blocks.push_back(Paragraph(summary.categories));
    plan.what = summary.what;
}

void PlanChartSection(ReportPlan& plan, ReportChart chart, std::size_t number,
                      const std::string& suffix) {
    plan.chart = std::move(chart);
    if (plan.chart.type.empty()) return;
    PlanSection(plan, "Chart" + suffix, 1, "chart");
    plan.blocks.push_back(json::object{
        {"type", "chart"},
        {"chart_type", plan.chart.type},
        {"title", plan.chart.title},
        {"categories", plan.chart.categories},
        {"series", plan.chart.series},
        {"alt_text", plan.chart.title},
        {"caption",
         fmt::format("Figure {}: {}{}", number, plan.chart.title, plan.chart.sampling)}});
}

void PlanDataSection(ReportPlan& plan, DataTable data, std::string_view file_name,
                     std::size_t number, const std::string& suffix) {
    PlanSection(plan, "Data" + suffix, 1, "data");
    plan.blocks.push_back(
        Paragraph(fmt::format("The table shows {} of {}.", data.shown, file_name)));
    plan.table_caption = fmt::format("Table {}: {}", number, file_name);
    plan.blocks.push_back(json::object{{"type", "table"},
                                       {"rows", std::move(data.rows)},
                                       {"header", true},
                                       {"caption", plan.table_caption}});
    plan.shown = std::move(data.shown);
}

// Every heading, table and chart insert_blocks writes gets an anchor, in document order.
void RememberReport(WordEditor& editor, ReportPlan& plan, const NewAnchors& anchors) {
    for (std::size_t i = 0; i < plan.sections.size() && i < anchors.sections.size(); ++i) {
        if (plan.sections[i].role == "title") continue;
        plan.sections[i].anchor = anchors.sections[i];
        editor.RememberSection(std::move(plan.sections[i]));
    }
    if (!plan.chart.type.empty() && !anchors.figures.empty()) {
        editor.RememberFigure({anchors.figures.front(), "chart", plan.chart.title});
    }
    if (!anchors.tables.empty()) {
        editor.RememberFigure({anchors.tables.front(), "table", plan.table_caption});
    }
}

std::string DescribeReport(const ReportPlan& plan, std::string_view file_name,
                           const std::string& title) {
    std::string made = fmt::format(
        "Wrote {} from {}: an executive summary",
        title.empty() ? std::string("a report") : fmt::format("the report \"{}\"", title),
        file_name);
    if (!plan.what.empty()) made += " with " + plan.what;
    const ReportChart& chart = plan.chart;
    made += chart.type.empty() ? ", no chart (the data has no time axis or category column)"
                               : fmt::format(", a {} chart \"{}\"{} with its caption", chart.type,
                                             chart.title, chart.sampling);
    return made + fmt::format(", and a data table of {}.", plan.shown);
}

}  // namespace

Result<RecipeLog> BuildWordReport(WordEditor& editor, const WordRequest& request,
                                  std::string_view file_name, const xlsx::CsvTable& table,
                                  bool with_title, bool name_the_file) {
    std::string title = with_title ? ReportTitle(request, file_name) : "";
    std::string suffix = name_the_file ? fmt::format(" ({})", Stem(file_name)) : "";
    ColumnRoles roles = ClassifyColumns(table);

    ReportPlan plan;
    if (with_title) PlanSection(plan, title, 0, "title");
    PlanSummary(plan, Summarise(table, file_name, roles), suffix);
    if (with_title) {
        for (const std::string& name : request.sections) PlanSection(plan, name, 1, "");
    }
    PlanChartSection(plan, table.rows.empty() ? ReportChart{} : PlanChart(table, roles),
                     CountKind(editor, "chart") + 1, suffix);
    PlanDataSection(plan, PlanTable(table), file_name, CountKind(editor, "table") + 1, suffix);

    Result<json::value> added = editor.Call(
        "insert_blocks", {{"anchor", "end"}, {"position", "after"}, {"blocks", plan.blocks}});
    if (!added) return std::unexpected(Failed(added.error()).error());
    RememberReport(editor, plan, SortAnchors(*added));
    return RecipeLog{DescribeReport(plan, file_name, title)};
}

Result<RecipeLog> BuildWordMemo(WordEditor& editor, const WordRequest& request,
                                const std::vector<std::string>& paragraphs) {
    std::string title = request.title.empty()
                            ? Capitalised(request.kind == "document" ? "memo" : request.kind)
                            : request.title;
    json::array blocks{Heading(title, 0)};
    for (const std::string& text : paragraphs) {
        std::string line = EscapeMarkup(text);
        if (!line.empty() && std::isalnum(static_cast<unsigned char>(line.back()))) line += ".";
        blocks.push_back(json::object{{"type", "paragraph"}, {"text", line}});
    }
    for (const std::string& name : request.sections) blocks.push_back(Heading(name, 1));
    Result<json::value> added = editor.Call(
        "insert_blocks", {{"anchor", "end"}, {"position", "after"}, {"blocks", blocks}});
    if (!added) return std::unexpected(Failed(added.error()).error());
    // The title's anchor comes first, then one per section.
    NewAnchors anchors = SortAnchors(*added);
    for (std::size_t i = 0; i < request.sections.size() && i + 1 < anchors.sections.size(); ++i) {
        editor.RememberSection({anchors.sections[i + 1], request.sections[i], ""});
    }
    RecipeLog log;
    std::string what = fmt::format("Wrote a document titled \"{}\"", title);
    if (!paragraphs.empty())
        what += fmt::format(" with {}", Counted(paragraphs.size(), "paragraph"));
    if (!request.sections.empty()) {
        std::vector<std::string> quoted;
        for (const std::string& name : request.sections) quoted.push_back("\"" + name + "\"");
        what += fmt::format("{} the sections {}", paragraphs.empty() ? " with" : " and",
                            JoinAnd(quoted));
    }
    log.push_back(what + ".");
    return log;
}

}  // namespace quire::agent
