#include "agent/word_memory.hpp"

#include <boost/json.hpp>

#include "agent/json_members.hpp"

namespace quire::agent {

namespace json = boost::json;

WordMemory ReadWordMemory(std::string_view memory_json) {
    WordMemory memory;
    json::value root = ParseObjectOrEmpty(memory_json);
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
    json::value root = ParseObjectOrEmpty(previous);
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
