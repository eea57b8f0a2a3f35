#include "ooxml/chart/chart_part.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "shared_dir.hpp"

namespace quire::chart {
namespace {

using ooxml::LocalName;

ChartSpec TwoSeries(ChartType type) {
    ChartSpec spec;
    spec.type = type;
    spec.title = "Sales by month";
    spec.series = {
        {"North",
         "",
         "",
         "Data!$A$2:$A$4",
         {"Jan", "Feb", "Mar"},
         false,
         "Data!$B$2:$B$4",
         {1.5, 2, std::nullopt}},
        {"", "Data!$C$1", "South", "Data!$A$2:$A$4", {}, false, "Data!$C$2:$C$4", {}},
    };
    return spec;
}

std::unique_ptr<pugi::xml_document> Parse(const std::string& xml) {
    auto doc = ooxml::ParseXml(xml, "chart1.xml");
    EXPECT_TRUE(doc) << doc.error().message;
    return doc ? std::move(*doc) : std::make_unique<pugi::xml_document>();
}

// Local names of every element, for checking what was written.
std::multiset<std::string> ElementNames(const pugi::xml_document& doc) {
    std::multiset<std::string> names;
    struct Walker : pugi::xml_tree_walker {
        std::multiset<std::string>* out;
        bool for_each(pugi::xml_node& node) override {
            if (node.type() == pugi::node_element) out->insert(std::string(LocalName(node)));
            return true;
        }
    } walker;
    walker.out = &names;
    const_cast<pugi::xml_document&>(doc).traverse(walker);
    return names;
}

std::string ReadCorpusPart(std::string_view file, std::string_view part) {
    std::ifstream in(test_support::SharedDir() / "corpus" / file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    Result<ooxml::Package> package = ooxml::Package::Open(std::move(bytes));
    EXPECT_TRUE(package) << file;
    if (!package) return {};
    Result<std::string> text = package->ReadPart(part);
    EXPECT_TRUE(text) << part;
    return text ? *text : std::string{};
}

TEST(ChartPart, EveryTypeReadsBackWithItsTypeTitleAndReferences) {
    for (ChartType type : {ChartType::kColumn, ChartType::kBar, ChartType::kLine, ChartType::kArea,
                           ChartType::kDoughnut, ChartType::kScatter}) {
        SCOPED_TRACE(std::string(ChartTypeName(type)));
        Result<ChartSummary> summary = ReadChartPart(ChartPartXml(TwoSeries(type)), "chart1.xml");
        ASSERT_TRUE(summary) << summary.error().message;
        EXPECT_EQ(summary->type, ChartTypeName(type));
        EXPECT_EQ(summary->title, "Sales by month");
        ASSERT_EQ(summary->series.size(), 2u);
        EXPECT_EQ(summary->series[0].name, "North");
        EXPECT_EQ(summary->series[0].values_ref, "Data!$B$2:$B$4");
        EXPECT_EQ(summary->series[0].categories_ref, "Data!$A$2:$A$4");
        EXPECT_EQ(summary->series[1].name, "South");
        EXPECT_EQ(summary->series[1].name_ref, "Data!$C$1");
        EXPECT_EQ(summary->series[1].values_ref, "Data!$C$2:$C$4");
    }
}

TEST(ChartPart, AxesNameEachOtherAndPiesHaveNone) {
    auto doc = Parse(ChartPartXml(TwoSeries(ChartType::kLine)));
    std::multiset<std::string> names = ElementNames(*doc);
    EXPECT_EQ(names.count("catAx"), 1u);
    EXPECT_EQ(names.count("valAx"), 1u);
    EXPECT_EQ(names.count("axId"), 4u);  // two in the plot, one per axis
    EXPECT_EQ(names.count("crossAx"), 2u);

    ChartSpec pie = TwoSeries(ChartType::kPie);
    pie.series.resize(1);
    auto pie_doc = Parse(ChartPartXml(pie));
    std::multiset<std::string> pie_names = ElementNames(*pie_doc);
    EXPECT_EQ(pie_names.count("pieChart"), 1u);
    EXPECT_EQ(pie_names.count("axId"), 0u);
    EXPECT_EQ(pie_names.count("catAx"), 0u);
}

TEST(ChartPart, CategoryLabelsStayBelowThePlotWhenValuesGoNegative) {
    // Labels placed beside the category axis were drawn on the zero line, inside the plot.
    auto doc = Parse(ChartPartXml(TwoSeries(ChartType::kLine)));
    pugi::xml_node plot = doc->child("c:chartSpace").child("c:chart").child("c:plotArea");
    EXPECT_STREQ(plot.child("c:catAx").child("c:tickLblPos").attribute("val").value(), "low");
    EXPECT_STREQ(plot.child("c:valAx").child("c:tickLblPos").attribute("val").value(), "nextTo");
}

TEST(ChartPart, ScatterHasTwoValueAxesAndXYValues) {
    auto doc = Parse(ChartPartXml(TwoSeries(ChartType::kScatter)));
    std::multiset<std::string> names = ElementNames(*doc);
    EXPECT_EQ(names.count("valAx"), 2u);
    EXPECT_EQ(names.count("catAx"), 0u);
    EXPECT_EQ(names.count("xVal"), 2u);
    EXPECT_EQ(names.count("yVal"), 2u);
}

TEST(ChartPart, BarChartsPutCategoriesOnTheLeft) {
    std::string column = ChartPartXml(TwoSeries(ChartType::kColumn));
    std::string bar = ChartPartXml(TwoSeries(ChartType::kBar));
    EXPECT_NE(column.find("<c:barDir val=\"col\"/>"), std::string::npos);
    EXPECT_NE(bar.find("<c:barDir val=\"bar\"/>"), std::string::npos);
    EXPECT_NE(bar.find("<c:catAx><c:axId val=\"500000001\"/><c:scaling><c:orientation "
                       "val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/>"),
              std::string::npos);
}

TEST(ChartPart, NoTitleMarksTheAutomaticTitleDeleted) {
    ChartSpec spec = TwoSeries(ChartType::kColumn);
    spec.title.clear();
    std::string xml = ChartPartXml(spec);
    EXPECT_NE(xml.find("<c:autoTitleDeleted val=\"1\"/>"), std::string::npos);
    Result<ChartSummary> summary = ReadChartPart(xml, "chart1.xml");
    ASSERT_TRUE(summary);
    EXPECT_EQ(summary->title, "");
    EXPECT_NE(ChartPartXml(TwoSeries(ChartType::kColumn)).find("<c:autoTitleDeleted val=\"0\"/>"),
              std::string::npos);
}

TEST(ChartPart, LegendDataLabelsAndAxisTitlesFollowTheSpec) {
    ChartSpec spec = TwoSeries(ChartType::kColumn);
    spec.legend = LegendPosition::kNone;
    spec.data_labels = true;
    spec.x_axis_title = "Month";
    spec.y_axis_title = "Units";
    auto doc = Parse(ChartPartXml(spec));
    std::multiset<std::string> names = ElementNames(*doc);
    EXPECT_EQ(names.count("legend"), 0u);
    EXPECT_EQ(names.count("dLbls"), 1u);
    EXPECT_EQ(names.count("title"), 3u);

    spec.legend = LegendPosition::kBottom;
    spec.data_labels = false;
    std::string xml = ChartPartXml(spec);
    EXPECT_NE(xml.find("<c:legendPos val=\"b\"/>"), std::string::npos);
    EXPECT_EQ(xml.find("dLbls"), std::string::npos);
    EXPECT_NE(xml.find("<a:bodyPr rot=\"-5400000\" vert=\"horz\"/>"), std::string::npos)
        << "the value axis title reads upwards";
}

TEST(ChartPart, CachesHoldValuesAndSkipBlanks) {
    std::string xml = ChartPartXml(TwoSeries(ChartType::kColumn));
    EXPECT_NE(xml.find("<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val=\"3\"/>"
                       "<c:pt idx=\"0\"><c:v>1.5</c:v></c:pt><c:pt idx=\"1\"><c:v>2</c:v></c:pt>"
                       "</c:numCache>"),
              std::string::npos);
    EXPECT_NE(xml.find("<c:pt idx=\"2\"><c:v>Mar</c:v></c:pt>"), std::string::npos);
}

TEST(ChartPart, NumericCategoriesAreWrittenAsNumbers) {
    ChartSpec spec = TwoSeries(ChartType::kLine);
    spec.series[0].category_cache = {"2021", "2022", "x"};
    spec.series[0].numeric_categories = true;
    std::string xml = ChartPartXml(spec);
    EXPECT_NE(xml.find("<c:cat><c:numRef><c:f>Data!$A$2:$A$4</c:f><c:numCache>"),
              std::string::npos);
    EXPECT_NE(xml.find("<c:v>2022</c:v>"), std::string::npos);
}

TEST(ChartPart, TextIsEscaped) {
    ChartSpec spec = TwoSeries(ChartType::kColumn);
    spec.title = "Q1 <draft> & \"final\"";
    spec.series[0].values_ref = "'R&D'!$B$2:$B$4";
    std::string xml = ChartPartXml(spec);
    Result<ChartSummary> summary = ReadChartPart(xml, "chart1.xml");
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary->title, "Q1 <draft> & \"final\"");
    EXPECT_EQ(summary->series[0].values_ref, "'R&D'!$B$2:$B$4");
}

TEST(ChartPart, ValidationNamesTheProblem) {
    ChartSpec spec;
    Status empty = ValidateChartSpec(spec);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(empty.error().message.find("at least one series"), std::string::npos);

    spec = TwoSeries(ChartType::kPie);
    Status pie = ValidateChartSpec(spec);
    ASSERT_FALSE(pie);
    EXPECT_NE(pie.error().message.find("pie chart shows one series"), std::string::npos);

    spec = TwoSeries(ChartType::kColumn);
    spec.series[1].values_ref.clear();
    Status no_values = ValidateChartSpec(spec);
    ASSERT_FALSE(no_values);
    EXPECT_NE(no_values.error().message.find("series[1]"), std::string::npos);

    spec = TwoSeries(ChartType::kColumn);
    spec.title = "bad \xff text";
    EXPECT_FALSE(ValidateChartSpec(spec));
    EXPECT_TRUE(ValidateChartSpec(TwoSeries(ChartType::kDoughnut)));
}

TEST(ChartPart, TypeAndLegendNamesRoundTrip) {
    for (std::string_view name : {"column", "bar", "line", "area", "pie", "doughnut", "scatter"}) {
        std::optional<ChartType> type = ParseChartType(name);
        ASSERT_TRUE(type) << name;
        EXPECT_EQ(ChartTypeName(*type), name);
    }
    EXPECT_FALSE(ParseChartType("Column"));
    EXPECT_FALSE(ParseChartType("radar"));
    EXPECT_EQ(ParseLegendPosition("none"), LegendPosition::kNone);
    EXPECT_FALSE(ParseLegendPosition("middle"));
}

TEST(ChartPart, ReadsExcelBarChartsWithoutTitle) {
    std::string xml = ReadCorpusPart("xlsx/rxw-chart_bar14.xlsx", "xl/charts/chart1.xml");
    Result<ChartSummary> summary = ReadChartPart(xml, "xl/charts/chart1.xml");
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary->type, "bar");
    EXPECT_EQ(summary->title, "");
    ASSERT_EQ(summary->series.size(), 3u);
    EXPECT_EQ(summary->series[2].values_ref, "Sheet2!$C$1:$C$5");
    EXPECT_EQ(summary->series[2].categories_ref, "");
}

TEST(ChartPart, ReadsLiteralNamesAndQuotedSheetReferences) {
    std::string xml = ReadCorpusPart("xlsx/poi-simple-monthly-budget.xlsx", "xl/charts/chart1.xml");
    Result<ChartSummary> summary = ReadChartPart(xml, "xl/charts/chart1.xml");
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary->type, "column");
    ASSERT_EQ(summary->series.size(), 1u);
    EXPECT_EQ(summary->series[0].name, "ChartData");
    EXPECT_EQ(summary->series[0].values_ref, "'Simple Monthly Budget'!$E$9:$F$9");
    EXPECT_EQ(summary->series[0].categories_ref, "") << "the categories are a literal list";
}

TEST(ChartPart, ReadsRichTitlesAndReferencedSeriesNames) {
    std::string xml = ReadCorpusPart("xlsx/calamine-issue_530.xlsx", "xl/charts/chart1.xml");
    Result<ChartSummary> summary = ReadChartPart(xml, "xl/charts/chart1.xml");
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary->type, "pie");
    EXPECT_EQ(summary->title, "②出勤类型分布");
    ASSERT_FALSE(summary->series.empty());
    EXPECT_EQ(summary->series[0].name, "人数");
    EXPECT_EQ(summary->series[0].name_ref, "'每日报表 (2)'!$V$10");
}

TEST(ChartPart, RefusesPartsThatAreNoChart) {
    Result<ChartSummary> not_chart =
        ReadChartPart("<worksheet xmlns=\"urn:x\"/>", "xl/charts/chart9.xml");
    ASSERT_FALSE(not_chart);
    EXPECT_EQ(not_chart.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(not_chart.error().message.find("xl/charts/chart9.xml"), std::string::npos);
    EXPECT_FALSE(ReadChartPart("<c:chartSpace", "chart.xml"));
}

TEST(ChartPart, GraphicNamesTheRelationship) {
    auto doc = Parse(ChartGraphicXml("rId7"));
    pugi::xml_node chart = doc->document_element().first_child().first_child();
    EXPECT_EQ(LocalName(chart), "chart");
    EXPECT_EQ(ooxml::NamespaceOf(chart), kChartNamespace);
    EXPECT_STREQ(chart.attribute("r:id").value(), "rId7");
}

TEST(ChartPart, DateCategoriesCarryTheirFormatCodeInTheCacheAndOnTheAxis) {
    ChartSpec spec;
    spec.type = ChartType::kLine;
    SeriesSpec series;
    series.categories_ref = "Data!$A$2:$A$3";
    series.category_cache = {"45292", "45323"};
    series.numeric_categories = true;
    series.category_format_code = "yyyy-mm-dd";
    series.values_ref = "Data!$B$2:$B$3";
    series.value_cache = {1, 2};
    spec.series.push_back(series);
    const std::string xml = ChartPartXml(spec);
    EXPECT_NE(xml.find("<c:cat><c:numRef><c:f>Data!$A$2:$A$3</c:f><c:numCache><c:formatCode>"
                       "yyyy-mm-dd</c:formatCode>"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<c:catAx>"), std::string::npos);
    EXPECT_NE(xml.find("<c:numFmt formatCode=\"yyyy-mm-dd\" sourceLinked=\"1\"/>"),
              std::string::npos);
    EXPECT_NE(xml.find("<c:val><c:numRef><c:f>Data!$B$2:$B$3</c:f><c:numCache><c:formatCode>"
                       "General</c:formatCode>"),
              std::string::npos)
        << "the values keep the General format";
}

// Without explicit colours a chart in a package without a theme draws invisible series.
TEST(ChartPart, EverySeriesHasAnExplicitDistinctColourWithoutATheme) {
    for (ChartType type : {ChartType::kColumn, ChartType::kBar, ChartType::kArea, ChartType::kLine,
                           ChartType::kScatter, ChartType::kDoughnut}) {
        SCOPED_TRACE(std::string(ChartTypeName(type)));
        auto doc = Parse(ChartPartXml(TwoSeries(type)));
        std::vector<std::string> colours;
        for (pugi::xpath_node ser : doc->select_nodes("//c:ser")) {
            pugi::xml_node series = ser.node();
            std::string_view path = type == ChartType::kLine ? "c:spPr/a:ln/a:solidFill/a:srgbClr"
                                    : type == ChartType::kScatter
                                        ? "c:marker/c:spPr/a:solidFill/a:srgbClr"
                                        : "c:spPr/a:solidFill/a:srgbClr";
            pugi::xml_node colour = series.select_node(std::string(path).c_str()).node();
            ASSERT_TRUE(colour);
            colours.push_back(colour.attribute("val").value());
        }
        ASSERT_EQ(colours.size(), 2u);
        EXPECT_EQ(colours[0], SeriesColor(0));
        EXPECT_NE(colours[0], colours[1]);
        if (type == ChartType::kLine) {
            pugi::xml_node line = doc->select_node("//c:ser/c:spPr/a:ln").node();
            EXPECT_GT(line.attribute("w").as_int(), 0);
        }
    }
}

TEST(ChartPart, PieSlicesEachGetTheirOwnColour) {
    ChartSpec spec = TwoSeries(ChartType::kPie);
    spec.series.resize(1);
    auto doc = Parse(ChartPartXml(spec));
    pugi::xpath_node_set points = doc->select_nodes("//c:ser/c:dPt");
    ASSERT_EQ(points.size(), 3u) << "one point per category";
    std::set<std::string> colours;
    for (pugi::xpath_node point : points) {
        colours.insert(point.node()
                           .select_node("c:spPr/a:solidFill/a:srgbClr")
                           .node()
                           .attribute("val")
                           .value());
    }
    EXPECT_EQ(colours.size(), 3u);
    EXPECT_TRUE(doc->select_node("//c:pieChart/c:varyColors[@val='1']"));
    // dPt comes after spPr and before cat (§21.2.2.172).
    pugi::xml_node ser = doc->select_node("//c:ser").node();
    std::vector<std::string> order;
    for (pugi::xml_node child : ser.children()) order.push_back(child.name());
    auto at = [&](std::string_view name) {
        return std::find(order.begin(), order.end(), name) - order.begin();
    };
    EXPECT_LT(at("c:spPr"), at("c:dPt"));
    EXPECT_LT(at("c:dPt"), at("c:cat"));
}

}  // namespace
}  // namespace quire::chart
