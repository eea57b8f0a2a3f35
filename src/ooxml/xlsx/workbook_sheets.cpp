// Sheet operations: delete, move, hide.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

using ooxml::LocalName;
using ooxml::Package;
using ooxml::Relationship;

// The .rels part that belongs to `part` ("xl/worksheets/_rels/sheet1.xml.rels").
std::string RelsPartOf(std::string_view part) {
    std::size_t slash = part.rfind('/');
    std::string_view folder = slash == std::string_view::npos ? "" : part.substr(0, slash + 1);
    std::string_view file = slash == std::string_view::npos ? part : part.substr(slash + 1);
    return fmt::format("{}_rels/{}.rels", folder, file);
}

// Every <sheet> element in order.
std::vector<pugi::xml_node> SheetNodes(pugi::xml_node workbook) {
    std::vector<pugi::xml_node> nodes;
    for (pugi::xml_node node : Child(workbook, "sheets").children()) {
        if (node.type() == pugi::node_element && LocalName(node) == "sheet") nodes.push_back(node);
    }
    return nodes;
}

int IndexOf(const std::vector<pugi::xml_node>& nodes, const pugi::xml_node& node) {
    auto it = std::find(nodes.begin(), nodes.end(), node);
    return static_cast<int>(it - nodes.begin());
}

// Rewrites every sheet index the workbook part holds (definedName localSheetId, the book view's
// activeTab and firstSheet) through `map`, which gives the new index of an old one or -1 when
// that sheet is gone. Names local to a removed sheet are removed with it.
void RemapSheetIndices(pugi::xml_node workbook, const std::vector<int>& map) {
    auto remap = [&](int old_index) {
        return old_index >= 0 && old_index < static_cast<int>(map.size()) ? map[old_index] : -1;
    };
    std::vector<pugi::xml_node> orphans;
    for (pugi::xml_node name : Child(workbook, "definedNames").children()) {
        pugi::xml_attribute local = name.attribute("localSheetId");
        if (!local) continue;
        int index = remap(local.as_int());
        if (index < 0) {
            orphans.push_back(name);
        } else {
            local.set_value(index);
        }
    }
    for (pugi::xml_node orphan : orphans) orphan.parent().remove_child(orphan);

    for (pugi::xml_node view : Child(workbook, "bookViews").children()) {
        for (const char* attribute : {"activeTab", "firstSheet"}) {
            pugi::xml_attribute index = view.attribute(attribute);
            if (!index) continue;
            int mapped = remap(index.as_int());
            index.set_value(std::max(mapped, 0));
        }
    }
}

bool IsVisible(const pugi::xml_node& sheet) {
    std::string_view state = sheet.attribute("state").value();
    return state.empty() || state == "visible";
}

}  // namespace

// Parts reached only through the deleted sheet (its drawing, the drawing's charts, their styles,
// tables, comments) go with it; a part that a surviving part still names stays.
Status Workbook::Impl::RemovePartTree(const std::string& root) {
    // Who names each part, over every relationship of the package.
    std::map<std::string, std::set<std::string>> referrers;
    for (const std::string& part : package.PartNames()) {
        if (!part.ends_with(".rels")) continue;
        std::string source = part.substr(0, part.size() - 5);
        std::size_t rels_folder = source.rfind("_rels/");
        if (rels_folder == std::string::npos) continue;
        source.erase(rels_folder, 6);
        Result<std::vector<Relationship>> rels = package.Relationships(source);
        if (!rels) return std::unexpected(rels.error());
        for (const Relationship& rel : *rels) {
            if (!rel.external) referrers[Package::ResolveTarget(source, rel.target)].insert(source);
        }
    }

    // A part is doomed once every part that names it is; repeat until nothing more falls.
    std::set<std::string> doomed = {root};
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& [part, sources] : referrers) {
            if (doomed.contains(part) || !package.HasPart(part)) continue;
            bool orphaned = std::all_of(sources.begin(), sources.end(),
                                        [&](const std::string& s) { return doomed.contains(s); });
            if (orphaned) grew = doomed.insert(part).second;
        }
    }
    for (const std::string& part : doomed) {
        package.RemovePart(part);
        if (package.HasPart(RelsPartOf(part))) package.RemovePart(RelsPartOf(part));
        parts.erase(part);
    }
    return {};
}

Status Workbook::DeleteSheet(std::string_view sheet) {
    Result<SheetEntry> entry = impl_->FindSheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    pugi::xml_node workbook = impl_->WorkbookRoot();
    std::vector<pugi::xml_node> nodes = SheetNodes(workbook);
    bool other_visible = std::any_of(nodes.begin(), nodes.end(), [&](const pugi::xml_node& n) {
        return n != entry->node && IsVisible(n);
    });
    if (!other_visible) {
        return InvalidRequest(
            fmt::format("sheet '{}' is the only visible sheet; a workbook needs one", entry->name));
    }

    Result<std::vector<Relationship>> rels = impl_->package.Relationships(impl_->workbook_part);
    if (!rels) return std::unexpected(rels.error());
    std::string rel_id = ooxml::FindAttribute(entry->node, impl_->rel_ns, "id").value();
    std::erase_if(*rels, [&](const Relationship& rel) { return rel.id == rel_id; });
    if (!entry->part.empty()) {
        if (Status removed = impl_->RemovePartTree(entry->part); !removed) return removed;
    }
    impl_->package.SetRelationships(impl_->workbook_part, *rels);

    int removed = IndexOf(nodes, entry->node);
    std::vector<int> map;
    for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
        map.push_back(i < removed ? i : i == removed ? -1 : i - 1);
    }
    entry->node.parent().remove_child(entry->node);
    RemapSheetIndices(workbook, map);
    impl_->MarkDirty(impl_->workbook_part);
    if (Status dropped = impl_->DropCalcChain(); !dropped) return dropped;
    impl_->RequestFullCalc();
    return {};
}

Status Workbook::MoveSheet(std::string_view sheet, int position) {
    Result<SheetEntry> entry = impl_->FindSheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    pugi::xml_node workbook = impl_->WorkbookRoot();
    std::vector<pugi::xml_node> nodes = SheetNodes(workbook);
    int count = static_cast<int>(nodes.size());
    if (position < 0 || position >= count) {
        return InvalidRequest(
            fmt::format("position must be from 0 to {} (the workbook has {} sheet{})", count - 1,
                        count, count == 1 ? "" : "s"));
    }
    int from = IndexOf(nodes, entry->node);
    if (from == position) return {};

    std::vector<pugi::xml_node> order = nodes;
    order.erase(order.begin() + from);
    order.insert(order.begin() + position, entry->node);
    pugi::xml_node parent = entry->node.parent();
    if (position == 0) {
        parent.insert_move_before(entry->node, nodes.front());
    } else {
        parent.insert_move_after(entry->node, order[position - 1]);
    }
    std::vector<int> map(nodes.size());
    for (int i = 0; i < count; ++i) map[IndexOf(nodes, order[i])] = i;
    RemapSheetIndices(workbook, map);
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

Status Workbook::SetSheetState(std::string_view sheet, std::string_view state) {
    if (state != "visible" && state != "hidden" && state != "veryHidden") {
        return InvalidRequest(
            fmt::format("state must be visible, hidden or veryHidden, not '{}'", state));
    }
    Result<SheetEntry> entry = impl_->FindSheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    pugi::xml_node workbook = impl_->WorkbookRoot();
    std::vector<pugi::xml_node> nodes = SheetNodes(workbook);
    if (state != "visible") {
        bool other_visible = std::any_of(nodes.begin(), nodes.end(), [&](const auto& n) {
            return n != entry->node && IsVisible(n);
        });
        if (!other_visible) {
            return InvalidRequest(fmt::format(
                "sheet '{}' is the only visible sheet; a workbook needs one", entry->name));
        }
    }
    if (state == "visible") {
        entry->node.remove_attribute("state");
    } else {
        SetAttr(entry->node, "state", state);
    }

    // Excel refuses to open a workbook whose active tab is hidden.
    int index = IndexOf(nodes, entry->node);
    for (pugi::xml_node view : Child(workbook, "bookViews").children()) {
        if (state == "visible" || IntAttr(view, "activeTab", 0) != index) continue;
        auto first = std::find_if(nodes.begin(), nodes.end(), IsVisible);
        SetAttr(view, "activeTab", std::to_string(first - nodes.begin()));
    }
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

}  // namespace quire::xlsx
