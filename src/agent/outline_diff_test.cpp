#include "agent/outline_diff.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/pptx/presentation.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

template <typename T>
T Must(Result<T> result) {
    if (!result) throw std::runtime_error(result.error().message);
    return std::move(*result);
}

void Must(Status status) {
    if (!status) throw std::runtime_error(status.error().message);
}

xlsx::Workbook Open(const std::string& bytes) { return Must(xlsx::Workbook::Open(bytes)); }

docx::BlockSpec Block(docx::BlockSpec::Kind kind, std::string text, int level = 1) {
    docx::BlockSpec spec;
    spec.kind = kind;
    spec.text = std::move(text);
    spec.level = level;
    return spec;
}

// A document written by the Word engine: a Title and paragraphs.
std::string WordBytes(const std::string& title, const std::vector<std::string>& paragraphs) {
    docx::WordDocument document = docx::WordDocument::Create();
    std::vector<docx::BlockSpec> blocks{Block(docx::BlockSpec::Kind::kHeading, title, 0)};
    for (const std::string& text : paragraphs)
        blocks.push_back(Block(docx::BlockSpec::Kind::kParagraph, text));
    Must(document.InsertBlocks("end", docx::Position::kAfter, blocks));
    return Must(document.Save());
}

std::string SalesWorkbook() {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    Must(workbook.AddSheet("Data"));
    Must(workbook.AddSheet("Summary"));
    Must(workbook.SetCell("Data", "A1", xlsx::CellValue::Text("Region")));
    Must(workbook.SetCell("Data", "B1", xlsx::CellValue::Number(5)));
    Must(workbook.SetCell("Summary", "A1", xlsx::CellValue::Formula("SUM(Data!B1:B9)")));
    return Must(workbook.Save());
}

TEST(OutlineDiff, AnUnchangedWorkbookHasAnEmptyDiff) {
    std::string bytes = SalesWorkbook();
    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kExcel, bytes, bytes));
    EXPECT_TRUE(diff.Empty());
    EXPECT_EQ(DescribeDiff(DocumentFormat::kExcel, diff), "");
}

TEST(OutlineDiff, SheetsAddedRemovedRenamedAndCellsWithOldAndNewValues) {
    std::string before = SalesWorkbook();
    xlsx::Workbook edited = Open(before);
    Must(edited.RenameSheet("Summary", "Totals"));
    Must(edited.AddSheet("Notes"));
    Must(edited.SetCell("Data", "B1", xlsx::CellValue::Number(7.5)));
    Must(edited.SetCell("Data", "C4", xlsx::CellValue::Text("new")));
    Must(edited.SetCell("Data", "A1", xlsx::CellValue::Text("")));
    std::string after = Must(edited.Save());

    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kExcel, before, after));

    EXPECT_EQ(diff.added, std::vector<std::string>{"Notes"});
    EXPECT_TRUE(diff.removed.empty());
    ASSERT_EQ(diff.renamed.size(), 1u);
    EXPECT_EQ(diff.renamed[0], (std::pair<std::string, std::string>("Summary", "Totals")));
    EXPECT_EQ(diff.changed_cells, 3u);
    ASSERT_EQ(diff.cells.size(), 3u);
    EXPECT_EQ(diff.cells[1].cell, "B1");
    EXPECT_EQ(diff.cells[1].before, "5");
    EXPECT_EQ(diff.cells[1].after, "7.5");
    std::string text = DescribeDiff(DocumentFormat::kExcel, diff);
    EXPECT_NE(text.find("sheets added: 'Notes'"), std::string::npos) << text;
    EXPECT_NE(text.find("'Summary' -> 'Totals'"), std::string::npos) << text;
    EXPECT_NE(text.find("'Data'!C4 (empty) -> \"new\""), std::string::npos) << text;
}

TEST(OutlineDiff, ADeletedSheetIsRemovedAndOnlyTheFirstFiftyCellsAreListed) {
    std::string before = SalesWorkbook();
    xlsx::Workbook edited = Open(before);
    Must(edited.DeleteSheet("Summary"));
    for (int row = 1; row <= 80; ++row) {
        Must(edited.SetCell("Data", "D" + std::to_string(row), xlsx::CellValue::Number(row)));
    }
    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kExcel, before, Must(edited.Save())));

    EXPECT_EQ(diff.removed, std::vector<std::string>{"Summary"});
    EXPECT_EQ(diff.changed_cells, 80u);
    EXPECT_EQ(diff.cells.size(), kMaxCellChanges);
    EXPECT_NE(DescribeDiff(DocumentFormat::kExcel, diff).find("80 cells changed (the first 50"),
              std::string::npos);
}

TEST(OutlineDiff, ParagraphsAreAlignedSoAnInsertionChangesNothingAfterIt) {
    std::string before = WordBytes("Plan", {"First point.", "Second point.", "Third point."});
    std::string after =
        WordBytes("Plan", {"First point.", "Inserted.", "Second point.", "Third point, revised."});

    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kWord, before, after));

    EXPECT_EQ(diff.changed_texts, 2u);
    ASSERT_EQ(diff.texts.size(), 2u);
    EXPECT_EQ(diff.texts[0].before, "");
    EXPECT_EQ(diff.texts[0].after, "Inserted.");
    EXPECT_EQ(diff.texts[1].before, "Third point.");
    EXPECT_EQ(diff.texts[1].after, "Third point, revised.");
    std::string text = DescribeDiff(DocumentFormat::kWord, diff);
    EXPECT_NE(text.find("2 paragraphs changed"), std::string::npos) << text;
}

TEST(OutlineDiff, ARetitledDocumentRenamesItsSection) {
    std::string before = WordBytes("Plan", {"Body."});
    std::string after = WordBytes("Budget", {"Body."});
    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kWord, before, after));
    ASSERT_EQ(diff.renamed.size(), 1u);
    EXPECT_EQ(diff.renamed[0].first, "Plan");
    EXPECT_EQ(diff.renamed[0].second, "Budget");
}

TEST(OutlineDiff, WordSectionsAddedAndDeletedAndTableRowsChanged) {
    docx::WordDocument document = docx::WordDocument::Create();
    docx::BlockSpec table = Block(docx::BlockSpec::Kind::kTable, "");
    table.rows = {{"Item", "Cost"}, {"Rent", "100"}};
    std::vector<docx::BlockSpec> blocks{Block(docx::BlockSpec::Kind::kHeading, "Plan", 0),
                                        Block(docx::BlockSpec::Kind::kHeading, "Costs"), table,
                                        Block(docx::BlockSpec::Kind::kHeading, "Risks")};
    Must(document.InsertBlocks("end", docx::Position::kAfter, blocks));
    std::string before = Must(document.Save());

    docx::WordDocument edited = Must(docx::WordDocument::Open(before));
    Must(edited.DeleteBlock("sec_risks"));
    Must(edited.InsertBlocks("end", docx::Position::kAfter,
                             std::vector{Block(docx::BlockSpec::Kind::kHeading, "Outlook")}));
    EXPECT_EQ(Must(edited.ReplaceText("100", "120")), 1u);
    std::string after = Must(edited.Save());

    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kWord, before, after));
    EXPECT_EQ(diff.renamed,
              (std::vector<std::pair<std::string, std::string>>{{"Risks", "Outlook"}}));
    ASSERT_EQ(diff.texts.size(), 2u);
    EXPECT_EQ(diff.texts[0].before, "Rent\t100");
    EXPECT_EQ(diff.texts[0].after, "Rent\t120");
}

// Putting an old version back over a run said "sections renamed: 'Prospects' -> 'Chart'" for
// sections that had nothing in common but their place, and listed "(empty) -> (empty)" changes.
TEST(OutlineDiff, ASectionInAnothersPlaceWasCalledARename) {
    docx::WordDocument document = docx::WordDocument::Create();
    std::vector<docx::BlockSpec> blocks{Block(docx::BlockSpec::Kind::kHeading, "Plan", 0),
                                        Block(docx::BlockSpec::Kind::kHeading, "Prospects"),
                                        Block(docx::BlockSpec::Kind::kParagraph, "Growth ahead."),
                                        Block(docx::BlockSpec::Kind::kParagraph, ""),
                                        Block(docx::BlockSpec::Kind::kHeading, "Costs"),
                                        Block(docx::BlockSpec::Kind::kParagraph, "Rent.")};
    Must(document.InsertBlocks("end", docx::Position::kAfter, blocks));
    std::string before = Must(document.Save());

    docx::WordDocument edited = Must(docx::WordDocument::Open(before));
    Must(edited.DeleteBlock("sec_prospects"));
    Must(edited.InsertBlocks(
        "sec_costs", docx::Position::kBefore,
        std::vector{Block(docx::BlockSpec::Kind::kHeading, "Chart"),
                    Block(docx::BlockSpec::Kind::kParagraph, "A chart goes here.")}));
    std::string after = Must(edited.Save());

    OutlineDiff diff = Must(DiffDocuments(DocumentFormat::kWord, before, after));
    EXPECT_TRUE(diff.renamed.empty());
    EXPECT_EQ(diff.removed, std::vector<std::string>{"Prospects"});
    EXPECT_EQ(diff.added, std::vector<std::string>{"Chart"});
    for (const TextChange& change : diff.texts) {
        EXPECT_FALSE(change.before.empty() && change.after.empty()) << change.where;
    }
    std::string text = DescribeDiff(DocumentFormat::kWord, diff);
    EXPECT_EQ(text.find("renamed"), std::string::npos) << text;
    EXPECT_EQ(text.find("(empty) -> (empty)"), std::string::npos) << text;
}

TEST(OutlineDiff, SlidesAddedAndSlideTextsChanged) {
    std::string before = Must(pptx::BuildPresentation("Review", "Q3"));
    std::string after = Must(pptx::AppendSlide(before, "Revenue", "Up 12%"));

    OutlineDiff added = Must(DiffDocuments(DocumentFormat::kSlides, before, after));
    EXPECT_EQ(added.added, std::vector<std::string>{"Revenue"});
    EXPECT_EQ(added.changed_texts, 0u);

    std::string retitled = Must(pptx::BuildPresentation("Review", "Q4"));
    OutlineDiff changed = Must(DiffDocuments(DocumentFormat::kSlides, before, retitled));
    EXPECT_EQ(changed.changed_texts, 1u);
    ASSERT_EQ(changed.texts.size(), 1u);
    EXPECT_NE(changed.texts[0].after.find("Q4"), std::string::npos);
    EXPECT_NE(DescribeDiff(DocumentFormat::kSlides, changed).find("1 slide text changed"),
              std::string::npos);
}

TEST(OutlineDiff, AnUnreadableDocumentIsInvalid) {
    auto diff = DiffDocuments(DocumentFormat::kExcel, "not a zip", SalesWorkbook());
    ASSERT_FALSE(diff);
    EXPECT_EQ(diff.error().code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace quire::agent
