#include "agent/json_members.hpp"

#include <boost/json.hpp>

namespace quire::agent {

namespace json = boost::json;

std::string StringMember(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::vector<const json::object*> ObjectItems(const json::object& object, std::string_view key) {
    std::vector<const json::object*> items;
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_array()) return items;
    for (const json::value& item : value->get_array()) {
        if (item.is_object()) items.push_back(&item.get_object());
    }
    return items;
}

json::value ParseObjectOrEmpty(std::string_view text) {
    boost::system::error_code error;
    json::value value = json::parse(text, error);
    if (error || !value.is_object()) return json::object{};
    return value;
}

}  // namespace quire::agent
