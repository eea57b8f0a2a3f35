#include "agent/workbook_view.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>

#include "agent/prompt_clauses.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;

std::string Lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
    return Lower(haystack).find(Lower(needle)) != std::string::npos;
}

std::string String(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// The words by which the run's own sheets are known: "the data", "the summary sheet".
std::string_view RoleOfWords(std::string_view words) {
    for (std::string_view data : {"data", "data sheet", "imported data", "csv"}) {
        if (EqualsIgnoringCase(words, data)) return "data";
    }
    for (std::string_view summary : {"summary", "report"}) {
        if (EqualsIgnoringCase(words, summary)) return "summary";
    }
    return {};
}

// `candidates` are already quoted: "\"Summary\"", "\"Chart 1\" on \"Data\"".
std::unexpected<Error> Ambiguous(std::string_view what, std::string_view words,
                                 const std::vector<std::string>& candidates) {
    return InvalidRequest(
        fmt::format("\"{}\" could be any of the {}: {}", words, what, fmt::join(candidates, ", ")));
}

}  // namespace

WorkbookView::WorkbookView(xlsx::Workbook& workbook, ExcelMemory memory)
    : workbook_(workbook), memory_(std::move(memory)) {}

Result<json::value> WorkbookView::Call(std::string_view tool, json::object args) {
    if (tool != "read_range") outline_.reset();
    ++tool_calls_;
    if (observer_) observer_(tool, json::serialize(args));
    Result<json::value> result = xlsx::CallTool(workbook_, tool, args);
    if (!result) return std::unexpected(xlsx::WithoutToolName(std::move(result.error()), tool));
    return result;
}

Result<const WorkbookView::Outline*> WorkbookView::Current() {
    if (outline_) return &*outline_;
    Result<std::string> text = workbook_.OutlineJson();
    if (!text) return Propagate(text);
    json::value root = json::parse(*text);
    Outline outline;
    for (const json::value& item : root.at("sheets").as_array()) {
        const json::object& sheet = item.as_object();
        OutlineSheet entry{String(sheet, "name"), String(sheet, "kind"), std::nullopt, 0};
        std::string dimension = String(sheet, "dimension");
        if (!dimension.empty()) entry.used = xlsx::ParseRange(dimension);
        if (const json::value* header = sheet.if_contains("header_row")) {
            entry.header_row = header->to_number<int>();
        }
        if (const json::value* tables = sheet.if_contains("tables")) {
            entry.tables = static_cast<int>(tables->as_array().size());
        }
        outline.sheets.push_back(std::move(entry));
        const json::value* charts = sheet.if_contains("charts");
        if (charts == nullptr) continue;
        for (const json::value& chart_item : charts->as_array()) {
            const json::object& chart = chart_item.as_object();
            outline.charts.push_back({String(chart, "name"), String(chart, "title"),
                                      String(chart, "type"), outline.sheets.back().name,
                                      String(chart, "anchor")});
        }
    }
    Reconcile(outline);
    outline_ = std::move(outline);
    return &*outline_;
}

// Memory follows the workbook: sheets in workbook order keep their roles, charts that are gone
// are forgotten, and the others take their title and sheet from the outline.
void WorkbookView::Reconcile(const Outline& outline) {
    std::vector<RememberedSheet> sheets;
    for (const OutlineSheet& sheet : outline.sheets) {
        RememberedSheet entry{sheet.name, {}};
        for (const RememberedSheet& known : memory_.sheets) {
            if (EqualsIgnoringCase(known.name, sheet.name)) entry.role = known.role;
        }
        sheets.push_back(std::move(entry));
    }
    memory_.sheets = std::move(sheets);

    std::vector<RememberedChart> charts;
    for (const RememberedChart& known : memory_.charts) {
        for (const OutlineChart& chart : outline.charts) {
            if (EqualsIgnoringCase(known.name, chart.name)) {
                charts.push_back({chart.name, chart.title, chart.sheet});
                break;
            }
        }
    }
    memory_.charts = std::move(charts);

    bool current_exists = std::ranges::any_of(outline.sheets, [&](const OutlineSheet& sheet) {
        return EqualsIgnoringCase(sheet.name, memory_.current_sheet);
    });
    if (!current_exists) memory_.current_sheet.clear();
}

Result<std::vector<OutlineSheet>> WorkbookView::Sheets() {
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    return (*outline)->sheets;
}

Result<std::vector<OutlineChart>> WorkbookView::Charts() {
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    return (*outline)->charts;
}

// A new run's workbook gets "Sheet1" when the turn leaves it without sheets; an instruction that
// needs a sheet before then gets that sheet now.
Status WorkbookView::EnsureASheet() {
    Result<const Outline*> outline = Current();
    if (!outline) return std::unexpected(outline.error());
    if (!(*outline)->sheets.empty()) return {};
    Result<json::value> added = Call("add_sheet", {{"name", "Sheet1"}});
    if (!added) return std::unexpected(added.error());
    return {};
}

Result<OutlineSheet> WorkbookView::CurrentSheet() {
    if (Status ensured = EnsureASheet(); !ensured) return std::unexpected(ensured.error());
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    const std::vector<OutlineSheet>& sheets = (*outline)->sheets;
    for (const OutlineSheet& sheet : sheets) {
        if (EqualsIgnoringCase(sheet.name, memory_.current_sheet)) return sheet;
    }
    for (const OutlineSheet& sheet : sheets) {
        if (sheet.kind == "worksheet") return sheet;
    }
    return NotFound("the workbook has no worksheet");
}

Result<OutlineSheet> WorkbookView::DataSheet() {
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    for (auto known = memory_.sheets.rbegin(); known != memory_.sheets.rend(); ++known) {
        if (known->role != "data") continue;
        for (const OutlineSheet& sheet : (*outline)->sheets) {
            if (sheet.name == known->name) return sheet;
        }
    }
    return CurrentSheet();
}

Result<OutlineSheet> WorkbookView::FindSheet(std::string_view words) {
    if (words.empty()) return CurrentSheet();
    if (EqualsIgnoringCase(words, "Sheet1")) {
        if (Status ensured = EnsureASheet(); !ensured) return std::unexpected(ensured.error());
    }
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    const std::vector<OutlineSheet>& sheets = (*outline)->sheets;
    for (const OutlineSheet& sheet : sheets) {
        if (EqualsIgnoringCase(sheet.name, words)) return sheet;
    }

    // The run's own sheet for the role, the most recent one when it made several.
    if (std::string_view role = RoleOfWords(words); !role.empty()) {
        const RememberedSheet* made = nullptr;
        for (const RememberedSheet& known : memory_.sheets) {
            if (known.role == role) made = &known;
        }
        for (const OutlineSheet& sheet : sheets) {
            if (made != nullptr && sheet.name == made->name) return sheet;
        }
    }

    std::vector<const OutlineSheet*> close;
    for (const OutlineSheet& sheet : sheets) {
        if (Contains(sheet.name, words)) close.push_back(&sheet);
    }
    if (close.size() == 1) return *close.front();
    if (close.empty()) return NotFound(fmt::format("the workbook has no sheet \"{}\"", words));
    std::vector<std::string> names;
    for (const OutlineSheet* sheet : close) names.push_back(fmt::format("\"{}\"", sheet->name));
    return Ambiguous("sheets", words, names);
}

namespace {

// The one chart that fits, nullopt when none does, or an error naming all that fit.
std::optional<Result<OutlineChart>> OnlyOne(const std::vector<OutlineChart>& charts,
                                            std::string_view words,
                                            const std::function<bool(const OutlineChart&)>& fits) {
    std::vector<const OutlineChart*> found;
    for (const OutlineChart& chart : charts) {
        if (fits(chart)) found.push_back(&chart);
    }
    if (found.empty()) return std::nullopt;
    if (found.size() == 1) return *found.front();
    std::vector<std::string> names;
    for (const OutlineChart* chart : found) {
        names.push_back(fmt::format("\"{}\" on \"{}\"", chart->name, chart->sheet));
    }
    return Ambiguous("charts", words, names);
}

}  // namespace

std::vector<OutlineChart> WorkbookView::ChartCandidates(const Outline& outline) const {
    std::vector<OutlineChart> candidates;
    for (auto known = memory_.charts.rbegin(); known != memory_.charts.rend(); ++known) {
        for (const OutlineChart& chart : outline.charts) {
            if (chart.name == known->name) candidates.push_back(chart);
        }
    }
    for (const OutlineChart& chart : outline.charts) {
        bool known = std::ranges::any_of(
            memory_.charts, [&](const RememberedChart& own) { return own.name == chart.name; });
        if (!known) candidates.push_back(chart);
    }
    return candidates;
}

Result<OutlineChart> WorkbookView::FindChart(std::string_view words) {
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    std::vector<OutlineChart> candidates = ChartCandidates(**outline);
    if (candidates.empty()) return NotFound("the workbook has no chart");
    if (words.empty()) {
        if (!memory_.charts.empty() || candidates.size() == 1) return candidates.front();
        return *OnlyOne(candidates, "the chart", [](const OutlineChart&) { return true; });
    }

    for (const OutlineChart& chart : candidates) {
        if (EqualsIgnoringCase(chart.name, words) || EqualsIgnoringCase(chart.title, words)) {
            return chart;
        }
    }
    if (auto by_words = OnlyOne(candidates, words, [&](const OutlineChart& chart) {
            return Contains(chart.name, words) || Contains(chart.title, words);
        })) {
        return *by_words;
    }
    if (auto by_type = OnlyOne(candidates, words, [&](const OutlineChart& chart) {
            return EqualsIgnoringCase(chart.type, words);
        })) {
        return *by_type;
    }
    return NotFound(fmt::format("the workbook has no chart named or titled \"{}\"", words));
}

void WorkbookView::WorkedOn(std::string_view sheet) { memory_.current_sheet = sheet; }

void WorkbookView::SetRole(std::string_view sheet, std::string_view role) {
    for (RememberedSheet& known : memory_.sheets) {
        if (EqualsIgnoringCase(known.name, sheet)) {
            known.role = role;
            return;
        }
    }
    memory_.sheets.push_back({std::string(sheet), std::string(role)});
}

void WorkbookView::SheetRenamed(std::string_view from, std::string_view to) {
    for (RememberedSheet& known : memory_.sheets) {
        if (EqualsIgnoringCase(known.name, from)) known.name = to;
    }
    for (RememberedChart& chart : memory_.charts) {
        if (EqualsIgnoringCase(chart.sheet, from)) chart.sheet = to;
    }
    if (EqualsIgnoringCase(memory_.current_sheet, from)) memory_.current_sheet = to;
}

void WorkbookView::ChartTouched(const OutlineChart& chart) {
    ChartDeleted(chart.name);
    memory_.charts.push_back({chart.name, chart.title, chart.sheet});
}

void WorkbookView::ChartDeleted(std::string_view name) {
    std::erase_if(memory_.charts, [&](const RememberedChart& known) {
        return EqualsIgnoringCase(known.name, name);
    });
}

Result<ExcelMemory> WorkbookView::Memory() {
    Result<const Outline*> outline = Current();
    if (!outline) return Propagate(outline);
    return memory_;
}

}  // namespace quire::agent
