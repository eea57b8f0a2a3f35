#pragma once

// Data sources become sheets before an agent plans anything: each CSV a sheet named after its
// file, typed, with a bold frozen header and fitted widths. Both agents start from this.

#include <string>
#include <string_view>
#include <vector>

#include "agent/agent.hpp"
#include "common/error.hpp"

namespace quire::xlsx {
class Workbook;
struct SheetInfo;
}  // namespace quire::xlsx

namespace quire::agent {

struct ImportedSource {
    std::string file_name;
    std::string sheet;
    std::size_t rows = 0;  // without the header
    std::size_t columns = 0;
};

// A sheet name for a file: its stem, without characters sheet names cannot hold, at most 31
// characters, and not one of `existing` ("sales (2)" when "sales" is taken).
std::string SheetNameFromFile(std::string_view file_name,
                              const std::vector<xlsx::SheetInfo>& existing);

// Imports each source as a new sheet. kInvalidRequest naming the file for one that is not CSV
// the reader accepts; nothing is imported after it.
Result<std::vector<ImportedSource>> ImportDataSources(xlsx::Workbook& workbook,
                                                      const std::vector<DataSource>& sources);

}  // namespace quire::agent
