#include "ooxml/xlsx/formula_refs.hpp"

#include <gtest/gtest.h>

namespace quire::xlsx {
namespace {

TEST(CellRefs, ParseAndFormatRoundTrip) {
    EXPECT_EQ(ParseCellRef("B7"), (CellRef{2, 7}));
    EXPECT_EQ(ParseCellRef("$b$7"), (CellRef{2, 7}));
    EXPECT_EQ(ParseCellRef("XFD1048576"), (CellRef{16384, 1048576}));
    EXPECT_EQ(CellName({16384, 1048576}), "XFD1048576");
    EXPECT_EQ(ColumnName(27), "AA");
    EXPECT_EQ(ColumnName(702), "ZZ");
    EXPECT_EQ(ColumnName(703), "AAA");
}

class BadCellRef : public ::testing::TestWithParam<const char*> {};

TEST_P(BadCellRef, IsRejected) { EXPECT_EQ(ParseCellRef(GetParam()), std::nullopt); }

INSTANTIATE_TEST_SUITE_P(Refs, BadCellRef,
                         ::testing::Values("", "7", "B", "B0", "XFE1", "A1048577", "AAAA1", "B7 ",
                                           "B-7", "Sheet1!B7"));

TEST(CellRefs, RangesNormaliseAndUnite) {
    EXPECT_EQ(RangeName(*ParseRange("D20:A1")), "A1:D20");
    EXPECT_EQ(RangeName(*ParseRange("C3")), "C3");
    EXPECT_EQ(RangeName(Union(*ParseRange("B2:C3"), {5, 1})), "B1:E3");
    EXPECT_EQ(ParseRange("A1:"), std::nullopt);
}

struct QuoteCase {
    const char* name;
    bool quoted;
};

class SheetNameQuoting : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(SheetNameQuoting, QuotesWhenNeeded) {
    EXPECT_EQ(SheetNameNeedsQuotes(GetParam().name), GetParam().quoted) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(Names, SheetNameQuoting,
                         ::testing::Values(QuoteCase{"Sheet1", false}, QuoteCase{"Data_2", false},
                                           QuoteCase{"My Sheet", true}, QuoteCase{"2019", true},
                                           QuoteCase{"A1", true}, QuoteCase{"XFD12", true},
                                           QuoteCase{"R1C1", true}, QuoteCase{"R", true},
                                           QuoteCase{"TRUE", true}, QuoteCase{"O'Brien", true},
                                           QuoteCase{"Résumé", true}, QuoteCase{"a-b", true}));

struct RenameCase {
    const char* formula;
    const char* old_name;
    const char* new_name;
    const char* expected;
};

class RenameInFormula : public ::testing::TestWithParam<RenameCase> {};

TEST_P(RenameInFormula, RewritesSheetReferences) {
    const RenameCase& c = GetParam();
    EXPECT_EQ(RenameSheetInFormula(c.formula, c.old_name, c.new_name), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, RenameInFormula,
    ::testing::Values(RenameCase{"SUM(Data!A1:A9)", "Data", "Sales", "SUM(Sales!A1:A9)"},
                      RenameCase{"SUM(Data!A1:A9)", "Data", "Q1 Sales", "SUM('Q1 Sales'!A1:A9)"},
                      RenameCase{"'My Data'!B2*2", "My Data", "Plain", "Plain!B2*2"},
                      RenameCase{"'My Data'!B2", "my data", "It's", "'It''s'!B2"},
                      RenameCase{"'It''s'!B2+1", "It's", "Other", "Other!B2+1"},
                      RenameCase{"data!A1", "Data", "Sales", "Sales!A1"},
                      RenameCase{"Database!A1+Data!A1", "Data", "X", "Database!A1+X!A1"},
                      RenameCase{"MyData!A1", "Data", "X", "MyData!A1"},
                      RenameCase{"\"Data!A1\"&Data!A1", "Data", "X", "\"Data!A1\"&X!A1"},
                      RenameCase{"[1]Data!A1+Data!A1", "Data", "X", "[1]Data!A1+X!A1"},
                      RenameCase{"SUM(Jan:Data!B1)", "Data", "Dec", "SUM(Jan:Dec!B1)"},
                      RenameCase{"SUM(Jan:Data!B1)", "Data", "Dec 2", "SUM('Jan:Dec 2'!B1)"},
                      RenameCase{"SUM('Jan:Data'!B1)", "Jan", "Feb", "SUM(Feb:Data!B1)"},
                      RenameCase{"Table1[[#This Row],[Data]]", "Data", "X",
                                 "Table1[[#This Row],[Data]]"},
                      RenameCase{"Data", "Data", "X", "Data"},
                      RenameCase{"Data!$A$1:$B$2,Data!C3", "Data", "X", "X!$A$1:$B$2,X!C3"},
                      RenameCase{"'Unclosed!A1", "Unclosed", "X", "'Unclosed!A1"}));

struct ShiftCase {
    const char* formula;
    int rows;
    int cols;
    const char* expected;
};

class ShiftFormulaTest : public ::testing::TestWithParam<ShiftCase> {};

TEST_P(ShiftFormulaTest, MovesRelativeReferences) {
    const ShiftCase& c = GetParam();
    EXPECT_EQ(ShiftFormula(c.formula, c.rows, c.cols), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Formulas, ShiftFormulaTest,
                         ::testing::Values(ShiftCase{"A1+B2", 1, 0, "A2+B3"},
                                           ShiftCase{"$A$1+A$1+$A1", 2, 2, "$A$1+C$1+$A3"},
                                           ShiftCase{"SUM(A1:A10)", 0, 1, "SUM(B1:B10)"},
                                           ShiftCase{"Data!C3*2", 1, 1, "Data!D4*2"},
                                           ShiftCase{"'My Sheet'!C3", 1, 0, "'My Sheet'!C4"},
                                           ShiftCase{"LOG10(A1)", 1, 0, "LOG10(A2)"},
                                           ShiftCase{"\"A1\"&A1", 1, 0, "\"A1\"&A2"},
                                           ShiftCase{"1.5E+3*A1", 1, 0, "1.5E+3*A2"},
                                           ShiftCase{"A1", -1, 0, "#REF!"},
                                           ShiftCase{"Table1[A1]+A1", 1, 0, "Table1[A1]+A2"}));

struct SyntaxCase {
    const char* formula;
    const char* problem;
};

class FormulaSyntax : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(FormulaSyntax, FindsUnbalancedBracketsAndQuotes) {
    EXPECT_EQ(FormulaSyntaxProblem(GetParam().formula), GetParam().problem) << GetParam().formula;
}

// "set Sheet1!A1 to =SUM(" used to be stored as written and made a file Excel repairs.
INSTANTIATE_TEST_SUITE_P(
    Formulas, FormulaSyntax,
    ::testing::Values(SyntaxCase{"SUM(A1:A3)", ""}, SyntaxCase{"IF(A1>0,\"a(b\",\"\")", ""},
                      SyntaxCase{"'It''s (here)'!A1+1", ""}, SyntaxCase{"{1,2;3,4}", ""},
                      SyntaxCase{"Table1[[#Headers],[Sales]]", ""},
                      SyntaxCase{"\"say \"\"hi\"\"\"", ""}, SyntaxCase{"SUM(Sales['[Net']])", ""},
                      SyntaxCase{"SUM(", "the formula has an unclosed '('"},
                      SyntaxCase{"SUM(A1))", "the formula has an unmatched ')'"},
                      SyntaxCase{"(1]", "the formula has an unmatched ']'"},
                      SyntaxCase{"IF(A1,\"yes)", "the formula has an unclosed string literal"},
                      SyntaxCase{"'Sheet 1!A1", "the formula has an unclosed quoted sheet name"}));

}  // namespace
}  // namespace quire::xlsx

namespace quire::xlsx {
namespace {

// Each row: a formula and the tokens CheckFormulas would judge, as "kind:text" joined by spaces.
struct TokenCase {
    const char* formula;
    const char* tokens;
};

std::string Describe(const std::vector<FormulaToken>& tokens) {
    std::string out;
    for (const FormulaToken& token : tokens) {
        const char* kind = token.kind == FormulaToken::Kind::kSheet       ? "sheet"
                           : token.kind == FormulaToken::Kind::kName      ? "name"
                           : token.kind == FormulaToken::Kind::kOutOfGrid ? "grid"
                                                                          : "ref";
        if (!out.empty()) out += ' ';
        out += std::string(kind) + ":" + token.text;
    }
    return out;
}

class FormulaTokensTest : public testing::TestWithParam<TokenCase> {};

TEST_P(FormulaTokensTest, FindsWhatAFormulaDependsOn) {
    EXPECT_EQ(Describe(FormulaTokens(GetParam().formula)), GetParam().tokens) << GetParam().formula;
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, FormulaTokensTest,
    testing::Values(TokenCase{"SUM(A1:B2)*$C$3", ""},
                    TokenCase{"Data!A1+'My Sheet'!B2", "sheet:Data sheet:My Sheet"},
                    TokenCase{"SUM(Jan:Mar!A1)", "sheet:Jan sheet:Mar"},
                    TokenCase{"Rate*Sales[Amount]", "name:Rate name:Sales"},
                    TokenCase{"\"Gone!A1\"&TRUE&FALSE&1.5E+3", ""},
                    TokenCase{"[1]Other!A1+'[2]Other Book'!B1+'C:\\x\\[b.xlsx]S'!A1", ""},
                    TokenCase{"XFE1+A1048577+XFD1048576", "grid:XFE1 grid:A1048577"},
                    TokenCase{"IF(ISERROR(#REF!),#N/A,#DIV/0!)", "ref:#REF!"},
                    TokenCase{"SUM(A:C)+SUM($B:$B)+SUM(2:3)", ""},
                    TokenCase{"_xlfn.XLOOKUP(A1,B:B,C:C)+A1#", ""}));

// Each row: a formula and its references as FormulaReferences finds them, joined by spaces:
// "[sheet[:last]!]range" for cells, "name:N" for a name, "call:N" for a name called.
struct ReferenceCase {
    const char* formula;
    const char* references;
};

std::string Describe(const std::vector<FormulaReference>& references) {
    std::string out;
    for (const FormulaReference& reference : references) {
        if (!out.empty()) out += ' ';
        if (!reference.sheet.empty()) {
            out += reference.sheet;
            if (!reference.last_sheet.empty()) out += ":" + reference.last_sheet;
            out += "!";
        }
        if (reference.cells) {
            out += RangeName(*reference.cells);
        } else {
            out += (reference.called ? "call:" : "name:") + reference.name;
        }
    }
    return out;
}

class FormulaReferencesTest : public testing::TestWithParam<ReferenceCase> {};

TEST_P(FormulaReferencesTest, FindsTheCellsAndNamesAFormulaReads) {
    EXPECT_EQ(Describe(FormulaReferences(GetParam().formula)), GetParam().references)
        << GetParam().formula;
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, FormulaReferencesTest,
    testing::Values(
        ReferenceCase{"A4+1", "A4"}, ReferenceCase{"SUM(A1:B2)*$C$3", "call:SUM A1:B2 C3"},
        ReferenceCase{"SUM($B$9:A1)", "call:SUM A1:B9"},
        ReferenceCase{"Data!A1+'My Sheet'!$B$2:$C$3", "Data!A1 My Sheet!B2:C3"},
        ReferenceCase{"SUM(Jan:Mar!A1)", "call:SUM Jan:Mar!A1"},
        ReferenceCase{"SUM(A:C)+SUM($B:$B)+SUM(2:3)",
                      "call:SUM A1:C1048576 call:SUM B1:B1048576 call:SUM A2:XFD3"},
        ReferenceCase{"Rate*Sales[Amount]+Data!Local", "name:Rate name:Sales Data!name:Local"},
        ReferenceCase{"Twice(A1)", "call:Twice A1"}, ReferenceCase{"\"A1\"&TRUE&1.5E+3&#N/A", ""},
        ReferenceCase{"[1]Other!A1+'[2]Other Book'!B1", ""},
        ReferenceCase{"_xlfn.XLOOKUP(A1,B:B,C:C)+A1#+Data!B2#",
                      "call:_xlfn.XLOOKUP A1 B1:B1048576 C1:C1048576 A1 Data!B2"},
        ReferenceCase{"A1:B2:C5", "A1:C5"}));

// Each row: a formula as written and as the file stores it.
struct PrefixCase {
    const char* written;
    const char* stored;
};

class FunctionPrefixTest : public testing::TestWithParam<PrefixCase> {};

TEST_P(FunctionPrefixTest, NewerFunctionsWereWrittenWithoutTheirPrefix) {
    EXPECT_EQ(AddFunctionPrefixes(GetParam().written), GetParam().stored) << GetParam().written;
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, FunctionPrefixTest,
    testing::Values(
        PrefixCase{"CONCAT(\"a\",\"b\")", "_xlfn.CONCAT(\"a\",\"b\")"},
        PrefixCase{"IFS(A1>0,1,TRUE,0)", "_xlfn.IFS(A1>0,1,TRUE,0)"},
        PrefixCase{"XLOOKUP(1,A:A,B:B)+STDEV.S(C1:C9)",
                   "_xlfn.XLOOKUP(1,A:A,B:B)+_xlfn.STDEV.S(C1:C9)"},
        // FILTER and SORT carry a second prefix; SORTBY and UNIQUE do not.
        PrefixCase{"SORT(UNIQUE(FILTER(A1:A9,B1:B9>0)))",
                   "_xlfn._xlws.SORT(_xlfn.UNIQUE(_xlfn._xlws.FILTER(A1:A9,B1:B9>0)))"},
        PrefixCase{"SORTBY(A1:A9,B1:B9)", "_xlfn.SORTBY(A1:A9,B1:B9)"},
        // Nested inside functions Excel 2007 already had, and in lower or mixed case.
        PrefixCase{"IF(A1,TEXTJOIN(\",\",TRUE,B1:B3),SUM(C1:C3))",
                   "IF(A1,_xlfn.TEXTJOIN(\",\",TRUE,B1:B3),SUM(C1:C3))"},
        PrefixCase{"concat(A1,B1)&Textjoin(\"-\",1,C1:C2)",
                   "_xlfn.CONCAT(A1,B1)&_xlfn.TEXTJOIN(\"-\",1,C1:C2)"},
        // Already prefixed: left alone, in any case.
        PrefixCase{"_xlfn.CONCAT(A1)&_XLFN.IFS(TRUE,1)", "_xlfn.CONCAT(A1)&_XLFN.IFS(TRUE,1)"},
        PrefixCase{"_xlfn._xlws.SORT(A1:A3)", "_xlfn._xlws.SORT(A1:A3)"},
        // Text in string literals and quoted sheet names is no call.
        PrefixCase{"\"CONCAT(\"&A1&\"IFS(\"\"x\"\")\"", "\"CONCAT(\"&A1&\"IFS(\"\"x\"\")\""},
        PrefixCase{"SUM('CONCAT(1)'!A1,'IFS(x'!B2)", "SUM('CONCAT(1)'!A1,'IFS(x'!B2)"},
        PrefixCase{"IFS!A1+CONCAT!B2", "IFS!A1+CONCAT!B2"},
        // A defined name that shares a function's name, used without '(', is a name.
        PrefixCase{"CONCAT+IFS*2", "CONCAT+IFS*2"}, PrefixCase{"Sales[CONCAT]", "Sales[CONCAT]"},
        // Names that only contain a function's name, and functions Excel 2007 had.
        PrefixCase{"MY.CONCAT(A1)+CONCATENATE(A1,B1)+XIFS(1)",
                   "MY.CONCAT(A1)+CONCATENATE(A1,B1)+XIFS(1)"},
        // LET and LAMBDA would also need their parameters marked: not rewritten.
        PrefixCase{"LET(x,1,x)", "LET(x,1,x)"}, PrefixCase{"A1+1", "A1+1"}));

class FunctionPrefixRoundTrip : public testing::TestWithParam<PrefixCase> {};

TEST_P(FunctionPrefixRoundTrip, ReadsBackAsWritten) {
    EXPECT_EQ(RemoveFunctionPrefixes(GetParam().stored), GetParam().written) << GetParam().stored;
    EXPECT_EQ(AddFunctionPrefixes(RemoveFunctionPrefixes(GetParam().stored)), GetParam().stored);
}

INSTANTIATE_TEST_SUITE_P(
    Formulas, FunctionPrefixRoundTrip,
    testing::Values(
        PrefixCase{"CONCAT(\"_xlfn.IFS(\",A1)", "_xlfn.CONCAT(\"_xlfn.IFS(\",A1)"},
        PrefixCase{"SORT(FILTER(A1:A9,B1:B9))",
                   "_xlfn._xlws.SORT(_xlfn._xlws.FILTER(A1:A9,B1:B9))"},
        PrefixCase{"SUM('_xlfn.IFS(x'!A1)", "SUM('_xlfn.IFS(x'!A1)"},
        // Prefixes Quire does not add stay, so the formula is stored unchanged when written back.
        PrefixCase{"_xlfn.LET(_xlpm.x,1,_xlpm.x)", "_xlfn.LET(_xlpm.x,1,_xlpm.x)"},
        PrefixCase{"SUM(_xlfn.ANCHORARRAY(A1))", "SUM(_xlfn.ANCHORARRAY(A1))"},
        PrefixCase{"_xlfn.SORT(A1:A3)", "_xlfn.SORT(A1:A3)"}));

}  // namespace
}  // namespace quire::xlsx
