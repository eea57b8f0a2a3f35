// The outline: the agent's small map of a workbook.

#include <boost/json.hpp>

#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {

Result<std::string> Workbook::OutlineJson() const {
    Result<std::vector<SheetInfo>> sheets = Sheets();
    if (!sheets) return std::unexpected(sheets.error());
    boost::json::array list;
    for (const SheetInfo& sheet : *sheets) {
        list.push_back(boost::json::object{{"name", sheet.name},
                                           {"kind", sheet.kind},
                                           {"state", sheet.state},
                                           {"dimension", sheet.dimension}});
    }
    return boost::json::serialize(boost::json::object{{"sheets", std::move(list)}});
}

}  // namespace quire::xlsx
