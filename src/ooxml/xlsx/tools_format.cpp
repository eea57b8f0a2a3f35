// Tools for the look of a worksheet: cell formats, column widths, row heights, merges, frozen
// panes, the auto-filter and how the sheet prints.

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
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

// Paper names the tool takes, with their ST_PaperSize codes (ECMA-376 Part 1, §18.3.1.63).
constexpr std::array<std::pair<std::string_view, int>, 4> kPapers = {
    {{"letter", 1}, {"legal", 5}, {"a3", 8}, {"a4", 9}}};

Result<std::optional<int>> OptionalWholeNumber(ToolArgs& args, std::string_view key) {
    Result<std::optional<double>> number = args.OptionalNumber(key);
    if (!number) return Propagate(number);
    if (!*number) return std::optional<int>{};
    double value = **number;
    if (value != std::floor(value) || std::abs(value) > 1e6) {
        return InvalidRequest(fmt::format("'{}' must be a whole number", key));
    }
    return std::optional<int>(static_cast<int>(value));
}

Result<std::optional<int>> ReadPaper(ToolArgs& args) {
    Result<std::optional<std::string>> paper = args.OptionalString("paper");
    if (!paper) return Propagate(paper);
    if (!*paper) return std::optional<int>{};
    for (const auto& [name, code] : kPapers) {
        if (**paper == name) return std::optional<int>(code);
    }
    return InvalidRequest("'paper' must be one of letter, a4, legal, a3");
}

Status ReadMargins(ToolArgs& args, PageMargins& margins) {
    Result<const json::object*> given = args.OptionalObject("margins");
    if (!given) return std::unexpected(given.error());
    if (*given == nullptr) return {};
    const std::pair<std::string_view, std::optional<double> PageMargins::*> kFields[] = {
        {"top", &PageMargins::top},       {"bottom", &PageMargins::bottom},
        {"left", &PageMargins::left},     {"right", &PageMargins::right},
        {"header", &PageMargins::header}, {"footer", &PageMargins::footer}};
    for (const auto& [key, value] : **given) {
        auto field = std::find_if(std::begin(kFields), std::end(kFields),
                                  [&](const auto& f) { return f.first == std::string_view(key); });
        if (field == std::end(kFields)) {
            return InvalidRequest(
                fmt::format("unknown margin '{}'; give top, bottom, left, right, header or footer",
                            std::string_view(key)));
        }
        if (!value.is_number()) {
            return InvalidRequest(
                fmt::format("'margins.{}' must be a number of inches", std::string_view(key)));
        }
        margins.*(field->second) = value.to_number<double>();
    }
    return {};
}

Result<PageSetup> ReadPageSetupArgs(ToolArgs& args) {
    PageSetup setup;
    Result<std::optional<std::string>> orientation = args.OptionalString("orientation");
    if (!orientation) return Propagate(orientation);
    setup.orientation = *orientation;
    Result<std::optional<int>> paper = ReadPaper(args);
    if (!paper) return Propagate(paper);
    setup.paper_size = *paper;
    for (auto [key, field] :
         {std::pair{"fit_to_width", &setup.fit_to_width},
          std::pair{"fit_to_height", &setup.fit_to_height}, std::pair{"scale", &setup.scale}}) {
        Result<std::optional<int>> value = OptionalWholeNumber(args, key);
        if (!value) return Propagate(value);
        *field = *value;
    }
    if (Status margins = ReadMargins(args, setup.margins); !margins) {
        return std::unexpected(margins.error());
    }
    for (auto [key, field] : {std::pair{"print_area", &setup.print_area},
                              std::pair{"print_titles_rows", &setup.print_title_rows}}) {
        Result<std::optional<std::string>> value = args.OptionalString(key);
        if (!value) return Propagate(value);
        *field = std::move(*value);
    }
    for (auto [key, field] : {std::pair{"center_horizontally", &setup.center_horizontally},
                              std::pair{"gridlines", &setup.gridlines}}) {
        Result<std::optional<bool>> value = args.OptionalBool(key);
        if (!value) return Propagate(value);
        *field = *value;
    }
    return setup;
}

// The sheet's page setup after the call, in the tool's own terms.
json::object PageSetupResult(std::string_view sheet, const PageSetup& setup) {
    json::object out{{"sheet", sheet}};
    if (setup.orientation) out["orientation"] = *setup.orientation;
    if (setup.paper_size) {
        auto paper = std::find_if(kPapers.begin(), kPapers.end(),
                                  [&](const auto& p) { return p.second == *setup.paper_size; });
        out["paper"] =
            paper != kPapers.end() ? json::value(paper->first) : json::value(*setup.paper_size);
    }
    if (setup.fit_to_width) out["fit_to_width"] = *setup.fit_to_width;
    if (setup.fit_to_height) out["fit_to_height"] = *setup.fit_to_height;
    if (setup.scale && !setup.fit_to_width) out["scale"] = *setup.scale;
    json::object margins;
    for (auto [key, value] :
         {std::pair{"top", setup.margins.top}, std::pair{"bottom", setup.margins.bottom},
          std::pair{"left", setup.margins.left}, std::pair{"right", setup.margins.right},
          std::pair{"header", setup.margins.header}, std::pair{"footer", setup.margins.footer}}) {
        if (value) margins[key] = *value;
    }
    if (!margins.empty()) out["margins"] = std::move(margins);
    if (setup.print_area) out["print_area"] = *setup.print_area;
    if (setup.print_title_rows) out["print_titles_rows"] = *setup.print_title_rows;
    if (setup.center_horizontally.value_or(false)) out["center_horizontally"] = true;
    if (setup.gridlines.value_or(false)) out["gridlines"] = true;
    return out;
}

Result<json::value> SetPageSetupTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<PageSetup> setup = ReadPageSetupArgs(args);
    if (!setup) return Propagate(setup);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status set = workbook.SetPageSetup(*sheet, *setup); !set) {
        return std::unexpected(set.error());
    }
    Result<std::vector<SheetInfo>> sheets = workbook.Sheets();
    if (!sheets) return Propagate(sheets);
    std::string name = *sheet;
    for (const SheetInfo& info : *sheets) {
        if (EqualsIgnoreCase(info.name, *sheet)) name = info.name;
    }
    Result<PageSetup> now = workbook.PageSetupOf(name);
    if (!now) return Propagate(now);
    return PageSetupResult(name, *now);
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

constexpr std::string_view kSetPageSetupSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "orientation": {"type": "string", "enum": ["portrait", "landscape"]},
    "paper": {"type": "string", "enum": ["letter", "a4", "legal", "a3"]},
    "fit_to_width": {"type": "integer", "minimum": 0, "maximum": 32767,
                     "description": "Fit to at most this many pages across; 0 any number"},
    "fit_to_height": {"type": "integer", "minimum": 0, "maximum": 32767,
                      "description": "Fit to at most this many pages down; 0 any number"},
    "scale": {"type": "integer", "minimum": 10, "maximum": 400,
              "description": "Print at this percent instead of fitting to pages"},
    "margins": {"type": "object", "description": "In inches, 0 to 10",
                "properties": {"top": {"type": "number"}, "bottom": {"type": "number"},
                               "left": {"type": "number"}, "right": {"type": "number"},
                               "header": {"type": "number"}, "footer": {"type": "number"}},
                "additionalProperties": false},
    "print_area": {"type": "string",
                   "description": "The cells to print, like A1:H40; empty removes the print area"},
    "print_titles_rows": {"type": "string",
                          "description": "Rows repeated on every page, like 1:1; empty removes"},
    "center_horizontally": {"type": "boolean"},
    "gridlines": {"type": "boolean", "description": "Print the cell gridlines"}},
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
        {"set_page_setup",
         "Set how a sheet prints and exports to PDF: orientation, paper, fitting to pages or a "
         "scale, margins, print area, header rows repeated on every page, centring and "
         "gridlines. Options left out keep what the sheet has.",
         std::string(kSetPageSetupSchema), SetPageSetupTool},
    };
}

}  // namespace quire::xlsx
