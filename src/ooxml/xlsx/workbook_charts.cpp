// Charts on worksheets: listing, adding, moving and deleting them. A chart is a graphic frame
// in the sheet's drawing part (ECMA-376 Part 1, §20.5) that points at a chart part (§21.2).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/utf8.hpp"
#include "ooxml/chart/chart_part.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

using ooxml::FindAttribute;
using ooxml::LocalName;
using ooxml::NamespaceOf;
using ooxml::Package;
using ooxml::Relationship;
namespace ns = ooxml::ns;

constexpr std::string_view kDrawingNs =
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing";
constexpr std::string_view kDrawingNsStrict =
    "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing";
constexpr std::string_view kDrawingMainStrict = "http://purl.oclc.org/ooxml/drawingml/main";
constexpr std::string_view kDrawingType =
    "application/vnd.openxmlformats-officedocument.drawing+xml";
constexpr std::string_view kChartStyleType = "application/vnd.ms-office.chartstyle+xml";
constexpr std::string_view kChartColorStyleType = "application/vnd.ms-office.chartcolorstyle+xml";

constexpr int kDefaultChartColumns = 8;
constexpr int kDefaultChartRows = 15;
// Excel's default column (64 px) and row (20 px) at 9525 EMU per pixel, for estimating the cells
// a one-cell anchor covers.
constexpr double kDefaultColumnEmu = 609600;
constexpr double kDefaultRowEmu = 190500;
// Larger series are written without cached points (applications read the cells instead), and
// their cells are not checked for numbers: reading them all would cost more than the chart.
constexpr std::size_t kMaxCachedPoints = 100000;
constexpr std::size_t kMaxChartNameBytes = 255;

// How a chart reads the cells it caches: the values of a range, row by row (a formula's last
// result), read in one pass over the sheet, and the date format code of a cell ("" for none).
struct CellSource {
    std::function<Result<std::vector<CellValue>>(const std::string& sheet, const CellRange& range)>
        values;
    std::function<Result<std::string>(const std::string& sheet, CellRef at)> date_format;
};

// The format codes of the built-in date formats (ECMA-376 Part 1, §18.8.30); the others that
// are dates are East Asian and shown here as ISO dates.
std::string_view BuiltinDateFormatCode(int id) {
    switch (id) {
        case 14:
            return "mm-dd-yy";
        case 15:
            return "d-mmm-yy";
        case 16:
            return "d-mmm";
        case 17:
            return "mmm-yy";
        case 18:
            return "h:mm AM/PM";
        case 19:
            return "h:mm:ss AM/PM";
        case 20:
            return "h:mm";
        case 21:
            return "h:mm:ss";
        case 22:
            return "m/d/yy h:mm";
        case 45:
            return "mm:ss";
        case 46:
            return "[h]:mm:ss";
        case 47:
            return "mmss.0";
        default:
            return "yyyy-mm-dd";
    }
}

// ---- Drawings ----------------------------------------------------------------------------------

bool IsDrawingNamespace(std::string_view uri) {
    return uri == kDrawingNs || uri == kDrawingNsStrict;
}

bool IsAnchor(const pugi::xml_node& node) {
    std::string_view local = LocalName(node);
    return node.type() == pugi::node_element &&
           (local == "twoCellAnchor" || local == "oneCellAnchor" || local == "absoluteAnchor") &&
           IsDrawingNamespace(NamespaceOf(node));
}

bool HasAnchors(const pugi::xml_node& root) {
    for (pugi::xml_node child : root.children()) {
        if (child.type() == pugi::node_element) return true;
    }
    return false;
}

std::string RelsPartName(std::string_view part) {
    std::size_t slash = part.rfind('/');
    std::string_view folder = slash == std::string_view::npos ? "" : part.substr(0, slash + 1);
    return fmt::format("{}_rels/{}.rels", folder, part.substr(folder.size()));
}

long long MarkerValue(const pugi::xml_node& marker, std::string_view local) {
    return std::strtoll(NodeText(Child(marker, local)).c_str(), nullptr, 10);
}

CellRange ClampToGrid(CellRange range) {
    range.last.col = std::clamp(range.last.col, range.first.col, kMaxColumns);
    range.last.row = std::clamp(range.last.row, range.first.row, kMaxRows);
    return range;
}

// The cells an anchor covers (§20.5.2.33, §20.5.2.24): a corner in a cell with an offset of zero
// lies on the cell's left or top edge, so that cell is not covered. "" for an absolute anchor.
std::string AnchorRange(const pugi::xml_node& anchor) {
    pugi::xml_node from = Child(anchor, "from");
    if (!from) return {};
    CellRange range;
    range.first = {static_cast<int>(MarkerValue(from, "col")) + 1,
                   static_cast<int>(MarkerValue(from, "row")) + 1};
    if (pugi::xml_node to = Child(anchor, "to")) {
        range.last = {static_cast<int>(MarkerValue(to, "col") + (MarkerValue(to, "colOff") > 0)),
                      static_cast<int>(MarkerValue(to, "row") + (MarkerValue(to, "rowOff") > 0))};
    } else {
        pugi::xml_node ext = Child(anchor, "ext");
        double right = MarkerValue(from, "colOff") + ext.attribute("cx").as_double();
        double down = MarkerValue(from, "rowOff") + ext.attribute("cy").as_double();
        range.last = {range.first.col - 1 + static_cast<int>(std::ceil(right / kDefaultColumnEmu)),
                      range.first.row - 1 + static_cast<int>(std::ceil(down / kDefaultRowEmu))};
    }
    range.first.col = std::clamp(range.first.col, 1, kMaxColumns);
    range.first.row = std::clamp(range.first.row, 1, kMaxRows);
    return RangeName(ClampToGrid(range));
}

struct FrameChart {
    std::string name;
    std::string rel_id;
};

// The chart a graphic frame directly under the anchor shows, if it shows one.
std::optional<FrameChart> ChartInAnchor(const pugi::xml_node& anchor) {
    pugi::xml_node frame = Child(anchor, "graphicFrame");
    if (!frame) return std::nullopt;
    FrameChart found;
    ForEachElement(frame, [&](pugi::xml_node node) {
        std::string_view local = LocalName(node);
        if (local == "cNvPr" && found.name.empty()) found.name = node.attribute("name").value();
        std::string uri = NamespaceOf(node);
        if (local != "chart" ||
            (uri != chart::kChartNamespace && uri != chart::kChartNamespaceStrict)) {
            return;
        }
        pugi::xml_attribute id = FindAttribute(node, ns::kRelationships, "id");
        if (!id) id = FindAttribute(node, ns::kRelationshipsStrict, "id");
        found.rel_id = id.value();
    });
    if (found.rel_id.empty()) return std::nullopt;
    return found;
}

// Rewrites an anchor's corners to cover `range`; a one-cell anchor becomes a two-cell anchor.
void SetAnchorCells(pugi::xml_node anchor, const CellRange& range) {
    if (LocalName(anchor) == "oneCellAnchor") {
        anchor.set_name(SiblingName(anchor, "twoCellAnchor").c_str());
        if (pugi::xml_node ext = Child(anchor, "ext")) anchor.remove_child(ext);
    }
    pugi::xml_node from = Child(anchor, "from");
    if (!from) from = anchor.prepend_child(SiblingName(anchor, "from").c_str());
    pugi::xml_node to = Child(anchor, "to");
    if (!to) to = anchor.insert_child_after(SiblingName(anchor, "to").c_str(), from);
    auto write = [](pugi::xml_node marker, int col, int row) {
        while (marker.first_child()) marker.remove_child(marker.first_child());
        for (auto [local, value] :
             {std::pair{"col", col}, {"colOff", 0}, {"row", row}, {"rowOff", 0}}) {
            pugi::xml_node child = marker.append_child(SiblingName(marker, local).c_str());
            child.append_child(pugi::node_pcdata).set_value(std::to_string(value).c_str());
        }
    };
    write(from, range.first.col - 1, range.first.row - 1);
    write(to, range.last.col, range.last.row);
}

int NextShapeId(const pugi::xml_node& root) {
    int max_id = 1;
    ForEachElement(root, [&](pugi::xml_node node) {
        if (LocalName(node) == "cNvPr") max_id = std::max(max_id, IntAttr(node, "id", 0));
    });
    return max_id + 1;
}

void SetShapeId(pugi::xml_node anchor, int id) {
    ForEachElement(anchor, [&](pugi::xml_node node) {
        if (LocalName(node) == "cNvPr") SetAttr(node, "id", std::to_string(id));
    });
}

void SetChartRelId(pugi::xml_node anchor, std::string_view rel_id) {
    ForEachElement(anchor, [&](pugi::xml_node node) {
        if (LocalName(node) != "chart") return;
        for (pugi::xml_attribute attr : node.attributes()) {
            std::string_view name = attr.name();
            if (name.ends_with(":id")) attr.set_value(std::string(rel_id).c_str());
        }
    });
}

// The namespace declarations of `from_root` that `to_root` lacks, copied onto a node moved from
// one drawing to the other, so its prefixes still resolve.
void CarryNamespaces(const pugi::xml_node& from_root, const pugi::xml_node& to_root,
                     pugi::xml_node moved) {
    for (pugi::xml_attribute attr : from_root.attributes()) {
        std::string_view name = attr.name();
        if (!name.starts_with("xmlns")) continue;
        if (std::string_view(to_root.attribute(attr.name()).value()) == attr.value()) continue;
        if (!moved.attribute(attr.name())) moved.append_attribute(attr.name()) = attr.value();
    }
}

std::string NewAnchorXml(const pugi::xml_node& root, const CellRange& range, std::string_view name,
                         int shape_id, std::string_view rel_id) {
    const std::string xdr_ns = NamespaceOf(root);
    const std::string_view a_ns =
        xdr_ns == kDrawingNsStrict ? kDrawingMainStrict : ns::kDrawingMain;
    std::string declarations;
    if (std::string_view(root.attribute("xmlns:xdr").value()) != xdr_ns) {
        declarations += fmt::format(" xmlns:xdr=\"{}\"", xdr_ns);
    }
    if (std::string_view(root.attribute("xmlns:a").value()) != a_ns) {
        declarations += fmt::format(" xmlns:a=\"{}\"", a_ns);
    }
    auto marker = [](std::string_view local, int col, int row) {
        return fmt::format(
            "<xdr:{0}><xdr:col>{1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{2}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:{0}>",
            local, col, row);
    };
    return fmt::format(
        "<xdr:twoCellAnchor{}>{}{}<xdr:graphicFrame macro=\"\"><xdr:nvGraphicFramePr>"
        "<xdr:cNvPr id=\"{}\" name=\"{}\"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>"
        "<xdr:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/></xdr:xfrm>{}"
        "</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>",
        declarations, marker("from", range.first.col - 1, range.first.row - 1),
        marker("to", range.last.col, range.last.row), shape_id, ooxml::EscapeXml(name),
        chart::ChartGraphicXml(rel_id, xdr_ns == kDrawingNsStrict
                                           ? chart::Conformance::kStrict
                                           : chart::Conformance::kTransitional));
}

std::string NewDrawingXml(bool strict) {
    return fmt::format("{}<xdr:wsDr xmlns:xdr=\"{}\" xmlns:a=\"{}\"/>", kXmlDeclaration,
                       strict ? kDrawingNsStrict : kDrawingNs,
                       strict ? kDrawingMainStrict : ns::kDrawingMain);
}

// ---- Anchors, names, references -----------------------------------------------------------------

// `text` is "E2" (top-left corner, `size` columns by rows) or "E2:L18".
Result<CellRange> ParseAnchor(std::string_view text, std::pair<int, int> size) {
    std::optional<CellRange> range = ParseRange(text);
    if (!range) {
        return InvalidRequest(
            fmt::format("'anchor' must be a cell like E2 or a range like E2:L18, not '{}'", text));
    }
    if (text.find(':') == std::string_view::npos) {
        range->last = {range->first.col + size.first - 1, range->first.row + size.second - 1};
    }
    // The bottom-right corner is written as the edge of the next cell, which must exist.
    range->last.col = std::min(range->last.col, kMaxColumns - 1);
    range->last.row = std::min(range->last.row, kMaxRows - 1);
    if (range->last.col < range->first.col || range->last.row < range->first.row) {
        return InvalidRequest(fmt::format("anchor '{}' is at the edge of the sheet", text));
    }
    return *range;
}

const ChartPlacement* FindPlacement(const std::vector<ChartPlacement>& placements,
                                    std::string_view name) {
    for (const ChartPlacement& placement : placements) {
        if (placement.name == name) return &placement;
    }
    for (const ChartPlacement& placement : placements) {
        if (EqualsIgnoreCase(placement.name, name)) return &placement;
    }
    return nullptr;
}

// The one chart called `name` (exactly, else ignoring case) on `from_sheet` ("" for any sheet).
Result<const ChartPlacement*> FindChartToChange(const std::vector<ChartPlacement>& placements,
                                                std::string_view name,
                                                std::string_view from_sheet) {
    std::vector<const ChartPlacement*> matches;
    for (bool exact : {true, false}) {
        for (const ChartPlacement& placement : placements) {
            bool named = exact ? placement.name == name : EqualsIgnoreCase(placement.name, name);
            if (named &&
                (from_sheet.empty() || EqualsIgnoreCase(placement.sheet.name, from_sheet))) {
                matches.push_back(&placement);
            }
        }
        if (!matches.empty()) break;
    }
    if (matches.empty()) {
        if (from_sheet.empty()) {
            return NotFound(fmt::format("the workbook has no chart named '{}'", name));
        }
        return NotFound(fmt::format("sheet '{}' has no chart named '{}'", from_sheet, name));
    }
    if (matches.size() > 1) {
        std::string sheets;
        for (const ChartPlacement* match : matches) {
            sheets += fmt::format("{}'{}'", sheets.empty() ? "" : ", ", match->sheet.name);
        }
        return InvalidRequest(
            fmt::format("{} charts are named '{}', on sheets {}; say which with 'from_sheet'",
                        matches.size(), name, sheets));
    }
    return matches.front();
}

Result<std::string> PickChartName(std::string_view requested,
                                  const std::vector<ChartPlacement>& placements) {
    if (requested.empty()) {
        for (int n = 1;; ++n) {
            std::string name = fmt::format("Chart {}", n);
            if (FindPlacement(placements, name) == nullptr) return name;
        }
    }
    if (!IsValidUtf8(requested) || requested.size() > kMaxChartNameBytes) {
        return InvalidRequest("a chart name must be UTF-8 text of at most 255 bytes");
    }
    if (std::any_of(requested.begin(), requested.end(),
                    [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
        return InvalidRequest("a chart name cannot contain control characters");
    }
    if (const ChartPlacement* taken = FindPlacement(placements, requested)) {
        return InvalidRequest(
            fmt::format("the workbook already has a chart named '{}' on sheet '{}'", taken->name,
                        taken->sheet.name));
    }
    return std::string(requested);
}

struct SheetRange {
    std::string sheet;  // as the workbook spells it
    CellRange range;
};

std::string_view Trim(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

struct SplitReference {
    std::string sheet;  // "" when the reference names none
    std::string_view cells;
};

// Splits "Data!B2", "'It''s'!B2" or "B2" at the '!' that ends the sheet name; nullopt for a
// quoted name that is not closed or not followed by '!'.
std::optional<SplitReference> SplitSheet(std::string_view ref) {
    if (!ref.starts_with('\'')) {
        std::size_t bang = ref.rfind('!');
        if (bang == std::string_view::npos) return SplitReference{"", ref};
        return SplitReference{std::string(ref.substr(0, bang)), ref.substr(bang + 1)};
    }
    SplitReference split;
    std::size_t i = 1;
    for (; i < ref.size(); ++i) {
        if (ref[i] != '\'') {
            split.sheet += ref[i];
        } else if (i + 1 < ref.size() && ref[i + 1] == '\'') {
            split.sheet += ref[++i];
        } else {
            break;
        }
    }
    if (i + 1 >= ref.size() || ref[i + 1] != '!') return std::nullopt;
    split.cells = ref.substr(i + 2);
    return split;
}

// "Data!B2:B9", "'My data'!$B$2:$B$9", "=Data!B2" or "B2:B9" (on `default_sheet`), checked
// against the workbook's worksheets. `what` names the argument in errors.
Result<SheetRange> ResolveReference(std::string_view text, std::string_view default_sheet,
                                    const std::vector<SheetEntry>& sheets, std::string_view what) {
    std::string_view ref = Trim(text);
    if (ref.starts_with('=')) ref = Trim(ref.substr(1));
    std::optional<SplitReference> split = SplitSheet(ref);
    if (!split) {
        return InvalidRequest(
            fmt::format("{} '{}' is not a reference like 'My data'!B2:B9", what, text));
    }
    std::string sheet = split->sheet.empty() ? std::string(default_sheet) : split->sheet;
    if (sheet.find_first_of("[]:") != std::string::npos) {
        return InvalidRequest(fmt::format(
            "{} '{}' must name one sheet of this workbook (no 3-D or external references)", what,
            text));
    }
    std::optional<CellRange> range = ParseRange(split->cells);
    if (!range) {
        return InvalidRequest(fmt::format(
            "{} '{}' is not a range like Data!B2:B9 (whole columns are not allowed)", what, text));
    }
    auto entry = std::find_if(sheets.begin(), sheets.end(),
                              [&](const SheetEntry& e) { return EqualsIgnoreCase(e.name, sheet); });
    if (entry == sheets.end()) {
        return NotFound(
            fmt::format("{} '{}': the workbook has no sheet named '{}'", what, text, sheet));
    }
    if (entry->kind != "worksheet") {
        return InvalidRequest(fmt::format("{} '{}': sheet '{}' is a {} and has no cells", what,
                                          text, entry->name, entry->kind));
    }
    return SheetRange{entry->name, *range};
}

std::string AbsoluteReference(const SheetRange& ref) {
    return fmt::format("{}!{}", FormulaSheetName(ref.sheet), AbsoluteRangeName(ref.range));
}

bool IsLine(const CellRange& range) {
    return range.first.col == range.last.col || range.first.row == range.last.row;
}

std::vector<CellRef> CellsOf(const CellRange& range) {
    std::vector<CellRef> cells;
    for (int row = range.first.row; row <= range.last.row; ++row) {
        for (int col = range.first.col; col <= range.last.col; ++col) cells.push_back({col, row});
    }
    return cells;
}

std::size_t CellCount(const CellRange& range) {
    return static_cast<std::size_t>(range.last.col - range.first.col + 1) *
           static_cast<std::size_t>(range.last.row - range.first.row + 1);
}

std::string CellText(const CellValue& value) {
    switch (value.kind) {
        case CellValue::Kind::kText:
            return value.text;
        case CellValue::Kind::kNumber:
        case CellValue::Kind::kDate:
            return FormatNumber(value.number);
        case CellValue::Kind::kBoolean:
            return value.number != 0 ? "TRUE" : "FALSE";
        case CellValue::Kind::kEmpty:
        case CellValue::Kind::kFormula:
            return {};
    }
    return {};
}

struct CachedCounts {
    std::size_t numbers = 0;
    std::size_t texts = 0;
};

bool IsNumeric(const CellValue& value) {
    return value.kind == CellValue::Kind::kNumber || value.kind == CellValue::Kind::kDate;
}

Result<CachedCounts> CacheValues(const SheetRange& ref, const CellSource& read,
                                 chart::SeriesSpec& series) {
    CachedCounts counts;
    if (CellCount(ref.range) > kMaxCachedPoints) return counts;
    Result<std::vector<CellValue>> cells = read.values(ref.sheet, ref.range);
    if (!cells) return std::unexpected(cells.error());
    for (const CellValue& cell : *cells) {
        const CellValue* value = &cell;
        const bool numeric = IsNumeric(*value);
        counts.numbers += numeric;
        counts.texts += value->kind == CellValue::Kind::kText;
        series.value_cache.push_back(numeric ? std::optional(value->number) : std::nullopt);
    }
    return counts;
}

// Numeric categories keep the date format of their first date cell, so the chart shows dates.
Result<CachedCounts> CacheCategories(const SheetRange& ref, const CellSource& read,
                                     chart::SeriesSpec& series) {
    CachedCounts counts;
    if (CellCount(ref.range) > kMaxCachedPoints) return counts;
    std::optional<CellRef> first_date;
    Result<std::vector<CellValue>> cells = read.values(ref.sheet, ref.range);
    if (!cells) return std::unexpected(cells.error());
    const std::vector<CellRef> places = CellsOf(ref.range);
    for (std::size_t i = 0; i < cells->size() && i < places.size(); ++i) {
        const CellValue* value = &(*cells)[i];
        const CellRef at = places[i];
        counts.numbers += IsNumeric(*value);
        counts.texts += value->kind == CellValue::Kind::kText;
        if (value->kind == CellValue::Kind::kDate && !first_date) first_date = at;
        series.category_cache.push_back(CellText(*value));
    }
    series.numeric_categories = counts.numbers == series.category_cache.size();
    if (series.numeric_categories && first_date) {
        Result<std::string> code = read.date_format(ref.sheet, *first_date);
        if (!code) return std::unexpected(code.error());
        series.category_format_code = *code;
    }
    return counts;
}

// What a series is called in errors: its name, the text of its name cell, or its position.
std::string SeriesLabel(const chart::SeriesSpec& series, std::size_t index) {
    if (!series.name.empty()) return fmt::format("series '{}'", series.name);
    if (!series.name_cache.empty()) return fmt::format("series '{}'", series.name_cache);
    return fmt::format("series[{}]", index);
}

// Refuses what a reader would draw as nothing or as nonsense: values (or scatter x values) that
// are text only, and categories that do not pair up with the values one to one.
Status CheckSeriesCells(const chart::SeriesSpec& series, std::size_t index, chart::ChartType type,
                        const CellRange& values, const CachedCounts& value_counts,
                        const std::optional<CellRange>& categories,
                        const CachedCounts& category_counts) {
    const std::string label = SeriesLabel(series, index);
    if (value_counts.numbers == 0 && value_counts.texts > 0) {
        return InvalidRequest(fmt::format(
            "{}: values '{}' hold only text, no numbers; point 'values' at the cells with the "
            "numbers to plot",
            label, series.values_ref));
    }
    if (!categories) return {};
    if (CellCount(*categories) != CellCount(values)) {
        return InvalidRequest(fmt::format(
            "{}: {} values but {} categories; give 'categories' and 'values' the same length",
            label, CellCount(values), CellCount(*categories)));
    }
    if (type == chart::ChartType::kScatter && category_counts.numbers == 0 &&
        category_counts.texts > 0) {
        return InvalidRequest(fmt::format(
            "{}: the x values (categories) '{}' of a scatter chart hold only text; a scatter "
            "chart needs numbers there (use a line or column chart for text labels)",
            label, series.categories_ref));
    }
    return {};
}

// A series as the caller gave it, checked against the workbook, made absolute, and cached.
Result<chart::SeriesSpec> ResolveSeries(const chart::SeriesSpec& given, std::size_t index,
                                        chart::ChartType type, std::string_view default_sheet,
                                        const std::vector<SheetEntry>& sheets,
                                        const CellSource& read) {
    chart::SeriesSpec series;
    series.name = given.name;
    const std::string prefix = fmt::format("series[{}]", index);
    if (given.values_ref.empty()) return InvalidRequest(prefix + " needs 'values'");
    Result<SheetRange> values =
        ResolveReference(given.values_ref, default_sheet, sheets, prefix + ".values");
    if (!values) return Propagate(values);
    if (!IsLine(values->range)) {
        return InvalidRequest(
            fmt::format("{}.values '{}' must be one row or one column", prefix, given.values_ref));
    }
    series.values_ref = AbsoluteReference(*values);
    Result<CachedCounts> value_counts = CacheValues(*values, read, series);
    if (!value_counts) return Propagate(value_counts);

    std::optional<CellRange> category_range;
    CachedCounts category_counts;

    if (!given.categories_ref.empty()) {
        Result<SheetRange> categories =
            ResolveReference(given.categories_ref, default_sheet, sheets, prefix + ".categories");
        if (!categories) return Propagate(categories);
        if (!IsLine(categories->range)) {
            return InvalidRequest(fmt::format("{}.categories '{}' must be one row or one column",
                                              prefix, given.categories_ref));
        }
        series.categories_ref = AbsoluteReference(*categories);
        Result<CachedCounts> counts = CacheCategories(*categories, read, series);
        if (!counts) return Propagate(counts);
        category_range = categories->range;
        category_counts = *counts;
    }
    if (!given.name_ref.empty()) {
        Result<SheetRange> name =
            ResolveReference(given.name_ref, default_sheet, sheets, prefix + ".name");
        if (!name) return Propagate(name);
        if (name->range.first != name->range.last) {
            return InvalidRequest(
                fmt::format("{}.name '{}' must be one cell", prefix, given.name_ref));
        }
        series.name_ref = AbsoluteReference(*name);
        Result<std::vector<CellValue>> text = read.values(name->sheet, name->range);
        if (!text) return Propagate(text);
        if (!text->empty()) series.name_cache = CellText(text->front());
    }
    if (Status checked = CheckSeriesCells(series, index, type, values->range, *value_counts,
                                          category_range, category_counts);
        !checked) {
        return Propagate(checked);
    }
    return series;
}

// The caller's spec with every series resolved against the workbook, then validated.
Result<chart::ChartSpec> ResolveSpec(const chart::ChartSpec& spec, std::string_view default_sheet,
                                     const std::vector<SheetEntry>& sheets,
                                     const CellSource& read) {
    if (spec.series.empty()) return InvalidRequest("a chart needs at least one series");
    chart::ChartSpec resolved = spec;
    resolved.series.clear();
    for (std::size_t i = 0; i < spec.series.size(); ++i) {
        Result<chart::SeriesSpec> series =
            ResolveSeries(spec.series[i], i, spec.type, default_sheet, sheets, read);
        if (!series) return std::unexpected(series.error());
        resolved.series.push_back(std::move(*series));
    }
    if (Status valid = chart::ValidateChartSpec(resolved); !valid) return Propagate(valid);
    return resolved;
}

ChartInfo SummaryInfo(std::string name, std::string sheet, std::string anchor,
                      const chart::ChartSummary& summary) {
    ChartInfo info{std::move(name),   std::move(sheet), summary.type,
                   std::move(anchor), summary.title,    {}};
    for (const chart::SeriesSummary& series : summary.series) {
        info.series.push_back(series.values_ref);
    }
    return info;
}

// The size in cells a chart keeps when it is moved to a corner cell.
std::pair<int, int> CellSize(const pugi::xml_node& anchor) {
    std::optional<CellRange> range = ParseRange(AnchorRange(anchor));
    if (!range) return {kDefaultChartColumns, kDefaultChartRows};
    return {range->last.col - range->first.col + 1, range->last.row - range->first.row + 1};
}

ChartInfo DescribeChart(std::string name, std::string sheet, std::string anchor,
                        const chart::ChartSpec& spec) {
    ChartInfo info{
        std::move(name),   std::move(sheet), std::string(chart::ChartTypeName(spec.type)),
        std::move(anchor), spec.title,       {}};
    for (const chart::SeriesSpec& series : spec.series) info.series.push_back(series.values_ref);
    return info;
}

}  // namespace

// ---- Workbook::Impl ----------------------------------------------------------------------------

// A worksheet has at most one <drawing>, so its one drawing relationship is the drawing; the
// sheet part is parsed only in the rare case of several (a header/footer drawing as well).
Result<std::optional<std::string>> Workbook::Impl::DrawingPart(const SheetEntry& sheet) {
    if (sheet.part.empty() || !package.HasPart(sheet.part)) return std::optional<std::string>{};
    Result<std::vector<Relationship>> rels = package.Relationships(sheet.part);
    if (!rels) return std::unexpected(rels.error());
    std::vector<const Relationship*> drawings;
    for (const Relationship& rel : *rels) {
        if (!rel.external && RelTypeIs(rel.type, "drawing")) drawings.push_back(&rel);
    }
    if (drawings.empty()) return std::optional<std::string>{};
    const Relationship* chosen = drawings.front();
    if (drawings.size() > 1) {
        Result<pugi::xml_document*> doc = Load(sheet.part);
        if (!doc) return std::unexpected(doc.error());
        pugi::xml_node element = Child((*doc)->document_element(), "drawing");
        std::string_view id = FindAttribute(element, rel_ns, "id").value();
        auto match = std::find_if(drawings.begin(), drawings.end(),
                                  [&](const Relationship* rel) { return rel->id == id; });
        if (match == drawings.end()) return std::optional<std::string>{};
        chosen = *match;
    }
    std::string part = Package::ResolveTarget(sheet.part, chosen->target);
    if (!package.HasPart(part)) {
        return InvalidRequest(fmt::format("sheet '{}' refers to a drawing part {} that is missing",
                                          sheet.name, part));
    }
    return part;
}

Result<std::vector<ChartPlacement>> Workbook::Impl::ChartPlacements() {
    Result<std::vector<SheetEntry>> sheets = SheetEntries();
    if (!sheets) return std::unexpected(sheets.error());
    std::vector<ChartPlacement> placements;
    for (const SheetEntry& sheet : *sheets) {
        if (sheet.kind != "worksheet" && sheet.kind != "chartsheet") continue;
        Result<std::optional<std::string>> drawing = DrawingPart(sheet);
        if (!drawing) return std::unexpected(drawing.error());
        if (!*drawing) continue;
        Result<pugi::xml_document*> doc = Load(**drawing);
        if (!doc) return std::unexpected(doc.error());
        pugi::xml_node root = (*doc)->document_element();
        if (LocalName(root) != "wsDr" || !IsDrawingNamespace(NamespaceOf(root))) {
            return InvalidRequest(fmt::format("the part {} is not a drawing", **drawing));
        }
        Result<std::vector<Relationship>> rels = package.Relationships(**drawing);
        if (!rels) return std::unexpected(rels.error());
        for (pugi::xml_node anchor : root.children()) {
            if (!IsAnchor(anchor)) continue;
            std::optional<FrameChart> frame = ChartInAnchor(anchor);
            if (!frame) continue;
            auto rel = std::find_if(rels->begin(), rels->end(), [&](const Relationship& r) {
                return r.id == frame->rel_id && !r.external;
            });
            if (rel == rels->end()) continue;  // a dangling chart shows nothing
            placements.push_back({frame->name, sheet, **drawing, anchor, frame->rel_id,
                                  Package::ResolveTarget(**drawing, rel->target)});
        }
    }
    return placements;
}

std::string Workbook::Impl::RelIdPrefix(pugi::xml_node root) {
    std::optional<std::string> prefix = ooxml::PrefixFor(root, rel_ns);
    if (prefix && !prefix->empty()) return *prefix;
    std::string fresh = "r";
    for (int n = 1; root.attribute(fmt::format("xmlns:{}", fresh).c_str()); ++n) {
        fresh = fmt::format("r{}", n);
    }
    root.append_attribute(fmt::format("xmlns:{}", fresh).c_str()).set_value(rel_ns.c_str());
    return fresh;
}

Result<std::string> Workbook::Impl::EnsureDrawing(const SheetEntry& sheet) {
    Result<std::optional<std::string>> existing = DrawingPart(sheet);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return **existing;

    Result<pugi::xml_document*> doc = Load(sheet.part);
    if (!doc) return std::unexpected(doc.error());
    Result<std::vector<Relationship>> rels = package.Relationships(sheet.part);
    if (!rels) return std::unexpected(rels.error());
    std::string folder = workbook_part.substr(0, workbook_part.rfind('/') + 1);
    std::string part;
    for (int n = 1; part.empty() || package.HasPart(part); ++n) {
        part = fmt::format("{}drawings/drawing{}.xml", folder, n);
    }
    package.WritePart(part, NewDrawingXml(sml_ns == ns::kSpreadsheetStrict));
    package.SetContentTypeOverride(part, kDrawingType);
    std::string rel_id = FreshRelId(*rels);
    rels->push_back({rel_id, rel_base + "drawing", RelativeTarget(sheet.part, part)});
    package.SetRelationships(sheet.part, *rels);

    pugi::xml_node root = (*doc)->document_element();
    pugi::xml_node element = ChildOrInsert(root, "drawing", kWorksheetOrder);
    std::string attr = fmt::format("{}:id", RelIdPrefix(root));
    SetAttr(element, attr.c_str(), rel_id);
    MarkDirty(sheet.part);
    return part;
}

Status Workbook::Impl::DropDrawingIfEmpty(const SheetEntry& sheet,
                                          const std::string& drawing_part) {
    Result<pugi::xml_document*> drawing = Load(drawing_part);
    if (!drawing) return std::unexpected(drawing.error());
    if (HasAnchors((*drawing)->document_element())) return {};
    Result<pugi::xml_document*> doc = Load(sheet.part);
    if (!doc) return std::unexpected(doc.error());
    Result<std::vector<Relationship>> rels = package.Relationships(sheet.part);
    if (!rels) return std::unexpected(rels.error());

    pugi::xml_node root = (*doc)->document_element();
    pugi::xml_node element = Child(root, "drawing");
    std::string id = FindAttribute(element, rel_ns, "id").value();
    std::erase_if(*rels, [&](const Relationship& rel) { return rel.id == id; });
    package.SetRelationships(sheet.part, *rels);
    if (element) root.remove_child(element);
    MarkDirty(sheet.part);
    parts.erase(drawing_part);
    package.RemovePart(RelsPartName(drawing_part));
    package.RemovePart(drawing_part);
    return {};
}

Status Workbook::Impl::MoveChartTo(const ChartPlacement& placement, const SheetEntry& target,
                                   const CellRange& area) {
    Result<std::string> drawing = EnsureDrawing(target);
    if (!drawing) return std::unexpected(drawing.error());
    Result<pugi::xml_document*> doc = Load(*drawing);
    if (!doc) return std::unexpected(doc.error());
    Result<std::vector<Relationship>> target_rels = package.Relationships(*drawing);
    if (!target_rels) return std::unexpected(target_rels.error());
    Result<std::vector<Relationship>> source_rels = package.Relationships(placement.drawing_part);
    if (!source_rels) return std::unexpected(source_rels.error());

    pugi::xml_node root = (*doc)->document_element();
    std::string rel_id = FreshRelId(*target_rels);
    target_rels->push_back(
        {rel_id, rel_base + "chart", RelativeTarget(*drawing, placement.chart_part)});
    package.SetRelationships(*drawing, *target_rels);
    std::erase_if(*source_rels,
                  [&](const Relationship& rel) { return rel.id == placement.rel_id; });
    package.SetRelationships(placement.drawing_part, *source_rels);

    const int shape_id = NextShapeId(root);
    pugi::xml_node moved = root.append_copy(placement.anchor);
    CarryNamespaces(placement.anchor.parent(), root, moved);
    SetShapeId(moved, shape_id);
    SetChartRelId(moved, rel_id);
    SetAnchorCells(moved, area);
    placement.anchor.parent().remove_child(placement.anchor);
    MarkDirty(*drawing);
    MarkDirty(placement.drawing_part);
    return DropDrawingIfEmpty(placement.sheet, placement.drawing_part);
}

// Excel writes a style and a colour part for each chart it saves (chartN.xml with styleN.xml
// and colorsN.xml); they go with the chart unless another chart part links them too.
Status Workbook::Impl::RemoveChartPart(const std::string& chart_part) {
    Result<std::vector<Relationship>> rels = package.Relationships(chart_part);
    if (!rels) return std::unexpected(rels.error());
    std::vector<std::string> own_parts;
    for (const Relationship& rel : *rels) {
        if (rel.external) continue;
        std::string part = Package::ResolveTarget(chart_part, rel.target);
        std::optional<std::string> type = package.ContentType(part);
        if (type == kChartStyleType || type == kChartColorStyleType) own_parts.push_back(part);
    }
    for (const std::string& other : package.PartNames()) {
        if (other == chart_part || package.ContentType(other) != kChartType) continue;
        Result<std::vector<Relationship>> other_rels = package.Relationships(other);
        if (!other_rels) return std::unexpected(other_rels.error());
        for (const Relationship& rel : *other_rels) {
            std::string part = Package::ResolveTarget(other, rel.target);
            std::erase_if(own_parts, [&](const std::string& own) { return own == part; });
        }
    }
    for (const std::string& part : own_parts) package.RemovePart(part);
    package.RemovePart(RelsPartName(chart_part));
    package.RemovePart(chart_part);
    return {};
}

Status Workbook::Impl::PlaceChart(const SheetEntry& sheet, const CellRange& area,
                                  const std::string& name, const chart::ChartSpec& spec) {
    std::string folder = workbook_part.substr(0, workbook_part.rfind('/') + 1);
    std::string chart_part;
    for (int n = 1; chart_part.empty() || package.HasPart(chart_part); ++n) {
        chart_part = fmt::format("{}charts/chart{}.xml", folder, n);
    }
    Result<std::string> drawing = EnsureDrawing(sheet);
    if (!drawing) return std::unexpected(drawing.error());
    Result<std::vector<Relationship>> rels = package.Relationships(*drawing);
    if (!rels) return std::unexpected(rels.error());
    Result<pugi::xml_document*> doc = Load(*drawing);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node root = (*doc)->document_element();
    std::string rel_id = FreshRelId(*rels);
    auto anchor =
        ooxml::ParseXml(NewAnchorXml(root, area, name, NextShapeId(root), rel_id), *drawing);
    if (!anchor) return std::unexpected(anchor.error());

    const bool strict = sml_ns == ns::kSpreadsheetStrict;
    package.WritePart(chart_part,
                      chart::ChartPartXml(spec, strict ? chart::Conformance::kStrict
                                                       : chart::Conformance::kTransitional));
    package.SetContentTypeOverride(chart_part, kChartType);
    rels->push_back({rel_id, rel_base + "chart", RelativeTarget(*drawing, chart_part)});
    package.SetRelationships(*drawing, *rels);
    pugi::xml_node placed = root.append_copy((*anchor)->document_element());
    // The anchor or the drawing already binds a:, so the graphic's own declaration is redundant.
    ForEachElement(placed, [](pugi::xml_node node) {
        if (LocalName(node) == "graphic") node.remove_attribute("xmlns:a");
    });
    MarkDirty(*drawing);
    return {};
}

Result<std::string> Workbook::Impl::CellDateFormat(std::string_view sheet, CellRef at) {
    Result<SheetEntry> entry = FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = Load(entry->part);
    if (!doc) return std::unexpected(doc.error());
    const int xf = IntAttr(SheetWriter(**doc).FindCell(at), "s", 0);
    Result<bool> dated = IsDateStyle(xf);
    if (!dated) return std::unexpected(dated.error());
    if (!*dated) return std::string{};
    Result<pugi::xml_node> styles = StyleSheet();
    if (!styles) return std::unexpected(styles.error());
    const int id = IntAttr(NthElementChild(Child(*styles, "cellXfs"), "xf", xf), "numFmtId", 0);
    for (pugi::xml_node format : Child(*styles, "numFmts").children()) {
        if (LocalName(format) == "numFmt" && IntAttr(format, "numFmtId", -1) == id) {
            return std::string(format.attribute("formatCode").value());
        }
    }
    return std::string(BuiltinDateFormatCode(id));
}

// Taking the last anchor out of a drawing edits the sheet part too (DropDrawingIfEmpty); it is
// parsed first so that a sheet that cannot be read fails the call before anything changes.
Status Workbook::Impl::PrepareToRemoveAnchor(const ChartPlacement& placement) {
    pugi::xml_node root = placement.anchor.parent();
    for (pugi::xml_node child : root.children()) {
        if (child.type() == pugi::node_element && child != placement.anchor) return {};
    }
    Result<pugi::xml_document*> sheet = Load(placement.sheet.part);
    if (!sheet) return std::unexpected(sheet.error());
    return {};
}

// ---- Workbook ----------------------------------------------------------------------------------

Result<std::vector<ChartInfo>> Workbook::Charts() const {
    Result<std::vector<ChartPlacement>> placements = impl_->ChartPlacements();
    if (!placements) return std::unexpected(placements.error());
    std::vector<ChartInfo> charts;
    for (const ChartPlacement& placement : *placements) {
        ChartInfo info;
        info.name = placement.name;
        info.sheet = placement.sheet.name;
        info.anchor = placement.sheet.kind == "chartsheet" ? "" : AnchorRange(placement.anchor);
        // A broken chart part hides only its own details, not the workbook's other charts.
        Result<std::string> xml = impl_->package.ReadPart(placement.chart_part);
        Result<chart::ChartSummary> summary =
            xml ? chart::ReadChartPart(*xml, placement.chart_part)
                : Result<chart::ChartSummary>(std::unexpected(xml.error()));
        if (summary) {
            info.type = summary->type;
            info.title = summary->title;
            for (const chart::SeriesSummary& series : summary->series) {
                info.series.push_back(series.values_ref);
            }
        }
        charts.push_back(std::move(info));
    }
    return charts;
}

Result<ChartInfo> Workbook::AddChart(std::string_view sheet, const chart::ChartSpec& spec,
                                     std::string_view anchor, std::string_view name) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<CellRange> area = ParseAnchor(anchor, {kDefaultChartColumns, kDefaultChartRows});
    if (!area) return std::unexpected(area.error());
    Result<std::vector<SheetEntry>> sheets = impl_->SheetEntries();
    if (!sheets) return std::unexpected(sheets.error());

    // Everything is checked, and the cells cached, before the package changes.
    CellSource read;
    read.values = [this](const std::string& on,
                         const CellRange& range) -> Result<std::vector<CellValue>> {
        Result<RangeContent> content = ReadRange(on, RangeName(range), CellCount(range));
        if (!content) return std::unexpected(content.error());
        std::vector<CellValue> values;
        values.reserve(CellCount(range));
        for (const std::vector<CellContent>& row : content->rows) {
            for (const CellContent& cell : row) values.push_back(cell.value);
        }
        return values;
    };
    read.date_format = [this](const std::string& on, CellRef at) {
        return impl_->CellDateFormat(on, at);
    };
    Result<chart::ChartSpec> resolved = ResolveSpec(spec, entry->name, *sheets, read);
    if (!resolved) return std::unexpected(resolved.error());
    Result<std::vector<ChartPlacement>> placements = impl_->ChartPlacements();
    if (!placements) return std::unexpected(placements.error());
    Result<std::string> chart_name = PickChartName(name, *placements);
    if (!chart_name) return std::unexpected(chart_name.error());

    if (Status placed = impl_->PlaceChart(*entry, *area, *chart_name, *resolved); !placed) {
        return Propagate(placed);
    }
    return DescribeChart(*chart_name, entry->name, RangeName(*area), *resolved);
}

Result<ChartInfo> Workbook::MoveChart(std::string_view name, std::string_view sheet,
                                      std::string_view anchor, std::string_view from_sheet) {
    Result<std::vector<ChartPlacement>> placements = impl_->ChartPlacements();
    if (!placements) return std::unexpected(placements.error());
    Result<const ChartPlacement*> found = FindChartToChange(*placements, name, from_sheet);
    if (!found) return std::unexpected(found.error());
    const ChartPlacement placement = **found;
    if (placement.sheet.kind == "chartsheet") {
        return InvalidRequest(fmt::format("chart '{}' fills chartsheet '{}' and cannot be moved",
                                          placement.name, placement.sheet.name));
    }
    Result<SheetEntry> target = impl_->FindWorksheet(sheet);
    if (!target) return std::unexpected(target.error());
    Result<CellRange> area = ParseAnchor(anchor, CellSize(placement.anchor));
    if (!area) return std::unexpected(area.error());
    Result<std::string> xml = impl_->package.ReadPart(placement.chart_part);
    if (!xml) return std::unexpected(xml.error());
    Result<chart::ChartSummary> summary = chart::ReadChartPart(*xml, placement.chart_part);
    if (!summary) return std::unexpected(summary.error());

    if (target->part == placement.sheet.part) {
        SetAnchorCells(placement.anchor, *area);
        impl_->MarkDirty(placement.drawing_part);
    } else {
        if (Status ready = impl_->PrepareToRemoveAnchor(placement); !ready) return Propagate(ready);
        if (Status moved = impl_->MoveChartTo(placement, *target, *area); !moved) {
            return Propagate(moved);
        }
    }
    return SummaryInfo(placement.name, target->name, RangeName(*area), *summary);
}

Status Workbook::DeleteChart(std::string_view name, std::string_view from_sheet) {
    Result<std::vector<ChartPlacement>> placements = impl_->ChartPlacements();
    if (!placements) return std::unexpected(placements.error());
    Result<const ChartPlacement*> found = FindChartToChange(*placements, name, from_sheet);
    if (!found) return std::unexpected(found.error());
    const ChartPlacement placement = **found;
    if (placement.sheet.kind == "chartsheet") {
        return InvalidRequest(
            fmt::format("chart '{}' is chartsheet '{}' itself; delete the sheet to remove it",
                        placement.name, placement.sheet.name));
    }
    if (Status ready = impl_->PrepareToRemoveAnchor(placement); !ready) return ready;
    const bool shared =
        std::count_if(placements->begin(), placements->end(), [&](const ChartPlacement& other) {
            return other.chart_part == placement.chart_part;
        }) > 1;
    Package& package = impl_->package;
    Result<std::vector<Relationship>> rels = package.Relationships(placement.drawing_part);
    if (!rels) return std::unexpected(rels.error());

    std::erase_if(*rels, [&](const Relationship& rel) { return rel.id == placement.rel_id; });
    package.SetRelationships(placement.drawing_part, *rels);
    placement.anchor.parent().remove_child(placement.anchor);
    impl_->MarkDirty(placement.drawing_part);
    if (!shared) {
        if (Status removed = impl_->RemoveChartPart(placement.chart_part); !removed) return removed;
    }
    return impl_->DropDrawingIfEmpty(placement.sheet, placement.drawing_part);
}

}  // namespace quire::xlsx
