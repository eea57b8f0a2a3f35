// How clauses read as instructions: one row per phrasing, with what the clause must ask for.

#include "agent/excel_instructions.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace quire::agent {
namespace {

std::string ColumnText(const ColumnWords& words) {
    return words.letter.empty() ? "header:" + words.header : "column:" + words.letter;
}

// An instruction written out field by field, so that a row can say what it expects in one
// string and a failure shows what was read instead.
std::string Describe(const ExcelInstruction& instruction) {
    struct Writer {
        std::string operator()(const AddSheet& s) { return "add_sheet " + s.name; }
        std::string operator()(const DeleteSheet& s) { return "delete_sheet " + s.sheet; }
        std::string operator()(const RenameSheet& s) {
            return fmt::format("rename_sheet {} -> {}", s.sheet, s.new_name);
        }
        std::string operator()(const MoveSheet& s) {
            const char* places[] = {"front", "end", "after", "before"};
            return fmt::format("move_sheet {} {} {}", s.sheet, places[static_cast<int>(s.place)],
                               s.other);
        }
        std::string operator()(const SetCell& s) {
            const char* kinds[] = {"empty", "number", "text", "boolean", "date", "formula"};
            std::string shown = s.value.kind == xlsx::CellValue::Kind::kNumber
                                    ? fmt::format("{}", s.value.number)
                                    : s.value.text;
            return fmt::format("set_cell {}|{}|{}:{}", s.sheet, s.ref,
                               kinds[static_cast<int>(s.value.kind)], shown);
        }
        std::string operator()(const MakeBold& s) {
            if (s.part == MakeBold::Part::kHeader) return "bold header|" + s.sheet;
            if (s.part == MakeBold::Part::kColumn)
                return "bold " + ColumnText(s.column) + "|" + s.sheet;
            return fmt::format("bold rows {}-{}|{}", s.first_row, s.last_row, s.sheet);
        }
        std::string operator()(const FormatNumbers& s) {
            std::string what = s.range.empty() ? ColumnText(s.column) : "range:" + s.range;
            return fmt::format("format {} {}|{}", what, s.format, s.sheet);
        }
        std::string operator()(const FreezePanes& s) {
            return fmt::format("freeze rows={} columns={} header={}|{}", s.rows, s.columns,
                               s.header_rows, s.sheet);
        }
        std::string operator()(const AddChart& s) {
            return fmt::format("add_chart {} {}!{} title={} on={} at={}", s.type, s.source_sheet,
                               s.range, s.title, s.sheet, s.anchor);
        }
        std::string operator()(const MoveChart& s) {
            return fmt::format("move_chart {} to={} at={}", s.chart, s.sheet, s.anchor);
        }
        std::string operator()(const DeleteChart& s) { return "delete_chart " + s.chart; }
        std::string operator()(const AddTotalRow& s) { return "total_row|" + s.sheet; }
        std::string operator()(const SumColumn& s) {
            return "sum " + ColumnText(s.column) + "|" + s.sheet;
        }
    };
    return std::visit(Writer{}, instruction);
}

struct ParseCase {
    const char* clause;
    const char* reads;  // Describe() of the instruction, "" for none
};

void PrintTo(const ParseCase& row, std::ostream* out) { *out << '"' << row.clause << '"'; }

class ParseExcelInstructionTest : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseExcelInstructionTest, ReadsTheInstruction) {
    std::optional<ExcelInstruction> instruction = ParseExcelInstruction(GetParam().clause);
    EXPECT_EQ(instruction ? Describe(*instruction) : "", GetParam().reads);
}

INSTANTIATE_TEST_SUITE_P(
    Sheets, ParseExcelInstructionTest,
    testing::Values(
        ParseCase{"Add a sheet named Notes", "add_sheet Notes"},
        ParseCase{"please add a new sheet called \"Q3 Plan\".", "add_sheet Q3 Plan"},
        ParseCase{"ADD SHEET Archive", "add_sheet Archive"},
        ParseCase{"create an empty worksheet titled 'My Data'", "add_sheet My Data"},
        ParseCase{"add a sheet for the totals", ""},
        ParseCase{"Delete the Summary sheet", "delete_sheet Summary"},
        ParseCase{"remove sheet \"Q3 Plan\"!", "delete_sheet Q3 Plan"},
        ParseCase{"delete Summary", ""},
        ParseCase{"Rename sheet sp500 to Prices", "rename_sheet sp500 -> Prices"},
        ParseCase{"rename the summary sheet as Overview", "rename_sheet summary -> Overview"},
        ParseCase{"rename the revenue chart to Sales", ""},
        ParseCase{"Move the Summary sheet to the front", "move_sheet Summary front "},
        ParseCase{"move sheet Notes to the end of the workbook", "move_sheet Notes end "},
        ParseCase{"Move Notes last", "move_sheet Notes end "},
        ParseCase{"move sheet Notes after sp500", "move_sheet Notes after sp500"},
        ParseCase{"Move the summary sheet in front of the sp500 sheet",
                  "move_sheet summary before sp500"}));

INSTANTIATE_TEST_SUITE_P(
    Cells, ParseExcelInstructionTest,
    testing::Values(
        ParseCase{"Set sp500!D1 to 42", "set_cell sp500|D1|number:42"},
        ParseCase{"set 'Q3 Plan'!b2 = 3.5.", "set_cell Q3 Plan|B2|number:3.5"},
        ParseCase{"Set D2 to =B2*2", "set_cell |D2|formula:B2*2"},
        ParseCase{"set cell A1 of the Notes sheet to \"42\"", "set_cell Notes|A1|text:42"},
        ParseCase{"Put Checked in A1 of the Summary sheet", "set_cell Summary|A1|text:Checked"},
        ParseCase{"write TRUE into Notes!$C$1", "set_cell Notes|C1|boolean:"},
        ParseCase{"put \"Sold in May\" in B3", "set_cell |B3|text:Sold in May"},
        ParseCase{"can you put 7 in cell B3 on sheet Notes, please",
                  "set_cell Notes|B3|number:7"}));

INSTANTIATE_TEST_SUITE_P(
    Formats, ParseExcelInstructionTest,
    testing::Values(
        ParseCase{"Make the header bold", "bold header|"},
        ParseCase{"make the header row of the Notes sheet bold", "bold header|Notes"},
        ParseCase{"Make row 2 bold", "bold rows 2-2|"},
        ParseCase{"bold rows 5 to 3", "bold rows 3-5|"},
        ParseCase{"put the top row in bold", "bold rows 1-1|"},
        ParseCase{"Make column A of the Summary sheet bold", "bold column:A|Summary"},
        ParseCase{"make the header purple", ""},
        ParseCase{"Format column B as currency", "format column:B currency|"},
        ParseCase{"format the price column as a percentage", "format header:price percent|"},
        ParseCase{"format the values in column C of sp500 as money",
                  "format column:C currency|sp500"},
        ParseCase{"Show column B as whole numbers", "format column:B integer|"},
        ParseCase{"format column A as dates", "format column:A date|"},
        ParseCase{"format column A as date and time", "format column:A datetime|"},
        ParseCase{"Format Summary!B4:B7 as numbers", "format range:B4:B7 number|Summary"},
        ParseCase{"format the cost of goods column as currency",
                  "format header:cost of goods currency|"},
        ParseCase{"format column B as purple", ""},
        ParseCase{"set A1 to text", "set_cell |A1|text:text"}));

INSTANTIATE_TEST_SUITE_P(
    Panes, ParseExcelInstructionTest,
    testing::Values(ParseCase{"Freeze the top row", "freeze rows=1 columns=0 header=false|"},
                    ParseCase{"freeze the header", "freeze rows=0 columns=0 header=true|"},
                    ParseCase{"Freeze the first column", "freeze rows=0 columns=1 header=false|"},
                    ParseCase{"freeze the top row and the first column",
                              "freeze rows=1 columns=1 header=false|"},
                    ParseCase{"Freeze the first 2 rows of the Notes sheet",
                              "freeze rows=2 columns=0 header=false|Notes"},
                    ParseCase{"unfreeze the panes", "freeze rows=0 columns=0 header=false|"},
                    ParseCase{"freeze everything", ""}));

INSTANTIATE_TEST_SUITE_P(
    Charts, ParseExcelInstructionTest,
    testing::Values(
        ParseCase{"Add a line chart of sp500!A1:B13 titled First year",
                  "add_chart line sp500!A1:B13 title=First year on= at="},
        ParseCase{"add a bar chart of A1:B25 on the Summary sheet at a30",
                  "add_chart bar !A1:B25 title= on=Summary at=A30"},
        ParseCase{"Create a pie graph of the data in 'My Data'!$A$1:$B$5 called \"Share\"",
                  "add_chart pie My Data!A1:B5 title=Share on= at="},
        ParseCase{"add a chart of A1:C9", "add_chart column !A1:C9 title= on= at="},
        ParseCase{"add a donut chart of A1:B4", "add_chart doughnut !A1:B4 title= on= at="},
        ParseCase{"Move the price chart to the sp500 sheet at D2",
                  "move_chart price to=sp500 at=D2"},
        ParseCase{"move the chart to Notes", "move_chart  to=Notes at="},
        ParseCase{"move chart \"Report chart\" to Summary!B20",
                  "move_chart Report chart to=Summary at=B20"},
        ParseCase{"move the revenue chart to E5", "move_chart revenue to= at=E5"},
        ParseCase{"Delete the report chart", "delete_chart report"}));

INSTANTIATE_TEST_SUITE_P(Totals, ParseExcelInstructionTest,
                         testing::Values(ParseCase{"Add a total row", "total_row|"},
                                         ParseCase{"add a totals row to the data",
                                                   "total_row|data"},
                                         ParseCase{"Add totals to sheet sp500", "total_row|sp500"},
                                         ParseCase{"total all the columns", "total_row|"},
                                         ParseCase{"Sum column B", "sum column:B|"},
                                         ParseCase{"sum up the price column of the sp500 sheet",
                                                   "sum header:price|sp500"},
                                         ParseCase{"add a sum under column C", "sum column:C|"},
                                         ParseCase{"sum the numbers", ""}));

TEST(ParseCellValue, ReadsNumbersBooleansFormulasAndText) {
    EXPECT_EQ(ParseCellValue("-1.5e3").number, -1500);
    EXPECT_EQ(ParseCellValue("false").kind, xlsx::CellValue::Kind::kBoolean);
    EXPECT_EQ(ParseCellValue("=SUM(A1:A3)").text, "SUM(A1:A3)");
    EXPECT_EQ(ParseCellValue("'007'").kind, xlsx::CellValue::Kind::kText);
    EXPECT_EQ(ParseCellValue("'007'").text, "007");
    EXPECT_EQ(ParseCellValue("Q3 plan").text, "Q3 plan");
}

}  // namespace
}  // namespace quire::agent
