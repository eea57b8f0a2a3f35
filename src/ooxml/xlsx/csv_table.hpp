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
[[nodiscard]] Result<CsvTable> ParseCsv(std::string_view bytes, const CsvLimits& limits = {});

}  // namespace quire::xlsx
