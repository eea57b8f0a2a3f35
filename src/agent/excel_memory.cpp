#include "agent/excel_memory.hpp"

#include <boost/json.hpp>

#include "agent/json_members.hpp"

namespace quire::agent {

namespace json = boost::json;

ExcelMemory ReadExcelMemory(std::string_view memory_json) {
    ExcelMemory memory;
    json::value root = ParseObjectOrEmpty(memory_json);
    const json::value* excel = root.get_object().if_contains("excel");
    if (excel == nullptr || !excel->is_object()) return memory;
    const json::object& object = excel->get_object();

    memory.current_sheet = StringMember(object, "current_sheet");
    for (const json::object* item : ObjectItems(object, "sheets")) {
        RememberedSheet sheet{StringMember(*item, "name"), StringMember(*item, "role")};
        if (!sheet.name.empty()) memory.sheets.push_back(std::move(sheet));
    }
    for (const json::object* item : ObjectItems(object, "charts")) {
        RememberedChart chart{StringMember(*item, "name"), StringMember(*item, "title"),
                              StringMember(*item, "sheet")};
        if (!chart.name.empty()) memory.charts.push_back(std::move(chart));
    }
    return memory;
}

std::string WriteExcelMemory(std::string_view previous, const ExcelMemory& memory) {
    json::value root = ParseObjectOrEmpty(previous);
    json::array sheets;
    for (const RememberedSheet& sheet : memory.sheets) {
        json::object item{{"name", sheet.name}};
        if (!sheet.role.empty()) item["role"] = sheet.role;
        sheets.push_back(std::move(item));
    }
    json::array charts;
    for (const RememberedChart& chart : memory.charts) {
        charts.push_back(
            json::object{{"name", chart.name}, {"title", chart.title}, {"sheet", chart.sheet}});
    }
    root.get_object()["excel"] = json::object{{"current_sheet", memory.current_sheet},
                                              {"sheets", std::move(sheets)},
                                              {"charts", std::move(charts)}};
    return json::serialize(root);
}

}  // namespace quire::agent
