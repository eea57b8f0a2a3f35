#include "convert/formula_dependents.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quire::convert {
namespace {

// A formula cell from "Sheet!B7"-style text.
FormulaCell Cell(std::string sheet, const char* ref, std::string formula,
                 bool uncomputable = false) {
    return {std::move(sheet), *xlsx::ParseCellRef(ref), std::move(formula), uncomputable};
}

WorkbookNames TwoSheets() {
    WorkbookNames names;
    names.sheets = {"Calc", "Other Sheet"};
    return names;
}

// The flagged cells as "Sheet!A1" joined by spaces.
std::string Flagged(const std::vector<FormulaCell>& cells, const WorkbookNames& names) {
    std::vector<bool> flags = UncomputableCells(cells, names);
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (!flags.at(i)) continue;
        if (!out.empty()) out += ' ';
        out += cells[i].sheet + "!" + xlsx::CellName(cells[i].ref);
    }
    return out;
}

TEST(UncomputableCells, NothingIsFlaggedWithoutACellTheOfficeCannotCompute) {
    std::vector<FormulaCell> cells = {Cell("Calc", "A2", "A1*2"), Cell("Calc", "A3", "A2+1")};
    EXPECT_EQ(Flagged(cells, TwoSheets()), "");
}

// =A4+1 over an XLOOKUP in A4 was stored as #NAME? and reported as a formula error.
TEST(UncomputableCells, CellsReadingAnUncomputableCellAreFlaggedToo) {
    std::vector<FormulaCell> cells = {
        Cell("Calc", "A4", "_xlfn.XLOOKUP(2,A1:A2,B1:B2)", true),
        Cell("Calc", "A5", "A4+1"),
        Cell("Calc", "A6", "SUM($A$3:$A$5)"),
        Cell("Calc", "A7", "A1*2"),
        Cell("Calc", "B1", "SUM(A:A)"),
        Cell("Calc", "B2", "SUM(4:4)"),
        Cell("Calc", "B3", "SUM(5:9)"),
    };
    EXPECT_EQ(Flagged(cells, TwoSheets()), "Calc!A4 Calc!A5 Calc!A6 Calc!B1 Calc!B2 Calc!B3");
}

TEST(UncomputableCells, ChainsAreFollowedWhateverTheirOrderOnTheSheet) {
    // C1 reads C2, which reads C3, which reads the uncomputable C4: each pass flags one.
    std::vector<FormulaCell> cells = {
        Cell("Calc", "C1", "C2+1"), Cell("Calc", "C2", "C3+1"),
        Cell("Calc", "C3", "C4+1"), Cell("Calc", "C4", "SROUND(A1)", true),
        Cell("Calc", "C5", "C9+1"),
    };
    EXPECT_EQ(Flagged(cells, TwoSheets()), "Calc!C1 Calc!C2 Calc!C3 Calc!C4");
}

TEST(UncomputableCells, ReferencesFromOtherSheetsAndThreeDRangesAreFollowed) {
    WorkbookNames names;
    names.sheets = {"Jan", "Feb", "Mar", "Sum"};
    std::vector<FormulaCell> cells = {
        Cell("Feb", "B2", "_xlfn.LET(x,1,x)", true),
        Cell("Sum", "A1", "SUM(Jan:Mar!B2)"),
        Cell("Sum", "A2", "SUM(jan:jan!B2)"),
        Cell("Sum", "A3", "'FEB'!B2*2"),
        Cell("Sum", "A4", "Mar!B2"),
        Cell("Sum", "A5", "B2"),  // its own sheet's B2, which holds no formula
    };
    EXPECT_EQ(Flagged(cells, names), "Feb!B2 Sum!A1 Sum!A3");
}

TEST(UncomputableCells, DefinedNamesAndTablesAreFollowed) {
    WorkbookNames names = TwoSheets();
    names.names = {
        {"Lookup", "Calc!$A$4", "", false},
        {"Indirect", "Lookup*2", "", false},
        {"Local", "$B$9", "Other Sheet", false},  // means B9 of the sheet it is used on
        {"Twice", "_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2)", "", false},
        {"Plain", "Calc!$A$7", "", false},
    };
    names.tables = {{"Sales", "Other Sheet", "A1:C20", "", {"Region", "Amount", "Date"}}};
    std::vector<FormulaCell> cells = {
        Cell("Calc", "A4", "_xlfn.XMATCH(1,B:B)", true),
        Cell("Calc", "A5", "lookup+1"),
        Cell("Calc", "A6", "Indirect"),
        Cell("Calc", "A7", "Twice(3)"),
        Cell("Calc", "A8", "Plain"),
        Cell("Other Sheet", "B9", "Calc!A4"),
        Cell("Other Sheet", "D1", "Local"),
        Cell("Calc", "A9", "SUM(Sales[Amount])"),
        Cell("Calc", "A10", "Local"),  // no such name on Calc
    };
    EXPECT_EQ(Flagged(cells, names),
              "Calc!A4 Calc!A5 Calc!A6 Calc!A7 Calc!A8 Other Sheet!B9 Other Sheet!D1 Calc!A9");
}

TEST(UncomputableCells, NamesThatReferToEachOtherDoNotLoopForever) {
    WorkbookNames names = TwoSheets();
    names.names = {{"Ping", "Pong+1", "", false}, {"Pong", "Ping+1", "", false}};
    std::vector<FormulaCell> cells = {Cell("Calc", "A1", "Ping"),
                                      Cell("Calc", "A2", "SROUND(1)", true)};
    EXPECT_EQ(Flagged(cells, names), "Calc!A2");
}

}  // namespace
}  // namespace quire::convert
