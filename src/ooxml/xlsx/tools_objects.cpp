// Tools for workbook objects: tables, defined names, data validation, conditional formats,
// hyperlinks and notes.

#include <fmt/format.h>
#include <boost/json.hpp>

#include <charconv>
#include <string_view>

#include "ooxml/xlsx/tools_impl.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::xlsx {
namespace {

namespace json = boost::json;

Result<json::value> Done(Status status, json::object result) {
    if (!status) return std::unexpected(status.error());
    return result;
}

// A string argument that may be left out, as "" when it is.
Result<std::string> StringOrEmpty(ToolArgs& args, std::string_view key) {
    Result<std::optional<std::string>> text = args.OptionalString(key);
    if (!text) return Propagate(text);
    return text->value_or("");
}

Result<json::value> AddTableTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range = args.String("range");
    if (!range) return Propagate(range);
    Result<std::string> name = StringOrEmpty(args, "name");
    if (!name) return Propagate(name);
    Result<std::string> style = StringOrEmpty(args, "style");
    if (!style) return Propagate(style);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());

    Result<TableInfo> table = workbook.AddTable(*sheet, *range, *name, *style);
    if (!table) return Propagate(table);
    json::array columns;
    for (const std::string& column : table->columns) columns.emplace_back(column);
    return json::object{{"table", table->name},
                        {"sheet", table->sheet},
                        {"range", table->range},
                        {"style", table->style},
                        {"columns", std::move(columns)}};
}

Result<json::value> DefineNameTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> name = args.String("name");
    if (!name) return Propagate(name);
    Result<std::string> refers_to = args.String("refers_to");
    if (!refers_to) return Propagate(refers_to);
    Result<std::string> sheet = StringOrEmpty(args, "sheet");
    if (!sheet) return Propagate(sheet);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    json::object result{{"name", *name}, {"refers_to", *refers_to}};
    if (!sheet->empty()) result["sheet"] = *sheet;
    return Done(workbook.DefineName(*name, *refers_to, *sheet), std::move(result));
}

Result<json::value> DeleteNameTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> name = args.String("name");
    if (!name) return Propagate(name);
    Result<std::string> sheet = StringOrEmpty(args, "sheet");
    if (!sheet) return Propagate(sheet);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    return Done(workbook.RemoveName(*name, *sheet), json::object{{"deleted", *name}});
}

// values[i] of a list: a string as it is, a number as its shortest text.
Result<std::vector<std::string>> ListValues(const json::array* values) {
    std::vector<std::string> out;
    if (values == nullptr) return out;
    for (std::size_t i = 0; i < values->size(); ++i) {
        const json::value& value = (*values)[i];
        if (value.is_string()) {
            out.emplace_back(value.get_string());
        } else if (value.is_number()) {
            out.push_back(fmt::format("{}", value.to_number<double>()));
        } else {
            return InvalidRequest(fmt::format("values[{}] must be a string or a number", i));
        }
    }
    if (out.empty()) return InvalidRequest("'values' is empty");
    return out;
}

Result<json::value> AddValidationTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range = args.String("range");
    if (!range) return Propagate(range);
    Result<const json::array*> values = args.OptionalArray("values");
    if (!values) return Propagate(values);
    Result<std::string> source = StringOrEmpty(args, "source");
    if (!source) return Propagate(source);
    Result<std::optional<bool>> allow_blank = args.OptionalBool("allow_blank");
    if (!allow_blank) return Propagate(allow_blank);
    Result<std::string> error = StringOrEmpty(args, "error");
    if (!error) return Propagate(error);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());

    ListValidation validation;
    Result<std::vector<std::string>> list = ListValues(*values);
    if (!list) return Propagate(list);
    validation.values = std::move(*list);
    validation.source = *source;
    validation.allow_blank = allow_blank->value_or(true);
    validation.error = *error;
    json::object result{{"sheet", *sheet}, {"range", *range}};
    if (validation.values.empty()) {
        result["source"] = *source;
    } else {
        result["values"] = validation.values.size();
    }
    return Done(workbook.AddListValidation(*sheet, *range, validation), std::move(result));
}

// "12", "-3.5", "1e6": text that a formula reads as a number literal.
bool IsPlainNumber(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789.-+eE") != std::string_view::npos) {
        return false;
    }
    double number = 0;
    std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    return error == std::errc{} && end == digits.data() + digits.size();
}

// A comparison value as a formula: a number stays a number, "=..." is a formula, and any other
// text becomes a quoted text constant.
Result<std::string> ComparisonFormula(const json::value& value, std::size_t index) {
    if (value.is_number()) return fmt::format("{}", value.to_number<double>());
    if (!value.is_string()) {
        return InvalidRequest(fmt::format("values[{}] must be a number or a string", index));
    }
    std::string text(value.get_string());
    if (text.starts_with('=')) return text.substr(1);
    if (IsPlainNumber(text)) return text;
    std::string quoted = "\"";
    for (char ch : text) {
        quoted += ch;
        if (ch == '"') quoted += '"';
    }
    return quoted + "\"";
}

struct CfArgs {
    std::string sheet;
    std::string range;
    std::string type;
    std::optional<std::string> op;
    const json::array* values = nullptr;
    std::optional<std::string> fill_color;
    std::optional<std::string> font_color;
    const json::array* colors = nullptr;
    std::optional<std::string> color;
};

Result<CfArgs> ReadCfArgs(ToolArgs& args) {
    CfArgs out;
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range = args.String("range");
    if (!range) return Propagate(range);
    Result<std::string> type = args.String("type");
    if (!type) return Propagate(type);
    Result<std::optional<std::string>> op = args.OptionalString("operator");
    if (!op) return Propagate(op);
    Result<const json::array*> values = args.OptionalArray("values");
    if (!values) return Propagate(values);
    Result<std::optional<std::string>> fill = args.OptionalString("fill_color");
    if (!fill) return Propagate(fill);
    Result<std::optional<std::string>> font = args.OptionalString("font_color");
    if (!font) return Propagate(font);
    Result<const json::array*> colors = args.OptionalArray("colors");
    if (!colors) return Propagate(colors);
    Result<std::optional<std::string>> color = args.OptionalString("color");
    if (!color) return Propagate(color);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    return CfArgs{*sheet, *range, *type, *op, *values, *fill, *font, *colors, *color};
}

// The rule the arguments describe; an argument that does not belong to the type is refused.
Result<ConditionalFormatRule> CfRuleFromArgs(const CfArgs& args) {
    ConditionalFormatRule rule;
    const bool cell_value = args.type == "cell_value";
    const bool scale = args.type == "color_scale";
    const bool bar = args.type == "data_bar";
    if (!cell_value && !scale && !bar) {
        return InvalidRequest(
            fmt::format("'type' '{}' is not one of cell_value, color_scale, data_bar", args.type));
    }
    auto stray = [](bool given, std::string_view key, std::string_view owner) -> Status {
        if (!given) return {};
        return InvalidRequest(fmt::format("'{}' applies only to type {}", key, owner));
    };
    if (!cell_value) {
        for (auto [given, key] : {std::pair{args.op.has_value(), "operator"},
                                  std::pair{args.values != nullptr, "values"},
                                  std::pair{args.fill_color.has_value(), "fill_color"},
                                  std::pair{args.font_color.has_value(), "font_color"}}) {
            if (Status ok = stray(given, key, "cell_value"); !ok) return Propagate(ok);
        }
    }
    if (Status ok = stray(!scale && args.colors != nullptr, "colors", "color_scale"); !ok) {
        return Propagate(ok);
    }
    if (Status ok = stray(!bar && args.color.has_value(), "color", "data_bar"); !ok) {
        return Propagate(ok);
    }
    if (scale) {
        rule.kind = ConditionalFormatRule::Kind::kColorScale;
        if (args.colors == nullptr) return InvalidRequest("'colors' is required for color_scale");
        for (std::size_t i = 0; i < args.colors->size(); ++i) {
            const json::value& color = (*args.colors)[i];
            if (!color.is_string()) {
                return InvalidRequest(fmt::format("colors[{}] must be a string", i));
            }
            rule.colors.emplace_back(color.get_string());
        }
        return rule;
    }
    if (bar) {
        rule.kind = ConditionalFormatRule::Kind::kDataBar;
        rule.colors.push_back(args.color.value_or("638EC6"));
        return rule;
    }
    if (!args.op) return InvalidRequest("'operator' is required for cell_value");
    if (args.values == nullptr) return InvalidRequest("'values' is required for cell_value");
    rule.op = *args.op;
    for (std::size_t i = 0; i < args.values->size(); ++i) {
        Result<std::string> formula = ComparisonFormula((*args.values)[i], i);
        if (!formula) return Propagate(formula);
        rule.formulas.push_back(*formula);
    }
    rule.fill_color = args.fill_color.value_or("");
    rule.font_color = args.font_color.value_or("");
    return rule;
}

Result<json::value> AddConditionalFormatTool(Workbook& workbook, ToolArgs& args) {
    Result<CfArgs> read = ReadCfArgs(args);
    if (!read) return Propagate(read);
    Result<ConditionalFormatRule> rule = CfRuleFromArgs(*read);
    if (!rule) return Propagate(rule);
    return Done(workbook.AddConditionalFormat(read->sheet, read->range, *rule),
                json::object{{"sheet", read->sheet}, {"range", read->range}, {"type", read->type}});
}

Result<json::value> AddHyperlinkTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> ref = args.String("ref");
    if (!ref) return Propagate(ref);
    HyperlinkSpec link;
    for (auto [key, field] : {std::pair{"url", &link.url}, std::pair{"location", &link.location},
                              std::pair{"text", &link.text}, std::pair{"tooltip", &link.tooltip}}) {
        Result<std::string> value = StringOrEmpty(args, key);
        if (!value) return Propagate(value);
        *field = std::move(*value);
    }
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    json::object result{{"sheet", *sheet}, {"ref", *ref}};
    if (link.url.empty()) {
        result["location"] = link.location;
    } else {
        result["url"] = link.url;
    }
    return Done(workbook.AddHyperlink(*sheet, *ref, link), std::move(result));
}

Result<json::value> AddNoteTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> ref = args.String("ref");
    if (!ref) return Propagate(ref);
    Result<std::string> text = args.String("text");
    if (!text) return Propagate(text);
    Result<std::string> author = StringOrEmpty(args, "author");
    if (!author) return Propagate(author);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    return Done(workbook.AddNote(*sheet, *ref, *text, *author),
                json::object{{"sheet", *sheet}, {"ref", *ref}});
}

constexpr std::string_view kAddTableSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": "string", "description": "Header row first, at least one data row: A1:D20"},
    "name": {"type": "string",
             "description": "Letters, digits, _ and .; no spaces; unique. Default TableN"},
    "style": {"type": "string",
              "description": "Default TableStyleMedium2; or TableStyleLight1..21, Dark1..11"}},
  "required": ["sheet", "range"], "additionalProperties": false})json";

constexpr std::string_view kDefineNameSchema = R"json({
  "type": "object",
  "properties": {
    "name": {"type": "string",
             "description": "Letters, digits, _ and .; no spaces; not a cell reference"},
    "refers_to": {"type": "string", "description": "A formula or range such as =Data!$B$2:$B$20"},
    "sheet": {"type": "string", "description": "Makes the name local to this sheet"}},
  "required": ["name", "refers_to"], "additionalProperties": false})json";

constexpr std::string_view kDeleteNameSchema = R"json({
  "type": "object",
  "properties": {
    "name": {"type": "string"},
    "sheet": {"type": "string", "description": "The sheet a local name belongs to"}},
  "required": ["name"], "additionalProperties": false})json";

constexpr std::string_view kAddValidationSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": "string",
              "description": "The cells to restrict: B2:B100, or several separated by spaces"},
    "values": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]},
               "description": "The allowed values; no commas, at most 255 characters together"},
    "source": {"type": "string",
               "description": "Instead of values: a range or name holding them: Lists!A1:A20"},
    "allow_blank": {"type": "boolean", "description": "Default true"},
    "error": {"type": "string", "description": "Message shown when an entry is refused"}},
  "required": ["sheet", "range"], "additionalProperties": false})json";

constexpr std::string_view kAddConditionalFormatSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": "string", "description": "B2:B100, or several ranges separated by spaces"},
    "type": {"type": "string", "enum": ["cell_value", "color_scale", "data_bar"]},
    "operator": {"type": "string",
                 "enum": ["greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual",
                          "equal", "notEqual", "between", "notBetween"],
                 "description": "cell_value only"},
    "values": {"type": "array", "minItems": 1, "maxItems": 2,
               "items": {"type": ["number", "string"]},
               "description": "cell_value only: one, or two for (not)between; =... is a formula"},
    "fill_color": {"type": "string",
                   "description": "cell_value only: hex RRGGBB fill of matching cells"},
    "font_color": {"type": "string",
                   "description": "cell_value only: hex RRGGBB font colour of matching cells"},
    "colors": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"},
               "description": "color_scale only: hex colours for min, (midpoint,) max"},
    "color": {"type": "string", "description": "data_bar only: hex bar colour, default 638EC6"}},
  "required": ["sheet", "range", "type"], "additionalProperties": false})json";

constexpr std::string_view kAddHyperlinkSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "ref": {"type": "string", "description": "The cell to link, e.g. B7"},
    "url": {"type": "string", "description": "An external address: https://..., mailto:..."},
    "location": {"type": "string",
                 "description": "Instead of url: a place in the workbook, 'Sheet 2'!A1 or a name"},
    "text": {"type": "string", "description": "Text written into the cell"},
    "tooltip": {"type": "string"}},
  "required": ["sheet", "ref"], "additionalProperties": false})json";

constexpr std::string_view kAddNoteSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "ref": {"type": "string", "description": "The cell, e.g. B7"},
    "text": {"type": "string"},
    "author": {"type": "string", "description": "Default Quire"}},
  "required": ["sheet", "ref", "text"], "additionalProperties": false})json";

}  // namespace

std::vector<Tool> ObjectTools() {
    return {
        {"add_table",
         "Turn a range with a header row into an Excel table with a style and filter buttons. "
         "Blank or repeated headers are renamed (Column1, Name2) in the cells.",
         std::string(kAddTableSchema), AddTableTool},
        {"define_name", "Add or replace a defined name for a range or formula.",
         std::string(kDefineNameSchema), DefineNameTool},
        {"delete_name", "Remove a defined name.", std::string(kDeleteNameSchema), DeleteNameTool},
        {"add_validation",
         "Restrict cells to a dropdown list, given inline as values or as a source range.",
         std::string(kAddValidationSchema), AddValidationTool},
        {"add_conditional_format",
         "Highlight cells by value (cell_value), shade them on a colour scale, or draw data bars.",
         std::string(kAddConditionalFormatSchema), AddConditionalFormatTool},
        {"add_hyperlink",
         "Link a cell to a web address or to a place in the workbook; replaces a link already "
         "there.",
         std::string(kAddHyperlinkSchema), AddHyperlinkTool},
        {"add_note", "Attach a note (comment) to a cell; replaces a note already there.",
         std::string(kAddNoteSchema), AddNoteTool},
    };
}

}  // namespace quire::xlsx
