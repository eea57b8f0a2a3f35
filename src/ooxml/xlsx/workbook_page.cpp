// How a worksheet prints: orientation, paper, fitting or scale, margins, print options, and the
// print area and print titles that the workbook keeps as sheet-local defined names.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

constexpr std::string_view kPrintArea = "_xlnm.Print_Area";
constexpr std::string_view kPrintTitles = "_xlnm.Print_Titles";
constexpr int kMaxRow = 1'048'576;
constexpr int kMaxPaperSize = 118;
constexpr int kMaxFitPages = 32767;
constexpr int kMinScale = 10;
constexpr int kMaxScale = 400;
constexpr double kMaxMarginInches = 10;

// Children of CT_SheetPr (ECMA-376 Part 1, §18.3.1.82).
const std::vector<std::string_view> kSheetPrOrder = {"tabColor", "outlinePr", "pageSetUpPr"};

// A margin, its attribute and Excel's default for a sheet that has no pageMargins.
struct MarginField {
    std::optional<double> PageMargins::*field;
    const char* attribute;
    double fallback;
};
constexpr std::array<MarginField, 6> kMarginFields = {{
    {&PageMargins::left, "left", 0.7},
    {&PageMargins::right, "right", 0.7},
    {&PageMargins::top, "top", 0.75},
    {&PageMargins::bottom, "bottom", 0.75},
    {&PageMargins::header, "header", 0.3},
    {&PageMargins::footer, "footer", 0.3},
}};

// A row span "1:3" or one row "1" as first and last row.
std::optional<std::pair<int, int>> ParseRowSpan(std::string_view text) {
    auto row = [](std::string_view digits) -> std::optional<int> {
        if (digits.starts_with('$')) digits.remove_prefix(1);
        int value = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
            value < 1 || value > kMaxRow) {
            return std::nullopt;
        }
        return value;
    };
    std::size_t colon = text.find(':');
    std::optional<int> first = row(text.substr(0, colon));
    std::optional<int> last = colon == std::string_view::npos ? first : row(text.substr(colon + 1));
    if (!first || !last || *first > *last) return std::nullopt;
    return std::pair{*first, *last};
}

// The areas of a union formula ("'S'!$A:$A,'S'!$1:$1"), split at commas outside quotes.
std::vector<std::string> SplitAreas(std::string_view formula) {
    std::vector<std::string> areas;
    std::string current;
    bool quoted = false;
    for (char ch : formula) {
        if (ch == '\'') quoted = !quoted;
        if (ch == ',' && !quoted) {
            areas.push_back(std::move(current));
            current.clear();
            continue;
        }
        current += ch;
    }
    if (!current.empty() || !areas.empty()) areas.push_back(std::move(current));
    return areas;
}

// An area without its sheet and dollar signs: "'My data'!$A$1:$H$40" becomes "A1:H40".
std::string BareArea(std::string_view area) {
    std::size_t bang = area.rfind('!');
    if (bang != std::string_view::npos) area.remove_prefix(bang + 1);
    std::string out;
    for (char ch : area) {
        if (ch != '$') out += ch;
    }
    return out;
}

bool IsRowArea(std::string_view area) { return ParseRowSpan(BareArea(area)).has_value(); }

// The sheet-local defined name `name` of the sheet at `index`, or an empty node.
pugi::xml_node FindLocalName(pugi::xml_node names, std::string_view name, int index) {
    for (pugi::xml_node node : names.children()) {
        if (ooxml::LocalName(node) == "definedName" &&
            EqualsIgnoreCase(node.attribute("name").value(), name) &&
            IntAttr(node, "localSheetId", -1) == index) {
            return node;
        }
    }
    return {};
}

// Sets the text of a sheet-local name, or removes it (and an emptied definedNames, which must
// hold at least one name, §18.2.6) when `formula` is empty.
void WriteLocalName(pugi::xml_node workbook, std::string_view name, int index,
                    const std::string& formula) {
    pugi::xml_node names = Child(workbook, "definedNames");
    pugi::xml_node node = FindLocalName(names, name, index);
    if (formula.empty()) {
        if (node) names.remove_child(node);
        if (names && CountElementChildren(names, "definedName") == 0) workbook.remove_child(names);
        return;
    }
    if (!node) {
        names = ChildOrInsert(workbook, "definedNames", kWorkbookOrder);
        node = names.append_child(SiblingName(names, "definedName").c_str());
        node.append_attribute("name").set_value(std::string(name).c_str());
        node.append_attribute("localSheetId").set_value(index);
    }
    SetNodeText(node, formula);
}

void SetOrRemoveFlag(pugi::xml_node node, const char* name, bool on) {
    if (on) {
        SetAttr(node, name, "1");
    } else {
        node.remove_attribute(name);
    }
}

Status CheckRange(std::optional<int> value, int low, int high, std::string_view what) {
    if (!value || (*value >= low && *value <= high)) return {};
    return InvalidRequest(fmt::format("{} {} is outside {} to {}", what, *value, low, high));
}

Status CheckNumbers(const PageSetup& setup) {
    if (setup.orientation && *setup.orientation != "portrait" &&
        *setup.orientation != "landscape") {
        return InvalidRequest(fmt::format(
            "orientation \"{}\" is neither \"portrait\" nor \"landscape\"", *setup.orientation));
    }
    if ((setup.fit_to_width || setup.fit_to_height) && setup.scale) {
        return InvalidRequest(
            "give a scale or fitting to pages, not both: a fitted sheet ignores its scale");
    }
    if (Status s = CheckRange(setup.paper_size, 1, kMaxPaperSize, "paper size"); !s) return s;
    if (Status s = CheckRange(setup.fit_to_width, 0, kMaxFitPages, "fit to width"); !s) return s;
    if (Status s = CheckRange(setup.fit_to_height, 0, kMaxFitPages, "fit to height"); !s) return s;
    if (Status s = CheckRange(setup.scale, kMinScale, kMaxScale, "scale"); !s) return s;
    for (const MarginField& m : kMarginFields) {
        std::optional<double> value = setup.margins.*m.field;
        if (value && !(*value >= 0 && *value <= kMaxMarginInches)) {
            return InvalidRequest(fmt::format("{} margin {} is outside 0 to 10 inches", m.attribute,
                                              FormatNumber(*value)));
        }
    }
    return {};
}

// The print area and title rows as the names will hold them, "" where one is removed.
struct PrintNames {
    std::optional<std::string> area;
    std::optional<std::string> title_rows;
};

Result<PrintNames> ResolvePrintNames(const PageSetup& setup, std::string_view sheet) {
    PrintNames names;
    std::string prefix = FormulaSheetName(sheet) + "!";
    if (setup.print_area) {
        std::optional<CellRange> range = ParseRange(*setup.print_area);
        if (!setup.print_area->empty() && !range) {
            return InvalidRequest(fmt::format("print area \"{}\" is not a cell range like A1:H40",
                                              *setup.print_area));
        }
        names.area = range ? prefix + AbsoluteRangeName(*range) : "";
    }
    if (setup.print_title_rows) {
        std::optional<std::pair<int, int>> rows = ParseRowSpan(*setup.print_title_rows);
        if (!setup.print_title_rows->empty() && !rows) {
            return InvalidRequest(fmt::format(
                "print title rows \"{}\" are not rows like 1:1 or 1:3", *setup.print_title_rows));
        }
        names.title_rows = rows ? fmt::format("{}${}:${}", prefix, rows->first, rows->second) : "";
    }
    return names;
}

// Print_Titles with its row area replaced by `rows` ("" for none), its column area kept.
std::string MergeTitleRows(std::string_view current, const std::string& rows) {
    std::vector<std::string> kept;
    for (std::string& area : SplitAreas(current)) {
        if (!IsRowArea(area)) kept.push_back(std::move(area));
    }
    if (!rows.empty()) kept.push_back(rows);
    std::string out;
    for (const std::string& area : kept) out += (out.empty() ? "" : ",") + area;
    return out;
}

void WriteFitting(pugi::xml_node worksheet, pugi::xml_node page, const PageSetup& setup) {
    if (setup.fit_to_width) SetAttr(page, "fitToWidth", std::to_string(*setup.fit_to_width));
    if (setup.fit_to_height) SetAttr(page, "fitToHeight", std::to_string(*setup.fit_to_height));
    if (setup.scale) SetAttr(page, "scale", std::to_string(*setup.scale));
    if (!setup.fit_to_width && !setup.fit_to_height && !setup.scale) return;

    // The sheet prints fitted only while sheetPr/pageSetUpPr@fitToPage is on (§18.3.1.65).
    bool fit = !setup.scale;
    pugi::xml_node properties = Child(worksheet, "sheetPr");
    if (!fit && !Child(properties, "pageSetUpPr")) return;
    if (!properties) properties = InsertInOrder(worksheet, "sheetPr", kWorksheetOrder);
    pugi::xml_node fitting = ChildOrInsert(properties, "pageSetUpPr", kSheetPrOrder);
    SetOrRemoveFlag(fitting, "fitToPage", fit);
    if (!fitting.first_attribute()) properties.remove_child(fitting);
}

void WriteMargins(pugi::xml_node worksheet, const PageMargins& margins) {
    bool any = std::any_of(kMarginFields.begin(), kMarginFields.end(),
                           [&](const MarginField& m) { return (margins.*m.field).has_value(); });
    if (!any) return;
    pugi::xml_node node = ChildOrInsert(worksheet, "pageMargins", kWorksheetOrder);
    // Every attribute of CT_PageMargins is required (§18.3.1.62).
    for (const MarginField& m : kMarginFields) {
        std::optional<double> value = margins.*m.field;
        if (value) {
            SetAttr(node, m.attribute, FormatNumber(*value));
        } else if (!node.attribute(m.attribute)) {
            SetAttr(node, m.attribute, FormatNumber(m.fallback));
        }
    }
}

void WritePrintOptions(pugi::xml_node worksheet, const PageSetup& setup) {
    if (!setup.center_horizontally && !setup.gridlines) return;
    pugi::xml_node options = ChildOrInsert(worksheet, "printOptions", kWorksheetOrder);
    if (setup.center_horizontally) {
        SetOrRemoveFlag(options, "horizontalCentered", *setup.center_horizontally);
    }
    if (setup.gridlines) SetOrRemoveFlag(options, "gridLines", *setup.gridlines);
    if (!options.first_attribute()) worksheet.remove_child(options);
}

bool ChangesSheetPart(const PageSetup& setup) {
    bool margins = std::any_of(kMarginFields.begin(), kMarginFields.end(),
                               [&](const MarginField& m) { return (setup.margins.*m.field); });
    return setup.orientation || setup.paper_size || setup.fit_to_width || setup.fit_to_height ||
           setup.scale || margins || setup.center_horizontally || setup.gridlines;
}

void WritePageSetup(pugi::xml_node worksheet, const PageSetup& setup) {
    if (setup.orientation || setup.paper_size || setup.fit_to_width || setup.fit_to_height ||
        setup.scale) {
        // Attributes set here join those already present; r:id to the printer settings stays.
        pugi::xml_node page = ChildOrInsert(worksheet, "pageSetup", kWorksheetOrder);
        if (setup.paper_size) SetAttr(page, "paperSize", std::to_string(*setup.paper_size));
        if (setup.orientation) SetAttr(page, "orientation", *setup.orientation);
        WriteFitting(worksheet, page, setup);
    }
    WriteMargins(worksheet, setup.margins);
    WritePrintOptions(worksheet, setup);
}

std::optional<int> OptionalInt(const pugi::xml_node& node, const char* name) {
    pugi::xml_attribute attr = node.attribute(name);
    if (!attr) return std::nullopt;
    return attr.as_int();
}

std::optional<bool> OptionalFlag(const pugi::xml_node& node, const char* name) {
    pugi::xml_attribute attr = node.attribute(name);
    if (!attr) return std::nullopt;
    return attr.as_bool();
}

}  // namespace

Result<PageSetup> Workbook::PageSetupOf(std::string_view sheet) const {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<int> index = impl_->SheetIndex(entry->name);
    if (!index) return std::unexpected(index.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    pugi::xml_node root = (*doc)->document_element();
    PageSetup setup;
    pugi::xml_node page = Child(root, "pageSetup");
    if (pugi::xml_attribute orientation = page.attribute("orientation")) {
        setup.orientation = orientation.value();
    }
    setup.paper_size = OptionalInt(page, "paperSize");
    setup.scale = OptionalInt(page, "scale");
    pugi::xml_node fitting = Child(Child(root, "sheetPr"), "pageSetUpPr");
    if (fitting.attribute("fitToPage").as_bool()) {
        setup.fit_to_width = IntAttr(page, "fitToWidth", 1);
        setup.fit_to_height = IntAttr(page, "fitToHeight", 1);
    }
    if (pugi::xml_node margins = Child(root, "pageMargins")) {
        for (const MarginField& m : kMarginFields) {
            if (pugi::xml_attribute attr = margins.attribute(m.attribute)) {
                setup.margins.*m.field = attr.as_double();
            }
        }
    }
    pugi::xml_node options = Child(root, "printOptions");
    setup.center_horizontally = OptionalFlag(options, "horizontalCentered");
    setup.gridlines = OptionalFlag(options, "gridLines");

    pugi::xml_node names = Child(impl_->WorkbookRoot(), "definedNames");
    if (pugi::xml_node area = FindLocalName(names, kPrintArea, *index)) {
        std::string bare;
        for (const std::string& piece : SplitAreas(NodeText(area))) {
            bare += (bare.empty() ? "" : ",") + BareArea(piece);
        }
        setup.print_area = bare;
    }
    for (const std::string& piece :
         SplitAreas(NodeText(FindLocalName(names, kPrintTitles, *index)))) {
        if (IsRowArea(piece)) setup.print_title_rows = BareArea(piece);
    }
    return setup;
}

Status Workbook::SetPageSetup(std::string_view sheet, const PageSetup& setup) {
    if (!ChangesSheetPart(setup) && !setup.print_area && !setup.print_title_rows)
        return InvalidRequest("the page setup sets nothing");
    if (Status numbers = CheckNumbers(setup); !numbers) return numbers;
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<PrintNames> print_names = ResolvePrintNames(setup, entry->name);
    if (!print_names) return std::unexpected(print_names.error());
    Result<int> index = impl_->SheetIndex(entry->name);
    if (!index) return std::unexpected(index.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    // Nothing below can fail: the sheet and the workbook part are loaded.
    if (ChangesSheetPart(setup)) {
        WritePageSetup((*doc)->document_element(), setup);
        impl_->MarkDirty(entry->part);
    }
    if (!print_names->area && !print_names->title_rows) return {};
    pugi::xml_node workbook = impl_->WorkbookRoot();
    if (print_names->area) WriteLocalName(workbook, kPrintArea, *index, *print_names->area);
    if (print_names->title_rows) {
        pugi::xml_node current =
            FindLocalName(Child(workbook, "definedNames"), kPrintTitles, *index);
        std::string titles = MergeTitleRows(NodeText(current), *print_names->title_rows);
        WriteLocalName(workbook, kPrintTitles, *index, titles);
    }
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

}  // namespace quire::xlsx
