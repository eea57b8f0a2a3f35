#pragma once

// Documents built for the Word engine's tests, and reading their parts back.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/package/package.hpp"

namespace quire::docx::test_support {

inline constexpr std::string_view kWordNs =
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
inline constexpr std::string_view kRelNs =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

// A part added next to the main part, with the main part's relationship to it.
struct ExtraPart {
    std::string name;          // "word/header1.xml"
    std::string rel_id;        // "rId90"
    std::string rel_type;      // the relationship type's last segment: "header"
    std::string content_type;  // the wordprocessingml content type's last segment: "header"
    std::string xml;           // the part's root element, w: and r: declared for it
};

inline BlockSpec Heading(std::string text, int level = 1) {
    BlockSpec spec;
    spec.kind = BlockSpec::Kind::kHeading;
    spec.text = std::move(text);
    spec.level = level;
    return spec;
}

inline BlockSpec Paragraph(std::string text) {
    BlockSpec spec;
    spec.kind = BlockSpec::Kind::kParagraph;
    spec.text = std::move(text);
    return spec;
}

// The document saved and opened again.
inline WordDocument Reopen(const WordDocument& document) {
    Result<std::string> bytes = document.Save();
    EXPECT_TRUE(bytes) << (bytes ? "" : bytes.error().message);
    Result<WordDocument> reopened = WordDocument::Open(bytes ? *bytes : "");
    EXPECT_TRUE(reopened) << (reopened ? "" : reopened.error().message);
    return std::move(*reopened);
}

// A part of the document as saved, "" when it has none.
inline std::string PartXml(const WordDocument& document, const std::string& part) {
    Result<std::string> bytes = document.Save();
    EXPECT_TRUE(bytes);
    Result<ooxml::Package> package = ooxml::Package::Open(bytes ? *bytes : "");
    EXPECT_TRUE(package);
    if (!package || !package->HasPart(part)) return "";
    Result<std::string> xml = package->ReadPart(part);
    return xml ? *xml : "";
}

// The root element of a WordprocessingML part, with w: and r: declared.
inline std::string WordRoot(std::string_view local, std::string_view content) {
    return std::string(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)") +
           "<w:" + std::string(local) + " xmlns:w=\"" + std::string(kWordNs) + "\" xmlns:r=\"" +
           std::string(kRelNs) + "\">" + std::string(content) + "</w:" + std::string(local) + ">";
}

// The blank document with `body_xml` as its body (the final w:sectPr included when wanted) and
// `parts` added, each related to the main part.
inline WordDocument WithBodyAndParts(std::string_view body_xml,
                                     const std::vector<ExtraPart>& parts = {}) {
    Result<std::string> bytes = WordDocument::Create().Save();
    Result<ooxml::Package> package = ooxml::Package::Open(*bytes);
    package->WritePart("word/document.xml",
                       WordRoot("document", "<w:body>" + std::string(body_xml) + "</w:body>"));
    std::vector<ooxml::Relationship> rels = *package->Relationships("word/document.xml");
    for (const ExtraPart& part : parts) {
        package->WritePart(part.name, part.xml);
        package->SetContentTypeOverride(
            part.name, "application/vnd.openxmlformats-officedocument.wordprocessingml." +
                           part.content_type + "+xml");
        rels.push_back(
            {part.rel_id,
             "http://schemas.openxmlformats.org/officeDocument/2006/relationships/" + part.rel_type,
             part.name.substr(5), false});
    }
    package->SetRelationships("word/document.xml", rels);
    Result<WordDocument> document = WordDocument::Open(*package->Save());
    EXPECT_TRUE(document) << document.error().message;
    return std::move(*document);
}

}  // namespace quire::docx::test_support
