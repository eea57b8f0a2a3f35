#include "ooxml/docx/document.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "shared_dir.hpp"

namespace quire::docx {
namespace {

using ooxml::Package;

constexpr std::string_view kWordNs = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

using quire::test_support::SharedDir;

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct CorpusFile {
    std::string path;  // relative to the corpus folder: "docx/x.docx"
    std::string features;
    bool hostile() const { return features.starts_with("hostile:"); }
};

// The corpus files of one folder ("docx", "xlsx", "pptx") listed in MANIFEST.tsv.
std::vector<CorpusFile> CorpusFiles(std::string_view folder) {
    std::vector<CorpusFile> files;
    std::istringstream manifest(ReadFile(SharedDir() / "corpus" / "MANIFEST.tsv"));
    std::string line;
    while (std::getline(manifest, line)) {
        std::vector<std::string> columns;
        std::istringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, '\t')) columns.push_back(cell);
        if (columns.size() < 6 || !columns[0].starts_with(std::string(folder) + "/")) continue;
        files.push_back({columns[0], columns[5]});
    }
    return files;
}

std::string ReadCorpus(const CorpusFile& file) {
    return ReadFile(SharedDir() / "corpus" / file.path);
}

std::string Part(const std::string& docx, std::string_view name) {
    auto package = Package::Open(docx);
    if (!package) return "open failed: " + package.error().message;
    auto part = package->ReadPart(name);
    return part ? *part : "read failed: " + part.error().message;
}

boost::json::object Outline(const std::string& docx) {
    auto json = OutlineJson(docx);
    EXPECT_TRUE(json.has_value()) << (json ? "" : json.error().message);
    return json ? boost::json::parse(*json).as_object() : boost::json::object{};
}

// The text of the body's last paragraph, and whether the body's last element is its w:sectPr.
struct BodyEnd {
    std::string last_paragraph_text;
    bool ends_with_sect_pr = false;
};

BodyEnd ReadBodyEnd(const std::string& document_xml, std::string_view word_ns = kWordNs) {
    BodyEnd end;
    auto doc = ooxml::ParseXml(document_xml, "word/document.xml", 1000);
    if (!doc) return end;
    pugi::xml_node body = ooxml::FindChild((*doc)->document_element(), word_ns, "body");
    pugi::xml_node last;
    for (pugi::xml_node child : body.children()) {
        if (child.type() != pugi::node_element) continue;
        if (ooxml::IsElement(child, word_ns, "p")) {
            end.last_paragraph_text.clear();
            for (pugi::xpath_node t : child.select_nodes(".//*[local-name()='t']")) {
                end.last_paragraph_text += t.node().text().get();
            }
        }
        last = child;
    }
    end.ends_with_sect_pr = ooxml::IsElement(last, word_ns, "sectPr");
    return end;
}

// A package holding only the parts a Word document needs, with the given document.xml.
std::string MakeDocx(std::string document_xml, std::string styles_xml = {}) {
    Package package = Package::Create();
    package.SetRelationships(
        "", {{"rId1", std::string(ooxml::kOfficeDocumentRel), "word/document.xml", false}});
    package.WritePart("word/document.xml", std::move(document_xml));
    package.SetContentTypeOverride(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml");
    if (!styles_xml.empty()) {
        package.SetRelationships(
            "word/document.xml",
            {{"rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
              "styles.xml", false}});
        package.WritePart("word/styles.xml", std::move(styles_xml));
    }
    auto bytes = package.Save();
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : std::string();
}

std::string Build(std::string_view title, const std::vector<std::string>& paragraphs) {
    auto docx = BuildDocument(title, paragraphs);
    EXPECT_TRUE(docx.has_value()) << (docx ? "" : docx.error().message);
    return docx ? *docx : std::string();
}

TEST(Document, BuildMakesAValidDocumentWithTitleAndParagraphs) {
    const std::string docx = Build("Quarterly report", {"Revenue grew.", "Costs fell."});
    EXPECT_TRUE(Validate(docx).has_value());
    const auto outline = Outline(docx);
    EXPECT_EQ(outline.at("paragraphs").as_int64(), 3);
    EXPECT_EQ(outline.at("headings"), boost::json::array({"Quarterly report"}));
    EXPECT_EQ(ReadBodyEnd(Part(docx, "word/document.xml")).last_paragraph_text, "Costs fell.");
}

TEST(Document, BuildWritesEveryPartWithAContentTypeAndRelationship) {
    const std::string docx = Build("T", {});
    auto package = Package::Open(docx);
    ASSERT_TRUE(package.has_value());
    for (const std::string& part : package->PartNames()) {
        SCOPED_TRACE(part);
        EXPECT_TRUE(package->ContentType(part).has_value());
        EXPECT_TRUE(ooxml::ParseXml(*package->ReadPart(part), part).has_value());
    }
    EXPECT_EQ(*package->MainPart(), "word/document.xml");
    for (const std::string_view name :
         {"word/styles.xml", "word/settings.xml", "docProps/core.xml", "docProps/app.xml"}) {
        EXPECT_TRUE(package->HasPart(name)) << name;
    }
    const std::string styles = *package->ReadPart("word/styles.xml");
    for (const std::string_view id :
         {"w:styleId=\"Normal\"", "w:styleId=\"Title\"", "w:styleId=\"Heading1\""}) {
        EXPECT_NE(styles.find(id), std::string::npos) << id;
    }
    auto rels = package->Relationships("word/document.xml");
    ASSERT_TRUE(rels.has_value());
    for (const auto& rel : *rels) {
        EXPECT_TRUE(package->HasPart(Package::ResolveTarget("word/document.xml", rel.target)));
    }
}

TEST(Document, BuildEscapesTextAndKeepsSpaces) {
    const std::string docx = Build("A & B <c>", {"  indented", "tab\there", "line1\nline2",
                                                 "bell\x07\xEF\xBF\xBE gone", "bad \xFF byte"});
    ASSERT_TRUE(Validate(docx).has_value());
    const std::string xml = Part(docx, "word/document.xml");
    EXPECT_NE(xml.find("A &amp; B &lt;c&gt;"), std::string::npos);
    EXPECT_NE(xml.find(R"(<w:t xml:space="preserve">  indented</w:t>)"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>tab</w:t><w:tab/><w:t>here</w:t>"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>line1</w:t><w:br/><w:t>line2</w:t>"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>bell gone</w:t>"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>bad \xEF\xBF\xBD byte</w:t>"), std::string::npos);
    EXPECT_NE(Part(docx, "docProps/core.xml").find("<dc:title>A &amp; B &lt;c&gt;</dc:title>"),
              std::string::npos);
    EXPECT_EQ(Outline(docx).at("headings"), boost::json::array({"A & B <c>"}));
}

TEST(Document, AppendParagraphGoesLastBeforeTheSectionProperties) {
    const std::string built = Build("Memo", {"Body text."});
    auto appended = AppendParagraph(built, "Follow-up & more");
    ASSERT_TRUE(appended.has_value()) << appended.error().message;
    const BodyEnd end = ReadBodyEnd(Part(*appended, "word/document.xml"));
    EXPECT_EQ(end.last_paragraph_text, "Follow-up & more");
    EXPECT_TRUE(end.ends_with_sect_pr);
    EXPECT_EQ(Outline(*appended).at("paragraphs").as_int64(), 3);
}

struct NamespaceCase {
    std::string name;
    std::string document_xml;
    std::string expected_element;  // the qualified name of the inserted paragraph
};

TEST(Document, AppendParagraphMatchesTheBodyByNamespaceNotPrefix) {
    const std::string ns(kWordNs);
    const std::vector<NamespaceCase> cases = {
        {"w prefix",
         "<w:document xmlns:w=\"" + ns +
             "\"><w:body><w:p/><w:sectPr/></w:body>"
             "</w:document>",
         "w:p"},
        {"other prefix",
         "<ns0:document xmlns:ns0=\"" + ns +
             "\"><ns0:body><ns0:sectPr/>"
             "</ns0:body></ns0:document>",
         "ns0:p"},
        {"default namespace",
         "<document xmlns=\"" + ns +
             "\"><body><p/><sectPr/></body>"
             "</document>",
         "p"},
        {"no section properties",
         "<w:document xmlns:w=\"" + ns +
             "\"><w:body><w:p/></w:body>"
             "</w:document>",
         "w:p"},
        {"strict",
         "<w:document xmlns:w=\"http://purl.oclc.org/ooxml/wordprocessingml/main\">"
         "<w:body><w:sectPr/></w:body></w:document>",
         "w:p"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto appended = AppendParagraph(MakeDocx(c.document_xml), "added");
        ASSERT_TRUE(appended.has_value()) << appended.error().message;
        const std::string xml = Part(*appended, "word/document.xml");
        EXPECT_NE(xml.find("<" + c.expected_element + ">"), std::string::npos) << xml;
        EXPECT_NE(xml.find(">added<"), std::string::npos) << xml;
        if (c.document_xml.find("sectPr") != std::string::npos) {
            EXPECT_LT(xml.rfind("added"), xml.rfind("sectPr")) << xml;
        } else {
            EXPECT_TRUE(xml.ends_with("added</w:t></w:r></w:p></w:body></w:document>")) << xml;
        }
    }
}

TEST(Document, APrefixBoundToAnotherNamespaceIsNotWordprocessingML) {
    const std::string docx =
        MakeDocx("<w:document xmlns:w=\"urn:not-word\"><w:body><w:sectPr/></w:body></w:document>");
    const auto status = Validate(docx);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
    EXPECT_FALSE(AppendParagraph(docx, "x").has_value());
}

TEST(Document, OutlineFindsHeadingsByStyleNameWhateverTheStyleId) {
    const std::string ns(kWordNs);
    const std::string styles =
        "<w:styles xmlns:w=\"" + ns +
        "\">"
        "<w:style w:type=\"paragraph\" w:styleId=\"berschrift1\"><w:name w:val=\"heading 1\"/>"
        "</w:style><w:style w:type=\"paragraph\" w:styleId=\"Heading1\">"
        "<w:name w:val=\"Quote\"/></w:style></w:styles>";
    const std::string document =
        "<w:document xmlns:w=\"" + ns +
        "\"><w:body>"
        "<w:p><w:pPr><w:pStyle w:val=\"berschrift1\"/></w:pPr><w:r><w:t>Einleitung</w:t></w:r>"
        "</w:p><w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>Not a heading</w:t>"
        "</w:r></w:p><w:p><w:pPr><w:outlineLvl w:val=\"1\"/></w:pPr><w:r><w:t>Direct</w:t>"
        "</w:r><w:r><w:tab/><w:t>level</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr>"
        "</w:tbl><w:sectPr/></w:body></w:document>";
    const auto outline = Outline(MakeDocx(document, styles));
    EXPECT_EQ(outline.at("paragraphs").as_int64(), 4);
    EXPECT_EQ(outline.at("headings"), boost::json::array({"Einleitung", "Direct level"}));
}

TEST(DocumentCorpus, AppendParagraphKeepsEveryOtherPartByteForByte) {
    std::size_t checked = 0;
    for (const CorpusFile& file : CorpusFiles("docx")) {
        if (file.hostile()) continue;
        SCOPED_TRACE(file.path);
        const std::string before = ReadCorpus(file);
        auto appended = AppendParagraph(before, "Appended by Quire");
        ASSERT_TRUE(appended.has_value()) << appended.error().message;

        auto old_package = Package::Open(before);
        auto new_package = Package::Open(*appended);
        ASSERT_TRUE(old_package.has_value() && new_package.has_value());
        const std::string main = *old_package->MainPart();
        EXPECT_EQ(old_package->PartNames(), new_package->PartNames());
        for (const std::string& part : old_package->PartNames()) {
            if (part == main) continue;
            EXPECT_EQ(*old_package->ReadPart(part), *new_package->ReadPart(part)) << part;
        }
        const std::string xml = *new_package->ReadPart(main);
        const bool strict =
            xml.find("http://purl.oclc.org/ooxml/wordprocessingml/main") != std::string::npos;
        const BodyEnd end =
            ReadBodyEnd(xml, strict ? "http://purl.oclc.org/ooxml/wordprocessingml/main" : kWordNs);
        EXPECT_EQ(end.last_paragraph_text, "Appended by Quire");
        EXPECT_TRUE(end.ends_with_sect_pr);
        EXPECT_TRUE(Validate(*appended).has_value());
        EXPECT_EQ(Outline(*appended).at("paragraphs").as_int64(),
                  Outline(before).at("paragraphs").as_int64() + 1);
        ++checked;
    }
    EXPECT_GE(checked, 20u);
}

TEST(DocumentCorpus, OutlineCountsTheParagraphsTheManifestLists) {
    for (const CorpusFile& file : CorpusFiles("docx")) {
        if (file.hostile()) continue;
        SCOPED_TRACE(file.path);
        const auto at = file.features.find("paragraphs=");
        ASSERT_NE(at, std::string::npos);
        const long listed = std::stol(file.features.substr(at + 11));
        EXPECT_EQ(Outline(ReadCorpus(file)).at("paragraphs").as_int64(), listed);
    }
}

TEST(DocumentCorpus, HostileFilesAreRefusedWithAReason) {
    std::size_t refused = 0;
    for (const CorpusFile& file : CorpusFiles("docx")) {
        if (!file.hostile()) continue;
        SCOPED_TRACE(file.path);
        const std::string bytes = ReadCorpus(file);
        const auto status = Validate(bytes);
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(status.error().message.empty());
        EXPECT_FALSE(AppendParagraph(bytes, "x").has_value());
        EXPECT_FALSE(OutlineJson(bytes).has_value());
        ++refused;
    }
    EXPECT_GE(refused, 5u);
}

struct OtherFormatCase {
    std::string path;
    std::string message;
};

TEST(DocumentCorpus, OtherFormatsAreRefusedAsNotWord) {
    const std::vector<OtherFormatCase> cases = {
        {"xlsx/oxsdk-basicspreadsheet.xlsx", "the file is a spreadsheet, not a Word document"},
        {"pptx/pandoc-basic.pptx", "the file is a presentation, not a Word document"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.path);
        const auto status = Validate(ReadFile(SharedDir() / "corpus" / c.path));
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
        EXPECT_EQ(status.error().message, c.message);
    }
}

TEST(Document, BytesThatAreNotAPackageAreRefused) {
    for (const std::string& bytes : {std::string(), std::string("hello, world")}) {
        const auto status = Validate(bytes);
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
    }
}

TEST(Document, ADoctypeInTheMainPartIsRefused) {
    const std::string docx =
        MakeDocx("<!DOCTYPE w:document [<!ENTITY x \"boom\">]><w:document xmlns:w=\"" +
                 std::string(kWordNs) +
                 "\"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body>"
                 "</w:document>");
    const auto status = Validate(docx);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace quire::docx
