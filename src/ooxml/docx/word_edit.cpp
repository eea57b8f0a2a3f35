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

// A paragraph's visible w:t elements and their text joined, with where each one's text starts
// in it: a match found in `joined` spans the nodes whose ranges it meets.
struct JoinedText {
    std::vector<pugi::xml_node> nodes;
    std::string joined;
    std::vector<std::size_t> starts;

    std::size_t End(std::size_t i) const {
        return i + 1 < nodes.size() ? starts[i + 1] : joined.size();
    }
};

JoinedText JoinVisibleTexts(const WordNames& w, const pugi::xml_node& paragraph) {
    JoinedText text{VisibleTexts(w, paragraph), {}, {}};
    for (const pugi::xml_node& t : text.nodes) {
        text.starts.push_back(text.joined.size());
        text.joined += t.text().get();
    }
    return text;
}

struct TextEdit {
    std::size_t from, to;  // byte range within the node's text
    std::string insert;
};

std::size_t ReplaceInParagraph(const WordNames& w, const pugi::xml_node& paragraph,
                               std::string_view find, std::string_view replace) {
    const JoinedText text = JoinVisibleTexts(w, paragraph);
    const std::vector<pugi::xml_node>& texts = text.nodes;
    std::vector<std::vector<TextEdit>> edits(texts.size());
    std::size_t count = 0;
    for (std::size_t at = text.joined.find(find); at != std::string::npos;
         at = text.joined.find(find, at + find.size())) {
        ++count;
        const std::size_t end = at + find.size();
        bool first = true;
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const std::size_t node_start = text.starts[i];
            const std::size_t node_end = text.End(i);
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

// --- Tracked replacement ---
//
// Each match is taken apart into runs that hold nothing but a piece of it, so that the pieces
// can be marked deleted with the formatting of their runs, and the replacement follows them as an
// inserted run with the first piece's formatting.

void PreserveSpace(pugi::xml_node t) {
    if (!t.attribute("xml:space")) t.append_attribute("xml:space").set_value("preserve");
}

// Splits a run in two before `child`: the run keeps what comes before it, a copy of the run (with
// the same properties) placed after it holds copies of `child` and what follows, which leave the
// run (their handles are then no longer valid). Returns the copy.
pugi::xml_node SplitRunBefore(const WordNames& w, pugi::xml_node run, pugi::xml_node child) {
    std::size_t index = 0;
    for (pugi::xml_node n = run.first_child(); n != child; n = n.next_sibling()) ++index;
    pugi::xml_node right = run.parent().insert_copy_after(run, run);
    std::size_t i = 0;
    for (pugi::xml_node n = right.first_child(); n; ++i) {
        pugi::xml_node next = n.next_sibling();
        if (i < index && !w.Is(n, "rPr")) right.remove_child(n);
        n = next;
    }
    i = 0;
    for (pugi::xml_node n = run.first_child(); n; ++i) {
        pugi::xml_node next = n.next_sibling();
        if (i >= index) run.remove_child(n);
        n = next;
    }
    return right;
}

// Whether a run holds content (text, tabs, breaks, drawings…) before `child`.
bool HoldsContentBefore(const WordNames& w, const pugi::xml_node& child) {
    for (pugi::xml_node n = PreviousElement(child); n; n = PreviousElement(n)) {
        if (!w.Is(n, "rPr")) return true;
    }
    return false;
}

// Splits `t`, a w:t of a run, so that the bytes [from, to) of its text are alone in a run of
// their own, and returns that run.
pugi::xml_node IsolateText(const WordNames& w, pugi::xml_node t, std::size_t from, std::size_t to) {
    const std::string text = t.text().get();
    PreserveSpace(t);
    if (to < text.size()) {
        pugi::xml_node tail = t.parent().insert_copy_after(t, t);
        tail.text().set(text.substr(to).c_str());
    }
    if (from > 0) {
        pugi::xml_node head = t.parent().insert_copy_before(t, t);
        head.text().set(text.substr(0, from).c_str());
    }
    t.text().set(text.substr(from, to - from).c_str());
    pugi::xml_node run = t.parent();
    if (HoldsContentBefore(w, t)) {
        // The split leaves `t` in the run it came from and its copy first in the new run.
        run = SplitRunBefore(w, run, t);
        t = FirstElement(run);
        if (w.Is(t, "rPr")) t = NextElement(t);
    }
    if (pugi::xml_node after = NextElement(t)) SplitRunBefore(w, run, after);
    return run;
}

// The run of the replacement: a copy of the run where the match starts, with the replacement as
// its only text and without the revision records of the copied properties. It follows the
// pieces when nothing lies between them (so the deletion reads whole before it), else the first
// piece, where a plain replacement puts its text, in the first piece's container (a hyperlink).
pugi::xml_node ReplacementRun(const WordNames& w, const std::vector<pugi::xml_node>& pieces,
                              std::string_view replace) {
    pugi::xml_node after = pieces.front();
    for (std::size_t i = 1; i < pieces.size() && NextElement(after) == pieces[i]; ++i) {
        after = pieces[i];
    }
    if (after != pieces.back()) after = pieces.front();
    const pugi::xml_node& first = pieces.front();
    pugi::xml_node run = after.parent().insert_copy_after(first, after);
    for (pugi::xml_node n = run.first_child(); n;) {
        pugi::xml_node next = n.next_sibling();
        if (!w.Is(n, "rPr")) run.remove_child(n);
        n = next;
    }
    if (pugi::xml_node r_pr = ooxml::FindChild(run, w.ns(), "rPr")) {
        while (pugi::xml_node record = ooxml::FindChild(r_pr, w.ns(), "rPrChange")) {
            r_pr.remove_child(record);
        }
    }
    pugi::xml_node t = run.append_child(pugi::node_element);
    std::string name = first.name();
    const std::size_t colon = name.find(':');
    t.set_name(((colon == std::string::npos ? "" : name.substr(0, colon + 1)) + "t").c_str());
    t.text().set(std::string(replace).c_str());
    PreserveSpace(t);
    return run;
}

// Replaces the matches of one paragraph as tracked changes, one match at a time: the text read
// again after each one shows the replacement where the match was (deleted text is not read), so
// the search goes on after it.
Result<std::size_t> TrackedReplaceInParagraph(WordDocument::Impl& impl, const WordNames& w,
                                              const pugi::xml_node& paragraph,
                                              std::string_view find, std::string_view replace) {
    std::size_t count = 0;
    for (std::size_t from = 0;; ++count) {
        const JoinedText text = JoinVisibleTexts(w, paragraph);
        const std::vector<pugi::xml_node>& texts = text.nodes;
        const std::vector<std::size_t>& starts = text.starts;
        const std::size_t at = text.joined.find(find, from);
        if (at == std::string::npos) return count;
        const std::size_t end = at + find.size();
        // Last piece first: splitting a run keeps the text elements before the split where they
        // are, so those of earlier pieces in the same run stay valid.
        std::vector<pugi::xml_node> pieces;
        for (std::size_t i = texts.size(); i-- > 0;) {
            const std::size_t node_end = text.End(i);
            if (node_end <= at || starts[i] >= end || !w.Is(texts[i].parent(), "r")) continue;
            pieces.insert(pieces.begin(),
                          IsolateText(w, texts[i], std::max(at, starts[i]) - starts[i],
                                      std::min(end, node_end) - starts[i]));
        }
        if (pieces.empty()) return count;
        if (!replace.empty()) {
            pugi::xml_node inserted = ReplacementRun(w, pieces, replace);
            if (Status marked = TrackRevision(impl, {inserted}, true); !marked) {
                return std::unexpected(marked.error());
            }
        }
        if (Status marked = TrackRevision(impl, pieces, false); !marked) {
            return std::unexpected(marked.error());
        }
        from = at + replace.size();
    }
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

// The same as tracked changes. The paragraphs are listed first, since marking a match adds runs
// and wrappers to the tree being walked.
Result<std::size_t> TrackedReplaceBelow(WordDocument::Impl& impl, const WordNames& w,
                                        const pugi::xml_node& root, std::string_view find,
                                        std::string_view replace) {
    std::vector<pugi::xml_node> paragraphs;
    if (w.Is(root, "p")) paragraphs.push_back(root);
    ForEachElement(root, [&](const pugi::xml_node& node) {
        if (w.Is(node, "p")) paragraphs.push_back(node);
        return true;
    });
    std::size_t count = 0;
    for (const pugi::xml_node& paragraph : paragraphs) {
        Result<std::size_t> done = TrackedReplaceInParagraph(impl, w, paragraph, find, replace);
        if (!done) return done;
        count += *done;
    }
    return count;
}

}  // namespace

Result<std::size_t> WordDocument::ReplaceText(std::string_view find, std::string_view replace,
                                              std::string_view scope, bool tracked) {
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
    auto replace_below = [&](const WordNames& w, const pugi::xml_node& root) {
        return tracked ? TrackedReplaceBelow(impl, w, root, find, safe)
                       : Result<std::size_t>(ReplaceBelow(w, root, find, safe));
    };
    std::size_t count = 0;
    for (const pugi::xml_node& root : roots) {
        Result<std::size_t> done = replace_below(impl.w, root);
        if (!done) return done;
        count += *done;
    }
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
        Result<std::size_t> in_part =
            replace_below(WordNames(*doc, impl.w.ns()), doc->document_element());
        if (!in_part) return in_part;
        if (*in_part > 0) impl.dirty_parts.insert(part);
        count += *in_part;
    }
    return count;
}

namespace {

// The bookmarks starting in `nodes`, by id.
std::set<std::string> BookmarksStartingIn(const WordNames& w,
                                          const std::vector<pugi::xml_node>& nodes) {
    std::set<std::string> ids;
    for (const pugi::xml_node& top : nodes) {
        if (w.Is(top, "bookmarkStart")) ids.emplace(w.Attr(top, "id"));
        ForEachElement(top, [&](const pugi::xml_node& n) {
            if (w.Is(n, "bookmarkStart")) ids.emplace(w.Attr(n, "id"));
            return true;
        });
    }
    return ids;
}

// Removes the elements at or below `nodes` that `match` accepts, and returns the nodes that
// were not removed themselves.
template <typename Match>
std::vector<pugi::xml_node> RemoveMatching(const std::vector<pugi::xml_node>& nodes, Match match) {
    std::vector<pugi::xml_node> kept, doomed;
    for (const pugi::xml_node& top : nodes) {
        if (match(top)) {
            doomed.push_back(top);
            continue;
        }
        kept.push_back(top);
        ForEachElement(top, [&](const pugi::xml_node& n) {
            if (match(n)) doomed.push_back(n);
            return !match(n);
        });
    }
    for (pugi::xml_node& node : doomed) node.parent().remove_child(node);
    return kept;
}

// Revision marks and property change records, whose ids a copy must not repeat.
bool IsRevisionRecord(const WordNames& w, const pugi::xml_node& node) {
    for (std::string_view local : {"ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange",
                                   "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange"}) {
        if (w.Is(node, local)) return true;
    }
    return false;
}

// A tracked move as a deletion where the blocks are and an insertion of their copy where they go
// (ECMA-376 Part 1, 17.13.5), not as moveFrom/moveTo ranges. The copy takes the bookmarks, since
// names are unique and the anchors should name the moved blocks; it gets new drawing and revision
// ids, and leaves comment ranges and references to the source they were written for.
Status TrackedMove(WordDocument::Impl& impl, const std::vector<pugi::xml_node>& nodes,
                   const InsertionPoint& at) {
    const WordNames& w = impl.w;
    pugi::xml_node parent = at.parent;
    std::vector<pugi::xml_node> copies;
    for (const pugi::xml_node& node : nodes) {
        copies.push_back(at.before ? parent.insert_copy_before(node, at.before)
                                   : parent.append_copy(node));
    }
    const std::set<std::string> moved = BookmarksStartingIn(w, nodes);
    const std::set<std::string> in_copy = BookmarksStartingIn(w, copies);
    auto id_of = [&](const pugi::xml_node& n) { return std::string(w.Attr(n, "id")); };
    const std::vector<pugi::xml_node> source = RemoveMatching(nodes, [&](const pugi::xml_node& n) {
        return (w.Is(n, "bookmarkStart") || w.Is(n, "bookmarkEnd")) && moved.contains(id_of(n));
    });
    std::vector<pugi::xml_node> target = RemoveMatching(copies, [&](const pugi::xml_node& n) {
        return (w.Is(n, "bookmarkEnd") && !in_copy.contains(id_of(n))) ||
               w.Is(n, "commentRangeStart") || w.Is(n, "commentRangeEnd") ||
               w.Is(n, "commentReference");
    });
    std::vector<pugi::xml_node> blocks;
    for (const pugi::xml_node& top : target) {
        if (IsBlockElement(w, top)) blocks.push_back(top);
        ForEachElement(top, [&](const pugi::xml_node& n) {
            if (Local(n) == "docPr") n.attribute("id").set_value(impl.NextDrawingId());
            if (IsRevisionRecord(w, n) && n.attribute("w:id")) {
                n.attribute("w:id").set_value(impl.NextBookmarkId());
            }
            return true;
        });
    }
    Result<std::vector<pugi::xml_node>> separators = impl.SeparateTables(blocks);
    if (!separators) return std::unexpected(separators.error());
    target.insert(target.end(), separators->begin(), separators->end());
    if (Status deleted = TrackRevision(impl, source, false); !deleted) return deleted;
    if (Status inserted = TrackRevision(impl, target, true); !inserted) return inserted;
    // The blocks stay where they were, so the body ends as it did, unless the copy went to its
    // end, as a tracked insertion there would.
    impl.main_dirty = true;
    return {};
}

}  // namespace

Status WordDocument::MoveBlock(std::string_view block, std::string_view to_anchor,
                               Position position, bool tracked) {
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
    if (tracked) return TrackedMove(impl, nodes, *at);
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

namespace {

// The ids of the footnotes, endnotes and comments some nodes refer to.
struct NoteIds {
    std::set<std::string> footnotes, endnotes, comments;
};

NoteIds NotesReferredTo(const WordNames& w, const std::vector<pugi::xml_node>& roots) {
    NoteIds ids;
    for (const pugi::xml_node& root : roots) {
        ForEachElement(root, [&](const pugi::xml_node& node) {
            if (w.Is(node, "footnoteReference")) ids.footnotes.emplace(w.Attr(node, "id"));
            if (w.Is(node, "endnoteReference")) ids.endnotes.emplace(w.Attr(node, "id"));
            if (w.Is(node, "commentReference") || w.Is(node, "commentRangeStart")) {
                ids.comments.emplace(w.Attr(node, "id"));
            }
            return true;
        });
    }
    return ids;
}

std::string_view AttributeLocal(const pugi::xml_attribute& attr) {
    const std::string_view name = attr.name();
    const std::size_t colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The value of the attribute with this local name in any namespace, "" when absent.
std::string_view AnyAttribute(const pugi::xml_node& node, std::string_view local) {
    for (pugi::xml_attribute attr : node.attributes()) {
        if (AttributeLocal(attr) == local) return attr.value();
    }
    return "";
}

// Removes the children of a part's root whose attribute `key` is one of `values`, collecting
// their attribute `also` into `collected` when given.
void RemoveEntries(WordDocument::Impl& impl, const std::string& part, std::string_view key,
                   const std::set<std::string>& values, std::string_view also = "",
                   std::set<std::string>* collected = nullptr) {
    pugi::xml_document* doc = part.empty() ? nullptr : impl.Part(part);
    if (doc == nullptr || values.empty()) return;
    std::vector<pugi::xml_node> doomed;
    for (pugi::xml_node entry : doc->document_element().children()) {
        if (entry.type() != pugi::node_element) continue;
        if (!values.contains(std::string(AnyAttribute(entry, key)))) continue;
        if (collected != nullptr) collected->emplace(AnyAttribute(entry, also));
        doomed.push_back(entry);
    }
    for (pugi::xml_node entry : doomed) entry.parent().remove_child(entry);
    if (!doomed.empty()) impl.dirty_parts.insert(part);
}

// The part a main-part relationship of a type outside the WordprocessingML list points at
// (Word 2013 and later keep comment threads and ids in such parts), "" when none.
std::string PartOfTypeEnding(WordDocument::Impl& impl, std::string_view suffix) {
    for (const ooxml::Relationship& rel : impl.Rels()) {
        if (!rel.external && rel.type.ends_with(suffix)) {
            return ooxml::Package::ResolveTarget(impl.main_part, rel.target);
        }
    }
    return "";
}

// Comments go with their ranges in the body and their entries in the parts that extend
// comments.xml: commentsExtended and commentsIds by the paraId of the comment's paragraphs,
// commentsExtensible by the durableId that commentsIds gave it.
void RemoveComments(WordDocument::Impl& impl, const std::set<std::string>& ids) {
    const std::string part = impl.RelatedPart("comments");
    pugi::xml_document* doc = part.empty() ? nullptr : impl.Part(part);
    if (doc == nullptr || ids.empty()) return;
    const WordNames cw(*doc, impl.w.ns());
    std::set<std::string> para_ids;
    for (pugi::xml_node comment : doc->document_element().children()) {
        if (!cw.Is(comment, "comment") || !ids.contains(std::string(cw.Attr(comment, "id")))) {
            continue;
        }
        ForEachElement(comment, [&](const pugi::xml_node& node) {
            if (cw.Is(node, "p") && !AnyAttribute(node, "paraId").empty()) {
                para_ids.emplace(AnyAttribute(node, "paraId"));
            }
            return true;
        });
    }
    RemoveEntries(impl, part, "id", ids);
    std::vector<pugi::xml_node> marks;
    ForEachElement(impl.body, [&](const pugi::xml_node& node) {
        const bool mark = impl.w.Is(node, "commentRangeStart") ||
                          impl.w.Is(node, "commentRangeEnd") || impl.w.Is(node, "commentReference");
        if (mark && ids.contains(std::string(impl.w.Attr(node, "id")))) marks.push_back(node);
        return true;
    });
    for (pugi::xml_node mark : marks) {
        pugi::xml_node parent = mark.parent();
        parent.remove_child(mark);
        // A reference's run is left with nothing to show but its properties.
        pugi::xml_node left = FirstElement(parent);
        if (impl.w.Is(left, "rPr")) left = NextElement(left);
        if (impl.w.Is(parent, "r") && !left) parent.parent().remove_child(parent);
    }
    std::set<std::string> durable_ids;
    RemoveEntries(impl, PartOfTypeEnding(impl, "/commentsExtended"), "paraId", para_ids);
    RemoveEntries(impl, PartOfTypeEnding(impl, "/commentsIds"), "paraId", para_ids, "durableId",
                  &durable_ids);
    RemoveEntries(impl, PartOfTypeEnding(impl, "/commentsExtensible"), "durableId", durable_ids);
}

// After blocks were deleted: the notes and comments they referred to that nothing else refers
// to any more (the body, headers, footers and notes are searched) leave their parts.
void RemoveOrphanedNotes(WordDocument::Impl& impl, NoteIds deleted) {
    std::vector<pugi::xml_node> roots = {impl.body};
    for (const std::string& part : RevisionParts(impl)) {
        if (part == impl.RelatedPart("comments")) continue;
        if (pugi::xml_document* doc = impl.Part(part)) roots.push_back(doc->document_element());
    }
    const NoteIds kept = NotesReferredTo(impl.w, roots);
    for (const std::string& id : kept.footnotes) deleted.footnotes.erase(id);
    for (const std::string& id : kept.endnotes) deleted.endnotes.erase(id);
    for (const std::string& id : kept.comments) deleted.comments.erase(id);
    RemoveEntries(impl, impl.RelatedPart("footnotes"), "id", deleted.footnotes);
    RemoveEntries(impl, impl.RelatedPart("endnotes"), "id", deleted.endnotes);
    RemoveComments(impl, deleted.comments);
}

}  // namespace

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
    const NoteIds notes = NotesReferredTo(impl.w, unit);
    const pugi::xml_node neighbours[] = {PreviousBlock(impl.w, unit.front()),
                                         NextBlock(impl.w, unit.back())};
    for (const pugi::xml_node& member : unit) impl.body.remove_child(member);
    RemoveOrphanedNotes(impl, notes);
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

constexpr PropertyChange kPropertyChanges[] = {
    {"rPrChange", kRevisionMarks, {}},
    {"pPrChange", {}, kParagraphOwn},
    {"sectPrChange", kReferences, {}},
    {"tblPrChange", {}, {}},
    {"tblPrExChange", {}, {}},
    {"trPrChange", {}, kRowMarks},
    {"tcPrChange", {}, kCellRevisionMarks},
    {"tblGridChange", {}, {}},
    {"numberingChange", {}, {}},
};

// The records handled here are the engine's list of them, in its order.
constexpr bool SameRecords() {
    if (std::size(kPropertyChanges) != std::size(kPropertyChangeRecords)) return false;
    for (std::size_t i = 0; i < std::size(kPropertyChanges); ++i) {
        if (kPropertyChanges[i].record != kPropertyChangeRecords[i]) return false;
    }
    return true;
}
static_assert(SameRecords());

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
    return IsAny(w, node, kRevisionMarks) && !IsAny(w, node.parent(), {"rPr", "trPr", "numPr"});
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
        if (IsAny(w, child, kRevisionMarks) || IsAny(w, child, {"cellIns", "cellDel"})) {
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
        return IsAny(w, n, kRevisionMarks) && (run_properties || w.Is(parent, "numPr"));
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
        const bool record = IsPropertyChangeRecord(w, node);
        if (record || IsAny(w, node, kRevisionMarks) || IsAny(w, node, kCellRevisionMarks)) {
            ++changes;
        }
        return !record;
    });
    return changes;
}

bool IsRangeMarker(const WordNames& w, const pugi::xml_node& node) {
    return IsAny(w, node, kRevisionRangeMarks);
}

// The vertical merge setting `setting` ("cont" or "rest", ST_AnnotationVMerge) written into a
// cell's own properties: "cont" continues the merge from the cell above, "rest" ends it there.
void SetVerticalMerge(const WordNames& w, pugi::xml_node tc_pr, std::string_view setting) {
    pugi::xml_node v_merge = ooxml::FindChild(tc_pr, w.ns(), "vMerge");
    if (setting != "cont") {
        // A cell split from the cell above starts its own merge, which leaves it a plain cell
        // unless the cell below continues it.
        if (!v_merge) return;
        pugi::xml_attribute val = ooxml::FindAttribute(v_merge, w.ns(), "val");
        if (!val) val = v_merge.append_attribute(SameNamespace(v_merge, "val").c_str());
        val.set_value("restart");
        return;
    }
    if (!v_merge) {
        // CT_TcPr (ECMA-376 Part 1, 17.4.70) puts vMerge after cnfStyle, tcW, gridSpan, hMerge.
        pugi::xml_node before = FirstElement(tc_pr);
        while (before && IsAny(w, before, {"cnfStyle", "tcW", "gridSpan", "hMerge"})) {
            before = NextElement(before);
        }
        v_merge = before ? tc_pr.insert_child_before(SameNamespace(tc_pr, "vMerge").c_str(), before)
                         : tc_pr.append_child(SameNamespace(tc_pr, "vMerge").c_str());
    }
    while (pugi::xml_attribute attr = v_merge.first_attribute()) v_merge.remove_attribute(attr);
}

// A tracked merge or split of cells (cellMerge, ECMA-376 Part 1, 17.13.5.3) leaves the cell with
// the revised setting when accepted and the original one (not merged when absent) when rejected.
void ResolveCellMerges(const WordNames& w, const pugi::xml_node& root, bool accept) {
    for (pugi::xml_node mark :
         Collect(root, [&](const pugi::xml_node& n) { return w.Is(n, "cellMerge"); })) {
        pugi::xml_node tc_pr = mark.parent();
        std::string setting(w.Attr(mark, accept ? "vMerge" : "vMergeOrig"));
        tc_pr.remove_child(mark);
        if (!accept && setting.empty()) setting = "rest";
        if (!setting.empty()) SetVerticalMerge(w, tc_pr, setting);
    }
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
    ResolveCellMerges(w, root, accept);
    ResolveStructure(w, root, accept);
    for (pugi::xml_node marker :
         Collect(root, [&](const pugi::xml_node& n) { return IsRangeMarker(w, n); })) {
        marker.parent().remove_child(marker);
    }
    return changes;
}

Result<std::size_t> ResolveAll(WordDocument::Impl& impl, bool accept) {
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    // A part whose only revisions are range marks changes too, though they count for nothing.
    if (HoldsRevision(impl.w, impl.body)) impl.main_dirty = true;
    std::size_t changes = ResolveChanges(impl.w, impl.body, accept);
    for (const std::string& part : RevisionParts(impl)) {
        pugi::xml_document* doc = impl.Part(part);
        if (doc == nullptr) continue;
        const WordNames pw(*doc, impl.w.ns());
        if (!HoldsRevision(pw, doc->document_element())) continue;
        impl.dirty_parts.insert(part);
        changes += ResolveChanges(pw, doc->document_element(), accept);
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
