#include "agent/word_memory.hpp"

#include <boost/json.hpp>

namespace quire::agent {
namespace {

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

json::value ParseObject(std::string_view text) {
    boost::system::error_code error;
    json::value value = json::parse(text, error);
    if (error || !value.is_object()) return json::object{};
    return value;
}

}  // namespace

WordMemory ReadWordMemory(std::string_view memory_json) {
    WordMemory memory;
    json::value root = ParseObject(memory_json);
    const json::value* word = root.get_object().if_contains("word");
    if (word == nullptr || !word->is_object()) return memory;
    const json::object& object = word->get_object();
    for (const json::object* item : ObjectItems(object, "sections")) {
        RememberedSection section{StringMember(*item, "anchor"), StringMember(*item, "title"),
                                  StringMember(*item, "role")};
        if (!section.anchor.empty()) memory.sections.push_back(std::move(section));
    }
    for (const json::object* item : ObjectItems(object, "figures")) {
        RememberedFigure figure{StringMember(*item, "anchor"), StringMember(*item, "kind"),
                                StringMember(*item, "title")};
        if (!figure.anchor.empty()) memory.figures.push_back(std::move(figure));
    }
    return memory;
}

std::string WriteWordMemory(std::string_view previous, const WordMemory& memory) {
    json::value root = ParseObject(previous);
    json::array sections;
    for (const RememberedSection& section : memory.sections) {
        json::object item{{"anchor", section.anchor}, {"title", section.title}};
        if (!section.role.empty()) item["role"] = section.role;
        sections.push_back(std::move(item));
    }
    json::array figures;
    for (const RememberedFigure& figure : memory.figures) {
        figures.push_back(json::object{
            {"anchor", figure.anchor}, {"kind", figure.kind}, {"title", figure.title}});
    }
    root.get_object()["word"] =
        json::object{{"sections", std::move(sections)}, {"figures", std::move(figures)}};
    return json::serialize(root);
}

}  // namespace quire::agent
