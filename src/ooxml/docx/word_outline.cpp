// The outline: the agent's small map of a document. Its size depends on how many headings,
// tables and figures there are (each list capped), never on how much text.

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxSections = 60;
constexpr std::size_t kMaxListed = 30;  // tables, figures, bookmarks, headers
constexpr std::size_t kTitleLength = 60;

// One line of text for a title: breaks and tabs become spaces, then it is cut to length.
std::string Title(std::string text) {
    for (char& c : text) {
        if (c == '\n' || c == '\t') c = ' ';
    }
    return Shorten(text, kTitleLength);
}

struct SectionEntry {
    std::string id;
    int level = 0;
    std::string title;
    std::size_t paragraphs = 0, words = 0, tables = 0, figures = 0;
};

struct TableEntry {
    std::string id, section, caption;
    std::size_t rows = 0, columns = 0;
};

struct FigureEntry {
    std::string id, name, kind, caption, section;
};

struct HeaderEntry {
    std::string kind, type, text;
};

struct Outline {
    std::size_t blocks = 0, paragraphs = 0, words = 0, page_sections = 1;
    std::vector<SectionEntry> sections;
    std::size_t sections_folded = 0;
    std::vector<TableEntry> tables;
    std::vector<FigureEntry> figures;
    std::vector<std::string> bookmarks;
    std::size_t hidden_bookmarks = 0;
    std::vector<HeaderEntry> headers;
    std::size_t footnotes = 0, endnotes = 0, comments = 0;
    bool tracked_changes = false;
};

// Keeps at most kMaxSections headings by dropping the deepest levels, their counts going to the
// section above them.
void FoldSections(Outline& outline) {
    int deepest = 9;
    auto count_at_most = [&](int level) {
        return std::count_if(outline.sections.begin(), outline.sections.end(),
                             [&](const SectionEntry& s) { return s.level <= level; });
    };
    while (deepest > 1 && static_cast<std::size_t>(count_at_most(deepest)) > kMaxSections)
        --deepest;
    std::vector<SectionEntry> kept;
    for (SectionEntry& section : outline.sections) {
        if (section.level <= deepest || kept.empty()) {
            kept.push_back(std::move(section));
            continue;
        }
        kept.back().paragraphs += section.paragraphs;
        kept.back().words += section.words;
        kept.back().tables += section.tables;
        kept.back().figures += section.figures;
        ++outline.sections_folded;
    }
    if (kept.size() > kMaxSections) {
        outline.sections_folded += kept.size() - kMaxSections;
        kept.resize(kMaxSections);
    }
    outline.sections = std::move(kept);
}

// The paragraphs of a block-level content control or custom XML element count as the section's
// own, except those in its tables and text boxes, as a table's cells do not count either.
void CountNestedParagraphs(const WordNames& w, const pugi::xml_node& block, Outline& outline,
                           SectionEntry& section) {
    ForEachElement(block, [&](const pugi::xml_node& node) {
        if (w.Is(node, "tbl") || w.Is(node, "sdtPr") || w.Is(node, "txbxContent")) return false;
        if (!w.Is(node, "p")) return true;
        const std::size_t words = CountWords(ParagraphText(w, node));
        ++outline.paragraphs;
        ++section.paragraphs;
        outline.words += words;
        section.words += words;
        return false;
    });
}

std::string PartText(WordDocument::Impl& impl, const std::string& part) {
    pugi::xml_document* doc = impl.Part(part);
    if (doc == nullptr) return "";
    const WordNames w(*doc, impl.w.ns());
    std::string text;
    ForEachElement(doc->document_element(), [&](const pugi::xml_node& node) {
        if (!w.Is(node, "p")) return true;
        std::string line = ParagraphText(w, node);
        if (!line.empty()) text += (text.empty() ? "" : " / ") + line;
        return false;
    });
    return Title(std::move(text));
}

void ReadMarks(WordDocument::Impl& impl, Outline& outline) {
    const WordNames& w = impl.w;
    std::set<std::string> comments;
    std::set<std::string> header_rels;
    ForEachElement(impl.body, [&](const pugi::xml_node& node) {
        if (!outline.tracked_changes && IsRevisionElement(w, node)) outline.tracked_changes = true;
        if (w.Is(node, "bookmarkStart")) {
            const std::string name(w.Attr(node, "name"));
            if (name.starts_with("_")) {
                ++outline.hidden_bookmarks;
            } else if (outline.bookmarks.size() < kMaxListed) {
                outline.bookmarks.push_back(name);
            }
        } else if (w.Is(node, "footnoteReference")) {
            ++outline.footnotes;
        } else if (w.Is(node, "endnoteReference")) {
            ++outline.endnotes;
        } else if (w.Is(node, "commentReference")) {
            comments.emplace(w.Attr(node, "id"));
        } else if (w.Is(node, "sectPr")) {
            if (node.parent() != impl.body) ++outline.page_sections;
            for (pugi::xml_node ref : node.children()) {
                const bool header = w.Is(ref, "headerReference");
                if (!header && !w.Is(ref, "footerReference")) continue;
                pugi::xml_attribute id = ooxml::FindAttribute(ref, impl.RelNs(), "id");
                if (!id || !header_rels.insert(id.value()).second) continue;
                if (outline.headers.size() >= kMaxListed) continue;
                std::string type(w.Attr(ref, "type"));
                outline.headers.push_back({header ? "header" : "footer",
                                           type.empty() ? "default" : type,
                                           PartText(impl, impl.TargetOf(id.value()))});
            }
        }
        return true;
    });
    outline.comments = comments.size();
    // What AcceptAllChanges and RejectAllChanges would resolve, in any part they cover.
    if (!outline.tracked_changes) outline.tracked_changes = PartsHoldRevision(impl);
}

Outline Build(WordDocument::Impl& impl) {
    const WordNames& w = impl.w;
    Outline outline;
    const std::string caption_style = impl.StyleIdByName("caption");
    auto caption_of = [&](const pugi::xml_node& node) -> std::string {
        if (!w.Is(node, "p") || caption_style.empty()) return "";
        const pugi::xml_node style =
            ooxml::FindChild(ooxml::FindChild(node, w.ns(), "pPr"), w.ns(), "pStyle");
        if (w.Attr(style, "val") != caption_style) return "";
        return Title(ParagraphText(w, node));
    };
    const std::vector<BodyBlock> blocks = impl.BodyBlocks();
    outline.blocks = blocks.size();
    SectionEntry preamble{"start", -1, "", 0, 0, 0, 0};
    SectionEntry* current = &preamble;
    std::size_t heading_number = 0, table_number = 0, figure_number = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const BodyBlock& block = blocks[i];
        const pugi::xml_node previous = i > 0 ? blocks[i - 1].node : pugi::xml_node();
        const pugi::xml_node next = i + 1 < blocks.size() ? blocks[i + 1].node : pugi::xml_node();
        if (block.heading_level >= 0) {
            ++heading_number;
            std::string id = impl.BlockAnchor(block.node, i);
            if (id.starts_with("b")) id = fmt::format("h{}", heading_number);
            outline.sections.push_back(
                {id, block.heading_level, Title(ParagraphText(w, block.node))});
            current = &outline.sections.back();
            continue;
        }
        if (w.Is(block.node, "tbl")) {
            ++table_number;
            ++current->tables;
            if (outline.tables.size() < kMaxListed) {
                TableEntry table;
                table.id = impl.BlockAnchor(block.node, i);
                if (table.id.starts_with("b")) table.id = fmt::format("t{}", table_number);
                table.section = current->id;
                table.caption = caption_of(previous);
                if (table.caption.empty()) table.caption = caption_of(next);
                for (pugi::xml_node row : block.node.children()) {
                    if (w.Is(row, "tr")) ++table.rows;
                }
                for (pugi::xml_node col :
                     ooxml::FindChild(block.node, w.ns(), "tblGrid").children()) {
                    if (w.Is(col, "gridCol")) ++table.columns;
                }
                outline.tables.push_back(std::move(table));
            }
            continue;
        }
        if (!w.Is(block.node, "p")) {
            CountNestedParagraphs(w, block.node, outline, *current);
            continue;
        }
        ++outline.paragraphs;
        ++current->paragraphs;
        const std::size_t words = CountWords(ParagraphText(w, block.node));
        outline.words += words;
        current->words += words;
        bool has_figure = false;
        ForEachElement(block.node, [&](const pugi::xml_node& node) {
            if (w.Is(node, "drawing")) has_figure = true;
            return !has_figure && !w.Is(node, "txbxContent");
        });
        if (!has_figure) continue;
        ++figure_number;
        ++current->figures;
        if (outline.figures.size() >= kMaxListed) continue;
        FigureEntry figure;
        figure.id = impl.BlockAnchor(block.node, i);
        if (figure.id.starts_with("b")) figure.id = fmt::format("f{}", figure_number);
        figure.section = current->id;
        figure.caption = caption_of(next);
        if (figure.caption.empty()) figure.caption = caption_of(previous);
        std::string rel_id;
        ForEachElement(block.node, [&](const pugi::xml_node& node) {
            const std::string_view local = Local(node);
            if (local == "docPr" && figure.name.empty())
                figure.name = node.attribute("name").value();
            if (local == "graphicData" && figure.kind.empty()) {
                const std::string_view uri = node.attribute("uri").value();
                figure.kind = uri.ends_with("/chart")     ? "chart"
                              : uri.ends_with("/picture") ? "image"
                              : uri.ends_with("/diagram") ? "diagram"
                                                          : "shape";
            }
            return true;
        });
        outline.figures.push_back(std::move(figure));
    }
    if (preamble.paragraphs > 0 || preamble.tables > 0 || preamble.figures > 0) {
        outline.sections.insert(outline.sections.begin(), preamble);
    }
    for (SectionEntry& section : outline.sections) {
        if (section.id == "start") section.level = 0;
    }
    FoldSections(outline);
    ReadMarks(impl, outline);
    return outline;
}

json::object SectionJson(const SectionEntry& section) {
    json::object out{{"id", section.id}, {"level", section.level}};
    if (section.id != "start") out["title"] = section.title;
    out["paragraphs"] = section.paragraphs;
    out["words"] = section.words;
    if (section.tables > 0) out["tables"] = section.tables;
    if (section.figures > 0) out["figures"] = section.figures;
    return out;
}

}  // namespace

std::string WordDocument::OutlineJson() const {
    if (!impl_->EnsureTree()) return "{}";
    const Outline outline = Build(*impl_);
    json::object out{{"format", "docx"},
                     {"paragraphs", outline.paragraphs},
                     {"words", outline.words},
                     {"page_sections", outline.page_sections}};
    json::array sections;
    for (const SectionEntry& section : outline.sections) sections.push_back(SectionJson(section));
    out["sections"] = std::move(sections);
    if (outline.sections_folded > 0) out["sections_folded"] = outline.sections_folded;
    json::array tables;
    for (const TableEntry& table : outline.tables) {
        json::object entry{{"id", table.id},
                           {"section", table.section},
                           {"rows", table.rows},
                           {"columns", table.columns}};
        if (!table.caption.empty()) entry["caption"] = table.caption;
        tables.push_back(std::move(entry));
    }
    out["tables"] = std::move(tables);
    json::array figures;
    for (const FigureEntry& figure : outline.figures) {
        json::object entry{{"id", figure.id},
                           {"kind", figure.kind},
                           {"name", figure.name},
                           {"section", figure.section}};
        if (!figure.caption.empty()) entry["caption"] = figure.caption;
        figures.push_back(std::move(entry));
    }
    out["figures"] = std::move(figures);
    json::array bookmarks;
    for (const std::string& name : outline.bookmarks) bookmarks.emplace_back(name);
    out["bookmarks"] = std::move(bookmarks);
    if (outline.hidden_bookmarks > 0) out["hidden_bookmarks"] = outline.hidden_bookmarks;
    json::array headers;
    for (const HeaderEntry& header : outline.headers) {
        headers.push_back(
            json::object{{"kind", header.kind}, {"type", header.type}, {"text", header.text}});
    }
    out["headers_footers"] = std::move(headers);
    out["footnotes"] = outline.footnotes;
    out["endnotes"] = outline.endnotes;
    out["comments"] = outline.comments;
    out["tracked_changes"] = outline.tracked_changes;
    return json::serialize(out);
}

std::string WordDocument::OutlineText() const {
    if (!impl_->EnsureTree()) return "";
    const Outline outline = Build(*impl_);
    std::string text = fmt::format("Document: {} paragraphs, {} words, {} page section(s)",
                                   outline.paragraphs, outline.words, outline.page_sections);
    if (outline.footnotes > 0) text += fmt::format(", {} footnotes", outline.footnotes);
    if (outline.endnotes > 0) text += fmt::format(", {} endnotes", outline.endnotes);
    if (outline.comments > 0) text += fmt::format(", {} comments", outline.comments);
    if (outline.tracked_changes) text += ", has tracked changes";
    text += "\nSections (id, level, title, paragraphs/words):\n";
    for (const SectionEntry& section : outline.sections) {
        text += fmt::format(
            "{:{}}{} H{} {} {}p/{}w\n", "", 2 * std::max(section.level, 1), section.id,
            section.level,
            section.id == "start" ? "(before the first heading)" : "\"" + section.title + "\"",
            section.paragraphs, section.words);
    }
    if (outline.sections_folded > 0) {
        text += fmt::format("  ({} deeper headings folded into their sections)\n",
                            outline.sections_folded);
    }
    for (const TableEntry& table : outline.tables) {
        text +=
            fmt::format("table {} in {}: {}x{}{}\n", table.id, table.section, table.rows,
                        table.columns, table.caption.empty() ? "" : " \"" + table.caption + "\"");
    }
    for (const FigureEntry& figure : outline.figures) {
        text += fmt::format("figure {} ({} '{}') in {}{}\n", figure.id, figure.kind, figure.name,
                            figure.section,
                            figure.caption.empty() ? "" : " \"" + figure.caption + "\"");
    }
    if (!outline.bookmarks.empty()) {
        text += fmt::format("bookmarks: {}\n", fmt::join(outline.bookmarks, ", "));
    }
    for (const HeaderEntry& header : outline.headers) {
        text += fmt::format("{} ({}): \"{}\"\n", header.kind, header.type, header.text);
    }
    return text;
}

}  // namespace quire::docx
