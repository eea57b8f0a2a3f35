#include "ooxml/xlsx/tools_impl.hpp"

namespace quire::xlsx {

std::vector<Tool> CellTools() { return {}; }

}  // namespace quire::xlsx
