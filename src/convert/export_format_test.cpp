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

}  // namespace
}  // namespace quire::convert
