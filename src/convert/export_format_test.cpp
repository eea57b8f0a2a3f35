#include "convert/export_format.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quire::convert {
namespace {

using enum TargetFormat;

struct MatrixRow {
    SourceFormat source;
    std::vector<TargetFormat> targets;
};

// DESIGN.md §4, row by row.
const std::vector<MatrixRow> kMatrix = {
    {SourceFormat::kXlsx, {kPdf, kCsv, kPng, kHtml}},
    {SourceFormat::kDocx, {kPdf, kHtml, kTxt, kOdt}},
    {SourceFormat::kPptx, {kPdf, kPng, kOdp}},
    {SourceFormat::kXls, {kPdf, kCsv, kXlsx, kHtml}},
    {SourceFormat::kDoc, {kPdf, kDocx, kHtml, kTxt}},
    {SourceFormat::kPpt, {kPdf, kPptx, kPng}},
};

const std::vector<TargetFormat> kAllTargets = {kPdf, kPng, kHtml, kCsv,  kTxt,
                                               kOdt, kOdp, kXlsx, kDocx, kPptx};

TEST(ExportMatrix, EveryListedPairIsValidAndNoOther) {
    for (const MatrixRow& row : kMatrix) {
        SCOPED_TRACE(std::string(SourceName(row.source)));
        auto valid = ValidTargets(row.source);
        EXPECT_EQ(std::vector<TargetFormat>(valid.begin(), valid.end()), row.targets);
        for (TargetFormat target : kAllTargets) {
            bool listed =
                std::find(row.targets.begin(), row.targets.end(), target) != row.targets.end();
            EXPECT_EQ(CheckPair(row.source, target).has_value(), listed) << TargetName(target);
        }
    }
}

TEST(ExportMatrix, UnsupportedPairNamesTheValidTargets) {
    Status status = CheckPair(SourceFormat::kPptx, kCsv);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(status.error().message,
              "a pptx document cannot be converted to csv; valid formats: pdf, png, odp");
}

TEST(ExportMatrix, UnsupportedPairOfAWorkbookSaysAnXlsx) {
    // The message said "a xlsx document".
    Status status = CheckPair(SourceFormat::kXlsx, TargetFormat::kOdp);
    ASSERT_FALSE(status);
    EXPECT_TRUE(status.error().message.starts_with("an xlsx document cannot be converted to odp"))
        << status.error().message;
}

TEST(ExportMatrix, OnlyCsvOfWorkbooksAndTextOfDocumentsAreNative) {
    EXPECT_TRUE(IsNativePair(SourceFormat::kXlsx, kCsv));
    EXPECT_TRUE(IsNativePair(SourceFormat::kDocx, kTxt));
    EXPECT_FALSE(IsNativePair(SourceFormat::kXls, kCsv));
    EXPECT_FALSE(IsNativePair(SourceFormat::kDoc, kTxt));
    EXPECT_FALSE(IsNativePair(SourceFormat::kXlsx, kPdf));
}

TEST(ExportMatrix, TargetNamesParseIgnoringCase) {
    EXPECT_EQ(ParseTargetName("PDF"), kPdf);
    EXPECT_EQ(ParseTargetName("odp"), kOdp);
    EXPECT_EQ(ParseTargetName("jpeg"), std::nullopt);
    EXPECT_EQ(ParseTargetName(""), std::nullopt);
}

TEST(ExportMatrix, SourcesComeFromFileExtensions) {
    EXPECT_EQ(SourceFromFileName("Budget.XLSM"), SourceFormat::kXlsx);
    EXPECT_EQ(SourceFromFileName("memo.dotx"), SourceFormat::kDocx);
    EXPECT_EQ(SourceFromFileName("deck.potx"), SourceFormat::kPptx);
    EXPECT_EQ(SourceFromFileName("old.xls"), SourceFormat::kXls);
    EXPECT_EQ(SourceFromFileName("old.doc"), SourceFormat::kDoc);
    EXPECT_EQ(SourceFromFileName("old.ppt"), SourceFormat::kPpt);
    EXPECT_EQ(SourceFromFileName("notes.txt"), std::nullopt);
    EXPECT_EQ(SourceFromFileName("xlsx"), std::nullopt);
}

// The office was handed every document as "input.xlsx" (or .docx, ...), which footers that show
// the file name printed, and an .xlsm upload lost its extension.
TEST(OfficeFileName, KeepsTheUsersNameAndTheSourcesExtension) {
    struct Row {
        std::string_view given;
        SourceFormat source;
        std::string_view expected;
    };
    const Row rows[] = {
        {"Q3 budget.xlsx", SourceFormat::kXlsx, "Q3 budget.xlsx"},
        {"Macros.XLSM", SourceFormat::kXlsx, "Macros.xlsm"},
        {"Memo.docm", SourceFormat::kDocx, "Memo.docm"},
        {"Deck.pptm", SourceFormat::kPptx, "Deck.pptm"},
        {"old.XLS", SourceFormat::kXls, "old.xls"},
        {"Übersicht März.docx", SourceFormat::kDocx, "Übersicht März.docx"},
        // Templates would open as new untitled documents; names of other kinds get the
        // extension that leads the office to the source's filter.
        {"Form.xltx", SourceFormat::kXlsx, "Form.xlsx"},
        {"Q3 report", SourceFormat::kDocx, "Q3 report.docx"},
        {"v1.2", SourceFormat::kPptx, "v1.2.pptx"},
        {"notes.docx", SourceFormat::kXlsx, "notes.docx.xlsx"},
    };
    for (const Row& row : rows) {
        EXPECT_EQ(OfficeFileName(row.given, row.source), row.expected) << row.given;
    }
}

TEST(OfficeFileName, LeavesNoPathAndNoControlCharacters) {
    struct Row {
        std::string_view given;
        std::string_view expected;
    };
    const Row rows[] = {
        {"../../etc/passwd.xlsx", "passwd.xlsx"},
        {"C:\\Users\\me\\Budget.xlsx", "Budget.xlsx"},
        {"dir/", "document.xlsx"},
        {"tab\there\n.xlsx", "tab_here_.xlsx"},
        {"bad\xff\xc3(byte.xlsx", "bad__(byte.xlsx"},
        {"overlong\xc0\xafslash.xlsx", "overlong__slash.xlsx"},
        {"  .hidden .xlsx", "hidden.xlsx"},
        {"report..xlsx", "report.xlsx"},
    };
    for (const Row& row : rows) {
        EXPECT_EQ(OfficeFileName(row.given, SourceFormat::kXlsx), row.expected) << row.given;
    }
}

TEST(OfficeFileName, NamesWithNothingLeftBecomeDocument) {
    for (std::string_view given : {"", ".xlsx", "..", " . ", "/", "a/.."}) {
        EXPECT_EQ(OfficeFileName(given, SourceFormat::kXlsx), "document.xlsx") << given;
    }
    EXPECT_EQ(OfficeFileName("", SourceFormat::kPpt), "document.ppt");
}

TEST(OfficeFileName, LongNamesAreCutBetweenCharactersAndKeepTheirExtension) {
    std::string given;
    for (int i = 0; i < 100; ++i) given += "é";  // two bytes each
    std::string name = OfficeFileName(given + ".xlsm", SourceFormat::kXlsx);
    EXPECT_LE(name.size(), kMaxOfficeFileName);
    EXPECT_GE(name.size(), kMaxOfficeFileName - 1);
    ASSERT_TRUE(name.ends_with(".xlsm")) << name;
    std::string stem = name.substr(0, name.size() - 5);
    EXPECT_EQ(stem.size() % 2, 0u);
    EXPECT_EQ(stem, given.substr(0, stem.size()));
}

}  // namespace
}  // namespace quire::convert
