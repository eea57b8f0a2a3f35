#include "ooxml/package/xml.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::ooxml {
namespace {

constexpr std::string_view kMain = ns::kSpreadsheetMain;

std::unique_ptr<pugi::xml_document> MustParse(std::string_view xml) {
    auto parsed = ParseXml(xml, "test.xml");
    EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
    return parsed ? std::move(*parsed) : std::make_unique<pugi::xml_document>();
}

struct PrefixCase {
    const char* label;
    const char* xml;
};

class NamespaceMatching : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(NamespaceMatching, FindsSheetsWhateverThePrefix) {
    auto doc = MustParse(GetParam().xml);
    pugi::xml_node root = doc->document_element();
    ASSERT_TRUE(IsElement(root, kMain, "workbook"));
    pugi::xml_node sheets = FindChild(root, kMain, "sheets");
    ASSERT_TRUE(sheets);
    pugi::xml_node sheet = FindChild(sheets, kMain, "sheet");
    ASSERT_TRUE(sheet);
    EXPECT_STREQ(sheet.attribute("name").value(), "Data");
    EXPECT_STREQ(FindAttribute(sheet, ns::kRelationships, "id").value(), "rId1");
    EXPECT_EQ(LocalName(sheet), "sheet");
}

INSTANTIATE_TEST_SUITE_P(
    Prefixes, NamespaceMatching,
    ::testing::Values(
        PrefixCase{"default",
                   R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>
<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>)"},
        PrefixCase{
            "x",
            R"(<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets>
<x:sheet name="Data" sheetId="1" rel:id="rId1"/></x:sheets></x:workbook>)"},
        PrefixCase{
            "ns0_declared_on_child",
            R"(<ns0:workbook xmlns:ns0="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<ns0:sheets xmlns:ns1="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<ns0:sheet name="Data" sheetId="1" ns1:id="rId1"/></ns0:sheets></ns0:workbook>)"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Xml, SamePrefixBoundToAnotherNamespaceDoesNotMatch) {
    auto doc = MustParse(
        R"(<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:sheets xmlns:x="urn:other"><x:sheet/></x:sheets></x:workbook>)");
    pugi::xml_node root = doc->document_element();
    EXPECT_TRUE(IsElement(root, kMain, "workbook"));
    EXPECT_FALSE(FindChild(root, kMain, "sheets"));
    EXPECT_EQ(NamespaceOf(root.first_element_by_path("x:sheets")), "urn:other");
}

TEST(Xml, PrefixForHonoursShadowing) {
    auto doc =
        MustParse(R"(<a xmlns:p="urn:one"><b xmlns:p="urn:two" xmlns:q="urn:one"><c/></b></a>)");
    pugi::xml_node c = doc->document_element().first_child().first_child();
    EXPECT_EQ(PrefixFor(c, "urn:one"), "q");
    EXPECT_EQ(PrefixFor(c, "urn:two"), "p");
    EXPECT_EQ(PrefixFor(c, "urn:three"), std::nullopt);
    EXPECT_EQ(QualifiedName(c, "urn:one", "d"), "q:d");
}

TEST(Xml, DefaultNamespaceGivesUnprefixedName) {
    auto doc = MustParse(R"(<a xmlns="urn:one"><b/></a>)");
    EXPECT_EQ(QualifiedName(doc->document_element().first_child(), "urn:one", "c"), "c");
}

TEST(Xml, UnprefixedAttributeHasNoNamespace) {
    auto doc = MustParse(R"(<a xmlns="urn:one" id="1"/>)");
    EXPECT_FALSE(FindAttribute(doc->document_element(), "urn:one", "id"));
    EXPECT_STREQ(FindAttribute(doc->document_element(), "", "id").value(), "1");
}

TEST(Xml, WhitespaceTextAndDeclarationSurviveARoundTrip) {
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<w:document xmlns:w=\"urn:w\"><!-- note --><w:t xml:space=\"preserve\"> </w:t>"
        "<?pi data?><w:t>a &amp; b</w:t></w:document>";
    auto doc = ParseXml(xml, "word/document.xml");
    ASSERT_TRUE(doc);
    pugi::xml_node first = (*doc)->document_element().child("w:t");
    EXPECT_STREQ(first.text().get(), " ");
    EXPECT_EQ(SerializeXml(**doc), xml);
}

TEST(Xml, InPlaceParseGivesTheSameDocumentAsACopyingParse) {
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<w:document xmlns:w=\"urn:w\"><!-- note --><w:t xml:space=\"preserve\"> </w:t>"
        "<?pi data?><w:t>a &amp; b</w:t><w:p w:val=\"&lt;x&gt;\"/></w:document>";
    std::string text = xml;
    auto doc = ParseXmlInPlace(text, "word/document.xml");
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_STREQ((*doc)->document_element().child("w:t").text().get(), " ");
    auto copied = ParseXml(xml, "word/document.xml");
    ASSERT_TRUE(copied);
    const std::string expected = SerializeXml(**copied);
    EXPECT_EQ(SerializeXml(**doc), expected);
    EXPECT_NE(expected.find("standalone=\"yes\"?>\n<w:document"), std::string::npos);

    // Pieces handed to a writer make up the same text.
    struct Pieces : pugi::xml_writer {
        std::string out;
        void write(const void* data, std::size_t size) override {
            out.append(static_cast<const char*>(data), size);
        }
    } pieces;
    SerializeXml(**doc, pieces);
    EXPECT_EQ(pieces.out, expected);
}

TEST(Xml, InPlaceParseRefusesWhatACopyingParseRefuses) {
    std::string doctype = "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>";
    auto refused = ParseXmlInPlace(doctype, "a.xml");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("DOCTYPE"), std::string::npos);
    std::string malformed = "<a><b></a>";
    ASSERT_FALSE(ParseXmlInPlace(malformed, "xl/styles.xml"));
    std::string deep = "<a><a><a></a></a></a>";
    EXPECT_FALSE(ParseXmlInPlace(deep, "deep.xml", 2));
}

TEST(Xml, NoDeclarationIsAddedWhenThereWasNone) {
    auto doc = ParseXml("<a><b/></a>", "a.xml");
    ASSERT_TRUE(doc);
    EXPECT_EQ(SerializeXml(**doc), "<a><b/></a>");
}

TEST(Xml, DeclarationOfAnotherEncodingIsRewrittenToUtf8) {
    auto doc = ParseXml("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>", "a.xml");
    ASSERT_TRUE(doc);
    EXPECT_EQ(SerializeXml(**doc), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xC3\xA9</a>");
}

TEST(Xml, DoctypeIsRefused) {
    const char* bomb =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>";
    auto doc = ParseXml(bomb, "xl/sharedStrings.xml");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(doc.error().message.find("DOCTYPE"), std::string::npos);
    EXPECT_NE(doc.error().message.find("xl/sharedStrings.xml"), std::string::npos);
}

TEST(Xml, ExternalEntityIsRefused) {
    auto doc =
        ParseXml("<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a>", "a.xml");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.error().code, ErrorCode::kInvalidRequest);
}

TEST(Xml, NestingOverTheLimitIsRefused) {
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "<a>";
    for (int i = 0; i < 40; ++i) deep += "</a>";
    EXPECT_TRUE(ParseXml(deep, "deep.xml", 40));
    auto refused = ParseXml(deep, "deep.xml", 39);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("deeper"), std::string::npos);
}

TEST(Xml, VeryDeepNestingIsRefusedWithoutCrashing) {
    std::string deep;
    for (int i = 0; i < 200000; ++i) deep += "<a>";
    for (int i = 0; i < 200000; ++i) deep += "</a>";
    auto refused = ParseXml(deep, "deep.xml");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidRequest);
}

TEST(Xml, MalformedXmlIsRefusedWithThePartName) {
    auto refused = ParseXml("<a><b></a>", "xl/styles.xml");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(refused.error().message.find("xl/styles.xml"), std::string::npos);
}

struct SafeTextRow {
    std::string_view input, safe;
};

TEST(Xml, XmlSafeTextKeepsWhatXmlCarriesAndMendsTheRest) {
    const SafeTextRow rows[] = {
        {"plain words, tab\tand line\n", "plain words, tab\tand line\n"},
        {"a\x01"
         "b\x1F",
         "ab"},
        {"a\r\nb\rc", "a\nb\nc"},
        {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88"},
        {"bad \xFF byte", "bad \xEF\xBF\xBD byte"},
        {"cut \xE2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD"},
        {"x\xEF\xBF\xBEy\xEF\xBF\xBFz", "xyz"},
        {"del \x7F kept", "del \x7F kept"},
        {"", ""},
    };
    for (const SafeTextRow& row : rows) {
        SCOPED_TRACE(row.input);
        EXPECT_EQ(XmlSafeText(row.input), row.safe);
    }
}

TEST(Xml, EscapeXmlEscapesMarkupAfterMendingTheText) {
    EXPECT_EQ(EscapeXml("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d'");
    EXPECT_EQ(EscapeXml("&&\x02<"), "&amp;&amp;&lt;");
    EXPECT_EQ(EscapeXml("no markup"), "no markup");
    EXPECT_EQ(EscapeXml(""), "");
}

}  // namespace
}  // namespace quire::ooxml
