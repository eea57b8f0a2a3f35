#pragma once

// Cell references and the textual edits the workbook engine makes inside formulas: renaming a
// sheet wherever a formula names it, and moving a shared formula's relative references. Formulas
// are handled as text, token by token, the way they are stored in a file (no leading '=').

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quire::xlsx {

inline constexpr int kMaxColumns = 16384;
inline constexpr int kMaxRows = 1048576;

// A cell position, both 1-based.
struct CellRef {
    int col = 0;
    int row = 0;
    bool operator==(const CellRef&) const = default;
};

// An inclusive rectangle of cells.
struct CellRange {
    CellRef first;
    CellRef last;
    bool operator==(const CellRange&) const = default;
};

// "B7" or "$B$7" (case-insensitive) within Excel's grid; nullopt for anything else.
std::optional<CellRef> ParseCellRef(std::string_view text);

// 1 -> "A", 27 -> "AA".
std::string ColumnName(int col);

// {2, 7} -> "B7".
std::string CellName(CellRef ref);

// "A1:D20" or a single cell "C3"; nullopt for anything else.
std::optional<CellRange> ParseRange(std::string_view text);

// "A1:D20", or "C3" when the range is one cell.
std::string RangeName(const CellRange& range);

// The smallest range holding `range` and `ref`.
CellRange Union(const CellRange& range, CellRef ref);

// True when a formula must quote this sheet name ('My Sheet'!A1): anything but a plain
// identifier, and names that read as a cell reference, R1C1 reference or boolean.
bool SheetNameNeedsQuotes(std::string_view name);

// A sheet name as a formula writes it: quoted, with apostrophes doubled, when it must be
// ("Data", "'My Data'", "'It''s'").
std::string FormulaSheetName(std::string_view name);

// A range with both ends anchored: "$A$1:$B$9", or "$C$3" for one cell.
std::string AbsoluteRangeName(const CellRange& range);

// The formula with every reference to sheet `old_name` (compared ignoring ASCII case, quoted or
// not, alone or as an end of a 3-D range like Sheet1:Sheet3!A1) naming `new_name` instead, quoted
// when it must be. String literals and references into other workbooks ([1]Sheet1!A1) are left
// alone. A formula without such references comes back unchanged.
std::string RenameSheetInFormula(std::string_view formula, std::string_view old_name,
                                 std::string_view new_name);

// The formula as it reads when copied `rows` down and `cols` right: relative parts of A1-style
// references move, $-anchored parts stay. A reference pushed off the grid becomes #REF!.
std::string ShiftFormula(std::string_view formula, int rows, int cols);

// One sheet, name or reference a formula uses, as CheckFormulas judges them.
struct FormulaToken {
    enum class Kind {
        kSheet,      // a sheet before '!': `text` is its name (each end of a 3-D range is one)
        kName,       // a defined name, or a table name before '[': `text` is the name
        kOutOfGrid,  // something shaped like a cell reference beyond XFD1048576
        kRefError,   // a #REF! that an earlier deletion left behind
    };
    Kind kind;
    std::string text;
};

// The sheets, names and suspicious references of a formula in order, skipping string literals,
// function names, cell and column/row references, booleans, numbers, error literals other than
// #REF!, and everything that belongs to another workbook ([1]Sheet1!A1).
std::vector<FormulaToken> FormulaTokens(std::string_view formula);

// Something a formula reads: cells of a sheet, or a name.
struct FormulaReference {
    // The sheet before '!', "" for the formula's own sheet. A 3-D reference (Jan:Mar!B2) names
    // its first sheet here and its last in `last_sheet`, which is "" otherwise.
    std::string sheet;
    std::string last_sheet;
    // The cells: one, a rectangle, whole columns (A:C, rows 1 to kMaxRows) or whole rows (2:4,
    // columns 1 to kMaxColumns). Unset for a name.
    std::optional<CellRange> cells;
    // A defined name (with `sheet` when written Sheet1!Name), a table before '[' (Sales[Amount])
    // or, with `called`, any name called like a function (SUM, or a defined name that holds a
    // LAMBDA); "" for cells.
    std::string name;
    bool called = false;
};

// The cells and names `formula` reads, in order, found by the same scan as FormulaTokens: string
// literals, numbers, booleans, error literals and everything that belongs to another workbook
// are skipped, and a range (A1:B5, $A:$C, 2:4) is one reference. References made at run time
// (INDIRECT, OFFSET) and structured references without a table name ([@Col]) are not found.
std::vector<FormulaReference> FormulaReferences(std::string_view formula);

// The formula as the file format stores it. Functions Excel added after 2007 (CONCAT, IFS,
// TEXTJOIN, XLOOKUP and the like, [MS-XLSX] 2.2.2 "future functions") are written with a prefix,
// "_xlfn." or, for FILTER and SORT, "_xlfn._xlws."; without it Excel and LibreOffice answer
// #NAME?. Each call of such a function (a name followed by '(', in any case) gets its prefix and
// its name in upper case: "concat(A1,B1)" becomes "_xlfn.CONCAT(A1,B1)". String literals, sheet
// names, defined and table names, names not followed by '(' and calls that already carry a
// prefix are left as they are. LET, LAMBDA and the functions that take a LAMBDA are not in the
// table: Excel also needs the names they bind marked (_xlpm.x), which this does not do.
std::string AddFunctionPrefixes(std::string_view formula);

// The formula as a person writes it: the inverse of AddFunctionPrefixes. A call written with
// exactly the prefix AddFunctionPrefixes gives its function loses it ("_xlfn.CONCAT(" becomes
// "CONCAT("); any other prefixed call (_xlfn.LET, _xlfn.ANCHORARRAY) keeps its prefix, so that
// writing the text back stores the formula unchanged.
std::string RemoveFunctionPrefixes(std::string_view formula);

// Why a formula cannot be stored as it is, or "" when its brackets and quotes balance: string
// literals ("a""b") and quoted sheet names ('It''s'!A1) closed, and (), {} and [] nested
// properly outside them. It catches the typing slips a spreadsheet would reject on opening
// ("SUM(", "IF(A1>0,\"yes)"); it is not a full grammar check.
std::string FormulaSyntaxProblem(std::string_view formula);

}  // namespace quire::xlsx
