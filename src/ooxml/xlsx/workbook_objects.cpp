// Tables, defined names, data validation, conditional formats, hyperlinks and notes.

#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {

Result<std::vector<TableInfo>> Workbook::Tables() const {
    return std::vector<TableInfo>{};  // TODO(#3): read tableParts
}

}  // namespace quire::xlsx
