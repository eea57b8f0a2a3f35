// Reading the body: text in reading order across runs, fields, content controls and tracked
// changes, and the blocks with what they hold.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

// Elements whose content is never read as text: deleted or moved-away text, properties, field
// instructions, and the fallback branch of alternate content (its choice is read instead).
bool SkipsText(const WordNames& w, const pugi::xml_node& node) {
    return w.Is(node, "del") || w.Is(node, "moveFrom") || w.Is(node, "pPr") || w.Is(node, "rPr") ||
           w.Is(node, "instrText") || w.Is(node, "delText") || w.Is(node, "sdtPr") ||
           w.Is(node, "footnoteReference") || w.Is(node, "endnoteReference") ||
           Local(node) == "Fallback";
}

bool OnOff(const WordNames& w, const pugi::xml_node& property) {
    if (!property) return false;
    const std::string_view value = w.Attr(property, "val");
    return value.empty() || value == "1" || value == "true" || value == "on" ||
           (property.name() != std::string_view() && Local(property) == "u" && value != "none");
}

struct TextWalk {
    const WordNames& w;
    std::string text;
    std::vector<std::string>* boxes;
    std::vector<RunInfo>* runs;
    // Only the first choice of an mc:AlternateContent is read.
    bool Visit(const pugi::xml_node& node) {
        if (SkipsText(w, node)) return false;
        if (Local(node) == "Choice" && PreviousElement(node) &&
            Local(PreviousElement(node)) == "Choice") {
            return false;
        }
        if (w.Is(node, "txbxContent")) {
            if (boxes != nullptr) {
                std::string box;
                for (pugi::xml_node p : node.children()) {
                    if (!w.Is(p, "p")) continue;
                    if (!box.empty()) box += '\n';
                    box += ParagraphText(w, p);
                }
                boxes->push_back(std::move(box));
            }
            return false;
        }
        if (w.Is(node, "r") && runs != nullptr) runs->push_back(ReadRun(node));
        if (w.Is(node, "t")) text += node.text().get();
        if (w.Is(node, "tab") && w.Is(node.parent(), "r")) text += '\t';
        if ((w.Is(node, "br") || w.Is(node, "cr")) && w.Is(node.parent(), "r")) text += '\n';
        if (w.Is(node, "noBreakHyphen")) text += '-';
        return true;
    }

    RunInfo ReadRun(const pugi::xml_node& run) const {
        RunInfo info;
        const pugi::xml_node r_pr = ooxml::FindChild(run, w.ns(), "rPr");
        info.bold = OnOff(w, ooxml::FindChild(r_pr, w.ns(), "b"));
        info.italic = OnOff(w, ooxml::FindChild(r_pr, w.ns(), "i"));
        info.underline = OnOff(w, ooxml::FindChild(r_pr, w.ns(), "u"));
        for (pugi::xml_node up = run.parent(); up; up = up.parent()) {
            if (!w.Is(up, "hyperlink")) continue;
            pugi::xml_attribute id = ooxml::FindAttribute(up, kRelNs, "id");
            if (!id) id = ooxml::FindAttribute(up, kRelNsStrict, "id");
            info.link =
                id ? std::string("rel:") + id.value() : "#" + std::string(w.Attr(up, "anchor"));
            break;
        }
        TextWalk inner{w, {}, nullptr, nullptr};
        ForEachElement(run, [&](const pugi::xml_node& node) { return inner.Visit(node); });
        info.text = std::move(inner.text);
        return info;
    }
};

std::string DrawingKind(const pugi::xml_node& drawing, std::string* rel_id) {
    std::string kind = "shape";
    ForEachElement(drawing, [&](const pugi::xml_node& node) {
        const std::string_view local = Local(node);
        if (local == "graphicData") {
            const std::string_view uri = node.attribute("uri").value();
            if (uri.ends_with("/picture")) kind = "image";
            if (uri.ends_with("/chart")) kind = "chart";
            if (uri.ends_with("/diagram")) kind = "diagram";
        }
        if (local == "txbx" || local == "txbxContent" || local == "textbox") kind = "textbox";
        if (local == "blip" || local == "chart" || local == "imagedata") {
            for (pugi::xml_attribute attr : node.attributes()) {
                std::string_view name = attr.name();
                if (name.ends_with(":embed") || name.ends_with(":id")) *rel_id = attr.value();
            }
            if (local == "imagedata" && kind == "shape") kind = "image";
        }
        return true;
    });
    return kind;
}

}  // namespace

std::string ParagraphText(const WordNames& w, const pugi::xml_node& paragraph,
                          std::vector<std::string>* boxes, std::vector<RunInfo>* runs) {
    TextWalk walk{w, {}, boxes, runs};
    ForEachElement(paragraph, [&](const pugi::xml_node& node) {
        // A run's own text is read through ReadRun; only count it once.
        if (runs != nullptr && w.Is(node, "r")) {
            walk.runs->push_back(walk.ReadRun(node));
            walk.text += walk.runs->back().text;
            TextWalk boxes_only{w, {}, boxes, nullptr};
            ForEachElement(node,
                           [&](const pugi::xml_node& inner) { return boxes_only.Visit(inner); });
            return false;
        }
        return walk.Visit(node);
    });
    return std::move(walk.text);
}

std::string TableText(const WordNames& w, const pugi::xml_node& table) {
    std::string text;
    ForEachElement(table, [&](const pugi::xml_node& node) {
        if (w.Is(node, "tr")) {
            if (!text.empty()) text += '\n';
            return true;
        }
        if (w.Is(node, "tc")) {
            if (!text.empty() && text.back() != '\n') text += '\t';
            bool first = true;
            ForEachElement(node, [&](const pugi::xml_node& inner) {
                if (w.Is(inner, "tbl")) return false;
                if (!w.Is(inner, "p")) return true;
                if (!first) text += ' ';
                first = false;
                text += ParagraphText(w, inner);
                return false;
            });
            return false;
        }
        return !w.Is(node, "tblPr") && !w.Is(node, "tblGrid");
    });
    return text;
}

namespace {

int IntAttr(const WordNames& w, const pugi::xml_node& node, std::string_view local, int absent) {
    const std::string value(w.Attr(node, local));
    return value.empty() ? absent : std::atoi(value.c_str());
}

// The cells of a table that span more than one grid column or row, each merged cell once: a
// vertical merge (ECMA-376 Part 1, 17.4.84) counts at its first continuing cell, unless its
// first cell also spans columns and so counted already.
std::size_t MergedCells(const WordNames& w, const pugi::xml_node& table) {
    std::size_t merged = 0;
    // Grid column -> whether the vertical merge that the previous row left open there counted.
    std::map<int, bool> open;
    for (pugi::xml_node row : table.children()) {
        if (!w.Is(row, "tr")) continue;
        const pugi::xml_node tr_pr = ooxml::FindChild(row, w.ns(), "trPr");
        int column = IntAttr(w, ooxml::FindChild(tr_pr, w.ns(), "gridBefore"), "val", 0);
        std::map<int, bool> still_open;
        for (pugi::xml_node cell : row.children()) {
            if (!w.Is(cell, "tc")) continue;
            const pugi::xml_node tc_pr = ooxml::FindChild(cell, w.ns(), "tcPr");
            const int span = IntAttr(w, ooxml::FindChild(tc_pr, w.ns(), "gridSpan"), "val", 1);
            const pugi::xml_node v_merge = ooxml::FindChild(tc_pr, w.ns(), "vMerge");
            const pugi::xml_node h_merge = ooxml::FindChild(tc_pr, w.ns(), "hMerge");
            if (v_merge && w.Attr(v_merge, "val") != "restart") {
                if (auto above = open.find(column); above != open.end()) {
                    if (!above->second) ++merged;
                    still_open[column] = true;
                }
            } else {
                const bool counted = span > 1 || (h_merge && w.Attr(h_merge, "val") == "restart");
                if (counted) ++merged;
                if (v_merge) still_open[column] = counted;
            }
            column += std::max(span, 1);
        }
        open = std::move(still_open);
    }
    return merged;
}

BlockInfo ReadBlock(WordDocument::Impl& impl, const BodyBlock& block, std::size_t index) {
    const WordNames& w = impl.w;
    BlockInfo info;
    info.id = impl.BlockAnchor(block.node, index);
    info.heading_level = block.heading_level;
    ForEachElement(block.node, [&](const pugi::xml_node& node) {
        if (w.Is(node, "bookmarkStart")) info.bookmarks.emplace_back(w.Attr(node, "name"));
        if (IsRevisionElement(w, node)) info.tracked_changes = true;
        if (w.Is(node, "drawing") || w.Is(node, "pict") || w.Is(node, "object")) {
            DrawingInfo drawing;
            std::string rel_id;
            drawing.kind = DrawingKind(node, &rel_id);
            if (w.Is(node, "object")) drawing.kind = "object";
            if (!rel_id.empty()) drawing.part = impl.TargetOf(rel_id);
            ForEachElement(node, [&](const pugi::xml_node& inner) {
                if (Local(inner) == "anchor") drawing.floating = true;
                // A VML shape floats when its CSS style positions it absolutely.
                const std::string_view css = inner.attribute("style").value();
                if (w.Is(node, "pict") && css.find("position:absolute") != std::string_view::npos) {
                    drawing.floating = true;
                }
                if (Local(inner) == "docPr") {
                    drawing.name = inner.attribute("name").value();
                    drawing.alt_text = inner.attribute("descr").value();
                }
                return true;
            });
            info.drawings.push_back(std::move(drawing));
        }
        return true;
    });
    if (w.Is(block.node, "p")) {
        info.kind = BlockInfo::Kind::kParagraph;
        const pugi::xml_node p_pr = ooxml::FindChild(block.node, w.ns(), "pPr");
        info.style = w.Attr(ooxml::FindChild(p_pr, w.ns(), "pStyle"), "val");
        info.list_item = bool(ooxml::FindChild(p_pr, w.ns(), "numPr"));
        info.section_break = bool(ooxml::FindChild(p_pr, w.ns(), "sectPr"));
        const std::string caption = impl.StyleIdByName("caption");
        info.caption = !caption.empty() && info.style == caption;
        info.text = ParagraphText(w, block.node, &info.text_boxes, &info.runs);
        for (RunInfo& run : info.runs) {
            if (run.link.starts_with("rel:")) run.link = impl.TargetOf(run.link.substr(4));
        }
    } else if (w.Is(block.node, "tbl")) {
        info.kind = BlockInfo::Kind::kTable;
        const pugi::xml_node tbl_pr = ooxml::FindChild(block.node, w.ns(), "tblPr");
        info.style = w.Attr(ooxml::FindChild(tbl_pr, w.ns(), "tblStyle"), "val");
        for (pugi::xml_node col : ooxml::FindChild(block.node, w.ns(), "tblGrid").children()) {
            if (w.Is(col, "gridCol")) ++info.columns;
        }
        ForEachElement(block.node, [&](const pugi::xml_node& node) {
            if (w.Is(node, "tbl")) return false;  // nested tables count in their own cells
            if (w.Is(node, "tr")) ++info.rows;
            return true;
        });
        info.merged_cells = MergedCells(w, block.node);
        info.text = TableText(w, block.node);
    } else {
        info.kind =
            w.Is(block.node, "sdt") ? BlockInfo::Kind::kContentControl : BlockInfo::Kind::kOther;
        ForEachElement(block.node, [&](const pugi::xml_node& node) {
            if (w.Is(node, "sdtPr")) return false;
            if (w.Is(node, "p")) {
                if (!info.text.empty()) info.text += '\n';
                info.text += ParagraphText(w, node, &info.text_boxes);
                return false;
            }
            if (w.Is(node, "tbl")) {
                if (!info.text.empty()) info.text += '\n';
                info.text += TableText(w, node);
                return false;
            }
            return true;
        });
    }
    return info;
}

}  // namespace

std::vector<BlockInfo> WordDocument::Blocks() const {
    std::vector<BlockInfo> out;
    if (!impl_->EnsureTree()) return out;
    const std::vector<BodyBlock> blocks = impl_->BodyBlocks();
    out.reserve(blocks.size());
    for (std::size_t i = 0; i < blocks.size(); ++i) out.push_back(ReadBlock(*impl_, blocks[i], i));
    return out;
}

std::string WordDocument::Text() const {
    std::string text;
    for (const BlockInfo& block : Blocks()) {
        text += block.text;
        text += '\n';
        for (const std::string& box : block.text_boxes) {
            text += box;
            text += '\n';
        }
    }
    return text;
}

std::vector<NoteInfo> WordDocument::Notes() const {
    Impl& impl = *impl_;
    std::vector<NoteInfo> notes;
    for (const auto& [rel_type, element] :
         {std::pair{"footnotes", "footnote"}, std::pair{"endnotes", "endnote"},
          std::pair{"comments", "comment"}}) {
        const std::string part = impl.RelatedPart(rel_type);
        pugi::xml_document* doc = part.empty() ? nullptr : impl.Part(part);
        if (doc == nullptr) continue;
        const WordNames w(*doc, impl.w.ns());
        for (pugi::xml_node note : doc->document_element().children()) {
            // Separator notes carry a w:type; real notes have none or "normal".
            const std::string_view type = w.Attr(note, "type");
            if (!w.Is(note, element) || (!type.empty() && type != "normal")) continue;
            NoteInfo info{element, std::string(w.Attr(note, "id")),
                          std::string(w.Attr(note, "author")), ""};
            ForEachElement(note, [&](const pugi::xml_node& node) {
                if (!w.Is(node, "p")) return true;
                if (!info.text.empty()) info.text += '\n';
                info.text += ParagraphText(w, node);
                return false;
            });
            notes.push_back(std::move(info));
        }
    }
    return notes;
}

Result<std::vector<BlockInfo>> WordDocument::ReadSection(std::string_view anchor) const {
    Impl& impl = *impl_;
    if (Status tree = impl.EnsureTree(); !tree) return std::unexpected(tree.error());
    const std::vector<BodyBlock> blocks = impl.BodyBlocks();
    std::vector<pugi::xml_node> unit;
    if (anchor == "start") {
        // The blocks before the first heading, as the outline's section "start".
        for (const BodyBlock& block : blocks) {
            if (block.heading_level >= 0) break;
            unit.push_back(block.node);
        }
    } else {
        Result<pugi::xml_node> block = impl.Resolve(anchor);
        if (!block) return Propagate(block);
        unit = impl.Unit(*block, true);
    }
    const std::set<pugi::xml_node> members(unit.begin(), unit.end());
    std::vector<BlockInfo> out;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (members.contains(blocks[i].node)) {
            out.push_back(ReadBlock(impl, blocks[i], i));
        }
    }
    return out;
}

}  // namespace quire::docx
