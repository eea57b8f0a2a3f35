#pragma once

// CSV input as people really have it (issue #2): UTF-8 with or without BOM, else Windows-1252;
// comma, semicolon or tab detected; quoted fields with embedded delimiters and line breaks;
// thousands separators; decimal commas in semicolon files; ISO and common English dates.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/xlsx/cell.hpp"

namespace quire::xlsx {

struct CsvLimits {
    std::size_t max_bytes = 50u << 20;
    std::size_t max_rows = 1'000'000;
    std::size_t max_columns = 16'384;
};

// A parsed CSV: the first row as header text, then typed rows (ragged rows keep their length).
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<CellValue>> rows;
    char delimiter = ',';
};

// Parses and types a CSV. Over a limit, or not text at all, fails with kInvalidRequest and a
// reason naming the limit. Text cells that begin with '=', '+', '-' or '@' and are not numbers
// stay text (kText), never formulas.
//
// Reading: a UTF-8 byte-order mark is dropped; bytes that are not well-formed UTF-8 are read as
// Windows-1252 (every byte maps to a character). Input with NUL bytes, or UTF-16, is refused as
// not text. The delimiter is the one of comma, semicolon and tab that splits the first 50
// records (read with quotes honoured) into the most records of one field count (at least two
// fields; then the larger count wins; then comma, semicolon, tab in that order). Quoting follows
// RFC 4180; line breaks inside quotes become "\n"; CRLF, LF and CR all end records. Blank lines
// are skipped; ragged rows keep their length. An unterminated quote fails naming the line where
// its record starts. Limits count bytes before decoding, rows including the header, and fields
// per record.
//
// Typing (header cells are always kept as written; data fields are typed with surrounding spaces
// and tabs ignored):
// - empty or blank: kEmpty.
// - TRUE / FALSE in any letter case: kBoolean.
// - numbers: optional sign, digits, optional fraction, optional exponent. Comma files use the
//   decimal point with optional "," thousands groups ("1,234,567.89", quoted). Semicolon and tab
//   files choose per file: values that can only be read one way ("3,14" or "3.14"; a separator
//   followed by exactly three digits is ambiguous and does not count) decide between a decimal
//   comma with "." groups ("1.234,5") and a decimal point with "," groups; a tie means decimal
//   comma for semicolon files and decimal point for tab files. Leading zeros ("007"), more than
//   15 significant digits (account or phone numbers), NaN/infinity, hex, currency symbols and
//   percentages ("12%": a cell value carries no number format to show it as a percent) stay
//   kText.
// - dates become kDate with the Excel 1900-system serial (1900-03-01 is 61; Excel's fictitious
//   1900-02-29 is not produced): year-first ISO forms "2000-01-31" or "2000/01/31", optionally
//   with a time "T10:00", " 10:00:00" or " 10:00:00.5" (a time-zone suffix keeps it text); and
//   English forms with a month name or its three-letter abbreviation, a day and a four-digit
//   year ("Jan 1 2000", "January 1, 2000", "1 Jan 2000", "01-Jan-2000"). Dates before 1900 or
//   after 9999, impossible dates, and forms with a numeric month that could be day-first or
//   month-first ("01/02/2000") stay kText.
// - anything else: kText, exactly as written.
[[nodiscard]] Result<CsvTable> ParseCsv(std::string_view bytes, const CsvLimits& limits = {});

}  // namespace quire::xlsx
