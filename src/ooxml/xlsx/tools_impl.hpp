#pragma once

// Internal to the tool registry: each group of Excel tools is defined beside the operations it
// calls and gathered by WorkbookTools().

#include <vector>

#include "ooxml/xlsx/tools.hpp"

namespace quire::xlsx {

std::vector<Tool> CellTools();    // tools_cells.cpp: sheets, cells, reading, formula checks
std::vector<Tool> FormatTools();  // tools_format.cpp: styles, sizes, merges, panes, filters
std::vector<Tool> ObjectTools();  // tools_objects.cpp: tables, names, validation, links, notes
std::vector<Tool> ChartTools();   // tools_charts.cpp: charts

}  // namespace quire::xlsx
