#include "agent/excel_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "agent/prompt_clauses.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;
using xlsx::CellValue;
using xlsx::ColumnName;

constexpr std::size_t kMaxCategories = 30;
constexpr std::size_t kMaxSummaryColumns = 12;
constexpr std::size_t kMaxChartSeries = 3;

// The tool calls of one report. A refusal of the first call, before anything changed, keeps the
// tool's error so that the caller can report it; a later one fails the whole turn.
class ToolCaller {
public:
    // Counts every call it makes in `calls`.
    ToolCaller(xlsx::Workbook& workbook, int& calls,
               const std::function<void(std::string_view, std::string_view)>& on_call)
        : workbook_(workbook), calls_(calls), on_call_(on_call) {}

    Status Call(std::string_view tool, json::object args) {
        if (on_call_) on_call_(tool, json::serialize(args));
        Result<json::value> result = xlsx::CallTool(workbook_, tool, args);
        bool first = calls_++ == 0;
        if (!result && first) return std::unexpected(result.error());
        if (!result) {
            return Fail(ErrorCode::kAgentFailed,
                        "a document tool failed: " + result.error().message);
        }
        return {};
    }

private:
    xlsx::Workbook& workbook_;
    int& calls_;
    const std::function<void(std::string_view, std::string_view)>& on_call_;
};

std::string SheetPrefix(std::string_view sheet) { return xlsx::FormulaSheetName(sheet) + "!"; }

// "'My Data'!$B$2:$B$40": rows 2.. of a 0-based column of the data sheet.
std::string ColumnData(std::string_view sheet, int column, std::size_t rows) {
    std::string name = ColumnName(column + 1);
    return fmt::format("{}${}$2:${}${}", SheetPrefix(sheet), name, name, rows + 1);
}

std::string Header(const xlsx::CsvTable& table, int column) {
    if (static_cast<std::size_t>(column) < table.header.size() && !table.header[column].empty()) {
        return table.header[column];
    }
    return fmt::format("Column {}", ColumnName(column + 1));
}

bool NameTaken(const std::vector<std::string>& names, std::string_view candidate) {
    return std::ranges::any_of(
        names, [&](const std::string& name) { return EqualsIgnoringCase(name, candidate); });
}

std::string FreeName(const std::vector<std::string>& names, const std::string& base,
                     std::string_view separator) {
    std::string candidate = base;
    for (int n = 2; NameTaken(names, candidate); ++n) {
        candidate = fmt::format("{}{}{}", base, separator, n);
    }
    return candidate;
}

// A table name from a sheet name: letters, digits and underscores after "tbl_".
Result<std::string> TableNameFor(xlsx::Workbook& workbook, std::string_view sheet) {
    std::string base = "tbl_";
    for (char c : sheet) {
        base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    Result<std::vector<xlsx::TableInfo>> tables = workbook.Tables();
    if (!tables) return Propagate(tables);
    std::vector<std::string> names;
    for (const auto& table : *tables) names.push_back(table.name);
    return FreeName(names, base, "_");
}

// "Report chart", or "Report chart 2" and on when a report of another data source has one.
Result<std::string> ChartNameFor(xlsx::Workbook& workbook) {
    Result<std::vector<xlsx::ChartInfo>> charts = workbook.Charts();
    if (!charts) return Propagate(charts);
    std::vector<std::string> names;
    for (const auto& chart : *charts) names.push_back(chart.name);
    return FreeName(names, "Report chart", " ");
}

Result<std::string> SummarySheetName(xlsx::Workbook& workbook) {
    Result<std::vector<xlsx::SheetInfo>> sheets = workbook.Sheets();
    if (!sheets) return Propagate(sheets);
    std::vector<std::string> names;
    for (const auto& sheet : *sheets) names.push_back(sheet.name);
    return FreeName(names, "Summary", " ");
}

std::vector<std::string> Categories(const xlsx::CsvTable& table, int column) {
    std::set<std::string> distinct;
    for (const auto& row : table.rows) {
        if (static_cast<std::size_t>(column) < row.size() &&
            row[column].kind == CellValue::Kind::kText) {
            distinct.insert(row[column].text);
        }
    }
    return {distinct.begin(), distinct.end()};
}

json::object Cell(std::string ref, json::value value) {
    return json::object{{"ref", std::move(ref)}, {"value", std::move(value)}};
}

json::object FormulaCell(std::string ref, std::string formula) {
    return json::object{{"ref", std::move(ref)}, {"formula", std::move(formula)}};
}

// Where the summary sheet's parts go, worked out once so that the chart can point at them.
struct SummaryLayout {
    std::string sheet;
    std::vector<int> columns;  // the numeric data columns summarised, left to right
    int date_row = 0;          // first of the two date rows, 0 when there is no date column
    bool year_axis = false;    // the date rows hold years, shown as plain numbers
    int category_row = 0;      // header row of the per-category block, 0 when there is none
    std::size_t categories = 0;
    int last_column = 1;  // 1-based, the rightmost column the summary uses
};

SummaryLayout PlanSummary(std::string sheet, const ColumnRoles& roles,
                          const std::vector<std::string>& categories) {
    SummaryLayout layout{std::move(sheet)};
    std::size_t count = std::min(roles.numeric.size(), kMaxSummaryColumns);
    layout.columns.assign(roles.numeric.begin(), roles.numeric.begin() + count);
    int next = layout.columns.empty() ? 3 : 10;
    if (roles.date >= 0) {
        layout.date_row = next;
        layout.year_axis = roles.date_is_year;
        next += 3;
    }
    if (roles.category >= 0) {
        layout.category_row = next;
        layout.categories = categories.size();
    }
    layout.last_column = std::max<int>(static_cast<int>(count) + 1, roles.category >= 0 ? 3 : 2);
    return layout;
}

Status WriteSummary(ToolCaller& tools, const SummaryLayout& layout, std::string_view data_sheet,
                    const xlsx::CsvTable& table, const ColumnRoles& roles,
                    const std::vector<std::string>& categories) {
    const std::size_t rows = table.rows.size();
    json::array cells{Cell("A1", json::value(fmt::format("Summary of {}", data_sheet)))};
    if (!layout.columns.empty()) {
        cells.push_back(Cell("A3", "Measure"));
        const std::pair<const char*, const char*> kMeasures[] = {{"Total", "SUM"},
                                                                 {"Average", "AVERAGE"},
                                                                 {"Minimum", "MIN"},
                                                                 {"Maximum", "MAX"},
                                                                 {"Count", "COUNT"}};
        for (std::size_t m = 0; m < std::size(kMeasures); ++m) {
            cells.push_back(Cell(fmt::format("A{}", 4 + m), kMeasures[m].first));
        }
        for (std::size_t i = 0; i < layout.columns.size(); ++i) {
            std::string column = ColumnName(static_cast<int>(i) + 2);
            cells.push_back(Cell(column + "3", json::value(Header(table, layout.columns[i]))));
            std::string data = ColumnData(data_sheet, layout.columns[i], rows);
            for (std::size_t m = 0; m < std::size(kMeasures); ++m) {
                cells.push_back(FormulaCell(fmt::format("{}{}", column, 4 + m),
                                            fmt::format("{}({})", kMeasures[m].second, data)));
            }
        }
    }
    if (layout.date_row > 0) {
        std::string dates = ColumnData(data_sheet, roles.date, rows);
        const char* first = roles.date_is_year ? "First year" : "First date";
        const char* last = roles.date_is_year ? "Last year" : "Last date";
        cells.push_back(Cell(fmt::format("A{}", layout.date_row), first));
        cells.push_back(FormulaCell(fmt::format("B{}", layout.date_row), "MIN(" + dates + ")"));
        cells.push_back(Cell(fmt::format("A{}", layout.date_row + 1), last));
        cells.push_back(FormulaCell(fmt::format("B{}", layout.date_row + 1), "MAX(" + dates + ")"));
    }
    if (layout.category_row > 0) {
        int header = layout.category_row;
        std::string keys = ColumnData(data_sheet, roles.category, rows);
        cells.push_back(
            Cell(fmt::format("A{}", header), json::value(Header(table, roles.category))));
        cells.push_back(Cell(fmt::format("B{}", header), "Count"));
        if (!roles.numeric.empty()) {
            cells.push_back(Cell(fmt::format("C{}", header),
                                 json::value("Total " + Header(table, roles.numeric.front()))));
        }
        for (std::size_t i = 0; i < categories.size(); ++i) {
            int r = header + 1 + static_cast<int>(i);
            cells.push_back(Cell(fmt::format("A{}", r), json::value(categories[i])));
            cells.push_back(
                FormulaCell(fmt::format("B{}", r), fmt::format("COUNTIF({},A{})", keys, r)));
            if (!roles.numeric.empty()) {
                std::string values = ColumnData(data_sheet, roles.numeric.front(), rows);
                cells.push_back(FormulaCell(fmt::format("C{}", r),
                                            fmt::format("SUMIF({},A{},{})", keys, r, values)));
            }
        }
    }
    return tools.Call("set_cells",
                      json::object{{"sheet", layout.sheet}, {"cells", std::move(cells)}});
}

Status FormatSummary(ToolCaller& tools, const SummaryLayout& layout) {
    const std::string& sheet = layout.sheet;
    std::string right = ColumnName(layout.last_column);
    auto format = [&](std::string range, json::object style) {
        style["sheet"] = sheet;
        style["range"] = std::move(range);
        return tools.Call("format_range", std::move(style));
    };
    if (Status s = format("A1", {{"bold", true}, {"font_size", 14}}); !s) return s;
    if (!layout.columns.empty()) {
        std::string last = ColumnName(static_cast<int>(layout.columns.size()) + 1);
        if (Status s = format("A3:" + last + "3", {{"bold", true}, {"fill_color", "DDEBF7"}}); !s) {
            return s;
        }
        if (Status s = format("B4:" + last + "7", {{"number_format", "number"}}); !s) return s;
        if (Status s = format("B8:" + last + "8", {{"number_format", "integer"}}); !s) return s;
    }
    if (layout.date_row > 0 && !layout.year_axis) {
        std::string range = fmt::format("B{}:B{}", layout.date_row, layout.date_row + 1);
        if (Status s = format(range, {{"number_format", "date"}}); !s) return s;
    }
    if (layout.category_row > 0) {
        std::string range = fmt::format("A{0}:C{0}", layout.category_row);
        if (Status s = format(range, {{"bold", true}, {"fill_color", "DDEBF7"}}); !s) return s;
    }
    return tools.Call("set_column_width",
                      json::object{{"sheet", sheet}, {"columns", "A:" + right}, {"fit", true}});
}

// Printed or exported to PDF, a sheet at 100 % portrait cuts wide tables and charts across
// pages: both sheets print landscape, one page wide and as many pages down as they need, and
// the data repeats its header row on every page.
Status SetPrintLayout(ToolCaller& tools, std::string_view sheet, bool header_row) {
    json::object args{
        {"sheet", sheet}, {"orientation", "landscape"}, {"fit_to_width", 1}, {"fit_to_height", 0}};
    if (header_row) args["print_titles_rows"] = "1:1";
    return tools.Call("set_page_setup", std::move(args));
}

// The chart a report added: its type and title, both "" when no chart fits the data.
struct ReportChart {
    std::string type;
    std::string title;
};

// A line over the date column when there is one, else columns per category; nothing when the
// data has neither.
Result<ReportChart> AddReportChart(ToolCaller& tools, const SummaryLayout& layout,
                                   std::string_view data_sheet, const xlsx::CsvTable& table,
                                   const ColumnRoles& roles, const std::string& chart_name) {
    const std::size_t rows = table.rows.size();
    std::string left = ColumnName(layout.last_column + 2);
    std::string anchor = fmt::format("{}3:{}20", left, ColumnName(layout.last_column + 10));
    json::array series;
    std::string type;
    std::string title;
    // Rows that repeat dates hold one series per category ("long" data): one line through them
    // would zigzag between categories, so such data gets columns per category instead.
    bool one_row_per_date = !roles.dates_repeat || layout.category_row == 0;
    if (roles.date >= 0 && !roles.numeric.empty() && one_row_per_date) {
        type = "line";
        std::vector<std::string> names;
        for (std::size_t i = 0; i < roles.numeric.size() && i < kMaxChartSeries; ++i) {
            names.push_back(Header(table, roles.numeric[i]));
            series.push_back(
                json::object{{"name", names.back()},
                             {"categories", ColumnData(data_sheet, roles.date, rows)},
                             {"values", ColumnData(data_sheet, roles.numeric[i], rows)}});
        }
        title = fmt::format("{} over {}", fmt::join(names, ", "), Header(table, roles.date));
    } else if (layout.category_row > 0) {
        type = "column";
        int first = layout.category_row + 1;
        int last = layout.category_row + static_cast<int>(layout.categories);
        std::string prefix = SheetPrefix(layout.sheet);
        // Totals of the first figure per category when there is one, else the counts.
        bool totals = !roles.numeric.empty();
        std::string name = totals ? "Total " + Header(table, roles.numeric.front()) : "Count";
        char column = totals ? 'C' : 'B';
        series.push_back(json::object{
            {"name", name},
            {"categories", fmt::format("{}$A${}:$A${}", prefix, first, last)},
            {"values", fmt::format("{}${}${}:${}${}", prefix, column, first, column, last)}});
        title = fmt::format("{} by {}", name, Header(table, roles.category));
    } else {
        return ReportChart{};
    }
    json::object args{{"sheet", layout.sheet},       {"type", type},     {"title", title},
                      {"series", std::move(series)}, {"anchor", anchor}, {"name", chart_name}};
    if (Status added = tools.Call("add_chart", std::move(args)); !added) {
        return std::unexpected(added.error());
    }
    return ReportChart{type, title};
}

std::size_t CountKind(const xlsx::CsvTable& table, std::size_t column, CellValue::Kind kind,
                      std::size_t* filled) {
    std::size_t count = 0;
    *filled = 0;
    for (const auto& row : table.rows) {
        if (column >= row.size() || row[column].kind == CellValue::Kind::kEmpty) continue;
        ++*filled;
        if (row[column].kind == kind) ++count;
    }
    return count;
}

bool IsYearColumn(const xlsx::CsvTable& table, int column) {
    std::string header = Header(table, column);
    std::ranges::transform(header, header.begin(), [](unsigned char c) { return std::tolower(c); });
    if (header.find("year") == std::string::npos) return false;
    return std::ranges::all_of(table.rows, [&](const auto& row) {
        if (static_cast<std::size_t>(column) >= row.size()) return true;
        const CellValue& cell = row[column];
        return cell.kind == CellValue::Kind::kEmpty ||
               (cell.kind == CellValue::Kind::kNumber && cell.number == std::floor(cell.number) &&
                cell.number >= 1000 && cell.number <= 2999);
    });
}

bool ValuesRepeat(const xlsx::CsvTable& table, int column) {
    std::set<double> seen;
    for (const auto& row : table.rows) {
        if (static_cast<std::size_t>(column) >= row.size()) continue;
        const CellValue& cell = row[column];
        if (cell.kind != CellValue::Kind::kEmpty && !seen.insert(cell.number).second) return true;
    }
    return false;
}

}  // namespace

ColumnRoles ClassifyColumns(const xlsx::CsvTable& table) {
    std::size_t columns = table.header.size();
    for (const auto& row : table.rows) columns = std::max(columns, row.size());
    ColumnRoles roles;
    for (std::size_t j = 0; j < columns; ++j) {
        std::size_t filled = 0;
        auto mostly = [&](CellValue::Kind kind) {
            std::size_t count = CountKind(table, j, kind, &filled);
            return filled > 0 && count * 10 >= filled * 9;
        };
        int column = static_cast<int>(j);
        if (mostly(CellValue::Kind::kNumber)) {
            if (roles.date < 0 && IsYearColumn(table, column)) {
                roles.date = column;
                roles.date_is_year = true;
            } else {
                roles.numeric.push_back(column);
            }
        } else if (mostly(CellValue::Kind::kDate)) {
            if (roles.date < 0) roles.date = column;
        } else if (roles.category < 0 && mostly(CellValue::Kind::kText)) {
            std::size_t distinct = Categories(table, column).size();
            if (distinct >= 2 && distinct <= kMaxCategories && distinct * 2 <= table.rows.size()) {
                roles.category = column;
            }
        }
    }
    if (roles.date >= 0) roles.dates_repeat = ValuesRepeat(table, roles.date);
    return roles;
}

Result<CsvReport> BuildCsvReport(
    xlsx::Workbook& workbook, std::string_view data_sheet, const xlsx::CsvTable& table,
    const std::function<void(std::string_view, std::string_view)>& on_tool_call) {
    CsvReport report;
    std::vector<std::string>& done = report.done;
    if (table.rows.empty()) {
        done.push_back(fmt::format("\"{}\" has no data rows, so no report was made.", data_sheet));
        return report;
    }
    ToolCaller tools(workbook, report.tool_calls, on_tool_call);
    std::size_t columns = table.header.size();
    for (const auto& row : table.rows) columns = std::max(columns, row.size());
    std::string range =
        fmt::format("A1:{}{}", ColumnName(static_cast<int>(columns)), table.rows.size() + 1);
    Result<std::string> table_name = TableNameFor(workbook, data_sheet);
    if (!table_name) return Propagate(table_name);
    json::object table_args{{"sheet", data_sheet},
                            {"range", range},
                            {"name", *table_name},
                            {"style", "TableStyleMedium2"}};
    if (Status s = tools.Call("add_table", std::move(table_args)); !s)
        return std::unexpected(s.error());
    done.push_back(
        fmt::format("Made {} on \"{}\" a table named {}.", range, data_sheet, *table_name));
    if (Status s = SetPrintLayout(tools, data_sheet, true); !s) return std::unexpected(s.error());
    done.push_back(fmt::format(
        "\"{}\" prints landscape, one page wide, with its header row on every page.", data_sheet));

    ColumnRoles roles = ClassifyColumns(table);
    if (roles.numeric.empty() && roles.category < 0) {
        done.push_back("The data has no numeric or category columns to summarise.");
        return report;
    }
    std::vector<std::string> categories;
    if (roles.category >= 0) categories = Categories(table, roles.category);
    Result<std::string> sheet = SummarySheetName(workbook);
    if (!sheet) return Propagate(sheet);
    if (Status s = tools.Call("add_sheet", {{"name", *sheet}}); !s)
        return std::unexpected(s.error());
    SummaryLayout layout = PlanSummary(*sheet, roles, categories);
    if (Status s = WriteSummary(tools, layout, data_sheet, table, roles, categories); !s) {
        return std::unexpected(s.error());
    }
    if (Status s = FormatSummary(tools, layout); !s) return std::unexpected(s.error());
    if (Status s = SetPrintLayout(tools, *sheet, false); !s) return std::unexpected(s.error());
    std::string what = layout.columns.empty()
                           ? std::string("counts")
                           : fmt::format("total, average, minimum, maximum and count of {}",
                                         layout.columns.size() == 1
                                             ? Header(table, layout.columns.front())
                                             : fmt::format("{} columns", layout.columns.size()));
    if (roles.date >= 0) what += ", the first and last date";
    if (roles.category >= 0) {
        what += fmt::format(
            ", and the count{} per {}",
            roles.numeric.empty() ? "" : " and total " + Header(table, roles.numeric.front()),
            Header(table, roles.category));
    }
    done.push_back(fmt::format(
        "Added sheet \"{}\" with formulas for the {}; it prints landscape, one page wide.", *sheet,
        what));

    Result<std::string> chart_name = ChartNameFor(workbook);
    if (!chart_name) return Propagate(chart_name);
    Result<ReportChart> chart =
        AddReportChart(tools, layout, data_sheet, table, roles, *chart_name);
    if (!chart) return Propagate(chart);
    report.summary_sheet = *sheet;
    if (chart->type.empty()) {
        done.push_back("No chart was added: the data has no date or category column.");
        return report;
    }
    report.chart = *chart_name;
    report.chart_title = chart->title;
    done.push_back(
        fmt::format("Added a {} chart \"{}\" on \"{}\".", chart->type, chart->title, layout.sheet));
    return report;
}

}  // namespace quire::agent
