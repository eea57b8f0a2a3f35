// Writing blocks: headings, paragraphs with inline markup, lists, tables, images, charts, a table
// of contents, footnotes; the styles and numbering definitions they need; headers, footers and
// page setup; and new documents.

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>

#include "common/utf8.hpp"
#include "ooxml/docx/document.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::docx {
namespace {

using ooxml::EscapeXml;

constexpr std::string_view kWpNs =
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
constexpr std::string_view kWpNsStrict =
    "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing";
constexpr std::string_view kANs = "http://schemas.openxmlformats.org/drawingml/2006/main";
constexpr std::string_view kANsStrict = "http://purl.oclc.org/ooxml/drawingml/main";
constexpr std::string_view kPicNs = "http://schemas.openxmlformats.org/drawingml/2006/picture";
constexpr std::string_view kPicNsStrict = "http://purl.oclc.org/ooxml/drawingml/picture";

constexpr long kEmuPerCm = 360000;
constexpr long kEmuPerPixel = 9525;  // at 96 dpi
constexpr int kTwipsPerCm = 567;

// The URI a prefix maps to at `node`, "" when it is not declared in scope.
std::string_view PrefixUri(pugi::xml_node node, std::string_view prefix) {
    const std::string attr = "xmlns:" + std::string(prefix);
    for (; node && node.type() == pugi::node_element; node = node.parent()) {
        if (pugi::xml_attribute a = node.attribute(attr.c_str())) return a.value();
    }
    return "";
}

Result<std::vector<pugi::xml_node>> InsertFragment(InsertionPoint at, std::string_view xml,
                                                   std::string_view word_ns,
                                                   std::string_view rel_ns) {
    pugi::xml_node holder = at.parent.append_child("quire-fragment");
    const pugi::xml_parse_result parsed = holder.append_buffer(
        xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
    if (!parsed) {
        at.parent.remove_child(holder);
        return Internal("a written block is not well-formed XML", parsed.description());
    }
    const bool declare_w = PrefixUri(at.parent, "w") != word_ns;
    // Only attributes use r: ("r:id", "r:embed"), always after a space. memmem, because
    // string_view::find would stop at every space of the text.
    const bool declare_r =
        memmem(xml.data(), xml.size(), " r:", 3) != nullptr && PrefixUri(at.parent, "r") != rel_ns;
    std::vector<pugi::xml_node> inserted;
    while (pugi::xml_node child = holder.first_child()) {
        if (child.type() == pugi::node_element) {
            if (declare_w)
                child.append_attribute("xmlns:w").set_value(std::string(word_ns).c_str());
            if (declare_r) child.append_attribute("xmlns:r").set_value(std::string(rel_ns).c_str());
        }
        inserted.push_back(at.before ? at.parent.insert_move_before(child, at.before)
                                     : at.parent.insert_move_before(child, holder));
    }
    at.parent.remove_child(holder);
    return inserted;
}

// ---------------------------------------------------------------------------------------------
// Inline markup

struct Segment {
    std::string text;
    bool bold = false, italic = false, underline = false;
    std::string link;  // a URL, or "#bookmark"
    bool footnote = false;
};

bool IsMarkupCharacter(char c) { return c == '\\' || c == '*' || c == '_' || c == '['; }

std::vector<Segment> ParseMarkup(std::string_view text) {
    std::vector<Segment> out;
    Segment current;
    auto flush = [&] {
        if (!current.text.empty()) out.push_back(current);
        current.text.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        // Text without markup characters is taken a run at a time. (find_first_of would search
        // the set once for every character.)
        std::size_t markup = i;
        while (markup < text.size() && !IsMarkupCharacter(text[markup])) ++markup;
        current.text.append(text.substr(i, markup - i));
        i = markup;
        if (i == text.size()) break;
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            current.text += text[++i];
        } else if (text.substr(i, 2) == "**") {
            flush();
            current.bold = !current.bold;
            ++i;
        } else if (text.substr(i, 2) == "__") {
            flush();
            current.underline = !current.underline;
            ++i;
        } else if (c == '*') {
            flush();
            current.italic = !current.italic;
        } else if (text.substr(i, 2) == "[^" && text.find(']', i) != std::string_view::npos) {
            const std::size_t close = text.find(']', i);
            flush();
            Segment note = current;
            note.text = std::string(text.substr(i + 2, close - i - 2));
            note.footnote = true;
            out.push_back(std::move(note));
            i = close;
        } else if (c == '[') {
            const std::size_t middle = text.find("](", i);
            const std::size_t close =
                middle == std::string_view::npos ? middle : text.find(')', middle);
            if (close == std::string_view::npos) {
                current.text += c;
                continue;
            }
            flush();
            Segment link = current;
            link.text = std::string(text.substr(i + 1, middle - i - 1));
            link.link = std::string(text.substr(middle + 2, close - middle - 2));
            out.push_back(std::move(link));
            i = close;
        } else {
            current.text += c;
        }
    }
    flush();
    return out;
}

// Runs for plain text: line breaks become w:br, tabs w:tab.
std::string TextRuns(std::string_view text, std::string_view r_pr) {
    const std::string safe = ooxml::XmlSafeText(text);
    std::string xml = "<w:r>";
    if (!r_pr.empty()) xml += fmt::format("<w:rPr>{}</w:rPr>", r_pr);
    std::size_t start = 0;
    while (start <= safe.size()) {
        std::size_t stop = start;
        while (stop < safe.size() && safe[stop] != '\n' && safe[stop] != '\t') ++stop;
        if (stop > start) {
            xml += fmt::format("<w:t xml:space=\"preserve\">{}</w:t>",
                               EscapeXml(std::string_view(safe).substr(start, stop - start)));
        }
        if (stop == safe.size()) break;
        xml += safe[stop] == '\n' ? "<w:br/>" : "<w:tab/>";
        start = stop + 1;
    }
    return xml + "</w:r>";
}

bool ValidBookmarkName(std::string_view name) {
    if (name.empty() || name.size() > 40 || !std::isalpha(static_cast<unsigned char>(name[0]))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

// ---------------------------------------------------------------------------------------------
// Images

struct ImageFormat {
    std::string extension, content_type;
    long width = 0, height = 0;  // pixels
};

std::uint32_t BigEndian(std::string_view bytes, std::size_t at, int count) {
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
    return value;
}

Result<ImageFormat> ReadImageFormat(std::string_view bytes) {
    if (bytes.size() > 24 && bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n" &&
        bytes.substr(12, 4) == "IHDR") {
        return ImageFormat{"png", "image/png", static_cast<long>(BigEndian(bytes, 16, 4)),
                           static_cast<long>(BigEndian(bytes, 20, 4))};
    }
    if (bytes.size() > 4 && bytes.substr(0, 2) == "\xFF\xD8") {
        // Walk the marker segments to the first start-of-frame (ITU T.81, B.2.2).
        for (std::size_t at = 2; at + 9 < bytes.size();) {
            if (static_cast<unsigned char>(bytes[at]) != 0xFF) break;
            const unsigned marker = static_cast<unsigned char>(bytes[at + 1]);
            const std::uint32_t length = BigEndian(bytes, at + 2, 2);
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                marker != 0xCC) {
                return ImageFormat{"jpeg", "image/jpeg",
                                   static_cast<long>(BigEndian(bytes, at + 7, 2)),
                                   static_cast<long>(BigEndian(bytes, at + 5, 2))};
            }
            at += 2 + length;
        }
    }
    return InvalidRequest("the image is not a PNG or JPEG file Quire can read");
}

// ---------------------------------------------------------------------------------------------
// Style definitions the engine adds when a document lacks them, by lowercase name.

struct StyleDefinition {
    std::string_view name, id, xml;
};

constexpr std::string_view kHeadingRun =
    R"(<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:hAnsiTheme="majorHAnsi"/><w:b/>)"
    R"(<w:color w:val="2F5496"/><w:sz w:val="{}"/><w:szCs w:val="{}"/></w:rPr>)";

std::string StyleXml(std::string_view lower_name, std::string_view id, std::string_view normal) {
    const std::string based =
        normal.empty() ? "" : fmt::format(R"(<w:basedOn w:val="{}"/>)", normal);
    const std::string next = normal.empty() ? "" : fmt::format(R"(<w:next w:val="{}"/>)", normal);
    if (lower_name.starts_with("heading ")) {
        const int level = lower_name.back() - '0';
        static constexpr int kSizes[] = {32, 28, 26, 24, 22, 22};
        return fmt::format(
            fmt::runtime(
                R"(<w:style w:type="paragraph" w:styleId="{}"><w:name w:val="heading {}"/>{}{})"
                R"(<w:uiPriority w:val="9"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/>)"
                R"(<w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="{}"/></w:pPr>)" +
                std::string(kHeadingRun) + "</w:style>"),
            id, level, based, next, level - 1, kSizes[level - 1], kSizes[level - 1]);
    }
    if (lower_name == "title") {
        return fmt::format(
            R"(<w:style w:type="paragraph" w:styleId="{}"><w:name w:val="Title"/>{}{})"
            R"(<w:uiPriority w:val="10"/><w:qFormat/><w:pPr><w:spacing w:after="120"/></w:pPr>)"
            R"(<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:hAnsiTheme="majorHAnsi"/>)"
            R"(<w:sz w:val="56"/><w:szCs w:val="56"/></w:rPr></w:style>)",
            id, based, next);
    }
    if (lower_name == "caption") {
        return fmt::format(
            R"(<w:style w:type="paragraph" w:styleId="{}"><w:name w:val="caption"/>{}{})"
            R"(<w:uiPriority w:val="35"/><w:qFormat/><w:pPr><w:spacing w:after="200"/></w:pPr>)"
            R"(<w:rPr><w:i/><w:color w:val="44546A"/><w:sz w:val="18"/><w:szCs w:val="18"/>)"
            R"(</w:rPr></w:style>)",
            id, based, next);
    }
    if (lower_name == "list paragraph") {
        return fmt::format(
            R"(<w:style w:type="paragraph" w:styleId="{}"><w:name w:val="List Paragraph"/>{})"
            R"(<w:uiPriority w:val="34"/><w:qFormat/><w:pPr><w:ind w:left="720"/>)"
            R"(<w:contextualSpacing/></w:pPr></w:style>)",
            id, based);
    }
    if (lower_name == "hyperlink") {
        return fmt::format(
            R"(<w:style w:type="character" w:styleId="{}"><w:name w:val="Hyperlink"/>)"
            R"(<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:color w:val="0563C1"/>)"
            R"(<w:u w:val="single"/></w:rPr></w:style>)",
            id);
    }
    if (lower_name == "table grid") {
        std::string borders;
        for (std::string_view side : {"top", "left", "bottom", "right", "insideH", "insideV"}) {
            borders +=
                fmt::format(R"(<w:{} w:val="single" w:sz="4" w:space="0" w:color="auto"/>)", side);
        }
        return fmt::format(
            R"(<w:style w:type="table" w:styleId="{}"><w:name w:val="Table Grid"/>)"
            R"(<w:uiPriority w:val="39"/><w:pPr><w:spacing w:after="0" w:line="240" )"
            R"(w:lineRule="auto"/></w:pPr><w:tblPr><w:tblBorders>{}</w:tblBorders>)"
            R"(<w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>)"
            R"(</w:tblCellMar></w:tblPr></w:style>)",
            id, borders);
    }
    // "header", "footer"
    return fmt::format(
        R"(<w:style w:type="paragraph" w:styleId="{}"><w:name w:val="{}"/>{}<w:uiPriority )"
        R"(w:val="99"/><w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="center" w:pos="4513"/>)"
        R"(<w:tab w:val="right" w:pos="9026"/></w:tabs><w:spacing w:after="0" w:line="240" )"
        R"(w:lineRule="auto"/></w:pPr></w:style>)",
        id, lower_name, based);
}

std::string DefaultStyleId(std::string_view lower_name) {
    if (lower_name.starts_with("heading ")) return fmt::format("Heading{}", lower_name.back());
    std::string id;
    bool upper = true;
    for (char c : lower_name) {
        if (c == ' ') {
            upper = true;
            continue;
        }
        id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return id;
}

constexpr std::string_view kStylesSkeleton =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n"
    R"(<w:styles xmlns:w="{}"><w:style w:type="paragraph" w:default="1" w:styleId="Normal">)"
    R"(<w:name w:val="Normal"/><w:qFormat/></w:style></w:styles>)";

}  // namespace

Result<std::vector<pugi::xml_node>> WordDocument::Impl::InsertXml(const InsertionPoint& at,
                                                                  std::string_view xml) {
    return InsertFragment(at, xml, w.ns(), RelNs());
}

std::string WordDocument::Impl::EnsureStyle(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::string id = StyleIdByName(lower); !id.empty()) return id;

    std::string part = RelatedPart("styles");
    if (part.empty() || Part(part) == nullptr) {
        part = FreePartName("word/styles", "xml");
        CreatePart(part,
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
                   fmt::format(fmt::runtime(kStylesSkeleton), w.ns()));
        AddRel("styles", part.substr(5));
        heading_styles.reset();
        HeadingStyles();
    }
    pugi::xml_document* styles = Part(part);
    std::string id = DefaultStyleId(lower);
    // An id taken by a style of another name gets a suffix.
    std::set<std::string> taken;
    for (const auto& [unused, existing] : *style_ids) taken.insert(existing);
    for (int n = 2; taken.contains(id); ++n) id = fmt::format("{}{}", DefaultStyleId(lower), n);
    const std::string xml = StyleXml(lower, id, StyleIdByName("normal"));
    if (!InsertFragment({styles->document_element(), {}}, xml, w.ns(), RelNs())) return id;
    dirty_parts.insert(part);
    (*style_ids)[lower] = id;
    if (lower == "title") (*heading_styles)[id] = 0;
    if (lower.starts_with("heading ")) (*heading_styles)[id] = lower.back() - '0';
    return id;
}

// ---------------------------------------------------------------------------------------------
// Numbering, footnotes

namespace {

std::string LevelXml(bool ordered, int level) {
    static constexpr std::string_view kFormats[] = {"decimal", "lowerLetter", "lowerRoman"};
    const std::string format = ordered ? std::string(kFormats[level % 3]) : "bullet";
    const std::string text = ordered ? fmt::format("%{}.", level + 1)
                                     : std::string(level % 2 == 0 ? "\xE2\x80\xA2" : "o");
    return fmt::format(
        R"(<w:lvl w:ilvl="{}"><w:start w:val="1"/><w:numFmt w:val="{}"/><w:lvlText w:val="{}"/>)"
        R"(<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{}" w:hanging="360"/></w:pPr></w:lvl>)",
        level, format, text, 720 * (level + 1));
}

}  // namespace

// The w:numId of a new list: bullets share one definition, each numbered list restarts at 1.
static Result<int> ListNumbering(WordDocument::Impl& impl, bool ordered) {
    std::string part = impl.RelatedPart("numbering");
    if (part.empty() || impl.Part(part) == nullptr) {
        part = impl.FreePartName("word/numbering", "xml");
        impl.CreatePart(
            part, "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
            fmt::format(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                        "\n"
                        R"(<w:numbering xmlns:w="{}"/>)",
                        impl.w.ns()));
        impl.AddRel("numbering", part.substr(5));
    }
    pugi::xml_document* doc = impl.Part(part);
    const WordNames nw(*doc, impl.w.ns());
    pugi::xml_node root = doc->document_element();
    const std::string_view wanted = ordered ? "QuireNumbered" : "QuireBullets";
    int abstract_id = -1, max_abstract = -1, max_num = 0;
    pugi::xml_node first_num, after_nums;
    for (pugi::xml_node node : root.children()) {
        if (nw.Is(node, "abstractNum")) {
            const int id = std::atoi(std::string(nw.Attr(node, "abstractNumId")).c_str());
            max_abstract = std::max(max_abstract, id);
            if (nw.Attr(ooxml::FindChild(node, impl.w.ns(), "name"), "val") == wanted) {
                abstract_id = id;
            }
        } else if (nw.Is(node, "num")) {
            if (!first_num) first_num = node;
            max_num = std::max(max_num, std::atoi(std::string(nw.Attr(node, "numId")).c_str()));
            after_nums = node.next_sibling();
        } else if (nw.Is(node, "numIdMacAtCleanup") && !first_num) {
            first_num = node;
            after_nums = node;
        }
    }
    if (abstract_id < 0) {
        abstract_id = max_abstract + 1;
        std::string xml = fmt::format(
            R"(<w:abstractNum w:abstractNumId="{}"><w:multiLevelType w:val="hybridMultilevel"/>)"
            R"(<w:name w:val="{}"/>)",
            abstract_id, wanted);
        for (int level = 0; level < 9; ++level) xml += LevelXml(ordered, level);
        xml += "</w:abstractNum>";
        auto added = InsertFragment({root, first_num}, xml, impl.w.ns(), impl.RelNs());
        if (!added) return Propagate(added);
    }
    const int num_id = max_num + 1;
    std::string xml =
        fmt::format(R"(<w:num w:numId="{}"><w:abstractNumId w:val="{}"/>)", num_id, abstract_id);
    if (ordered) {
        xml += R"(<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>)";
    }
    xml += "</w:num>";
    auto added = InsertFragment({root, after_nums}, xml, impl.w.ns(), impl.RelNs());
    if (!added) return Propagate(added);
    impl.dirty_parts.insert(part);
    return num_id;
}

static Result<int> AddFootnote(WordDocument::Impl& impl, std::string_view text) {
    std::string part = impl.RelatedPart("footnotes");
    if (part.empty() || impl.Part(part) == nullptr) {
        part = impl.FreePartName("word/footnotes", "xml");
        impl.CreatePart(
            part, "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
            fmt::format(
                R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                "\n"
                R"(<w:footnotes xmlns:w="{}"><w:footnote w:type="separator" w:id="-1"><w:p>)"
                R"(<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r>)"
                R"(<w:separator/></w:r></w:p></w:footnote><w:footnote )"
                R"(w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" )"
                R"(w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/>)"
                R"(</w:r></w:p></w:footnote></w:footnotes>)",
                impl.w.ns()));
        impl.AddRel("footnotes", part.substr(5));
    }
    pugi::xml_document* doc = impl.Part(part);
    const WordNames fw(*doc, impl.w.ns());
    int max_id = 0;
    for (pugi::xml_node note : doc->document_element().children()) {
        if (fw.Is(note, "footnote")) {
            max_id = std::max(max_id, std::atoi(std::string(fw.Attr(note, "id")).c_str()));
        }
    }
    const int id = max_id + 1;
    const std::string xml = fmt::format(
        R"(<w:footnote w:id="{}"><w:p><w:pPr><w:spacing w:after="0" w:line="240" )"
        R"(w:lineRule="auto"/></w:pPr><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>)"
        R"(<w:footnoteRef/></w:r>{}</w:p></w:footnote>)",
        id, TextRuns(" " + std::string(text), R"(<w:sz w:val="20"/>)"));
    auto added = InsertFragment({doc->document_element(), {}}, xml, impl.w.ns(), impl.RelNs());
    if (!added) return Propagate(added);
    impl.dirty_parts.insert(part);
    return id;
}

namespace {

Result<std::string> InlineXml(WordDocument::Impl& impl, std::string_view text) {
    std::string xml;
    for (const Segment& segment : ParseMarkup(text)) {
        std::string r_pr;
        if (segment.bold) r_pr += "<w:b/>";
        if (segment.italic) r_pr += "<w:i/>";
        if (segment.underline) r_pr += R"(<w:u w:val="single"/>)";
        if (segment.footnote) {
            Result<int> id = AddFootnote(impl, segment.text);
            if (!id) return Propagate(id);
            xml += fmt::format(R"(<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>)"
                               R"(<w:footnoteReference w:id="{}"/></w:r>)",
                               *id);
            continue;
        }
        if (segment.link.empty()) {
            xml += TextRuns(segment.text, r_pr);
            continue;
        }
        const std::string style = impl.EnsureStyle("hyperlink");
        const std::string runs =
            TextRuns(segment.text, fmt::format(R"(<w:rStyle w:val="{}"/>{})", style, r_pr));
        if (segment.link.starts_with("#")) {
            xml += fmt::format(R"(<w:hyperlink w:anchor="{}">{}</w:hyperlink>)",
                               EscapeXml(segment.link.substr(1)), runs);
        } else {
            const std::string id = impl.AddRel("hyperlink", segment.link, true);
            xml +=
                fmt::format(R"(<w:hyperlink r:id="{}" w:history="1">{}</w:hyperlink>)", id, runs);
        }
    }
    return xml;
}

std::string Bookmarked(WordDocument::Impl& impl, const std::string& name, std::string_view inner) {
    const int id = impl.NextBookmarkId();
    return fmt::format(R"(<w:bookmarkStart w:id="{}" w:name="{}"/>{}<w:bookmarkEnd w:id="{}"/>)",
                       id, EscapeXml(name), inner, id);
}

std::string ParagraphXml(std::string_view p_pr, std::string_view content) {
    return p_pr.empty() ? fmt::format("<w:p>{}</w:p>", content)
                        : fmt::format("<w:p><w:pPr>{}</w:pPr>{}</w:p>", p_pr, content);
}

std::string StyleRef(std::string_view id) {
    return fmt::format(R"(<w:pStyle w:val="{}"/>)", EscapeXml(id));
}

// The width between the margins of the last section, in twips (A4 with 2.54 cm margins when
// the document does not say).
long TextWidthTwips(WordDocument::Impl& impl) {
    const pugi::xml_node sect_pr = impl.text ? impl.TextFinalSectPr() : impl.FinalSectPr();
    const pugi::xml_node size = ooxml::FindChild(sect_pr, impl.w.ns(), "pgSz");
    const pugi::xml_node margins = ooxml::FindChild(sect_pr, impl.w.ns(), "pgMar");
    const long page = std::atol(std::string(impl.w.Attr(size, "w")).c_str());
    const long left = std::atol(std::string(impl.w.Attr(margins, "left")).c_str());
    const long right = std::atol(std::string(impl.w.Attr(margins, "right")).c_str());
    const long width = page - left - right;
    return width > 1000 ? width : 9026;
}

std::string CaptionXml(WordDocument::Impl& impl, std::string_view caption) {
    if (caption.empty()) return "";
    return ParagraphXml(StyleRef(impl.EnsureStyle("caption")), TextRuns(caption, ""));
}

std::string ChosenName(WordDocument::Impl& impl, const BlockSpec& spec, std::string_view prefix,
                       std::string_view text) {
    if (!spec.name.empty()) {
        impl.UniqueBookmarkName(spec.name);  // records the name as taken
        return spec.name;
    }
    std::string slug = Slug(text);
    return impl.UniqueBookmarkName(std::string(prefix) + (slug.empty() ? "1" : slug));
}

// Styles the engine can add to a document that lacks them, by lowercase name (StyleXml writes
// them), for each kind of block style.
constexpr std::string_view kBuiltInTableStyles[] = {"table grid"};
constexpr std::string_view kBuiltInParagraphStyles[] = {"title",     "heading 1", "heading 2",
                                                        "heading 3", "heading 4", "heading 5",
                                                        "heading 6", "caption",   "list paragraph"};

// The style a block asks for: a table's table_style or a paragraph's style.
struct StyleRequest {
    std::string_view type;  // w:type of the styles that may answer it: "table" or "paragraph"
    std::string_view argument;
    std::span<const std::string_view> built_in;
};

StyleRequest TableStyleRequest() { return {"table", "table_style", kBuiltInTableStyles}; }
StyleRequest ParagraphStyleRequest() { return {"paragraph", "style", kBuiltInParagraphStyles}; }

struct StyleEntry {
    std::string id, name;
};

// The document's styles of one type, in part order.
std::vector<StyleEntry> StylesOfType(WordDocument::Impl& impl, std::string_view type) {
    std::vector<StyleEntry> found;
    const std::string part = impl.RelatedPart("styles");
    pugi::xml_document* styles = part.empty() ? nullptr : impl.Part(part);
    if (styles == nullptr) return found;
    const WordNames sw(*styles, impl.w.ns());
    for (pugi::xml_node style : styles->document_element().children()) {
        if (!sw.Is(style, "style") || sw.Attr(style, "type") != type) continue;
        found.push_back(
            {std::string(sw.Attr(style, "styleId")),
             std::string(sw.Attr(ooxml::FindChild(style, impl.w.ns(), "name"), "val"))});
    }
    return found;
}

std::string LowerCase(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
}

// The id of the document's style of the request's type that `wanted` names, by id or else by
// name ignoring case (as headings find theirs); "" when it has none.
std::string ExistingStyle(WordDocument::Impl& impl, const StyleRequest& request,
                          std::string_view wanted) {
    const std::vector<StyleEntry> styles = StylesOfType(impl, request.type);
    for (const StyleEntry& style : styles) {
        if (style.id == wanted) return style.id;
    }
    const std::string by_name = impl.StyleIdByName(wanted);
    for (const StyleEntry& style : styles) {
        if (!by_name.empty() && style.id == by_name) return style.id;
    }
    return "";
}

// The lowercase name of the built-in style `wanted` names by name or default id, "" when it is
// none the engine can write.
std::string BuiltInStyle(const StyleRequest& request, std::string_view wanted) {
    for (std::string_view name : request.built_in) {
        if (LowerCase(wanted) == name || wanted == DefaultStyleId(name)) return std::string(name);
    }
    return "";
}

// The id a block's style is written with: the document's own style, else the built-in one added
// to the styles part. CheckStyle refused every other name before.
std::string StyleIdFor(WordDocument::Impl& impl, const StyleRequest& request,
                       std::string_view wanted) {
    if (std::string id = ExistingStyle(impl, request, wanted); !id.empty()) return id;
    return impl.EnsureStyle(BuiltInStyle(request, wanted));
}

// A paragraph's pPr content for its style: none for Normal, the document's default.
std::string ParagraphStyleRef(WordDocument::Impl& impl, std::string_view wanted) {
    if (wanted.empty() || LowerCase(wanted) == "normal") return "";
    return StyleRef(StyleIdFor(impl, ParagraphStyleRequest(), wanted));
}

std::string TableXml(WordDocument::Impl& impl, const BlockSpec& spec, const std::string& name) {
    std::size_t columns = 0;
    for (const auto& row : spec.rows) columns = std::max(columns, row.size());
    std::vector<long> widths;
    for (std::size_t c = 0; c < columns; ++c) {
        widths.push_back(c < spec.column_widths_cm.size()
                             ? std::lround(spec.column_widths_cm[c] * kTwipsPerCm)
                             : TextWidthTwips(impl) / static_cast<long>(columns));
    }
    const std::string style = spec.table_style.empty()
                                  ? impl.EnsureStyle("table grid")
                                  : StyleIdFor(impl, TableStyleRequest(), spec.table_style);
    std::string xml =
        fmt::format(R"(<w:tbl><w:tblPr><w:tblStyle w:val="{}"/><w:tblW w:w="0" w:type="auto"/>)"
                    R"(<w:tblLook w:val="04A0" w:firstRow="{}" w:lastRow="0" w:firstColumn="1" )"
                    R"(w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>)",
                    EscapeXml(style), spec.header ? 1 : 0);
    for (long width : widths) xml += fmt::format(R"(<w:gridCol w:w="{}"/>)", width);
    xml += "</w:tblGrid>";
    for (std::size_t r = 0; r < spec.rows.size(); ++r) {
        const bool header = spec.header && r == 0;
        xml += header ? "<w:tr><w:trPr><w:tblHeader/></w:trPr>" : "<w:tr>";
        for (std::size_t c = 0; c < columns; ++c) {
            const std::string text = c < spec.rows[r].size() ? spec.rows[r][c] : "";
            std::string runs = text.empty() ? "" : TextRuns(text, header ? "<w:b/>" : "");
            if (r == 0 && c == 0) runs = Bookmarked(impl, name, runs);
            xml += fmt::format(R"(<w:tc><w:tcPr><w:tcW w:w="{}" w:type="dxa"/></w:tcPr>{}</w:tc>)",
                               widths[c], ParagraphXml("", runs));
        }
        xml += "</w:tr>";
    }
    return xml + "</w:tbl>";
}

std::string InlineDrawingXml(WordDocument::Impl& impl, long cx, long cy, std::string_view name,
                             std::string_view alt_text, std::string_view graphic) {
    const int id = impl.NextDrawingId();
    return fmt::format(
        R"(<w:r><w:drawing><wp:inline xmlns:wp="{}" distT="0" distB="0" distL="0" distR="0">)"
        R"(<wp:extent cx="{}" cy="{}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>)"
        R"(<wp:docPr id="{}" name="{} {}" descr="{}"/><wp:cNvGraphicFramePr/>{}</wp:inline>)"
        R"(</w:drawing></w:r>)",
        impl.strict ? kWpNsStrict : kWpNs, cx, cy, id, name, id, EscapeXml(alt_text), graphic);
}

Result<std::string> ImageXml(WordDocument::Impl& impl, const BlockSpec& spec) {
    Result<ImageFormat> format = ReadImageFormat(spec.image);
    if (!format) return Propagate(format);
    const std::string part = impl.FreePartName("word/media/image", format->extension);
    impl.package.WritePart(part, spec.image);
    impl.package.EnsureDefaultContentType(format->extension, format->content_type);
    const std::string rel_id = impl.AddRel("image", part.substr(5));
    const long max_cx = TextWidthTwips(impl) * 635;  // 635 EMU per twip
    long cx = spec.width_cm > 0 ? std::lround(spec.width_cm * kEmuPerCm)
                                : std::min(format->width * kEmuPerPixel, max_cx);
    long cy = format->width > 0 ? std::lround(static_cast<double>(cx) * format->height /
                                              static_cast<double>(format->width))
                                : cx;
    const std::string_view a = impl.strict ? kANsStrict : kANs;
    const std::string_view pic = impl.strict ? kPicNsStrict : kPicNs;
    const std::string graphic = fmt::format(
        R"(<a:graphic xmlns:a="{0}"><a:graphicData uri="{1}"><pic:pic xmlns:pic="{1}">)"
        R"(<pic:nvPicPr><pic:cNvPr id="0" name="{2}"/><pic:cNvPicPr/></pic:nvPicPr>)"
        R"(<pic:blipFill><a:blip r:embed="{3}"/><a:stretch><a:fillRect/></a:stretch>)"
        R"(</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{4}" cy="{5}"/>)"
        R"(</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>)"
        R"(</a:graphicData></a:graphic>)",
        a, pic, part.substr(11), rel_id, cx, cy);
    return InlineDrawingXml(impl, cx, cy, "Picture", spec.alt_text, graphic);
}

Result<std::string> ChartXml(WordDocument::Impl& impl, const BlockSpec& spec) {
    // The chart's data lives in an embedded workbook: categories in column A, one series per
    // column from B, names in row 1, so that Word's "Edit Data" opens what the chart shows.
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    if (Status added = workbook.AddSheet("Sheet1"); !added) return std::unexpected(added.error());
    std::vector<std::vector<xlsx::CellValue>> rows(spec.categories.size() + 1);
    rows[0].push_back(xlsx::CellValue::Text(""));
    for (const ChartSeries& series : spec.series)
        rows[0].push_back(xlsx::CellValue::Text(series.name));
    for (std::size_t i = 0; i < spec.categories.size(); ++i) {
        rows[i + 1].push_back(xlsx::CellValue::Text(spec.categories[i]));
        for (const ChartSeries& series : spec.series) {
            rows[i + 1].push_back(i < series.values.size() && series.values[i]
                                      ? xlsx::CellValue::Number(*series.values[i])
                                      : xlsx::CellValue{});
        }
    }
    if (Status written = workbook.WriteRows("Sheet1", {1, 1}, rows); !written) {
        return std::unexpected(written.error());
    }
    Result<std::string> embedded = workbook.Save();
    if (!embedded) return Propagate(embedded);

    chart::ChartSpec chart;
    chart.type = spec.chart_type;
    chart.title = spec.title;
    const std::size_t last = spec.categories.size() + 1;
    for (std::size_t s = 0; s < spec.series.size(); ++s) {
        const char column = static_cast<char>('B' + s);
        chart::SeriesSpec series;
        series.name_ref = fmt::format("Sheet1!${}$1", column);
        series.name_cache = spec.series[s].name;
        series.categories_ref = fmt::format("Sheet1!$A$2:$A${}", last);
        series.category_cache = spec.categories;
        series.values_ref = fmt::format("Sheet1!${0}$2:${0}${1}", column, last);
        series.value_cache = spec.series[s].values;
        series.value_cache.resize(spec.categories.size());
        chart.series.push_back(std::move(series));
    }
    if (Status valid = chart::ValidateChartSpec(chart); !valid)
        return std::unexpected(valid.error());
    const chart::Conformance conformance =
        impl.strict ? chart::Conformance::kStrict : chart::Conformance::kTransitional;
    std::string chart_xml = chart::ChartPartXml(chart, conformance);

    const std::string chart_part = impl.FreePartName("word/charts/chart", "xml");
    const std::string workbook_part =
        impl.FreePartName("word/embeddings/Microsoft_Excel_Worksheet", "xlsx");
    impl.package.WritePart(workbook_part, std::move(*embedded));
    impl.package.EnsureDefaultContentType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    impl.package.SetRelationships(
        chart_part, {{"rId1", impl.RelType("package"), "../" + workbook_part.substr(5), false}});
    const std::size_t close = chart_xml.rfind("</c:chartSpace>");
    chart_xml.insert(close,
                     R"(<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData>)");
    impl.package.WritePart(chart_part, std::move(chart_xml));
    impl.package.SetContentTypeOverride(chart_part, chart::kChartContentType);
    const std::string rel_id = impl.AddRel("chart", chart_part.substr(5));

    const long cx = std::lround((spec.width_cm > 0 ? spec.width_cm : 15.0) * kEmuPerCm);
    const long cy = cx * 3 / 5;
    return InlineDrawingXml(impl, cx, cy, "Chart",
                            spec.alt_text.empty() ? spec.title : spec.alt_text,
                            chart::ChartGraphicXml(rel_id, conformance));
}

constexpr std::string_view kTocXml =
    R"(<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r><w:r>)"
    R"(<w:instrText xml:space="preserve"> TOC \o "1-3" \h \z \u </w:instrText></w:r><w:r>)"
    R"(<w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Update this field to show the )"
    R"(table of contents.</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>)";

constexpr std::size_t kMaxImageBytes = 20u << 20;

// Links go to the web, to mail, or to a bookmark of the document; nothing else is written.
bool LinksAreSafe(std::string_view text) {
    for (const Segment& segment : ParseMarkup(text)) {
        const std::string_view link = segment.link;
        if (link.empty() || link.starts_with("#") || link.starts_with("https://") ||
            link.starts_with("http://") || link.starts_with("mailto:")) {
            continue;
        }
        return false;
    }
    return true;
}

}  // namespace

Status ValidateChartData(const BlockSpec& spec) {
    if (spec.categories.empty()) return InvalidRequest("a chart needs 'categories'");
    if (spec.series.empty() || spec.series.size() > 20) {
        return InvalidRequest(
            fmt::format("'series' holds 1-20 series, not {}", spec.series.size()));
    }
    for (std::size_t i = 0; i < spec.series.size(); ++i) {
        const ChartSeries& series = spec.series[i];
        if (series.values.size() == spec.categories.size()) continue;
        return InvalidRequest(fmt::format(
            "series[{}] ('{}') has {} values for {} categories; give one value (or null) per "
            "category",
            i, Shorten(series.name, 40), series.values.size(), spec.categories.size()));
    }
    return {};
}

namespace {

// A style id left dangling would show the block unstyled: the style must be the document's or
// one the engine can add.
Status CheckStyle(WordDocument::Impl& impl, const StyleRequest& request, std::string_view wanted,
                  std::size_t index) {
    if (wanted.empty() || (request.type == "paragraph" && LowerCase(wanted) == "normal")) return {};
    if (!ExistingStyle(impl, request, wanted).empty()) return {};
    if (!BuiltInStyle(request, wanted).empty()) return {};
    constexpr std::size_t kListed = 20;
    std::vector<std::string> names;
    const std::vector<StyleEntry> styles = StylesOfType(impl, request.type);
    for (const StyleEntry& style : styles) {
        if (names.size() == kListed) break;
        names.push_back(fmt::format("'{}'", style.name.empty() ? style.id : style.name));
    }
    std::string known =
        names.empty() ? "it has none" : fmt::format("it has {}", fmt::join(names, ", "));
    if (styles.size() > kListed) known += fmt::format(" and {} more", styles.size() - kListed);
    const std::string built_in =
        request.type == "table" ? "'Table Grid'" : "'Normal', 'Title', 'Heading 1'-'Heading 6'";
    return InvalidRequest(fmt::format(
        "blocks[{}]: '{}' '{}' is not a {} style of this document ({}); name one of them, or {}, "
        "or leave it out",
        index, request.argument, Shorten(wanted, 40), request.type, known, built_in));
}

Status CheckStyles(WordDocument::Impl& impl, const BlockSpec& spec, std::size_t index) {
    if (spec.kind == BlockSpec::Kind::kTable) {
        return CheckStyle(impl, TableStyleRequest(), spec.table_style, index);
    }
    if (spec.kind == BlockSpec::Kind::kParagraph) {
        return CheckStyle(impl, ParagraphStyleRequest(), spec.style, index);
    }
    return {};
}

Status ValidateBlock(const BlockSpec& spec, std::size_t index) {
    auto fail = [&](std::string_view what) {
        return InvalidRequest(fmt::format("blocks[{}]: {}", index, what));
    };
    if (!spec.name.empty() && !ValidBookmarkName(spec.name)) {
        return fail("'name' must be 1-40 letters, digits or _, starting with a letter");
    }
    bool safe = LinksAreSafe(spec.text);
    for (const ListItem& item : spec.items) safe = safe && LinksAreSafe(item.text);
    if (!safe) return fail("links start with https://, http://, mailto: or # (a bookmark)");
    if (spec.image.size() > kMaxImageBytes) return fail("an image is at most 20 MB");
    switch (spec.kind) {
        case BlockSpec::Kind::kHeading:
            if (spec.level < 0 || spec.level > 6)
                return fail("a heading's level is 0 (title) to 6");
            if (spec.text.empty()) return fail("a heading needs text");
            break;
        case BlockSpec::Kind::kList:
            if (spec.items.empty()) return fail("a list needs items");
            for (const ListItem& item : spec.items) {
                if (item.level < 0 || item.level > 8) return fail("list levels are 0 to 8");
            }
            break;
        case BlockSpec::Kind::kTable:
            if (spec.rows.empty()) return fail("a table needs rows");
            if (std::all_of(spec.rows.begin(), spec.rows.end(),
                            [](const auto& r) { return r.empty(); })) {
                return fail("a table needs at least one cell");
            }
            if (spec.rows.front().size() > 63) return fail("a table has at most 63 columns");
            break;
        case BlockSpec::Kind::kImage:
            if (Result<ImageFormat> format = ReadImageFormat(spec.image); !format) {
                return fail(format.error().message);
            }
            break;
        case BlockSpec::Kind::kChart:
            if (Status valid = ValidateChartData(spec); !valid) return fail(valid.error().message);
            break;
        default:
            break;
    }
    return {};
}

}  // namespace

Result<std::string> WordDocument::Impl::BlockXml(const BlockSpec& spec,
                                                 std::vector<std::string>& anchors) {
    switch (spec.kind) {
        case BlockSpec::Kind::kHeading: {
            const std::string style =
                EnsureStyle(spec.level == 0 ? "title" : fmt::format("heading {}", spec.level));
            Result<std::string> runs = InlineXml(*this, spec.text);
            if (!runs) return runs;
            const std::string name = ChosenName(*this, spec, "sec_", spec.text);
            anchors.push_back(name);
            return ParagraphXml(StyleRef(style), Bookmarked(*this, name, *runs));
        }
        case BlockSpec::Kind::kParagraph: {
            Result<std::string> runs = InlineXml(*this, spec.text);
            if (!runs) return runs;
            return ParagraphXml(ParagraphStyleRef(*this, spec.style), *runs);
        }
        case BlockSpec::Kind::kList: {
            Result<int> num = ListNumbering(*this, spec.ordered);
            if (!num) return Propagate(num);
            const std::string style = EnsureStyle("list paragraph");
            std::string xml;
            for (const ListItem& item : spec.items) {
                Result<std::string> runs = InlineXml(*this, item.text);
                if (!runs) return runs;
                xml += ParagraphXml(
                    StyleRef(style) + fmt::format(R"(<w:numPr><w:ilvl w:val="{}"/><w:numId )"
                                                  R"(w:val="{}"/></w:numPr>)",
                                                  item.level, *num),
                    *runs);
            }
            return xml;
        }
        case BlockSpec::Kind::kTable: {
            const std::string name =
                ChosenName(*this, spec, "tbl_", spec.caption.empty() ? "table" : spec.caption);
            anchors.push_back(name);
            return CaptionXml(*this, spec.caption) + TableXml(*this, spec, name);
        }
        case BlockSpec::Kind::kPageBreak:
            return std::string(R"(<w:p><w:r><w:br w:type="page"/></w:r></w:p>)");
        case BlockSpec::Kind::kToc:
            return std::string(kTocXml);
        case BlockSpec::Kind::kImage:
        case BlockSpec::Kind::kChart: {
            Result<std::string> drawing = spec.kind == BlockSpec::Kind::kImage
                                              ? ImageXml(*this, spec)
                                              : ChartXml(*this, spec);
            if (!drawing) return drawing;
            std::string_view label = !spec.caption.empty() ? spec.caption
                                     : !spec.title.empty() ? spec.title
                                                           : std::string_view("figure");
            const std::string name = ChosenName(*this, spec, "fig_", label);
            anchors.push_back(name);
            return ParagraphXml(R"(<w:jc w:val="center"/>)", Bookmarked(*this, name, *drawing)) +
                   CaptionXml(*this, spec.caption);
        }
    }
    return Internal("unknown block kind");
}

namespace {

std::string RevisionAttributes(WordDocument::Impl& impl) {
    const std::string now = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    return fmt::format(R"(w:id="{}" w:author="Quire" w:date="{}")", impl.NextBookmarkId(), now);
}

// Marks a paragraph's mark as inserted or deleted (ECMA-376 Part 1, 17.13.5.16 and .15): the
// mark goes in the paragraph mark's run properties, which close the paragraph properties (before
// a sectPr or pPrChange).
Status TrackParagraphMark(WordDocument::Impl& impl, pugi::xml_node paragraph,
                          std::string_view element) {
    const WordNames& w = impl.w;
    pugi::xml_node p_pr = ooxml::FindChild(paragraph, w.ns(), "pPr");
    if (!p_pr) {
        auto added = impl.InsertXml({paragraph, paragraph.first_child()}, "<w:pPr/>");
        if (!added) return std::unexpected(added.error());
        p_pr = added->front();
    }
    pugi::xml_node r_pr = ooxml::FindChild(p_pr, w.ns(), "rPr");
    if (!r_pr) {
        pugi::xml_node before = ooxml::FindChild(p_pr, w.ns(), "sectPr");
        if (!before) before = ooxml::FindChild(p_pr, w.ns(), "pPrChange");
        auto added = impl.InsertXml({p_pr, before}, "<w:rPr/>");
        if (!added) return std::unexpected(added.error());
        r_pr = added->front();
    }
    auto mark = impl.InsertXml({r_pr, r_pr.first_child()},
                               fmt::format("<w:{} {}/>", element, RevisionAttributes(impl)));
    if (!mark) return std::unexpected(mark.error());
    return {};
}

// Deleted runs hold their text as w:delText and field instructions as w:delInstrText.
void RenameForDeletion(const WordNames& w, pugi::xml_node run) {
    ForEachElement(run, [&](const pugi::xml_node& node) {
        for (auto [from, to] :
             {std::pair{"t", "delText"}, std::pair{"instrText", "delInstrText"}}) {
            if (!w.Is(node, from)) continue;
            pugi::xml_node renamed = node;
            const std::string name = renamed.name();
            renamed.set_name(
                (name.substr(0, name.size() - std::string_view(from).size()) + to).c_str());
        }
        return !w.Is(node, "txbxContent");
    });
}

}  // namespace

Status TrackRevision(WordDocument::Impl& impl, const std::vector<pugi::xml_node>& nodes,
                     bool insertion) {
    const WordNames& w = impl.w;
    const std::string_view element = insertion ? "ins" : "del";
    std::vector<pugi::xml_node> runs, paragraphs, rows;
    auto visit = [&](const pugi::xml_node& node) {
        // What is deleted already stays as it is.
        if (w.Is(node, "del") || w.Is(node, "moveFrom")) return false;
        if (w.Is(node, "r")) runs.push_back(node);
        if (w.Is(node, "p")) paragraphs.push_back(node);
        if (w.Is(node, "tr")) rows.push_back(node);
        return !w.Is(node, "r");
    };
    for (const pugi::xml_node& top : nodes) {
        if (visit(top)) ForEachElement(top, visit);
    }
    for (pugi::xml_node run : runs) {
        auto wrapper = impl.InsertXml({run.parent(), run},
                                      fmt::format("<w:{} {}/>", element, RevisionAttributes(impl)));
        if (!wrapper) return std::unexpected(wrapper.error());
        wrapper->front().append_move(run);
        if (!insertion) RenameForDeletion(w, run);
    }
    for (pugi::xml_node paragraph : paragraphs) {
        if (Status marked = TrackParagraphMark(impl, paragraph, element); !marked) return marked;
    }
    for (pugi::xml_node row : rows) {
        pugi::xml_node tr_pr = ooxml::FindChild(row, w.ns(), "trPr");
        if (!tr_pr) {
            pugi::xml_node before = FirstElement(row);
            if (w.Is(before, "tblPrEx")) before = NextElement(before);
            auto added = impl.InsertXml({row, before}, "<w:trPr/>");
            if (!added) return std::unexpected(added.error());
            tr_pr = added->front();
        }
        // The mark closes the row properties, before a trPrChange.
        auto mark = impl.InsertXml({tr_pr, ooxml::FindChild(tr_pr, w.ns(), "trPrChange")},
                                   fmt::format("<w:{} {}/>", element, RevisionAttributes(impl)));
        if (!mark) return std::unexpected(mark.error());
    }
    impl.main_dirty = true;
    return {};
}

namespace {}  // namespace

Result<std::vector<std::string>> WordDocument::InsertBlocks(std::string_view anchor,
                                                            Position position,
                                                            std::span<const BlockSpec> blocks,
                                                            bool tracked) {
    Impl& impl = *impl_;
    if (blocks.empty()) return InvalidRequest("there are no blocks to insert");
    std::set<std::string> names;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (Status valid = ValidateBlock(blocks[i], i); !valid)
            return std::unexpected(valid.error());
        if (Status style = CheckStyles(impl, blocks[i], i); !style) {
            return std::unexpected(style.error());
        }
        const std::string& name = blocks[i].name;
        if (!name.empty() && (impl.BookmarkExists(name) || !names.insert(name).second)) {
            return InvalidRequest(
                fmt::format("blocks[{}]: the name '{}' is taken", i, blocks[i].name));
        }
    }
    if (impl.text) {
        if (auto done = impl.InsertText(anchor, position, blocks, tracked)) return std::move(*done);
        if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    }
    Result<InsertionPoint> at = impl.Where(anchor, position);
    if (!at) return Propagate(at);
    // The empty paragraph the engine added to close a body ending in a table gives way to blocks
    // appended after it that do not start with a table; before a table it stays, to keep the two
    // apart. A document's own final paragraph stays.
    pugi::xml_node closer;
    if (!tracked && anchor == "end" && blocks.front().kind != BlockSpec::Kind::kTable) {
        closer = impl.BodyCloser();
    }
    // Each block goes in as soon as it is written, so that the XML of a long insertion is never
    // held whole next to the nodes made from it; a failure takes the blocks back out.
    std::vector<std::string> anchors;
    std::vector<pugi::xml_node> inserted;
    auto take_back = [&] {
        for (pugi::xml_node node : inserted) node.parent().remove_child(node);
    };
    for (const BlockSpec& block : blocks) {
        Result<std::string> xml = impl.BlockXml(block, anchors);
        if (!xml) {
            take_back();
            return Propagate(xml);
        }
        auto nodes = impl.InsertXml(*at, *xml);
        if (!nodes) {
            take_back();
            return Propagate(nodes);
        }
        inserted.insert(inserted.end(), nodes->begin(), nodes->end());
    }
    Result<std::vector<pugi::xml_node>> separators = impl.SeparateTables(inserted);
    if (!separators) {
        take_back();
        return Propagate(separators);
    }
    inserted.insert(inserted.end(), separators->begin(), separators->end());
    if (closer) {
        closer.parent().remove_child(closer);
        impl.added_closer = {};
    }
    impl.main_dirty = true;
    if (tracked) {
        if (Status marked = TrackRevision(impl, inserted, true); !marked) {
            return std::unexpected(marked.error());
        }
    }
    return anchors;
}

// ---------------------------------------------------------------------------------------------
// Headers, footers, page setup

namespace {

std::string HeaderParagraphXml(WordDocument::Impl& impl, const HeaderFooterSpec& spec) {
    const std::string style = impl.EnsureStyle(spec.footer ? "footer" : "header");
    std::string content;
    std::string_view text = spec.text;
    while (!text.empty()) {
        const std::size_t page = text.find("{page}");
        const std::size_t pages = text.find("{pages}");
        const std::size_t next = std::min(page, pages);
        content += TextRuns(text.substr(0, next), "");
        if (next == std::string_view::npos) break;
        const bool total = next == pages;
        content +=
            fmt::format(R"(<w:fldSimple w:instr=" {} "><w:r><w:t>1</w:t></w:r></w:fldSimple>)",
                        total ? "NUMPAGES" : "PAGE");
        text.remove_prefix(next + (total ? 7 : 6));
    }
    return ParagraphXml(StyleRef(style) + R"(<w:jc w:val="center"/>)", content);
}

// Settings elements that CT_Settings (ECMA-376 Part 1, 17.15.1.78) puts after
// w:evenAndOddHeaders.
constexpr std::string_view kSettingsAfterEvenAndOdd[] = {"bookFoldRevPrinting",
                                                         "bookFoldPrinting",
                                                         "bookFoldPrintingSheets",
                                                         "drawingGridHorizontalSpacing",
                                                         "drawingGridVerticalSpacing",
                                                         "displayHorizontalDrawingGridEvery",
                                                         "displayVerticalDrawingGridEvery",
                                                         "doNotUseMarginsForDrawingGridOrigin",
                                                         "drawingGridHorizontalOrigin",
                                                         "drawingGridVerticalOrigin",
                                                         "doNotShadeFormData",
                                                         "noPunctuationKerning",
                                                         "characterSpacingControl",
                                                         "printTwoOnOne",
                                                         "strictFirstAndLastChars",
                                                         "noLineBreaksAfter",
                                                         "noLineBreaksBefore",
                                                         "savePreviewPicture",
                                                         "doNotValidateAgainstSchema",
                                                         "saveInvalidXml",
                                                         "ignoreMixedContent",
                                                         "alwaysShowPlaceholderText",
                                                         "doNotDemarcateInvalidXml",
                                                         "saveXmlDataOnly",
                                                         "useXSLTWhenSaving",
                                                         "saveThroughXslt",
                                                         "showXMLTags",
                                                         "alwaysMergeEmptyNamespace",
                                                         "updateFields",
                                                         "hdrShapeDefaults",
                                                         "footnotePr",
                                                         "endnotePr",
                                                         "compat",
                                                         "docVars",
                                                         "rsids",
                                                         "mathPr",
                                                         "attachedSchema",
                                                         "themeFontLang",
                                                         "clrSchemeMapping",
                                                         "doNotIncludeSubdocsInStats",
                                                         "doNotAutoCompressPictures",
                                                         "forceUpgrade",
                                                         "captions",
                                                         "readModeInkLockDown",
                                                         "smartTagType",
                                                         "schemaLibrary",
                                                         "shapeDefaults",
                                                         "doNotEmbedSmartTags",
                                                         "decimalSymbol",
                                                         "listSeparator"};

// Even pages show their own headers only when the settings say so.
Status EnableEvenAndOddHeaders(WordDocument::Impl& impl) {
    std::string part = impl.RelatedPart("settings");
    if (part.empty() || impl.Part(part) == nullptr) {
        part = impl.FreePartName("word/settings", "xml");
        impl.CreatePart(
            part, "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
            fmt::format(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                        "\n"
                        R"(<w:settings xmlns:w="{}"/>)",
                        impl.w.ns()));
        impl.AddRel("settings", part.substr(5));
    }
    pugi::xml_document* settings = impl.Part(part);
    pugi::xml_node root = settings->document_element();
    if (ooxml::FindChild(root, impl.w.ns(), "evenAndOddHeaders")) return {};
    const WordNames sw(*settings, impl.w.ns());
    pugi::xml_node before;
    for (pugi::xml_node child : root.children()) {
        const bool later =
            std::any_of(std::begin(kSettingsAfterEvenAndOdd), std::end(kSettingsAfterEvenAndOdd),
                        [&](std::string_view name) { return sw.Is(child, name); });
        if (later || (child.type() == pugi::node_element && Local(child) != "" &&
                      ooxml::NamespaceOf(child) != impl.w.ns())) {
            before = child;
            break;
        }
    }
    auto added =
        InsertFragment({root, before}, "<w:evenAndOddHeaders/>", impl.w.ns(), impl.RelNs());
    if (!added) return std::unexpected(added.error());
    impl.dirty_parts.insert(part);
    return {};
}

}  // namespace

Status WordDocument::SetHeaderFooter(const HeaderFooterSpec& spec) {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    if (spec.which != "default" && spec.which != "first" && spec.which != "even") {
        return InvalidRequest("'which' is default, first or even");
    }
    const std::string_view element = spec.footer ? "footerReference" : "headerReference";
    const std::string_view root = spec.footer ? "ftr" : "hdr";
    const std::string paragraph = HeaderParagraphXml(impl, spec);
    const std::string part_xml =
        fmt::format(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                    "\n"
                    R"(<w:{0} xmlns:w="{1}" xmlns:r="{2}">{3}</w:{0}>)",
                    root, impl.w.ns(), impl.RelNs(), paragraph);

    std::vector<pugi::xml_node> sections;
    ForEachElement(impl.body, [&](const pugi::xml_node& node) {
        if (impl.w.Is(node, "sectPr")) sections.push_back(node);
        return !impl.w.Is(node, "tbl") && !impl.w.Is(node, "txbxContent");
    });
    if (sections.empty()) {
        auto added = impl.InsertXml({impl.body, {}}, "<w:sectPr/>");
        if (!added) return std::unexpected(added.error());
        sections.push_back(added->front());
    }
    std::string new_part;
    std::string new_rel;
    for (pugi::xml_node sect_pr : sections) {
        pugi::xml_node existing;
        for (pugi::xml_node ref : sect_pr.children()) {
            const std::string_view type = impl.w.Attr(ref, "type");
            if (impl.w.Is(ref, element) && (type.empty() ? "default" : type) == spec.which) {
                existing = ref;
            }
        }
        if (existing) {
            // Every section using that part shows the new text.
            const std::string part =
                impl.TargetOf(ooxml::FindAttribute(existing, impl.RelNs(), "id").value());
            if (!part.empty()) {
                impl.package.WritePart(part, part_xml);
                impl.parts.erase(part);
                continue;
            }
        }
        if (new_part.empty()) {
            new_part =
                impl.FreePartName(fmt::format("word/{}", spec.footer ? "footer" : "header"), "xml");
            impl.package.WritePart(new_part, part_xml);
            impl.package.SetContentTypeOverride(
                new_part, fmt::format("application/vnd.openxmlformats-officedocument."
                                      "wordprocessingml.{}+xml",
                                      spec.footer ? "footer" : "header"));
            new_rel = impl.AddRel(spec.footer ? "footer" : "header", new_part.substr(5));
        }
        auto added = impl.InsertXml(
            {sect_pr, sect_pr.first_child()},
            fmt::format(R"(<w:{} w:type="{}" r:id="{}"/>)", element, spec.which, new_rel));
        if (!added) return std::unexpected(added.error());
        if (spec.which == "first" && !ooxml::FindChild(sect_pr, impl.w.ns(), "titlePg")) {
            pugi::xml_node before;
            for (std::string_view later : {"textDirection", "bidi", "rtlGutter", "docGrid",
                                           "printerSettings", "sectPrChange"}) {
                if (!before) before = ooxml::FindChild(sect_pr, impl.w.ns(), later);
            }
            auto title_pg = impl.InsertXml({sect_pr, before}, "<w:titlePg/>");
            if (!title_pg) return std::unexpected(title_pg.error());
        }
    }
    if (spec.which == "even") {
        if (Status enabled = EnableEvenAndOddHeaders(impl); !enabled) return enabled;
    }
    impl.main_dirty = true;
    return {};
}

namespace {

struct PageSize {
    std::string_view name;
    long width, height;  // twips, portrait
};

constexpr PageSize kPageSizes[] = {{"A4", 11906, 16838},
                                   {"A3", 16838, 23811},
                                   {"A5", 8391, 11906},
                                   {"Letter", 12240, 15840},
                                   {"Legal", 12240, 20160}};

// The attribute `local` of `node` in namespace `ns`, added when missing. Attributes in a namespace
// need a prefix; where the namespace is only the default one, `w` is declared for it.
pugi::xml_attribute WordAttribute(pugi::xml_node node, std::string_view ns,
                                  std::string_view local) {
    if (pugi::xml_attribute found = ooxml::FindAttribute(node, ns, local)) return found;
    std::optional<std::string> prefix = ooxml::PrefixFor(node, ns);
    if (!prefix || prefix->empty()) {
        prefix = "w";
        if (PrefixUri(node, "w") != ns) {
            node.append_attribute("xmlns:w").set_value(std::string(ns).c_str());
        }
    }
    return node.append_attribute((*prefix + ":" + std::string(local)).c_str());
}

// The child `local` of a section's properties, added before the first child that the schema
// puts after it (CT_SectPr, ECMA-376 Part 1, 17.6.17) when missing.
Result<pugi::xml_node> SectionChild(WordDocument::Impl& impl, pugi::xml_node sect_pr,
                                    std::string_view local, std::string_view xml) {
    if (pugi::xml_node found = ooxml::FindChild(sect_pr, impl.w.ns(), local)) return found;
    static constexpr std::string_view kEarlier[] = {
        "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz"};
    pugi::xml_node before;
    for (pugi::xml_node child : sect_pr.children()) {
        if (child.type() != pugi::node_element) continue;
        const bool earlier = std::any_of(
            std::begin(kEarlier), std::end(kEarlier),
            [&](std::string_view name) { return name != local && impl.w.Is(child, name); });
        if (!earlier) {
            before = child;
            break;
        }
    }
    auto added = impl.InsertXml({sect_pr, before}, xml);
    if (!added) return Propagate(added);
    return added->front();
}

Status ApplyPageSetup(WordDocument::Impl& impl, pugi::xml_node sect_pr, const PageSize* size,
                      const PageSetup& setup) {
    const std::string_view ns = impl.w.ns();
    Result<pugi::xml_node> pg_sz =
        SectionChild(impl, sect_pr, "pgSz", R"(<w:pgSz w:w="11906" w:h="16838"/>)");
    if (!pg_sz) return std::unexpected(pg_sz.error());
    long width = size != nullptr ? size->width : WordAttribute(*pg_sz, ns, "w").as_int();
    long height = size != nullptr ? size->height : WordAttribute(*pg_sz, ns, "h").as_int();
    const bool landscape = setup.landscape.value_or(impl.w.Attr(*pg_sz, "orient") == "landscape");
    if (landscape != (width > height)) std::swap(width, height);
    WordAttribute(*pg_sz, ns, "w").set_value(width);
    WordAttribute(*pg_sz, ns, "h").set_value(height);
    if (landscape) {
        WordAttribute(*pg_sz, ns, "orient").set_value("landscape");
    } else if (pugi::xml_attribute orient = ooxml::FindAttribute(*pg_sz, ns, "orient")) {
        pg_sz->remove_attribute(orient);
    }
    if (!setup.margin_cm) return {};
    Result<pugi::xml_node> pg_mar = SectionChild(
        impl, sect_pr, "pgMar", R"(<w:pgMar w:header="708" w:footer="708" w:gutter="0"/>)");
    if (!pg_mar) return std::unexpected(pg_mar.error());
    const long twips = std::lround(*setup.margin_cm * kTwipsPerCm);
    for (std::string_view side : {"top", "right", "bottom", "left"}) {
        WordAttribute(*pg_mar, ns, side).set_value(twips);
    }
    return {};
}

}  // namespace

Status WordDocument::SetPageSetup(const PageSetup& setup) {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    const PageSize* size = nullptr;
    if (setup.size) {
        for (const PageSize& candidate : kPageSizes) {
            if (candidate.name == *setup.size) size = &candidate;
        }
        if (size == nullptr) return InvalidRequest("'size' is A4, A3, A5, Letter or Legal");
    }
    if (setup.margin_cm && (*setup.margin_cm < 0 || *setup.margin_cm > 10)) {
        return InvalidRequest("'margin_cm' is between 0 and 10");
    }
    std::vector<pugi::xml_node> sections;
    ForEachElement(impl.body, [&](const pugi::xml_node& node) {
        if (impl.w.Is(node, "sectPr")) sections.push_back(node);
        return !impl.w.Is(node, "tbl");
    });
    if (sections.empty()) {
        auto added = impl.InsertXml({impl.body, {}}, "<w:sectPr/>");
        if (!added) return std::unexpected(added.error());
        sections.push_back(added->front());
    }
    for (pugi::xml_node sect_pr : sections) {
        if (Status applied = ApplyPageSetup(impl, sect_pr, size, setup); !applied) return applied;
    }
    impl.main_dirty = true;
    return {};
}

// ---------------------------------------------------------------------------------------------
// New documents

WordDocument WordDocument::Create() {
    Result<std::string> bytes = BuildDocument("", {});
    Result<WordDocument> document =
        bytes ? Open(std::move(*bytes)) : std::unexpected(bytes.error());
    if (!document) std::abort();  // the built-in skeleton always opens
    Impl& impl = *document->impl_;
    if (impl.text) {
        if (!impl.DropTextParagraphs()) std::abort();  // the skeleton is read in text mode
        return std::move(*document);
    }
    while (pugi::xml_node paragraph = ooxml::FindChild(impl.body, impl.w.ns(), "p")) {
        impl.body.remove_child(paragraph);
    }
    impl.main_dirty = true;
    return std::move(*document);
}

}  // namespace quire::docx
