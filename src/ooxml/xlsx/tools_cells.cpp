// Tools for sheets and cells: adding and renaming sheets, writing and reading cells, checking
// formulas.

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "ooxml/xlsx/formula_refs.hpp"
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

constexpr std::int64_t kMaxFilledCells = 1'000'000;

// Writes `formula`, as given for the range's top-left cell, into every cell of the range with
// its relative references moved along, as Excel fills a formula down and right.
Result<json::value> FillFormulaTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range_text = args.String("range");
    if (!range_text) return Propagate(range_text);
    Result<std::string> formula_text = args.String("formula");
    if (!formula_text) return Propagate(formula_text);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    std::optional<CellRange> range = ParseRange(*range_text);
    if (!range) {
        return InvalidRequest(
            fmt::format("range \"{}\" is not a cell range like B2:D13", *range_text));
    }
    std::int64_t rows = range->last.row - range->first.row + 1;
    std::int64_t cols = range->last.col - range->first.col + 1;
    if (rows * cols > kMaxFilledCells) {
        return InvalidRequest(
            fmt::format("range {} has {} cells; fill at most 1,000,000 cells at once", *range_text,
                        rows * cols));
    }
    std::string_view formula = *formula_text;
    if (formula.starts_with('=')) formula.remove_prefix(1);
    if (formula.empty()) return InvalidRequest("'formula' is empty");

    std::vector<std::vector<CellValue>> values(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) {
        values[r].reserve(static_cast<std::size_t>(cols));
        for (std::int64_t c = 0; c < cols; ++c) {
            values[r].push_back(CellValue::Formula(
                ShiftFormula(formula, static_cast<int>(r), static_cast<int>(c))));
        }
    }
    if (Status written = workbook.WriteRows(*sheet, range->first, values); !written) {
        return std::unexpected(written.error());
    }
    json::object result{
        {"sheet", *sheet}, {"range", RangeName(*range)}, {"cells_set", rows * cols}};
    result["last_cell_formula"] = "=" + values.back().back().text;
    return result;
}

Result<json::value> DeleteSheetTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status deleted = workbook.DeleteSheet(*sheet); !deleted) {
        return std::unexpected(deleted.error());
    }
    return json::object{{"deleted", *sheet}};
}

Result<json::value> MoveSheetTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::optional<double>> position = args.OptionalNumber("position");
    if (!position) return Propagate(position);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (!*position || **position != std::floor(**position)) {
        return InvalidRequest("'position' must be a whole number (0 is the first place)");
    }
    if (Status moved = workbook.MoveSheet(*sheet, static_cast<int>(**position)); !moved) {
        return std::unexpected(moved.error());
    }
    return json::object{{"sheet", *sheet}, {"position", static_cast<int>(**position)}};
}

Result<json::value> SetSheetVisibilityTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> state = args.String("visibility");
    if (!state) return Propagate(state);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    if (Status set = workbook.SetSheetState(*sheet, *state); !set) {
        return std::unexpected(set.error());
    }
    return json::object{{"sheet", *sheet}, {"visibility", *state}};
}

json::value CellJson(const CellValue& value, bool date1904) {
    switch (value.kind) {
        case CellValue::Kind::kEmpty:
            return nullptr;
        case CellValue::Kind::kNumber:
            return value.number;
        case CellValue::Kind::kBoolean:
            return value.number != 0;
        case CellValue::Kind::kDate:
            return json::value(DateText(value.number, date1904));
        case CellValue::Kind::kText:
        case CellValue::Kind::kFormula:
            return json::value(value.text);
    }
    return nullptr;
}

constexpr std::size_t kDefaultReadCells = 500;
constexpr std::size_t kMaxReadCells = 5000;

Result<json::value> ReadRangeTool(Workbook& workbook, ToolArgs& args) {
    Result<std::string> sheet = args.String("sheet");
    if (!sheet) return Propagate(sheet);
    Result<std::string> range = args.String("range");
    if (!range) return Propagate(range);
    Result<std::optional<double>> cap = args.OptionalNumber("max_cells");
    if (!cap) return Propagate(cap);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    double wanted = cap->value_or(static_cast<double>(kDefaultReadCells));
    if (wanted < 1 || wanted > static_cast<double>(kMaxReadCells)) {
        return InvalidRequest(fmt::format("'max_cells' must be from 1 to {}", kMaxReadCells));
    }

    Result<RangeContent> content =
        workbook.ReadRange(*sheet, *range, static_cast<std::size_t>(wanted));
    if (!content) return Propagate(content);
    bool date1904 = workbook.Uses1904Dates();
    json::array rows;
    for (const auto& row : content->rows) {
        json::array cells;
        for (const CellContent& cell : row) {
            if (cell.formula.empty()) {
                cells.push_back(CellJson(cell.value, date1904));
            } else {
                cells.push_back(json::object{{"formula", "=" + cell.formula},
                                             {"value", CellJson(cell.value, date1904)}});
            }
        }
        rows.push_back(std::move(cells));
    }
    json::object result{{"sheet", *sheet}, {"range", content->range}, {"rows", std::move(rows)}};
    if (content->clipped && !content->truncated) {
        result["note"] = fmt::format("cells of {} outside {} are empty", *range, content->range);
    }
    if (content->truncated) {
        result["truncated"] = true;
        result["note"] = fmt::format("only {} of {} was read; ask for the rest in smaller ranges",
                                     content->range, *range);
    }
    return result;
}

constexpr std::size_t kMaxReportedProblems = 100;

Result<json::value> CheckFormulasTool(Workbook& workbook, ToolArgs& args) {
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    std::size_t checked = 0;
    Result<std::vector<FormulaProblem>> problems =
        workbook.CheckFormulas(kMaxReportedProblems, &checked);
    if (!problems) return Propagate(problems);
    json::array list;
    for (const FormulaProblem& problem : *problems) {
        list.push_back(json::object{{"location", problem.location},
                                    {"formula", "=" + problem.formula},
                                    {"problem", problem.problem}});
    }
    json::object result{{"formulas_checked", checked}, {"problems", std::move(list)}};
    if (problems->size() >= kMaxReportedProblems) result["truncated"] = true;
    return result;
}

constexpr std::string_view kAddSheetSchema = R"json({
  "type": "object",
  "properties": {
    "name": {"type": "string", "description": "1-31 characters, none of : \\ / ? * [ ]"}},
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
        "value": {
          "type": ["number", "string", "boolean", "null"],
          "description": "Text is stored as text, even when it starts with '='; null clears"},
        "formula": {"type": "string", "description": "A formula such as =SUM(B2:B9)"}},
      "required": ["ref"], "additionalProperties": false}}},
  "required": ["sheet", "cells"], "additionalProperties": false})json";

constexpr std::string_view kFillFormulaSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": "string", "description": "The cells to fill, like B2:D13"},
    "formula": {"type": "string",
                "description": "The formula of the range's top-left cell, like =B2*$F$1"}},
  "required": ["sheet", "range", "formula"], "additionalProperties": false})json";

constexpr std::string_view kSheetOnlySchema = R"json({
  "type": "object",
  "properties": {"sheet": {"type": "string"}},
  "required": ["sheet"], "additionalProperties": false})json";

constexpr std::string_view kMoveSheetSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "position": {"type": "integer", "minimum": 0, "description": "0 is the first tab"}},
  "required": ["sheet", "position"], "additionalProperties": false})json";

constexpr std::string_view kVisibilitySchema = R"json({
  "type": "object",
  "properties": {"sheet": {"type": "string"},
                 "visibility": {"enum": ["visible", "hidden", "veryHidden"]}},
  "required": ["sheet", "visibility"], "additionalProperties": false})json";

constexpr std::string_view kReadRangeSchema = R"json({
  "type": "object",
  "properties": {
    "sheet": {"type": "string"},
    "range": {"type": "string", "description": "A range like A1:D20 or one cell"},
    "max_cells": {"type": "integer", "minimum": 1, "maximum": 5000,
                  "description": "Cap on cells returned (default 500); whole rows are kept"}},
  "required": ["sheet", "range"], "additionalProperties": false})json";

constexpr std::string_view kNoArgsSchema = R"json({
  "type": "object", "properties": {}, "additionalProperties": false})json";

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
        {"fill_formula",
         "Fill a range with one formula, written for its top-left cell: each other cell gets it "
         "with the relative references moved, as Excel fills down and right ($ parts stay). "
         "One call instead of a set_cells entry per cell.",
         std::string(kFillFormulaSchema), FillFormulaTool},
        {"read_range",
         "Read values and formulas of a range, row by row: a value, or {formula, value} for a "
         "formula cell (value is the last calculated one, null when none is stored). Dates come "
         "back as ISO text. Large ranges are cut, and the result says so.",
         std::string(kReadRangeSchema), ReadRangeTool},
        {"delete_sheet",
         "Delete a sheet with its drawings, tables and notes. Formulas elsewhere that used it are "
         "left for check_formulas to report.",
         std::string(kSheetOnlySchema), DeleteSheetTool},
        {"move_sheet", "Move a sheet to another place in the tab order.",
         std::string(kMoveSheetSchema), MoveSheetTool},
        {"set_sheet_visibility",
         "Show or hide a sheet (veryHidden: only a program can show it again).",
         std::string(kVisibilitySchema), SetSheetVisibilityTool},
        {"check_formulas",
         "List formulas that refer to missing sheets, unknown names or tables, references "
         "beyond the grid, or hold #REF!, with their locations.",
         std::string(kNoArgsSchema), CheckFormulasTool},
    };
}

}  // namespace quire::xlsx
