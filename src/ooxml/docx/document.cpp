#include "ooxml/docx/document.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <ctime>
#include <utility>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

using ooxml::EscapeXml;
using ooxml::FindChild;
using ooxml::IsElement;
using ooxml::Package;
using ooxml::ParseXml;
using ooxml::XmlSafeText;

constexpr std::string_view kRelBase =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
constexpr std::string_view kMainContentType =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

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

}  // namespace quire::docx
