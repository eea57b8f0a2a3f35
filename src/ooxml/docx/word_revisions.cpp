// The revision elements of ECMA-376 Part 1, 17.13, and the parts that hold them: one list that
// both the readers ("has tracked changes") and the resolution (accept or reject all) go by.

#include <algorithm>

#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/package.hpp"

namespace quire::docx {

bool IsPropertyChangeRecord(const WordNames& w, const pugi::xml_node& node) {
    return std::any_of(std::begin(kPropertyChangeRecords), std::end(kPropertyChangeRecords),
                       [&](std::string_view local) { return w.Is(node, local); });
}

bool IsRevisionElement(const WordNames& w, const pugi::xml_node& node) {
    if (node.type() != pugi::node_element) return false;
    const std::string_view local = Local(node);
    // The shortest revision name has three letters; p, r, t, tc and tr, the most common
    // elements of a body, are passed over without a comparison.
    if (local.size() < 3) return false;
    auto named = [&](std::span<const std::string_view> names) {
        return std::find(names.begin(), names.end(), local) != names.end();
    };
    const bool revision = named(kRevisionMarks) || named(kCellRevisionMarks) ||
                          named(kPropertyChangeRecords) || named(kRevisionRangeMarks);
    return revision && w.Is(node, local);
}

bool HoldsRevision(const WordNames& w, const pugi::xml_node& root) {
    bool found = IsRevisionElement(w, root);
    ForEachElement(root, [&](const pugi::xml_node& node) {
        found = found || IsRevisionElement(w, node);
        return !found;
    });
    return found;
}

std::vector<std::string> RevisionParts(WordDocument::Impl& impl) {
    std::vector<std::string> parts;
    for (const ooxml::Relationship& rel : impl.Rels()) {
        if (rel.external) continue;
        const bool holds_text = impl.RelTypeIs(rel, "header") || impl.RelTypeIs(rel, "footer") ||
                                impl.RelTypeIs(rel, "footnotes") ||
                                impl.RelTypeIs(rel, "endnotes") || impl.RelTypeIs(rel, "comments");
        if (!holds_text) continue;
        std::string part = ooxml::Package::ResolveTarget(impl.main_part, rel.target);
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) {
            parts.push_back(std::move(part));
        }
    }
    return parts;
}

bool PartsHoldRevision(WordDocument::Impl& impl) {
    for (const std::string& part : RevisionParts(impl)) {
        pugi::xml_document* doc = impl.Part(part);
        if (doc == nullptr) continue;
        if (HoldsRevision(WordNames(*doc, impl.w.ns()), doc->document_element())) return true;
    }
    return false;
}

}  // namespace quire::docx
