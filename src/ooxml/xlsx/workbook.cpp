#include "ooxml/xlsx/workbook.hpp"

#include <fmt/chrono.h>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sheet_stream.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

using ooxml::FindAttribute;
using ooxml::IsElement;
using ooxml::LocalName;
using ooxml::NamespaceOf;
using ooxml::Package;
using ooxml::Relationship;
namespace ns = ooxml::ns;

constexpr std::string_view kDateFormat = "yyyy-mm-dd";
constexpr std::size_t kMaxCellText = 32767;
constexpr double kMinColumnWidth = 8.0;
constexpr double kMaxColumnWidth = 60.0;
constexpr std::size_t kDimensionHead = 16u << 10;

// Printable ASCII: valid UTF-8 with one UTF-16 unit per byte and nothing ST_Xstring escapes but
// '_', which lets bulk writes skip decoding most text.
bool IsPlainAscii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char ch) {
        return static_cast<unsigned char>(ch) >= 0x20 && static_cast<unsigned char>(ch) < 0x7F;
    });
}

// ---- Excel's sheet name rules ------------------------------------------------------------------

Status ValidateSheetName(std::string_view name) {
    std::optional<std::u32string> decoded = DecodeUtf8(name);
    if (!decoded) return InvalidRequest("a sheet name must be valid UTF-8 text");
    if (decoded->empty()) return InvalidRequest("a sheet name cannot be empty");
    if (Utf16Length(*decoded) > 31) {
        return InvalidRequest("a sheet name can have at most 31 characters");
    }
    if (name.find_first_of(":\\/?*[]") != std::string_view::npos) {
        return InvalidRequest("a sheet name cannot contain any of : \\ / ? * [ ]");
    }
    for (char32_t cp : *decoded) {
        if (cp < 0x20) return InvalidRequest("a sheet name cannot contain control characters");
    }
    if (name.front() == '\'' || name.back() == '\'') {
        return InvalidRequest("a sheet name cannot start or end with an apostrophe");
    }
    if (EqualsIgnoreCase(name, "History")) {
        return InvalidRequest("\"History\" is a name Excel reserves for itself");
    }
    return {};
}

bool IsWorkbookRoot(const pugi::xml_node& root) {
    return IsElement(root, ns::kSpreadsheetMain, "workbook") ||
           IsElement(root, ns::kSpreadsheetStrict, "workbook");
}

std::string KindFromRelType(std::string_view type) {
    std::string_view suffix = type.substr(type.rfind('/') + 1);
    if (suffix == "chartsheet") return "chartsheet";
    if (suffix == "dialogsheet") return "dialogsheet";
    if (suffix == "xlMacrosheet" || suffix == "xlIntlMacrosheet") return "macrosheet";
    return "worksheet";
}

std::string EmptyWorksheetXml(std::string_view sml_ns, std::string_view rel_ns) {
    return fmt::format(
        "{}<worksheet xmlns=\"{}\" xmlns:r=\"{}\"><dimension ref=\"A1\"/><sheetViews>"
        "<sheetView workbookViewId=\"0\"/></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>"
        "<sheetData/><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" "
        "header=\"0.3\" footer=\"0.3\"/></worksheet>",
        kXmlDeclaration, sml_ns, rel_ns);
}

std::string DefaultStylesXml(std::string_view sml_ns) {
    return fmt::format(
        "{}<styleSheet xmlns=\"{}\"><fonts count=\"1\"><font><sz val=\"11\"/>"
        "<name val=\"Calibri\"/><family val=\"2\"/></font></fonts><fills count=\"2\"><fill>"
        "<patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/>"
        "</fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/>"
        "</border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" "
        "fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"1\"><xf numFmtId=\"0\" "
        "fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs><cellStyles "
        "count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        "<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium2\" "
        "defaultPivotStyle=\"PivotStyleLight16\"/></styleSheet>",
        kXmlDeclaration, sml_ns);
}

std::string CorePropertiesXml() {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    std::string stamp = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
    return fmt::format(
        "{}<cp:coreProperties "
        "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
        "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:creator>Quire</dc:creator>"
        "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{}</dcterms:created>"
        "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{}</dcterms:modified>"
        "</cp:coreProperties>",
        kXmlDeclaration, stamp, stamp);
}

std::string AppPropertiesXml() {
    return fmt::format(
        "{}<Properties "
        "xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" "
        "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
        "<Application>Quire</Application></Properties>",
        kXmlDeclaration);
}

std::string NewWorkbookXml() {
    return fmt::format(
        "{}<workbook xmlns=\"{}\" xmlns:r=\"{}\"><workbookPr/><bookViews><workbookView "
        "activeTab=\"0\"/></bookViews><sheets/><calcPr calcId=\"191029\"/></workbook>",
        kXmlDeclaration, ns::kSpreadsheetMain, ns::kRelationships);
}

}  // namespace

std::size_t DisplayLength(const CellValue& value) {
    switch (value.kind) {
        case CellValue::Kind::kEmpty:
            return 0;
        case CellValue::Kind::kNumber:
            return std::min<std::size_t>(FormatNumber(value.number).size(), 11);
        case CellValue::Kind::kDate:
            return kDateFormat.size();
        case CellValue::Kind::kBoolean:
            return 5;
        case CellValue::Kind::kText:
        case CellValue::Kind::kFormula: {
            std::optional<std::u32string> decoded = DecodeUtf8(value.text);
            return decoded ? decoded->size() : value.text.size();
        }
    }
    return 0;
}

double FittedColumnWidth(std::size_t chars) {
    return std::clamp(static_cast<double>(chars) + 2, kMinColumnWidth, kMaxColumnWidth);
}

// ---- Helpers shared with the other workbook_*.cpp ----------------------------------------------

// Whole numbers below 1e15, most cell values, are written as plain digits by fmt too; they skip
// the shortest-round-trip search. The compiled format spares parsing "{}" a million times.
std::string FormatNumber(double value) {
    char digits[32];
    if (std::fabs(value) < 1e15 && value == std::trunc(value) &&
        !(value == 0 && std::signbit(value))) {
        auto [end, ec] =
            std::to_chars(digits, digits + sizeof digits, static_cast<long long>(value));
        return std::string(digits, end);
    }
    return std::string(digits,
                       fmt::format_to_n(digits, sizeof digits, FMT_COMPILE("{}"), value).out);
}

bool RelTypeIs(std::string_view type, std::string_view suffix) {
    return type.size() > suffix.size() && type.ends_with(suffix) &&
           type[type.size() - suffix.size() - 1] == '/';
}

std::string RelativeTarget(std::string_view source, std::string_view part) {
    std::string_view folder = source.substr(0, source.rfind('/') + 1);
    if (!folder.empty() && part.starts_with(folder)) return std::string(part.substr(folder.size()));
    return fmt::format("/{}", part);
}

std::string FreshRelId(const std::vector<Relationship>& rels) {
    std::set<std::string> taken;
    for (const Relationship& rel : rels) taken.insert(rel.id);
    for (int n = 1;; ++n) {
        std::string id = fmt::format("rId{}", n);
        if (!taken.contains(id)) return id;
    }
}

bool IsBuiltinDateFormat(int id) {
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
           (id >= 50 && id <= 58);
}

bool IsDateFormatCode(std::string_view code) {
    bool quoted = false;
    int bracket = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
        char ch = static_cast<char>(std::tolower(static_cast<unsigned char>(code[i])));
        if (ch == '"') quoted = !quoted;
        if (quoted) continue;
        if (ch == '\\') {
            ++i;
            continue;
        }
        if (ch == '[') ++bracket;
        if (ch == ']') --bracket;
        if (bracket == 0 && (ch == 'd' || ch == 'm' || ch == 'y' || ch == 'h' || ch == 's')) {
            return true;
        }
    }
    return false;
}

// ---- Workbook::Impl --------------------------------------------------------------------------

Result<pugi::xml_document*> Workbook::Impl::Load(const std::string& part) {
    auto it = parts.find(part);
    if (it != parts.end() && it->second.doc) return it->second.doc.get();
    if (scanned_part == part) ForgetScannedText();
    Result<std::string> text = package.ReadPart(part);
    if (!text) return std::unexpected(text.error());
    auto doc = ooxml::ParseXml(*text, part, package.limits().max_xml_depth);
    if (!doc) return std::unexpected(doc.error());
    LoadedPart& loaded = parts[part];
    loaded.doc = std::move(*doc);
    return loaded.doc.get();
}

void Workbook::Impl::Release(const std::string& part) {
    auto loaded = parts.find(part);
    if (loaded == parts.end()) return;
    if (loaded->second.dirty) package.WritePart(part, ooxml::SerializeXml(*loaded->second.doc));
    if (loaded->second.doc.get() == shared_items_doc) {
        shared_items.clear();
        shared_items_doc = nullptr;
    }
    parts.erase(loaded);
}

void Workbook::Impl::Flush() {
    for (auto& [name, part] : parts) {
        if (!part.dirty) continue;
        package.WritePart(name, ooxml::SerializeXml(*part.doc));
        part.dirty = false;
    }
}

Result<std::vector<SheetEntry>> Workbook::Impl::SheetEntries() {
    Result<std::vector<Relationship>> rels = package.Relationships(workbook_part);
    if (!rels) return std::unexpected(rels.error());
    std::map<std::string, const Relationship*> by_id;
    for (const Relationship& rel : *rels) by_id.emplace(rel.id, &rel);

    std::vector<SheetEntry> entries;
    pugi::xml_node sheets = Child(WorkbookRoot(), "sheets");
    for (pugi::xml_node node : sheets.children()) {
        if (node.type() != pugi::node_element || LocalName(node) != "sheet") continue;
        SheetEntry entry;
        entry.node = node;
        entry.name = node.attribute("name").value();
        entry.state = node.attribute("state") ? node.attribute("state").value() : "visible";
        auto rel = by_id.find(FindAttribute(node, rel_ns, "id").value());
        if (rel != by_id.end() && !rel->second->external) {
            entry.kind = KindFromRelType(rel->second->type);
            entry.part = Package::ResolveTarget(workbook_part, rel->second->target);
        } else {
            entry.kind = "worksheet";
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

Result<SheetEntry> Workbook::Impl::FindSheet(std::string_view name) {
    Result<std::vector<SheetEntry>> entries = SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    for (SheetEntry& entry : *entries) {
        if (entry.name == name) return entry;
    }
    for (SheetEntry& entry : *entries) {
        if (EqualsIgnoreCase(entry.name, name)) return entry;
    }
    return NotFound(fmt::format("the workbook has no sheet named '{}'", name));
}

Result<SheetEntry> Workbook::Impl::FindWorksheet(std::string_view name) {
    Result<SheetEntry> entry = FindSheet(name);
    if (!entry) return entry;
    if (entry->kind != "worksheet") {
        return InvalidRequest(fmt::format("sheet '{}' is a {}, not a worksheet with cells",
                                          entry->name, entry->kind));
    }
    if (entry->part.empty() || !package.HasPart(entry->part)) {
        return InvalidRequest(fmt::format("sheet '{}' has no worksheet part", entry->name));
    }
    return entry;
}

Status Workbook::Impl::CheckNameFree(std::string_view name, const pugi::xml_node& except) {
    Result<std::vector<SheetEntry>> entries = SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    for (const SheetEntry& entry : *entries) {
        if (entry.node != except && EqualsIgnoreCase(entry.name, name)) {
            return InvalidRequest(
                fmt::format("the workbook already has a sheet named '{}'", entry.name));
        }
    }
    return {};
}

std::string Workbook::Impl::NewSheetPart() const {
    std::string_view folder =
        std::string_view(workbook_part).substr(0, workbook_part.rfind('/') + 1);
    for (int n = 1;; ++n) {
        std::string part = fmt::format("{}worksheets/sheet{}.xml", folder, n);
        if (!package.HasPart(part)) return part;
    }
}

Result<pugi::xml_node> Workbook::Impl::AppendSheetElement(std::string_view name,
                                                          const std::string& rel_id) {
    pugi::xml_node root = WorkbookRoot();
    pugi::xml_node sheets = ChildOrInsert(root, "sheets", kWorkbookOrder);
    int max_id = 0;
    for (pugi::xml_node sheet : sheets.children()) {
        if (LocalName(sheet) == "sheet") max_id = std::max(max_id, IntAttr(sheet, "sheetId", 0));
    }
    std::string id_attr = RelIdAttrName(root);
    pugi::xml_node sheet = sheets.append_child(SiblingName(sheets, "sheet").c_str());
    sheet.append_attribute("name").set_value(std::string(name).c_str());
    sheet.append_attribute("sheetId").set_value(max_id + 1);
    sheet.append_attribute(id_attr.c_str()).set_value(rel_id.c_str());
    MarkDirty(workbook_part);
    return sheet;
}

Result<std::optional<std::string>> Workbook::Impl::RelatedPart(std::string_view suffix) {
    Result<std::vector<Relationship>> rels = package.Relationships(workbook_part);
    if (!rels) return std::unexpected(rels.error());
    for (const Relationship& rel : *rels) {
        if (rel.external || !RelTypeIs(rel.type, suffix)) continue;
        std::string part = Package::ResolveTarget(workbook_part, rel.target);
        if (package.HasPart(part)) return part;
    }
    return std::optional<std::string>{};
}

Result<std::string> Workbook::Impl::StylesPart() {
    if (styles_part) return *styles_part;
    Result<std::optional<std::string>> found = RelatedPart("styles");
    if (!found) return std::unexpected(found.error());
    if (*found) return *(styles_part = **found);

    std::string folder = workbook_part.substr(0, workbook_part.rfind('/') + 1);
    std::string part = folder + "styles.xml";
    package.WritePart(part, DefaultStylesXml(sml_ns));
    package.SetContentTypeOverride(part, kStylesType);
    Result<std::vector<Relationship>> rels = package.Relationships(workbook_part);
    if (!rels) return std::unexpected(rels.error());
    rels->push_back({FreshRelId(*rels), rel_base + "styles", RelativeTarget(workbook_part, part)});
    package.SetRelationships(workbook_part, *rels);
    return *(styles_part = part);
}

Result<pugi::xml_node> Workbook::Impl::StyleSheet() {
    Result<std::string> part = StylesPart();
    if (!part) return std::unexpected(part.error());
    Result<pugi::xml_document*> doc = Load(*part);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node root = (*doc)->document_element();
    if (LocalName(root) != "styleSheet") {
        return InvalidRequest(fmt::format("the part {} is not a stylesheet", *part));
    }
    return root;
}

void Recount(pugi::xml_node collection, std::string_view item) {
    if (pugi::xml_attribute count = collection.attribute("count")) {
        count.set_value(CountElementChildren(collection, item));
    }
}

Result<int> Workbook::Impl::NumberFormatId(std::string_view code) {
    Result<pugi::xml_node> sheet = StyleSheet();
    if (!sheet) return std::unexpected(sheet.error());
    pugi::xml_node formats = ChildOrInsert(*sheet, "numFmts", kStylesheetOrder);
    int max_id = 163;  // custom formats start at 164
    for (pugi::xml_node fmt_node : formats.children()) {
        if (LocalName(fmt_node) != "numFmt") continue;
        if (fmt_node.attribute("formatCode").value() == code) {
            return IntAttr(fmt_node, "numFmtId", 0);
        }
        max_id = std::max(max_id, IntAttr(fmt_node, "numFmtId", 0));
    }
    pugi::xml_node added = formats.append_child(SiblingName(formats, "numFmt").c_str());
    added.append_attribute("numFmtId").set_value(max_id + 1);
    added.append_attribute("formatCode").set_value(std::string(code).c_str());
    if (!formats.attribute("count")) formats.append_attribute("count");
    Recount(formats, "numFmt");
    MarkDirty(*styles_part);
    return max_id + 1;
}

// Records are compared by CanonicalXml, so that one written with other attribute order or
// indentation is still found.
int FindOrAppend(pugi::xml_node collection, std::string_view item,
                 const pugi::xml_node& candidate) {
    std::string wanted = CanonicalXml(candidate);
    int index = 0;
    for (pugi::xml_node child : collection.children()) {
        if (child.type() != pugi::node_element || LocalName(child) != item) continue;
        if (CanonicalXml(child) == wanted) return index;
        ++index;
    }
    collection.append_copy(candidate);
    Recount(collection, item);
    return index;
}

Result<int> Workbook::Impl::BoldFont(int font_id) {
    Result<pugi::xml_node> sheet = StyleSheet();
    if (!sheet) return std::unexpected(sheet.error());
    pugi::xml_node fonts = ChildOrInsert(*sheet, "fonts", kStylesheetOrder);
    pugi::xml_node base = NthElementChild(fonts, "font", font_id);

    pugi::xml_document scratch;
    pugi::xml_node candidate =
        base ? scratch.append_copy(base) : scratch.append_child(SiblingName(fonts, "font").c_str());
    if (pugi::xml_node bold = base ? Child(base, "b") : pugi::xml_node{}) {
        std::string_view val = bold.attribute("val").value();
        if (val != "0" && val != "false") return font_id;
    }
    if (pugi::xml_node old = candidate.child(SiblingName(fonts, "b").c_str())) {
        candidate.remove_child(old);
    }
    candidate.prepend_child(SiblingName(fonts, "b").c_str());
    int index = FindOrAppend(fonts, "font", candidate);
    MarkDirty(*styles_part);
    return index;
}

Result<int> Workbook::Impl::DeriveStyle(int base_xf, bool bold,
                                        std::optional<std::string_view> format) {
    std::optional<int> format_id;
    if (format) {
        Result<int> id = NumberFormatId(*format);
        if (!id) return std::unexpected(id.error());
        format_id = *id;
    }
    Result<pugi::xml_node> sheet = StyleSheet();
    if (!sheet) return std::unexpected(sheet.error());
    pugi::xml_node xfs = ChildOrInsert(*sheet, "cellXfs", kStylesheetOrder);
    if (CountElementChildren(xfs, "xf") == 0) {
        pugi::xml_node xf = xfs.append_child(SiblingName(xfs, "xf").c_str());
        for (const char* attr : {"numFmtId", "fontId", "fillId", "borderId", "xfId"}) {
            xf.append_attribute(attr).set_value(0);
        }
    }
    pugi::xml_node base = NthElementChild(xfs, "xf", base_xf);
    if (!base) base = NthElementChild(xfs, "xf", 0);

    pugi::xml_document scratch;
    pugi::xml_node candidate = scratch.append_copy(base);
    if (bold) {
        Result<int> font = BoldFont(IntAttr(base, "fontId", 0));
        if (!font) return std::unexpected(font.error());
        SetAttr(candidate, "fontId", std::to_string(*font));
        SetAttr(candidate, "applyFont", "1");
    }
    if (format_id) {
        SetAttr(candidate, "numFmtId", std::to_string(*format_id));
        SetAttr(candidate, "applyNumberFormat", "1");
    }
    int index = FindOrAppend(xfs, "xf", candidate);
    MarkDirty(*styles_part);
    return index;
}

Result<bool> Workbook::Impl::IsDateStyle(int xf) {
    // Once the stylesheet is known, each date cell need not re-read the relationships.
    if (!styles_part) {
        Result<std::optional<std::string>> part = RelatedPart("styles");
        if (!part) return std::unexpected(part.error());
        if (!*part) return false;
    }
    Result<pugi::xml_node> sheet = StyleSheet();
    if (!sheet) return std::unexpected(sheet.error());
    pugi::xml_node node = NthElementChild(Child(*sheet, "cellXfs"), "xf", xf);
    if (!node) return false;
    int id = IntAttr(node, "numFmtId", 0);
    if (IsBuiltinDateFormat(id)) return true;
    for (pugi::xml_node fmt_node : Child(*sheet, "numFmts").children()) {
        if (LocalName(fmt_node) == "numFmt" && IntAttr(fmt_node, "numFmtId", -1) == id) {
            return IsDateFormatCode(fmt_node.attribute("formatCode").value());
        }
    }
    return false;
}

namespace {

// The text of a plain <si> (one <t>), nullopt for rich text.
std::optional<std::string> PlainSharedString(const pugi::xml_node& si) {
    pugi::xml_node only;
    for (pugi::xml_node child : si.children()) {
        if (child.type() != pugi::node_element) continue;
        if (only || LocalName(child) != "t") return std::nullopt;
        only = child;
    }
    if (!only) return std::nullopt;
    return NodeText(only);
}

}  // namespace

Result<std::optional<std::string>> Workbook::Impl::SharedStringsPart() {
    if (shared_strings_memo) return *shared_strings_memo;
    return RelatedPart("sharedStrings");
}

Result<int> Workbook::Impl::SharedStringIndex(std::string_view text) {
    Result<std::optional<std::string>> part = SharedStringsPart();
    if (!part) return std::unexpected(part.error());
    Result<pugi::xml_document*> doc = Load(**part);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node sst = (*doc)->document_element();

    if (!shared_index) {
        shared_index.emplace();
        int index = 0;
        for (pugi::xml_node si : sst.children()) {
            if (si.type() != pugi::node_element || LocalName(si) != "si") continue;
            if (std::optional<std::string> plain = PlainSharedString(si)) {
                shared_index->emplace(*plain, index);
            }
            ++index;
        }
        shared_count = index;
    }
    if (pugi::xml_attribute count = sst.attribute("count")) {
        count.set_value(count.as_llong() + 1);
    }
    MarkDirty(**part);
    std::string key(text);
    if (auto it = shared_index->find(key); it != shared_index->end()) return it->second;

    int index = shared_count++;
    pugi::xml_node si = sst.append_child(SiblingName(sst, "si").c_str());
    pugi::xml_node t = si.append_child(SiblingName(sst, "t").c_str());
    if (NeedsSpacePreserved(key)) t.append_attribute("xml:space").set_value("preserve");
    t.append_child(pugi::node_pcdata).set_value(key.c_str());
    if (shared_items_doc == *doc) shared_items.push_back(si);
    if (pugi::xml_attribute unique = sst.attribute("uniqueCount")) unique.set_value(index + 1);
    shared_index->emplace(std::move(key), index);
    return index;
}

// Reading every cell of a sheet asks for each of its shared strings: the part is found once and
// its items indexed once, not searched from the start for each cell.
Result<std::string> Workbook::Impl::SharedStringText(int index) {
    if (!shared_part_for_reading) {
        Result<std::optional<std::string>> part = SharedStringsPart();
        if (!part) return std::unexpected(part.error());
        shared_part_for_reading = *part;
    }
    const std::optional<std::string>& part = *shared_part_for_reading;
    if (!part) return InvalidRequest("the workbook has no shared strings part");
    Result<pugi::xml_document*> doc = Load(*part);
    if (!doc) return std::unexpected(doc.error());
    if (shared_items_doc != *doc) {
        shared_items.clear();
        for (pugi::xml_node si : (*doc)->document_element().children()) {
            if (si.type() == pugi::node_element && LocalName(si) == "si")
                shared_items.push_back(si);
        }
        shared_items_doc = *doc;
    }
    if (index < 0 || static_cast<std::size_t>(index) >= shared_items.size()) {
        return InvalidRequest("a cell refers to a shared string that does not exist");
    }
    pugi::xml_node si = shared_items[static_cast<std::size_t>(index)];
    std::string text;
    ForEachElement(si, [&](pugi::xml_node node) {
        // Phonetic runs (rPh) are reading aids, not part of the text.
        if (LocalName(node) == "t" && LocalName(node.parent()) != "rPh") text += NodeText(node);
    });
    return DecodeXstring(text);
}

Status Workbook::Impl::CheckValue(const CellValue& value) {
    switch (value.kind) {
        case CellValue::Kind::kEmpty:
        case CellValue::Kind::kBoolean:
            return {};
        case CellValue::Kind::kNumber:
        case CellValue::Kind::kDate:
            if (!std::isfinite(value.number)) {
                return InvalidRequest("a cell cannot hold an infinite or NaN number");
            }
            return {};
        case CellValue::Kind::kFormula: {
            std::string_view f = value.text;
            if (f.starts_with('=')) f.remove_prefix(1);
            if (f.empty()) return InvalidRequest("a formula cannot be empty");
            if (!IsPlainAscii(f) && !DecodeUtf8(f)) {
                return InvalidRequest("a formula must be valid UTF-8 text");
            }
            if (std::string problem = FormulaSyntaxProblem(f); !problem.empty()) {
                return InvalidRequest(problem);
            }
            return {};
        }
        case CellValue::Kind::kText:
            if (!IsPlainAscii(value.text)) {
                std::optional<std::u32string> decoded = DecodeUtf8(value.text);
                if (!decoded) return InvalidRequest("cell text must be valid UTF-8");
                if (Utf16Length(*decoded) > kMaxCellText) {
                    return InvalidRequest("cell text can have at most 32767 characters");
                }
            } else if (value.text.size() > kMaxCellText) {
                return InvalidRequest("cell text can have at most 32767 characters");
            }
            return {};
    }
    return {};
}

Result<CellWrite> Workbook::Impl::Prepare(const CellValue& value, std::optional<int> style) {
    if (Status valid = CheckValue(value); !valid) return std::unexpected(valid.error());
    return PrepareChecked(value, style);
}

Result<CellWrite> Workbook::Impl::PrepareChecked(const CellValue& value, std::optional<int> style,
                                                 bool borrow) {
    CellWrite write;
    switch (value.kind) {
        case CellValue::Kind::kEmpty:
            return write;
        case CellValue::Kind::kNumber:
        case CellValue::Kind::kDate:
            write.kind = CellWrite::Kind::kNumber;
            write.text = FormatNumber(value.number);
            break;
        case CellValue::Kind::kBoolean:
            write.kind = CellWrite::Kind::kBoolean;
            write.text = value.number != 0 ? "1" : "0";
            return write;
        case CellValue::Kind::kFormula: {
            std::string_view f = value.text;
            if (f.starts_with('=')) f.remove_prefix(1);
            write.kind = CellWrite::Kind::kFormula;
            std::string stored = AddFunctionPrefixes(f);
            // Prefixes only ever lengthen a formula: the same length means the same text.
            if (borrow && stored.size() == f.size()) {
                write.borrowed = f;
            } else {
                write.text = std::move(stored);
            }
            return write;
        }
        case CellValue::Kind::kText: {
            Result<std::optional<std::string>> sst = SharedStringsPart();
            if (!sst) return std::unexpected(sst.error());
            // Printable ASCII without '_' is its own ST_Xstring encoding.
            bool verbatim = IsPlainAscii(value.text) && value.text.find('_') == std::string::npos;
            if (!*sst) {
                write.kind = CellWrite::Kind::kInlineString;
                if (verbatim && borrow) {
                    write.borrowed = value.text;
                } else {
                    write.text = verbatim ? value.text : EncodeXstring(value.text);
                }
                return write;
            }
            Result<int> index = SharedStringIndex(EncodeXstring(value.text));
            if (!index) return std::unexpected(index.error());
            write.kind = CellWrite::Kind::kSharedString;
            write.text = std::to_string(*index);
            return write;
        }
    }

    // A date keeps a style that already shows dates; otherwise it gets one that does.
    if (value.kind == CellValue::Kind::kDate) {
        Result<bool> dated = IsDateStyle(style.value_or(0));
        if (!dated) return std::unexpected(dated.error());
        if (!*dated) {
            Result<int> derived = DeriveStyle(style.value_or(0), false, kDateFormat);
            if (!derived) return std::unexpected(derived.error());
            write.style = *derived;
        }
    }
    return write;
}

void Workbook::Impl::RequestFullCalc() {
    pugi::xml_node calc = ChildOrInsert(WorkbookRoot(), "calcPr", kWorkbookOrder);
    if (std::string_view(calc.attribute("fullCalcOnLoad").value()) == "1") return;
    SetAttr(calc, "fullCalcOnLoad", "1");
    MarkDirty(workbook_part);
}

// The calculation chain lists formula cells; after formulas change it is stale, and Excel
// rebuilds a missing one without complaint.
Status Workbook::Impl::DropCalcChain() {
    Result<std::vector<Relationship>> rels = package.Relationships(workbook_part);
    if (!rels) return std::unexpected(rels.error());
    auto chain = std::find_if(rels->begin(), rels->end(), [](const Relationship& rel) {
        return RelTypeIs(rel.type, "calcChain");
    });
    if (chain == rels->end()) return {};
    package.RemovePart(Package::ResolveTarget(workbook_part, chain->target));
    rels->erase(chain);
    package.SetRelationships(workbook_part, *rels);
    return {};
}

namespace {

// Cheap test before parsing a part: could its raw text mention the sheet at all? Only the part
// of the name before any character XML or formulas escape is looked for.
bool MayMention(std::string_view xml, std::string_view name) {
    std::string_view needle = name.substr(0, name.find_first_of("'&<>\""));
    if (needle.empty()) return true;
    std::string lowered_xml = AsciiLower(xml);
    return lowered_xml.find(AsciiLower(needle)) != std::string::npos;
}

bool RewriteFormulas(pugi::xml_node root, std::string_view old_name, std::string_view new_name) {
    static const std::set<std::string_view> kFormulaElements = {"f", "formula", "formula1",
                                                                "formula2"};
    bool changed = false;
    ForEachElement(root, [&](pugi::xml_node node) {
        std::string_view local = LocalName(node);
        if (kFormulaElements.contains(local)) {
            std::string text = NodeText(node);
            std::string renamed = RenameSheetInFormula(text, old_name, new_name);
            if (renamed != text) {
                SetNodeText(node, renamed);
                changed = true;
            }
        } else if (local == "hyperlink" && node.attribute("location")) {
            std::string text = node.attribute("location").value();
            std::string renamed = RenameSheetInFormula(text, old_name, new_name);
            if (renamed != text) {
                node.attribute("location").set_value(renamed.c_str());
                changed = true;
            }
        }
    });
    return changed;
}

}  // namespace

Status Workbook::Impl::RenameInPart(const std::string& part, std::string_view old_name,
                                    std::string_view new_name) {
    if (auto cached = parts.find(part); cached != parts.end() && cached->second.doc) {
        if (RewriteFormulas(cached->second.doc->document_element(), old_name, new_name)) {
            cached->second.dirty = true;
        }
        return {};
    }
    Result<std::string> text = package.ReadPart(part);
    if (!text) return std::unexpected(text.error());
    if (!MayMention(*text, old_name)) return {};
    // Parsed only for this edit and dropped afterwards, to keep memory to one part at a time.
    auto doc = ooxml::ParseXml(*text, part, package.limits().max_xml_depth);
    if (!doc) return std::unexpected(doc.error());
    if (RewriteFormulas((*doc)->document_element(), old_name, new_name)) {
        package.WritePart(part, ooxml::SerializeXml(**doc));
    }
    return {};
}

Status Workbook::Impl::RenameInDefinedNames(std::string_view old_name, std::string_view new_name) {
    pugi::xml_node names = Child(WorkbookRoot(), "definedNames");
    for (pugi::xml_node name : names.children()) {
        if (LocalName(name) != "definedName") continue;
        std::string text = NodeText(name);
        std::string renamed = RenameSheetInFormula(text, old_name, new_name);
        if (renamed == text) continue;
        SetNodeText(name, renamed);
        MarkDirty(workbook_part);
    }
    return {};
}

Status Workbook::Impl::RenameInPivotCaches(std::string_view old_name, std::string_view new_name) {
    for (const std::string& part : package.PartNames()) {
        if (package.ContentType(part) != kPivotCacheType) continue;
        Result<std::string> text = package.ReadPart(part);
        if (!text) return std::unexpected(text.error());
        if (!MayMention(*text, old_name)) continue;
        auto doc = ooxml::ParseXml(*text, part, package.limits().max_xml_depth);
        if (!doc) return std::unexpected(doc.error());
        bool changed = false;
        ForEachElement((*doc)->document_element(), [&](pugi::xml_node node) {
            pugi::xml_attribute sheet = node.attribute("sheet");
            if (LocalName(node) == "worksheetSource" && sheet &&
                EqualsIgnoreCase(sheet.value(), old_name)) {
                sheet.set_value(std::string(new_name).c_str());
                changed = true;
            }
        });
        if (changed) package.WritePart(part, ooxml::SerializeXml(**doc));
    }
    return {};
}

// ---- Workbook ----------------------------------------------------------------------------------

Workbook::Workbook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Workbook::Workbook(Workbook&&) noexcept = default;
Workbook& Workbook::operator=(Workbook&&) noexcept = default;
Workbook::~Workbook() = default;

namespace {

bool IsOtherOfficeMainType(std::string_view type) {
    return type.find("wordprocessingml") != std::string_view::npos ||
           type.find("presentationml") != std::string_view::npos ||
           type.find("ms-word") != std::string_view::npos ||
           type.find("ms-powerpoint") != std::string_view::npos;
}

}  // namespace

Result<Workbook> Workbook::Open(std::string bytes) { return Open(std::move(bytes), {}); }

Result<Workbook> Workbook::Open(std::string bytes, const WorkbookOptions& options) {
    Result<Package> package = Package::Open(std::move(bytes));
    if (!package) return std::unexpected(package.error());
    Result<std::string> main = package->MainPart();
    if (!main) return std::unexpected(main.error());
    std::optional<std::string> type = package->ContentType(*main);
    if (type && IsOtherOfficeMainType(*type)) {
        return InvalidRequest("the file is not an Excel workbook: it is another Office document");
    }

    auto impl = std::make_unique<Impl>(std::move(*package));
    impl->options = options;
    impl->workbook_part = *main;
    Result<pugi::xml_document*> doc = impl->Load(*main);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node root = (*doc)->document_element();
    if (!IsWorkbookRoot(root)) {
        return InvalidRequest("the file is not an Excel workbook: its main part is no workbook");
    }
    const bool strict = NamespaceOf(root) == ns::kSpreadsheetStrict;
    impl->sml_ns = std::string(strict ? ns::kSpreadsheetStrict : ns::kSpreadsheetMain);
    impl->rel_ns = std::string(strict ? ns::kRelationshipsStrict : ns::kRelationships);
    impl->rel_base = std::string(strict ? kRelBaseStrict : kRelBase);

    // The sheet list must be readable now, so that a broken one is refused at upload rather than
    // in the middle of a task.
    if (Result<std::vector<SheetEntry>> sheets = impl->SheetEntries(); !sheets) {
        return std::unexpected(sheets.error());
    }
    return Workbook(std::move(impl));
}

Workbook Workbook::Create() { return Create({}); }

Workbook Workbook::Create(const WorkbookOptions& options) {
    Package package = Package::Create();
    const std::string workbook_part = "xl/workbook.xml";
    package.WritePart("docProps/core.xml", CorePropertiesXml());
    package.WritePart("docProps/app.xml", AppPropertiesXml());
    package.WritePart(workbook_part, NewWorkbookXml());
    package.WritePart("xl/styles.xml", DefaultStylesXml(ns::kSpreadsheetMain));
    package.SetContentTypeOverride(workbook_part, kWorkbookType);
    package.SetContentTypeOverride("xl/styles.xml", kStylesType);
    package.SetContentTypeOverride("docProps/core.xml", kCoreType);
    package.SetContentTypeOverride("docProps/app.xml", kAppType);
    package.SetRelationships(
        "", {{"rId1", std::string(ooxml::kOfficeDocumentRel), workbook_part},
             {"rId2", fmt::format("{}core-properties", kPackageRelBase), "docProps/core.xml"},
             {"rId3", fmt::format("{}extended-properties", kRelBase), "docProps/app.xml"}});
    package.SetRelationships(workbook_part,
                             {{"rId1", fmt::format("{}styles", kRelBase), "styles.xml"}});

    auto impl = std::make_unique<Impl>(std::move(package));
    impl->options = options;
    impl->workbook_part = workbook_part;
    impl->sml_ns = std::string(ns::kSpreadsheetMain);
    impl->rel_ns = std::string(ns::kRelationships);
    impl->rel_base = std::string(kRelBase);
    // The workbook part was just written from a constant; it parses.
    (void)impl->Load(workbook_part);
    return Workbook(std::move(impl));
}

Result<std::vector<SheetInfo>> Workbook::Sheets() const {
    impl_->Flush();
    Result<std::vector<SheetEntry>> entries = impl_->SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    std::vector<SheetInfo> sheets;
    for (const SheetEntry& entry : *entries) {
        SheetInfo info{entry.name, entry.kind, entry.state, "", entry.part};
        if (entry.kind == "worksheet" && impl_->package.HasPart(entry.part)) {
            // The dimension is usually declared at the top: the rest of a large part need not
            // be inflated for it.
            Result<std::string> head = impl_->package.ReadPartPrefix(entry.part, kDimensionHead);
            if (!head) return std::unexpected(head.error());
            if (std::optional<std::string> declared = DeclaredDimension(*head)) {
                info.dimension = std::move(*declared);
                sheets.push_back(std::move(info));
                continue;
            }
            std::string storage;
            Result<std::string_view> xml = impl_->PartText(entry.part, storage);
            if (!xml) return std::unexpected(xml.error());
            info.dimension = ScanDimension(*xml);
        }
        sheets.push_back(std::move(info));
    }
    return sheets;
}

Status Workbook::AddSheet(std::string_view name) {
    if (Status valid = ValidateSheetName(name); !valid) return valid;
    if (Status free = impl_->CheckNameFree(name, {}); !free) return free;

    Package& package = impl_->package;
    Result<std::vector<Relationship>> rels = package.Relationships(impl_->workbook_part);
    if (!rels) return std::unexpected(rels.error());
    std::string part = impl_->NewSheetPart();
    std::string rel_id = FreshRelId(*rels);
    rels->push_back(
        {rel_id, impl_->rel_base + "worksheet", RelativeTarget(impl_->workbook_part, part)});

    package.WritePart(part, EmptyWorksheetXml(impl_->sml_ns, impl_->rel_ns));
    package.SetContentTypeOverride(part, kWorksheetType);
    package.SetRelationships(impl_->workbook_part, *rels);
    Result<pugi::xml_node> sheet = impl_->AppendSheetElement(name, rel_id);
    if (!sheet) return std::unexpected(sheet.error());
    return {};
}

Status Workbook::RenameSheet(std::string_view sheet, std::string_view new_name) {
    Result<SheetEntry> entry = impl_->FindSheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    if (Status valid = ValidateSheetName(new_name); !valid) return valid;
    if (Status free = impl_->CheckNameFree(new_name, entry->node); !free) return free;
    const std::string old_name = entry->name;
    if (old_name == new_name) return {};

    Result<std::vector<SheetEntry>> entries = impl_->SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    std::vector<std::string> formula_parts;
    for (const SheetEntry& other : *entries) {
        if (other.kind != "chartsheet" && impl_->package.HasPart(other.part)) {
            formula_parts.push_back(other.part);
        }
    }
    for (const std::string& part : impl_->package.PartNames()) {
        if (impl_->package.ContentType(part) == kChartType) formula_parts.push_back(part);
    }

    // Everything that can fail (reading and parsing parts) happens before the name changes.
    for (const std::string& part : formula_parts) {
        if (Status s = impl_->RenameInPart(part, old_name, new_name); !s) return s;
    }
    if (Status s = impl_->RenameInPivotCaches(old_name, new_name); !s) return s;
    if (Status s = impl_->RenameInDefinedNames(old_name, new_name); !s) return s;
    entry->node.attribute("name").set_value(std::string(new_name).c_str());
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

Status Workbook::SetCell(std::string_view sheet, std::string_view ref, const CellValue& value) {
    const CellEdit edit{std::string(ref), value};
    return SetCells(sheet, std::span<const CellEdit>(&edit, 1));
}

Status Workbook::SetCells(std::string_view sheet, std::span<const CellEdit> edits) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    std::vector<PlacedValue> cells;
    cells.reserve(edits.size());
    for (const CellEdit& edit : edits) {
        std::optional<CellRef> at = ParseCellRef(edit.ref);
        if (!at) {
            return InvalidRequest(fmt::format("'{}' is not a cell reference like B7", edit.ref));
        }
        cells.push_back({*at, &edit.value, std::nullopt});
    }
    return impl_->SetPlaced(*entry, cells);
}

Status Workbook::WriteRows(std::string_view sheet, CellRef top_left,
                           std::span<const std::vector<CellValue>> rows) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    if (top_left.row < 1 || top_left.col < 1 || top_left.row > kMaxRows ||
        top_left.col > kMaxColumns) {
        return InvalidRequest("the first cell of the rows is outside the sheet");
    }
    std::size_t count = 0;
    std::size_t widest = 0;
    for (const auto& row : rows) {
        count += row.size();
        widest = std::max(widest, row.size());
    }
    if (rows.size() > static_cast<std::size_t>(kMaxRows - top_left.row + 1)) {
        return InvalidRequest(fmt::format("{} rows from {} go past the sheet's last row ({})",
                                          rows.size(), CellName(top_left), kMaxRows));
    }
    if (widest > static_cast<std::size_t>(kMaxColumns - top_left.col + 1)) {
        return InvalidRequest(fmt::format("{} columns from {} go past the sheet's last column",
                                          widest, CellName(top_left)));
    }
    std::vector<PlacedValue> cells;
    cells.reserve(count);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t j = 0; j < rows[i].size(); ++j) {
            CellRef at{top_left.col + static_cast<int>(j), top_left.row + static_cast<int>(i)};
            cells.push_back({at, &rows[i][j], std::nullopt});
        }
    }
    return impl_->SetPlaced(*entry, cells);
}

Status Workbook::Impl::SetPlaced(const SheetEntry& entry, std::span<const PlacedValue> cells) {
    if (Status valid = CheckPlaced(cells); !valid) return valid;
    return WritePlaced(entry, cells);
}

Status Workbook::Impl::CheckPlaced(std::span<const PlacedValue> cells) {
    for (const PlacedValue& cell : cells) {
        if (Status valid = CheckValue(*cell.value); !valid) {
            return InvalidRequest(fmt::format("{}: {}", CellName(cell.ref), valid.error().message));
        }
    }
    return {};
}

Status Workbook::Impl::WritePlaced(const SheetEntry& entry, std::span<const PlacedValue> cells) {
    if (StreamsPart(entry.part, cells.size())) {
        Result<bool> streamed = SetCellsStreamed(entry, cells);
        if (!streamed) return std::unexpected(streamed.error());
        if (*streamed) return {};
    }
    Result<pugi::xml_document*> doc = Load(entry.part);
    if (!doc) return std::unexpected(doc.error());

    // Prepare every value first: a bad one must leave the sheet as it was.
    SheetWriter writer(**doc);
    const ColumnStyles columns = ColumnStyles::Of(writer.root());
    std::vector<CellWrite> writes;
    writes.reserve(cells.size());
    for (const PlacedValue& cell : cells) {
        std::optional<int> style;
        pugi::xml_node existing = writer.FindCell(cell.ref);
        if (existing && existing.attribute("s")) style = existing.attribute("s").as_int();
        // A new cell starts from its row's or column's format, as one typed there in Excel.
        if (!existing)
            style = NewCellStyle(writer.ExistingRow(cell.ref.row), cell.ref.col, columns);
        Result<CellWrite> write = PrepareChecked(*cell.value, style);
        if (!write) {
            Error error = write.error();
            error.message = fmt::format("{}: {}", CellName(cell.ref), error.message);
            return std::unexpected(std::move(error));
        }
        if (!existing && !write->style) write->style = style;
        if (cell.style) write->style = cell.style;
        writes.push_back(std::move(*write));
    }

    bool formulas_changed = false;
    pugi::xml_node row;
    pugi::xml_node hint;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const CellRef ref = cells[i].ref;
        // Consecutive cells of one row, left to right, find their place from the last one.
        bool follows = i > 0 && ref.row == cells[i - 1].ref.row && ref.col > cells[i - 1].ref.col;
        if (!follows) {
            row = writer.Row(ref.row);
            hint = {};
        }
        pugi::xml_node cell = writer.Cell(row, ref, hint);
        hint = cell;
        if (HasFormula(cell)) {
            DetachSharedFormula(writer, cell, ref);
            formulas_changed = true;
        }
        formulas_changed = formulas_changed || writes[i].kind == CellWrite::Kind::kFormula;
        WriteCell(cell, writes[i]);
    }
    writer.UpdateDimension();
    MarkDirty(entry.part);

    if (formulas_changed) {
        if (Status dropped = DropCalcChain(); !dropped) return dropped;
    }
    RequestFullCalc();
    return {};
}

Result<CellValue> Workbook::GetCell(std::string_view sheet, std::string_view ref) const {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    std::optional<CellRef> at = ParseCellRef(ref);
    if (!at) return InvalidRequest(fmt::format("'{}' is not a cell reference like B7", ref));
    if (impl_->StreamsPart(entry->part, 0)) {
        Result<std::optional<CellValue>> streamed = impl_->GetCellStreamed(entry->part, *at);
        if (!streamed) return std::unexpected(streamed.error());
        if (*streamed) return **streamed;
    }
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    SheetWriter reader(**doc);
    pugi::xml_node c = reader.FindCell(*at);
    if (!c) return CellValue{};
    return impl_->ReadCell(c);
}

Result<CellValue> Workbook::Impl::ReadCell(const pugi::xml_node& c) {
    if (pugi::xml_node f = Child(c, "f"); f && !NodeText(f).empty()) {
        return CellValue::Formula(RemoveFunctionPrefixes(NodeText(f)));
    }
    std::string_view type = c.attribute("t").value();
    std::string v = NodeText(Child(c, "v"));
    if (type == "s") {
        Result<std::string> text = SharedStringText(std::atoi(v.c_str()));
        if (!text) return std::unexpected(text.error());
        return CellValue::Text(*text);
    }
    if (type == "inlineStr") {
        std::string text;
        ForEachElement(Child(c, "is"), [&](pugi::xml_node node) {
            if (LocalName(node) == "t" && LocalName(node.parent()) != "rPh") {
                text += NodeText(node);
            }
        });
        return CellValue::Text(DecodeXstring(text));
    }
    if (type == "str" || type == "e") return CellValue::Text(v);
    if (type == "b") return CellValue::Boolean(v == "1" || v == "true");
    if (v.empty()) return CellValue{};
    double number = std::strtod(v.c_str(), nullptr);
    Result<bool> dated = IsDateStyle(IntAttr(c, "s", 0));
    if (!dated) return std::unexpected(dated.error());
    return *dated ? CellValue::Date(number) : CellValue::Number(number);
}

// ---- Cells of large parts ----------------------------------------------------------------------

namespace {

bool RefLess(const CellRef& a, const CellRef& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
}

// True when every edit comes after the one before it in sheet order, each cell once.
bool InSheetOrder(std::span<const PlacedValue> edits) {
    for (std::size_t i = 1; i < edits.size(); ++i) {
        if (!RefLess(edits[i - 1].ref, edits[i].ref)) return false;
    }
    return true;
}

// The edits in sheet order, one per cell: the last edit of a cell wins, as it does when the
// edits are applied one after another.
void SortCells(std::vector<StreamedCell>& cells) {
    auto less = [](const StreamedCell& a, const StreamedCell& b) { return RefLess(a.ref, b.ref); };
    // Bulk writes usually come in sheet order already.
    if (!std::is_sorted(cells.begin(), cells.end(), less)) {
        std::stable_sort(cells.begin(), cells.end(), less);
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (kept > 0 && cells[kept - 1].ref == cells[i].ref) {
            cells[kept - 1].write = std::move(cells[i].write);
        } else if (kept != i) {
            cells[kept++] = std::move(cells[i]);
        } else {
            ++kept;
        }
    }
    cells.resize(kept);
}

// What overwriting an existing cell means beyond the cell: whether it held a formula, and the
// shared formula group it anchors, if any.
struct OverwrittenCell {
    bool had_formula = false;
    std::optional<SharedFormulaGroup> anchors;
};

Result<OverwrittenCell> InspectOverwritten(const WorksheetText& sheet, std::string_view cell,
                                           CellRef at, std::string_view part_name) {
    auto doc = sheet.ParseCell(cell, part_name);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node c = (*doc)->document_element().find_child(
        [](const pugi::xml_node& node) { return node.type() == pugi::node_element; });
    OverwrittenCell out;
    pugi::xml_node f = Child(c, "f");
    out.had_formula = static_cast<bool>(f);
    if (!f || std::string_view(f.attribute("t").value()) != "shared" || !f.attribute("ref")) {
        return out;
    }
    std::optional<CellRange> range = ParseRange(f.attribute("ref").value());
    if (range) out.anchors = SharedFormulaGroup{f.attribute("si").value(), NodeText(f), at, *range};
    return out;
}

}  // namespace

bool Workbook::Impl::StreamsPart(const std::string& part, std::size_t edit_count) const {
    if (auto loaded = parts.find(part); loaded != parts.end() && loaded->second.doc) return false;
    std::optional<std::uint64_t> size = package.PartSize(part);
    return (size && *size >= options.stream_part_bytes) || edit_count >= options.stream_edit_count;
}

Result<std::string_view> Workbook::Impl::PartText(const std::string& part,
                                                  std::string& storage) const {
    if (std::optional<std::string_view> written = package.WrittenPart(part)) return *written;
    Result<std::string> text = package.ReadPart(part);
    if (!text) return std::unexpected(text.error());
    storage = std::move(*text);
    return std::string_view(storage);
}

// An unwritten part's text is the source zip's and cannot change, so it may be kept.
Result<std::string_view> Workbook::Impl::ScannedText(const std::string& part) {
    if (std::optional<std::string_view> written = package.WrittenPart(part)) {
        if (scanned_part == part) ForgetScannedText();
        return *written;
    }
    if (scanned_part != part) {
        ForgetScannedText();
        Result<std::string> text = package.ReadPart(part);
        if (!text) return std::unexpected(text.error());
        scanned_text = std::move(*text);
        scanned_part = part;
    }
    return std::string_view(scanned_text);
}

void Workbook::Impl::ForgetScannedText() {
    scanned_part.clear();
    std::string().swap(scanned_text);
}

Result<bool> Workbook::Impl::SetCellsStreamed(const SheetEntry& entry,
                                              std::span<const PlacedValue> edits) {
    // A part read for this edit gets room to grow, so a small edit is made in place and a
    // large part is never held twice.
    std::string storage;
    Result<std::string_view> xml = std::string_view{};
    if (package.WrittenPart(entry.part) || scanned_part == entry.part) {
        xml = ScannedText(entry.part);
    } else {
        std::size_t spare = edits.size() <= kInPlaceEdits ? 4096 + edits.size() * 256 : 0;
        Result<std::string> text = package.ReadPart(entry.part, spare);
        if (!text) return std::unexpected(text.error());
        storage = std::move(*text);
        xml = std::string_view(storage);
    }
    if (!xml) return std::unexpected(xml.error());
    std::optional<WorksheetText> sheet = WorksheetText::Scan(*xml);
    if (!sheet) return false;

    // Preparing text and dates can add shared strings and styles; then the whole of <sheetData>
    // is checked first, so that the merge cannot fail after that.
    bool prepares_parts = std::any_of(edits.begin(), edits.end(), [](const PlacedValue& edit) {
        return edit.value->kind == CellValue::Kind::kText ||
               edit.value->kind == CellValue::Kind::kDate;
    });
    // A new sheet's bulk write would otherwise hold an empty view per edit.
    Result<std::vector<std::string_view>> existing = std::vector<std::string_view>{};
    std::vector<std::optional<int>> row_styles;
    if (!sheet->HasNoCells()) {
        std::vector<CellRef> refs;
        refs.reserve(edits.size());
        for (const PlacedValue& edit : edits) refs.push_back(edit.ref);
        existing = sheet->FindCells(refs, entry.part, prepares_parts, &row_styles);
    }
    if (!existing) return std::unexpected(existing.error());
    auto existing_at = [&](std::size_t i) {
        return existing->empty() ? std::string_view{} : (*existing)[i];
    };

    // Each text cell would otherwise read the workbook's relationships again.
    Result<std::optional<std::string>> sst = RelatedPart("sharedStrings");
    if (!sst) return std::unexpected(sst.error());
    shared_strings_memo = *sst;
    struct ForgetOnExit {
        std::optional<std::optional<std::string>>& memo;
        ~ForgetOnExit() { memo.reset(); }
    } forget{shared_strings_memo};

    // A new cell starts from its row's or column's format, as one typed there in Excel.
    const ColumnStyles columns = sheet->ColumnStylesOf();
    if (sheet->HasNoCells() && InSheetOrder(edits)) {
        return FillNewCells(entry, *sheet, edits, columns);
    }

    std::vector<StreamedCell> cells;
    cells.reserve(edits.size());
    bool formulas_changed = false;
    for (std::size_t i = 0; i < edits.size(); ++i) {
        std::optional<int> style;
        if (!existing_at(i).empty()) {
            style = WorksheetText::CellStyle(existing_at(i));
        } else if (!row_styles.empty() && row_styles[i]) {
            style = row_styles[i];
        } else if (int column = columns.At(edits[i].ref.col); column != 0) {
            style = column;
        }
        const bool inherits = existing_at(i).empty() && style;
        // The values outlive the merge, which is done before this returns.
        Result<CellWrite> write = PrepareChecked(*edits[i].value, style, true);
        if (!write) {
            Error error = write.error();
            error.message = fmt::format("{}: {}", CellName(edits[i].ref), error.message);
            return std::unexpected(std::move(error));
        }
        if (inherits && !write->style) write->style = style;
        if (edits[i].style) write->style = edits[i].style;
        formulas_changed = formulas_changed || write->kind == CellWrite::Kind::kFormula;
        cells.push_back({edits[i].ref, std::move(*write)});
    }

    std::vector<SharedFormulaGroup> detached;
    std::set<std::pair<int, int>> inspected;
    for (std::size_t i = 0; i < edits.size(); ++i) {
        const CellRef ref = edits[i].ref;
        if (existing_at(i).empty() || !inspected.emplace(ref.row, ref.col).second) continue;
        Result<OverwrittenCell> old = InspectOverwritten(*sheet, existing_at(i), ref, entry.part);
        if (!old) return std::unexpected(old.error());
        formulas_changed = formulas_changed || old->had_formula;
        if (old->anchors) detached.push_back(std::move(*old->anchors));
    }

    SortCells(cells);
    if (Status written = WriteMerged(entry.part, *sheet, storage, cells, detached); !written) {
        return std::unexpected(written.error());
    }
    if (formulas_changed) {
        if (Status dropped = DropCalcChain(); !dropped) return std::unexpected(dropped.error());
    }
    RequestFullCalc();
    return true;
}

// A new sheet's bulk write: the cells are prepared a few rows at a time while the text is
// written, so that a prepared copy of every cell is never held.
Result<bool> Workbook::Impl::FillNewCells(const SheetEntry& entry, const WorksheetText& sheet,
                                          std::span<const PlacedValue> edits,
                                          const ColumnStyles& columns) {
    constexpr std::size_t kChunk = 8192;
    CellRange written{edits.front().ref, edits.front().ref};
    bool writes_a1 = false;
    std::size_t estimate = 256;
    for (const PlacedValue& edit : edits) {
        written = Union(written, edit.ref);
        writes_a1 = writes_a1 || edit.ref == CellRef{1, 1};
        estimate +=
            56 + (edit.value->kind == CellValue::Kind::kNumber ? 12 : edit.value->text.size());
    }
    bool formulas = false;
    std::size_t next = 0;
    auto source = [&](std::vector<StreamedCell>& cells) -> Status {
        cells.clear();
        while (next < edits.size() &&
               (cells.size() < kChunk || edits[next].ref.row == edits[next - 1].ref.row)) {
            const PlacedValue& edit = edits[next];
            // The values outlive the fill, which is done before this returns.
            int column = columns.At(edit.ref.col);
            Result<CellWrite> write = PrepareChecked(
                *edit.value, column != 0 ? std::optional<int>(column) : std::nullopt, true);
            if (!write) {
                Error error = write.error();
                error.message = fmt::format("{}: {}", CellName(edit.ref), error.message);
                return std::unexpected(std::move(error));
            }
            if (column != 0 && !write->style) write->style = column;
            if (edit.style) write->style = edit.style;
            formulas = formulas || write->kind == CellWrite::Kind::kFormula;
            cells.push_back({edit.ref, std::move(*write)});
            ++next;
        }
        return {};
    };
    Result<std::string> text = sheet.FillCells(written, writes_a1, estimate, source, entry.part);
    if (!text) return std::unexpected(text.error());
    package.WritePart(entry.part, std::move(*text));
    if (scanned_part == entry.part) ForgetScannedText();
    if (formulas) {
        if (Status dropped = DropCalcChain(); !dropped) return std::unexpected(dropped.error());
    }
    RequestFullCalc();
    return true;
}

Status Workbook::Impl::WriteMerged(const std::string& part, const WorksheetText& sheet,
                                   std::string& storage, std::span<const StreamedCell> cells,
                                   std::span<const SharedFormulaGroup> detached) {
    if (!storage.empty()) {
        Result<bool> in_place = sheet.MergeCellsInPlace(storage, cells, detached, part);
        if (!in_place) return std::unexpected(in_place.error());
        if (*in_place) {
            package.WritePart(part, std::move(storage));
            return {};
        }
    }
    Result<std::string> merged = sheet.MergeCells(cells, detached, part);
    if (!merged) return std::unexpected(merged.error());
    // The scanned text may be what `sheet` looks at, so it is dropped only now.
    package.WritePart(part, std::move(*merged));
    if (scanned_part == part) ForgetScannedText();
    return {};
}

Result<std::optional<CellValue>> Workbook::Impl::GetCellStreamed(const std::string& part,
                                                                 CellRef ref) {
    Result<std::string_view> xml = ScannedText(part);
    if (!xml) return std::unexpected(xml.error());
    std::optional<WorksheetText> sheet = WorksheetText::Scan(*xml);
    if (!sheet) return std::optional<CellValue>{};
    Result<std::vector<std::string_view>> found = sheet->FindCells({&ref, 1}, part);
    if (!found) return std::unexpected(found.error());
    if (found->front().empty()) return std::optional<CellValue>{CellValue{}};
    auto doc = sheet->ParseCell(found->front(), part);
    if (!doc) return std::unexpected(doc.error());
    pugi::xml_node c = (*doc)->document_element().find_child(
        [](const pugi::xml_node& node) { return node.type() == pugi::node_element; });
    Result<CellValue> value = ReadCell(c);
    if (!value) return std::unexpected(value.error());
    return std::optional<CellValue>{std::move(*value)};
}

std::vector<std::string> Workbook::ParsedParts() const {
    std::vector<std::string> names;
    for (const auto& [name, part] : impl_->parts) {
        if (part.doc) names.push_back(name);
    }
    return names;
}

namespace {

// Column widths in Excel's character units: content plus a little padding, within bounds.
std::vector<double> FitColumnWidths(const CsvTable& table, std::size_t columns) {
    std::vector<std::size_t> longest(columns, 0);
    for (std::size_t j = 0; j < table.header.size(); ++j) {
        longest[j] = DisplayLength(CellValue::Text(table.header[j])) + 1;  // bold is wider
    }
    for (const auto& row : table.rows) {
        for (std::size_t j = 0; j < row.size() && j < columns; ++j) {
            longest[j] = std::max(longest[j], DisplayLength(row[j]));
        }
    }
    std::vector<double> widths;
    for (std::size_t n : longest) {
        widths.push_back(FittedColumnWidth(n));
    }
    return widths;
}

}  // namespace

Status Workbook::WriteTable(std::string_view sheet, const CsvTable& table) {
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    std::size_t columns = table.header.size();
    for (const auto& row : table.rows) columns = std::max(columns, row.size());
    if (columns > static_cast<std::size_t>(kMaxColumns)) {
        return InvalidRequest("the table has more columns than a sheet can hold (16384)");
    }
    if (table.rows.size() + 1 > static_cast<std::size_t>(kMaxRows)) {
        return InvalidRequest("the table has more rows than a sheet can hold (1048576)");
    }
    std::vector<CellValue> header;
    header.reserve(table.header.size());
    for (const std::string& text : table.header) header.push_back(CellValue::Text(text));
    std::vector<PlacedValue> cells;
    for (std::size_t j = 0; j < header.size(); ++j) {
        cells.push_back({{static_cast<int>(j) + 1, 1}, &header[j], {}});
    }
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        for (std::size_t j = 0; j < table.rows[i].size(); ++j) {
            const CellValue& value = table.rows[i][j];
            if (value.kind == CellValue::Kind::kEmpty) continue;
            cells.push_back({{static_cast<int>(j) + 1, static_cast<int>(i) + 2}, &value, {}});
        }
    }
    if (Status valid = impl_->CheckPlaced(cells); !valid) return valid;
    Result<int> header_style = impl_->DeriveStyle(0, true, std::nullopt);
    if (!header_style) return std::unexpected(header_style.error());
    for (std::size_t j = 0; j < header.size(); ++j) cells[j].style = *header_style;
    // Widths and the frozen header go into the sheet's markup first; then the cells, which for
    // a large table stream into the text instead of growing a DOM.
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());
    SheetWriter writer(**doc);
    SetColumnWidths(writer.root(), FitColumnWidths(table, columns));
    FreezeHeaderRow(writer.root());
    impl_->MarkDirty(entry->part);
    impl_->Release(entry->part);
    return impl_->WritePlaced(*entry, cells);
}

Result<std::string> Workbook::Save() const {
    Result<std::vector<SheetEntry>> entries = impl_->SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    if (entries->empty()) return InvalidRequest("a workbook needs at least one sheet");
    impl_->Flush();
    return impl_->package.Save();
}

}  // namespace quire::xlsx
