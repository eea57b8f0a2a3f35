#pragma once

// DrawingML charts (ECMA-376 Part 1, §21.2): writing a chart part from a small description and
// reading the gist of an existing one back. This library knows chart parts only; where a chart
// sits (a worksheet drawing, a chartsheet, a Word or slide graphic frame) and what its
// references point at is the business of the document engine that uses it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::chart {

// The content type of a chart part and the relationship type that links one to its drawing.
inline constexpr std::string_view kChartContentType =
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml";
inline constexpr std::string_view kChartRelType =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart";
// The graphicData uri of a graphic frame that holds a chart.
inline constexpr std::string_view kChartNamespace =
    "http://schemas.openxmlformats.org/drawingml/2006/chart";
inline constexpr std::string_view kChartNamespaceStrict =
    "http://purl.oclc.org/ooxml/drawingml/chart";

// Which namespaces a written part uses: those of ECMA-376 transitional documents, or those of
// strict ones (Part 1 conformance class "strict"), to match the package it goes into.
enum class Conformance { kTransitional, kStrict };

// The chart types Quire writes. Column and bar share the bar chart element (vertical and
// horizontal bars); doughnut is a pie with a hole; scatter plots numbers against numbers.
enum class ChartType { kColumn, kBar, kLine, kArea, kPie, kDoughnut, kScatter };

// "column", "bar", "line", "area", "pie", "doughnut", "scatter"; nullopt for anything else.
std::optional<ChartType> ParseChartType(std::string_view name);
std::string_view ChartTypeName(ChartType type);

// Pie and doughnut charts have no axes.
bool HasAxes(ChartType type);

enum class LegendPosition { kNone, kRight, kLeft, kTop, kBottom };

// "right", "left", "top", "bottom", "none"; nullopt for anything else.
std::optional<LegendPosition> ParseLegendPosition(std::string_view name);

// One series. References are formula text as a chart stores it ("Data!$B$2:$B$13", no '='); the
// caller has checked that they point at something. Caches are optional: a reader that does not
// recalculate (openpyxl, a viewer) shows them until the application refreshes the chart.
struct SeriesSpec {
    std::string name;            // a literal name; used when name_ref is empty
    std::string name_ref;        // a reference to the one cell holding the name, or ""
    std::string name_cache;      // the text in that cell, if known
    std::string categories_ref;  // category labels (x values for scatter), or "" for 1, 2, 3...
    std::vector<std::string> category_cache;         // their texts, if known
    bool numeric_categories = false;                 // write them as numbers (numRef), e.g. years
    std::string values_ref;                          // required
    std::vector<std::optional<double>> value_cache;  // nullopt for a blank or text cell
    // The number format of numeric categories, such as "yyyy-mm-dd" for dates; "" for General.
    // It goes into the category cache and onto the category axis (linked to the source), so that
    // a reader shows dates rather than serial numbers.
    std::string category_format_code;
};

// A whole chart.
struct ChartSpec {
    ChartType type = ChartType::kColumn;
    std::string title;         // "" for none
    std::string x_axis_title;  // ignored for pie and doughnut
    std::string y_axis_title;
    LegendPosition legend = LegendPosition::kRight;
    bool data_labels = false;
    std::vector<SeriesSpec> series;
};

// kInvalidRequest naming what is wrong: no series, a series without values, text that is not
// valid UTF-8, or a doughnut/pie whose series count the type cannot show (a pie shows one).
[[nodiscard]] Status ValidateChartSpec(const ChartSpec& spec);

// The chart part (c:chartSpace) for a valid spec, with an XML declaration. Charts with axes get
// a category (or, for scatter, a second value) axis and a value axis with fixed ids; every text
// passes through ooxml::EscapeXml. Every series has explicit colours from SeriesColor (a solid
// fill for bars, areas and slices, a line for line and scatter series; one per point of a pie or
// doughnut), so the chart draws the same with or without a theme in the package.
std::string ChartPartXml(const ChartSpec& spec,
                         Conformance conformance = Conformance::kTransitional);

// The RGB hex colour ("1F77B4") of the n-th series (or pie slice) of a written chart, from a
// fixed palette of ten that repeats.
std::string_view SeriesColor(std::size_t n);

// What a chart part says about itself, for listings.
struct SeriesSummary {
    std::string name;  // the literal name or the cached text of name_ref
    std::string name_ref;
    std::string categories_ref;
    std::string values_ref;
};

struct ChartSummary {
    // The first plot's type: one of ChartTypeName's names, or "radar", "bubble", "stock",
    // "surface", "ofPie" for types Quire does not write.
    std::string type;
    std::string title;  // the rich text, or the cached text of a title reference; "" for none
    std::vector<SeriesSummary> series;  // of every plot, in document order
};

// Reads a chart part (transitional or strict namespaces, any prefixes). kInvalidRequest naming
// `part_name` when it is not well-formed XML or its root is no c:chartSpace.
[[nodiscard]] Result<ChartSummary> ReadChartPart(std::string_view xml, std::string_view part_name);

// The a:graphic element of a graphic frame showing the chart linked by relationship `rel_id`,
// declaring the a:, c: and r: prefixes it uses.
std::string ChartGraphicXml(std::string_view rel_id,
                            Conformance conformance = Conformance::kTransitional);

}  // namespace quire::chart
