#include "ooxml/xlsx/tools_impl.hpp"

namespace quire::xlsx {

std::vector<Tool> ObjectTools() { return {}; }

}  // namespace quire::xlsx
