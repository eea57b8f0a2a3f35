#include "ooxml/pptx/presentation.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::pptx {
namespace {

using ooxml::EscapeXml;
using ooxml::FindAttribute;
using ooxml::FindChild;
using ooxml::IsElement;
using ooxml::Package;
using ooxml::ParseXml;
using ooxml::Relationship;
using ooxml::XmlSafeText;

// The namespaces and relationship types of one OOXML flavour. A deck keeps the flavour it was
// written in: a strict deck gets strict slides (ECMA-376 Part 1, 2012, Annex A).
struct Flavor {
    std::string_view presentation;
    std::string_view drawing;
    std::string_view relationships;
    std::string_view rel_base;
};

constexpr Flavor kTransitional{
    ooxml::ns::kPresentationMain,
    ooxml::ns::kDrawingMain,
    ooxml::ns::kRelationships,
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
};

constexpr Flavor kStrict{
    "http://purl.oclc.org/ooxml/presentationml/main",
    "http://purl.oclc.org/ooxml/drawingml/main",
    ooxml::ns::kRelationshipsStrict,
    "http://purl.oclc.org/ooxml/officeDocument/relationships/",
};

std::string RelType(const Flavor& flavor, std::string_view name) {
    return fmt::format("{}{}", flavor.rel_base, name);
}

constexpr std::string_view kPresentationContentType =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml";
constexpr std::string_view kSlideContentType =
    "application/vnd.openxmlformats-officedocument.presentationml.slide+xml";

// The main part content types of .pptx, .ppsx, .potx and their macro-enabled variants.
constexpr std::array<std::string_view, 6> kPresentationMainContentTypes = {
    kPresentationContentType,
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
};

// Slide ids live in [256, 2147483648) (ECMA-376 Part 1, 19.2.1.33).
constexpr std::uint32_t kFirstSlideId = 256;
constexpr std::uint32_t kSlideIdLimit = 2147483648u;

constexpr std::int64_t kDefaultSlideWidth = 12192000;  // 16:9, 13.333 in
constexpr std::int64_t kDefaultSlideHeight = 6858000;  // 7.5 in

// ---------------------------------------------------------------------------------------------
// Text

// DrawingML paragraphs for `text`, one per line; an empty text is one empty paragraph, since a
// text body needs at least one (ECMA-376 Part 1, 21.1.2.1.1).
std::string TextParagraphs(std::string_view text) {
    const std::string safe = XmlSafeText(text);
    std::string out;
    std::size_t start = 0;
    for (;;) {
        std::size_t stop = safe.find('\n', start);
        if (stop == std::string::npos) stop = safe.size();
        const std::string_view line = std::string_view(safe).substr(start, stop - start);
        if (line.empty()) {
            out += R"(<a:p><a:endParaRPr lang="en-US" dirty="0"/></a:p>)";
        } else {
            out +=
                fmt::format(R"(<a:p><a:r><a:rPr lang="en-US" dirty="0"/><a:t>{}</a:t></a:r></a:p>)",
                            EscapeXml(line));
        }
        if (stop == safe.size()) break;
        start = stop + 1;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The parts of a new deck

constexpr std::string_view kXmlDeclaration =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

std::string Namespaces(const Flavor& flavor) {
    return fmt::format(R"(xmlns:a="{}" xmlns:r="{}" xmlns:p="{}")", flavor.drawing,
                       flavor.relationships, flavor.presentation);
}

constexpr std::string_view kGroupShapeProperties =
    R"(<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>)"
    R"(<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/>)"
    R"(<a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>)";

// A text level's run properties in the theme's fonts and the text colour.
std::string DefaultRun(int size, std::string_view font) {
    return fmt::format(
        R"(<a:defRPr sz="{}" kern="1200"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill>)"
        R"(<a:latin typeface="+{}-lt"/><a:ea typeface="+{}-ea"/><a:cs typeface="+{}-cs"/>)"
        R"(</a:defRPr>)",
        size, font, font, font);
}

std::string PresentationXml() {
    return fmt::format(
        R"({}<p:presentation {} saveSubsetFonts="1">)"
        R"(<p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst>)"
        R"(<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>)"
        R"(<p:sldSz cx="{}" cy="{}"/><p:notesSz cx="6858000" cy="9144000"/>)"
        R"(<p:defaultTextStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr>)"
        R"(<a:lvl1pPr marL="0" algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" )"
        R"(hangingPunct="1">{}</a:lvl1pPr></p:defaultTextStyle></p:presentation>)",
        kXmlDeclaration, Namespaces(kTransitional), kDefaultSlideWidth, kDefaultSlideHeight,
        DefaultRun(1800, "mn"));
}

std::string PlaceholderShape(int id, std::string_view name, std::string_view placeholder,
                             std::string_view geometry, std::string_view body_properties,
                             std::string_view list_style, std::string_view paragraphs) {
    return fmt::format(
        R"(<p:sp><p:nvSpPr><p:cNvPr id="{}" name="{}"/><p:cNvSpPr><a:spLocks noGrp="1"/>)"
        R"(</p:cNvSpPr><p:nvPr>{}</p:nvPr></p:nvSpPr><p:spPr>{}</p:spPr><p:txBody>{})"
        R"(<a:lstStyle>{}</a:lstStyle>{}</p:txBody></p:sp>)",
        id, name, placeholder, geometry, body_properties, list_style, paragraphs);
}

std::string Transform(std::int64_t x, std::int64_t y, std::int64_t cx, std::int64_t cy) {
    return fmt::format(R"(<a:xfrm><a:off x="{}" y="{}"/><a:ext cx="{}" cy="{}"/></a:xfrm>)", x, y,
                       cx, cy);
}

std::string SlideMasterXml() {
    const std::string rect = R"(<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>)";
    const std::string title = PlaceholderShape(
        2, "Title Placeholder 1", R"(<p:ph type="title"/>)",
        Transform(838200, 365125, 10515600, 1325563) + rect,
        R"(<a:bodyPr vert="horz" lIns="91440" tIns="45720" rIns="91440" bIns="45720" )"
        R"(rtlCol="0" anchor="ctr"><a:normAutofit/></a:bodyPr>)",
        "", TextParagraphs("Click to edit the title"));
    const std::string body = PlaceholderShape(
        3, "Text Placeholder 2", R"(<p:ph type="body" idx="1"/>)",
        Transform(838200, 1825625, 10515600, 4351338) + rect,
        R"(<a:bodyPr vert="horz" lIns="91440" tIns="45720" rIns="91440" bIns="45720" )"
        R"(rtlCol="0"><a:normAutofit/></a:bodyPr>)",
        "", TextParagraphs("Click to edit the text"));
    return fmt::format(
        R"({}<p:sldMaster {}><p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/>)"
        R"(</p:bgRef></p:bg><p:spTree>{}{}{}</p:spTree></p:cSld>)"
        R"(<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" )"
        R"(accent2="accent2" accent3="accent3" accent4="accent4" accent5="accent5" )"
        R"(accent6="accent6" hlink="hlink" folHlink="folHlink"/>)"
        R"(<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst>)"
        R"(<p:txStyles><p:titleStyle><a:lvl1pPr algn="l" defTabSz="914400" rtl="0" )"
        R"(eaLnBrk="1" latinLnBrk="0" hangingPunct="1"><a:lnSpc><a:spcPct val="90000"/>)"
        R"(</a:lnSpc><a:spcBef><a:spcPct val="0"/></a:spcBef><a:buNone/>{}</a:lvl1pPr>)"
        R"(</p:titleStyle><p:bodyStyle><a:lvl1pPr marL="228600" indent="-228600" algn="l" )"
        R"(defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1"><a:lnSpc>)"
        R"(<a:spcPct val="90000"/></a:lnSpc><a:spcBef><a:spcPts val="1000"/></a:spcBef>)"
        R"(<a:buFont typeface="Arial"/><a:buChar char="&#8226;"/>{}</a:lvl1pPr></p:bodyStyle>)"
        R"(<p:otherStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr><a:lvl1pPr marL="0" )"
        R"(algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1">{})"
        R"(</a:lvl1pPr></p:otherStyle></p:txStyles></p:sldMaster>)",
        kXmlDeclaration, Namespaces(kTransitional), kGroupShapeProperties, title, body,
        DefaultRun(4400, "mj"), DefaultRun(2800, "mn"), DefaultRun(1800, "mn"));
}

std::string SlideLayoutXml() {
    const std::string title = PlaceholderShape(
        2, "Title 1", R"(<p:ph type="ctrTitle"/>)", Transform(1524000, 1122363, 9144000, 2387600),
        R"(<a:bodyPr anchor="b"/>)", R"(<a:lvl1pPr algn="ctr"><a:defRPr sz="6000"/></a:lvl1pPr>)",
        TextParagraphs("Click to edit the title"));
    const std::string subtitle = PlaceholderShape(
        3, "Subtitle 2", R"(<p:ph type="subTitle" idx="1"/>)",
        Transform(1524000, 3602038, 9144000, 1655762), "<a:bodyPr/>",
        R"(<a:lvl1pPr marL="0" indent="0" algn="ctr"><a:buNone/><a:defRPr sz="2400"/>)"
        R"(</a:lvl1pPr>)",
        TextParagraphs("Click to edit the subtitle"));
    return fmt::format(
        R"({}<p:sldLayout {} type="title" preserve="1"><p:cSld name="Title Slide"><p:spTree>)"
        R"({}{}{}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>)"
        R"(</p:sldLayout>)",
        kXmlDeclaration, Namespaces(kTransitional), kGroupShapeProperties, title, subtitle);
}

std::string TitleSlideXml(std::string_view title, std::string_view subtitle) {
    const std::string title_shape = PlaceholderShape(2, "Title 1", R"(<p:ph type="ctrTitle"/>)", "",
                                                     "<a:bodyPr/>", "", TextParagraphs(title));
    const std::string subtitle_shape =
        PlaceholderShape(3, "Subtitle 2", R"(<p:ph type="subTitle" idx="1"/>)", "", "<a:bodyPr/>",
                         "", TextParagraphs(subtitle));
    return fmt::format(R"({}<p:sld {}><p:cSld><p:spTree>{}{}{}</p:spTree></p:cSld><p:clrMapOvr>)"
                       R"(<a:masterClrMapping/></p:clrMapOvr></p:sld>)",
                       kXmlDeclaration, Namespaces(kTransitional), kGroupShapeProperties,
                       title_shape, subtitle_shape);
}

std::string ThemeXml() {
    constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kColors = {{
        {"dk2", "1F2A44"},
        {"lt2", "E7E6E6"},
        {"accent1", "2F6FD0"},
        {"accent2", "E8772E"},
        {"accent3", "8C8C8C"},
        {"accent4", "F2B705"},
        {"accent5", "3E9BD6"},
        {"accent6", "5AA454"},
        {"hlink", "0563C1"},
        {"folHlink", "954F72"},
    }};
    std::string colors = R"(<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>)"
                         R"(<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>)";
    for (const auto& [name, rgb] : kColors) {
        colors += fmt::format(R"(<a:{0}><a:srgbClr val="{1}"/></a:{0}>)", name, rgb);
    }
    const std::string fill = R"(<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>)";
    std::string lines;
    for (const int width : {6350, 12700, 19050}) {
        lines += fmt::format(
            R"(<a:ln w="{}" cap="flat" cmpd="sng" algn="ctr">{}<a:prstDash val="solid"/>)"
            R"(<a:miter lim="800000"/></a:ln>)",
            width, fill);
    }
    const std::string effect = "<a:effectStyle><a:effectLst/></a:effectStyle>";
    const std::string fonts = R"(<a:ea typeface=""/><a:cs typeface=""/>)";
    // A theme needs at least three fill, line, effect and background styles (ECMA-376 Part 1,
    // 20.1.4.1.14): PowerPoint refuses a deck whose theme has fewer.
    return fmt::format(
        R"({}<a:theme xmlns:a="{}" name="Quire"><a:themeElements><a:clrScheme name="Quire">)"
        R"({}</a:clrScheme><a:fontScheme name="Quire"><a:majorFont><a:latin )"
        R"(typeface="Calibri Light"/>{}</a:majorFont><a:minorFont><a:latin typeface="Calibri"/>)"
        R"({}</a:minorFont></a:fontScheme><a:fmtScheme name="Quire"><a:fillStyleLst>{}{}{})"
        R"(</a:fillStyleLst><a:lnStyleLst>{}</a:lnStyleLst><a:effectStyleLst>{}{}{})"
        R"(</a:effectStyleLst><a:bgFillStyleLst>{}{}{}</a:bgFillStyleLst></a:fmtScheme>)"
        R"(</a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>)",
        kXmlDeclaration, kTransitional.drawing, colors, fonts, fonts, fill, fill, fill, lines,
        effect, effect, effect, fill, fill, fill);
}

std::string CoreProperties(std::string_view title) {
    const std::string now = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    return fmt::format(
        R"({}<cp:coreProperties )"
        R"(xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" )"
        R"(xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" )"
        R"(xmlns:dcmitype="http://purl.org/dc/dcmitype/" )"
        R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">)"
        R"(<dc:title>{}</dc:title><dc:creator>Quire</dc:creator>)"
        R"(<dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created>)"
        R"(<dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified>)"
        R"(</cp:coreProperties>)",
        kXmlDeclaration, EscapeXml(title), now, now);
}

struct NewPart {
    std::string name;
    std::string content_type;
    std::string xml;
};

std::vector<NewPart> DeckParts(std::string_view title, std::string_view subtitle) {
    const std::string ml = "application/vnd.openxmlformats-officedocument.presentationml.";
    const std::string ns = Namespaces(kTransitional);
    return {
        {"ppt/presentation.xml", std::string(kPresentationContentType), PresentationXml()},
        {"ppt/slideMasters/slideMaster1.xml", ml + "slideMaster+xml", SlideMasterXml()},
        {"ppt/slideLayouts/slideLayout1.xml", ml + "slideLayout+xml", SlideLayoutXml()},
        {"ppt/slides/slide1.xml", std::string(kSlideContentType), TitleSlideXml(title, subtitle)},
        {"ppt/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml",
         ThemeXml()},
        {"ppt/presProps.xml", ml + "presProps+xml",
         fmt::format("{}<p:presentationPr {}/>", kXmlDeclaration, ns)},
        {"ppt/viewProps.xml", ml + "viewProps+xml",
         fmt::format(R"({}<p:viewPr {}><p:normalViewPr><p:restoredLeft sz="15620"/>)"
                     R"(<p:restoredTop sz="94660"/></p:normalViewPr><p:gridSpacing cx="76200" )"
                     R"(cy="76200"/></p:viewPr>)",
                     kXmlDeclaration, ns)},
        {"ppt/tableStyles.xml", ml + "tableStyles+xml",
         fmt::format(R"({}<a:tblStyleLst xmlns:a="{}" )"
                     R"(def="{{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}}"/>)",
                     kXmlDeclaration, kTransitional.drawing)},
        {"docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml",
         CoreProperties(title)},
        {"docProps/app.xml",
         "application/vnd.openxmlformats-officedocument.extended-properties+xml",
         fmt::format(R"({}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/)"
                     R"(2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/)"
                     R"(officeDocument/2006/docPropsVTypes"><Application>Quire</Application>)"
                     R"(<Slides>1</Slides></Properties>)",
                     kXmlDeclaration)},
    };
}

Relationship Rel(std::string id, std::string type, std::string target) {
    return Relationship{std::move(id), std::move(type), std::move(target), false};
}

void WriteDeckRelationships(Package& package) {
    const Flavor& f = kTransitional;
    package.SetRelationships(
        "", {Rel("rId1", std::string(ooxml::kOfficeDocumentRel), "ppt/presentation.xml"),
             Rel("rId2",
                 "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                 "core-properties",
                 "docProps/core.xml"),
             Rel("rId3", RelType(f, "extended-properties"), "docProps/app.xml")});
    package.SetRelationships(
        "ppt/presentation.xml",
        {Rel("rId1", RelType(f, "slideMaster"), "slideMasters/slideMaster1.xml"),
         Rel("rId2", RelType(f, "slide"), "slides/slide1.xml"),
         Rel("rId3", RelType(f, "presProps"), "presProps.xml"),
         Rel("rId4", RelType(f, "viewProps"), "viewProps.xml"),
         Rel("rId5", RelType(f, "theme"), "theme/theme1.xml"),
         Rel("rId6", RelType(f, "tableStyles"), "tableStyles.xml")});
    package.SetRelationships(
        "ppt/slideMasters/slideMaster1.xml",
        {Rel("rId1", RelType(f, "slideLayout"), "../slideLayouts/slideLayout1.xml"),
         Rel("rId2", RelType(f, "theme"), "../theme/theme1.xml")});
    package.SetRelationships(
        "ppt/slideLayouts/slideLayout1.xml",
        {Rel("rId1", RelType(f, "slideMaster"), "../slideMasters/slideMaster1.xml")});
    package.SetRelationships("ppt/slides/slide1.xml", {Rel("rId1", RelType(f, "slideLayout"),
                                                           "../slideLayouts/slideLayout1.xml")});
}

// ---------------------------------------------------------------------------------------------
// Opening a deck

struct Deck {
    Package package;
    std::string main_part;
    std::unique_ptr<pugi::xml_document> doc;  // the presentation part
    Flavor flavor;
    std::vector<Relationship> rels;  // of the presentation part
};

std::string NotPresentationReason(std::string_view content_type) {
    if (content_type.find("spreadsheetml") != std::string_view::npos ||
        content_type.find("ms-excel") != std::string_view::npos) {
        return "the file is a spreadsheet, not a presentation";
    }
    if (content_type.find("wordprocessingml") != std::string_view::npos ||
        content_type.find("ms-word") != std::string_view::npos) {
        return "the file is a Word document, not a presentation";
    }
    return "the file is not a presentation";
}

Result<Deck> OpenDeck(std::string bytes) {
    auto package = Package::Open(std::move(bytes));
    if (!package) return Propagate(package);
    auto main_part = package->MainPart();
    if (!main_part) return Propagate(main_part);
    const std::string content_type = package->ContentType(*main_part).value_or("");
    if (std::find(kPresentationMainContentTypes.begin(), kPresentationMainContentTypes.end(),
                  content_type) == kPresentationMainContentTypes.end()) {
        return InvalidRequest(NotPresentationReason(content_type));
    }

    auto xml = package->ReadPart(*main_part);
    if (!xml) return Propagate(xml);
    auto doc = ParseXml(*xml, *main_part, package->limits().max_xml_depth);
    if (!doc) return Propagate(doc);
    const pugi::xml_node root = (*doc)->document_element();
    const Flavor* flavor = IsElement(root, kTransitional.presentation, "presentation")
                               ? &kTransitional
                           : IsElement(root, kStrict.presentation, "presentation") ? &kStrict
                                                                                   : nullptr;
    if (flavor == nullptr) {
        return InvalidRequest("the presentation's main part is not a PresentationML document");
    }
    auto rels = package->Relationships(*main_part);
    if (!rels) return Propagate(rels);
    return Deck{std::move(*package), std::move(*main_part), std::move(*doc), *flavor,
                std::move(*rels)};
}

// The part a relationship id of `source` points at, if it is an internal one that exists.
std::optional<std::string> TargetPart(const Package& package, std::string_view source,
                                      const std::vector<Relationship>& rels, std::string_view id) {
    for (const Relationship& rel : rels) {
        if (rel.id != id || rel.external) continue;
        std::string part = Package::ResolveTarget(source, rel.target);
        if (!package.HasPart(part)) return std::nullopt;
        return part;
    }
    return std::nullopt;
}

// The slide parts in presentation order. A listed slide that is missing makes the deck
// unreadable.
Result<std::vector<std::string>> SlideParts(const Deck& deck) {
    std::vector<std::string> parts;
    const pugi::xml_node list =
        FindChild(deck.doc->document_element(), deck.flavor.presentation, "sldIdLst");
    for (pugi::xml_node slide : list.children()) {
        if (!IsElement(slide, deck.flavor.presentation, "sldId")) continue;
        const std::string_view id = FindAttribute(slide, deck.flavor.relationships, "id").value();
        auto part = TargetPart(deck.package, deck.main_part, deck.rels, id);
        if (!part) return InvalidRequest("the presentation lists a slide that is missing");
        parts.push_back(std::move(*part));
    }
    return parts;
}

// ---------------------------------------------------------------------------------------------
// Appending a slide

// The layouts of the deck's first slide master, in the master's order.
Result<std::vector<std::string>> FirstMasterLayouts(const Deck& deck) {
    const Flavor& f = deck.flavor;
    const pugi::xml_node masters =
        FindChild(deck.doc->document_element(), f.presentation, "sldMasterIdLst");
    const pugi::xml_node master_id = FindChild(masters, f.presentation, "sldMasterId");
    const auto master = TargetPart(deck.package, deck.main_part, deck.rels,
                                   FindAttribute(master_id, f.relationships, "id").value());
    if (!master) return std::vector<std::string>{};

    auto master_rels = deck.package.Relationships(*master);
    if (!master_rels) return Propagate(master_rels);
    auto master_xml = deck.package.ReadPart(*master);
    if (!master_xml) return Propagate(master_xml);
    auto master_doc = ParseXml(*master_xml, *master, deck.package.limits().max_xml_depth);
    if (!master_doc) return Propagate(master_doc);

    std::vector<std::string> layouts;
    const pugi::xml_node list =
        FindChild((*master_doc)->document_element(), f.presentation, "sldLayoutIdLst");
    for (pugi::xml_node layout_id : list.children()) {
        if (!IsElement(layout_id, f.presentation, "sldLayoutId")) continue;
        const auto layout = TargetPart(deck.package, *master, *master_rels,
                                       FindAttribute(layout_id, f.relationships, "id").value());
        if (layout) layouts.push_back(*layout);
    }
    return layouts;
}

bool IsLayoutOfType(const Deck& deck, const std::string& layout, std::string_view type) {
    auto xml = deck.package.ReadPart(layout);
    if (!xml) return false;
    auto doc = ParseXml(*xml, layout, deck.package.limits().max_xml_depth);
    return doc && (*doc)->document_element().attribute("type").value() == type;
}

// The layout for a new content slide: the first master's "Title and Content" layout when it has
// one, else its first layout.
Result<std::string> ChooseLayout(const Deck& deck) {
    auto layouts = FirstMasterLayouts(deck);
    if (!layouts) return Propagate(layouts);
    if (layouts->empty()) {
        return InvalidRequest("the presentation has no slide layout to base a slide on");
    }
    for (const std::string& layout : *layouts) {
        if (IsLayoutOfType(deck, layout, "obj")) return layout;
    }
    return layouts->front();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "ppt/slides/slideN.xml" beside the presentation part, with N one past the highest in use.
std::string NewSlidePartName(const Deck& deck) {
    const auto slash = deck.main_part.rfind('/');
    const std::string folder =
        (slash == std::string::npos ? std::string() : deck.main_part.substr(0, slash + 1)) +
        "slides/slide";
    std::uint64_t highest = 0;
    for (const std::string& part : deck.package.PartNames()) {
        if (part.size() <= folder.size() + 4 || !part.ends_with(".xml") ||
            !EqualsIgnoreCase(std::string_view(part).substr(0, folder.size()), folder)) {
            continue;
        }
        std::uint64_t n = 0;
        const char* first = part.data() + folder.size();
        const char* last = part.data() + part.size() - 4;
        const auto [ptr, ec] = std::from_chars(first, last, n);
        if (ec == std::errc{} && ptr == last) highest = std::max(highest, n);
    }
    std::string name;
    do {
        name = fmt::format("{}{}.xml", folder, ++highest);
    } while (deck.package.HasPart(name));
    return name;
}

// A relationship target from `source` to `target`, relative as PowerPoint writes them, with
// characters outside a URI path percent-encoded.
std::string RelativeTarget(std::string_view source, std::string_view target) {
    std::size_t common = 0;
    for (std::size_t i = 0; i < source.size() && i < target.size() && source[i] == target[i]; ++i) {
        if (source[i] == '/') common = i + 1;
    }
    std::string out;
    for (const char c : source.substr(common)) {
        if (c == '/') out += "../";
    }
    for (const char c : target.substr(common)) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) ||
            std::string_view("-._~/!$&'()*+,;=:@").find(c) != std::string_view::npos) {
            out += c;
        } else {
            out += fmt::format("%{:02X}", u);
        }
    }
    return out;
}

std::string FreshRelationshipId(const std::vector<Relationship>& rels) {
    std::set<std::string> used;
    for (const Relationship& rel : rels) used.insert(rel.id);
    for (std::size_t n = rels.size() + 1;; ++n) {
        std::string id = fmt::format("rId{}", n);
        if (!used.contains(id)) return id;
    }
}

std::pair<std::int64_t, std::int64_t> SlideSize(const Deck& deck) {
    const pugi::xml_node size =
        FindChild(deck.doc->document_element(), deck.flavor.presentation, "sldSz");
    std::int64_t cx = size.attribute("cx").as_llong(kDefaultSlideWidth);
    std::int64_t cy = size.attribute("cy").as_llong(kDefaultSlideHeight);
    // ECMA-376 bounds a slide side to 1–56 inches; anything else is a broken value.
    constexpr std::int64_t kMin = 914400;
    constexpr std::int64_t kMax = 51206400;
    if (cx < kMin || cx > kMax) cx = kDefaultSlideWidth;
    if (cy < kMin || cy > kMax) cy = kDefaultSlideHeight;
    return {cx, cy};
}

// A content slide: a title placeholder and a text box, both placed explicitly so the slide
// looks right whichever layout it uses.
std::string ContentSlideXml(const Flavor& flavor, std::pair<std::int64_t, std::int64_t> size,
                            std::string_view title, std::string_view body) {
    const auto [cx, cy] = size;
    const std::int64_t margin = cx / 16;
    const std::string title_shape =
        PlaceholderShape(2, "Title 1", R"(<p:ph type="title"/>)",
                         Transform(margin, cy / 20, cx - 2 * margin, cy / 6), "<a:bodyPr/>", "",
                         TextParagraphs(title));
    const std::string body_shape = fmt::format(
        R"(<p:sp><p:nvSpPr><p:cNvPr id="3" name="Body 2"/><p:cNvSpPr txBox="1"/><p:nvPr/>)"
        R"(</p:nvSpPr><p:spPr>{}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/>)"
        R"(</p:spPr><p:txBody><a:bodyPr wrap="square" rtlCol="0"><a:normAutofit/></a:bodyPr>)"
        R"(<a:lstStyle><a:lvl1pPr><a:defRPr sz="2400"/></a:lvl1pPr></a:lstStyle>{})"
        R"(</p:txBody></p:sp>)",
        Transform(margin, cy / 4, cx - 2 * margin, cy * 2 / 3), TextParagraphs(body));
    return fmt::format(R"({}<p:sld {}><p:cSld><p:spTree>{}{}{}</p:spTree></p:cSld><p:clrMapOvr>)"
                       R"(<a:masterClrMapping/></p:clrMapOvr></p:sld>)",
                       kXmlDeclaration, Namespaces(flavor), kGroupShapeProperties, title_shape,
                       body_shape);
}

// The prefix for relationship-namespace attributes at the presentation root, declared there if
// the part never declared it.
std::string RelationshipPrefix(pugi::xml_node root, std::string_view relationships_ns) {
    if (auto prefix = ooxml::PrefixFor(root, relationships_ns); prefix && !prefix->empty()) {
        return *prefix;
    }
    std::string prefix = "r";
    for (int n = 1; root.attribute(("xmlns:" + prefix).c_str()); ++n) {
        prefix = fmt::format("r{}", n);
    }
    root.append_attribute(("xmlns:" + prefix).c_str())
        .set_value(std::string(relationships_ns).c_str());
    return prefix;
}

// The presentation's p:sldIdLst, created in its schema place (after the master lists, before
// p:sldSz; ECMA-376 Part 1, 19.2.1.26) when the deck has no slides yet.
pugi::xml_node SlideIdList(pugi::xml_node root, const Flavor& f) {
    if (pugi::xml_node list = FindChild(root, f.presentation, "sldIdLst")) return list;
    const std::string name = *ooxml::QualifiedName(root, f.presentation, "sldIdLst");
    pugi::xml_node after;
    for (const std::string_view earlier :
         {"sldMasterIdLst", "notesMasterIdLst", "handoutMasterIdLst"}) {
        if (pugi::xml_node node = FindChild(root, f.presentation, earlier)) after = node;
    }
    return after ? root.insert_child_after(name.c_str(), after) : root.prepend_child(name.c_str());
}

Result<std::uint32_t> FreshSlideId(const pugi::xml_node& list, const Flavor& f) {
    std::set<std::uint32_t> used;
    for (pugi::xml_node slide : list.children()) {
        if (IsElement(slide, f.presentation, "sldId")) used.insert(slide.attribute("id").as_uint());
    }
    const std::uint32_t next =
        used.empty() ? kFirstSlideId : std::max(kFirstSlideId, *used.rbegin() + 1);
    if (next < kSlideIdLimit) return next;
    for (std::uint32_t id = kFirstSlideId; id < kSlideIdLimit; ++id) {
        if (!used.contains(id)) return id;
    }
    return InvalidRequest("the presentation has no free slide id");
}

// Sections (a PowerPoint 2010 extension) list every slide by id; the new slide joins the last
// section, where PowerPoint itself puts a slide added at the end.
void AddToLastSection(const pugi::xml_node& root, const Flavor& f, std::uint32_t id) {
    constexpr std::string_view kPowerPoint2010 =
        "http://schemas.microsoft.com/office/powerpoint/2010/main";
    for (pugi::xml_node ext : FindChild(root, f.presentation, "extLst").children()) {
        const pugi::xml_node sections = FindChild(ext, kPowerPoint2010, "sectionLst");
        if (!sections) continue;
        pugi::xml_node last;
        for (pugi::xml_node section : sections.children()) {
            if (IsElement(section, kPowerPoint2010, "section")) last = section;
        }
        if (!last) return;
        pugi::xml_node list = FindChild(last, kPowerPoint2010, "sldIdLst");
        if (!list)
            list = last.prepend_child(
                ooxml::QualifiedName(last, kPowerPoint2010, "sldIdLst")->c_str());
        const auto name = ooxml::QualifiedName(list, kPowerPoint2010, "sldId");
        list.append_child(name->c_str()).append_attribute("id").set_value(id);
        return;
    }
}

Status AddSlideId(Deck& deck, const std::string& relationship_id) {
    pugi::xml_node root = deck.doc->document_element();
    const std::string r_prefix = RelationshipPrefix(root, deck.flavor.relationships);
    pugi::xml_node list = SlideIdList(root, deck.flavor);
    auto id = FreshSlideId(list, deck.flavor);
    if (!id) return Propagate(id);
    const std::string name = *ooxml::QualifiedName(list, deck.flavor.presentation, "sldId");
    pugi::xml_node slide = list.append_child(name.c_str());
    slide.append_attribute("id").set_value(*id);
    slide.append_attribute((r_prefix + ":id").c_str()).set_value(relationship_id.c_str());
    AddToLastSection(root, deck.flavor, *id);
    return {};
}

// ---------------------------------------------------------------------------------------------
// Outline

std::string ShapeText(const pugi::xml_node& text_body, std::string_view drawing_ns) {
    std::string text;
    for (pugi::xml_node paragraph : text_body.children()) {
        if (!IsElement(paragraph, drawing_ns, "p")) continue;
        if (!text.empty()) text += ' ';
        for (pugi::xml_node run : paragraph.children()) {
            if (IsElement(run, drawing_ns, "br")) text += ' ';
            const pugi::xml_node t = FindChild(run, drawing_ns, "t");
            if (t) text += t.text().get();
        }
    }
    return text;
}

// The text of the slide's title placeholder, or "" when it has none.
std::string SlideTitle(const pugi::xml_document& slide, const Flavor& f) {
    const pugi::xml_node tree = FindChild(
        FindChild(slide.document_element(), f.presentation, "cSld"), f.presentation, "spTree");
    for (pugi::xml_node shape : tree.children()) {
        if (!IsElement(shape, f.presentation, "sp")) continue;
        const pugi::xml_node placeholder =
            FindChild(FindChild(FindChild(shape, f.presentation, "nvSpPr"), f.presentation, "nvPr"),
                      f.presentation, "ph");
        const std::string_view type = placeholder.attribute("type").value();
        if (!placeholder || (type != "title" && type != "ctrTitle")) continue;
        return ShapeText(FindChild(shape, f.presentation, "txBody"), f.drawing);
    }
    return {};
}

}  // namespace

Result<std::string> BuildPresentation(std::string_view title, std::string_view subtitle) {
    Package package = Package::Create();
    WriteDeckRelationships(package);
    for (NewPart& part : DeckParts(title, subtitle)) {
        package.WritePart(part.name, std::move(part.xml));
        package.SetContentTypeOverride(part.name, part.content_type);
    }
    return package.Save();
}

Result<std::string> AppendSlide(std::string bytes, std::string_view title, std::string_view body) {
    auto deck = OpenDeck(std::move(bytes));
    if (!deck) return Propagate(deck);
    if (auto slides = SlideParts(*deck); !slides) return Propagate(slides);
    auto layout = ChooseLayout(*deck);
    if (!layout) return Propagate(layout);

    const std::string slide = NewSlidePartName(*deck);
    deck->package.WritePart(slide, ContentSlideXml(deck->flavor, SlideSize(*deck), title, body));
    deck->package.SetContentTypeOverride(slide, kSlideContentType);
    deck->package.SetRelationships(
        slide, {Rel("rId1", RelType(deck->flavor, "slideLayout"), RelativeTarget(slide, *layout))});

    const std::string relationship_id = FreshRelationshipId(deck->rels);
    auto rels = deck->rels;
    rels.push_back(Rel(relationship_id, RelType(deck->flavor, "slide"),
                       RelativeTarget(deck->main_part, slide)));
    if (Status added = AddSlideId(*deck, relationship_id); !added) return Propagate(added);
    deck->package.SetRelationships(deck->main_part, rels);
    deck->package.WritePart(deck->main_part, ooxml::SerializeXml(*deck->doc));
    return deck->package.Save();
}

Status Validate(std::string bytes) {
    auto deck = OpenDeck(std::move(bytes));
    if (!deck) return Propagate(deck);
    if (auto slides = SlideParts(*deck); !slides) return Propagate(slides);
    return {};
}

Result<std::string> OutlineJson(std::string bytes) {
    auto deck = OpenDeck(std::move(bytes));
    if (!deck) return Propagate(deck);
    auto slides = SlideParts(*deck);
    if (!slides) return Propagate(slides);

    boost::json::array outline_slides;
    for (std::size_t i = 0; i < slides->size(); ++i) {
        const std::string& part = (*slides)[i];
        auto xml = deck->package.ReadPart(part);
        if (!xml) return Propagate(xml);
        auto doc = ParseXml(*xml, part, deck->package.limits().max_xml_depth);
        if (!doc) return Propagate(doc);
        boost::json::object slide;
        slide["index"] = i + 1;
        slide["title"] = SlideTitle(**doc, deck->flavor);
        outline_slides.push_back(std::move(slide));
    }
    boost::json::object outline;
    outline["slides"] = std::move(outline_slides);
    return boost::json::serialize(outline);
}

Result<std::vector<SlideText>> SlideTexts(std::string bytes) {
    auto deck = OpenDeck(std::move(bytes));
    if (!deck) return Propagate(deck);
    auto parts = SlideParts(*deck);
    if (!parts) return Propagate(parts);

    std::vector<SlideText> slides;
    for (const std::string& part : *parts) {
        auto xml = deck->package.ReadPart(part);
        if (!xml) return Propagate(xml);
        auto doc = ParseXml(*xml, part, deck->package.limits().max_xml_depth);
        if (!doc) return Propagate(doc);
        const Flavor& f = deck->flavor;
        SlideText slide{part, SlideTitle(**doc, f), {}};
        const pugi::xml_node tree =
            FindChild(FindChild((*doc)->document_element(), f.presentation, "cSld"), f.presentation,
                      "spTree");
        for (pugi::xml_node shape : tree.children()) {
            if (!IsElement(shape, f.presentation, "sp")) continue;
            std::string text = ShapeText(FindChild(shape, f.presentation, "txBody"), f.drawing);
            if (text.empty()) continue;
            if (!slide.text.empty()) slide.text += '\n';
            slide.text += text;
        }
        slides.push_back(std::move(slide));
    }
    return slides;
}

}  // namespace quire::pptx
