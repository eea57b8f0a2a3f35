#include "agent/excel_actions.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include <algorithm>
#include <regex>
#include <tuple>

#include "agent/excel_report.hpp"
#include "agent/workbook_view.hpp"
#include "ooxml/xlsx/csv_table.hpp"
#include "ooxml/xlsx/formula_refs.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;
using xlsx::CellName;
using xlsx::CellRange;
using xlsx::CellRef;
using xlsx::CellValue;
using xlsx::ColumnName;

constexpr std::size_t kMaxReadCells = 5000;  // read_range's own cap
// A report of a sheet reads it back in pieces of kMaxReadCells; larger data belongs in a CSV.
constexpr std::int64_t kMaxReportCells = 200'000;

Result<ClauseOutcome> Applied(std::string text) {
    return ClauseOutcome{ClauseOutcome::Kind::kApplied, std::move(text)};
}

Result<ClauseOutcome> Refuse(std::string reason) {
    return ClauseOutcome{ClauseOutcome::Kind::kRefused, std::move(reason)};
}

// A failed lookup, or a failed first tool call, is the workbook saying no when the error is about
// the request (no such sheet, a bad name, a busy range); anything else is the engine failing.
Result<ClauseOutcome> Refusal(const Error& error) {
    if (error.code == ErrorCode::kInvalidRequest || error.code == ErrorCode::kNotFound ||
        error.code == ErrorCode::kConflict) {
        return Refuse(error.message);
    }
    return std::unexpected(error);
}

std::string Quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

CellValue ValueOf(const json::value& cell) {
    const json::value* value = &cell;
    if (cell.is_object()) value = cell.get_object().if_contains("value");
    if (value == nullptr) return {};
    if (value->is_number()) return CellValue::Number(value->to_number<double>());
    if (value->is_bool()) return CellValue::Boolean(value->get_bool());
    if (value->is_string()) return CellValue::Text(std::string(value->get_string()));
    return {};
}

// The cells read_range gave back: rows from the top-left of `range`, which may be smaller than
// what was asked for (cut to the used range, or to the cap).
struct CellBlock {
    CellRange range;
    std::vector<std::vector<json::value>> rows;

    const json::value* At(CellRef ref) const {
        std::size_t row = static_cast<std::size_t>(ref.row - range.first.row);
        std::size_t col = static_cast<std::size_t>(ref.col - range.first.col);
        if (ref.row < range.first.row || row >= rows.size() || ref.col < range.first.col ||
            col >= rows[row].size()) {
            return nullptr;
        }
        return &rows[row][col];
    }
};

Result<CellBlock> Read(WorkbookView& view, std::string_view sheet, const CellRange& range) {
    Result<json::value> read =
        view.Call("read_range", json::object{{"sheet", sheet},
                                             {"range", xlsx::RangeName(range)},
                                             {"max_cells", kMaxReadCells}});
    if (!read) return Propagate(read);
    const json::object& result = read->as_object();
    CellBlock block;
    std::optional<CellRange> got = xlsx::ParseRange(result.at("range").as_string());
    block.range = got.value_or(range);
    for (const json::value& row : result.at("rows").as_array()) {
        const json::array& cells = row.as_array();
        block.rows.emplace_back(cells.begin(), cells.end());
    }
    return block;
}

// The rows under the header: from the one after the outline's header row (or the first used
// row when the outline sees no header) to the last used row.
std::pair<int, int> DataRows(const OutlineSheet& sheet) {
    int first = sheet.header_row > 0 ? sheet.header_row + 1 : sheet.used->first.row;
    return {first, sheet.used->last.row};
}

int HeaderRow(const OutlineSheet& sheet) {
    return sheet.header_row > 0 ? sheet.header_row : sheet.used->first.row;
}

// The last row of `col` from `first` to `last` that holds something, read from the bottom up;
// 0 when every cell is empty. `bottom` is set to that cell as read_range gave it.
Result<int> LastFilledRow(WorkbookView& view, std::string_view sheet, int col, int first, int last,
                          json::value* bottom) {
    for (int high = last; high >= first;) {
        int low = std::max(first, high - static_cast<int>(kMaxReadCells) + 1);
        Result<CellBlock> block = Read(view, sheet, {{col, low}, {col, high}});
        if (!block) return Propagate(block);
        for (int row = high; row >= low; --row) {
            const json::value* cell = block->At({col, row});
            if (cell != nullptr && !cell->is_null()) {
                *bottom = *cell;
                return row;
            }
        }
        high = low - 1;
    }
    return 0;
}

// The last filled row of `col` from `top` down, reading until a whole read of kMaxReadCells rows
// is empty; `top` when there is none.
Result<int> LastRowBeforeAGap(WorkbookView& view, std::string_view sheet, int col, int top) {
    int last = top;
    for (int first = top; first <= xlsx::kMaxRows; first += static_cast<int>(kMaxReadCells)) {
        int bottom = std::min(xlsx::kMaxRows, first + static_cast<int>(kMaxReadCells) - 1);
        Result<CellBlock> block = Read(view, sheet, {{col, first}, {col, bottom}});
        if (!block) return Propagate(block);
        bool filled = false;
        for (int row = first; row <= bottom; ++row) {
            const json::value* cell = block->At({col, row});
            if (cell != nullptr && !cell->is_null()) {
                last = row;
                filled = true;
            }
        }
        if (!filled) break;
    }
    return last;
}

// Some programs declare a used range that runs to the edge of the grid ("A1:XFD1048576") for a
// sheet of a few cells. Such a range is measured from the cells instead: to the header row's last
// filled column, and to the first column's last filled row before a gap of kMaxReadCells rows.
Result<OutlineSheet> Measured(WorkbookView& view, OutlineSheet sheet) {
    CellRange& used = *sheet.used;
    int top = HeaderRow(sheet);
    if (used.last.col == xlsx::kMaxColumns) {
        Result<CellBlock> header =
            Read(view, sheet.name, {{used.first.col, top}, {used.last.col, top}});
        if (!header) return Propagate(header);
        int last = used.first.col;
        for (int col = used.first.col; col <= header->range.last.col; ++col) {
            const json::value* cell = header->At({col, top});
            if (cell != nullptr && !cell->is_null()) last = col;
        }
        used.last.col = last;
    }
    if (used.last.row == xlsx::kMaxRows) {
        Result<int> last = LastRowBeforeAGap(view, sheet.name, used.first.col, top);
        if (!last) return Propagate(last);
        used.last.row = *last;
    }
    return sheet;
}

// The worksheet `words` names, which must hold cells, measured as Measured says.
Result<OutlineSheet> FindUsedSheet(WorkbookView& view, std::string_view words) {
    Result<OutlineSheet> sheet = view.FindSheet(words);
    if (!sheet) return sheet;
    if (sheet->kind != "worksheet") {
        return InvalidRequest(
            fmt::format("\"{}\" is a {}, not a worksheet", sheet->name, sheet->kind));
    }
    if (!sheet->used) return InvalidRequest(fmt::format("sheet \"{}\" is empty", sheet->name));
    return Measured(view, std::move(*sheet));
}

// The column a ColumnWords names: by letter, or by the header cell whose text equals (else, as
// the only one, contains) the words. Words of one to three letters that head no column are
// taken for a letter ("the C column").
Result<int> FindColumn(WorkbookView& view, const OutlineSheet& sheet, const ColumnWords& words) {
    auto by_letter = [&](std::string_view letters) -> Result<int> {
        std::optional<CellRef> ref = xlsx::ParseCellRef(std::string(letters) + "1");
        if (!ref) return InvalidRequest(fmt::format("there is no column {}", letters));
        return ref->col;
    };
    if (!words.letter.empty()) return by_letter(words.letter);

    int row = HeaderRow(sheet);
    CellRange header{{sheet.used->first.col, row}, {sheet.used->last.col, row}};
    Result<CellBlock> block = Read(view, sheet.name, header);
    if (!block) return Propagate(block);
    std::vector<int> containing;
    for (int col = header.first.col; col <= header.last.col; ++col) {
        const json::value* cell = block->At({col, row});
        CellValue value = cell ? ValueOf(*cell) : CellValue{};
        if (value.kind != CellValue::Kind::kText) continue;
        if (EqualsIgnoringCase(value.text, words.header)) return col;
        std::string text = value.text;
        std::string wanted = words.header;
        for (std::string* s : {&text, &wanted}) {
            std::ranges::transform(*s, s->begin(), [](unsigned char c) { return std::tolower(c); });
        }
        if (text.find(wanted) != std::string::npos) containing.push_back(col);
    }
    if (containing.size() == 1) return containing.front();
    if (words.header.size() <= 3 &&
        std::ranges::all_of(words.header, [](unsigned char c) { return std::isalpha(c); })) {
        return by_letter(words.header);
    }
    if (containing.empty()) {
        return NotFound(
            fmt::format("sheet \"{}\" has no column headed \"{}\"", sheet.name, words.header));
    }
    return InvalidRequest(fmt::format("more than one column of \"{}\" is headed like \"{}\"",
                                      sheet.name, words.header));
}

std::string Shown(const CellValue& value) {
    switch (value.kind) {
        case CellValue::Kind::kFormula:
            return "=" + value.text;
        case CellValue::Kind::kNumber:
            return fmt::format("{}", value.number);
        case CellValue::Kind::kBoolean:
            return value.number != 0 ? "TRUE" : "FALSE";
        default:
            return Quoted(value.text);
    }
}

json::object CellJson(const std::string& ref, const CellValue& value) {
    switch (value.kind) {
        case CellValue::Kind::kFormula:
            return {{"ref", ref}, {"formula", value.text}};
        case CellValue::Kind::kNumber:
            return {{"ref", ref}, {"value", value.number}};
        case CellValue::Kind::kBoolean:
            return {{"ref", ref}, {"value", value.number != 0}};
        default:
            return {{"ref", ref}, {"value", value.text}};
    }
}

// ---- Sheets ----

Result<ClauseOutcome> Apply(WorkbookView& view, const AddSheet& step) {
    if (Result<json::value> added = view.Call("add_sheet", {{"name", step.name}}); !added) {
        return Refusal(added.error());
    }
    view.WorkedOn(step.name);
    return Applied(fmt::format("Added sheet {}.", Quoted(step.name)));
}

Result<ClauseOutcome> Apply(WorkbookView& view, const DeleteSheet& step) {
    Result<OutlineSheet> sheet = view.FindSheet(step.sheet);
    if (!sheet) return Refusal(sheet.error());
    if (Result<json::value> deleted = view.Call("delete_sheet", {{"sheet", sheet->name}});
        !deleted) {
        return Refusal(deleted.error());
    }
    return Applied(fmt::format("Deleted sheet {}.", Quoted(sheet->name)));
}

Result<ClauseOutcome> Apply(WorkbookView& view, const RenameSheet& step) {
    Result<OutlineSheet> sheet = view.FindSheet(step.sheet);
    if (!sheet) return Refusal(sheet.error());
    Result<json::value> renamed =
        view.Call("rename_sheet", {{"sheet", sheet->name}, {"new_name", step.new_name}});
    if (!renamed) return Refusal(renamed.error());
    view.SheetRenamed(sheet->name, step.new_name);
    view.WorkedOn(step.new_name);
    return Applied(
        fmt::format("Renamed sheet {} to {}.", Quoted(sheet->name), Quoted(step.new_name)));
}

Result<ClauseOutcome> Apply(WorkbookView& view, const MoveSheet& step) {
    Result<OutlineSheet> sheet = view.FindSheet(step.sheet);
    if (!sheet) return Refusal(sheet.error());
    Result<std::vector<OutlineSheet>> sheets = view.Sheets();
    if (!sheets) return Propagate(sheets);
    std::vector<std::string> others;
    for (const OutlineSheet& entry : *sheets) {
        if (entry.name != sheet->name) others.push_back(entry.name);
    }

    int position = 0;
    std::string where = "to the front";
    if (step.place == MoveSheet::Place::kEnd) {
        position = static_cast<int>(others.size());
        where = "to the end";
    } else if (step.place != MoveSheet::Place::kFront) {
        Result<OutlineSheet> other = view.FindSheet(step.other);
        if (!other) return Refusal(other.error());
        if (other->name == sheet->name) return Refuse("a sheet cannot be moved beside itself");
        auto at = std::ranges::find(others, other->name);
        position = static_cast<int>(at - others.begin());
        bool after = step.place == MoveSheet::Place::kAfter;
        if (after) ++position;
        where = fmt::format("{} {}", after ? "after" : "before", Quoted(other->name));
    }
    Result<json::value> moved =
        view.Call("move_sheet", {{"sheet", sheet->name}, {"position", position}});
    if (!moved) return Refusal(moved.error());
    view.WorkedOn(sheet->name);
    return Applied(fmt::format("Moved sheet {} {}.", Quoted(sheet->name), where));
}

// ---- Cells and formats ----

Result<ClauseOutcome> Apply(WorkbookView& view, const SetCell& step) {
    Result<OutlineSheet> sheet = view.FindSheet(step.sheet);
    if (!sheet) return Refusal(sheet.error());
    json::array cells{CellJson(step.ref, step.value)};
    Result<json::value> set =
        view.Call("set_cells", {{"sheet", sheet->name}, {"cells", std::move(cells)}});
    if (!set) return Refusal(set.error());
    view.WorkedOn(sheet->name);
    return Applied(fmt::format("Set {}!{} to {}.", xlsx::FormulaSheetName(sheet->name), step.ref,
                               Shown(step.value)));
}

Result<ClauseOutcome> Format(WorkbookView& view, const OutlineSheet& sheet, const CellRange& range,
                             json::object format, std::string_view done) {
    format["sheet"] = sheet.name;
    format["range"] = xlsx::RangeName(range);
    if (Result<json::value> formatted = view.Call("format_range", std::move(format)); !formatted) {
        return Refusal(formatted.error());
    }
    view.WorkedOn(sheet.name);
    return Applied(
        fmt::vformat(done, fmt::make_format_args(xlsx::RangeName(range), Quoted(sheet.name))));
}

// How the summary names a number format preset.
std::string_view FormatWords(std::string_view preset) {
    static const std::pair<std::string_view, std::string_view> kWords[] = {
        {"percent", "percentages"},
        {"date", "dates"},
        {"datetime", "dates and times"},
        {"number", "numbers"},
        {"integer", "whole numbers"}};
    for (const auto& [name, words] : kWords) {
        if (name == preset) return words;
    }
    return preset;
}

// The data cells of one column: under the header to the last used row.
Result<CellRange> ColumnData(WorkbookView& view, const OutlineSheet& sheet,
                             const ColumnWords& words) {
    Result<int> col = FindColumn(view, sheet, words);
    if (!col) return Propagate(col);
    auto [first, last] = DataRows(sheet);
    if (first > last) {
        return InvalidRequest(fmt::format("sheet \"{}\" has no rows under its header", sheet.name));
    }
    return CellRange{{*col, first}, {*col, last}};
}

Result<ClauseOutcome> Apply(WorkbookView& view, const MakeBold& step) {
    Result<OutlineSheet> sheet = FindUsedSheet(view, step.sheet);
    if (!sheet) return Refusal(sheet.error());
    const CellRange& used = *sheet->used;
    CellRange range;
    if (step.part == MakeBold::Part::kHeader) {
        int row = HeaderRow(*sheet);
        range = {{used.first.col, row}, {used.last.col, row}};
    } else if (step.part == MakeBold::Part::kRows) {
        if (step.first_row < 1 || step.last_row > xlsx::kMaxRows) {
            int bad = step.first_row < 1 ? step.first_row : step.last_row;
            return Refuse(fmt::format("there is no row {}", bad));
        }
        range = {{used.first.col, step.first_row}, {used.last.col, step.last_row}};
    } else {
        Result<int> col = FindColumn(view, *sheet, step.column);
        if (!col) return Refusal(col.error());
        range = {{*col, used.first.row}, {*col, used.last.row}};
    }
    return Format(view, *sheet, range, {{"bold", true}}, "Made {} of {} bold.");
}

Result<ClauseOutcome> Apply(WorkbookView& view, const FormatNumbers& step) {
    Result<OutlineSheet> sheet = FindUsedSheet(view, step.sheet);
    if (!sheet) return Refusal(sheet.error());
    CellRange range;
    if (!step.range.empty()) {
        std::optional<CellRange> given = xlsx::ParseRange(step.range);
        if (!given) return Refuse(fmt::format("{} is not a range of cells", step.range));
        range = *given;
    } else {
        Result<CellRange> column = ColumnData(view, *sheet, step.column);
        if (!column) return Refusal(column.error());
        range = *column;
    }
    std::string done = fmt::format("Formatted {{}} of {{}} as {}.", FormatWords(step.format));
    return Format(view, *sheet, range, {{"number_format", step.format}}, done);
}

std::string Counted(int count, std::string_view noun) {
    return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

Result<ClauseOutcome> Apply(WorkbookView& view, const FreezePanes& step) {
    Result<OutlineSheet> sheet = view.FindSheet(step.sheet);
    if (!sheet) return Refusal(sheet.error());
    int rows = step.rows;
    if (step.header_rows) rows = sheet->used ? HeaderRow(*sheet) : 1;
    std::string ref = CellName({step.columns + 1, rows + 1});
    Result<json::value> frozen = view.Call("freeze_panes", {{"sheet", sheet->name}, {"ref", ref}});
    if (!frozen) return Refusal(frozen.error());
    view.WorkedOn(sheet->name);
    if (rows == 0 && step.columns == 0) {
        return Applied(fmt::format("Unfroze the panes of {}.", Quoted(sheet->name)));
    }
    std::vector<std::string> parts;
    if (rows > 0) parts.push_back(rows == 1 ? "the top row" : "the top " + Counted(rows, "row"));
    if (step.columns > 0) {
        parts.push_back(step.columns == 1 ? "the first column"
                                          : "the first " + Counted(step.columns, "column"));
    }
    return Applied(fmt::format("Froze {} of {}.", fmt::join(parts, " and "), Quoted(sheet->name)));
}

// ---- Charts ----

// Charts go two columns right of whatever the sheet holds: its cells and its charts.
Result<std::string> FreeAnchor(WorkbookView& view, const OutlineSheet& sheet) {
    int right = sheet.used ? sheet.used->last.col : 0;
    int top = sheet.used ? sheet.used->first.row : 1;
    Result<std::vector<OutlineChart>> charts = view.Charts();
    if (!charts) return Propagate(charts);
    for (const OutlineChart& chart : *charts) {
        std::optional<CellRange> anchor = xlsx::ParseRange(chart.anchor);
        if (chart.sheet == sheet.name && anchor) right = std::max(right, anchor->last.col);
    }
    return CellName({std::min(right + 2, xlsx::kMaxColumns), top});
}

// The series of a chart of `range`: with more than one column, the first holds the categories
// and each other one a series; a first row of text names the series.
struct ChartData {
    json::array series;
    std::vector<std::string> names;  // the header of each series, when the range has one
};

Result<ChartData> ChartSeries(WorkbookView& view, std::string_view sheet, const CellRange& range,
                              bool one_series) {
    CellRange top{range.first, {range.last.col, range.first.row}};
    Result<CellBlock> block = Read(view, sheet, top);
    if (!block) return Propagate(block);
    bool header = range.last.row > range.first.row;
    for (int col = range.first.col; col <= range.last.col && header; ++col) {
        const json::value* cell = block->At({col, range.first.row});
        CellValue value = cell ? ValueOf(*cell) : CellValue{};
        header = value.kind == CellValue::Kind::kText && !value.text.empty();
    }
    int first_row = header ? range.first.row + 1 : range.first.row;
    std::string prefix = xlsx::FormulaSheetName(sheet) + "!";
    auto column = [&](int col) {
        return prefix + xlsx::AbsoluteRangeName({{col, first_row}, {col, range.last.row}});
    };

    ChartData data;
    bool categories = range.last.col > range.first.col;
    for (int col = range.first.col + (categories ? 1 : 0); col <= range.last.col; ++col) {
        json::object series{{"values", column(col)}};
        if (categories) series["categories"] = column(range.first.col);
        if (header) {
            series["name"] = prefix + CellName({col, range.first.row});
            data.names.push_back(ValueOf(*block->At({col, range.first.row})).text);
        }
        data.series.push_back(std::move(series));
        if (one_series) break;
    }
    return data;
}

Result<ClauseOutcome> Apply(WorkbookView& view, const AddChart& step) {
    Result<OutlineSheet> source = FindUsedSheet(view, step.source_sheet);
    if (!source) return Refusal(source.error());
    Result<OutlineSheet> target = source;
    if (!step.sheet.empty()) {
        target = view.FindSheet(step.sheet);
        if (target && target->used) target = Measured(view, std::move(*target));
    }
    if (!target) return Refusal(target.error());
    std::optional<CellRange> range = xlsx::ParseRange(step.range);
    if (!range) return Refuse(fmt::format("{} is not a range of cells", step.range));

    bool one_series = step.type == "pie" || step.type == "doughnut";
    Result<ChartData> data = ChartSeries(view, source->name, *range, one_series);
    if (!data) return Refusal(data.error());
    std::string title =
        step.title.empty() ? fmt::format("{}", fmt::join(data->names, ", ")) : step.title;
    Result<std::string> anchor = step.anchor.empty() ? FreeAnchor(view, *target) : step.anchor;
    if (!anchor) return Propagate(anchor);

    json::object args{{"sheet", target->name},
                      {"type", step.type},
                      {"series", std::move(data->series)},
                      {"anchor", *anchor}};
    if (!title.empty()) args["title"] = title;
    Result<json::value> added = view.Call("add_chart", std::move(args));
    if (!added) return Refusal(added.error());
    const json::object& chart = added->as_object();
    std::string name(chart.at("chart").as_string());
    view.ChartTouched({name, title, step.type, target->name, {}});
    view.WorkedOn(target->name);
    std::string what = title.empty() ? Quoted(name) : Quoted(title);
    return Applied(fmt::format("Added a {} chart {} of {}!{} on {} at {}.", step.type, what,
                               xlsx::FormulaSheetName(source->name), xlsx::RangeName(*range),
                               Quoted(target->name), *anchor));
}

std::string ChartLabel(const OutlineChart& chart) {
    if (chart.title.empty() || chart.title == chart.name) return Quoted(chart.name);
    return fmt::format("{} ({})", Quoted(chart.name), Quoted(chart.title));
}

Result<ClauseOutcome> Apply(WorkbookView& view, const MoveChart& step) {
    Result<OutlineChart> chart = view.FindChart(step.chart);
    if (!chart) return Refusal(chart.error());
    std::string sheet = chart->sheet;
    if (!step.sheet.empty()) {
        Result<OutlineSheet> target = view.FindSheet(step.sheet);
        if (!target) return Refusal(target.error());
        sheet = target->name;
    }
    std::string anchor = step.anchor;
    if (anchor.empty()) {
        std::optional<CellRange> now = xlsx::ParseRange(chart->anchor);
        if (!now)
            return Refuse(fmt::format("chart {} has no place on a sheet", Quoted(chart->name)));
        anchor = CellName(now->first);
    }
    Result<json::value> moved = view.Call("move_chart", {{"name", chart->name},
                                                         {"sheet", sheet},
                                                         {"anchor", anchor},
                                                         {"from_sheet", chart->sheet}});
    if (!moved) return Refusal(moved.error());
    OutlineChart placed = *chart;
    placed.sheet = sheet;
    view.ChartTouched(placed);
    view.WorkedOn(sheet);
    return Applied(
        fmt::format("Moved chart {} to {} at {}.", ChartLabel(*chart), Quoted(sheet), anchor));
}

Result<ClauseOutcome> Apply(WorkbookView& view, const DeleteChart& step) {
    Result<OutlineChart> chart = view.FindChart(step.chart);
    if (!chart) return Refusal(chart.error());
    Result<json::value> deleted =
        view.Call("delete_chart", {{"name", chart->name}, {"from_sheet", chart->sheet}});
    if (!deleted) return Refusal(deleted.error());
    view.ChartDeleted(chart->name);
    return Applied(
        fmt::format("Deleted chart {} from {}.", ChartLabel(*chart), Quoted(chart->sheet)));
}

// ---- Totals ----

bool IsTotalLabel(const json::value* cell) {
    CellValue value = cell ? ValueOf(*cell) : CellValue{};
    return value.kind == CellValue::Kind::kText &&
           (EqualsIgnoringCase(value.text, "total") || EqualsIgnoringCase(value.text, "totals"));
}

// The used range's rows under the header as a table, for ClassifyColumns: the header texts and
// at most as many rows as one read_range call returns. Dates come back from read_range as text,
// so they count as text here, which is what a total needs.
Result<xlsx::CsvTable> SampleTable(WorkbookView& view, const OutlineSheet& sheet) {
    const CellRange& used = *sheet.used;
    auto [first, last] = DataRows(sheet);
    xlsx::CsvTable table;
    if (sheet.header_row > 0) {
        int row = sheet.header_row;
        Result<CellBlock> header =
            Read(view, sheet.name, {{used.first.col, row}, {used.last.col, row}});
        if (!header) return Propagate(header);
        for (int col = used.first.col; col <= used.last.col; ++col) {
            const json::value* cell = header->At({col, row});
            table.header.push_back(cell ? ValueOf(*cell).text : "");
        }
    }
    Result<CellBlock> data =
        Read(view, sheet.name, {{used.first.col, first}, {used.last.col, last}});
    if (!data) return Propagate(data);
    for (std::size_t i = 0; i < data->rows.size(); ++i) {
        int row = data->range.first.row + static_cast<int>(i);
        std::vector<CellValue> values;
        for (int col = used.first.col; col <= used.last.col; ++col) {
            const json::value* cell = data->At({col, row});
            values.push_back(cell ? ValueOf(*cell) : CellValue{});
        }
        table.rows.push_back(std::move(values));
    }
    return table;
}

// What a total row sums and where it goes, worked out before anything is written.
struct TotalRowPlan {
    int first = 0;  // the data rows summed
    int last = 0;
    int label = 0;             // the column of "Total"
    std::vector<int> columns;  // the numeric columns, left to right
    std::vector<std::string> names;
};

// kInvalidRequest, for a refusal, when the sheet has no data rows or no numeric column, or ends
// in a total row already.
Result<TotalRowPlan> PlanTotalRow(WorkbookView& view, const OutlineSheet& sheet) {
    const CellRange& used = *sheet.used;
    TotalRowPlan plan;
    std::tie(plan.first, plan.last) = DataRows(sheet);
    if (plan.first > plan.last) {
        return InvalidRequest(
            fmt::format("sheet {} has no rows under its header", Quoted(sheet.name)));
    }
    Result<CellBlock> last_row =
        Read(view, sheet.name, {{used.first.col, plan.last}, {used.last.col, plan.last}});
    if (!last_row) return Propagate(last_row);
    for (int col = used.first.col; col <= used.last.col; ++col) {
        if (IsTotalLabel(last_row->At({col, plan.last}))) {
            return InvalidRequest(fmt::format("sheet {} already ends in a total row (row {})",
                                              Quoted(sheet.name), plan.last));
        }
    }

    Result<xlsx::CsvTable> table = SampleTable(view, sheet);
    if (!table) return Propagate(table);
    ColumnRoles roles = ClassifyColumns(*table);
    if (roles.numeric.empty()) {
        return InvalidRequest(
            fmt::format("sheet {} has no numeric column to total", Quoted(sheet.name)));
    }
    for (int index : roles.numeric) {
        plan.columns.push_back(used.first.col + index);
        bool headed =
            static_cast<std::size_t>(index) < table->header.size() && !table->header[index].empty();
        plan.names.push_back(headed ? table->header[index]
                                    : "column " + ColumnName(plan.columns.back()));
    }
    plan.label = used.last.col + 1;  // when every column holds numbers
    for (int col = used.first.col; col <= used.last.col; ++col) {
        if (std::ranges::find(plan.columns, col) == plan.columns.end()) {
            plan.label = col;
            break;
        }
    }
    return plan;
}

Result<ClauseOutcome> Apply(WorkbookView& view, const AddTotalRow& step) {
    Result<OutlineSheet> sheet = FindUsedSheet(view, step.sheet);
    if (!sheet) return Refusal(sheet.error());
    Result<TotalRowPlan> plan = PlanTotalRow(view, *sheet);
    if (!plan) return Refusal(plan.error());

    int row = plan->last + 1;
    json::array cells{json::object{{"ref", CellName({plan->label, row})}, {"value", "Total"}}};
    for (int col : plan->columns) {
        std::string formula =
            fmt::format("SUM({0}{1}:{0}{2})", ColumnName(col), plan->first, plan->last);
        cells.push_back(json::object{{"ref", CellName({col, row})}, {"formula", formula}});
    }
    Result<json::value> set =
        view.Call("set_cells", {{"sheet", sheet->name}, {"cells", std::move(cells)}});
    if (!set) return Refusal(set.error());

    // The cells are written: a refusal now would leave half an instruction, so it fails the turn.
    const CellRange& used = *sheet->used;
    CellRange total{{std::min(plan->label, used.first.col), row},
                    {std::max(plan->label, used.last.col), row}};
    json::object bold{{"sheet", sheet->name}, {"range", xlsx::RangeName(total)}, {"bold", true}};
    if (Result<json::value> done = view.Call("format_range", std::move(bold)); !done) {
        return std::unexpected(done.error());
    }
    view.WorkedOn(sheet->name);
    return Applied(fmt::format("Added a total row to {} (row {}) with the sum of {}.",
                               Quoted(sheet->name), row, fmt::join(plan->names, ", ")));
}

Result<ClauseOutcome> Apply(WorkbookView& view, const SumColumn& step) {
    Result<OutlineSheet> sheet = FindUsedSheet(view, step.sheet);
    if (!sheet) return Refusal(sheet.error());
    Result<CellRange> column = ColumnData(view, *sheet, step.column);
    if (!column) return Refusal(column.error());
    int col = column->first.col;
    std::string name = ColumnName(col);
    json::value bottom;
    Result<int> filled =
        LastFilledRow(view, sheet->name, col, column->first.row, column->last.row, &bottom);
    if (!filled) return Propagate(filled);
    if (*filled == 0) {
        return Refuse(fmt::format("column {} of {} has no data", name, Quoted(sheet->name)));
    }
    if (bottom.is_object()) {
        std::string formula(bottom.get_object().at("formula").as_string());
        std::string upper = formula;
        std::ranges::transform(upper, upper.begin(),
                               [](unsigned char c) { return std::toupper(c); });
        if (upper.starts_with("=SUM(")) {
            return Refuse(fmt::format("column {} of {} already ends in a sum ({}{})", name,
                                      Quoted(sheet->name), name, *filled));
        }
    }

    std::string formula = fmt::format("SUM({0}{1}:{0}{2})", name, column->first.row, *filled);
    std::string ref = CellName({col, *filled + 1});
    json::array cells{json::object{{"ref", ref}, {"formula", formula}}};
    Result<json::value> set =
        view.Call("set_cells", {{"sheet", sheet->name}, {"cells", std::move(cells)}});
    if (!set) return Refusal(set.error());
    view.WorkedOn(sheet->name);
    return Applied(
        fmt::format("Put ={} in {}!{}.", formula, xlsx::FormulaSheetName(sheet->name), ref));
}

// ---- Report ----

// A cell as read_range gives it back, with dates (which it gives as ISO text) typed the way a
// CSV field is, so that the report finds its date column again.
CellValue TypedValue(const json::value& cell) {
    static const std::regex kIsoDate(R"(^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?$)");
    CellValue value = ValueOf(cell);
    if (value.kind != CellValue::Kind::kText || !std::regex_match(value.text, kIsoDate)) {
        return value;
    }
    Result<xlsx::CsvTable> parsed = xlsx::ParseCsv("date,x\n" + value.text + ",x\n");
    if (parsed && parsed->rows.size() == 1 && parsed->rows[0][0].kind == CellValue::Kind::kDate) {
        return parsed->rows[0][0];
    }
    return value;
}

// The sheet from A1 as a CSV table: the first row the header, the rest typed rows, read in as
// few read_range calls as its cap allows.
Result<xlsx::CsvTable> ReadTable(WorkbookView& view, const OutlineSheet& sheet) {
    const CellRange& used = *sheet.used;
    xlsx::CsvTable table;
    Result<CellBlock> header = Read(view, sheet.name, {{1, 1}, {used.last.col, 1}});
    if (!header) return Propagate(header);
    for (int col = 1; col <= used.last.col; ++col) {
        const json::value* cell = header->At({col, 1});
        CellValue value = cell ? ValueOf(*cell) : CellValue{};
        table.header.push_back(
            value.kind == CellValue::Kind::kNumber ? fmt::format("{}", value.number) : value.text);
    }
    int per_read = std::max(1, static_cast<int>(kMaxReadCells) / used.last.col);
    for (int top = 2; top <= used.last.row; top += per_read) {
        int bottom = std::min(used.last.row, top + per_read - 1);
        Result<CellBlock> block = Read(view, sheet.name, {{1, top}, {used.last.col, bottom}});
        if (!block) return Propagate(block);
        for (int row = top; row <= bottom; ++row) {
            std::vector<CellValue> values;
            for (int col = 1; col <= used.last.col; ++col) {
                const json::value* cell = block->At({col, row});
                values.push_back(cell ? TypedValue(*cell) : CellValue{});
            }
            table.rows.push_back(std::move(values));
        }
    }
    return table;
}

}  // namespace

Result<ClauseOutcome> ReportOnDataSheet(WorkbookView& view) {
    Result<OutlineSheet> sheet = view.DataSheet();
    if (!sheet) return Refusal(sheet.error());
    if (sheet->kind != "worksheet" || !sheet->used) {
        return Refuse(fmt::format("sheet {} has no data to report on", Quoted(sheet->name)));
    }
    if (sheet->used->first != CellRef{1, 1}) {
        return Refuse(fmt::format("the data of {} does not start at A1", Quoted(sheet->name)));
    }
    if (sheet->tables > 0) {
        return Refuse(fmt::format("sheet {} is a table already: a report was made of it",
                                  Quoted(sheet->name)));
    }
    std::int64_t cells = static_cast<std::int64_t>(sheet->used->last.col) * sheet->used->last.row;
    if (cells > kMaxReportCells) {
        return Refuse(
            fmt::format("{} ({}) is too large to report on from the workbook (at most "
                        "{} cells); attach it as a CSV instead",
                        Quoted(sheet->name), xlsx::RangeName(*sheet->used), kMaxReportCells));
    }
    Result<xlsx::CsvTable> table = ReadTable(view, *sheet);
    if (!table) return Propagate(table);

    Result<CsvReport> report = BuildCsvReport(view.Edit(), sheet->name, *table, view.observer());
    if (report) view.CountToolCalls(report->tool_calls);
    if (!report) {
        Error error = report.error();
        if (error.message.starts_with("add_table: ")) error.message.erase(0, 11);
        return Refusal(error);
    }
    if (!report->summary_sheet.empty()) view.SetRole(report->summary_sheet, "summary");
    if (!report->chart.empty()) {
        view.ChartTouched({report->chart, report->chart_title, {}, report->summary_sheet, {}});
    }
    view.WorkedOn(sheet->name);
    return Applied(fmt::format("{}", fmt::join(report->done, " ")));
}

Result<ClauseOutcome> ApplyExcelInstruction(WorkbookView& view,
                                            const ExcelInstruction& instruction) {
    return std::visit([&](const auto& step) { return Apply(view, step); }, instruction);
}

}  // namespace quire::agent
