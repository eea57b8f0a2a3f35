// Sheet operations: delete, move, hide.

#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {}  // namespace quire::xlsx
