// Tools for the look of a worksheet: cell formats, column widths, row heights, merges, frozen
// panes and the auto-filter.

#include <fmt/format.h>
#include <boost/json.hpp>

#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/tools_impl.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::xlsx {
namespace {

namespace json = boost::json;

Status ReadFontArgs(ToolArgs& args, Workbook::CellFormat& format) {
    for (auto [key, field] : {std::pair{"bold", &format.bold}, std::pair{"italic", &format.italic},
                              std::pair{"underline", &format.underline}}) {
        Result<std::optional<bool>> value = args.OptionalBool(key);
        if (!value) return std::unexpected(value.error());
        *field = *value;
    }
    Result<std::optional<double>> size = args.OptionalNumber("font_size");
    if (!size) return std::unexpected(size.error());
    format.font_size = *size;
    for (auto [key, field] :
         {std::pair{"font_color", &format.font_color}, std::pair{"font_name", &format.font_name}}) {
        Result<std::optional<std::string>> value = args.OptionalString(key);
        if (!value) return std::unexpected(value.error());
        *field = std::move(*value);
    }
    return {};
}

Status ReadCellArgs(ToolArgs& args, Workbook::CellFormat& format) {
    for (auto [key, field] :
         {std::pair{"fill_color", &format.fill_color}, std::pair{"border", &format.border},
          std::pair{"border_color", &format.border_color},
          std::pair{"horizontal", &format.horizontal}, std::pair{"vertical", &format.vertical},
          std::pair{"number_format", &format.number_format}}) {
        Result<std::optional<std::string>> value = args.OptionalString(key);
        if (!value) return std::unexpected(value.error());
        *field = std::move(*value);
    }
    Result<std::optional<bool>> outline = args.OptionalBool("border_outline");
    if (!outline) return std::unexpected(outline.error());
    format.border_outline = outline->value_or(false);
    Result<std::optional<bool>> wrap = args.OptionalBool("wrap");
    if (!wrap) return std::unexpected(wrap.error());
    format.wrap = *wrap;
    return {};
}

Result<json::value> FormatRangeTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range = args.String("range");
    if (!range) return Propagate(range);
    Workbook::CellFormat format;
    if (Status read = ReadFontArgs(args, format); !read) return std::unexpected(read.error());
    if (Status read = ReadCellArgs(args, format); !read) return std::unexpected(read.error());
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status formatted = workbook.FormatRange(*sheet, *range, format); !formatted) {
        return std::unexpected(formatted.error());
    }
    std::optional<CellRange> cells = ParseRange(*range);
    if (!cells) {
        // Whole columns or rows ("B:D", "2:5"): their <col> entries or rows carry the format.
        return json::object{{"sheet", *sheet}, {"range", *range}, {"whole_lines", true}};
    }
    std::int64_t count = static_cast<std::int64_t>(cells->last.col - cells->first.col + 1) *
                         (cells->last.row - cells->first.row + 1);
    return json::object{{"sheet", *sheet}, {"range", RangeName(*cells)}, {"cells", count}};
}

Result<json::value> SetColumnWidthTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> columns = args.String("columns");
    if (!columns) return Propagate(columns);
    Result<std::optional<double>> width = args.OptionalNumber("width");
    if (!width) return Propagate(width);
    Result<std::optional<bool>> fit = args.OptionalBool("fit");
    if (!fit) return Propagate(fit);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (*fit && !**fit) return InvalidRequest("'fit' can only be true; give 'width' instead");
    if (width->has_value() == fit->has_value()) {
        return InvalidRequest("give exactly one of 'width' (characters) or 'fit': true");
    }

    json::object result{{"sheet", *sheet}, {"columns", *columns}};
    if (*fit) {
        if (Status fitted = workbook.FitColumnWidth(*sheet, *columns); !fitted) {
            return std::unexpected(fitted.error());
        }
        result["fit"] = true;
        return result;
    }
    if (Status set = workbook.SetColumnWidth(*sheet, *columns, **width); !set) {
        return std::unexpected(set.error());
    }
    result["width"] = **width;
    return result;
}

Result<json::value> SetRowHeightTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> rows = args.String("rows");
    if (!rows) return Propagate(rows);
    Result<std::optional<double>> height = args.OptionalNumber("height");
    if (!height) return Propagate(height);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (!*height) return InvalidRequest("'height' is required");
    if (Status set = workbook.SetRowHeight(*sheet, *rows, **height); !set) {
        return std::unexpected(set.error());
    }
    return json::object{{"sheet", *sheet}, {"rows", *rows}, {"height", **height}};
}

// merge_cells and unmerge_cells read the same arguments.
Result<json::value> MergeTool(Workbook& workbook, ToolArgs& args, bool merge) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range = args.String("range");
    if (!range) return Propagate(range);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    Status changed =
        merge ? workbook.MergeCells(*sheet, *range) : workbook.UnmergeCells(*sheet, *range);
    if (!changed) return std::unexpected(changed.error());
    return json::object{{"sheet", *sheet}, {merge ? "merged" : "unmerged", *range}};
}

Result<json::value> FreezePanesTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> ref = args.String("ref");
    if (!ref) return Propagate(ref);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status frozen = workbook.FreezePanes(*sheet, *ref); !frozen) {
        return std::unexpected(frozen.error());
    }
    std::optional<CellRef> at = ParseCellRef(*ref);
    return json::object{
        {"sheet", *sheet}, {"frozen_rows", at->row - 1}, {"frozen_columns", at->col - 1}};
}

Result<json::value> SetAutoFilterTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::optional<std::string>> range = args.OptionalString("range");
    if (!range) return Propagate(range);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    std::optional<std::string_view> wanted;
    if (*range && !(*range)->empty()) wanted = **range;
    if (Status set = workbook.SetAutoFilter(*sheet, wanted); !set) {
        return std::unexpected(set.error());
    }
    json::value shown = wanted ? json::value(**range) : json::value(nullptr);
    return json::object{{"sheet", *sheet}, {"range", shown}};
}

constexpr std::string_view kFormatRangeSchema =
    R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {
      "type": "string",
      "description": "A1:D20 or C3 (at most 1,000,000 cells), whole columns B:D or rows 2:5"},
    "bold": {"type": "boolean"},
    "italic": {"type": "boolean"},
    "underline": {"type": "boolean"},
    "font_color": {"type": "string", "pattern": "^#?[0-9A-Fa-f]{6}$",
                   "description": "Hex RRGGBB"},
    "font_size": {"type": "number", "minimum": 1, "maximum": 409, "description": "Points"},
    "font_name": {"type": "string", "minLength": 1, "maxLength": 31},
    "fill_color": {"type": "string", "pattern": "^#?[0-9A-Fa-f]{6}$",
                   "description": "Hex RRGGBB, a solid fill"},
    "border": {"type": "string",
               "enum": ["none", "thin", "medium", "thick", "dashed", "dotted", "double"]},
    "border_color": {"type": "string", "pattern": "^#?[0-9A-Fa-f]{6}$",
                     "description": "Hex RRGGBB; needs border"},
    "border_outline": {"type": "boolean",
                       "description": "true: border around the range only, not every cell"},
    "horizontal": {"type": "string", "enum": ["left", "center", "right", "justify"]},
    "vertical": {"type": "string", "enum": ["top", "center", "bottom"]},
    "wrap": {"type": "boolean", "description": "Wrap text within the cell"},
    "number_format": {"type": "string",
                      "description": "A preset: general, number (#,##0.00), integer (#,##0), )json"
    R"json(currency ($#,##0.00), percent (0.00%), date (yyyy-mm-dd), datetime )json"
    R"json((yyyy-mm-dd hh:mm), text (@); or an Excel format code such as 0.0%"}},
  "required": ["sheet", "range"], "additionalProperties": false})json";

constexpr std::string_view kSetColumnWidthSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "columns": {"type": "string", "description": "One column B or a span B:D"},
    "width": {"type": "number", "minimum": 0, "maximum": 255,
              "description": "In characters; give this or fit"},
    "fit": {"type": "boolean",
            "description": "true: fit each column to its longest value; give this or width"}},
  "required": ["sheet", "columns"], "additionalProperties": false})json";

constexpr std::string_view kSetRowHeightSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "rows": {"type": "string", "description": "One row 3 or a span 3:5"},
    "height": {"type": "number", "minimum": 0, "maximum": 409, "description": "In points"}},
  "required": ["sheet", "rows", "height"], "additionalProperties": false})json";

constexpr std::string_view kMergeSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": "string", "description": "Two or more cells like A1:D1"}},
  "required": ["sheet", "range"], "additionalProperties": false})json";

constexpr std::string_view kFreezePanesSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "ref": {"type": "string",
            "description": "First unfrozen cell: B2 freezes row 1 and column A, A1 unfreezes"}},
  "required": ["sheet", "ref"], "additionalProperties": false})json";

constexpr std::string_view kSetAutoFilterSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": ["string", "null"],
              "description": "Header row first, like A1:F200; null or absent removes the filter"}},
  "required": ["sheet"], "additionalProperties": false})json";

}  // namespace

std::vector<Tool> FormatTools() {
    return {
        {"format_range",
         "Format cells: font, fill, borders, alignment, wrapping and number format. Options "
         "add to each cell's current format; unset options keep it. Whole columns or rows "
         "keep the format for cells written there later.",
         std::string(kFormatRangeSchema), FormatRangeTool},
        {"set_column_width",
         "Set the width of columns in characters, or fit them to their content.",
         std::string(kSetColumnWidthSchema), SetColumnWidthTool},
        {"set_row_height", "Set the height of rows in points.", std::string(kSetRowHeightSchema),
         SetRowHeightTool},
        {"merge_cells",
         "Merge a range into one cell; only the top-left value shows. Overlapping merges are "
         "refused.",
         std::string(kMergeSchema),
         [](Workbook& workbook, ToolArgs& args) { return MergeTool(workbook, args, true); }},
        {"unmerge_cells", "Undo the merge of exactly this range.", std::string(kMergeSchema),
         [](Workbook& workbook, ToolArgs& args) { return MergeTool(workbook, args, false); }},
        {"freeze_panes",
         "Freeze the rows above and the columns left of a cell so they stay in view.",
         std::string(kFreezePanesSchema), FreezePanesTool},
        {"set_auto_filter",
         "Put filter buttons on the header row of a range, or remove the sheet's filter.",
         std::string(kSetAutoFilterSchema), SetAutoFilterTool},
    };
}

}  // namespace quire::xlsx
