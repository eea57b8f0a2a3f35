#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "convert/native_writers.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::convert {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
        if (x != y) return false;
    }
    return true;
}

// The 0-based index of the sheet tab the workbook opens on (workbookView activeTab, ECMA-376
// Part 1 §18.2.30), 0 when the workbook does not say.
std::size_t ActiveTab(const std::string& xlsx) {
    auto package = ooxml::Package::Open(xlsx);
    if (!package) return 0;
    auto main = package->MainPart();
    if (!main) return 0;
    auto text = package->ReadPart(*main);
    if (!text) return 0;
    auto doc = ooxml::ParseXml(*text, *main);
    if (!doc) return 0;
    pugi::xml_node workbook = (*doc)->document_element();
    for (std::string_view ns : {ooxml::ns::kSpreadsheetMain, ooxml::ns::kSpreadsheetStrict}) {
        pugi::xml_node views = ooxml::FindChild(workbook, ns, "bookViews");
        pugi::xml_node view = ooxml::FindChild(views, ns, "workbookView");
        if (view) return view.attribute("activeTab").as_uint(0);
    }
    return 0;
}

Result<xlsx::SheetInfo> ChooseSheet(const std::vector<xlsx::SheetInfo>& sheets,
                                    const std::string& wanted, std::size_t active_tab) {
    std::string worksheets;
    for (const auto& sheet : sheets) {
        if (sheet.kind != "worksheet") continue;
        if (!wanted.empty() && EqualsIgnoringCase(sheet.name, wanted)) return sheet;
        worksheets += worksheets.empty() ? "" : ", ";
        worksheets += "'" + sheet.name + "'";
    }
    if (!wanted.empty()) {
        return InvalidRequest(
            fmt::format("options.sheet: the workbook has no worksheet named '{}'; worksheets: {}",
                        wanted, worksheets.empty() ? "none" : worksheets));
    }
    if (active_tab < sheets.size() && sheets[active_tab].kind == "worksheet") {
        return sheets[active_tab];
    }
    for (const auto& sheet : sheets) {
        if (sheet.kind == "worksheet") return sheet;
    }
    return InvalidRequest("the workbook has no worksheet to write as CSV");
}

// The last cell of a dimension ("B2:D20" → "D20", "C3" → "C3").
std::string_view LastCell(std::string_view dimension) {
    auto colon = dimension.find(':');
    return colon == std::string_view::npos ? dimension : dimension.substr(colon + 1);
}

// The 1-based column and row of a cell reference's first cell ("B2:D20" → {2, 2}).
std::pair<std::size_t, std::size_t> FirstCell(std::string_view range) {
    std::size_t col = 0;
    std::size_t i = 0;
    for (; i < range.size() && range[i] >= 'A' && range[i] <= 'Z'; ++i) {
        col = col * 26 + static_cast<std::size_t>(range[i] - 'A' + 1);
    }
    std::size_t row = 0;
    for (; i < range.size() && range[i] >= '0' && range[i] <= '9'; ++i) {
        row = row * 10 + static_cast<std::size_t>(range[i] - '0');
    }
    return {std::max<std::size_t>(col, 1), std::max<std::size_t>(row, 1)};
}

// Up to 15 significant digits, as Excel's General format shows a number.
std::string NumberText(double value) {
    if (value == 0) return "0";
    std::string text = fmt::format("{:.15g}", value);
    return text;
}

bool IsFormulaStart(char c) { return std::string_view("=+-@").find(c) != std::string_view::npos; }

std::string DisplayedValue(const xlsx::CellValue& value, bool date1904, bool raw) {
    using Kind = xlsx::CellValue::Kind;
    switch (value.kind) {
        case Kind::kEmpty:
        case Kind::kFormula:
            return "";
        case Kind::kNumber:
            return NumberText(value.number);
        case Kind::kDate:
            return xlsx::DateText(value.number, date1904);
        case Kind::kBoolean:
            return value.number != 0 ? "TRUE" : "FALSE";
        case Kind::kText:
            if (!raw && !value.text.empty() && IsFormulaStart(value.text.front())) {
                return "'" + value.text;
            }
            return value.text;
    }
    return "";
}

void AppendField(std::string& out, std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += field;
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace

std::string GuardQuotedFormulaText(std::string_view csv) {
    std::string out;
    out.reserve(csv.size());
    bool in_quotes = false;
    bool field_start = true;
    for (std::size_t i = 0; i < csv.size(); ++i) {
        char c = csv[i];
        out += c;
        if (in_quotes) {
            if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
                out += csv[++i];
            } else if (c == '"') {
                in_quotes = false;
            }
            continue;
        }
        if (c == '"' && field_start) {
            in_quotes = true;
            if (i + 1 < csv.size() && IsFormulaStart(csv[i + 1])) out += '\'';
        }
        field_start = c == ',' || c == '\n' || c == '\r';
    }
    return out;
}

Result<SheetCsv> WorkbookToCsv(std::string xlsx, const ExportOptions& options,
                               std::size_t max_cells) {
    std::size_t active_tab = ActiveTab(xlsx);
    auto workbook = xlsx::Workbook::Open(std::move(xlsx));
    if (!workbook) return Propagate(workbook);
    auto sheets = workbook->Sheets();
    if (!sheets) return Propagate(sheets);
    auto sheet = ChooseSheet(*sheets, options.sheet, active_tab);
    if (!sheet) return Propagate(sheet);
    // The cells with values decide the CSV's size: a declared dimension, or cells that only
    // carry a style, may claim the whole grid.
    auto held = workbook->ValueRange(sheet->name);
    if (!held) return Propagate(held);
    if (held->empty()) return SheetCsv{};

    std::string range = fmt::format("A1:{}", LastCell(*held));
    auto content = workbook->ReadRange(sheet->name, range, max_cells);
    if (!content) return Propagate(content);
    if (content->truncated) {
        return InvalidRequest(fmt::format("the sheet '{}' has more than {} cells to write as CSV",
                                          sheet->name, max_cells));
    }

    // The read starts at the used range; the CSV starts at A1, so cells keep their positions.
    auto [first_col, first_row] = FirstCell(content->range);
    bool date1904 = workbook->Uses1904Dates();
    SheetCsv csv;
    std::string& out = csv.text;
    for (std::size_t r = 1; r < first_row; ++r) out += "\r\n";
    for (const auto& row : content->rows) {
        out.append(first_col - 1, ',');
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i > 0) out += ',';
            if (!row[i].formula.empty() && row[i].value.kind == xlsx::CellValue::Kind::kEmpty) {
                ++csv.formulas_without_values;
            }
            AppendField(out, DisplayedValue(row[i].value, date1904, options.raw));
        }
        out += "\r\n";
    }
    return csv;
}

}  // namespace quire::convert
