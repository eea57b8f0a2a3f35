#include "convert/recalculate.hpp"

#include <array>
#include <map>
#include <utility>

#include <fmt/format.h>

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

struct SheetPass {
    int recalculated = 0;
    bool changed = false;
};

// Writes the computed values of one worksheet's formula cells; shared formulas are judged by
// their anchor's text.
SheetPass UpdateSheet(pugi::xml_document& doc, const std::string& sheet, const Computed& computed,
                      RecalculationReport& report) {
    pugi::xml_node root = doc.document_element();
    std::string ns = ooxml::NamespaceOf(root);
    pugi::xml_node data = ooxml::FindChild(root, ns, "sheetData");
    std::map<std::string, std::string> shared;  // si → the anchor's formula
    SheetPass pass;
    for (pugi::xml_node row : data.children()) {
        for (pugi::xml_node cell : row.children()) {
            pugi::xml_node formula = ooxml::FindChild(cell, ns, "f");
            if (!formula) continue;
            std::string text = formula.text().get();
            std::string si = formula.attribute("si").value();
            if (std::string_view(formula.attribute("t").value()) == "shared" && !si.empty()) {
                if (!text.empty()) shared[si] = text;
                if (text.empty() && shared.contains(si)) text = shared[si];
            }
            std::string location = sheet + "!" + cell.attribute("r").value();
            if (UsesFunctionsUnknownToOffice(text)) {
                report.not_recalculated.push_back(location);
                continue;
            }
            auto found = computed.find(location);
            if (found == computed.end()) continue;
            pugi::xml_node cached = ooxml::FindChild(cell, ns, "v");
            bool kept = found->second.kind == RecalculatedCell::Kind::kError && cached &&
                        std::string_view(cell.attribute("t").value()) != "e";
            ComputedFormula entry{location, text, found->second, kept};
            if (entry.value.kind == RecalculatedCell::Kind::kError) {
                entry.value.text = ErrorName(entry.value.text);
            }
            report.computed.push_back(std::move(entry));
            if (kept) {
                report.kept_excel_values.push_back(location);
                continue;
            }
            StoreValue(cell, found->second, ns);
            if (found->second.kind == RecalculatedCell::Kind::kError) {
                report.errors.push_back({location, text, ErrorName(found->second.text)});
            }
            ++pass.recalculated;
            pass.changed = true;
        }
    }
    return pass;
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
    {
        auto workbook = xlsx::Workbook::Open(xlsx);
        if (!workbook) return Propagate(workbook);
        auto listed = workbook->Sheets();
        if (!listed) return Propagate(listed);
        sheets = std::move(*listed);
    }
    auto cells = pool.Recalculate(xlsx);
    if (!cells) return Propagate(cells);
    Computed computed = ByLocation(std::move(*cells));

    auto package = ooxml::Package::Open(std::move(xlsx));
    if (!package) return Propagate(package);
    RecalculationReport report;
    for (const auto& sheet : sheets) {
        if (sheet.kind != "worksheet" || sheet.part_name.empty()) continue;
        auto part = package->ReadPart(sheet.part_name);
        if (!part) return Propagate(part);
        auto doc = ooxml::ParseXml(*part, sheet.part_name);
        if (!doc) return Propagate(doc);
        SheetPass pass = UpdateSheet(**doc, sheet.name, computed, report);
        report.recalculated += pass.recalculated;
        if (pass.changed) package->WritePart(sheet.part_name, ooxml::SerializeXml(**doc));
    }
    auto saved = package->Save();
    if (!saved) return Propagate(saved);
    report.xlsx = std::move(*saved);
    return report;
}

}  // namespace quire::convert
