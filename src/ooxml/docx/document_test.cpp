#include "ooxml/docx/document.hpp"
#include "ooxml/docx/word_document.hpp"

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
    for (const test_support::CorpusEntry& entry : test_support::CorpusManifest()) {
        if (entry.path.starts_with(std::string(folder) + "/")) {
            files.push_back({entry.path, entry.features});
        }
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

// The Word engine's outline of `docx`, as JSON text.
std::string Outline(const std::string& docx) {
    auto document = WordDocument::Open(docx);
    EXPECT_TRUE(document.has_value()) << (document ? "" : document.error().message);
    return document ? document->OutlineJson() : std::string();
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
    EXPECT_NE(Outline(docx).find("\"Quarterly report\""), std::string::npos);
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
    EXPECT_NE(Outline(docx).find("\"A & B <c>\""), std::string::npos);
    const std::string xml = Part(docx, "word/document.xml");
    EXPECT_NE(xml.find("A &amp; B &lt;c&gt;"), std::string::npos);
    EXPECT_NE(xml.find(R"(<w:t xml:space="preserve">  indented</w:t>)"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>tab</w:t><w:tab/><w:t>here</w:t>"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>line1</w:t><w:br/><w:t>line2</w:t>"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>bell gone</w:t>"), std::string::npos);
    EXPECT_NE(xml.find("<w:t>bad \xEF\xBF\xBD byte</w:t>"), std::string::npos);
    EXPECT_NE(Part(docx, "docProps/core.xml").find("<dc:title>A &amp; B &lt;c&gt;</dc:title>"),
              std::string::npos);
}

struct NamespaceCase {
    std::string name;
    std::string document_xml;
};

struct OtherFormatCase {
    std::string path;
    std::string message;
};

// ---- The same cases through WordDocument ----

Result<std::string> AppendWithWordDocument(std::string bytes, std::string text) {
    auto document = WordDocument::Open(std::move(bytes));
    if (!document) return std::unexpected(document.error());
    BlockSpec paragraph;
    paragraph.text = std::move(text);
    auto inserted = document->InsertBlocks("end", Position::kAfter, std::span(&paragraph, 1));
    if (!inserted) return std::unexpected(inserted.error());
    return document->Save();
}

TEST(WordOpen, AParagraphAtTheEndFindsTheBodyByNamespaceNotPrefix) {
    const std::string ns(kWordNs);
    const std::vector<NamespaceCase> cases = {
        {"w prefix",
         "<w:document xmlns:w=\"" + ns + "\"><w:body><w:p/><w:sectPr/></w:body></w:document>"},
        {"other prefix", "<ns0:document xmlns:ns0=\"" + ns +
                             "\"><ns0:body><ns0:sectPr/></ns0:body></ns0:document>"},
        {"default namespace",
         "<document xmlns=\"" + ns + "\"><body><p/><sectPr/></body></document>"},
        {"no section properties",
         "<w:document xmlns:w=\"" + ns + "\"><w:body><w:p/></w:body></w:document>"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto appended = AppendWithWordDocument(MakeDocx(c.document_xml), "added");
        ASSERT_TRUE(appended.has_value()) << appended.error().message;
        const std::string xml = Part(*appended, "word/document.xml");
        // Read by namespace: the new paragraph is the body's last one, before its sectPr.
        BodyEnd end = ReadBodyEnd(xml);
        EXPECT_EQ(end.last_paragraph_text, "added") << xml;
        EXPECT_EQ(end.ends_with_sect_pr, c.document_xml.find("sectPr") != std::string::npos) << xml;
    }
}

TEST(WordOpen, WhatIsNotAWordDocumentIsRefusedWithAReason) {
    std::vector<std::string> refused = {
        std::string(), "hello, world",
        MakeDocx("<w:document xmlns:w=\"urn:not-word\"><w:body><w:sectPr/></w:body></w:document>"),
        MakeDocx("<!DOCTYPE w:document [<!ENTITY x \"boom\">]><w:document xmlns:w=\"" +
                 std::string(kWordNs) +
                 "\"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")};
    for (const CorpusFile& file : CorpusFiles("docx")) {
        if (file.hostile()) refused.push_back(ReadCorpus(file));
    }
    for (std::size_t i = 0; i < refused.size(); ++i) {
        SCOPED_TRACE(i);
        auto opened = WordDocument::Open(refused[i]);
        ASSERT_FALSE(opened.has_value());
        EXPECT_EQ(opened.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(opened.error().message.empty());
    }
    EXPECT_GE(refused.size(), 9u);
    const std::vector<OtherFormatCase> cases = {
        {"xlsx/oxsdk-basicspreadsheet.xlsx", "the file is a spreadsheet, not a Word document"},
        {"pptx/pandoc-basic.pptx", "the file is a presentation, not a Word document"},
    };
    for (const auto& c : cases) {
        auto opened = WordDocument::Open(ReadFile(SharedDir() / "corpus" / c.path));
        ASSERT_FALSE(opened.has_value());
        EXPECT_EQ(opened.error().message, c.message);
    }
}

}  // namespace
}  // namespace quire::docx
