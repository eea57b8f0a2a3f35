#include "ooxml/xlsx/formula_refs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

namespace quire::xlsx {
namespace {

bool IsAsciiAlpha(char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); }
bool IsAsciiDigit(char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; }

// Characters that may make up an unquoted name in a formula: sheet names, defined names,
// function names, references. Bytes of multi-byte UTF-8 count as name characters.
bool IsNameChar(char ch) {
    auto byte = static_cast<unsigned char>(ch);
    return std::isalnum(byte) || ch == '_' || ch == '.' || ch == '\\' || byte >= 0x80;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The index just past a "..." string literal that starts at `start` ("" inside escapes a quote).
std::size_t SkipStringLiteral(std::string_view f, std::size_t start) {
    std::size_t i = start + 1;
    while (i < f.size()) {
        if (f[i] == '"') {
            if (i + 1 < f.size() && f[i + 1] == '"') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return f.size();
}

// The index just past the ']' that closes the '[' at `start`, allowing nesting (Table[[#This
// Row],[Col]]).
std::size_t SkipBrackets(std::string_view f, std::size_t start) {
    int depth = 0;
    for (std::size_t i = start; i < f.size(); ++i) {
        if (f[i] == '[') ++depth;
        if (f[i] == ']' && --depth == 0) return i + 1;
    }
    return f.size();
}

// A quoted name that starts at `start`: its unescaped text and the index just past the closing
// quote, or nullopt when it is not closed.
struct QuotedName {
    std::string text;
    std::size_t end = 0;
};

std::optional<QuotedName> ReadQuotedName(std::string_view f, std::size_t start) {
    QuotedName name;
    std::size_t i = start + 1;
    while (i < f.size()) {
        if (f[i] == '\'') {
            if (i + 1 < f.size() && f[i + 1] == '\'') {
                name.text += '\'';
                i += 2;
                continue;
            }
            name.end = i + 1;
            return name;
        }
        name.text += f[i++];
    }
    return std::nullopt;
}

std::string QuoteSheetName(std::string_view name) {
    std::string out = "'";
    for (char ch : name) {
        out += ch;
        if (ch == '\'') out += '\'';
    }
    out += '\'';
    return out;
}

// A sheet specification before '!': "Sheet1" or the 3-D "Sheet1:Sheet3". Returns the text to
// write, which is `original` itself when no part names the old sheet.
std::string RewriteSheetSpec(std::string_view spec, std::string_view original,
                             std::string_view old_name, std::string_view new_name) {
    std::vector<std::string> parts;
    std::size_t colon = spec.find(':');
    parts.emplace_back(spec.substr(0, colon));
    if (colon != std::string_view::npos) parts.emplace_back(spec.substr(colon + 1));

    bool changed = false;
    bool quote = false;
    for (std::string& part : parts) {
        if (EqualsIgnoreCase(part, old_name)) {
            part = std::string(new_name);
            changed = true;
        }
        quote = quote || SheetNameNeedsQuotes(part);
    }
    if (!changed) return std::string(original);
    std::string joined = parts.size() == 1 ? parts[0] : fmt::format("{}:{}", parts[0], parts[1]);
    return quote ? QuoteSheetName(joined) : joined;
}

bool LooksLikeR1C1(std::string_view name) {
    std::size_t i = 0;
    auto digits = [&] {
        while (i < name.size() && IsAsciiDigit(name[i])) ++i;
    };
    if (i < name.size() && (name[i] == 'R' || name[i] == 'r')) {
        ++i;
        digits();
    }
    if (i < name.size() && (name[i] == 'C' || name[i] == 'c')) {
        ++i;
        digits();
    }
    return i == name.size();
}

// One A1-style reference with its anchors, as found in formula text.
struct AnchoredRef {
    CellRef ref;
    bool col_fixed = false;
    bool row_fixed = false;
};

std::optional<AnchoredRef> ParseAnchoredRef(std::string_view text) {
    AnchoredRef out;
    std::size_t i = 0;
    if (i < text.size() && text[i] == '$') {
        out.col_fixed = true;
        ++i;
    }
    std::size_t letters = i;
    while (i < text.size() && IsAsciiAlpha(text[i])) ++i;
    if (i == letters || i - letters > 3) return std::nullopt;
    std::string_view col_text = text.substr(letters, i - letters);
    if (i < text.size() && text[i] == '$') {
        out.row_fixed = true;
        ++i;
    }
    std::size_t digits = i;
    while (i < text.size() && IsAsciiDigit(text[i])) ++i;
    if (i == digits || i != text.size() || i - digits > 7) return std::nullopt;

    std::optional<CellRef> ref = ParseCellRef(fmt::format("{}{}", col_text, text.substr(digits)));
    if (!ref) return std::nullopt;
    out.ref = *ref;
    return out;
}

std::string ShiftToken(std::string_view token, int rows, int cols) {
    std::optional<AnchoredRef> parsed = ParseAnchoredRef(token);
    if (!parsed) return std::string(token);
    CellRef moved = parsed->ref;
    if (!parsed->col_fixed) moved.col += cols;
    if (!parsed->row_fixed) moved.row += rows;
    if (moved.col < 1 || moved.col > kMaxColumns || moved.row < 1 || moved.row > kMaxRows) {
        return "#REF!";
    }
    return fmt::format("{}{}{}{}", parsed->col_fixed ? "$" : "", ColumnName(moved.col),
                       parsed->row_fixed ? "$" : "", moved.row);
}

// True for text shaped like an A1 reference: one to three letters, then digits.
bool LooksLikeCellRef(std::string_view token) {
    std::size_t i = token.starts_with('$') ? 1 : 0;
    std::size_t letters = i;
    while (i < token.size() && IsAsciiAlpha(token[i])) ++i;
    if (i == letters || i - letters > 3) return false;
    if (i < token.size() && token[i] == '$') ++i;
    std::size_t digits = i;
    while (i < token.size() && IsAsciiDigit(token[i])) ++i;
    return i > digits && i == token.size();
}

// The error literals of ECMA-376 Part 1 §18.17.2 (formula grammar, error-constant).
constexpr std::string_view kErrorLiterals[] = {"#NULL!", "#DIV/0!", "#VALUE!",      "#REF!",
                                               "#NAME?", "#NUM!",   "#N/A",         "#SPILL!",
                                               "#CALC!", "#FIELD!", "#GETTING_DATA"};

// The index just past the reference after a sheet's '!' at `bang` (A1, $A$1:$B$2, A:A, 1:1).
std::size_t SkipReference(std::string_view f, std::size_t bang) {
    std::size_t i = bang + 1;
    while (i < f.size() && (IsNameChar(f[i]) || f[i] == '$' || f[i] == ':' || f[i] == '#')) ++i;
    return i;
}

// What one pass over a formula finds: the tokens CheckFormulas judges and the references a
// recalculation follows.
struct FormulaScan {
    std::vector<FormulaToken> tokens;
    std::vector<FormulaReference> references;
    // Where each name called like a function starts and ends in the formula.
    std::vector<std::pair<std::size_t, std::size_t>> calls;
};

// "A", "$XFD": a whole column's number, else nullopt.
std::optional<int> ParseColumnPart(std::string_view text) {
    if (text.starts_with('$')) text.remove_prefix(1);
    if (text.empty() || text.size() > 3 || !std::all_of(text.begin(), text.end(), IsAsciiAlpha)) {
        return std::nullopt;
    }
    int col = 0;
    for (char ch : text) col = col * 26 + ((ch & ~0x20) - 'A' + 1);  // ASCII upper case
    if (col > kMaxColumns) return std::nullopt;
    return col;
}

// "7", "$12": a whole row's number, else nullopt.
std::optional<int> ParseRowPart(std::string_view text) {
    if (text.starts_with('$')) text.remove_prefix(1);
    if (text.empty() || text.size() > 7 || !std::all_of(text.begin(), text.end(), IsAsciiDigit)) {
        return std::nullopt;
    }
    int row = 0;
    for (char ch : text) row = row * 10 + (ch - '0');
    if (row < 1 || row > kMaxRows) return std::nullopt;
    return row;
}

// The cells of a reference as written: "B7", "$A$1:$B$5", "A:C", "2:4" (a chain A1:B2:C3 is its
// bounding rectangle); nullopt for anything else.
std::optional<CellRange> ParseReferenceCells(std::string_view text) {
    std::vector<std::string_view> parts;
    for (std::size_t colon = text.find(':'); colon != std::string_view::npos;
         colon = text.find(':')) {
        parts.push_back(text.substr(0, colon));
        text.remove_prefix(colon + 1);
    }
    parts.push_back(text);

    if (parts.size() == 2) {
        auto first_col = ParseColumnPart(parts[0]), last_col = ParseColumnPart(parts[1]);
        if (first_col && last_col) {
            return CellRange{{std::min(*first_col, *last_col), 1},
                             {std::max(*first_col, *last_col), kMaxRows}};
        }
        auto first_row = ParseRowPart(parts[0]), last_row = ParseRowPart(parts[1]);
        if (first_row && last_row) {
            return CellRange{{1, std::min(*first_row, *last_row)},
                             {kMaxColumns, std::max(*first_row, *last_row)}};
        }
    }
    std::optional<CellRange> cells;
    for (std::string_view part : parts) {
        std::optional<CellRef> ref = ParseCellRef(part);
        if (!ref) return std::nullopt;
        cells = cells ? Union(*cells, *ref) : CellRange{*ref, *ref};
    }
    return cells;
}

// The sheet-qualified reference `text` that follows the sheet specification `spec` and its '!'.
void AddQualifiedReference(std::string_view spec, std::string_view text, FormulaScan& scan) {
    if (text.ends_with('#')) text.remove_suffix(1);  // the spill operator, Data!A1#
    std::size_t colon = spec.find(':');
    FormulaReference reference;
    reference.sheet = std::string(spec.substr(0, colon));
    if (colon != std::string_view::npos) reference.last_sheet = std::string(spec.substr(colon + 1));
    reference.cells = ParseReferenceCells(text);
    if (!reference.cells) {
        bool is_name = !text.empty() && !IsAsciiDigit(text.front()) && text.front() != '#' &&
                       std::all_of(text.begin(), text.end(), IsNameChar);
        if (!is_name) return;
        reference.name = std::string(text);
    }
    scan.references.push_back(std::move(reference));
}

void AddSheetTokens(std::string_view spec, std::vector<FormulaToken>& out) {
    std::size_t colon = spec.find(':');
    out.push_back({FormulaToken::Kind::kSheet, std::string(spec.substr(0, colon))});
    if (colon != std::string_view::npos) {
        out.push_back({FormulaToken::Kind::kSheet, std::string(spec.substr(colon + 1))});
    }
}

// Classifies a bare name token that is not followed by '!' or '('. `in_range` says that the
// token is one end of a range already taken as one reference.
void AddNameToken(std::string_view f, std::size_t start, std::size_t end, bool in_range,
                  FormulaScan& scan) {
    std::string_view token = f.substr(start, end - start);
    if (IsAsciiDigit(token.front()) || token.front() == '.') return;  // a number
    if (EqualsIgnoreCase(token, "TRUE") || EqualsIgnoreCase(token, "FALSE")) return;
    if (LooksLikeCellRef(token)) {
        std::optional<CellRef> ref = ParseCellRef(token);
        if (!ref) {
            scan.tokens.push_back({FormulaToken::Kind::kOutOfGrid, std::string(token)});
        } else if (!in_range) {
            scan.references.push_back({"", "", CellRange{*ref, *ref}, "", false});
        }
        return;
    }
    std::string_view bare = token;
    while (bare.starts_with('$')) bare.remove_prefix(1);
    bool letters_only = !bare.empty() && std::all_of(bare.begin(), bare.end(), IsAsciiAlpha);
    bool beside_colon = (end < f.size() && f[end] == ':') || (start > 0 && f[start - 1] == ':');
    if (letters_only && bare.size() <= 3 && beside_colon) return;  // a column range, A:C
    if (token.starts_with('$')) return;
    scan.tokens.push_back({FormulaToken::Kind::kName, std::string(token)});
    scan.references.push_back({"", "", std::nullopt, std::string(token), false});
}

// The end of a range written without a sheet that starts at `start` (A1:B5, $A:$C, 2:4), or
// `start` when none does.
std::size_t RangeEnd(std::string_view f, std::size_t start, FormulaScan& scan) {
    std::size_t end = start;
    while (end < f.size() && (IsNameChar(f[end]) || f[end] == '$' || f[end] == ':')) ++end;
    std::string_view text = f.substr(start, end - start);
    if (text.find(':') == std::string_view::npos) return start;
    std::optional<CellRange> cells = ParseReferenceCells(text);
    if (!cells) return start;
    scan.references.push_back({"", "", *cells, "", false});
    return end;
}

FormulaScan ScanFormula(std::string_view f) {
    FormulaScan scan;
    std::size_t range_end = 0;  // the ends of a range found whole are not references again
    std::size_t i = 0;
    while (i < f.size()) {
        const char ch = f[i];
        if (ch == '"') {
            i = SkipStringLiteral(f, i);
        } else if (ch == '[') {
            // An external workbook: what follows is that workbook's sheet or name.
            std::size_t end = SkipBrackets(f, i);
            while (end < f.size() && (IsNameChar(f[end]) || f[end] == ':')) ++end;
            i = end < f.size() && f[end] == '!' ? SkipReference(f, end) : end;
        } else if (ch == '#') {
            std::string_view rest = f.substr(i);
            auto literal = std::find_if(std::begin(kErrorLiterals), std::end(kErrorLiterals),
                                        [&](std::string_view e) { return rest.starts_with(e); });
            if (literal == std::end(kErrorLiterals)) {
                ++i;  // the spill operator, A1#
                continue;
            }
            if (*literal == "#REF!")
                scan.tokens.push_back({FormulaToken::Kind::kRefError, "#REF!"});
            i += literal->size();
        } else if (ch == '\'') {
            std::optional<QuotedName> quoted = ReadQuotedName(f, i);
            if (!quoted) break;
            bool is_sheet = quoted->end < f.size() && f[quoted->end] == '!';
            // Sheet names cannot hold '[': a quoted '[1]Sheet' or 'C:\[Book.xlsx]Sheet' is
            // another workbook's.
            bool external = quoted->text.find('[') != std::string::npos;
            if (!is_sheet) {
                i = quoted->end;
                continue;
            }
            i = SkipReference(f, quoted->end);
            if (external) continue;
            AddSheetTokens(quoted->text, scan.tokens);
            AddQualifiedReference(quoted->text, f.substr(quoted->end + 1, i - quoted->end - 1),
                                  scan);
        } else if ((IsNameChar(ch) || ch == '$') && (i == 0 || !IsNameChar(f[i - 1]))) {
            std::size_t end = i;
            while (end < f.size() && (IsNameChar(f[end]) || f[end] == ':')) ++end;
            if (end < f.size() && f[end] == '!' && f[i] != '$') {
                std::string_view spec = f.substr(i, end - i);
                AddSheetTokens(spec, scan.tokens);
                i = SkipReference(f, end);
                AddQualifiedReference(spec, f.substr(end + 1, i - end - 1), scan);
                continue;
            }
            if (i >= range_end) range_end = RangeEnd(f, i, scan);
            end = i;
            while (end < f.size() && (IsNameChar(f[end]) || f[end] == '$')) ++end;
            std::string_view token = f.substr(i, end - i);
            if (end < f.size() && f[end] == '[') {
                scan.tokens.push_back({FormulaToken::Kind::kName, std::string(token)});
                scan.references.push_back({"", "", std::nullopt, std::string(token), false});
                i = SkipBrackets(f, end);
                continue;
            }
            if (end < f.size() && f[end] == '(') {
                scan.calls.emplace_back(i, end);
                scan.references.push_back({"", "", std::nullopt, std::string(token), true});
            } else {
                AddNameToken(f, i, end, i < range_end, scan);
            }
            i = end;
        } else {
            ++i;
        }
    }
    return scan;
}

// A function written with a prefix in the file format ([MS-XLSX] 2.2.2, future functions).
struct NewerFunction {
    std::string_view name;
    std::string_view prefix;
};

constexpr std::string_view kXlfn = "_xlfn.";
constexpr std::string_view kXlws = "_xlfn._xlws.";

// Sorted by name, as FindNewerFunction's binary search needs.
constexpr NewerFunction kNewerFunctions[] = {
    {"ACOT", kXlfn},
    {"ACOTH", kXlfn},
    {"AGGREGATE", kXlfn},
    {"ARABIC", kXlfn},
    {"ARRAYTOTEXT", kXlfn},
    {"BASE", kXlfn},
    {"BETA.DIST", kXlfn},
    {"BETA.INV", kXlfn},
    {"BINOM.DIST", kXlfn},
    {"BINOM.DIST.RANGE", kXlfn},
    {"BINOM.INV", kXlfn},
    {"BITAND", kXlfn},
    {"BITLSHIFT", kXlfn},
    {"BITOR", kXlfn},
    {"BITRSHIFT", kXlfn},
    {"BITXOR", kXlfn},
    {"CEILING.MATH", kXlfn},
    {"CEILING.PRECISE", kXlfn},
    {"CHISQ.DIST", kXlfn},
    {"CHISQ.DIST.RT", kXlfn},
    {"CHISQ.INV", kXlfn},
    {"CHISQ.INV.RT", kXlfn},
    {"CHISQ.TEST", kXlfn},
    {"CHOOSECOLS", kXlfn},
    {"CHOOSEROWS", kXlfn},
    {"COMBINA", kXlfn},
    {"CONCAT", kXlfn},
    {"CONFIDENCE.NORM", kXlfn},
    {"CONFIDENCE.T", kXlfn},
    {"COT", kXlfn},
    {"COTH", kXlfn},
    {"COVARIANCE.P", kXlfn},
    {"COVARIANCE.S", kXlfn},
    {"CSC", kXlfn},
    {"CSCH", kXlfn},
    {"DAYS", kXlfn},
    {"DECIMAL", kXlfn},
    {"DROP", kXlfn},
    {"ERF.PRECISE", kXlfn},
    {"ERFC.PRECISE", kXlfn},
    {"EXPAND", kXlfn},
    {"EXPON.DIST", kXlfn},
    {"F.DIST", kXlfn},
    {"F.DIST.RT", kXlfn},
    {"F.INV", kXlfn},
    {"F.INV.RT", kXlfn},
    {"F.TEST", kXlfn},
    {"FILTER", kXlws},
    {"FILTERXML", kXlfn},
    {"FLOOR.MATH", kXlfn},
    {"FLOOR.PRECISE", kXlfn},
    {"FORECAST.ETS", kXlfn},
    {"FORECAST.ETS.CONFINT", kXlfn},
    {"FORECAST.ETS.SEASONALITY", kXlfn},
    {"FORECAST.ETS.STAT", kXlfn},
    {"FORECAST.LINEAR", kXlfn},
    {"FORMULATEXT", kXlfn},
    {"GAMMA", kXlfn},
    {"GAMMA.DIST", kXlfn},
    {"GAMMA.INV", kXlfn},
    {"GAMMALN.PRECISE", kXlfn},
    {"GAUSS", kXlfn},
    {"HSTACK", kXlfn},
    {"HYPGEOM.DIST", kXlfn},
    {"IFNA", kXlfn},
    {"IFS", kXlfn},
    {"IMCOSH", kXlfn},
    {"IMCOT", kXlfn},
    {"IMCSC", kXlfn},
    {"IMCSCH", kXlfn},
    {"IMSEC", kXlfn},
    {"IMSECH", kXlfn},
    {"IMSINH", kXlfn},
    {"IMTAN", kXlfn},
    {"ISFORMULA", kXlfn},
    {"ISOWEEKNUM", kXlfn},
    {"LOGNORM.DIST", kXlfn},
    {"LOGNORM.INV", kXlfn},
    {"MAXIFS", kXlfn},
    {"MINIFS", kXlfn},
    {"MODE.MULT", kXlfn},
    {"MODE.SNGL", kXlfn},
    {"MUNIT", kXlfn},
    {"NEGBINOM.DIST", kXlfn},
    {"NORM.DIST", kXlfn},
    {"NORM.INV", kXlfn},
    {"NORM.S.DIST", kXlfn},
    {"NORM.S.INV", kXlfn},
    {"NUMBERVALUE", kXlfn},
    {"PDURATION", kXlfn},
    {"PERCENTILE.EXC", kXlfn},
    {"PERCENTILE.INC", kXlfn},
    {"PERCENTRANK.EXC", kXlfn},
    {"PERCENTRANK.INC", kXlfn},
    {"PERMUTATIONA", kXlfn},
    {"PHI", kXlfn},
    {"POISSON.DIST", kXlfn},
    {"QUARTILE.EXC", kXlfn},
    {"QUARTILE.INC", kXlfn},
    {"RANDARRAY", kXlfn},
    {"RANK.AVG", kXlfn},
    {"RANK.EQ", kXlfn},
    {"RRI", kXlfn},
    {"SEC", kXlfn},
    {"SECH", kXlfn},
    {"SEQUENCE", kXlfn},
    {"SHEET", kXlfn},
    {"SHEETS", kXlfn},
    {"SKEW.P", kXlfn},
    {"SORT", kXlws},
    {"SORTBY", kXlfn},
    {"STDEV.P", kXlfn},
    {"STDEV.S", kXlfn},
    {"SWITCH", kXlfn},
    {"T.DIST", kXlfn},
    {"T.DIST.2T", kXlfn},
    {"T.DIST.RT", kXlfn},
    {"T.INV", kXlfn},
    {"T.INV.2T", kXlfn},
    {"T.TEST", kXlfn},
    {"TAKE", kXlfn},
    {"TEXTAFTER", kXlfn},
    {"TEXTBEFORE", kXlfn},
    {"TEXTJOIN", kXlfn},
    {"TEXTSPLIT", kXlfn},
    {"TOCOL", kXlfn},
    {"TOROW", kXlfn},
    {"UNICHAR", kXlfn},
    {"UNICODE", kXlfn},
    {"UNIQUE", kXlfn},
    {"VALUETOTEXT", kXlfn},
    {"VAR.P", kXlfn},
    {"VAR.S", kXlfn},
    {"VSTACK", kXlfn},
    {"WEBSERVICE", kXlfn},
    {"WEIBULL.DIST", kXlfn},
    {"WRAPCOLS", kXlfn},
    {"WRAPROWS", kXlfn},
    {"XLOOKUP", kXlfn},
    {"XMATCH", kXlfn},
    {"XOR", kXlfn},
    {"Z.TEST", kXlfn},
};

static_assert(std::ranges::is_sorted(kNewerFunctions, {}, &NewerFunction::name));

char AsciiUpper(char ch) { return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch; }

// -1, 0 or 1 as `name`, compared ignoring ASCII case, sorts before, with or after `upper`.
int CompareUpper(std::string_view name, std::string_view upper) {
    for (std::size_t i = 0; i < name.size() && i < upper.size(); ++i) {
        char ch = AsciiUpper(name[i]);
        if (ch != upper[i]) return ch < upper[i] ? -1 : 1;
    }
    return name.size() < upper.size() ? -1 : name.size() > upper.size() ? 1 : 0;
}

// The entry of kNewerFunctions named `name` in any case, or nullptr.
const NewerFunction* FindNewerFunction(std::string_view name) {
    const NewerFunction* found =
        std::lower_bound(std::begin(kNewerFunctions), std::end(kNewerFunctions), name,
                         [](const NewerFunction& entry, std::string_view key) {
                             return CompareUpper(key, entry.name) > 0;
                         });
    if (found == std::end(kNewerFunctions) || CompareUpper(name, found->name) != 0) return nullptr;
    return found;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// Whether some name right before a '(' of `f` is in kNewerFunctions, string literals and all: a
// quick look that spares most formulas (SUM, IF) the full scan of AddFunctionPrefixes.
bool MayCallNewerFunction(std::string_view f) {
    for (std::size_t open = f.find('('); open != std::string_view::npos;
         open = f.find('(', open + 1)) {
        std::size_t start = open;
        while (start > 0 && IsNameChar(f[start - 1])) --start;
        if (FindNewerFunction(f.substr(start, open - start)) != nullptr) return true;
    }
    return false;
}

// The call names of `f` replaced by what `rewrite` gives for them; nullopt keeps a name.
template <typename Rewrite>
std::string RewriteCalls(std::string_view f, Rewrite rewrite) {
    // Most formulas call nothing, and a call needs '(': no scan for those.
    if (f.find('(') == std::string_view::npos) return std::string(f);
    std::string out;
    out.reserve(f.size() + 8);
    std::size_t copied = 0;
    for (auto [start, end] : ScanFormula(f).calls) {
        std::optional<std::string> replaced = rewrite(f.substr(start, end - start));
        if (!replaced) continue;
        out.append(f.substr(copied, start - copied));
        out += *replaced;
        copied = end;
    }
    out.append(f.substr(copied));
    return out;
}

}  // namespace

std::string AddFunctionPrefixes(std::string_view f) {
    if (!MayCallNewerFunction(f)) return std::string(f);
    return RewriteCalls(f, [](std::string_view name) -> std::optional<std::string> {
        const NewerFunction* function = FindNewerFunction(name);
        if (function == nullptr) return std::nullopt;
        return fmt::format("{}{}", function->prefix, function->name);
    });
}

std::string RemoveFunctionPrefixes(std::string_view f) {
    if (f.find('_') == std::string_view::npos) return std::string(f);  // no prefix to remove
    return RewriteCalls(f, [](std::string_view name) -> std::optional<std::string> {
        // The longer prefix first: "_xlfn._xlws.SORT" also starts with "_xlfn.".
        for (std::string_view prefix : {kXlws, kXlfn}) {
            if (!StartsWithIgnoreCase(name, prefix)) continue;
            std::string_view bare = name.substr(prefix.size());
            const NewerFunction* function = FindNewerFunction(bare);
            if (function != nullptr && function->prefix == prefix) return std::string(bare);
        }
        return std::nullopt;
    });
}

std::vector<FormulaToken> FormulaTokens(std::string_view f) { return ScanFormula(f).tokens; }

std::vector<FormulaReference> FormulaReferences(std::string_view f) {
    return ScanFormula(f).references;
}

std::optional<CellRef> ParseCellRef(std::string_view text) {
    std::size_t i = 0;
    if (i < text.size() && text[i] == '$') ++i;
    int col = 0;
    std::size_t letters = i;
    while (i < text.size() && IsAsciiAlpha(text[i]) && i - letters < 3) {
        col = col * 26 + ((text[i] & ~0x20) - 'A' + 1);  // ASCII upper case
        ++i;
    }
    if (i == letters) return std::nullopt;
    if (i < text.size() && text[i] == '$') ++i;
    std::size_t digits = i;
    int row = 0;
    while (i < text.size() && IsAsciiDigit(text[i]) && i - digits < 7) {
        row = row * 10 + (text[i] - '0');
        ++i;
    }
    if (i == digits || i != text.size()) return std::nullopt;
    if (col > kMaxColumns || row < 1 || row > kMaxRows) return std::nullopt;
    return CellRef{col, row};
}

std::string ColumnName(int col) {
    std::string name;
    while (col > 0) {
        int rem = (col - 1) % 26;
        name.insert(name.begin(), static_cast<char>('A' + rem));
        col = (col - 1) / 26;
    }
    return name;
}

std::string CellName(CellRef ref) { return fmt::format("{}{}", ColumnName(ref.col), ref.row); }

std::optional<CellRange> ParseRange(std::string_view text) {
    std::size_t colon = text.find(':');
    std::optional<CellRef> first = ParseCellRef(text.substr(0, colon));
    if (!first) return std::nullopt;
    if (colon == std::string_view::npos) return CellRange{*first, *first};
    std::optional<CellRef> last = ParseCellRef(text.substr(colon + 1));
    if (!last) return std::nullopt;
    return CellRange{{std::min(first->col, last->col), std::min(first->row, last->row)},
                     {std::max(first->col, last->col), std::max(first->row, last->row)}};
}

std::string RangeName(const CellRange& range) {
    if (range.first == range.last) return CellName(range.first);
    return fmt::format("{}:{}", CellName(range.first), CellName(range.last));
}

CellRange Union(const CellRange& range, CellRef ref) {
    return {{std::min(range.first.col, ref.col), std::min(range.first.row, ref.row)},
            {std::max(range.last.col, ref.col), std::max(range.last.row, ref.row)}};
}

std::string FormulaSheetName(std::string_view name) {
    return SheetNameNeedsQuotes(name) ? QuoteSheetName(name) : std::string(name);
}

std::string AbsoluteRangeName(const CellRange& range) {
    auto absolute = [](CellRef ref) { return fmt::format("${}${}", ColumnName(ref.col), ref.row); };
    if (range.first == range.last) return absolute(range.first);
    return fmt::format("{}:{}", absolute(range.first), absolute(range.last));
}

bool SheetNameNeedsQuotes(std::string_view name) {
    if (name.empty() || IsAsciiDigit(name.front()) || name.front() == '.') return true;
    for (char ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.') return true;
    }
    std::size_t letters = 0;
    while (letters < name.size() && IsAsciiAlpha(name[letters])) ++letters;
    bool cell_like = letters > 0 && letters <= 3 && letters < name.size() &&
                     std::all_of(name.begin() + static_cast<std::ptrdiff_t>(letters), name.end(),
                                 [](char ch) { return IsAsciiDigit(ch); });
    return cell_like || LooksLikeR1C1(name) || EqualsIgnoreCase(name, "TRUE") ||
           EqualsIgnoreCase(name, "FALSE");
}

std::string RenameSheetInFormula(std::string_view f, std::string_view old_name,
                                 std::string_view new_name) {
    std::string out;
    out.reserve(f.size() + new_name.size());
    std::size_t i = 0;
    while (i < f.size()) {
        const char ch = f[i];
        if (ch == '"') {
            std::size_t end = SkipStringLiteral(f, i);
            out.append(f.substr(i, end - i));
            i = end;
        } else if (ch == '[') {
            // An external workbook index: the sheet name that follows is that workbook's.
            std::size_t end = SkipBrackets(f, i);
            while (end < f.size() && IsNameChar(f[end])) ++end;
            out.append(f.substr(i, end - i));
            i = end;
        } else if (ch == '\'') {
            std::optional<QuotedName> quoted = ReadQuotedName(f, i);
            if (!quoted) {
                out.append(f.substr(i));
                break;
            }
            std::string_view original = f.substr(i, quoted->end - i);
            bool is_sheet = quoted->end < f.size() && f[quoted->end] == '!';
            out += is_sheet ? RewriteSheetSpec(quoted->text, original, old_name, new_name)
                            : std::string(original);
            i = quoted->end;
        } else if (IsNameChar(ch) && (out.empty() || !IsNameChar(out.back()))) {
            std::size_t end = i;
            while (end < f.size() && (IsNameChar(f[end]) || f[end] == ':')) ++end;
            if (end < f.size() && f[end] == '!') {
                std::string_view spec = f.substr(i, end - i);
                out += RewriteSheetSpec(spec, spec, old_name, new_name);
                i = end;
                continue;
            }
            end = i;
            while (end < f.size() && IsNameChar(f[end])) ++end;
            out.append(f.substr(i, end - i));
            i = end;
        } else {
            out += ch;
            ++i;
        }
    }
    return out;
}

std::string ShiftFormula(std::string_view f, int rows, int cols) {
    std::string out;
    out.reserve(f.size() + 8);
    std::size_t i = 0;
    while (i < f.size()) {
        const char ch = f[i];
        if (ch == '"') {
            std::size_t end = SkipStringLiteral(f, i);
            out.append(f.substr(i, end - i));
            i = end;
        } else if (ch == '[') {
            std::size_t end = SkipBrackets(f, i);
            out.append(f.substr(i, end - i));
            i = end;
        } else if (ch == '\'') {
            std::optional<QuotedName> quoted = ReadQuotedName(f, i);
            std::size_t end = quoted ? quoted->end : f.size();
            out.append(f.substr(i, end - i));
            i = end;
        } else if ((IsNameChar(ch) || ch == '$') && (out.empty() || !IsNameChar(out.back()))) {
            std::size_t end = i;
            while (end < f.size() && (IsNameChar(f[end]) || f[end] == '$')) ++end;
            std::string_view token = f.substr(i, end - i);
            // A name followed by '(' is a function, by '!' a sheet: neither is a reference.
            bool is_reference = end >= f.size() || (f[end] != '(' && f[end] != '!');
            out += is_reference ? ShiftToken(token, rows, cols) : std::string(token);
            i = end;
        } else {
            out += ch;
            ++i;
        }
    }
    return out;
}

std::string FormulaSyntaxProblem(std::string_view formula) {
    std::string open;  // the brackets still open, innermost last
    for (std::size_t i = 0; i < formula.size(); ++i) {
        char c = formula[i];
        if (c == '\'' && !open.empty() && open.back() == '[') {
            ++i;  // in a structured reference ' escapes the next character: Sales['#Items]
            continue;
        }
        if (c == '"' || c == '\'') {
            // A quote inside a literal is written twice; the literal ends at a single one.
            std::size_t j = i + 1;
            while (j < formula.size() &&
                   (formula[j] != c || (j + 1 < formula.size() && formula[j + 1] == c))) {
                j += formula[j] == c ? 2 : 1;
            }
            if (j >= formula.size()) {
                return c == '"' ? "the formula has an unclosed string literal"
                                : "the formula has an unclosed quoted sheet name";
            }
            i = j;
            continue;
        }
        if (c == '(' || c == '{' || c == '[') {
            open.push_back(c);
            continue;
        }
        if (c == ')' || c == '}' || c == ']') {
            char expected = c == ')' ? '(' : c == '}' ? '{' : '[';
            if (open.empty() || open.back() != expected) {
                return fmt::format("the formula has an unmatched '{}'", c);
            }
            open.pop_back();
        }
    }
    if (!open.empty()) return fmt::format("the formula has an unclosed '{}'", open.back());
    return {};
}

}  // namespace quire::xlsx
