#include "agent/context_text.hpp"

#include <gtest/gtest.h>

#include "ooxml/docx/document.hpp"
#include "ooxml/pptx/presentation.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

TEST(ContextText, TextFilesComeAsTheyAreWithoutAByteOrderMark) {
    Result<std::string> text =
        ContextText({"notes.txt", "\xEF\xBB\xBFPlan: grow 5%\nÜber\n"}, 1000);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, "Plan: grow 5%\nÜber\n");
}

TEST(ContextText, AWorkbookIsItsSheetsAsTabSeparatedRows) {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    ASSERT_TRUE(workbook.AddSheet("Targets"));
    ASSERT_TRUE(workbook.SetCells(
        "Targets", std::vector<xlsx::CellEdit>{{"A1", xlsx::CellValue::Text("Region")},
                                               {"B1", xlsx::CellValue::Text("Target")},
                                               {"A2", xlsx::CellValue::Text("North")},
                                               {"B2", xlsx::CellValue::Number(1250.5)},
                                               {"C2", xlsx::CellValue::Date(45292)}}));
    Result<std::string> text = ContextText({"targets.xlsx", *workbook.Save()}, 1000);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, "## Sheet Targets\nRegion\tTarget\t\nNorth\t1250.5\t2024-01-01\n");
}

TEST(ContextText, DocumentsAndDecksAreTheirParagraphs) {
    Result<std::string> docx = docx::BuildDocument("Quarterly plan", {"Hire two analysts."});
    ASSERT_TRUE(docx);
    Result<std::string> text = ContextText({"plan.docx", *docx}, 1000);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_NE(text->find("Quarterly plan\n"), std::string::npos) << *text;
    EXPECT_NE(text->find("Hire two analysts.\n"), std::string::npos) << *text;

    Result<std::string> pptx = pptx::BuildPresentation("Kick-off", "Goals for the year");
    ASSERT_TRUE(pptx);
    Result<std::string> slides = ContextText({"deck.pptx", *pptx}, 1000);
    ASSERT_TRUE(slides) << slides.error().message;
    EXPECT_TRUE(slides->starts_with("## Slide 1\n")) << *slides;
    EXPECT_NE(slides->find("Kick-off"), std::string::npos) << *slides;
}

TEST(ContextText, BinaryAndBrokenFilesAreRefusedNamingTheFile) {
    Result<std::string> binary = ContextText({"photo.png", std::string("\x89PNG\0\0", 6)}, 1000);
    ASSERT_FALSE(binary);
    EXPECT_EQ(binary.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(binary.error().message.find("photo.png"), std::string::npos);
    EXPECT_FALSE(ContextText({"broken.docx", "not a zip"}, 1000));
}

TEST(ContextText, LongTextIsCutAtALineEnd) {
    Result<std::string> text = ContextText({"a.csv", "one,1\ntwo,2\nthree,3\n"}, 14);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "one,1\ntwo,2\n");
}

}  // namespace
}  // namespace quire::agent
