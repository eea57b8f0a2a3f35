// Editing the body: replacing text across runs, moving and deleting blocks with what belongs to
// them, bookmarks, and accepting or rejecting tracked changes.

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <span>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

// The w:t elements of a paragraph that show text, in reading order.
std::vector<pugi::xml_node> VisibleTexts(const WordNames& w, const pugi::xml_node& paragraph) {
    std::vector<pugi::xml_node> texts;
    ForEachElement(paragraph, [&](const pugi::xml_node& node) {
        if (w.Is(node, "del") || w.Is(node, "moveFrom") || w.Is(node, "pPr") || w.Is(node, "rPr") ||
            w.Is(node, "txbxContent") || Local(node) == "Fallback") {
            return false;
        }
        if (w.Is(node, "t")) texts.push_back(node);
        return true;
    });
    return texts;
}

struct TextEdit {
    std::size_t from, to;  // byte range within the node's text
    std::string insert;
};

std::size_t ReplaceInParagraph(const WordNames& w, const pugi::xml_node& paragraph,
                               std::string_view find, std::string_view replace) {
    const std::vector<pugi::xml_node> texts = VisibleTexts(w, paragraph);
    std::string joined;
    std::vector<std::size_t> starts;
    for (const pugi::xml_node& t : texts) {
        starts.push_back(joined.size());
        joined += t.text().get();
    }
    std::vector<std::vector<TextEdit>> edits(texts.size());
    std::size_t count = 0;
    for (std::size_t at = joined.find(find); at != std::string::npos;
         at = joined.find(find, at + find.size())) {
        ++count;
        const std::size_t end = at + find.size();
        bool first = true;
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const std::size_t node_start = starts[i];
            const std::size_t node_end = i + 1 < texts.size() ? starts[i + 1] : joined.size();
            if (node_end <= at || node_start >= end) continue;
            const std::size_t from = std::max(at, node_start) - node_start;
            const std::size_t to = std::min(end, node_end) - node_start;
            edits[i].push_back({from, to, first ? std::string(replace) : std::string()});
            first = false;
        }
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (edits[i].empty()) continue;
        std::string text = texts[i].text().get();
        for (auto edit = edits[i].rbegin(); edit != edits[i].rend(); ++edit) {
            text.replace(edit->from, edit->to - edit->from, edit->insert);
        }
        pugi::xml_node t = texts[i];
        t.text().set(text.c_str());
        if (!t.attribute("xml:space")) t.append_attribute("xml:space").set_value("preserve");
    }
    return count;
}

// The relationship ids a subtree refers to (r:id, r:embed, r:link and the like).
void CollectRelIds(const pugi::xml_node& root, std::set<std::string>& ids) {
    auto scan = [&](const pugi::xml_node& node) {
        for (pugi::xml_attribute attr : node.attributes()) {
            const std::string_view name = attr.name();
            if (name.ends_with(":id") || name.ends_with(":embed") || name.ends_with(":link") ||
                name.ends_with(":pict")) {
                ids.insert(attr.value());
            }
        }
    };
    scan(root);
    ForEachElement(root, [&](const pugi::xml_node& node) {
        scan(node);
        return true;
    });
}

}  // namespace

namespace {

// Every paragraph at or below `root`, text boxes' own paragraphs included.
std::size_t ReplaceBelow(const WordNames& w, const pugi::xml_node& root, std::string_view find,
                         std::string_view replace) {
    std::size_t count = w.Is(root, "p") ? ReplaceInParagraph(w, root, find, replace) : 0;
    ForEachElement(root, [&](const pugi::xml_node& node) {
        if (w.Is(node, "p")) count += ReplaceInParagraph(w, node, find, replace);
        return true;
    });
    return count;
}

}  // namespace

Result<std::size_t> WordDocument::ReplaceText(std::string_view find, std::string_view replace,
                                              std::string_view scope) {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    if (find.empty()) return InvalidRequest("'find' is empty");
    const std::string safe = ooxml::XmlSafeText(replace);
    std::vector<pugi::xml_node> roots;
    if (scope.empty() || scope == "all" || scope == "document") {
        roots.push_back(impl.body);
    } else {
        Result<pugi::xml_node> block = impl.Resolve(scope);
        if (!block) return Propagate(block);
        roots = impl.Unit(*block, true);
    }
    std::size_t count = 0;
    for (const pugi::xml_node& root : roots) count += ReplaceBelow(impl.w, root, find, safe);
    if (count > 0) impl.main_dirty = true;
    if (scope != "document") return count;

    for (const ooxml::Relationship& rel : impl.Rels()) {
        if (rel.external ||
            !(impl.RelTypeIs(rel, "header") || impl.RelTypeIs(rel, "footer") ||
              impl.RelTypeIs(rel, "footnotes") || impl.RelTypeIs(rel, "endnotes"))) {
            continue;
        }
        const std::string part = ooxml::Package::ResolveTarget(impl.main_part, rel.target);
        pugi::xml_document* doc = impl.Part(part);
        if (doc == nullptr) continue;
        const std::size_t in_part =
            ReplaceBelow(WordNames(*doc, impl.w.ns()), doc->document_element(), find, safe);
        if (in_part > 0) impl.dirty_parts.insert(part);
        count += in_part;
    }
    return count;
}

Status WordDocument::MoveBlock(std::string_view block, std::string_view to_anchor,
                               Position position) {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    Result<pugi::xml_node> node = impl.Resolve(block);
    if (!node) return std::unexpected(node.error());
    std::vector<pugi::xml_node> unit = impl.Unit(*node, true);
    Result<InsertionPoint> at = impl.Where(to_anchor, position);
    if (!at) return std::unexpected(at.error());
    const pugi::xml_node first = LeadingMarks(impl.w, unit.front());
    if (at->before == unit.front() || at->before == first) return {};
    // Loose marks before the unit's first block (a bookmark start), between its blocks and just
    // after it (bookmark ends, comment ranges) travel with it.
    std::vector<pugi::xml_node> nodes;
    for (pugi::xml_node n = first; n; n = n.next_sibling()) {
        if (n == at->before) return InvalidRequest("a block cannot move into itself");
        nodes.push_back(n);
        if (n == unit.back()) break;
    }
    for (pugi::xml_node n = unit.back().next_sibling();
         n && n != at->before && !IsBlockElement(impl.w, n) && !impl.w.Is(n, "sectPr");
         n = n.next_sibling()) {
        nodes.push_back(n);
    }
    // The blocks that were on either side of the unit become neighbours.
    const pugi::xml_node left_behind[] = {PreviousBlock(impl.w, first),
                                          NextBlock(impl.w, unit.back())};
    for (const pugi::xml_node& n : nodes) {
        if (at->before) {
            at->parent.insert_move_before(n, at->before);
        } else {
            at->parent.append_move(n);
        }
    }
    impl.main_dirty = true;
    auto separated =
        impl.SeparateTables({unit.front(), unit.back(), left_behind[0], left_behind[1]});
    if (!separated) return std::unexpected(separated.error());
    return impl.CloseBodyAfterTable();
}

Status WordDocument::DeleteBlock(std::string_view block, bool tracked) {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    Result<pugi::xml_node> node = impl.Resolve(block);
    if (!node) return std::unexpected(node.error());
    std::vector<pugi::xml_node> unit = impl.Unit(*node, true);
    if (tracked) return TrackRevision(impl, unit, false);
    std::set<std::string> rel_ids;
    std::set<std::string> bookmark_ids;
    for (const pugi::xml_node& member : unit) {
        CollectRelIds(member, rel_ids);
        ForEachElement(member, [&](const pugi::xml_node& n) {
            if (impl.w.Is(n, "bookmarkStart")) bookmark_ids.emplace(impl.w.Attr(n, "id"));
            return true;
        });
    }
    const pugi::xml_node neighbours[] = {PreviousBlock(impl.w, unit.front()),
                                         NextBlock(impl.w, unit.back())};
    for (const pugi::xml_node& member : unit) impl.body.remove_child(member);
    // The names of the bookmarks that went with it may be given again.
    impl.bookmark_names.reset();

    // Bookmark ends left behind, and relationships (with their image and chart parts) that
    // nothing refers to any more.
    std::vector<pugi::xml_node> orphans;
    std::set<std::string> still_used;
    CollectRelIds(impl.body, still_used);
    ForEachElement(impl.body, [&](const pugi::xml_node& n) {
        if (impl.w.Is(n, "bookmarkEnd") &&
            bookmark_ids.contains(std::string(impl.w.Attr(n, "id")))) {
            orphans.push_back(n);
        }
        return true;
    });
    for (pugi::xml_node& orphan : orphans) orphan.parent().remove_child(orphan);
    for (const std::string& id : rel_ids) {
        if (still_used.contains(id)) continue;
        const auto& rels = impl.Rels();
        auto rel = std::find_if(rels.begin(), rels.end(),
                                [&](const ooxml::Relationship& r) { return r.id == id; });
        if (rel == rels.end()) continue;
        const bool owned =
            !rel->external && (impl.RelTypeIs(*rel, "image") || impl.RelTypeIs(*rel, "chart"));
        if (owned) {
            const std::string part = ooxml::Package::ResolveTarget(impl.main_part, rel->target);
            if (auto chart_rels = impl.package.Relationships(part)) {
                for (const ooxml::Relationship& inner : *chart_rels) {
                    if (!inner.external && inner.target.find("embeddings/") != std::string::npos) {
                        impl.package.RemovePart(ooxml::Package::ResolveTarget(part, inner.target));
                    }
                }
            }
            const std::size_t slash = part.rfind('/');
            const std::string rels_part =
                part.substr(0, slash + 1) + "_rels/" + part.substr(slash + 1) + ".rels";
            if (impl.package.HasPart(rels_part)) impl.package.RemovePart(rels_part);
            impl.package.RemovePart(part);
        }
        if (owned || rel->external) impl.RemoveRel(id);
    }
    auto separated = impl.SeparateTables({neighbours[0], neighbours[1]});
    if (!separated) return std::unexpected(separated.error());
    if (Status closed = impl.CloseBodyAfterTable(); !closed) return closed;
    // Word needs a paragraph in the body to put the cursor in.
    if (!ooxml::FindChild(impl.body, impl.w.ns(), "p")) {
        if (auto added = impl.InsertXml({impl.body, impl.FinalSectPr()}, "<w:p/>"); !added) {
            return std::unexpected(added.error());
        }
    }
    impl.main_dirty = true;
    return {};
}

Status WordDocument::AddBookmark(std::string_view block, std::string_view name) {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    const bool valid =
        !name.empty() && name.size() <= 40 && std::isalpha(static_cast<unsigned char>(name[0])) &&
        std::all_of(name.begin(), name.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!valid)
        return InvalidRequest(
            "a bookmark name is 1-40 letters, digits or _, starting with a letter");
    if (impl.BookmarkExists(name))
        return InvalidRequest(fmt::format("the bookmark '{}' exists", name));
    Result<pugi::xml_node> node = impl.Resolve(block);
    if (!node) return std::unexpected(node.error());
    pugi::xml_node paragraph = *node;
    if (!impl.w.Is(paragraph, "p")) {
        paragraph = pugi::xml_node();
        ForEachElement(*node, [&](const pugi::xml_node& n) {
            if (!paragraph && impl.w.Is(n, "p")) paragraph = n;
            return !paragraph;
        });
        if (!paragraph) return InvalidRequest("the block has no paragraph to hold a bookmark");
    }
    const int id = impl.NextBookmarkId();
    pugi::xml_node first = FirstElement(paragraph);
    if (impl.w.Is(first, "pPr")) first = NextElement(first);
    auto start = impl.InsertXml(
        {paragraph, first},
        fmt::format(R"(<w:bookmarkStart w:id="{}" w:name="{}"/>)", id, ooxml::EscapeXml(name)));
    if (!start) return std::unexpected(start.error());
    auto end = impl.InsertXml({paragraph, {}}, fmt::format(R"(<w:bookmarkEnd w:id="{}"/>)", id));
    if (!end) return std::unexpected(end.error());
    impl.UniqueBookmarkName(name);  // records the name as taken
    impl.main_dirty = true;
    return {};
}

// ---------------------------------------------------------------------------------------------
// Tracked changes (ECMA-376 Part 1, 17.13.5)

namespace {

void Unwrap(pugi::xml_node node) {
    pugi::xml_node parent = node.parent();
    while (pugi::xml_node child = node.first_child()) parent.insert_move_before(child, node);
    parent.remove_child(node);
}

void Rename(pugi::xml_node node, std::string_view local) {
    std::string name = node.name();
    const std::size_t colon = name.find(':');
    node.set_name(
        ((colon == std::string::npos ? "" : name.substr(0, colon + 1)) + std::string(local))
            .c_str());
}

// The name `local` in the namespace prefix that `like` is written with.
std::string SameNamespace(const pugi::xml_node& like, std::string_view local) {
    const std::string name = like.name();
    const std::size_t colon = name.find(':');
    return (colon == std::string::npos ? "" : name.substr(0, colon + 1)) + std::string(local);
}

bool IsAny(const WordNames& w, const pugi::xml_node& node,
           std::span<const std::string_view> locals) {
    return std::any_of(locals.begin(), locals.end(),
                       [&](std::string_view local) { return w.Is(node, local); });
}

bool IsAny(const WordNames& w, const pugi::xml_node& node,
           std::initializer_list<std::string_view> locals) {
    return IsAny(w, node, std::span(locals.begin(), locals.size()));
}

constexpr std::string_view kMarkRevisions[] = {"ins", "del", "moveFrom", "moveTo"};

// A paragraph or table left with nothing but its properties goes, except the last paragraph of a
// table cell, which a cell cannot be without (ECMA-376 Part 1, 17.4.66).
void RemoveIfEmpty(const WordNames& w, pugi::xml_node node) {
    for (pugi::xml_node child : node.children()) {
        const bool own = IsAny(w, child, {"pPr", "tblPr", "tblGrid", "proofErr"});
        if (child.type() == pugi::node_element && !own) return;
    }
    pugi::xml_node parent = node.parent();
    parent.remove_child(node);
    if (w.Is(parent, "tc") && !IsBlockElement(w, parent.last_child())) {
        parent.append_child(SameNamespace(parent, "p").c_str());
    }
}

// A paragraph whose mark is removed joins the paragraph after it: its content goes to the front
// of that paragraph, whose mark (and so whose properties) survives. A paragraph with no paragraph
// after it stays, and goes if it is left empty.
void MergeIntoNext(const WordNames& w, pugi::xml_node paragraph) {
    pugi::xml_node next = paragraph.next_sibling();
    while (next && next.type() != pugi::node_element) next = next.next_sibling();
    if (!w.Is(next, "p")) {
        RemoveIfEmpty(w, paragraph);
        return;
    }
    // Indented parts hold white space before the pPr: the content goes after the pPr itself.
    pugi::xml_node at = FirstElement(next);
    if (w.Is(at, "pPr")) at = at.next_sibling();
    for (pugi::xml_node child = paragraph.first_child(); child;) {
        pugi::xml_node following = child.next_sibling();
        if (!w.Is(child, "pPr")) {
            at ? next.insert_move_before(child, at) : next.append_move(child);
        }
        child = following;
    }
    paragraph.parent().remove_child(paragraph);
}

// Every element below `root` (descending into matches too) that `match` accepts, in document
// order.
template <typename Match>
std::vector<pugi::xml_node> Collect(const pugi::xml_node& root, Match match) {
    std::vector<pugi::xml_node> found;
    ForEachElement(root, [&](const pugi::xml_node& node) {
        if (match(node)) found.push_back(node);
        return true;
    });
    return found;
}

// How a resolution treats one kind of property change record: the children of the properties
// that the record does not hold (revision marks of their own, nested properties) and which of
// those the schema puts before the properties.
struct PropertyChange {
    std::string_view record;
    std::span<const std::string_view> leading;
    std::span<const std::string_view> trailing;
};

constexpr std::string_view kParagraphOwn[] = {"rPr", "sectPr"};
constexpr std::string_view kReferences[] = {"headerReference", "footerReference"};
constexpr std::string_view kRowMarks[] = {"ins", "del"};
constexpr std::string_view kCellMarks[] = {"cellIns", "cellDel", "cellMerge"};

constexpr PropertyChange kPropertyChanges[] = {
    {"rPrChange", kMarkRevisions, {}}, {"pPrChange", {}, kParagraphOwn},
    {"sectPrChange", kReferences, {}}, {"tblPrChange", {}, {}},
    {"tblPrExChange", {}, {}},         {"trPrChange", {}, kRowMarks},
    {"tcPrChange", {}, kCellMarks},    {"tblGridChange", {}, {}},
    {"numberingChange", {}, {}},
};

// Rejecting a property change puts the recorded properties back in place of the current ones
// (ECMA-376 Part 1, 17.13.5); accepting drops the record. Either way the record goes.
void ResolvePropertyChange(const WordNames& w, const PropertyChange& kind, pugi::xml_node record,
                           bool accept) {
    pugi::xml_node properties = record.parent();
    if (!accept) {
        auto kept = [&](const pugi::xml_node& child) {
            return IsAny(w, child, kind.leading) || IsAny(w, child, kind.trailing);
        };
        for (pugi::xml_node child = properties.first_child(); child;) {
            pugi::xml_node following = child.next_sibling();
            if (child != record && child.type() == pugi::node_element && !kept(child)) {
                properties.remove_child(child);
            }
            child = following;
        }
        pugi::xml_node before = record;
        for (pugi::xml_node child : properties.children()) {
            if (IsAny(w, child, kind.trailing)) {
                before = child;
                break;
            }
        }
        pugi::xml_node old = record.first_child();
        while (old && old.type() != pugi::node_element) old = old.next_sibling();
        for (pugi::xml_node child = old.first_child(); child;) {
            pugi::xml_node following = child.next_sibling();
            if (child.type() == pugi::node_element && !kept(child)) {
                properties.insert_move_before(child, before);
            }
            child = following;
        }
    }
    properties.remove_child(record);
}

void ResolvePropertyChanges(const WordNames& w, const pugi::xml_node& root, bool accept) {
    for (const PropertyChange& kind : kPropertyChanges) {
        const std::vector<pugi::xml_node> records =
            Collect(root, [&](const pugi::xml_node& n) { return w.Is(n, kind.record); });
        for (const pugi::xml_node& record : records) {
            ResolvePropertyChange(w, kind, record, accept);
        }
    }
}

// Whether a resolution removes what a revision mark marks: an insertion or move's destination
// when rejecting, a deletion or move's source when accepting.
bool Removes(const WordNames& w, const pugi::xml_node& mark, bool accept) {
    const bool insertion = w.Is(mark, "ins") || w.Is(mark, "moveTo") || w.Is(mark, "cellIns");
    return insertion != accept;
}

// An ins, del, moveFrom or moveTo around content, not one marking a paragraph mark or a row.
bool IsContentRevision(const WordNames& w, const pugi::xml_node& node) {
    return IsAny(w, node, kMarkRevisions) && !IsAny(w, node.parent(), {"rPr", "trPr", "numPr"});
}

// The revision marks on a paragraph's mark, a row or a cell.
std::vector<pugi::xml_node> OwnMarks(const WordNames& w, const pugi::xml_node& node) {
    pugi::xml_node properties;
    if (w.Is(node, "p")) {
        properties = ooxml::FindChild(ooxml::FindChild(node, w.ns(), "pPr"), w.ns(), "rPr");
    } else {
        properties = ooxml::FindChild(node, w.ns(), w.Is(node, "tr") ? "trPr" : "tcPr");
    }
    std::vector<pugi::xml_node> marks;
    for (pugi::xml_node child : properties.children()) {
        if (IsAny(w, child, kMarkRevisions) || IsAny(w, child, {"cellIns", "cellDel"})) {
            marks.push_back(child);
        }
    }
    return marks;
}

bool OwnMarksRemove(const WordNames& w, const pugi::xml_node& node, bool accept) {
    const std::vector<pugi::xml_node> marks = OwnMarks(w, node);
    return std::any_of(marks.begin(), marks.end(),
                       [&](const pugi::xml_node& m) { return Removes(w, m, accept); });
}

// Bookmarks whose whole range the resolution removes go with it, as Word does when it deletes a
// range holding a bookmark; the engine's bookmarks around tracked blocks are among them.
class RemovedBookmarks {
public:
    RemovedBookmarks(const WordNames& w, bool accept) : w_(w), accept_(accept) {}

    void Walk(const pugi::xml_node& node, bool removed) {
        for (pugi::xml_node child : node.children()) {
            if (child.type() != pugi::node_element) continue;
            if (w_.Is(child, "bookmarkStart")) {
                open_[std::string(w_.Attr(child, "id"))] = {child, false, false};
            } else if (w_.Is(child, "bookmarkEnd")) {
                Close(child);
            } else if (Local(child) == "r") {
                See(removed);
            } else if (!IsAny(w_, child, {"pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr"})) {
                bool goes =
                    removed || (IsContentRevision(w_, child) && Removes(w_, child, accept_));
                if (IsAny(w_, child, {"tr", "tc"}))
                    goes = goes || OwnMarksRemove(w_, child, accept_);
                Walk(child, goes);
                if (w_.Is(child, "p")) See(goes || OwnMarksRemove(w_, child, accept_));
            }
        }
    }

    void Remove() {
        for (pugi::xml_node& node : doomed_) node.parent().remove_child(node);
    }

private:
    struct Range {
        pugi::xml_node start;
        bool removed = false, kept = false;
    };

    void See(bool removed) {
        for (auto& [id, range] : open_) (removed ? range.removed : range.kept) = true;
    }

    void Close(const pugi::xml_node& end) {
        auto range = open_.find(std::string(w_.Attr(end, "id")));
        if (range == open_.end()) return;
        if (range->second.removed && !range->second.kept) {
            doomed_.push_back(range->second.start);
            doomed_.push_back(end);
        }
        open_.erase(range);
    }

    const WordNames& w_;
    bool accept_;
    std::map<std::string, Range> open_;
    std::vector<pugi::xml_node> doomed_;
};

// Insertions, deletions and moves around content, nested ones first, so that a wrapper is only
// removed once what it holds is resolved.
void ResolveContent(const WordNames& w, const pugi::xml_node& root, bool accept) {
    const std::vector<pugi::xml_node> wrappers =
        Collect(root, [&](const pugi::xml_node& n) { return IsContentRevision(w, n); });
    for (auto it = wrappers.rbegin(); it != wrappers.rend(); ++it) {
        pugi::xml_node mark = *it;
        if (Removes(w, mark, accept)) {
            mark.parent().remove_child(mark);
            continue;
        }
        if (w.Is(mark, "del") || w.Is(mark, "moveFrom")) {
            ForEachElement(mark, [&](const pugi::xml_node& n) {
                if (w.Is(n, "delText")) Rename(n, "t");
                if (w.Is(n, "delInstrText")) Rename(n, "instrText");
                return true;
            });
        }
        Unwrap(mark);
    }
    // Marks in a run's own properties or in numbering properties mark nothing that goes.
    const std::vector<pugi::xml_node> leftovers = Collect(root, [&](const pugi::xml_node& n) {
        const pugi::xml_node parent = n.parent();
        const bool run_properties = w.Is(parent, "rPr") && !w.Is(parent.parent(), "pPr");
        return IsAny(w, n, kMarkRevisions) && (run_properties || w.Is(parent, "numPr"));
    });
    for (pugi::xml_node mark : leftovers) mark.parent().remove_child(mark);
}

// Cells, then rows, then paragraph marks, each innermost and last first: what goes takes only
// marks that were already resolved.
void ResolveStructure(const WordNames& w, const pugi::xml_node& root, bool accept) {
    for (std::string_view local : {"tc", "tr", "p"}) {
        const std::vector<pugi::xml_node> nodes =
            Collect(root, [&](const pugi::xml_node& n) { return w.Is(n, local); });
        for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
            pugi::xml_node node = *it;
            const std::vector<pugi::xml_node> marks = OwnMarks(w, node);
            if (marks.empty()) continue;
            const bool goes = OwnMarksRemove(w, node, accept);
            for (pugi::xml_node mark : marks) mark.parent().remove_child(mark);
            if (!goes) continue;
            if (local == "p") {
                MergeIntoNext(w, node);
                continue;
            }
            pugi::xml_node parent = node.parent();
            parent.remove_child(node);
            if (local == "tc" && !ooxml::FindChild(parent, w.ns(), "tc")) {
                pugi::xml_node table = parent.parent();
                table.remove_child(parent);
                RemoveIfEmpty(w, table);
            } else if (local == "tr") {
                RemoveIfEmpty(w, parent);
            }
        }
    }
}

// Every revision mark and property change record, counted before any is resolved; the old
// properties inside a record are not counted apart from it.
std::size_t CountChanges(const WordNames& w, const pugi::xml_node& root) {
    std::size_t changes = 0;
    ForEachElement(root, [&](const pugi::xml_node& node) {
        const bool record =
            std::any_of(std::begin(kPropertyChanges), std::end(kPropertyChanges),
                        [&](const PropertyChange& kind) { return w.Is(node, kind.record); });
        if (record || IsAny(w, node, kMarkRevisions) || IsAny(w, node, {"cellIns", "cellDel"})) {
            ++changes;
        }
        return !record;
    });
    return changes;
}

bool IsRangeMarker(const WordNames& w, const pugi::xml_node& node) {
    return IsAny(
        w, node,
        {"moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
         "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart",
         "customXmlDelRangeEnd", "customXmlMoveFromRangeStart", "customXmlMoveFromRangeEnd",
         "customXmlMoveToRangeStart", "customXmlMoveToRangeEnd"});
}

// Property changes first, since they restore properties that hold revision marks of their own;
// then bookmarks of removed ranges, judged before anything is removed; then content, and last
// cells, rows and paragraph marks.
std::size_t ResolveChanges(const WordNames& w, pugi::xml_node root, bool accept) {
    const std::size_t changes = CountChanges(w, root);
    ResolvePropertyChanges(w, root, accept);
    RemovedBookmarks bookmarks(w, accept);
    bookmarks.Walk(root, false);
    bookmarks.Remove();
    ResolveContent(w, root, accept);
    ResolveStructure(w, root, accept);
    for (pugi::xml_node marker :
         Collect(root, [&](const pugi::xml_node& n) { return IsRangeMarker(w, n); })) {
        marker.parent().remove_child(marker);
    }
    return changes;
}

Result<std::size_t> ResolveAll(WordDocument::Impl& impl, bool accept) {
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    std::size_t changes = ResolveChanges(impl.w, impl.body, accept);
    if (changes > 0) impl.main_dirty = true;
    for (const ooxml::Relationship& rel : impl.Rels()) {
        if (rel.external) continue;
        if (!impl.RelTypeIs(rel, "header") && !impl.RelTypeIs(rel, "footer") &&
            !impl.RelTypeIs(rel, "footnotes") && !impl.RelTypeIs(rel, "endnotes")) {
            continue;
        }
        const std::string part = ooxml::Package::ResolveTarget(impl.main_part, rel.target);
        pugi::xml_document* doc = impl.Part(part);
        if (doc == nullptr) continue;
        const std::size_t in_part =
            ResolveChanges(WordNames(*doc, impl.w.ns()), doc->document_element(), accept);
        if (in_part > 0) impl.dirty_parts.insert(part);
        changes += in_part;
    }
    return changes;
}

}  // namespace

// Either may remove bookmarks (with the insertions or deletions they sat in), whose names are then
// free again.
Result<std::size_t> WordDocument::AcceptAllChanges() {
    impl_->bookmark_names.reset();
    return ResolveAll(*impl_, true);
}

Result<std::size_t> WordDocument::RejectAllChanges() {
    impl_->bookmark_names.reset();
    return ResolveAll(*impl_, false);
}

}  // namespace quire::docx
