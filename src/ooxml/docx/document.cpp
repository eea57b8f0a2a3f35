#include "ooxml/docx/document.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <set>
#include <utility>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

using ooxml::EscapeXml;
using ooxml::FindAttribute;
using ooxml::FindChild;
using ooxml::IsElement;
using ooxml::Package;
using ooxml::ParseXml;
using ooxml::XmlSafeText;

constexpr std::string_view kWordStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main";
constexpr std::string_view kRelBase =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
constexpr std::string_view kRelBaseStrict =
    "http://purl.oclc.org/ooxml/officeDocument/relationships/";

constexpr std::string_view kMainContentType =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

// The main part content types of .docx, .dotx, .docm and .dotm (ECMA-376 Part 1, 11.3.10, and
// the macro-enabled variants Word writes).
constexpr std::array<std::string_view, 4> kWordMainContentTypes = {
    kMainContentType,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
};

// ---------------------------------------------------------------------------------------------
// Text

// ---------------------------------------------------------------------------------------------
// Paragraphs

// Qualified names of the WordprocessingML elements a paragraph needs, as they must be written
// under one body: with the document's own prefix, or none where it is the default namespace.
struct WordNames {
    std::string p, p_pr, p_style, r, t, br, tab, val;
};

Result<WordNames> NamesAt(const pugi::xml_node& scope, std::string_view word_ns) {
    WordNames names;
    const std::array<std::pair<std::string*, std::string_view>, 7> elements = {{
        {&names.p, "p"},
        {&names.p_pr, "pPr"},
        {&names.p_style, "pStyle"},
        {&names.r, "r"},
        {&names.t, "t"},
        {&names.br, "br"},
        {&names.tab, "tab"},
    }};
    for (const auto& [name, local] : elements) {
        auto qualified = ooxml::QualifiedName(scope, word_ns, local);
        if (!qualified) return InvalidRequest("the Word document's body is not in its namespace");
        *name = *qualified;
    }
    // A style attribute needs a prefix; under a default namespace the paragraph goes unstyled.
    if (auto prefix = ooxml::PrefixFor(scope, word_ns); prefix && !prefix->empty()) {
        names.val = *prefix + ":val";
    }
    return names;
}

void AppendTextRun(pugi::xml_node run, const WordNames& names, std::string_view piece) {
    pugi::xml_node t = run.append_child(names.t.c_str());
    // Word drops leading and trailing spaces of a w:t unless told to keep them.
    if (!piece.empty() && (piece.front() == ' ' || piece.back() == ' ' ||
                           piece.find("  ") != std::string_view::npos)) {
        t.append_attribute("xml:space").set_value("preserve");
    }
    t.text().set(std::string(piece).c_str());
}

// Fills `paragraph` with one run holding `text`: line breaks become w:br, tabs w:tab.
void FillParagraph(pugi::xml_node paragraph, const WordNames& names, std::string_view style,
                   std::string_view text) {
    if (!style.empty() && !names.val.empty()) {
        pugi::xml_node p_style =
            paragraph.append_child(names.p_pr.c_str()).append_child(names.p_style.c_str());
        p_style.append_attribute(names.val.c_str()).set_value(std::string(style).c_str());
    }
    const std::string safe = XmlSafeText(text);
    if (safe.empty()) return;
    pugi::xml_node run = paragraph.append_child(names.r.c_str());
    std::size_t start = 0;
    while (start <= safe.size()) {
        std::size_t stop = safe.find_first_of("\n\t", start);
        if (stop == std::string::npos) stop = safe.size();
        if (stop > start) {
            AppendTextRun(run, names, std::string_view(safe).substr(start, stop - start));
        }
        if (stop == safe.size()) break;
        run.append_child((safe[stop] == '\n' ? names.br : names.tab).c_str());
        start = stop + 1;
    }
}

// The body's closing w:sectPr, which must stay the body's last element (ECMA-376 Part 1, 17.2.2).
pugi::xml_node FinalSectionProperties(const pugi::xml_node& body, std::string_view word_ns) {
    for (pugi::xml_node node = body.last_child(); node; node = node.previous_sibling()) {
        if (node.type() != pugi::node_element) continue;
        return IsElement(node, word_ns, "sectPr") ? node : pugi::xml_node();
    }
    return {};
}

void InsertParagraph(pugi::xml_node body, std::string_view word_ns, const WordNames& names,
                     std::string_view style, std::string_view text) {
    pugi::xml_node before = FinalSectionProperties(body, word_ns);
    pugi::xml_node paragraph = before ? body.insert_child_before(names.p.c_str(), before)
                                      : body.append_child(names.p.c_str());
    FillParagraph(paragraph, names, style, text);
}

// ---------------------------------------------------------------------------------------------
// Opening

struct WordPackage {
    Package package;
    std::string main_part;
};

std::string NotWordReason(std::string_view content_type) {
    if (content_type.find("spreadsheetml") != std::string_view::npos ||
        content_type.find("ms-excel") != std::string_view::npos) {
        return "the file is a spreadsheet, not a Word document";
    }
    if (content_type.find("presentationml") != std::string_view::npos ||
        content_type.find("ms-powerpoint") != std::string_view::npos) {
        return "the file is a presentation, not a Word document";
    }
    return "the file is not a Word document";
}

Result<WordPackage> OpenWord(std::string bytes) {
    auto package = Package::Open(std::move(bytes));
    if (!package) return Propagate(package);
    auto main_part = package->MainPart();
    if (!main_part) return Propagate(main_part);
    const std::string content_type = package->ContentType(*main_part).value_or("");
    if (std::find(kWordMainContentTypes.begin(), kWordMainContentTypes.end(), content_type) ==
        kWordMainContentTypes.end()) {
        return InvalidRequest(NotWordReason(content_type));
    }
    return WordPackage{std::move(*package), std::move(*main_part)};
}

struct ParsedMain {
    std::unique_ptr<pugi::xml_document> doc;
    pugi::xml_node body;
    std::string word_ns;
};

Result<ParsedMain> ParseMain(const WordPackage& word) {
    auto xml = word.package.ReadPart(word.main_part);
    if (!xml) return Propagate(xml);
    auto doc = ParseXml(*xml, word.main_part, word.package.limits().max_xml_depth);
    if (!doc) return Propagate(doc);
    const pugi::xml_node root = (*doc)->document_element();
    for (const std::string_view word_ns : {ooxml::ns::kWordMain, kWordStrict}) {
        if (!IsElement(root, word_ns, "document")) continue;
        pugi::xml_node body = FindChild(root, word_ns, "body");
        if (!body) return InvalidRequest("the Word document has no body");
        return ParsedMain{std::move(*doc), body, std::string(word_ns)};
    }
    return InvalidRequest("the Word document's main part is not a WordprocessingML document");
}

// ---------------------------------------------------------------------------------------------
// Building

constexpr std::string_view kDocumentSkeleton =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n"
    R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
    R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)"
    R"(<w:body><w:sectPr><w:pgSz w:w="11906" w:h="16838"/>)"
    R"(<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" )"
    R"(w:footer="708" w:gutter="0"/><w:cols w:space="708"/></w:sectPr></w:body></w:document>)";

constexpr std::string_view kStyles =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n"
    R"(<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
    R"(<w:docDefaults><w:rPrDefault><w:rPr>)"
    R"(<w:rFonts w:ascii="Calibri" w:eastAsia="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/>)"
    R"(<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-US" w:eastAsia="en-US" )"
    R"(w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>)"
    R"(<w:spacing w:after="160" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault>)"
    R"(</w:docDefaults>)"
    R"(<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>)"
    R"(<w:qFormat/></w:style>)"
    R"(<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">)"
    R"(<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>)"
    R"(<w:unhideWhenUsed/></w:style>)"
    R"(<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>)"
    R"(<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="10"/><w:qFormat/>)"
    R"(<w:pPr><w:spacing w:after="80" w:line="240" w:lineRule="auto"/><w:contextualSpacing/>)"
    R"(</w:pPr><w:rPr><w:rFonts w:ascii="Calibri Light" w:hAnsi="Calibri Light"/>)"
    R"(<w:spacing w:val="-10"/><w:kern w:val="28"/><w:sz w:val="56"/><w:szCs w:val="56"/>)"
    R"(</w:rPr></w:style>)"
    R"(<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>)"
    R"(<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>)"
    R"(<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="360" w:after="80"/>)"
    R"(<w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:ascii="Calibri Light" )"
    R"(w:hAnsi="Calibri Light"/><w:color w:val="2F5496"/><w:sz w:val="32"/><w:szCs w:val="32"/>)"
    R"(</w:rPr></w:style></w:styles>)";

// Without a compatibility setting Word opens the file in compatibility mode.
constexpr std::string_view kSettings =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n"
    R"(<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
    R"(<w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/>)"
    R"(<w:compat><w:compatSetting w:name="compatibilityMode" )"
    R"(w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>)";

constexpr std::string_view kApp =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n"
    R"(<Properties )"
    R"(xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" )"
    R"(xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">)"
    R"(<Application>Quire</Application></Properties>)";

std::string CoreProperties(std::string_view title) {
    const std::string now = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    return fmt::format(
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        "\n"
        R"(<cp:coreProperties )"
        R"(xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" )"
        R"(xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" )"
        R"(xmlns:dcmitype="http://purl.org/dc/dcmitype/" )"
        R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">)"
        R"(<dc:title>{}</dc:title><dc:creator>Quire</dc:creator>)"
        R"(<dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created>)"
        R"(<dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified>)"
        R"(</cp:coreProperties>)",
        EscapeXml(title), now, now);
}

ooxml::Relationship Rel(std::string id, std::string type, std::string target) {
    return ooxml::Relationship{std::move(id), std::move(type), std::move(target), false};
}

Result<std::string> DocumentXml(std::string_view title,
                                const std::vector<std::string>& paragraphs) {
    auto doc = ParseXml(kDocumentSkeleton, "word/document.xml");
    if (!doc) return Propagate(doc);
    pugi::xml_node body = FindChild((*doc)->document_element(), ooxml::ns::kWordMain, "body");
    auto names = NamesAt(body, ooxml::ns::kWordMain);
    if (!names) return Propagate(names);
    if (!title.empty()) InsertParagraph(body, ooxml::ns::kWordMain, *names, "Title", title);
    for (const auto& text : paragraphs) {
        InsertParagraph(body, ooxml::ns::kWordMain, *names, "", text);
    }
    // A body needs at least one paragraph for Word to place the cursor in.
    if (title.empty() && paragraphs.empty()) {
        InsertParagraph(body, ooxml::ns::kWordMain, *names, "", "");
    }
    return ooxml::SerializeXml(**doc);
}

// ---------------------------------------------------------------------------------------------
// Outline

// Style ids whose paragraphs are headings: styles named "Title" or "heading N" (built-in names
// that Word keeps in English whatever the interface language), or with an outline level.
std::set<std::string> HeadingStyles(const WordPackage& word, std::string_view word_ns) {
    std::set<std::string> styles;
    auto rels = word.package.Relationships(word.main_part);
    if (!rels) return styles;
    for (const auto& rel : *rels) {
        if (rel.external || (rel.type != std::string(kRelBase) + "styles" &&
                             rel.type != std::string(kRelBaseStrict) + "styles")) {
            continue;
        }
        const std::string part = Package::ResolveTarget(word.main_part, rel.target);
        auto xml = word.package.ReadPart(part);
        if (!xml) return styles;
        auto doc = ParseXml(*xml, part, word.package.limits().max_xml_depth);
        if (!doc) return styles;
        for (pugi::xml_node style : (*doc)->document_element().children()) {
            if (!IsElement(style, word_ns, "style")) continue;
            std::string name =
                FindAttribute(FindChild(style, word_ns, "name"), word_ns, "val").value();
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            const bool outline =
                FindChild(FindChild(style, word_ns, "pPr"), word_ns, "outlineLvl") != nullptr;
            if (name == "title" || name.starts_with("heading ") || outline) {
                styles.insert(FindAttribute(style, word_ns, "styleId").value());
            }
        }
        break;
    }
    return styles;
}

bool IsHeading(const pugi::xml_node& paragraph, std::string_view word_ns,
               const std::set<std::string>& heading_styles) {
    const pugi::xml_node p_pr = FindChild(paragraph, word_ns, "pPr");
    if (FindChild(p_pr, word_ns, "outlineLvl")) return true;
    const std::string style =
        FindAttribute(FindChild(p_pr, word_ns, "pStyle"), word_ns, "val").value();
    if (style.empty()) return false;
    if (heading_styles.contains(style)) return true;
    // Documents without a styles part still use the built-in ids.
    return heading_styles.empty() && (style == "Title" || style.starts_with("Heading"));
}

// Calls `visit` for every element below `root`, in document order, without recursion.
template <typename Visit>
void ForEachElement(const pugi::xml_node& root, Visit visit) {
    pugi::xml_node node = root.first_child();
    while (node) {
        if (node.type() == pugi::node_element) visit(node);
        if (node.first_child()) {
            node = node.first_child();
            continue;
        }
        while (node != root && !node.next_sibling()) node = node.parent();
        if (node == root) break;
        node = node.next_sibling();
    }
}

std::string ParagraphText(const pugi::xml_node& paragraph, std::string_view word_ns) {
    std::string text;
    ForEachElement(paragraph, [&](const pugi::xml_node& node) {
        if (IsElement(node, word_ns, "t")) text += node.text().get();
        if (IsElement(node, word_ns, "tab") || IsElement(node, word_ns, "br")) text += ' ';
    });
    return text;
}

}  // namespace

Result<std::string> BuildDocument(std::string_view title,
                                  const std::vector<std::string>& paragraphs) {
    auto document = DocumentXml(title, paragraphs);
    if (!document) return Propagate(document);

    Package package = Package::Create();
    package.SetRelationships(
        "", {Rel("rId1", std::string(ooxml::kOfficeDocumentRel), "word/document.xml"),
             Rel("rId2",
                 "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                 "core-properties",
                 "docProps/core.xml"),
             Rel("rId3", std::string(kRelBase) + "extended-properties", "docProps/app.xml")});
    package.WritePart("word/document.xml", std::move(*document));
    package.SetContentTypeOverride("word/document.xml", kMainContentType);
    package.SetRelationships("word/document.xml",
                             {Rel("rId1", std::string(kRelBase) + "styles", "styles.xml"),
                              Rel("rId2", std::string(kRelBase) + "settings", "settings.xml")});
    package.WritePart("word/styles.xml", std::string(kStyles));
    package.SetContentTypeOverride(
        "word/styles.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml");
    package.WritePart("word/settings.xml", std::string(kSettings));
    package.SetContentTypeOverride(
        "word/settings.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml");
    package.WritePart("docProps/core.xml", CoreProperties(title));
    package.SetContentTypeOverride("docProps/core.xml",
                                   "application/vnd.openxmlformats-package.core-properties+xml");
    package.WritePart("docProps/app.xml", std::string(kApp));
    package.SetContentTypeOverride(
        "docProps/app.xml",
        "application/vnd.openxmlformats-officedocument.extended-properties+xml");
    return package.Save();
}

Result<std::string> AppendParagraph(std::string bytes, std::string_view text) {
    auto word = OpenWord(std::move(bytes));
    if (!word) return Propagate(word);
    auto main = ParseMain(*word);
    if (!main) return Propagate(main);
    auto names = NamesAt(main->body, main->word_ns);
    if (!names) return Propagate(names);

    InsertParagraph(main->body, main->word_ns, *names, "", text);
    word->package.WritePart(word->main_part, ooxml::SerializeXml(*main->doc));
    return word->package.Save();
}

Status Validate(std::string bytes) {
    auto word = OpenWord(std::move(bytes));
    if (!word) return Propagate(word);
    auto main = ParseMain(*word);
    if (!main) return Propagate(main);
    return {};
}

Result<std::string> OutlineJson(std::string bytes) {
    auto word = OpenWord(std::move(bytes));
    if (!word) return Propagate(word);
    auto main = ParseMain(*word);
    if (!main) return Propagate(main);
    const std::set<std::string> heading_styles = HeadingStyles(*word, main->word_ns);

    std::size_t paragraphs = 0;
    boost::json::array headings;
    ForEachElement(main->body, [&](const pugi::xml_node& node) {
        if (!IsElement(node, main->word_ns, "p")) return;
        ++paragraphs;
        if (IsHeading(node, main->word_ns, heading_styles)) {
            headings.emplace_back(ParagraphText(node, main->word_ns));
        }
    });
    boost::json::object outline;
    outline["paragraphs"] = paragraphs;
    outline["headings"] = std::move(headings);
    return boost::json::serialize(outline);
}

Result<std::vector<BodyParagraph>> Paragraphs(std::string bytes) {
    auto word = OpenWord(std::move(bytes));
    if (!word) return Propagate(word);
    auto main = ParseMain(*word);
    if (!main) return Propagate(main);
    const std::set<std::string> heading_styles = HeadingStyles(*word, main->word_ns);

    std::vector<BodyParagraph> paragraphs;
    ForEachElement(main->body, [&](const pugi::xml_node& node) {
        if (!IsElement(node, main->word_ns, "p")) return;
        paragraphs.push_back(
            {ParagraphText(node, main->word_ns), IsHeading(node, main->word_ns, heading_styles)});
    });
    return paragraphs;
}

}  // namespace quire::docx
