// Charts on worksheets: adding, moving, listing.

#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {

Result<std::vector<ChartInfo>> Workbook::Charts() const {
    return std::vector<ChartInfo>{};  // TODO(#3): read drawings
}

}  // namespace quire::xlsx
