#include "agent/data_import.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "agent/prompt_clauses.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {

std::string SheetNameFromFile(std::string_view file_name,
                              const std::vector<xlsx::SheetInfo>& existing) {
    std::string stem(file_name);
    if (auto slash = stem.find_last_of("/\\"); slash != std::string::npos) stem.erase(0, slash + 1);
    if (auto dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
    std::string name;
    for (char c : stem) {
        if (std::string_view(":\\/?*[]").find(c) != std::string_view::npos) c = '_';
        name.push_back(c);
    }
    while (!name.empty() && name.front() == '\'') name.erase(0, 1);
    if (name.empty()) name = "Data";
    // Excel counts UTF-16 units; trimming bytes at 31 is safe for ASCII names and may cut a
    // multi-byte character, so back up to a character boundary.
    if (name.size() > 31) {
        std::size_t cut = 31;
        while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
        name.resize(cut);
    }
    auto taken = [&](const std::string& candidate) {
        return std::ranges::any_of(existing, [&](const xlsx::SheetInfo& sheet) {
            return EqualsIgnoringCase(sheet.name, candidate);
        });
    };
    std::string candidate = name;
    for (int n = 2; taken(candidate); ++n) {
        std::string suffix = fmt::format(" ({})", n);
        candidate = name.substr(0, 31 - suffix.size()) + suffix;
    }
    return candidate;
}

Result<std::vector<ImportedSource>> ImportDataSources(xlsx::Workbook& workbook,
                                                      const std::vector<DataSource>& sources) {
    std::vector<ImportedSource> imported;
    for (const DataSource& source : sources) {
        Result<xlsx::CsvTable> table = xlsx::ParseCsv(source.bytes);
        if (!table) {
            return InvalidRequest(
                fmt::format("data source {}: {}", source.file_name, table.error().message));
        }
        Result<std::vector<xlsx::SheetInfo>> sheets = workbook.Sheets();
        if (!sheets) return Propagate(sheets);
        std::string name = SheetNameFromFile(source.file_name, *sheets);
        if (Status added = workbook.AddSheet(name); !added) return std::unexpected(added.error());
        if (Status written = workbook.WriteTable(name, *table); !written) {
            return std::unexpected(written.error());
        }
        imported.push_back({source.file_name, name, table->rows.size(), table->header.size()});
    }
    return imported;
}

}  // namespace quire::agent
