// The outline: the agent's small map of a workbook. Its size depends on how many sheets, tables,
// charts and names there are, never on how many cells: sheet parts are scanned, not parsed.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include <cstdlib>
#include <set>

#include "common/utf8.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxOutlineColumns = 30;
constexpr std::size_t kMaxHeaderLength = 40;
constexpr std::size_t kMaxListed = 25;  // tables, charts or names per sheet

// Character data as a scan returns it, with XML's predefined and numeric entities decoded.
std::string DecodeEntities(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::size_t semi = raw[i] == '&' ? raw.find(';', i) : std::string_view::npos;
        if (semi == std::string_view::npos || semi - i > 10) {
            out += raw[i];
            continue;
        }
        std::string_view entity = raw.substr(i + 1, semi - i - 1);
        if (entity == "amp")
            out += '&';
        else if (entity == "lt")
            out += '<';
        else if (entity == "gt")
            out += '>';
        else if (entity == "quot")
            out += '"';
        else if (entity == "apos")
            out += '\'';
        else if (entity.starts_with("#")) {
            bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
            long code = std::strtol(std::string(entity.substr(hex ? 2 : 1)).c_str(), nullptr,
                                    hex ? 16 : 10);
            AppendUtf8(out, static_cast<char32_t>(code));
        } else {
            out.append(raw.substr(i, semi - i + 1));
        }
        i = semi;
    }
    return out;
}

// At most `limit` code points of well-formed UTF-8 text, with "…" when cut.
std::string Shorten(std::string_view text, std::size_t limit) {
    std::size_t i = 0;
    for (std::size_t n = 0; i < text.size() && n < limit; ++n) {
        std::size_t length = Utf8SequenceLength(text, i);
        i += length == 0 ? 1 : length;
    }
    return i >= text.size() ? std::string(text) : std::string(text.substr(0, i)) + "…";
}

bool IsTextType(std::string_view type) {
    return type == "s" || type == "inlineStr" || type == "str";
}

// The first row is taken for a header when it has two or more cells, all text, and the row
// right below it has a cell that is not: a list of words alone, or a title over a form, is no
// header.
bool LooksLikeHeader(const SheetCensus& census) {
    if (census.head.size() < 2 || census.head[0].size() < 2) return false;
    if (census.head[1].front().ref.row != census.head[0].front().ref.row + 1) return false;
    for (const auto& cell : census.head[0]) {
        if (!IsTextType(cell.type)) return false;
    }
    for (const auto& cell : census.head[1]) {
        if (!IsTextType(cell.type)) return true;
    }
    return false;
}

// A few words on how a sheet prints when that is not portrait at 100 %: "landscape, 1 page
// wide", "80%"; "" for the default.
std::string PrintSummary(const SheetCensus::Print& print) {
    std::vector<std::string> words;
    if (print.orientation == "landscape") words.emplace_back("landscape");
    auto pages = [](int count, std::string_view way) {
        return fmt::format("{} page{} {}", count, count == 1 ? "" : "s", way);
    };
    if (print.fit_to_page) {
        if (print.fit_to_width > 0) words.push_back(pages(print.fit_to_width, "wide"));
        if (print.fit_to_height > 0) words.push_back(pages(print.fit_to_height, "tall"));
    } else if (print.scale > 0 && print.scale != 100) {
        words.push_back(fmt::format("{}%", print.scale));
    }
    return fmt::format("{}", fmt::join(words, ", "));
}

}  // namespace

Result<json::object> Workbook::Impl::SheetOutline(const SheetEntry& entry) {
    json::object sheet{{"name", entry.name}, {"kind", entry.kind}, {"state", entry.state}};
    if (entry.kind != "worksheet" || !package.HasPart(entry.part)) return sheet;
    Result<std::string> xml = package.ReadPart(entry.part);
    if (!xml) return std::unexpected(xml.error());
    auto parsed = parts.find(entry.part);
    if (parsed != parts.end() && parsed->second.dirty)
        *xml = ooxml::SerializeXml(*parsed->second.doc);

    sheet["dimension"] = ScanDimension(*xml);
    SheetCensus census = ScanSheet(*xml, 2);
    sheet["formulas"] = census.formulas;
    sheet["merged_ranges"] = census.merged_ranges;
    // Only what the sheet has: most have none of these.
    for (auto [key, count] : {std::pair{"validations", census.validations},
                              std::pair{"conditional_formats", census.conditional_formats},
                              std::pair{"hyperlinks", census.hyperlinks}}) {
        if (count > 0) sheet[key] = count;
    }
    if (std::string print = PrintSummary(census.print); !print.empty()) sheet["print"] = print;
    if (!LooksLikeHeader(census)) return sheet;

    sheet["header_row"] = census.head[0].front().ref.row;
    json::array columns;
    for (const auto& cell : census.head[0]) {
        if (columns.size() == kMaxOutlineColumns) break;
        std::string text = DecodeEntities(cell.value);
        if (cell.type == "s") {
            Result<std::string> shared = SharedStringText(std::atoi(text.c_str()));
            if (!shared) return std::unexpected(shared.error());
            text = std::move(*shared);
        } else {
            text = DecodeXstring(text);
        }
        columns.push_back(json::object{{"column", ColumnName(cell.ref.col)},
                                       {"header", Shorten(text, kMaxHeaderLength)}});
    }
    sheet["columns"] = std::move(columns);
    return sheet;
}

namespace {

// Appends `item` to the list under `key`, or counts it in "more_KEY" once the list is full.
void AddCapped(json::object& sheet, std::string_view key, json::value item) {
    json::array& list = sheet[key].is_array() ? sheet[key].get_array() : sheet[key].emplace_array();
    if (list.size() < kMaxListed) {
        list.push_back(std::move(item));
        return;
    }
    std::string more = "more_" + std::string(key);
    sheet[more] = (sheet.contains(more) ? sheet[more].to_number<int>() : 0) + 1;
}

json::object* FindSheetObject(json::array& sheets, std::string_view name) {
    for (json::value& sheet : sheets) {
        if (EqualsIgnoreCase(sheet.at("name").as_string(), name)) return &sheet.as_object();
    }
    return nullptr;
}

}  // namespace

Result<std::string> Workbook::OutlineJson() const {
    Result<std::vector<SheetEntry>> entries = impl_->SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    json::array sheets;
    for (const SheetEntry& entry : *entries) {
        Result<json::object> sheet = impl_->SheetOutline(entry);
        if (!sheet) return std::unexpected(sheet.error());
        sheets.push_back(std::move(*sheet));
    }

    Result<std::vector<TableInfo>> tables = Tables();
    if (!tables) return std::unexpected(tables.error());
    for (const TableInfo& table : *tables) {
        if (json::object* sheet = FindSheetObject(sheets, table.sheet)) {
            AddCapped(*sheet, "tables", json::object{{"name", table.name}, {"range", table.range}});
        }
    }
    Result<std::vector<ChartInfo>> charts = Charts();
    if (!charts) return std::unexpected(charts.error());
    for (const ChartInfo& chart : *charts) {
        json::array series(chart.series.begin(), chart.series.end());
        json::object item{{"name", chart.name},
                          {"type", chart.type},
                          {"anchor", chart.anchor},
                          {"series", std::move(series)}};
        if (!chart.title.empty()) item["title"] = chart.title;
        if (json::object* sheet = FindSheetObject(sheets, chart.sheet)) {
            AddCapped(*sheet, "charts", std::move(item));
        }
    }

    // A defined name is listed under every sheet its formula names, and at the top when it
    // names none (a constant, a table column); Excel's own names (_xlnm.Print_Area,
    // _xlnm._FilterDatabase) are left out.
    json::object outline;
    for (pugi::xml_node name : Child(impl_->WorkbookRoot(), "definedNames").children()) {
        std::string_view text = name.attribute("name").value();
        if (name.type() != pugi::node_element || text.starts_with("_xlnm.")) continue;
        std::set<std::string> named;
        for (const FormulaToken& token : FormulaTokens(NodeText(name))) {
            if (token.kind != FormulaToken::Kind::kSheet ||
                !named.insert(AsciiLower(token.text)).second)
                continue;
            if (json::object* sheet = FindSheetObject(sheets, token.text)) {
                AddCapped(*sheet, "names", json::value(text));
            }
        }
        if (named.empty()) AddCapped(outline, "names", json::value(text));
    }

    outline["sheets"] = std::move(sheets);
    if (Uses1904Dates()) outline["date_system"] = 1904;
    return json::serialize(outline);
}

}  // namespace quire::xlsx
