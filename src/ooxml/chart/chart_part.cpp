#include "ooxml/chart/chart_part.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "common/utf8.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::chart {
namespace {

using ooxml::EscapeXml;
using ooxml::LocalName;
using ooxml::NamespaceOf;

struct Namespaces {
    std::string_view chart;
    std::string_view drawing;
    std::string_view relationships;
};

constexpr Namespaces kTransitional = {
    kChartNamespace, "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships"};
constexpr Namespaces kStrict = {kChartNamespaceStrict, "http://purl.oclc.org/ooxml/drawingml/main",
                                "http://purl.oclc.org/ooxml/officeDocument/relationships"};

const Namespaces& NamespacesFor(Conformance conformance) {
    return conformance == Conformance::kStrict ? kStrict : kTransitional;
}

// Any unsigned ids do, as long as each axis names the other as its crossAx (§21.2.2.32).
constexpr std::string_view kCategoryAxisId = "500000001";
constexpr std::string_view kValueAxisId = "500000002";

constexpr std::array<std::pair<ChartType, std::string_view>, 7> kTypeNames = {{
    {ChartType::kColumn, "column"},
    {ChartType::kBar, "bar"},
    {ChartType::kLine, "line"},
    {ChartType::kArea, "area"},
    {ChartType::kPie, "pie"},
    {ChartType::kDoughnut, "doughnut"},
    {ChartType::kScatter, "scatter"},
}};

// ---- Writing -----------------------------------------------------------------------------------

std::string Val(std::string_view element, std::string_view value) {
    return fmt::format("<c:{} val=\"{}\"/>", element, value);
}

// A title or axis title as rich text (§21.2.2.210). A vertical axis title is turned to read
// upwards, as Excel draws it.
std::string TitleXml(std::string_view text, bool rotated) {
    std::string body = rotated ? "<a:bodyPr rot=\"-5400000\" vert=\"horz\"/>" : "<a:bodyPr/>";
    return fmt::format(
        "<c:title><c:tx><c:rich>{}<a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{}</a:t>"
        "</a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title>",
        body, EscapeXml(text));
}

std::string StringCacheXml(const std::vector<std::string>& texts) {
    std::string out = fmt::format("<c:strCache><c:ptCount val=\"{}\"/>", texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        out += fmt::format("<c:pt idx=\"{}\"><c:v>{}</c:v></c:pt>", i, EscapeXml(texts[i]));
    }
    return out + "</c:strCache>";
}

std::string NumberCacheXml(const std::vector<std::optional<double>>& values,
                           std::string_view format_code = "General") {
    std::string out =
        fmt::format("<c:numCache><c:formatCode>{}</c:formatCode><c:ptCount val=\"{}\"/>",
                    EscapeXml(format_code), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i]) out += fmt::format("<c:pt idx=\"{}\"><c:v>{}</c:v></c:pt>", i, *values[i]);
    }
    return out + "</c:numCache>";
}

std::string SeriesNameXml(const SeriesSpec& series) {
    if (!series.name_ref.empty()) {
        std::vector<std::string> cache;
        if (!series.name_cache.empty()) cache.push_back(series.name_cache);
        return fmt::format("<c:tx><c:strRef><c:f>{}</c:f>{}</c:strRef></c:tx>",
                           EscapeXml(series.name_ref), StringCacheXml(cache));
    }
    if (series.name.empty()) return {};
    return fmt::format("<c:tx><c:v>{}</c:v></c:tx>", EscapeXml(series.name));
}

std::string_view CategoryFormat(const SeriesSpec& series) {
    if (!series.numeric_categories || series.category_format_code.empty()) return "General";
    return series.category_format_code;
}

// Categories are text (strRef) unless the caller knows them to be numbers; a cache of texts is
// parsed back into numbers for a numRef.
std::string CategoriesXml(const SeriesSpec& series, std::string_view element) {
    if (series.categories_ref.empty()) return {};
    std::string f = EscapeXml(series.categories_ref);
    if (!series.numeric_categories) {
        return fmt::format(
            "<c:{0}><c:strRef><c:f>{1}</c:f>{2}</c:strRef></c:{0}>", element, f,
            series.category_cache.empty() ? std::string{} : StringCacheXml(series.category_cache));
    }
    std::vector<std::optional<double>> numbers;
    for (const std::string& text : series.category_cache) {
        char* end = nullptr;
        double number = std::strtod(text.c_str(), &end);
        numbers.push_back(end != text.c_str() && *end == '\0' ? std::optional(number)
                                                              : std::nullopt);
    }
    return fmt::format(
        "<c:{0}><c:numRef><c:f>{1}</c:f>{2}</c:numRef></c:{0}>", element, f,
        numbers.empty() ? std::string{} : NumberCacheXml(numbers, CategoryFormat(series)));
}

std::string ValuesXml(const SeriesSpec& series, std::string_view element) {
    return fmt::format(
        "<c:{0}><c:numRef><c:f>{1}</c:f>{2}</c:numRef></c:{0}>", element,
        EscapeXml(series.values_ref),
        series.value_cache.empty() ? std::string{} : NumberCacheXml(series.value_cache));
}

// Ten colours that stay apart from one another on white and in print.
constexpr std::array<std::string_view, 10> kPalette = {
    "2E5EAA", "E8743B", "3A9D5D", "C8313E", "7D5BA6",
    "F2B134", "1B9AAA", "8C564B", "D9539F", "6B7280",
};

std::string SolidFill(std::string_view rgb) {
    return fmt::format("<a:solidFill><a:srgbClr val=\"{}\"/></a:solidFill>", rgb);
}

// A filled shape (bar, area, slice) with a thin white edge between neighbours.
std::string FilledShapeXml(std::string_view rgb) {
    return fmt::format("<c:spPr>{}<a:ln w=\"9525\">{}</a:ln></c:spPr>", SolidFill(rgb),
                       SolidFill("FFFFFF"));
}

std::string LineShapeXml(std::string_view rgb) {
    return fmt::format("<c:spPr><a:ln w=\"28575\" cap=\"rnd\">{}<a:round/></a:ln></c:spPr>",
                       SolidFill(rgb));
}

// One c:dPt per point of a pie or doughnut series (§21.2.2.52), each slice its own colour.
std::string SlicePointsXml(const SeriesSpec& series) {
    std::size_t points = std::max(series.value_cache.size(), series.category_cache.size());
    std::string out;
    for (std::size_t i = 0; i < points; ++i) {
        out += fmt::format("<c:dPt>{}{}{}</c:dPt>", Val("idx", std::to_string(i)),
                           Val("bubble3D", "0"), FilledShapeXml(SeriesColor(i)));
    }
    return out;
}

// One c:ser, its children in the order of the series type of `type` (§21.2.2.168 ff.).
std::string SeriesXml(ChartType type, const SeriesSpec& series, std::size_t index) {
    std::string out = fmt::format("<c:ser>{}{}{}", Val("idx", std::to_string(index)),
                                  Val("order", std::to_string(index)), SeriesNameXml(series));
    switch (type) {
        case ChartType::kColumn:
        case ChartType::kBar:
            out += FilledShapeXml(SeriesColor(index)) + Val("invertIfNegative", "0");
            out += CategoriesXml(series, "cat") + ValuesXml(series, "val");
            break;
        case ChartType::kLine:
            out += LineShapeXml(SeriesColor(index));
            out += "<c:marker><c:symbol val=\"none\"/></c:marker>";
            out += CategoriesXml(series, "cat") + ValuesXml(series, "val");
            out += Val("smooth", "0");
            break;
        case ChartType::kArea:
            out += FilledShapeXml(SeriesColor(index));
            out += CategoriesXml(series, "cat") + ValuesXml(series, "val");
            break;
        case ChartType::kPie:
        case ChartType::kDoughnut:
            out += FilledShapeXml(SeriesColor(index)) + SlicePointsXml(series);
            out += CategoriesXml(series, "cat") + ValuesXml(series, "val");
            break;
        case ChartType::kScatter:
            // Markers only: a scatter plot of measurements is not a line through them.
            out += "<c:spPr><a:ln w=\"19050\"><a:noFill/></a:ln></c:spPr>";
            out += fmt::format(
                "<c:marker><c:symbol val=\"circle\"/><c:size val=\"5\"/><c:spPr>{0}"
                "<a:ln w=\"9525\">{0}</a:ln></c:spPr></c:marker>",
                SolidFill(SeriesColor(index)));
            out += CategoriesXml(series, "xVal") + ValuesXml(series, "yVal");
            out += Val("smooth", "0");
            break;
    }
    return out + "</c:ser>";
}

std::string DataLabelsXml(const ChartSpec& spec) {
    if (!spec.data_labels) return {};
    return "<c:dLbls><c:showLegendKey val=\"0\"/><c:showVal val=\"1\"/><c:showCatName val=\"0\"/>"
           "<c:showSerName val=\"0\"/><c:showPercent val=\"0\"/><c:showBubbleSize val=\"0\"/>"
           "</c:dLbls>";
}

std::string AllSeriesXml(const ChartSpec& spec) {
    std::string out;
    for (std::size_t i = 0; i < spec.series.size(); ++i) {
        out += SeriesXml(spec.type, spec.series[i], i);
    }
    return out;
}

std::string AxisIdsXml() { return Val("axId", kCategoryAxisId) + Val("axId", kValueAxisId); }

// The plot element of the chart type, children in schema order.
std::string PlotXml(const ChartSpec& spec) {
    const std::string series = AllSeriesXml(spec);
    const std::string labels = DataLabelsXml(spec);
    switch (spec.type) {
        case ChartType::kColumn:
        case ChartType::kBar:
            return fmt::format("<c:barChart>{}{}{}{}{}{}{}</c:barChart>",
                               Val("barDir", spec.type == ChartType::kBar ? "bar" : "col"),
                               Val("grouping", "clustered"), Val("varyColors", "0"), series, labels,
                               Val("gapWidth", "150"), AxisIdsXml());
        case ChartType::kLine:
            return fmt::format("<c:lineChart>{}{}{}{}{}{}</c:lineChart>",
                               Val("grouping", "standard"), Val("varyColors", "0"), series, labels,
                               Val("marker", "1"), AxisIdsXml());
        case ChartType::kArea:
            return fmt::format("<c:areaChart>{}{}{}{}{}</c:areaChart>", Val("grouping", "standard"),
                               Val("varyColors", "0"), series, labels, AxisIdsXml());
        case ChartType::kPie:
            return fmt::format("<c:pieChart>{}{}{}{}</c:pieChart>", Val("varyColors", "1"), series,
                               labels, Val("firstSliceAng", "0"));
        case ChartType::kDoughnut:
            return fmt::format("<c:doughnutChart>{}{}{}{}{}</c:doughnutChart>",
                               Val("varyColors", "1"), series, labels, Val("firstSliceAng", "0"),
                               Val("holeSize", "50"));
        case ChartType::kScatter:
            return fmt::format("<c:scatterChart>{}{}{}{}{}</c:scatterChart>",
                               Val("scatterStyle", "lineMarker"), Val("varyColors", "0"), series,
                               labels, AxisIdsXml());
    }
    return {};
}

// One axis (§21.2.2.25 catAx, §21.2.2.226 valAx); `category` picks catAx over valAx.
std::string AxisXml(bool category, std::string_view id, std::string_view cross_id,
                    std::string_view position, std::string_view title, bool gridlines,
                    std::string_view format_code = "General") {
    std::string out = fmt::format("<c:{}>", category ? "catAx" : "valAx");
    out += Val("axId", id);
    out += "<c:scaling><c:orientation val=\"minMax\"/></c:scaling>";
    out += Val("delete", "0") + Val("axPos", position);
    if (gridlines) out += "<c:majorGridlines/>";
    if (!title.empty()) out += TitleXml(title, position == "l" || position == "r");
    out += fmt::format("<c:numFmt formatCode=\"{}\" sourceLinked=\"1\"/>", EscapeXml(format_code));
    // Category labels sit at the low end of the value axis: beside the axis line they would be
    // drawn across the plot wherever values go below zero.
    out += Val("majorTickMark", "out") + Val("minorTickMark", "none") +
           Val("tickLblPos", category ? "low" : "nextTo");
    out += Val("crossAx", cross_id) + Val("crosses", "autoZero");
    if (category) {
        out += Val("auto", "1") + Val("lblAlgn", "ctr") + Val("lblOffset", "100") +
               Val("noMultiLvlLbl", "0");
    } else {
        out += Val("crossBetween", "between");
    }
    return out + fmt::format("</c:{}>", category ? "catAx" : "valAx");
}

// Horizontal bars swap the axes' places: categories on the left, values along the bottom.
std::string AxesXml(const ChartSpec& spec) {
    if (!HasAxes(spec.type)) return {};
    const bool horizontal = spec.type == ChartType::kBar;
    const bool scatter = spec.type == ChartType::kScatter;
    // The categories' own format (dates, say) labels the category or x axis.
    std::string x_axis = AxisXml(!scatter, kCategoryAxisId, kValueAxisId, horizontal ? "l" : "b",
                                 spec.x_axis_title, false, CategoryFormat(spec.series.front()));
    std::string y_axis = AxisXml(false, kValueAxisId, kCategoryAxisId, horizontal ? "b" : "l",
                                 spec.y_axis_title, true);
    return x_axis + y_axis;
}

std::string LegendXml(LegendPosition position) {
    std::string_view pos;
    switch (position) {
        case LegendPosition::kNone:
            return {};
        case LegendPosition::kRight:
            pos = "r";
            break;
        case LegendPosition::kLeft:
            pos = "l";
            break;
        case LegendPosition::kTop:
            pos = "t";
            break;
        case LegendPosition::kBottom:
            pos = "b";
            break;
    }
    return fmt::format("<c:legend>{}{}</c:legend>", Val("legendPos", pos), Val("overlay", "0"));
}

// ---- Reading -----------------------------------------------------------------------------------

bool IsChartNamespace(std::string_view uri) {
    return uri == kChartNamespace || uri == kChartNamespaceStrict;
}

pugi::xml_node ChartChild(const pugi::xml_node& parent, std::string_view local) {
    for (pugi::xml_node child : parent.children()) {
        if (child.type() == pugi::node_element && LocalName(child) == local &&
            IsChartNamespace(NamespaceOf(child))) {
            return child;
        }
    }
    return {};
}

std::string ElementText(const pugi::xml_node& node) {
    std::string text;
    for (pugi::xml_node child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            text += child.value();
        }
    }
    return text;
}

// The text of every a:t below `node`, paragraphs joined by a space.
std::string RichText(const pugi::xml_node& rich) {
    std::string text;
    for (pugi::xml_node p : rich.children()) {
        if (p.type() != pugi::node_element || LocalName(p) != "p") continue;
        std::string paragraph;
        for (pugi::xml_node run : p.children()) {
            if (LocalName(run) != "r" && LocalName(run) != "fld") continue;
            for (pugi::xml_node t : run.children()) {
                if (LocalName(t) == "t") paragraph += ElementText(t);
            }
        }
        if (!text.empty() && !paragraph.empty()) text += ' ';
        text += paragraph;
    }
    return text;
}

// The first cached point of a strRef/numRef (a name or title reference shows its one cell).
std::string FirstCachedText(const pugi::xml_node& ref) {
    for (std::string_view cache : {"strCache", "numCache"}) {
        pugi::xml_node pt = ChartChild(ChartChild(ref, cache), "pt");
        if (pt) return ElementText(ChartChild(pt, "v"));
    }
    return {};
}

// c:tx of a title or series: (rich | strRef | v).
void ReadText(const pugi::xml_node& tx, std::string& text, std::string* ref) {
    if (pugi::xml_node rich = ChartChild(tx, "rich")) {
        text = RichText(rich);
    } else if (pugi::xml_node str_ref = ChartChild(tx, "strRef")) {
        text = FirstCachedText(str_ref);
        if (ref != nullptr) *ref = ElementText(ChartChild(str_ref, "f"));
    } else if (pugi::xml_node v = ChartChild(tx, "v")) {
        text = ElementText(v);
    }
}

// The c:f of a data source (cat, val, xVal, yVal): numRef, strRef or multiLvlStrRef.
std::string SourceFormula(const pugi::xml_node& source) {
    for (std::string_view kind : {"numRef", "strRef", "multiLvlStrRef"}) {
        if (pugi::xml_node ref = ChartChild(source, kind)) {
            return ElementText(ChartChild(ref, "f"));
        }
    }
    return {};
}

SeriesSummary ReadSeries(const pugi::xml_node& ser) {
    SeriesSummary summary;
    ReadText(ChartChild(ser, "tx"), summary.name, &summary.name_ref);
    pugi::xml_node categories = ChartChild(ser, "cat");
    if (!categories) categories = ChartChild(ser, "xVal");
    summary.categories_ref = SourceFormula(categories);
    pugi::xml_node values = ChartChild(ser, "val");
    if (!values) values = ChartChild(ser, "yVal");
    summary.values_ref = SourceFormula(values);
    return summary;
}

std::string PlotType(const pugi::xml_node& plot) {
    std::string_view local = LocalName(plot);
    if (local == "barChart" || local == "bar3DChart") {
        pugi::xml_node dir = ChartChild(plot, "barDir");
        return std::string_view(dir.attribute("val").value()) == "bar" ? "bar" : "column";
    }
    std::string_view base = local.substr(0, local.size() - std::string_view("Chart").size());
    if (base.ends_with("3D")) base.remove_suffix(2);
    return std::string(base);
}

bool IsPlotElement(const pugi::xml_node& node) {
    std::string_view local = LocalName(node);
    return node.type() == pugi::node_element && local.size() > 5 && local.ends_with("Chart") &&
           IsChartNamespace(NamespaceOf(node));
}

}  // namespace

std::optional<ChartType> ParseChartType(std::string_view name) {
    for (const auto& [type, type_name] : kTypeNames) {
        if (type_name == name) return type;
    }
    return std::nullopt;
}

std::string_view ChartTypeName(ChartType type) {
    for (const auto& [candidate, name] : kTypeNames) {
        if (candidate == type) return name;
    }
    return {};
}

std::string_view SeriesColor(std::size_t n) { return kPalette[n % kPalette.size()]; }

bool HasAxes(ChartType type) { return type != ChartType::kPie && type != ChartType::kDoughnut; }

std::optional<LegendPosition> ParseLegendPosition(std::string_view name) {
    if (name == "right") return LegendPosition::kRight;
    if (name == "left") return LegendPosition::kLeft;
    if (name == "top") return LegendPosition::kTop;
    if (name == "bottom") return LegendPosition::kBottom;
    if (name == "none") return LegendPosition::kNone;
    return std::nullopt;
}

Status ValidateChartSpec(const ChartSpec& spec) {
    if (spec.series.empty()) return InvalidRequest("a chart needs at least one series");
    if (spec.type == ChartType::kPie && spec.series.size() > 1) {
        return InvalidRequest(
            "a pie chart shows one series; use a doughnut, column or bar chart for several");
    }
    for (std::string_view text : {spec.title, spec.x_axis_title, spec.y_axis_title}) {
        if (!IsValidUtf8(text)) return InvalidRequest("chart titles must be valid UTF-8 text");
    }
    for (std::size_t i = 0; i < spec.series.size(); ++i) {
        const SeriesSpec& series = spec.series[i];
        if (series.values_ref.empty()) {
            return InvalidRequest(fmt::format("series[{}] needs a values reference", i));
        }
        if (!IsValidUtf8(series.name) || !IsValidUtf8(series.name_cache)) {
            return InvalidRequest(fmt::format("series[{}]: the name must be valid UTF-8", i));
        }
    }
    return {};
}

std::string ChartPartXml(const ChartSpec& spec, Conformance conformance) {
    const Namespaces& uris = NamespacesFor(conformance);
    std::string title = spec.title.empty()
                            ? Val("autoTitleDeleted", "1")
                            : TitleXml(spec.title, false) + Val("autoTitleDeleted", "0");
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<c:chartSpace xmlns:c=\"{}\" xmlns:a=\"{}\" xmlns:r=\"{}\">{}{}{}<c:chart>{}"
        "<c:plotArea><c:layout/>{}{}</c:plotArea>{}{}{}</c:chart></c:chartSpace>",
        uris.chart, uris.drawing, uris.relationships, Val("date1904", "0"), Val("lang", "en-US"),
        Val("roundedCorners", "0"), title, PlotXml(spec), AxesXml(spec), LegendXml(spec.legend),
        Val("plotVisOnly", "1"), Val("dispBlanksAs", "gap"));
}

Result<ChartSummary> ReadChartPart(std::string_view xml, std::string_view part_name) {
    auto doc = ooxml::ParseXml(xml, part_name);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node root = (*doc)->document_element();
    if (LocalName(root) != "chartSpace" || !IsChartNamespace(NamespaceOf(root))) {
        return InvalidRequest(fmt::format("the part {} is not a chart", part_name));
    }
    ChartSummary summary;
    pugi::xml_node chart = ChartChild(root, "chart");
    ReadText(ChartChild(ChartChild(chart, "title"), "tx"), summary.title, nullptr);
    for (pugi::xml_node plot : ChartChild(chart, "plotArea").children()) {
        if (!IsPlotElement(plot)) continue;
        if (summary.type.empty()) summary.type = PlotType(plot);
        for (pugi::xml_node ser : plot.children()) {
            if (LocalName(ser) == "ser" && IsChartNamespace(NamespaceOf(ser))) {
                summary.series.push_back(ReadSeries(ser));
            }
        }
    }
    return summary;
}

std::string ChartGraphicXml(std::string_view rel_id, Conformance conformance) {
    const Namespaces& uris = NamespacesFor(conformance);
    return fmt::format(
        "<a:graphic xmlns:a=\"{0}\"><a:graphicData uri=\"{1}\"><c:chart xmlns:c=\"{1}\" "
        "xmlns:r=\"{2}\" r:id=\"{3}\"/></a:graphicData></a:graphic>",
        uris.drawing, uris.chart, uris.relationships, EscapeXml(rel_id));
}

}  // namespace quire::chart
