// Tools for charts: adding, moving and deleting charts on worksheets.

#include <fmt/format.h>
#include <boost/json.hpp>

#include "ooxml/chart/chart_part.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/tools_impl.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::xlsx {
namespace {

namespace json = boost::json;

// A series name is a reference when it starts with '=' or reads as one cell of a named sheet
// ("Data!B1", "'My data'!$B$1"); anything else is the name itself.
bool IsNameReference(std::string_view name) {
    if (name.starts_with('=')) return true;
    std::size_t bang = name.rfind('!');
    return bang != std::string_view::npos && bang > 0 && ParseCellRef(name.substr(bang + 1));
}

Result<std::string> SeriesString(const json::object& item, std::string_view key, std::size_t index,
                                 bool required) {
    const json::value* value = item.if_contains(key);
    if (value == nullptr || value->is_null()) {
        if (!required) return std::string{};
        return InvalidRequest(fmt::format("series[{}] needs '{}'", index, key));
    }
    if (!value->is_string()) {
        return InvalidRequest(fmt::format("series[{}].{} must be a string", index, key));
    }
    return std::string(value->get_string());
}

Result<chart::SeriesSpec> ReadSeries(const json::value& value, std::size_t index) {
    const json::object* item = value.if_object();
    if (item == nullptr) return InvalidRequest(fmt::format("series[{}] must be an object", index));
    for (const auto& [key, unused] : *item) {
        if (key != "name" && key != "categories" && key != "values") {
            return InvalidRequest(
                fmt::format("series[{}]: unknown key '{}'", index, std::string_view(key)));
        }
    }
    Result<std::string> name = SeriesString(*item, "name", index, false);
    if (!name) return Propagate(name);
    Result<std::string> categories = SeriesString(*item, "categories", index, false);
    if (!categories) return Propagate(categories);
    Result<std::string> values = SeriesString(*item, "values", index, true);
    if (!values) return Propagate(values);
    chart::SeriesSpec series;
    if (IsNameReference(*name)) {
        series.name_ref = *name;
    } else {
        series.name = *name;
    }
    series.categories_ref = *categories;
    series.values_ref = *values;
    return series;
}

json::object ChartResult(const ChartInfo& info) {
    return json::object{{"chart", info.name},
                        {"sheet", info.sheet},
                        {"anchor", info.anchor},
                        {"type", info.type},
                        {"series", info.series.size()}};
}

Result<chart::ChartSpec> ReadSpec(ToolArgs& args) {
    chart::ChartSpec spec;
    Result<std::string> type = args.String("type");
    if (!type) return Propagate(type);
    std::optional<chart::ChartType> parsed = chart::ParseChartType(*type);
    if (!parsed) {
        return InvalidRequest(fmt::format(
            "'type' must be column, bar, line, area, pie, doughnut or scatter, not '{}'", *type));
    }
    spec.type = *parsed;
    for (auto [key, field] : {std::pair{"title", &spec.title},
                              {"x_axis_title", &spec.x_axis_title},
                              {"y_axis_title", &spec.y_axis_title}}) {
        Result<std::optional<std::string>> text = args.OptionalString(key);
        if (!text) return Propagate(text);
        *field = text->value_or("");
    }
    Result<std::optional<std::string>> legend = args.OptionalString("legend");
    if (!legend) return Propagate(legend);
    if (*legend) {
        std::optional<chart::LegendPosition> position = chart::ParseLegendPosition(**legend);
        if (!position) {
            return InvalidRequest(fmt::format(
                "'legend' must be right, left, top, bottom or none, not '{}'", **legend));
        }
        spec.legend = *position;
    }
    Result<std::optional<bool>> labels = args.OptionalBool("data_labels");
    if (!labels) return Propagate(labels);
    spec.data_labels = labels->value_or(false);

    Result<const json::array*> series = args.Array("series");
    if (!series) return Propagate(series);
    if ((*series)->empty()) return InvalidRequest("'series' is empty");
    for (std::size_t i = 0; i < (*series)->size(); ++i) {
        Result<chart::SeriesSpec> one = ReadSeries((**series)[i], i);
        if (!one) return Propagate(one);
        spec.series.push_back(std::move(*one));
    }
    return spec;
}

Result<json::value> AddChartTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> anchor = args.String("anchor");
    if (!anchor) return Propagate(anchor);
    Result<std::optional<std::string>> name = args.OptionalString("name");
    if (!name) return Propagate(name);
    Result<chart::ChartSpec> spec = ReadSpec(args);
    if (!spec) return Propagate(spec);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    Result<ChartInfo> added = workbook.AddChart(*sheet, *spec, *anchor, name->value_or(""));
    if (!added) return Propagate(added);
    return ChartResult(*added);
}

Result<json::value> MoveChartTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> name = args.String("name");
    if (!name) return Propagate(name);
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> anchor = args.String("anchor");
    if (!anchor) return Propagate(anchor);
    Result<std::optional<std::string>> from_sheet = args.OptionalString("from_sheet");
    if (!from_sheet) return Propagate(from_sheet);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    Result<ChartInfo> moved = workbook.MoveChart(*name, *sheet, *anchor, from_sheet->value_or(""));
    if (!moved) return Propagate(moved);
    return json::object{{"chart", moved->name}, {"sheet", moved->sheet}, {"anchor", moved->anchor}};
}

Result<json::value> DeleteChartTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> name = args.String("name");
    if (!name) return Propagate(name);
    Result<std::optional<std::string>> from_sheet = args.OptionalString("from_sheet");
    if (!from_sheet) return Propagate(from_sheet);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status deleted = workbook.DeleteChart(*name, from_sheet->value_or("")); !deleted) {
        return std::unexpected(deleted.error());
    }
    return json::object{{"deleted", *name}};
}

constexpr std::string_view kAddChartSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string", "description": "The worksheet the chart is placed on"},
    "type": {"enum": ["column", "bar", "line", "area", "pie", "doughnut", "scatter"],
             "description":
               "bar: horizontal bars; scatter: numeric x (categories) and y; pie: one series"},
    "title": {"type": "string"},
    "series": {"type": "array", "minItems": 1, "items": {
      "type": "object",
      "properties": {
        "name": {"type": "string",
                 "description": "The series name, or the one cell holding it, such as Data!B1"},
        "categories": {"type": "string",
                       "description": "One row or column of labels (x for scatter): Data!A2:A13"},
        "values": {"type": "string",
                   "description": "One row or column of numbers: Data!B2:B13 (no sheet: 'sheet')"}},
      "required": ["values"], "additionalProperties": false}},
    "anchor": {"type": "string",
               "description": "The range it covers (E2:L18), or its top-left cell (E2): 8x15"},
    "name": {"type": "string", "description": "A unique name to refer to it by; default Chart N"},
    "x_axis_title": {"type": "string"},
    "y_axis_title": {"type": "string"},
    "legend": {"enum": ["right", "left", "top", "bottom", "none"], "description": "Default right"},
    "data_labels": {"type": "boolean", "description": "Show each point's value; default false"}},
  "required": ["sheet", "type", "series", "anchor"], "additionalProperties": false})json";

constexpr std::string_view kMoveChartSchema = R"json({
  "type": "object",
  "properties": {
    "name": {"type": "string", "description": "The chart's name"},
    "sheet": {"type": "string", "description": "The worksheet to put it on: its own or another"},
    "anchor": {"type": "string",
               "description": "A range (E2:L18) to fit it to, or a top-left cell (E2): same size"},
    "from_sheet": {
      "type": "string",
      "description": "The sheet the chart is on; needed when two charts share a name"}},
  "required": ["name", "sheet", "anchor"], "additionalProperties": false})json";

constexpr std::string_view kDeleteChartSchema = R"json({
  "type": "object",
  "properties": {
    "name": {"type": "string", "description": "The chart's name"},
    "from_sheet": {
      "type": "string",
      "description": "The sheet the chart is on; needed when two charts share a name"}},
  "required": ["name"], "additionalProperties": false})json";

}  // namespace

std::vector<Tool> ChartTools() {
    return {
        {"add_chart",
         "Add a chart of ranges on existing worksheets to a worksheet. References are checked "
         "and stored absolute; a bad one changes nothing.",
         std::string(kAddChartSchema), AddChartTool},
        {"move_chart", "Move or resize a chart, on its sheet or onto another worksheet.",
         std::string(kMoveChartSchema), MoveChartTool},
        {"delete_chart", "Delete a chart from its worksheet.", std::string(kDeleteChartSchema),
         DeleteChartTool},
    };
}

}  // namespace quire::xlsx
