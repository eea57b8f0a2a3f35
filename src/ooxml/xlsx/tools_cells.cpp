// Tools for sheets and cells: adding and renaming sheets, writing and reading cells, checking
// formulas.

#include <fmt/format.h>
#include <boost/json.hpp>

#include "ooxml/xlsx/tools_impl.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::xlsx {
namespace {

namespace json = boost::json;

Result<json::value> AddSheetTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> name = args.String("name");
    if (!name) return Propagate(name);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status added = workbook.AddSheet(*name); !added) return std::unexpected(added.error());
    return json::object{{"sheet", *name}};
}

Result<json::value> RenameSheetTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> new_name = args.String("new_name");
    if (!new_name) return Propagate(new_name);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status renamed = workbook.RenameSheet(*sheet, *new_name); !renamed) {
        return std::unexpected(renamed.error());
    }
    return json::object{{"sheet", *new_name}, {"was", *sheet}};
}

// One entry of set_cells: {"ref", "value"} with a number, string, boolean or null (clears), or
// {"ref", "formula"} with or without the leading '='.
Result<CellEdit> ReadCellEdit(const json::value& item, std::size_t index) {
    const json::object* cell = item.if_object();
    if (cell == nullptr) return InvalidRequest(fmt::format("cells[{}] must be an object", index));
    const json::value* ref = cell->if_contains("ref");
    if (ref == nullptr || !ref->is_string()) {
        return InvalidRequest(fmt::format("cells[{}] needs a string 'ref'", index));
    }
    for (const auto& [key, unused] : *cell) {
        if (key != "ref" && key != "value" && key != "formula") {
            return InvalidRequest(
                fmt::format("cells[{}]: unknown key '{}'", index, std::string_view(key)));
        }
    }
    const json::value* value = cell->if_contains("value");
    const json::value* formula = cell->if_contains("formula");
    if ((value == nullptr) == (formula == nullptr)) {
        return InvalidRequest(
            fmt::format("cells[{}] needs exactly one of 'value' or 'formula'", index));
    }
    CellEdit edit{std::string(ref->get_string()), {}};
    if (formula != nullptr) {
        if (!formula->is_string()) {
            return InvalidRequest(fmt::format("cells[{}].formula must be a string", index));
        }
        std::string_view text = formula->get_string();
        if (text.starts_with('=')) text.remove_prefix(1);
        if (text.empty()) return InvalidRequest(fmt::format("cells[{}].formula is empty", index));
        edit.value = CellValue::Formula(std::string(text));
    } else if (value->is_string()) {
        edit.value = CellValue::Text(std::string(value->get_string()));
    } else if (value->is_bool()) {
        edit.value = CellValue::Boolean(value->get_bool());
    } else if (value->is_number()) {
        edit.value = CellValue::Number(value->to_number<double>());
    } else if (!value->is_null()) {
        return InvalidRequest(
            fmt::format("cells[{}].value must be a number, a string, true, false or null", index));
    }
    return edit;
}

Result<json::value> SetCellsTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<const json::array*> cells = args.Array("cells");
    if (!cells) return Propagate(cells);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if ((*cells)->empty()) return InvalidRequest("'cells' is empty");

    std::vector<CellEdit> edits;
    edits.reserve((*cells)->size());
    for (std::size_t i = 0; i < (*cells)->size(); ++i) {
        Result<CellEdit> edit = ReadCellEdit((**cells)[i], i);
        if (!edit) return Propagate(edit);
        edits.push_back(std::move(*edit));
    }
    if (Status set = workbook.SetCells(*sheet, edits); !set) return std::unexpected(set.error());
    return json::object{{"sheet", *sheet}, {"cells_set", edits.size()}};
}

constexpr std::string_view kAddSheetSchema = R"json({
  "type": "object",
  "properties": {"name": {"type": "string", "description": "1-31 characters, none of : \\ / ? * [ ]"}},
  "required": ["name"], "additionalProperties": false})json";

constexpr std::string_view kRenameSheetSchema = R"json({
  "type": "object",
  "properties": {"sheet": {"type": "string"}, "new_name": {"type": "string"}},
  "required": ["sheet", "new_name"], "additionalProperties": false})json";

constexpr std::string_view kSetCellsSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "cells": {"type": "array", "minItems": 1, "items": {
      "type": "object",
      "properties": {
        "ref": {"type": "string", "description": "A cell like B7"},
        "value": {"type": ["number", "string", "boolean", "null"],
                  "description": "Text is stored as text, even when it starts with '='; null clears"},
        "formula": {"type": "string", "description": "A formula such as =SUM(B2:B9)"}},
      "required": ["ref"], "additionalProperties": false}}},
  "required": ["sheet", "cells"], "additionalProperties": false})json";

}  // namespace

std::vector<Tool> CellTools() {
    return {
        {"add_sheet", "Add an empty worksheet at the end of the workbook.",
         std::string(kAddSheetSchema), AddSheetTool},
        {"rename_sheet", "Rename a sheet; formulas, defined names and charts that name it follow.",
         std::string(kRenameSheetSchema), RenameSheetTool},
        {"set_cells",
         "Set values or formulas of cells on one worksheet. All cells are checked first: one "
         "bad cell changes nothing.",
         std::string(kSetCellsSchema), SetCellsTool},
    };
}

}  // namespace quire::xlsx
