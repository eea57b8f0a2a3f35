#include "ooxml/xlsx/csv_table.hpp"
#include "shared_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace quire::xlsx {
namespace {

using Kind = CellValue::Kind;

using quire::test_support::SharedDir;

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

CsvTable ParseOk(std::string_view csv, const CsvLimits& limits = {}) {
    auto table = ParseCsv(csv, limits);
    EXPECT_TRUE(table.has_value()) << (table ? "" : table.error().message);
    return table ? *table : CsvTable{};
}

// The first data cell of a parsed CSV.
CellValue FirstCell(std::string_view csv) {
    const CsvTable table = ParseOk(csv);
    if (table.rows.empty() || table.rows[0].empty()) {
        ADD_FAILURE() << "no data cell";
        return {};
    }
    return table.rows[0][0];
}

struct TypedCase {
    std::string csv;
    Kind kind;
    double number = 0;
    std::string text = {};
};

void ExpectCell(const CellValue& cell, const TypedCase& expected) {
    EXPECT_EQ(cell.kind, expected.kind);
    if (expected.kind == Kind::kText) {
        EXPECT_EQ(cell.text, expected.text);
    } else {
        EXPECT_NEAR(cell.number, expected.number, 1e-9 * std::max(1.0, std::abs(expected.number)));
    }
}

void ExpectTyped(const std::vector<TypedCase>& cases) {
    for (const auto& c : cases) {
        SCOPED_TRACE(c.csv);
        ExpectCell(FirstCell(c.csv), c);
    }
}

TEST(CsvTable, NumbersInEveryCommonFormBecomeNumbers) {
    ExpectTyped({
        {"v\n42\n", Kind::kNumber, 42},
        {"v\n-17\n", Kind::kNumber, -17},
        {"v\n+5\n", Kind::kNumber, 5},
        {"v\n3.25\n", Kind::kNumber, 3.25},
        {"v\n-0.5\n", Kind::kNumber, -0.5},
        {"v\n.5\n", Kind::kNumber, 0.5},
        {"v\n0\n", Kind::kNumber, 0},
        {"v\n1e3\n", Kind::kNumber, 1000},
        {"v\n1.5E-3\n", Kind::kNumber, 0.0015},
        {"v\n 12 \n", Kind::kNumber, 12},
        {"v\n\"1,234,567.89\"\n", Kind::kNumber, 1234567.89},
        {"v\n\"-1,000\"\n", Kind::kNumber, -1000},
        {"v\n123456789012345\n", Kind::kNumber, 123456789012345.0},
    });
}

TEST(CsvTable, SemicolonFilesReadDecimalCommasAndDottedThousands) {
    ExpectTyped({
        {"a;b\n3,14;x\n", Kind::kNumber, 3.14},
        {"a;b\n-2,5;x\n", Kind::kNumber, -2.5},
        {"a;b\n1.234,5;x\n", Kind::kNumber, 1234.5},
        {"a;b\n1.234;x\n5,5;y\n", Kind::kNumber, 1234},
        {"a;b\n\"1.234.567,89\";x\n", Kind::kNumber, 1234567.89},
        // A tie between "1.5" and "2,5" goes to the decimal comma; "1.5" is then no number.
        {"a;b\n1.5;x\n2,5;y\n", Kind::kText, 0, "1.5"},
    });
}

TEST(CsvTable, SemicolonFilesWithDecimalPointsKeepThem) {
    const CsvTable table = ParseOk("a;b\n3.14;1,234\n2.5;7\n");
    ASSERT_EQ(table.delimiter, ';');
    ExpectCell(table.rows[0][0], {"", Kind::kNumber, 3.14});
    ExpectCell(table.rows[0][1], {"", Kind::kNumber, 1234});
}

TEST(CsvTable, TabFilesReadDecimalPointsUnlessTheFileUsesCommas) {
    ExpectTyped({
        {"a\tb\n2.75\tx\n", Kind::kNumber, 2.75},
        {"a\tb\n2,75\tx\n", Kind::kNumber, 2.75},
    });
}

TEST(CsvTable, TextThatOnlyLooksNumericStaysText) {
    ExpectTyped({
        {"v\n007\n", Kind::kText, 0, "007"},
        {"v\n00.5\n", Kind::kText, 0, "00.5"},
        {"v\n1234567890123456\n", Kind::kText, 0, "1234567890123456"},
        {"v\n0.1234567890123456\n", Kind::kText, 0, "0.1234567890123456"},
        {"v\n555-1234\n", Kind::kText, 0, "555-1234"},
        {"v\n\"1,23\"\n", Kind::kText, 0, "1,23"},
        {"v\n\"12,34,567\"\n", Kind::kText, 0, "12,34,567"},
        {"v\n12%\n", Kind::kText, 0, "12%"},
        {"v\n$5\n", Kind::kText, 0, "$5"},
        {"v\nNaN\n", Kind::kText, 0, "NaN"},
        {"v\ninf\n", Kind::kText, 0, "inf"},
        {"v\n1e999\n", Kind::kText, 0, "1e999"},
        {"v\n\"1,234e5\"\n", Kind::kText, 0, "1,234e5"},
        {"v\n0x1F\n", Kind::kText, 0, "0x1F"},
        {"v\n1.\n", Kind::kNumber, 1},
        {"v\n-\n", Kind::kText, 0, "-"},
        {"v\n1e\n", Kind::kText, 0, "1e"},
    });
}

TEST(CsvTable, FormulaLookingTextIsStoredAsText) {
    ExpectTyped({
        {"v\n=SUM(A1:A2)\n", Kind::kText, 0, "=SUM(A1:A2)"},
        {"v\n=1+2\n", Kind::kText, 0, "=1+2"},
        {"v\n\"+cmd|' /C calc'!A0\"\n", Kind::kText, 0, "+cmd|' /C calc'!A0"},
        {"v\n-2+3\n", Kind::kText, 0, "-2+3"},
        {"v\n@SUM(1)\n", Kind::kText, 0, "@SUM(1)"},
        {"v\n\"=HYPERLINK(\"\"http://x\"\")\"\n", Kind::kText, 0, "=HYPERLINK(\"http://x\")"},
    });
}

TEST(CsvTable, IsoAndEnglishDatesBecomeExcelSerials) {
    ExpectTyped({
        {"d\n2000-01-31\n", Kind::kDate, 36556},
        {"d\n2000/01/31\n", Kind::kDate, 36556},
        {"d\n2000-01-31T10:00\n", Kind::kDate, 36556 + 10.0 / 24},
        {"d\n2000-01-31 10:00:00\n", Kind::kDate, 36556 + 10.0 / 24},
        {"d\n2000-01-31 10:00:30.5\n", Kind::kDate, 36556 + (36000 + 30.5) / 86400},
        {"d\nJan 1 2000\n", Kind::kDate, 36526},
        {"d\n\"Jan 1, 2000\"\n", Kind::kDate, 36526},
        {"d\n\"January 1, 2000\"\n", Kind::kDate, 36526},
        {"d\n1 Jan 2000\n", Kind::kDate, 36526},
        {"d\n01-Jan-2000\n", Kind::kDate, 36526},
        {"d\nsept 3 2001\n", Kind::kDate, 37137},
        {"d\nFeb 29 2000\n", Kind::kDate, 36585},
        {"d\n2012-01-01\n", Kind::kDate, 40909},
    });
}

TEST(CsvTable, DatesAroundTheFictitious1900LeapDayFollowExcel) {
    ExpectTyped({
        {"d\n1900-01-01\n", Kind::kDate, 1},
        {"d\n1900-02-28\n", Kind::kDate, 59},
        {"d\n1900-03-01\n", Kind::kDate, 61},
        {"d\n1900-02-29\n", Kind::kText, 0, "1900-02-29"},
        {"d\n1899-12-31\n", Kind::kText, 0, "1899-12-31"},
    });
}

TEST(CsvTable, AmbiguousOrImpossibleDatesStayText) {
    ExpectTyped({
        {"d\n01/02/2000\n", Kind::kText, 0, "01/02/2000"},
        {"d\n1/2/00\n", Kind::kText, 0, "1/2/00"},
        {"d\n2000-02-30\n", Kind::kText, 0, "2000-02-30"},
        {"d\nFeb 29 2001\n", Kind::kText, 0, "Feb 29 2001"},
        {"d\nJan 2000\n", Kind::kText, 0, "Jan 2000"},
        {"d\n2000-01-31T25:00\n", Kind::kText, 0, "2000-01-31T25:00"},
        {"d\n2000-01-31T10:00:00Z\n", Kind::kText, 0, "2000-01-31T10:00:00Z"},
        {"d\nJanuary 1st 2000\n", Kind::kText, 0, "January 1st 2000"},
        {"d\nMay the 4th\n", Kind::kText, 0, "May the 4th"},
    });
}

TEST(CsvTable, TrueAndFalseBecomeBooleansInAnyCase) {
    ExpectTyped({
        {"b\nTRUE\n", Kind::kBoolean, 1},
        {"b\nfalse\n", Kind::kBoolean, 0},
        {"b\nTrue\n", Kind::kBoolean, 1},
        {"b\nyes\n", Kind::kText, 0, "yes"},
    });
}

TEST(CsvTable, EmptyFieldsAreEmptyAndRaggedRowsKeepTheirLength) {
    const CsvTable table = ParseOk("a,b,c\n,x,\n1\n\n1,2,3,4\n   ,5\n");
    ASSERT_EQ(table.rows.size(), 4u);
    EXPECT_EQ(table.rows[0].size(), 3u);
    EXPECT_EQ(table.rows[0][0].kind, Kind::kEmpty);
    EXPECT_EQ(table.rows[0][2].kind, Kind::kEmpty);
    EXPECT_EQ(table.rows[1].size(), 1u);
    EXPECT_EQ(table.rows[2].size(), 4u);
    EXPECT_EQ(table.rows[3][0].kind, Kind::kEmpty);
}

TEST(CsvTable, HeaderIsKeptAsWritten) {
    const CsvTable table = ParseOk("\"Name, full\",2020,=x\nBob,1,2\n");
    EXPECT_EQ(table.header, (std::vector<std::string>{"Name, full", "2020", "=x"}));
}

struct DelimiterCase {
    std::string csv;
    char delimiter;
    std::size_t columns;
};

TEST(CsvTable, DetectsTheDelimiterThatSplitsLinesConsistently) {
    const std::vector<DelimiterCase> cases = {
        {"a,b,c\n1,2,3\n", ',', 3},
        {"a;b;c\n1;2;3\n", ';', 3},
        {"a\tb\tc\n1\t2\t3\n", '\t', 3},
        {"name,note\n\"x\",\"a;b;c\"\n\"y\",\"d;e;f\"\n", ',', 2},
        {"name;note\nx;\"a,b,c\"\ny;\"d,e\"\n", ';', 2},
        {"a;b\n3,14;2,5\n1,5;7\n", ';', 2},
        {"a\tb\nx, y\tz\nu, v\tw\n", '\t', 2},
        {"single\n1\n2\n", ',', 1},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.csv);
        const CsvTable table = ParseOk(c.csv);
        EXPECT_EQ(table.delimiter, c.delimiter);
        EXPECT_EQ(table.header.size(), c.columns);
    }
}

TEST(CsvTable, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
    const CsvTable table = ParseOk(
        "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"line1\r\nline2\rline3\"\r\n\"ab\"cd,,\"\"\r\n");
    ASSERT_EQ(table.rows.size(), 2u);
    EXPECT_EQ(table.rows[0][0].text, "x, y");
    EXPECT_EQ(table.rows[0][1].text, "say \"hi\"");
    EXPECT_EQ(table.rows[0][2].text, "line1\nline2\nline3");
    EXPECT_EQ(table.rows[1][0].text, "abcd");
    EXPECT_EQ(table.rows[1][2].kind, Kind::kEmpty);
}

TEST(CsvTable, AcceptsCrLfLfAndCrLineEnds) {
    for (const std::string end : {"\r\n", "\n", "\r"}) {
        SCOPED_TRACE(testing::PrintToString(end));
        const CsvTable table = ParseOk("a,b" + end + "1,2" + end + "3,4");
        ASSERT_EQ(table.rows.size(), 2u);
        EXPECT_EQ(table.rows[1][1].number, 4);
    }
}

TEST(CsvTable, UnterminatedQuoteIsRefusedNamingTheLine) {
    const auto table = ParseCsv("a,b\n1,2\n3,\"open\n4,5\n");
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(table.error().message, "CSV has an unterminated quoted field starting on line 3");
}

TEST(CsvTable, ByteOrderMarkIsDropped) {
    const CsvTable table = ParseOk("\xEF\xBB\xBFname,value\nx,1\n");
    EXPECT_EQ(table.header[0], "name");
}

TEST(CsvTable, ValidUtf8IsKeptAsItIs) {
    const CsvTable table = ParseOk("name\nna\xC3\xAFve \xE2\x82\xAC \xF0\x9F\x98\x80\n");
    EXPECT_EQ(table.rows[0][0].text, "na\xC3\xAFve \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(CsvTable, InvalidUtf8IsReadAsWindows1252) {
    const CsvTable table = ParseOk("name\ncaf\xE9 \x80 \x93quoted\x94\n");
    EXPECT_EQ(table.rows[0][0].text, "café € “quoted”");
}

TEST(CsvTable, Windows1252DecodesAllHighBytes) {
    std::string c1_bytes;
    for (int b = 0x80; b <= 0x9F; ++b) c1_bytes += static_cast<char>(b);
    const CsvTable c1 = ParseOk("v\nx" + c1_bytes + "\n");
    EXPECT_EQ(c1.rows[0][0].text, "x€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ");

    // 0xA0–0xFF are the Latin-1 code points U+00A0–U+00FF.
    std::string latin_bytes;
    std::string latin_utf8;
    for (int b = 0xA0; b <= 0xFF; ++b) {
        latin_bytes += static_cast<char>(b);
        latin_utf8 += static_cast<char>(0xC0 | (b >> 6));
        latin_utf8 += static_cast<char>(0x80 | (b & 0x3F));
    }
    const CsvTable latin = ParseOk("v\nx" + latin_bytes + "\n");
    EXPECT_EQ(latin.rows[0][0].text, "x" + latin_utf8);
}

TEST(CsvTable, OverlongAndSurrogateUtf8FallBackToWindows1252) {
    // C0 AF is an overlong "/"; ED A0 80 encodes a surrogate. Both are ill-formed UTF-8.
    EXPECT_EQ(FirstCell("v\nx\xC0\xAF\n").text, "x\u00C0\u00AF");
    EXPECT_EQ(FirstCell("v\nx\xED\xA0\x80\n").text, "x\u00ED\u00A0\u20AC");
}

struct RefusalCase {
    std::string name;
    std::string csv;
    CsvLimits limits;
    std::string message;
};

TEST(CsvTable, RefusesInputItCannotReadWithAReason) {
    const CsvLimits defaults;
    CsvLimits three_rows;
    three_rows.max_rows = 3;
    CsvLimits small;
    small.max_bytes = 10;
    CsvLimits one_mb;
    one_mb.max_bytes = 1u << 20;
    const std::vector<RefusalCase> cases = {
        {"nul", std::string("a,b\n1,\0\n", 8), defaults,
         "CSV contains binary data (NUL bytes); it is not a text file"},
        {"utf16",
         "\xFF\xFE"
         "a\0,\0b\0",
         defaults, "CSV is UTF-16 text; save it as UTF-8"},
        {"empty", "", defaults, "CSV is empty"},
        {"bom only", "\xEF\xBB\xBF\r\n\r\n", defaults, "CSV is empty"},
        {"columns", std::string(16384, ',') + "\n", defaults, "CSV has more than 16384 columns"},
        {"rows", "h\n1\n2\n3\n", three_rows, "CSV has more than 3 rows"},
        {"bytes", "a,b\n1,2\n3,4\n", small, "CSV is larger than 10 bytes"},
        {"megabytes", std::string((1u << 20) + 1, 'a'), one_mb, "CSV is larger than 1 MB"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto table = ParseCsv(c.csv, c.limits);
        ASSERT_FALSE(table.has_value());
        EXPECT_EQ(table.error().code, ErrorCode::kInvalidRequest);
        EXPECT_EQ(table.error().message, c.message);
    }
}

TEST(CsvTable, FilesAtTheLimitsAreAccepted) {
    CsvLimits three_rows;
    three_rows.max_rows = 3;
    EXPECT_EQ(ParseOk("h\n1\n2\n", three_rows).rows.size(), 2u);
    EXPECT_EQ(ParseOk(std::string(16383, ',') + "\n").header.size(), 16384u);
}

// The row counts and header shapes listed in shared/data/README.md, keyed by file name.
std::map<std::string, std::pair<std::size_t, std::string>> ReadmeTable(
    const std::filesystem::path& readme) {
    std::map<std::string, std::pair<std::size_t, std::string>> rows;
    std::istringstream in(ReadFile(readme));
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with("| ") || line.find(".csv") == std::string::npos) continue;
        std::vector<std::string> cells;
        std::istringstream cell_stream(line.substr(2));
        std::string cell;
        while (std::getline(cell_stream, cell, '|')) {
            const auto first = cell.find_first_not_of(' ');
            const auto last = cell.find_last_not_of(' ');
            if (first != std::string::npos) cells.push_back(cell.substr(first, last - first + 1));
        }
        if (cells.size() == 3) rows[cells[0]] = {std::stoul(cells[1]), cells[2]};
    }
    return rows;
}

// README.md counts newline characters less the header, so a file whose last record has no line
// end holds one record more than listed.
std::size_t ListedRecordCount(std::size_t listed_rows, const std::string& name) {
    const std::string bytes = ReadFile(SharedDir() / "data" / name);
    return bytes.ends_with('\n') ? listed_rows : listed_rows + 1;
}

std::string Join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : ",") + part;
    return out;
}

CsvTable ParseDataFile(const std::string& name) {
    return ParseOk(ReadFile(SharedDir() / "data" / name));
}

TEST(CsvTableData, EveryDataFileParsesToItsListedRowsAndHeader) {
    const auto data_dir = SharedDir() / "data";
    ASSERT_TRUE(std::filesystem::is_directory(data_dir)) << data_dir;
    const auto listed = ReadmeTable(data_dir / "README.md");
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
        if (entry.path().extension() != ".csv") continue;
        const std::string name = entry.path().filename().string();
        SCOPED_TRACE(name);
        ++files;
        ASSERT_TRUE(listed.contains(name)) << "not listed in README.md";
        const CsvTable table = ParseDataFile(name);
        EXPECT_EQ(table.delimiter, ',');
        EXPECT_EQ(table.rows.size(), ListedRecordCount(listed.at(name).first, name));
        EXPECT_TRUE(Join(table.header).starts_with(listed.at(name).second));
        for (const auto& row : table.rows) {
            EXPECT_EQ(row.size(), table.header.size());
            for (const auto& cell : row) EXPECT_NE(cell.kind, Kind::kFormula);
        }
    }
    EXPECT_EQ(files, listed.size());
}

void ExpectColumnKind(const CsvTable& table, std::size_t column, Kind kind) {
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        ASSERT_EQ(table.rows[r][column].kind, kind) << "row " << r << " column " << column;
    }
}

TEST(CsvTableData, SeattleWeatherHasDatesNumbersAndText) {
    const CsvTable table = ParseDataFile("seattle-weather.csv");
    ASSERT_EQ(table.rows.size(), 1461u);
    ExpectColumnKind(table, 0, Kind::kDate);
    for (std::size_t column = 1; column <= 4; ++column) {
        ExpectColumnKind(table, column, Kind::kNumber);
    }
    ExpectColumnKind(table, 5, Kind::kText);
    EXPECT_EQ(table.rows.front()[0].number, 40909);  // 2012-01-01
    EXPECT_EQ(table.rows.back()[0].number, 42369);   // 2015-12-31
    EXPECT_EQ(table.rows.front()[2].number, 12.8);
    EXPECT_EQ(table.rows.back()[3].number, -2.1);
    EXPECT_EQ(table.rows.front()[5].text, "drizzle");
}

TEST(CsvTableData, EnglishMonthDatesInStockFilesBecomeDates) {
    const CsvTable sp500 = ParseDataFile("sp500.csv");
    ExpectColumnKind(sp500, 0, Kind::kDate);
    ExpectColumnKind(sp500, 1, Kind::kNumber);
    EXPECT_EQ(sp500.rows.front()[0].number, 36526);  // Jan 1 2000
    EXPECT_EQ(sp500.rows.front()[1].number, 1394.46);

    const CsvTable stocks = ParseDataFile("stocks.csv");
    ExpectColumnKind(stocks, 0, Kind::kText);
    ExpectColumnKind(stocks, 1, Kind::kDate);
    ExpectColumnKind(stocks, 2, Kind::kNumber);
}

TEST(CsvTableData, CountsAndYearsAreNumbers) {
    const CsvTable disasters = ParseDataFile("disasters.csv");
    ExpectColumnKind(disasters, 0, Kind::kText);
    ExpectColumnKind(disasters, 1, Kind::kNumber);
    ExpectColumnKind(disasters, 2, Kind::kNumber);
    EXPECT_EQ(disasters.rows.front()[2].number, 1267360);
}

}  // namespace
}  // namespace quire::xlsx
