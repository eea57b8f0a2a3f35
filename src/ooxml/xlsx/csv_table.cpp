#include "ooxml/xlsx/csv_table.hpp"

#include "common/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

namespace quire::xlsx {
namespace {

// ---------------------------------------------------------------------------------------------
// Decoding

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Windows-1252 bytes 0x80–0x9F. The five bytes the code page leaves undefined (0x81, 0x8D, 0x8F,
// 0x90, 0x9D) map to the C1 control of the same value, as the WHATWG encoding standard does, so
// every byte decodes to something.
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

void AppendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool IsValidUtf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t length = Utf8SequenceLength(s, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

std::string DecodeWindows1252(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80 && c <= 0x9F) {
            AppendUtf8(out, kCp1252High[c - 0x80]);
        } else {
            // Latin-1 and Windows-1252 agree on every other byte.
            AppendUtf8(out, c);
        }
    }
    return out;
}

Result<std::string> DecodeText(std::string_view bytes) {
    if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
        return InvalidRequest("CSV is UTF-16 text; save it as UTF-8");
    }
    if (bytes.find('\0') != std::string_view::npos) {
        return InvalidRequest("CSV contains binary data (NUL bytes); it is not a text file");
    }
    if (bytes.starts_with(kUtf8Bom)) bytes.remove_prefix(kUtf8Bom.size());
    if (IsValidUtf8(bytes)) return std::string(bytes);
    return DecodeWindows1252(bytes);
}

// ---------------------------------------------------------------------------------------------
// Records (RFC 4180, read leniently)

class RecordReader {
public:
    RecordReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

    // Reads the next record into `fields`; false at the end of the input. Fails on a quoted
    // field that never closes and on a record with more than `max_fields` fields.
    Result<bool> Next(std::vector<std::string>& fields, std::size_t max_fields) {
        if (pos_ >= text_.size()) return false;
        fields.clear();
        const std::size_t record_line = line_;
        for (;;) {
            std::string field;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                if (!ReadQuoted(field)) {
                    return InvalidRequest(fmt::format(
                        "CSV has an unterminated quoted field starting on line {}", record_line));
                }
            }
            ReadUnquoted(field);
            fields.push_back(std::move(field));
            if (fields.size() > max_fields) {
                return InvalidRequest(fmt::format("CSV has more than {} columns", max_fields));
            }
            if (pos_ >= text_.size()) return true;
            if (text_[pos_] == delimiter_) {
                ++pos_;
                continue;
            }
            ConsumeLineEnd();
            return true;
        }
    }

private:
    // Reads from an opening quote through its closing quote. A doubled quote is one quote; line
    // breaks inside become "\n" whatever the file uses, as a spreadsheet cell stores them.
    bool ReadQuoted(std::string& field) {
        ++pos_;
        for (;;) {
            const std::size_t stop = text_.find_first_of("\"\r\n", pos_);
            if (stop == std::string_view::npos) return false;
            field.append(text_.substr(pos_, stop - pos_));
            pos_ = stop;
            if (text_[pos_] != '"') {
                ConsumeLineEnd();
                field += '\n';
                continue;
            }
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                field += '"';
                pos_ += 2;
                continue;
            }
            ++pos_;
            return true;
        }
    }

    // Reads up to the next delimiter or line end. Text after a closing quote is kept, as most
    // spreadsheet programs do, rather than failing the whole file.
    void ReadUnquoted(std::string& field) {
        const char stops[] = {delimiter_, '\r', '\n', '\0'};
        std::size_t stop = text_.find_first_of(stops, pos_);
        if (stop == std::string_view::npos) stop = text_.size();
        field.append(text_.substr(pos_, stop - pos_));
        pos_ = stop;
    }

    void ConsumeLineEnd() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    std::string_view text_;
    char delimiter_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

bool IsBlankRecord(const std::vector<std::string>& fields) {
    return fields.size() == 1 && fields[0].empty();
}

// ---------------------------------------------------------------------------------------------
// Delimiter detection

constexpr std::array<char, 3> kDelimiters = {',', ';', '\t'};
constexpr std::size_t kSampleRecords = 50;

// How well `delimiter` splits the first records: how many share the most common field count,
// and that count. A delimiter that never splits a line scores nothing.
std::pair<std::size_t, std::size_t> DelimiterScore(std::string_view text, char delimiter,
                                                   std::size_t max_fields) {
    RecordReader reader(text, delimiter);
    std::vector<std::string> fields;
    std::vector<std::size_t> counts;
    while (counts.size() < kSampleRecords) {
        auto more = reader.Next(fields, max_fields);
        if (!more || !*more) break;
        if (!IsBlankRecord(fields)) counts.push_back(fields.size());
    }

    std::size_t best_count = 0;
    std::size_t best_frequency = 0;
    for (const std::size_t count : counts) {
        const auto frequency =
            static_cast<std::size_t>(std::count(counts.begin(), counts.end(), count));
        if (frequency > best_frequency || (frequency == best_frequency && count > best_count)) {
            best_frequency = frequency;
            best_count = count;
        }
    }
    if (best_count < 2) return {0, 0};
    return {best_frequency, best_count};
}

char DetectDelimiter(std::string_view text, std::size_t max_fields) {
    char best = ',';
    std::pair<std::size_t, std::size_t> best_score{0, 0};
    for (const char delimiter : kDelimiters) {
        const auto score = DelimiterScore(text, delimiter, max_fields);
        if (score > best_score) {
            best_score = score;
            best = delimiter;
        }
    }
    return best;
}

// ---------------------------------------------------------------------------------------------
// Numbers

struct NumberStyle {
    char decimal = '.';
    char group = ',';
};

// Excel keeps 15 significant digits; a longer digit string (an account or phone number) would
// lose digits as a number, so it stays text.
constexpr int kMaxSignificantDigits = 15;

std::string_view Trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::size_t CountDigits(std::string_view s, std::size_t pos) {
    std::size_t n = 0;
    while (pos + n < s.size() && IsDigit(s[pos + n])) ++n;
    return n;
}

// The integer part with its thousands separators removed, or nullopt when the separators are
// not in groups of three ("1,234,567" is fine, "12,34" is not).
std::optional<std::string> UngroupInteger(std::string_view part, char group) {
    if (part.find(group) == std::string_view::npos) return std::string(part);
    std::string digits;
    std::size_t pos = 0;
    const std::size_t lead = CountDigits(part, 0);
    if (lead == 0 || lead > 3) return std::nullopt;
    digits.append(part.substr(0, lead));
    pos = lead;
    while (pos < part.size()) {
        if (part[pos] != group || CountDigits(part, pos + 1) != 3) return std::nullopt;
        digits.append(part.substr(pos + 1, 3));
        pos += 4;
    }
    return digits;
}

int SignificantDigits(std::string_view integer_digits, std::string_view fraction_digits) {
    std::string all = std::string(integer_digits) + std::string(fraction_digits);
    const auto first = all.find_first_not_of('0');
    if (first == std::string::npos) return 1;
    return static_cast<int>(all.size() - first);
}

// An exponent ("e5", "E-3") at `pos`, advancing past it: "" when there is none, nullopt when
// it is malformed.
std::optional<std::string> ReadExponent(std::string_view s, std::size_t& pos) {
    if (pos >= s.size() || (s[pos] != 'e' && s[pos] != 'E')) return std::string();
    std::size_t digits_at = pos + 1;
    if (digits_at < s.size() && (s[digits_at] == '+' || s[digits_at] == '-')) ++digits_at;
    const std::size_t digits = CountDigits(s, digits_at);
    if (digits == 0) return std::nullopt;
    std::string exponent = "e" + std::string(s.substr(pos + 1, digits_at + digits - pos - 1));
    pos = digits_at + digits;
    return exponent;
}

std::optional<double> ToFiniteDouble(const std::string& text) {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
    return value == 0 ? 0.0 : value;  // no negative zero
}

std::optional<double> ParseNumber(std::string_view s, NumberStyle style) {
    std::size_t pos = 0;
    std::string normalized;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        if (s[pos] == '-') normalized += '-';
        ++pos;
    }

    const std::size_t integer_end =
        s.find_first_not_of(std::string("0123456789") + style.group, pos);
    const std::string_view integer_part =
        s.substr(pos, (integer_end == std::string_view::npos ? s.size() : integer_end) - pos);
    auto integer_digits = UngroupInteger(integer_part, style.group);
    if (!integer_digits) return std::nullopt;
    if (integer_digits->size() > 1 && (*integer_digits)[0] == '0') return std::nullopt;
    pos += integer_part.size();

    std::string_view fraction_digits;
    if (pos < s.size() && s[pos] == style.decimal) {
        fraction_digits = s.substr(pos + 1, CountDigits(s, pos + 1));
        pos += 1 + fraction_digits.size();
    }
    if (integer_digits->empty() && fraction_digits.empty()) return std::nullopt;
    if (SignificantDigits(*integer_digits, fraction_digits) > kMaxSignificantDigits) {
        return std::nullopt;
    }
    normalized += integer_digits->empty() ? "0" : *integer_digits;
    if (!fraction_digits.empty()) normalized += "." + std::string(fraction_digits);

    const auto exponent = ReadExponent(s, pos);
    const bool grouped = integer_part.size() != integer_digits->size();
    if (!exponent || (grouped && !exponent->empty()) || pos != s.size()) return std::nullopt;
    return ToFiniteDouble(normalized + *exponent);
}

// Semicolon and tab files come from locales that write "3,14" as well as from ones that write
// "3.14". The file decides: fields that can only be read one way vote ("3,14" for a decimal
// comma; "3.14" for a decimal point, since "1.234" could be either), and ties go to the locale
// the delimiter suggests.
NumberStyle ChooseNumberStyle(const std::vector<std::vector<std::string>>& records,
                              char delimiter) {
    const NumberStyle point{'.', ','};
    const NumberStyle comma{',', '.'};
    if (delimiter == ',') return point;

    std::size_t comma_votes = 0;
    std::size_t point_votes = 0;
    for (std::size_t r = 1; r < records.size(); ++r) {
        for (const auto& field : records[r]) {
            std::string_view s = Trim(field);
            if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
            const std::size_t lead = CountDigits(s, 0);
            if (lead == 0 || lead >= s.size() || (s[lead] != ',' && s[lead] != '.')) continue;
            const std::size_t tail = CountDigits(s, lead + 1);
            if (tail == 0 || tail == 3 || lead + 1 + tail != s.size()) continue;
            (s[lead] == ',' ? comma_votes : point_votes) += 1;
        }
    }
    if (comma_votes != point_votes) return comma_votes > point_votes ? comma : point;
    return delimiter == ';' ? comma : point;
}

// ---------------------------------------------------------------------------------------------
// Dates

// Serial day numbers of the 1900 date system. Excel counts 1900-02-29, which never existed, as
// serial 60 (kept for Lotus 1-2-3 compatibility), so 1900-03-01 is 61 and earlier dates are one
// less than their distance from 1899-12-30.
std::optional<double> ExcelSerial(int year, unsigned month, unsigned day) {
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                              std::chrono::day{day}};
    if (!date.ok() || year < 1900 || year > 9999) return std::nullopt;
    constexpr sys_days kEpoch = std::chrono::year{1899} / December / 30;
    long serial = (sys_days{date} - kEpoch).count();
    if (serial < 61) serial -= 1;
    return static_cast<double>(serial);
}

std::optional<int> ParseDigits(std::string_view s, std::size_t& pos, std::size_t min_digits,
                               std::size_t max_digits) {
    const std::size_t n = CountDigits(s, pos);
    if (n < min_digits || n > max_digits) return std::nullopt;
    int value = 0;
    std::from_chars(s.data() + pos, s.data() + pos + n, value);
    pos += n;
    return value;
}

// "HH:MM", "HH:MM:SS" or "HH:MM:SS.fff" as a fraction of a day, from `pos` to the end.
std::optional<double> ParseTimeOfDay(std::string_view s, std::size_t pos) {
    const auto hour = ParseDigits(s, pos, 1, 2);
    if (!hour || *hour > 23 || pos >= s.size() || s[pos] != ':') return std::nullopt;
    ++pos;
    const auto minute = ParseDigits(s, pos, 2, 2);
    if (!minute || *minute > 59) return std::nullopt;
    double second = 0;
    if (pos < s.size() && s[pos] == ':') {
        ++pos;
        const auto whole = ParseDigits(s, pos, 2, 2);
        if (!whole || *whole > 59) return std::nullopt;
        second = *whole;
        if (pos < s.size() && s[pos] == '.') {
            const std::size_t n = CountDigits(s, pos + 1);
            if (n == 0) return std::nullopt;
            double fraction = 0;
            std::from_chars(s.data() + pos, s.data() + pos + 1 + n, fraction);
            second += fraction;
            pos += 1 + n;
        }
    }
    if (pos != s.size()) return std::nullopt;
    return (*hour * 3600.0 + *minute * 60.0 + second) / 86400.0;
}

// Year-first dates: "2000-01-31", "2000/01/31", with an optional time after 'T' or a space.
std::optional<double> ParseIsoDate(std::string_view s) {
    std::size_t pos = 0;
    const auto year = ParseDigits(s, pos, 4, 4);
    if (!year || pos >= s.size() || (s[pos] != '-' && s[pos] != '/')) return std::nullopt;
    const char separator = s[pos++];
    const auto month = ParseDigits(s, pos, 1, 2);
    if (!month || pos >= s.size() || s[pos] != separator) return std::nullopt;
    ++pos;
    const auto day = ParseDigits(s, pos, 1, 2);
    if (!day) return std::nullopt;
    auto serial = ExcelSerial(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
    if (!serial || pos == s.size()) return serial;

    if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
    const auto time = ParseTimeOfDay(s, pos + 1);
    if (!time) return std::nullopt;
    return *serial + *time;
}

std::optional<unsigned> MonthFromName(std::string_view name) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december",
    };
    std::string lower;
    for (const char c : name)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (lower == kMonths[i] || lower == kMonths[i].substr(0, 3)) return i + 1;
    }
    if (lower == "sept") return 9;
    return std::nullopt;
}

// Splits "Jan 1, 2000" or "1-Jan-2000" into its words. Separators are runs of at most two of
// space, comma, period and hyphen; anything else makes the text not a date.
std::optional<std::vector<std::string_view>> DateWords(std::string_view s) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < s.size()) {
        const std::size_t start = pos;
        const bool alpha = std::isalpha(static_cast<unsigned char>(s[pos])) != 0;
        while (pos < s.size() &&
               (alpha ? std::isalpha(static_cast<unsigned char>(s[pos])) != 0 : IsDigit(s[pos]))) {
            ++pos;
        }
        if (pos == start) return std::nullopt;
        words.push_back(s.substr(start, pos - start));
        const std::size_t separator = s.find_first_not_of(" ,.-", pos);
        const std::size_t next = separator == std::string_view::npos ? s.size() : separator;
        const bool last = next == s.size();
        if (next - pos > 2 || (last && next != pos) || (!last && next == pos)) return std::nullopt;
        pos = next;
    }
    return words;
}

// "Jan 1 2000", "January 1, 2000", "1 Jan 2000", "01-Jan-2000": a month name, a day and a
// four-digit year. Forms with the month as a number ("01/02/2000") are ambiguous and stay text.
std::optional<double> ParseEnglishDate(std::string_view s) {
    const auto words = DateWords(s);
    if (!words || words->size() != 3) return std::nullopt;
    const auto& w = *words;
    std::string_view day_word;
    std::optional<unsigned> month;
    if ((month = MonthFromName(w[0]))) {
        day_word = w[1];
    } else if ((month = MonthFromName(w[1]))) {
        day_word = w[0];
    } else {
        return std::nullopt;
    }
    std::size_t pos = 0;
    const auto day = ParseDigits(day_word, pos, 1, 2);
    if (!day || pos != day_word.size()) return std::nullopt;
    pos = 0;
    const auto year = ParseDigits(w[2], pos, 4, 4);
    if (!year || pos != w[2].size()) return std::nullopt;
    return ExcelSerial(*year, *month, static_cast<unsigned>(*day));
}

std::optional<bool> ParseBoolean(std::string_view s) {
    auto equals = [s](std::string_view word) {
        if (s.size() != word.size()) return false;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (std::toupper(static_cast<unsigned char>(s[i])) != word[i]) return false;
        }
        return true;
    };
    if (equals("TRUE")) return true;
    if (equals("FALSE")) return false;
    return std::nullopt;
}

CellValue TypeField(const std::string& raw, NumberStyle style) {
    const std::string_view s = Trim(raw);
    if (s.empty()) return {};
    if (const auto b = ParseBoolean(s)) return CellValue::Boolean(*b);
    if (const auto n = ParseNumber(s, style)) return CellValue::Number(*n);
    if (const auto d = ParseIsoDate(s)) return CellValue::Date(*d);
    if (const auto d = ParseEnglishDate(s)) return CellValue::Date(*d);
    return CellValue::Text(raw);
}

// ---------------------------------------------------------------------------------------------
// The table

std::string DescribeBytes(std::size_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MB", bytes >> 20);
    return fmt::format("{} bytes", bytes);
}

Result<std::vector<std::vector<std::string>>> ReadRecords(std::string_view text, char delimiter,
                                                          const CsvLimits& limits) {
    std::vector<std::vector<std::string>> records;
    RecordReader reader(text, delimiter);
    std::vector<std::string> fields;
    for (;;) {
        auto more = reader.Next(fields, limits.max_columns);
        if (!more) return Propagate(more);
        if (!*more) break;
        if (IsBlankRecord(fields)) continue;
        if (records.size() == limits.max_rows) {
            return InvalidRequest(fmt::format("CSV has more than {} rows", limits.max_rows));
        }
        records.push_back(std::move(fields));
        fields = {};
    }
    return records;
}

}  // namespace

Result<CsvTable> ParseCsv(std::string_view bytes, const CsvLimits& limits) {
    if (bytes.size() > limits.max_bytes) {
        return InvalidRequest(
            fmt::format("CSV is larger than {}", DescribeBytes(limits.max_bytes)));
    }
    auto text = DecodeText(bytes);
    if (!text) return Propagate(text);

    CsvTable table;
    table.delimiter = DetectDelimiter(*text, limits.max_columns);
    auto records = ReadRecords(*text, table.delimiter, limits);
    if (!records) return Propagate(records);
    if (records->empty()) return InvalidRequest("CSV is empty");

    const NumberStyle style = ChooseNumberStyle(*records, table.delimiter);
    table.header = std::move(records->front());
    table.rows.reserve(records->size() - 1);
    for (std::size_t r = 1; r < records->size(); ++r) {
        auto& record = (*records)[r];
        std::vector<CellValue> row;
        row.reserve(record.size());
        for (const auto& field : record) row.push_back(TypeField(field, style));
        table.rows.push_back(std::move(row));
        record = {};
    }
    return table;
}

}  // namespace quire::xlsx
