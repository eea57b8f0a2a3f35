// Reading ranges back and checking formulas.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

using ooxml::LocalName;

// The formula of every shared-formula group of a sheet by its si, with the group's anchor.
struct SharedFormula {
    CellRef anchor;
    std::string text;
};

std::map<int, SharedFormula> SharedFormulas(const pugi::xml_node& data) {
    std::map<int, SharedFormula> groups;
    for (pugi::xml_node row : data.children()) {
        for (pugi::xml_node c : row.children()) {
            pugi::xml_node f = Child(c, "f");
            if (!f || std::string_view(f.attribute("t").value()) != "shared") continue;
            std::string text = NodeText(f);
            std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
            if (!text.empty() && at) groups[IntAttr(f, "si", -1)] = {*at, std::move(text)};
        }
    }
    return groups;
}

// The cells a worksheet document holds, from its <dimension> when that says more than "A1",
// else from its cells; nullopt for a sheet without cells.
std::optional<CellRange> UsedRange(const pugi::xml_document& doc) {
    pugi::xml_node root = doc.document_element();
    std::string_view declared = Child(root, "dimension").attribute("ref").value();
    if (!declared.empty() && declared != "A1") {
        if (std::optional<CellRange> range = ParseRange(declared)) return range;
    }
    std::optional<CellRange> used;
    for (pugi::xml_node row : Child(root, "sheetData").children()) {
        for (pugi::xml_node c : row.children()) {
            std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
            if (at) used = used ? Union(*used, *at) : CellRange{*at, *at};
        }
    }
    return used;
}

}  // namespace

std::string DateText(double serial, bool date1904) {
    using namespace std::chrono;
    double whole = std::floor(serial);
    auto seconds = static_cast<long>(std::lround((serial - whole) * 86400.0));
    if (seconds == 86400) {
        whole += 1;
        seconds = 0;
    }
    auto days = static_cast<int>(whole);
    std::string date;
    if (days == 0 && !date1904 && seconds > 0) {
        // Serial 0 is no day: a time of day alone.
        return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
    if (!date1904 && days == 60) {
        date = "1900-02-29";
    } else {
        // Day 1 is 1900-01-01 (1904-01-02 in the 1904 system); after day 60 Excel's calendar
        // is one day ahead of the real one.
        sys_days epoch = date1904 ? sys_days(1904y / January / 1) : sys_days(1899y / December / 31);
        sys_days day = epoch + std::chrono::days(days - (!date1904 && days > 60 ? 1 : 0));
        year_month_day ymd(day);
        date = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                           static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    }
    if (seconds == 0) return date;
    return fmt::format("{}T{:02}:{:02}:{:02}", date, seconds / 3600, seconds / 60 % 60,
                       seconds % 60);
}

bool Workbook::Uses1904Dates() const {
    std::string_view flag =
        Child(impl_->WorkbookRoot(), "workbookPr").attribute("date1904").value();
    return flag == "1" || flag == "true";
}

Result<CellContent> Workbook::Impl::ReadCellNode(const pugi::xml_node& c) {
    CellContent content;
    if (pugi::xml_node f = Child(c, "f")) content.formula = RemoveFunctionPrefixes(NodeText(f));
    std::string_view type = c.attribute("t").value();
    std::string v = NodeText(Child(c, "v"));
    if (type == "inlineStr") {
        std::string text;
        ForEachElement(Child(c, "is"), [&](pugi::xml_node node) {
            if (LocalName(node) == "t" && LocalName(node.parent()) != "rPh") text += NodeText(node);
        });
        content.value = CellValue::Text(DecodeXstring(text));
    } else if (v.empty()) {
        // No value stored: an empty cell, or a formula not calculated yet.
    } else if (type == "s") {
        Result<std::string> text = SharedStringText(std::atoi(v.c_str()));
        if (!text) return std::unexpected(text.error());
        content.value = CellValue::Text(std::move(*text));
    } else if (type == "str" || type == "e") {
        content.value = CellValue::Text(DecodeXstring(v));
    } else if (type == "b") {
        content.value = CellValue::Boolean(v == "1" || v == "true");
    } else {
        double number = std::strtod(v.c_str(), nullptr);
        Result<bool> dated = IsDateStyle(IntAttr(c, "s", 0));
        if (!dated) return std::unexpected(dated.error());
        content.value = *dated ? CellValue::Date(number) : CellValue::Number(number);
    }
    return content;
}

Result<std::string> Workbook::ValueRange(std::string_view sheet) const {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());
    std::optional<CellRange> held;
    for (pugi::xml_node row : Child((*doc)->document_element(), "sheetData").children()) {
        for (pugi::xml_node c : row.children()) {
            if (!Child(c, "v") && !Child(c, "f") && !Child(c, "is")) continue;
            std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
            if (at) held = held ? Union(*held, *at) : CellRange{*at, *at};
        }
    }
    return held ? RangeName(*held) : std::string();
}

Result<RangeContent> Workbook::ReadRange(std::string_view sheet, std::string_view range,
                                         std::size_t max_cells) const {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    std::optional<CellRange> wanted = ParseRange(range);
    if (!wanted) return InvalidRequest(fmt::format("'{}' is not a range like A1:D20", range));
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());
    RangeContent content;

    // Cells beyond the used range are empty by definition: leave them out before capping, so
    // that "A:XFD"-sized requests return data, not a row of nulls.
    CellRange shown = *wanted;
    if (std::optional<CellRange> used = UsedRange(**doc)) {
        CellRange overlap{{std::max(wanted->first.col, used->first.col),
                           std::max(wanted->first.row, used->first.row)},
                          {std::min(wanted->last.col, used->last.col),
                           std::min(wanted->last.row, used->last.row)}};
        if (overlap.first.col <= overlap.last.col && overlap.first.row <= overlap.last.row &&
            overlap != *wanted) {
            shown = overlap;
            content.clipped = true;
        }
    }

    // Whole rows while they fit; a single row too wide for the cap is cut at the cap.
    auto width = static_cast<std::size_t>(shown.last.col - shown.first.col + 1);
    auto height = static_cast<std::size_t>(shown.last.row - shown.first.row + 1);
    max_cells = std::max<std::size_t>(max_cells, 1);
    if (width * height > max_cells) {
        content.truncated = true;
        if (width > max_cells) {
            shown.last = {shown.first.col + static_cast<int>(max_cells) - 1, shown.first.row};
        } else {
            shown.last.row = shown.first.row + static_cast<int>(max_cells / width) - 1;
        }
    }
    content.range = RangeName(shown);

    SheetWriter reader(**doc);
    std::optional<std::map<int, SharedFormula>> shared;
    for (int r = shown.first.row; r <= shown.last.row; ++r) {
        std::vector<CellContent>& row = content.rows.emplace_back();
        for (int col = shown.first.col; col <= shown.last.col; ++col) {
            pugi::xml_node c = reader.FindCell({col, r});
            if (!c) {
                row.emplace_back();
                continue;
            }
            Result<CellContent> cell = impl_->ReadCellNode(c);
            if (!cell) return std::unexpected(cell.error());
            pugi::xml_node f = Child(c, "f");
            if (f && cell->formula.empty() &&
                std::string_view(f.attribute("t").value()) == "shared") {
                if (!shared) shared = SharedFormulas(reader.data());
                auto group = shared->find(IntAttr(f, "si", -1));
                if (group != shared->end()) {
                    cell->formula = RemoveFunctionPrefixes(
                        ShiftFormula(group->second.text, r - group->second.anchor.row,
                                     col - group->second.anchor.col));
                }
            }
            row.push_back(std::move(*cell));
        }
    }
    return content;
}

namespace {

// What is wrong with one formula, every distinct finding joined by "; ", or "" when nothing is.
// `names` holds defined names and table names in ASCII lower case, `sheets` the sheet names.
std::string JudgeFormula(std::string_view formula, const std::set<std::string>& sheets,
                         const std::set<std::string>& names) {
    std::vector<std::string> findings;
    auto note = [&](std::string finding) {
        if (std::find(findings.begin(), findings.end(), finding) == findings.end()) {
            findings.push_back(std::move(finding));
        }
    };
    for (const FormulaToken& token : FormulaTokens(formula)) {
        switch (token.kind) {
            case FormulaToken::Kind::kSheet:
                if (!sheets.contains(AsciiLower(token.text))) {
                    note(fmt::format("refers to a missing sheet '{}'", token.text));
                }
                break;
            case FormulaToken::Kind::kName:
                if (!names.contains(AsciiLower(token.text))) {
                    note(fmt::format("uses '{}', which is no defined name or table", token.text));
                }
                break;
            case FormulaToken::Kind::kOutOfGrid:
                note(fmt::format("'{}' is beyond the last cell of a sheet (XFD1048576)",
                                 token.text));
                break;
            case FormulaToken::Kind::kRefError:
                note("holds #REF!: a cell or sheet it used was deleted");
                break;
        }
    }
    return fmt::format("{}", fmt::join(findings, "; "));
}

// The formulas of a worksheet's validations and conditional-format rules, with where they sit
// ("validation B2:B9", "rule A1:A20"): references in them break like any other (ECMA-376
// Part 1, §18.3.1.32 and §18.3.1.10).
std::vector<std::pair<std::string, std::string>> RuleFormulas(pugi::xml_node worksheet) {
    std::vector<std::pair<std::string, std::string>> found;
    auto collect = [&](pugi::xml_node holder, std::string_view kind, std::string_view sqref) {
        for (pugi::xml_node f : holder.children()) {
            std::string_view local = LocalName(f);
            bool formula = local == "formula" || local == "formula1" || local == "formula2";
            std::string text = formula ? NodeText(f) : std::string();
            if (!text.empty()) found.emplace_back(fmt::format("{} {}", kind, sqref), text);
        }
    };
    for (pugi::xml_node rule : Child(worksheet, "dataValidations").children()) {
        collect(rule, "validation", rule.attribute("sqref").value());
    }
    for (pugi::xml_node block : worksheet.children()) {
        if (LocalName(block) != "conditionalFormatting") continue;
        for (pugi::xml_node rule : block.children()) {
            collect(rule, "rule", block.attribute("sqref").value());
        }
    }
    return found;
}

}  // namespace

Result<std::vector<FormulaProblem>> Workbook::CheckFormulas(std::size_t max_problems,
                                                            std::size_t* checked) const {
    Result<std::vector<SheetEntry>> entries = impl_->SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    std::set<std::string> sheets;
    for (const SheetEntry& entry : *entries) sheets.insert(AsciiLower(entry.name));
    std::set<std::string> names;
    for (pugi::xml_node name : Child(impl_->WorkbookRoot(), "definedNames").children()) {
        if (name.type() == pugi::node_element)
            names.insert(AsciiLower(name.attribute("name").value()));
    }
    Result<std::vector<TableInfo>> tables = Tables();
    if (!tables) return std::unexpected(tables.error());
    for (const TableInfo& table : *tables) names.insert(AsciiLower(table.name));

    std::vector<FormulaProblem> problems;
    std::size_t count = 0;
    auto judge = [&](std::string location, std::string_view formula) {
        ++count;
        if (problems.size() >= max_problems) return;
        std::string problem = JudgeFormula(formula, sheets, names);
        if (!problem.empty()) {
            problems.push_back(
                {std::move(location), RemoveFunctionPrefixes(formula), std::move(problem)});
        }
    };

    for (pugi::xml_node name : Child(impl_->WorkbookRoot(), "definedNames").children()) {
        if (name.type() != pugi::node_element) continue;
        std::string_view n = name.attribute("name").value();
        // Built-in names of external or hidden machinery are Excel's own business.
        if (!n.starts_with("_xlnm._FilterDatabase"))
            judge(fmt::format("name {}", n), NodeText(name));
    }
    for (const SheetEntry& entry : *entries) {
        if (entry.kind != "worksheet" || !impl_->package.HasPart(entry.part)) continue;
        Result<pugi::xml_document*> doc = impl_->Load(entry.part);
        if (!doc) return std::unexpected(doc.error());
        pugi::xml_node root = (*doc)->document_element();
        for (pugi::xml_node row : Child(root, "sheetData").children()) {
            for (pugi::xml_node c : row.children()) {
                pugi::xml_node f = Child(c, "f");
                std::string text = f ? NodeText(f) : std::string();
                if (!text.empty()) {
                    judge(fmt::format("{}!{}", entry.name, c.attribute("r").value()), text);
                }
            }
        }
        for (const auto& [where, text] : RuleFormulas(root)) {
            judge(fmt::format("{} on {}", where, entry.name), text);
        }
    }
    Result<std::vector<ChartInfo>> charts = Charts();
    if (!charts) return std::unexpected(charts.error());
    for (const ChartInfo& chart : *charts) {
        for (const std::string& series : chart.series) {
            if (!series.empty())
                judge(fmt::format("chart {} on {}", chart.name, chart.sheet), series);
        }
    }
    if (checked != nullptr) *checked = count;
    return problems;
}

}  // namespace quire::xlsx
