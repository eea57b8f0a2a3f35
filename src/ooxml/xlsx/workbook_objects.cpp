// Tables, defined names, data validation, conditional formats, hyperlinks and notes.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

using ooxml::EscapeXml;
using ooxml::FindAttribute;
using ooxml::LocalName;
using ooxml::Package;
using ooxml::Relationship;

constexpr std::string_view kTableType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml";
constexpr std::string_view kCommentsType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
constexpr std::string_view kVmlType = "application/vnd.openxmlformats-officedocument.vmlDrawing";
constexpr std::string_view kDefaultTableStyle = "TableStyleMedium2";
constexpr std::string_view kDefaultAuthor = "Quire";

// Limits Excel enforces in its dialogs; files over them are repaired or refused on opening.
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxInlineList = 255;
constexpr std::size_t kMaxValidationMessage = 225;
constexpr std::size_t kMaxUrlLength = 2079;
constexpr std::size_t kMaxTooltip = 255;
constexpr std::size_t kMaxNoteText = 32767;

// ---- Names -------------------------------------------------------------------------------------

bool IsAsciiLetter(char32_t cp) { return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'); }
bool IsAsciiDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }

// "R", "C", "R1", "C5", "RC", "R2C3": names Excel reads as R1C1 references.
bool ReadsAsR1C1(std::string_view name) {
    std::size_t i = 0;
    auto digits = [&] {
        while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
    };
    if (i < name.size() && (name[i] == 'R' || name[i] == 'r')) {
        ++i;
        digits();
    }
    if (i < name.size() && (name[i] == 'C' || name[i] == 'c')) {
        ++i;
        digits();
    }
    return !name.empty() && i == name.size();
}

// Excel's rules for defined names and table names. Letters outside ASCII count as letters.
Status ValidateName(std::string_view name, std::string_view what) {
    if (name.empty()) return InvalidRequest(fmt::format("{} cannot be empty", what));
    std::optional<std::u32string> decoded = DecodeUtf8(name);
    if (!decoded) return InvalidRequest(fmt::format("{} must be valid UTF-8 text", what));
    if (decoded->size() > kMaxNameLength) {
        return InvalidRequest(fmt::format("{} can have at most 255 characters", what));
    }
    char32_t first = decoded->front();
    if (!IsAsciiLetter(first) && first != '_' && first != '\\' && first < 0x80) {
        return InvalidRequest(
            fmt::format("{} '{}' must start with a letter, '_' or '\\'", what, name));
    }
    for (char32_t cp : *decoded) {
        if (cp == ' ') {
            return InvalidRequest(fmt::format("{} '{}' cannot contain spaces", what, name));
        }
        bool allowed = IsAsciiLetter(cp) || IsAsciiDigit(cp) || cp == '_' || cp == '.' ||
                       cp == '\\' || cp >= 0x80;
        if (!allowed) {
            return InvalidRequest(fmt::format(
                "{} '{}' may hold only letters, digits, '_', '.' and '\\'", what, name));
        }
    }
    if (ParseCellRef(name) || ReadsAsR1C1(name)) {
        return InvalidRequest(
            fmt::format("{} '{}' reads as a cell reference; choose another", what, name));
    }
    return {};
}

// ---- Ranges ------------------------------------------------------------------------------------

bool Overlaps(const CellRange& a, const CellRange& b) {
    return a.first.col <= b.last.col && b.first.col <= a.last.col && a.first.row <= b.last.row &&
           b.first.row <= a.last.row;
}

// The parts of `a` outside `b`: up to four rectangles (above, below, left, right).
std::vector<CellRange> Subtract(const CellRange& a, const CellRange& b) {
    if (!Overlaps(a, b)) return {a};
    std::vector<CellRange> rest;
    if (a.first.row < b.first.row) rest.push_back({a.first, {a.last.col, b.first.row - 1}});
    if (a.last.row > b.last.row) rest.push_back({{a.first.col, b.last.row + 1}, a.last});
    const int top = std::max(a.first.row, b.first.row);
    const int bottom = std::min(a.last.row, b.last.row);
    if (a.first.col < b.first.col) rest.push_back({{a.first.col, top}, {b.first.col - 1, bottom}});
    if (a.last.col > b.last.col) rest.push_back({{b.last.col + 1, top}, {a.last.col, bottom}});
    return rest;
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = text.find(' ', i);
        if (end == std::string_view::npos) end = text.size();
        if (end > i) tokens.push_back(text.substr(i, end - i));
        i = end + 1;
    }
    return tokens;
}

// A list of ranges as an sqref holds them ("A1:A9 C3"); nullopt when a token is no range.
std::optional<std::vector<CellRange>> ParseSqref(std::string_view text) {
    std::vector<CellRange> ranges;
    for (std::string_view token : SplitSpaces(text)) {
        std::optional<CellRange> range = ParseRange(token);
        if (!range) return std::nullopt;
        ranges.push_back(*range);
    }
    if (ranges.empty()) return std::nullopt;
    return ranges;
}

Result<std::vector<CellRange>> RangesArgument(std::string_view text) {
    std::optional<std::vector<CellRange>> ranges = ParseSqref(text);
    if (!ranges) {
        return InvalidRequest(fmt::format(
            "'{}' is not a range like B2:B20 (several ranges are separated by spaces)", text));
    }
    return *ranges;
}

std::string SqrefName(const std::vector<CellRange>& ranges) {
    std::string out;
    for (const CellRange& range : ranges) {
        if (!out.empty()) out += ' ';
        out += RangeName(range);
    }
    return out;
}

std::string AbsoluteCell(CellRef ref) {
    return fmt::format("${}${}", ColumnName(ref.col), ref.row);
}

// A plain range ("A1:A9", "Lists!A1:A9") with every part anchored; anything else as it is. A
// validation formula is relative to the first cell of its range, so a relative list source
// would slide down with each cell.
std::string AnchorPlainRange(std::string_view formula) {
    std::size_t bang = formula.rfind('!');
    std::string_view prefix = bang == std::string_view::npos ? "" : formula.substr(0, bang + 1);
    std::string_view ref = formula.substr(prefix.size());
    std::optional<CellRange> range = ParseRange(ref);
    if (!range || ref.find('$') != std::string_view::npos) return std::string(formula);
    std::string anchored = AbsoluteCell(range->first);
    if (range->last != range->first) anchored += ":" + AbsoluteCell(range->last);
    return fmt::format("{}{}", prefix, anchored);
}

// ---- Arguments ---------------------------------------------------------------------------------

// A formula argument without its leading '=', checked for balance, as the file stores it.
Result<std::string> FormulaArgument(std::string_view text, std::string_view what) {
    if (text.starts_with('=')) text.remove_prefix(1);
    if (text.empty()) return InvalidRequest(fmt::format("{} is empty", what));
    if (!DecodeUtf8(text)) return InvalidRequest(fmt::format("{} must be valid UTF-8", what));
    if (std::string problem = FormulaSyntaxProblem(text); !problem.empty()) {
        return InvalidRequest(fmt::format("{}: {}", what, problem));
    }
    return AddFunctionPrefixes(text);
}

Status CheckText(std::string_view text, std::string_view what, std::size_t max_length) {
    std::optional<std::u32string> decoded = DecodeUtf8(text);
    if (!decoded) return InvalidRequest(fmt::format("{} must be valid UTF-8", what));
    if (Utf16Length(*decoded) > max_length) {
        return InvalidRequest(fmt::format("{} can have at most {} characters", what, max_length));
    }
    return {};
}

// "RRGGBB", "#RRGGBB" or "AARRGGBB" as the ARGB hex SpreadsheetML stores ("FFRRGGBB").
Result<std::string> ArgbColor(std::string_view color, std::string_view what) {
    if (color.starts_with('#')) color.remove_prefix(1);
    bool hex = std::all_of(color.begin(), color.end(),
                           [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
    if (!hex || (color.size() != 6 && color.size() != 8)) {
        return InvalidRequest(
            fmt::format("{} '{}' is not a colour like \"FF0000\" or \"#C6EFCE\"", what, color));
    }
    std::string argb = color.size() == 6 ? fmt::format("FF{}", color) : std::string(color);
    std::transform(argb.begin(), argb.end(), argb.begin(),
                   [](char ch) { return static_cast<char>(std::toupper(ch)); });
    return argb;
}

bool IsBuiltinTableStyle(std::string_view style) {
    auto numbered = [&](std::string_view stem, int last) {
        if (!style.starts_with(stem)) return false;
        std::string_view digits = style.substr(stem.size());
        if (digits.empty() || digits.size() > 2 || digits.front() == '0') return false;
        if (!std::all_of(digits.begin(), digits.end(),
                         [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
            return false;
        }
        int n = std::stoi(std::string(digits));
        return n >= 1 && n <= last;
    };
    return numbered("TableStyleLight", 21) || numbered("TableStyleMedium", 28) ||
           numbered("TableStyleDark", 11);
}

// An inline list as formula1 holds it: the values joined by commas in one string literal.
Result<std::string> InlineListFormula(const std::vector<std::string>& values) {
    std::string joined;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string& value = values[i];
        if (value.empty()) return InvalidRequest(fmt::format("values[{}] is empty", i));
        if (!DecodeUtf8(value)) {
            return InvalidRequest(fmt::format("values[{}] must be valid UTF-8", i));
        }
        if (value.find(',') != std::string::npos) {
            return InvalidRequest(fmt::format(
                "values[{}] contains a comma, which separates the values of an inline list; put "
                "the values in cells and pass their range as 'source'",
                i));
        }
        if (i > 0) joined += ',';
        joined += value;
    }
    std::size_t length = Utf16Length(*DecodeUtf8(joined));
    if (length > kMaxInlineList) {
        return InvalidRequest(fmt::format(
            "the inline list is {} characters long (values joined by commas) but Excel allows "
            "at most {}; put the values in cells and pass their range as 'source'",
            length, kMaxInlineList));
    }
    std::string quoted = "\"";
    for (char ch : joined) {
        quoted += ch;
        if (ch == '"') quoted += '"';
    }
    return quoted + "\"";
}

bool HasUrlScheme(std::string_view url) {
    std::size_t colon = url.find(':');
    if (colon == std::string_view::npos || colon < 2) return false;
    if (!IsAsciiLetter(static_cast<unsigned char>(url[0]))) return false;
    return std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-' || ch == '.';
    });
}

Status CheckUrl(std::string_view url) {
    if (Status text = CheckText(url, "'url'", kMaxUrlLength); !text) return text;
    if (!HasUrlScheme(url)) {
        return InvalidRequest(fmt::format(
            "'url' '{}' has no scheme; give a full address such as https://example.com or "
            "mailto:someone@example.com, or use 'location' for a place in the workbook",
            url));
    }
    for (char ch : url) {
        if (static_cast<unsigned char>(ch) < 0x20 || ch == ' ') {
            return InvalidRequest("'url' cannot contain spaces or control characters");
        }
    }
    // A click on these runs code or opens content the link itself carries, not an address.
    std::string scheme = AsciiLower(url.substr(0, url.find(':')));
    if (scheme == "javascript" || scheme == "vbscript" || scheme == "data") {
        return InvalidRequest(fmt::format(
            "'url' cannot use the {}: scheme; link to an address such as https://example.com",
            scheme));
    }
    return {};
}

// The sheet named by the front of a location ("'My Sheet'!A1" -> "My Sheet") and the rest.
std::optional<std::pair<std::string, std::string>> SplitLocation(std::string_view location) {
    if (location.starts_with('\'')) {
        std::string sheet;
        for (std::size_t i = 1; i < location.size(); ++i) {
            if (location[i] != '\'') {
                sheet += location[i];
                continue;
            }
            if (i + 1 < location.size() && location[i + 1] == '\'') {
                sheet += '\'';
                ++i;
                continue;
            }
            if (i + 1 < location.size() && location[i + 1] == '!') {
                return std::pair{sheet, std::string(location.substr(i + 2))};
            }
            return std::nullopt;
        }
        return std::nullopt;
    }
    std::size_t bang = location.find('!');
    if (bang == std::string_view::npos) return std::nullopt;
    return std::pair{std::string(location.substr(0, bang)), std::string(location.substr(bang + 1))};
}

// ---- XML ---------------------------------------------------------------------------------------

void SetCount(pugi::xml_node collection, std::string_view item) {
    SetAttr(collection, "count", std::to_string(CountElementChildren(collection, item)));
}

std::vector<pugi::xml_node> ElementChildren(const pugi::xml_node& parent, std::string_view local) {
    std::vector<pugi::xml_node> found;
    for (pugi::xml_node child : parent.children()) {
        if (child.type() == pugi::node_element && LocalName(child) == local) found.push_back(child);
    }
    return found;
}

int MaxCfPriority(const pugi::xml_node& worksheet) {
    int highest = 0;
    // Rules of the x14 extension carry priorities from the same sequence.
    ForEachElement(worksheet, [&](pugi::xml_node node) {
        if (LocalName(node) == "cfRule") highest = std::max(highest, IntAttr(node, "priority", 0));
    });
    return highest;
}

}  // namespace

// ---- Impl helpers ------------------------------------------------------------------------------

Result<std::optional<std::string>> Workbook::Impl::SheetRelatedPart(const std::string& sheet_part,
                                                                    std::string_view type) {
    Result<std::vector<Relationship>> rels = package.Relationships(sheet_part);
    if (!rels) return Propagate(rels);
    for (const Relationship& rel : *rels) {
        if (rel.external || !RelTypeIs(rel.type, type)) continue;
        std::string part = Package::ResolveTarget(sheet_part, rel.target);
        if (package.HasPart(part)) return part;
    }
    return std::optional<std::string>{};
}

Result<std::vector<TableInfo>> Workbook::Impl::SheetTables(const SheetEntry& sheet) {
    Result<std::vector<Relationship>> rels = package.Relationships(sheet.part);
    if (!rels) return Propagate(rels);
    auto is_table = [](const Relationship& rel) { return RelTypeIs(rel.type, "table"); };
    // A sheet without table relationships is not parsed at all: sheets can be large.
    if (std::none_of(rels->begin(), rels->end(), is_table)) return std::vector<TableInfo>{};
    Result<pugi::xml_document*> doc = Load(sheet.part);
    if (!doc) return Propagate(doc);

    std::vector<TableInfo> tables;
    pugi::xml_node parts_node = Child((*doc)->document_element(), "tableParts");
    for (pugi::xml_node table_part : ElementChildren(parts_node, "tablePart")) {
        std::string_view id = FindAttribute(table_part, rel_ns, "id").value();
        auto rel = std::find_if(rels->begin(), rels->end(),
                                [&](const Relationship& r) { return r.id == id && is_table(r); });
        if (rel == rels->end() || rel->external) continue;
        std::string part = Package::ResolveTarget(sheet.part, rel->target);
        if (!package.HasPart(part)) continue;
        Result<pugi::xml_document*> table_doc = Load(part);
        if (!table_doc) return Propagate(table_doc);
        pugi::xml_node table = (*table_doc)->document_element();
        TableInfo info;
        info.name = table.attribute("displayName") ? table.attribute("displayName").value()
                                                   : table.attribute("name").value();
        info.sheet = sheet.name;
        info.range = table.attribute("ref").value();
        info.style = Child(table, "tableStyleInfo").attribute("name").value();
        for (pugi::xml_node column : ElementChildren(Child(table, "tableColumns"), "tableColumn")) {
            info.columns.push_back(DecodeXstring(column.attribute("name").value()));
        }
        tables.push_back(std::move(info));
    }
    return tables;
}

Result<std::vector<TableInfo>> Workbook::Impl::AllTables() {
    Result<std::vector<SheetEntry>> entries = SheetEntries();
    if (!entries) return Propagate(entries);
    std::vector<TableInfo> all;
    for (const SheetEntry& entry : *entries) {
        if (entry.kind != "worksheet" || entry.part.empty() || !package.HasPart(entry.part)) {
            continue;
        }
        Result<std::vector<TableInfo>> tables = SheetTables(entry);
        if (!tables) return Propagate(tables);
        all.insert(all.end(), tables->begin(), tables->end());
    }
    return all;
}

Result<std::vector<DefinedNameInfo>> Workbook::Impl::ListDefinedNames() {
    Result<std::vector<SheetEntry>> entries = SheetEntries();
    if (!entries) return Propagate(entries);
    std::vector<DefinedNameInfo> names;
    for (pugi::xml_node node :
         ElementChildren(Child(WorkbookRoot(), "definedNames"), "definedName")) {
        DefinedNameInfo info;
        info.name = node.attribute("name").value();
        info.refers_to = RemoveFunctionPrefixes(NodeText(node));
        int local = IntAttr(node, "localSheetId", -1);
        if (local >= 0 && local < static_cast<int>(entries->size())) {
            info.sheet = (*entries)[local].name;
        }
        std::string_view hidden = node.attribute("hidden").value();
        info.hidden = hidden == "1" || hidden == "true";
        names.push_back(std::move(info));
    }
    return names;
}

Status Workbook::Impl::CheckObjectNameFree(std::string_view name) {
    Result<std::vector<TableInfo>> tables = AllTables();
    if (!tables) return Propagate(tables);
    for (const TableInfo& table : *tables) {
        if (EqualsIgnoreCase(table.name, name)) {
            return InvalidRequest(
                fmt::format("the workbook already has a table named '{}'", table.name));
        }
    }
    Result<std::vector<DefinedNameInfo>> names = ListDefinedNames();
    if (!names) return Propagate(names);
    for (const DefinedNameInfo& defined : *names) {
        if (EqualsIgnoreCase(defined.name, name)) {
            return InvalidRequest(
                fmt::format("the workbook already has a defined name '{}'", defined.name));
        }
    }
    return {};
}

Result<int> Workbook::Impl::NextTableId() {
    int highest = 0;
    for (const std::string& part : package.PartNames()) {
        if (package.ContentType(part) != kTableType) continue;
        Result<pugi::xml_document*> doc = Load(part);
        if (!doc) return Propagate(doc);
        highest = std::max(highest, IntAttr((*doc)->document_element(), "id", 0));
    }
    return highest + 1;
}

Result<int> Workbook::Impl::DifferentialFormat(std::string_view fill_rgb,
                                               std::string_view font_rgb) {
    Result<pugi::xml_node> sheet = StyleSheet();
    if (!sheet) return Propagate(sheet);
    pugi::xml_node dxfs = ChildOrInsert(*sheet, "dxfs", kStylesheetOrder);

    // CT_Dxf keeps font before fill (ECMA-376 Part 1, §18.8.17); a conditional fill is the
    // pattern's background colour.
    pugi::xml_document scratch;
    pugi::xml_node dxf = scratch.append_child(SiblingName(dxfs, "dxf").c_str());
    if (!font_rgb.empty()) {
        pugi::xml_node font = dxf.append_child(SiblingName(dxfs, "font").c_str());
        SetAttr(font.append_child(SiblingName(dxfs, "color").c_str()), "rgb", font_rgb);
    }
    if (!fill_rgb.empty()) {
        pugi::xml_node fill = dxf.append_child(SiblingName(dxfs, "fill").c_str());
        pugi::xml_node pattern = fill.append_child(SiblingName(dxfs, "patternFill").c_str());
        SetAttr(pattern.append_child(SiblingName(dxfs, "bgColor").c_str()), "rgb", fill_rgb);
    }
    int index = FindOrAppend(dxfs, "dxf", dxf);
    SetCount(dxfs, "dxf");
    MarkDirty(*styles_part);
    return index;
}

Result<std::vector<CellWrite>> Workbook::Impl::PrepareTexts(const std::vector<std::string>& texts) {
    std::vector<CellWrite> writes;
    for (const std::string& text : texts) {
        Result<CellWrite> write = Prepare(CellValue::Text(text), std::nullopt);
        if (!write) return Propagate(write);
        writes.push_back(std::move(*write));
    }
    return writes;
}

Status Workbook::Impl::WriteTexts(const SheetEntry& sheet, const std::vector<CellRef>& refs,
                                  const std::vector<CellWrite>& writes) {
    if (refs.empty()) return {};
    Result<pugi::xml_document*> doc = Load(sheet.part);
    if (!doc) return Propagate(doc);
    SheetWriter writer(**doc);
    bool formulas_replaced = false;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        pugi::xml_node cell = writer.Cell(writer.Row(refs[i].row), refs[i]);
        if (HasFormula(cell)) {
            DetachSharedFormula(writer, cell, refs[i]);
            formulas_replaced = true;
        }
        WriteCell(cell, writes[i]);
    }
    writer.UpdateDimension();
    MarkDirty(sheet.part);
    if (!formulas_replaced) return {};
    RequestFullCalc();
    return DropCalcChain();
}

std::string Workbook::Impl::RelIdAttrName(pugi::xml_node root) {
    std::optional<std::string> prefix = ooxml::PrefixFor(root, rel_ns);
    if (!prefix || prefix->empty()) {
        std::string fresh = "r";
        for (int n = 1; root.attribute(fmt::format("xmlns:{}", fresh).c_str()); ++n) {
            fresh = fmt::format("r{}", n);
        }
        root.append_attribute(fmt::format("xmlns:{}", fresh).c_str()).set_value(rel_ns.c_str());
        prefix = fresh;
    }
    return fmt::format("{}:id", *prefix);
}

std::string Workbook::Impl::FreshPartName(std::string_view folder, std::string_view stem,
                                          std::string_view extension) const {
    std::string_view base = std::string_view(workbook_part).substr(0, workbook_part.rfind('/') + 1);
    for (int n = 1;; ++n) {
        std::string part = fmt::format("{}{}{}{}{}", base, folder, stem, n, extension);
        if (!package.HasPart(part)) return part;
    }
}

Result<std::string> Workbook::Impl::AddPartRelationship(const std::string& source,
                                                        const std::string& target,
                                                        std::string_view type) {
    Result<std::vector<Relationship>> rels = package.Relationships(source);
    if (!rels) return Propagate(rels);
    std::string id = FreshRelId(*rels);
    rels->push_back({id, rel_base + std::string(type), RelativeTarget(source, target)});
    package.SetRelationships(source, *rels);
    return id;
}

// ---- Tables ------------------------------------------------------------------------------------

namespace {

// A header cell's text as a column name, and whether the cell must be rewritten to hold it.
std::pair<std::string, bool> HeaderText(const CellValue& value) {
    switch (value.kind) {
        case CellValue::Kind::kText:
            return {value.text, false};
        case CellValue::Kind::kNumber:
        case CellValue::Kind::kDate:
            return {FormatNumber(value.number), true};
        case CellValue::Kind::kBoolean:
            return {value.number != 0 ? "TRUE" : "FALSE", true};
        case CellValue::Kind::kFormula:
        case CellValue::Kind::kEmpty:
            return {"", true};
    }
    return {"", true};
}

// Column names as Excel makes them: blanks become "ColumnN", repeats (ignoring case) get the
// first free number ("Name2").
std::vector<std::string> UniqueColumnNames(std::vector<std::string> names) {
    std::set<std::string> taken;
    for (std::size_t j = 0; j < names.size(); ++j) {
        if (names[j].empty()) names[j] = fmt::format("Column{}", j + 1);
        std::string candidate = names[j];
        for (int n = 2; taken.contains(AsciiLower(candidate)); ++n) {
            candidate = fmt::format("{}{}", names[j], n);
        }
        names[j] = candidate;
        taken.insert(AsciiLower(candidate));
    }
    return names;
}

// Text for a double-quoted attribute written by hand. Line breaks and tabs become character
// references, since a parser turns literal ones into spaces (XML 1.0 §3.3.3).
std::string AttributeText(std::string_view text) {
    std::string out;
    for (char ch : EscapeXml(text)) {
        if (ch == '\n') {
            out += "&#10;";
        } else if (ch == '\r') {
            out += "&#13;";
        } else if (ch == '\t') {
            out += "&#9;";
        } else {
            out += ch;
        }
    }
    return out;
}

std::string TablePartXml(std::string_view sml_ns, int id, std::string_view name,
                         const std::string& ref, const std::vector<std::string>& columns,
                         std::string_view style) {
    std::string xml = fmt::format(
        "{}<table xmlns=\"{}\" id=\"{}\" name=\"{}\" displayName=\"{}\" ref=\"{}\" "
        "totalsRowShown=\"0\"><autoFilter ref=\"{}\"/><tableColumns count=\"{}\">",
        kXmlDeclaration, sml_ns, id, EscapeXml(name), EscapeXml(name), ref, ref, columns.size());
    for (std::size_t j = 0; j < columns.size(); ++j) {
        xml += fmt::format("<tableColumn id=\"{}\" name=\"{}\"/>", j + 1,
                           AttributeText(EncodeXstring(columns[j])));
    }
    xml += fmt::format(
        "</tableColumns><tableStyleInfo name=\"{}\" showFirstColumn=\"0\" showLastColumn=\"0\" "
        "showRowStripes=\"1\" showColumnStripes=\"0\"/></table>",
        EscapeXml(style));
    return xml;
}

}  // namespace

Result<std::vector<TableInfo>> Workbook::Tables() const { return impl_->AllTables(); }

Result<TableInfo> Workbook::AddTable(std::string_view sheet, std::string_view range_text,
                                     std::string_view name, std::string_view style) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return Propagate(entry);
    std::optional<CellRange> range = ParseRange(range_text);
    if (!range) return InvalidRequest(fmt::format("'{}' is not a range like A1:D20", range_text));
    if (range->last.row == range->first.row) {
        return InvalidRequest(
            fmt::format("range {} is one row; a table needs a header row and at least one data row",
                        RangeName(*range)));
    }
    std::string style_name = style.empty() ? std::string(kDefaultTableStyle) : std::string(style);
    if (Status known = impl_->CheckTableStyle(style_name); !known) return Propagate(known);

    Result<std::vector<TableInfo>> tables = impl_->AllTables();
    if (!tables) return Propagate(tables);
    Result<std::string> table_name = impl_->ChooseTableName(name, tables->size());
    if (!table_name) return Propagate(table_name);
    if (Status clear = impl_->CheckTableRangeFree(*entry, *range, *tables); !clear) {
        return Propagate(clear);
    }

    // Header names, and the header cells that must be rewritten to hold them.
    std::vector<std::string> raw;
    std::vector<bool> rewrite;
    for (int col = range->first.col; col <= range->last.col; ++col) {
        Result<CellValue> cell = GetCell(entry->name, CellName({col, range->first.row}));
        if (!cell) return Propagate(cell);
        auto [text, changed] = HeaderText(*cell);
        raw.push_back(text);
        rewrite.push_back(changed);
    }
    std::vector<std::string> columns = UniqueColumnNames(raw);
    std::vector<CellRef> refs;
    std::vector<std::string> texts;
    for (std::size_t j = 0; j < columns.size(); ++j) {
        if (!rewrite[j] && columns[j] == raw[j]) continue;
        refs.push_back({range->first.col + static_cast<int>(j), range->first.row});
        texts.push_back(columns[j]);
    }
    Result<int> id = impl_->NextTableId();
    if (!id) return Propagate(id);
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return Propagate(doc);
    Result<std::vector<CellWrite>> writes = impl_->PrepareTexts(texts);
    if (!writes) return Propagate(writes);

    // Everything is checked: write the part, its relationship and the sheet's reference to it.
    const std::string ref = RangeName(*range);
    const std::string part = impl_->FreshPartName("tables/", "table", ".xml");
    impl_->package.WritePart(
        part, TablePartXml(impl_->sml_ns, *id, *table_name, ref, columns, style_name));
    impl_->package.SetContentTypeOverride(part, kTableType);
    if (Status linked = impl_->LinkTablePart(*entry, part); !linked) return Propagate(linked);
    if (Status written = impl_->WriteTexts(*entry, refs, *writes); !written) {
        return Propagate(written);
    }
    return TableInfo{*table_name, entry->name, ref, style_name, columns};
}

Result<std::string> Workbook::Impl::ChooseTableName(std::string_view name,
                                                    std::size_t table_count) {
    if (!name.empty()) {
        if (Status valid = ValidateName(name, "a table name"); !valid) return Propagate(valid);
        if (Status free = CheckObjectNameFree(name); !free) return Propagate(free);
        return std::string(name);
    }
    for (std::size_t n = table_count + 1;; ++n) {
        std::string candidate = fmt::format("Table{}", n);
        if (CheckObjectNameFree(candidate)) return candidate;
    }
}

Status Workbook::Impl::LinkTablePart(const SheetEntry& sheet, const std::string& part) {
    Result<std::string> rel_id = AddPartRelationship(sheet.part, part, "table");
    if (!rel_id) return Propagate(rel_id);
    pugi::xml_node root = parts[sheet.part].doc->document_element();
    std::string id_attr = RelIdAttrName(root);
    pugi::xml_node table_parts = ChildOrInsert(root, "tableParts", kWorksheetOrder);
    pugi::xml_node table_part =
        table_parts.append_child(SiblingName(table_parts, "tablePart").c_str());
    table_part.append_attribute(id_attr.c_str()).set_value(rel_id->c_str());
    SetCount(table_parts, "tablePart");
    MarkDirty(sheet.part);
    return {};
}

Status Workbook::Impl::CheckTableStyle(const std::string& style) {
    if (IsBuiltinTableStyle(style)) return {};
    Result<std::optional<std::string>> part = RelatedPart("styles");
    if (!part) return Propagate(part);
    if (*part) {
        Result<pugi::xml_document*> doc = Load(**part);
        if (!doc) return Propagate(doc);
        pugi::xml_node styles = Child((*doc)->document_element(), "tableStyles");
        for (pugi::xml_node custom : ElementChildren(styles, "tableStyle")) {
            if (custom.attribute("name").value() == style) return {};
        }
    }
    return InvalidRequest(
        fmt::format("'{}' is not a table style of this workbook; use a built-in one such as "
                    "TableStyleLight1..21, TableStyleMedium1..28 or TableStyleDark1..11",
                    style));
}

Status Workbook::Impl::CheckTableRangeFree(const SheetEntry& sheet, const CellRange& range,
                                           const std::vector<TableInfo>& tables) {
    for (const TableInfo& table : tables) {
        std::optional<CellRange> other = ParseRange(table.range);
        if (table.sheet == sheet.name && other && Overlaps(range, *other)) {
            return InvalidRequest(fmt::format("range {} overlaps table '{}' ({})", RangeName(range),
                                              table.name, table.range));
        }
    }
    Result<pugi::xml_document*> doc = Load(sheet.part);
    if (!doc) return Propagate(doc);
    pugi::xml_node root = (*doc)->document_element();
    for (pugi::xml_node merge : ElementChildren(Child(root, "mergeCells"), "mergeCell")) {
        std::optional<CellRange> merged = ParseRange(merge.attribute("ref").value());
        if (merged && Overlaps(range, *merged)) {
            return InvalidRequest(fmt::format(
                "range {} overlaps the merged cells {}; a table cannot hold merged cells",
                RangeName(range), RangeName(*merged)));
        }
    }
    std::optional<CellRange> filtered =
        ParseRange(Child(root, "autoFilter").attribute("ref").value());
    if (filtered && Overlaps(range, *filtered)) {
        return InvalidRequest(
            fmt::format("range {} overlaps the sheet's autofilter ({}); remove the filter first",
                        RangeName(range), RangeName(*filtered)));
    }
    return {};
}

// ---- Defined names -----------------------------------------------------------------------------

Result<std::vector<DefinedNameInfo>> Workbook::DefinedNames() const {
    return impl_->ListDefinedNames();
}

Result<pugi::xml_node> Workbook::Impl::FindDefinedName(std::string_view name,
                                                       std::string_view sheet,
                                                       std::optional<int>* local_id) {
    std::optional<int> local;
    if (!sheet.empty()) {
        Result<SheetEntry> entry = FindSheet(sheet);
        if (!entry) return Propagate(entry);
        Result<std::vector<SheetEntry>> entries = SheetEntries();
        if (!entries) return Propagate(entries);
        for (std::size_t i = 0; i < entries->size(); ++i) {
            if ((*entries)[i].node == entry->node) local = static_cast<int>(i);
        }
    }
    if (local_id != nullptr) *local_id = local;
    for (pugi::xml_node node :
         ElementChildren(Child(WorkbookRoot(), "definedNames"), "definedName")) {
        std::optional<int> scope;
        if (node.attribute("localSheetId")) scope = IntAttr(node, "localSheetId", -1);
        if (scope == local && EqualsIgnoreCase(node.attribute("name").value(), name)) return node;
    }
    return pugi::xml_node{};
}

Status Workbook::DefineName(std::string_view name, std::string_view refers_to,
                            std::string_view sheet) {
    if (Status valid = ValidateName(name, "a defined name"); !valid) return valid;
    Result<std::string> formula = FormulaArgument(refers_to, "'refers_to'");
    if (!formula) return Propagate(formula);
    Result<std::vector<SheetEntry>> sheets = impl_->SheetEntries();
    if (!sheets) return Propagate(sheets);
    for (const FormulaToken& token : FormulaTokens(*formula)) {
        bool known = std::any_of(sheets->begin(), sheets->end(), [&](const SheetEntry& entry) {
            return EqualsIgnoreCase(entry.name, token.text);
        });
        if (token.kind == FormulaToken::Kind::kSheet && !known) {
            return InvalidRequest(fmt::format(
                "'refers_to' names the sheet '{}', which the workbook does not have", token.text));
        }
        if (token.kind == FormulaToken::Kind::kOutOfGrid) {
            return InvalidRequest(fmt::format(
                "'refers_to' uses '{}', beyond the last cell of a sheet (XFD1048576)", token.text));
        }
    }
    std::optional<int> local;
    Result<pugi::xml_node> existing = impl_->FindDefinedName(name, sheet, &local);
    if (!existing) return Propagate(existing);
    Result<std::vector<TableInfo>> tables = impl_->AllTables();
    if (!tables) return Propagate(tables);
    for (const TableInfo& table : *tables) {
        if (EqualsIgnoreCase(table.name, name)) {
            return InvalidRequest(
                fmt::format("'{}' is the name of a table; choose another name", table.name));
        }
    }

    pugi::xml_node node = *existing;
    if (!node) {
        pugi::xml_node names = ChildOrInsert(impl_->WorkbookRoot(), "definedNames", kWorkbookOrder);
        node = names.append_child(SiblingName(names, "definedName").c_str());
        node.append_attribute("name");
        if (local) node.append_attribute("localSheetId").set_value(*local);
    }
    node.attribute("name").set_value(std::string(name).c_str());
    SetNodeText(node, *formula);
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

Status Workbook::RemoveName(std::string_view name, std::string_view sheet) {
    Result<pugi::xml_node> existing = impl_->FindDefinedName(name, sheet, nullptr);
    if (!existing) return Propagate(existing);
    if (!*existing) {
        std::string scope = sheet.empty() ? "workbook-wide" : fmt::format("local to '{}'", sheet);
        return NotFound(fmt::format("the workbook has no {} defined name '{}'", scope, name));
    }
    pugi::xml_node names = existing->parent();
    names.remove_child(*existing);
    if (CountElementChildren(names, "definedName") == 0) names.parent().remove_child(names);
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

// ---- Data validation ---------------------------------------------------------------------------

Status Workbook::AddListValidation(std::string_view sheet, std::string_view range,
                                   const ListValidation& validation) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return Propagate(entry);
    Result<std::vector<CellRange>> ranges = RangesArgument(range);
    if (!ranges) return Propagate(ranges);
    if (!validation.values.empty() && !validation.source.empty()) {
        return InvalidRequest("give either 'values' or 'source', not both");
    }
    if (validation.values.empty() && validation.source.empty()) {
        return InvalidRequest("give the allowed 'values' or a 'source' range holding them");
    }
    Result<std::string> formula = validation.values.empty()
                                      ? FormulaArgument(validation.source, "'source'")
                                      : InlineListFormula(validation.values);
    if (!formula) return Propagate(formula);
    if (validation.values.empty()) *formula = AnchorPlainRange(*formula);
    if (Status text = CheckText(validation.error, "'error'", kMaxValidationMessage); !text) {
        return text;
    }
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return Propagate(doc);
    pugi::xml_node root = (*doc)->document_element();

    // The new rule takes its cells from any validation that had them, as Excel's dialog does.
    pugi::xml_node list = Child(root, "dataValidations");
    for (pugi::xml_node old : ElementChildren(list, "dataValidation")) {
        std::optional<std::vector<CellRange>> cells = ParseSqref(old.attribute("sqref").value());
        if (!cells) continue;
        std::vector<CellRange> kept = *cells;
        for (const CellRange& taken : *ranges) {
            std::vector<CellRange> next;
            for (const CellRange& cell_range : kept) {
                std::vector<CellRange> rest = Subtract(cell_range, taken);
                next.insert(next.end(), rest.begin(), rest.end());
            }
            kept = std::move(next);
        }
        if (kept == *cells) continue;
        if (kept.empty()) {
            list.remove_child(old);
        } else {
            old.attribute("sqref").set_value(SqrefName(kept).c_str());
        }
    }

    list = ChildOrInsert(root, "dataValidations", kWorksheetOrder);
    pugi::xml_node rule = list.append_child(SiblingName(list, "dataValidation").c_str());
    SetAttr(rule, "type", "list");
    SetAttr(rule, "allowBlank", validation.allow_blank ? "1" : "0");
    SetAttr(rule, "showInputMessage", "1");
    SetAttr(rule, "showErrorMessage", "1");
    if (!validation.error.empty()) SetAttr(rule, "error", ooxml::XmlSafeText(validation.error));
    SetAttr(rule, "sqref", SqrefName(*ranges));
    SetNodeText(rule.append_child(SiblingName(list, "formula1").c_str()), *formula);
    SetCount(list, "dataValidation");
    impl_->MarkDirty(entry->part);
    return {};
}

// ---- Conditional formats -----------------------------------------------------------------------

namespace {

// The number of formulas each cell value operator takes (ST_ConditionalFormattingOperator,
// ECMA-376 Part 1, §18.18.15), 0 for an unknown one.
int OperatorArity(std::string_view op) {
    static const std::set<std::string_view> kOne = {
        "lessThan", "lessThanOrEqual", "equal", "notEqual", "greaterThan", "greaterThanOrEqual"};
    if (kOne.contains(op)) return 1;
    if (op == "between" || op == "notBetween") return 2;
    return 0;
}

// A rule with its colours normalised and formulas checked, ready to be written.
struct CheckedRule {
    std::vector<std::string> formulas;
    std::vector<std::string> colors;
    std::string fill;
    std::string font;
};

Result<CheckedRule> CheckRule(const ConditionalFormatRule& rule) {
    CheckedRule checked;
    for (const std::string& color : rule.colors) {
        Result<std::string> argb = ArgbColor(color, "colour");
        if (!argb) return Propagate(argb);
        checked.colors.push_back(*argb);
    }
    switch (rule.kind) {
        case ConditionalFormatRule::Kind::kColorScale:
            if (checked.colors.size() != 2 && checked.colors.size() != 3) {
                return InvalidRequest(
                    "a colour scale takes 2 colours (min, max) or 3 (min, midpoint, max)");
            }
            return checked;
        case ConditionalFormatRule::Kind::kDataBar:
            if (checked.colors.size() != 1) return InvalidRequest("a data bar takes one colour");
            return checked;
        case ConditionalFormatRule::Kind::kCellValue:
            break;
    }
    int arity = OperatorArity(rule.op);
    if (arity == 0) {
        return InvalidRequest(fmt::format(
            "'{}' is not an operator; use one of lessThan, lessThanOrEqual, equal, notEqual, "
            "greaterThanOrEqual, greaterThan, between, notBetween",
            rule.op));
    }
    if (static_cast<int>(rule.formulas.size()) != arity) {
        return InvalidRequest(fmt::format("operator {} takes {} value{}, not {}", rule.op, arity,
                                          arity == 1 ? "" : "s", rule.formulas.size()));
    }
    for (std::size_t i = 0; i < rule.formulas.size(); ++i) {
        Result<std::string> formula =
            FormulaArgument(rule.formulas[i], fmt::format("values[{}]", i));
        if (!formula) return Propagate(formula);
        checked.formulas.push_back(*formula);
    }
    if (rule.fill_color.empty() && rule.font_color.empty()) {
        return InvalidRequest("a cell value rule needs a fill colour, a font colour or both");
    }
    if (!rule.fill_color.empty()) {
        Result<std::string> fill = ArgbColor(rule.fill_color, "fill colour");
        if (!fill) return Propagate(fill);
        checked.fill = *fill;
    }
    if (!rule.font_color.empty()) {
        Result<std::string> font = ArgbColor(rule.font_color, "font colour");
        if (!font) return Propagate(font);
        checked.font = *font;
    }
    return checked;
}

void AppendCfvo(pugi::xml_node parent, std::string_view type, std::string_view val = {}) {
    pugi::xml_node cfvo = parent.append_child(SiblingName(parent, "cfvo").c_str());
    SetAttr(cfvo, "type", type);
    if (!val.empty()) SetAttr(cfvo, "val", val);
}

void AppendColor(pugi::xml_node parent, std::string_view argb) {
    SetAttr(parent.append_child(SiblingName(parent, "color").c_str()), "rgb", argb);
}

}  // namespace

Status Workbook::AddConditionalFormat(std::string_view sheet, std::string_view range,
                                      const ConditionalFormatRule& rule) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return Propagate(entry);
    Result<std::vector<CellRange>> ranges = RangesArgument(range);
    if (!ranges) return Propagate(ranges);
    Result<CheckedRule> checked = CheckRule(rule);
    if (!checked) return Propagate(checked);
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return Propagate(doc);
    pugi::xml_node root = (*doc)->document_element();
    const int priority = MaxCfPriority(root) + 1;

    std::optional<int> dxf;
    if (rule.kind == ConditionalFormatRule::Kind::kCellValue) {
        Result<int> id = impl_->DifferentialFormat(checked->fill, checked->font);
        if (!id) return Propagate(id);
        dxf = *id;
    }
    pugi::xml_node format = InsertInOrder(root, "conditionalFormatting", kWorksheetOrder);
    SetAttr(format, "sqref", SqrefName(*ranges));
    pugi::xml_node cf = format.append_child(SiblingName(format, "cfRule").c_str());
    switch (rule.kind) {
        case ConditionalFormatRule::Kind::kCellValue:
            SetAttr(cf, "type", "cellIs");
            SetAttr(cf, "dxfId", std::to_string(*dxf));
            SetAttr(cf, "priority", std::to_string(priority));
            SetAttr(cf, "operator", rule.op);
            for (const std::string& formula : checked->formulas) {
                SetNodeText(cf.append_child(SiblingName(cf, "formula").c_str()), formula);
            }
            break;
        case ConditionalFormatRule::Kind::kColorScale: {
            SetAttr(cf, "type", "colorScale");
            SetAttr(cf, "priority", std::to_string(priority));
            pugi::xml_node scale = cf.append_child(SiblingName(cf, "colorScale").c_str());
            AppendCfvo(scale, "min");
            if (checked->colors.size() == 3) AppendCfvo(scale, "percentile", "50");
            AppendCfvo(scale, "max");
            for (const std::string& color : checked->colors) AppendColor(scale, color);
            break;
        }
        case ConditionalFormatRule::Kind::kDataBar: {
            SetAttr(cf, "type", "dataBar");
            SetAttr(cf, "priority", std::to_string(priority));
            pugi::xml_node bar = cf.append_child(SiblingName(cf, "dataBar").c_str());
            AppendCfvo(bar, "min");
            AppendCfvo(bar, "max");
            AppendColor(bar, checked->colors.front());
            break;
        }
    }
    impl_->MarkDirty(entry->part);
    return {};
}

// ---- Hyperlinks --------------------------------------------------------------------------------

Result<std::string> Workbook::Impl::CheckLocation(std::string_view location,
                                                  const SheetEntry& here) {
    if (location.starts_with('#')) location.remove_prefix(1);
    if (location.empty()) return InvalidRequest("'location' is empty");
    if (Status text = CheckText(location, "'location'", kMaxUrlLength); !text) {
        return Propagate(text);
    }
    if (std::optional<std::pair<std::string, std::string>> split = SplitLocation(location)) {
        Result<SheetEntry> target = FindSheet(split->first);
        if (!target) {
            return InvalidRequest(
                fmt::format("'location' {} names no sheet of this workbook", location));
        }
        if (!ParseRange(split->second)) {
            return InvalidRequest(
                fmt::format("'location' {}: '{}' is not a cell or range like A1 or B2:C9", location,
                            split->second));
        }
        return fmt::format("{}!{}", FormulaSheetName(target->name), split->second);
    }
    if (ParseRange(location)) return fmt::format("{}!{}", FormulaSheetName(here.name), location);
    Result<std::vector<DefinedNameInfo>> names = ListDefinedNames();
    if (!names) return Propagate(names);
    for (const DefinedNameInfo& defined : *names) {
        if (EqualsIgnoreCase(defined.name, location)) return defined.name;
    }
    return InvalidRequest(fmt::format(
        "'location' {} is neither a place like Sheet2!A1 nor a defined name of this workbook",
        location));
}

Status Workbook::AddHyperlink(std::string_view sheet, std::string_view ref,
                              const HyperlinkSpec& link) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return Propagate(entry);
    std::optional<CellRange> at = ParseRange(ref);
    if (!at) return InvalidRequest(fmt::format("'{}' is not a cell reference like B7", ref));
    Result<HyperlinkSpec> checked = impl_->CheckHyperlink(link, *entry);
    if (!checked) return Propagate(checked);
    Result<CellValue> current = GetCell(entry->name, CellName(at->first));
    if (!current) return Propagate(current);
    std::vector<std::string> texts;
    if (!link.text.empty()) {
        texts.push_back(link.text);
    } else if (current->kind == CellValue::Kind::kEmpty) {
        texts.push_back(link.url.empty() ? checked->location : link.url);
    }
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return Propagate(doc);
    Result<std::vector<Relationship>> rels = impl_->package.Relationships(entry->part);
    if (!rels) return Propagate(rels);
    Result<std::vector<CellWrite>> writes = impl_->PrepareTexts(texts);
    if (!writes) return Propagate(writes);

    impl_->PutHyperlink((*doc)->document_element(), *rels, *at, *checked);
    impl_->package.SetRelationships(entry->part, *rels);
    impl_->MarkDirty(entry->part);
    std::vector<CellRef> refs;
    if (!texts.empty()) refs.push_back(at->first);
    return impl_->WriteTexts(*entry, refs, *writes);
}

Result<HyperlinkSpec> Workbook::Impl::CheckHyperlink(const HyperlinkSpec& link,
                                                     const SheetEntry& here) {
    if (link.url.empty() == link.location.empty()) {
        return InvalidRequest("give exactly one of 'url' or 'location'");
    }
    if (Status tip = CheckText(link.tooltip, "'tooltip'", kMaxTooltip); !tip) {
        return Propagate(tip);
    }
    HyperlinkSpec checked = link;
    if (!link.url.empty()) {
        if (Status url = CheckUrl(link.url); !url) return Propagate(url);
        return checked;
    }
    Result<std::string> location = CheckLocation(link.location, here);
    if (!location) return Propagate(location);
    checked.location = *location;
    return checked;
}

void Workbook::Impl::PutHyperlink(pugi::xml_node root, std::vector<Relationship>& rels,
                                  const CellRange& at, const HyperlinkSpec& link) {
    pugi::xml_node links = ChildOrInsert(root, "hyperlinks", kWorksheetOrder);
    std::set<std::string> dropped_ids;
    for (pugi::xml_node old : ElementChildren(links, "hyperlink")) {
        if (ParseRange(old.attribute("ref").value()) != at) continue;
        dropped_ids.insert(FindAttribute(old, rel_ns, "id").value());
        links.remove_child(old);
    }
    // A relationship goes with the replaced link unless another link still uses it.
    for (pugi::xml_node other : ElementChildren(links, "hyperlink")) {
        dropped_ids.erase(FindAttribute(other, rel_ns, "id").value());
    }
    std::erase_if(rels, [&](const Relationship& rel) { return dropped_ids.contains(rel.id); });

    pugi::xml_node node = links.append_child(SiblingName(links, "hyperlink").c_str());
    SetAttr(node, "ref", RangeName(at));
    if (!link.url.empty()) {
        std::string id = FreshRelId(rels);
        rels.push_back({id, rel_base + "hyperlink", link.url, true});
        node.append_attribute(RelIdAttrName(root).c_str()).set_value(id.c_str());
    } else {
        SetAttr(node, "location", link.location);
    }
    if (!link.text.empty()) SetAttr(node, "display", ooxml::XmlSafeText(link.text));
    if (!link.tooltip.empty()) SetAttr(node, "tooltip", ooxml::XmlSafeText(link.tooltip));
}

// ---- Notes -------------------------------------------------------------------------------------

namespace {

constexpr std::string_view kVmlNs = "urn:schemas-microsoft-com:vml";
constexpr std::string_view kOfficeNs = "urn:schemas-microsoft-com:office:office";
constexpr std::string_view kExcelNs = "urn:schemas-microsoft-com:office:excel";

// The note box's shape type, which Excel's own VML drawings declare once per part.
std::string NoteShapeTypeXml() {
    return fmt::format(
        "<v:shapetype xmlns:v=\"{}\" xmlns:o=\"{}\" id=\"_x0000_t202\" coordsize=\"21600,21600\" "
        "o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/>"
        "<v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>",
        kVmlNs, kOfficeNs);
}

// A hidden note box beside the cell (0-based row and column in x:Row and x:Column); the anchor
// lists left column, offset, top row, offset, right column, offset, bottom row, offset.
std::string NoteShapeXml(int shape_id, CellRef cell) {
    const int col = cell.col - 1;
    const int top = std::max(cell.row - 2, 0);
    return fmt::format(
        "<v:shape xmlns:v=\"{}\" xmlns:o=\"{}\" xmlns:x=\"{}\" id=\"_x0000_s{}\" "
        "type=\"#_x0000_t202\" style=\"position:absolute;margin-left:59.25pt;margin-top:1.5pt;"
        "width:108pt;height:59.25pt;z-index:1;visibility:hidden\" fillcolor=\"#ffffe1\" "
        "o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" "
        "obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox "
        "style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox>"
        "<x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/>"
        "<x:Anchor>{}, 15, {}, 10, {}, 15, {}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
        "<x:Row>{}</x:Row><x:Column>{}</x:Column></x:ClientData></v:shape>",
        kVmlNs, kOfficeNs, kExcelNs, shape_id, col + 1, top, col + 3, top + 4, cell.row - 1, col);
}

std::string NewVmlXml(int idmap) {
    return fmt::format(
        "<xml xmlns:v=\"{}\" xmlns:o=\"{}\" xmlns:x=\"{}\"><o:shapelayout v:ext=\"edit\">"
        "<o:idmap v:ext=\"edit\" data=\"{}\"/></o:shapelayout></xml>",
        kVmlNs, kOfficeNs, kExcelNs, idmap);
}

std::string NewCommentsXml(std::string_view sml_ns) {
    return fmt::format("{}<comments xmlns=\"{}\"><authors/><commentList/></comments>",
                       kXmlDeclaration, sml_ns);
}

// The numbers after every occurrence of `marker` in `text`.
std::vector<int> NumbersAfter(std::string_view text, std::string_view marker) {
    std::vector<int> numbers;
    for (std::size_t at = text.find(marker); at != std::string_view::npos;
         at = text.find(marker, at + 1)) {
        std::size_t i = at + marker.size();
        int n = 0;
        bool any = false;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) &&
               n < 100000000) {
            n = n * 10 + (text[i++] - '0');
            any = true;
        }
        if (any) numbers.push_back(n);
    }
    return numbers;
}

// The text of an x:Row / x:Column child of a note's client data, or -1.
int ClientDataNumber(const pugi::xml_node& data, std::string_view local) {
    for (pugi::xml_node child : data.children()) {
        if (child.type() == pugi::node_element && LocalName(child) == local) {
            std::string text = NodeText(child);
            return text.empty() ? -1 : std::atoi(text.c_str());
        }
    }
    return -1;
}

bool HasNoteShape(const pugi::xml_node& vml_root, CellRef cell) {
    bool found = false;
    ForEachElement(vml_root, [&](pugi::xml_node node) {
        if (LocalName(node) != "ClientData" || ooxml::NamespaceOf(node) != kExcelNs) return;
        if (std::string_view(node.attribute("ObjectType").value()) != "Note") return;
        if (ClientDataNumber(node, "Row") == cell.row - 1 &&
            ClientDataNumber(node, "Column") == cell.col - 1) {
            found = true;
        }
    });
    return found;
}

bool HasNoteShapeType(const pugi::xml_node& vml_root) {
    bool found = false;
    ForEachElement(vml_root, [&](pugi::xml_node node) {
        if (LocalName(node) == "shapetype" &&
            std::string_view(node.attribute("id").value()) == "_x0000_t202") {
            found = true;
        }
    });
    return found;
}

void AppendFragment(pugi::xml_node parent, const std::string& xml) {
    pugi::xml_document fragment;
    fragment.load_string(xml.c_str(), pugi::parse_default | pugi::parse_ws_pcdata);
    parent.append_copy(fragment.document_element());
}

}  // namespace

Result<int> Workbook::Impl::NextVmlIdmap() {
    int highest = 0;
    for (const std::string& part : package.PartNames()) {
        if (!AsciiLower(part).ends_with(".vml")) continue;
        Result<std::string> text = package.ReadPart(part);
        if (!text) return Propagate(text);
        for (int n : NumbersAfter(*text, "data=\"")) highest = std::max(highest, n);
    }
    return highest + 1;
}

Status Workbook::AddNote(std::string_view sheet, std::string_view ref, std::string_view text,
                         std::string_view author) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return Propagate(entry);
    std::optional<CellRef> cell = ParseCellRef(ref);
    if (!cell) return InvalidRequest(fmt::format("'{}' is not a cell reference like B7", ref));
    if (text.empty()) return InvalidRequest("'text' is empty");
    if (Status valid = CheckText(text, "'text'", kMaxNoteText); !valid) return valid;
    std::string writer = author.empty() ? std::string(kDefaultAuthor) : std::string(author);
    if (Status valid = CheckText(writer, "'author'", kMaxNameLength); !valid) return valid;

    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return Propagate(doc);
    pugi::xml_node root = (*doc)->document_element();
    Result<std::optional<std::string>> comments_part =
        impl_->SheetRelatedPart(entry->part, "comments");
    if (!comments_part) return Propagate(comments_part);
    if (Status free = impl_->CheckNoThreadedComment(*entry, *cell); !free) return free;
    // Parse both existing parts before anything changes: either may be broken.
    if (*comments_part) {
        Result<pugi::xml_document*> comments = impl_->Load(**comments_part);
        if (!comments) return Propagate(comments);
    }
    Result<std::optional<std::string>> vml_part = impl_->SheetVmlPart(*entry, root);
    if (!vml_part) return Propagate(vml_part);
    std::optional<int> idmap;
    if (!*vml_part) {
        Result<int> next = impl_->NextVmlIdmap();
        if (!next) return Propagate(next);
        idmap = *next;
    }

    if (!*comments_part) {
        Result<std::string> made = impl_->AddCommentsPart(*entry);
        if (!made) return Propagate(made);
        *comments_part = *made;
    }
    impl_->PutComment(**comments_part, *cell, text, writer);
    if (*vml_part) {
        impl_->PutNoteShape(**vml_part, *cell);
        return {};
    }
    Result<std::string> made = impl_->AddVmlPart(*entry, root, *idmap);
    if (!made) return Propagate(made);
    // Comments the sheet had without a drawing get their shapes too, or Excel would not show them.
    pugi::xml_node comments = impl_->parts[**comments_part].doc->document_element();
    for (pugi::xml_node comment : ElementChildren(Child(comments, "commentList"), "comment")) {
        if (std::optional<CellRef> at = ParseCellRef(comment.attribute("ref").value())) {
            impl_->PutNoteShape(*made, *at);
        }
    }
    return {};
}

// Excel keeps a threaded comment's text in a legacy comment as well; replacing that comment
// would leave the two disagreeing.
Status Workbook::Impl::CheckNoThreadedComment(const SheetEntry& sheet, CellRef cell) {
    Result<std::optional<std::string>> part = SheetRelatedPart(sheet.part, "threadedComment");
    if (!part) return Propagate(part);
    if (!*part) return {};
    Result<pugi::xml_document*> doc = Load(**part);
    if (!doc) return Propagate(doc);
    for (pugi::xml_node thread : ElementChildren((*doc)->document_element(), "threadedComment")) {
        if (ParseCellRef(thread.attribute("ref").value()) == cell) {
            return InvalidRequest(fmt::format(
                "cell {} of sheet '{}' has a threaded comment; a note there would break it, so "
                "choose another cell",
                CellName(cell), sheet.name));
        }
    }
    return {};
}

Result<std::optional<std::string>> Workbook::Impl::SheetVmlPart(const SheetEntry& sheet,
                                                                pugi::xml_node root) {
    pugi::xml_node legacy = Child(root, "legacyDrawing");
    if (!legacy) return std::optional<std::string>{};
    Result<std::vector<Relationship>> rels = package.Relationships(sheet.part);
    if (!rels) return Propagate(rels);
    std::string_view id = FindAttribute(legacy, rel_ns, "id").value();
    std::optional<std::string> part;
    for (const Relationship& rel : *rels) {
        if (rel.id == id && !rel.external) part = Package::ResolveTarget(sheet.part, rel.target);
    }
    if (!part || !package.HasPart(*part)) {
        return InvalidRequest(fmt::format(
            "sheet '{}' refers to a VML drawing that is missing, so no note can be added",
            sheet.name));
    }
    if (Result<pugi::xml_document*> vml = Load(*part); !vml) {
        return InvalidRequest(fmt::format(
            "the VML drawing of sheet '{}' is not well-formed XML, so no note can be added",
            sheet.name));
    }
    return part;
}

Result<std::string> Workbook::Impl::AddCommentsPart(const SheetEntry& sheet) {
    std::string part = FreshPartName("", "comments", ".xml");
    package.WritePart(part, NewCommentsXml(sml_ns));
    package.SetContentTypeOverride(part, kCommentsType);
    Result<std::string> rel = AddPartRelationship(sheet.part, part, "comments");
    if (!rel) return Propagate(rel);
    Result<pugi::xml_document*> doc = Load(part);
    if (!doc) return Propagate(doc);
    return part;
}

Result<std::string> Workbook::Impl::AddVmlPart(const SheetEntry& sheet, pugi::xml_node root,
                                               int idmap) {
    std::string part = FreshPartName("drawings/", "vmlDrawing", ".vml");
    package.WritePart(part, NewVmlXml(idmap));
    package.EnsureDefaultContentType("vml", kVmlType);
    Result<std::string> rel = AddPartRelationship(sheet.part, part, "vmlDrawing");
    if (!rel) return Propagate(rel);
    std::string id_attr = RelIdAttrName(root);
    pugi::xml_node legacy = ChildOrInsert(root, "legacyDrawing", kWorksheetOrder);
    legacy.append_attribute(id_attr.c_str()).set_value(rel->c_str());
    MarkDirty(sheet.part);
    Result<pugi::xml_document*> doc = Load(part);
    if (!doc) return Propagate(doc);
    return part;
}

void Workbook::Impl::PutComment(const std::string& part, CellRef cell, std::string_view text,
                                std::string_view author) {
    pugi::xml_node root = parts[part].doc->document_element();
    pugi::xml_node authors = ChildOrInsert(root, "authors", {"authors", "commentList", "extLst"});
    int author_id = -1;
    std::vector<pugi::xml_node> names = ElementChildren(authors, "author");
    for (std::size_t i = 0; i < names.size() && author_id < 0; ++i) {
        if (NodeText(names[i]) == EncodeXstring(author)) author_id = static_cast<int>(i);
    }
    if (author_id < 0) {
        author_id = static_cast<int>(names.size());
        SetNodeText(authors.append_child(SiblingName(authors, "author").c_str()),
                    EncodeXstring(author));
    }

    // Comments stay in row-major order, as Excel writes them; one on the same cell is replaced.
    pugi::xml_node list = ChildOrInsert(root, "commentList", {"authors", "commentList", "extLst"});
    pugi::xml_node before;
    for (pugi::xml_node old : ElementChildren(list, "comment")) {
        std::optional<CellRef> at = ParseCellRef(old.attribute("ref").value());
        if (at == cell) {
            before = old.next_sibling();
            list.remove_child(old);
            continue;
        }
        if (!before && at && (at->row > cell.row || (at->row == cell.row && at->col > cell.col))) {
            before = old;
        }
    }
    std::string name = SiblingName(list, "comment");
    pugi::xml_node comment =
        before ? list.insert_child_before(name.c_str(), before) : list.append_child(name.c_str());
    SetAttr(comment, "ref", CellName(cell));
    SetAttr(comment, "authorId", std::to_string(author_id));
    pugi::xml_node body = comment.append_child(SiblingName(list, "text").c_str());
    pugi::xml_node t = body.append_child(SiblingName(list, "t").c_str());
    t.append_attribute("xml:space").set_value("preserve");
    SetNodeText(t, EncodeXstring(text));
    MarkDirty(part);
}

void Workbook::Impl::PutNoteShape(const std::string& part, CellRef cell) {
    pugi::xml_node root = parts[part].doc->document_element();
    if (HasNoteShape(root, cell)) return;
    if (!HasNoteShapeType(root)) AppendFragment(root, NoteShapeTypeXml());
    int highest = 1024;
    ForEachElement(root, [&](pugi::xml_node node) {
        if (LocalName(node) != "shape") return;
        for (int n : NumbersAfter(node.attribute("id").value(), "_x0000_s")) {
            highest = std::max(highest, n);
        }
    });
    std::vector<int> idmaps;
    ForEachElement(root, [&](pugi::xml_node node) {
        if (LocalName(node) == "idmap") idmaps.push_back(IntAttr(node, "data", 0));
    });
    // Shape ids of a drawing come from its idmap blocks of 1024 (ECMA-376 Part 4, §19.1.2.8).
    if (!idmaps.empty()) highest = std::max(highest, idmaps.front() * 1024);
    AppendFragment(root, NoteShapeXml(highest + 1, cell));
    MarkDirty(part);
}

}  // namespace quire::xlsx
