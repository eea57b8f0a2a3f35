#include "ooxml/xlsx/tools_impl.hpp"

namespace quire::xlsx {

std::vector<Tool> FormatTools() { return {}; }

}  // namespace quire::xlsx
