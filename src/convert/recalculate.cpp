#include "convert/recalculate.hpp"

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "convert/formula_dependents.hpp"
#include "convert/office_pool.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::convert {
namespace {

// Functions Excel knows and LibreOffice 7.4 does not (it answers #NAME? for them). Excel writes
// most with a _xlfn. prefix, which is matched too.
constexpr std::array kUnknownFunctions = {
    "XLOOKUP",    "XMATCH",      "LET",         "LAMBDA",    "FILTER",     "SORT",
    "SORTBY",     "UNIQUE",      "SEQUENCE",    "RANDARRAY", "MAP",        "REDUCE",
    "SCAN",       "MAKEARRAY",   "BYROW",       "BYCOL",     "ISOMITTED",  "TEXTSPLIT",
    "TEXTBEFORE", "TEXTAFTER",   "VSTACK",      "HSTACK",    "TOCOL",      "TOROW",
    "WRAPROWS",   "WRAPCOLS",    "TAKE",        "DROP",      "CHOOSEROWS", "CHOOSECOLS",
    "EXPAND",     "ARRAYTOTEXT", "VALUETOTEXT", "IMAGE",     "GROUPBY",    "PIVOTBY",
};

constexpr std::array kErrorNames = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!",
                                    "#NAME?", "#NUM!",   "#N/A"};

bool IsNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_';
}

std::string Upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

// The value LibreOffice computed, keyed by "Sheet!A1".
using Computed = std::map<std::string, RecalculatedCell, std::less<>>;

Computed ByLocation(std::vector<RecalculatedCell> cells) {
    Computed out;
    for (auto& cell : cells) {
        std::string location = cell.sheet + "!" + cell.ref;
        out.emplace(std::move(location), std::move(cell));
    }
    return out;
}

// The office's error text for an error the workbook format can store, else #VALUE! (the
// office's own Err:5xx codes have no OOXML form).
std::string ErrorName(std::string_view shown) {
    for (std::string_view name : kErrorNames) {
        if (shown == name) return std::string(name);
    }
    return "#VALUE!";
}

// Rewrites one cell's cached value: <v> and t, keeping every other attribute and child.
void StoreValue(pugi::xml_node cell, const RecalculatedCell& computed, std::string_view ns) {
    pugi::xml_node value = ooxml::FindChild(cell, ns, "v");
    if (!value) {
        std::string name = cell.name();
        auto colon = name.find(':');
        std::string prefix = colon == std::string::npos ? "" : name.substr(0, colon + 1);
        value = cell.append_child((prefix + "v").c_str());
    }
    pugi::xml_attribute type = cell.attribute("t");
    std::string old_type = type ? type.value() : "";
    std::string text;
    std::string new_type;
    switch (computed.kind) {
        case RecalculatedCell::Kind::kNumber:
            text = fmt::format("{}", computed.number);
            new_type = old_type == "b" ? "b" : "";
            break;
        case RecalculatedCell::Kind::kText:
            text = computed.text;
            new_type = "str";
            break;
        case RecalculatedCell::Kind::kError:
            text = ErrorName(computed.text);
            new_type = "e";
            break;
    }
    value.text().set(text.c_str());
    if (new_type.empty()) {
        cell.remove_attribute("t");
    } else {
        (type ? type : cell.append_attribute("t")).set_value(new_type.c_str());
    }
}

// A worksheet part, parsed, with whether a cached value in it changed.
struct SheetDocument {
    std::string name;
    std::string part_name;
    std::unique_ptr<pugi::xml_document> doc;
    bool changed = false;
};

// The formula cells of a workbook, in sheet order: what the dependency analysis reads, and the
// cell element and part each stands for.
struct FormulaCells {
    std::vector<FormulaCell> cells;
    std::vector<pugi::xml_node> nodes;
    std::vector<std::size_t> sheet_of;  // index into the SheetDocument list
};

// Adds the formula cells of one worksheet. A shared formula's member holds no text: it is its
// anchor's formula moved by the distance between the two cells (ECMA-376 Part 1, §18.3.1.40).
void CollectFormulas(const SheetDocument& sheet, std::size_t index, const Computed& computed,
                     FormulaCells& out) {
    pugi::xml_node root = sheet.doc->document_element();
    std::string ns = ooxml::NamespaceOf(root);
    pugi::xml_node data = ooxml::FindChild(root, ns, "sheetData");
    std::map<std::string, std::pair<xlsx::CellRef, std::string>> shared;  // si → the anchor
    for (pugi::xml_node row : data.children()) {
        for (pugi::xml_node cell : row.children()) {
            pugi::xml_node formula = ooxml::FindChild(cell, ns, "f");
            if (!formula) continue;
            std::optional<xlsx::CellRef> ref = xlsx::ParseCellRef(cell.attribute("r").value());
            if (!ref) continue;
            std::string text = formula.text().get();
            std::string si = formula.attribute("si").value();
            if (std::string_view(formula.attribute("t").value()) == "shared" && !si.empty()) {
                if (!text.empty()) shared[si] = {*ref, text};
                auto anchor = shared.find(si);
                if (text.empty() && anchor != shared.end()) {
                    const auto& [from, anchor_text] = anchor->second;
                    text =
                        xlsx::ShiftFormula(anchor_text, ref->row - from.row, ref->col - from.col);
                }
            }
            auto found = computed.find(sheet.name + "!" + xlsx::CellName(*ref));
            bool calls_macro = found != computed.end() && found->second.calls_macro;
            bool uncomputable = calls_macro || UsesFunctionsUnknownToOffice(text);
            out.cells.push_back({sheet.name, *ref, std::move(text), uncomputable});
            out.nodes.push_back(cell);
            out.sheet_of.push_back(index);
        }
    }
}

// Stores what the office computed for every formula cell it can compute and reports the rest.
void StoreComputedValues(const FormulaCells& formulas, const std::vector<bool>& uncomputable,
                         const Computed& computed, std::vector<SheetDocument>& sheets,
                         RecalculationReport& report) {
    for (std::size_t i = 0; i < formulas.cells.size(); ++i) {
        const FormulaCell& cell = formulas.cells[i];
        std::string location = cell.sheet + "!" + xlsx::CellName(cell.ref);
        if (uncomputable[i]) {
            report.not_recalculated.push_back(std::move(location));
            continue;
        }
        auto found = computed.find(location);
        if (found == computed.end()) continue;
        SheetDocument& sheet = sheets[formulas.sheet_of[i]];
        StoreValue(formulas.nodes[i], found->second,
                   ooxml::NamespaceOf(sheet.doc->document_element()));
        sheet.changed = true;
        ++report.recalculated;
        // The report shows formulas as they were written, without the file format's prefixes.
        ComputedFormula entry{location, xlsx::RemoveFunctionPrefixes(cell.formula), found->second};
        if (entry.value.kind == RecalculatedCell::Kind::kError) {
            entry.value.text = ErrorName(entry.value.text);
            report.errors.push_back({location, entry.formula, entry.value.text});
        }
        report.computed.push_back(std::move(entry));
    }
}

}  // namespace

bool UsesFunctionsUnknownToOffice(std::string_view formula) {
    std::string upper = Upper(formula);
    for (std::size_t i = 0; i < upper.size(); ++i) {
        if (upper[i] != '(' || i == 0) continue;
        std::size_t start = i;
        while (start > 0 && IsNameChar(upper[start - 1])) --start;
        std::string_view name = std::string_view(upper).substr(start, i - start);
        for (std::string_view prefix : {"_XLFN._XLWS.", "_XLFN.", "_XLWS."}) {
            if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
        }
        for (std::string_view unknown : kUnknownFunctions) {
            if (name == unknown) return true;
        }
    }
    return false;
}

Result<RecalculationReport> Recalculate(OfficePool& pool, std::string xlsx) {
    std::vector<xlsx::SheetInfo> sheets;
    WorkbookNames names;
    {
        auto workbook = xlsx::Workbook::Open(xlsx);
        if (!workbook) return Propagate(workbook);
        auto listed = workbook->Sheets();
        if (!listed) return Propagate(listed);
        sheets = std::move(*listed);
        auto defined = workbook->DefinedNames();
        if (!defined) return Propagate(defined);
        names.names = std::move(*defined);
        auto tables = workbook->Tables();
        if (!tables) return Propagate(tables);
        names.tables = std::move(*tables);
    }
    for (const auto& sheet : sheets) names.sheets.push_back(sheet.name);
    auto cells = pool.Recalculate(xlsx);
    if (!cells) return Propagate(cells);
    Computed computed = ByLocation(std::move(*cells));

    // Every worksheet is read before any value is stored: whether a cell can be computed
    // depends on the cells it reads, on any sheet.
    auto package = ooxml::Package::Open(std::move(xlsx));
    if (!package) return Propagate(package);
    std::vector<SheetDocument> documents;
    FormulaCells formulas;
    for (const auto& sheet : sheets) {
        if (sheet.kind != "worksheet" || sheet.part_name.empty()) continue;
        auto part = package->ReadPart(sheet.part_name);
        if (!part) return Propagate(part);
        auto doc = ooxml::ParseXml(*part, sheet.part_name);
        if (!doc) return Propagate(doc);
        documents.push_back({sheet.name, sheet.part_name, std::move(*doc)});
        CollectFormulas(documents.back(), documents.size() - 1, computed, formulas);
    }

    RecalculationReport report;
    StoreComputedValues(formulas, UncomputableCells(formulas.cells, names), computed, documents,
                        report);
    for (const SheetDocument& sheet : documents) {
        if (sheet.changed) package->WritePart(sheet.part_name, ooxml::SerializeXml(*sheet.doc));
    }
    auto saved = package->Save();
    if (!saved) return Propagate(saved);
    report.xlsx = std::move(*saved);
    return report;
}

}  // namespace quire::convert
