#include "ooxml/xlsx/tools_impl.hpp"

namespace quire::xlsx {

std::vector<Tool> ChartTools() { return {}; }

}  // namespace quire::xlsx
