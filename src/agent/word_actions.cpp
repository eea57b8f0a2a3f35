#include "agent/word_actions.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include "ooxml/docx/tools.hpp"
#include "ooxml/xlsx/tools.hpp"

namespace quire::agent {
namespace {

namespace json = boost::json;

// Memory keeps at most this many sections and figures, the latest ones.
constexpr std::size_t kMaxRemembered = 24;

std::string Lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// The lower-case words of a text: runs of letters and digits.
std::vector<std::string> Words(std::string_view text) {
    std::vector<std::string> words;
    std::string current;
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
            current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        } else if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) words.push_back(std::move(current));
    return words;
}

// True when every word of `words` is a word of `text`.
bool HoldsWords(std::string_view text, std::string_view words) {
    std::vector<std::string> wanted = Words(words);
    std::vector<std::string> have = Words(text);
    if (wanted.empty()) return false;
    return std::ranges::all_of(wanted, [&](const std::string& word) {
        return std::ranges::find(have, word) != have.end();
    });
}

bool SameWords(std::string_view a, std::string_view b) {
    std::vector<std::string> left = Words(a);
    return !left.empty() && left == Words(b);
}

std::string Quoted(const std::vector<std::string>& names) {
    std::vector<std::string> quoted;
    for (const std::string& name : names) quoted.push_back("\"" + name + "\"");
    return fmt::format("{}", fmt::join(quoted, ", "));
}

// How the summary names a figure: its caption, else its title, else its drawing's name.
std::string FigureTitle(const DocumentFigure& figure) {
    if (!figure.caption.empty()) return figure.caption;
    return figure.title.empty() ? figure.name : figure.title;
}

// A sentence gets its full stop back: clauses lose it when a prompt is split.
std::string PlainParagraph(std::string_view text) {
    std::string out = EscapeMarkup(text);
    if (!out.empty() && std::isalnum(static_cast<unsigned char>(out.back()))) out.push_back('.');
    return out;
}

ClauseOutcome Applied(std::string text) { return {ClauseOutcome::Kind::kApplied, std::move(text)}; }
ClauseOutcome Refused(std::string text) { return {ClauseOutcome::Kind::kRefused, std::move(text)}; }

// A refusal of the document (an invalid request) becomes a refused outcome; anything else stays
// an error.
template <typename T>
Result<ClauseOutcome> RefusalOf(const Result<T>& failed) {
    if (failed.error().code == ErrorCode::kInvalidRequest ||
        failed.error().code == ErrorCode::kNotFound) {
        return Refused(failed.error().message);
    }
    return std::unexpected(failed.error());
}

}  // namespace

std::string EscapeMarkup(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '*' || c == '_' || c == '[') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

WordEditor::WordEditor(docx::WordDocument& document, WordMemory memory, ToolObserver observer)
    : document_(document), memory_(std::move(memory)), observer_(std::move(observer)) {}

Result<json::value> WordEditor::Call(std::string_view tool, json::object args) {
    static constexpr std::string_view kEdits[] = {"insert_blocks", "replace_text", "move_block",
                                                  "delete_block", "add_chart"};
    if (tracked_ && std::ranges::find(kEdits, tool) != std::end(kEdits)) args["tracked"] = true;
    read_ = false;
    ++tool_calls_;
    if (observer_) observer_(tool, json::serialize(args));
    Result<json::value> result = docx::CallTool(document_, tool, args);
    if (!result) return std::unexpected(xlsx::WithoutToolName(std::move(result.error()), tool));
    return result;
}

void WordEditor::Read() {
    if (read_) return;
    sections_.clear();
    figures_.clear();
    bookmarks_.clear();
    std::vector<docx::BlockInfo> blocks = document_.Blocks();
    auto caption_at = [&](std::size_t i, bool above) -> const docx::BlockInfo* {
        std::size_t at = above ? i - 1 : i + 1;
        bool inside = above ? i > 0 : i + 1 < blocks.size();
        return inside && blocks[at].caption ? &blocks[at] : nullptr;
    };
    // As the outline reads them: a table's caption is above it unless only the paragraph below
    // is one, a chart's below it unless only the one above is.
    auto caption = [&](std::size_t i, bool above_first) -> std::string {
        const docx::BlockInfo* found = caption_at(i, above_first);
        if (found == nullptr) found = caption_at(i, !above_first);
        return found ? found->text : "";
    };
    std::string heading, heading_anchor;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const docx::BlockInfo& block = blocks[i];
        bookmarks_.insert(block.bookmarks.begin(), block.bookmarks.end());
        if (block.kind == docx::BlockInfo::Kind::kTable) {
            std::string text = caption(i, true);
            figures_.push_back({block.id, "table", "", text, text, heading, heading_anchor});
            continue;
        }
        if (block.heading_level >= 0 && !block.text.empty()) {
            sections_.push_back({block.id, block.text, block.heading_level});
            heading = block.text;
            heading_anchor = block.id;
        }
        for (const docx::DrawingInfo& drawing : block.drawings) {
            if (drawing.kind != "chart") continue;
            figures_.push_back({block.id, "chart", drawing.name, drawing.alt_text,
                                caption(i, false), heading, heading_anchor});
        }
    }
    read_ = true;
}

const std::vector<DocumentSection>& WordEditor::Sections() {
    Read();
    return sections_;
}

const std::vector<DocumentFigure>& WordEditor::Figures() {
    Read();
    return figures_;
}

Result<DocumentSection> WordEditor::FindSection(std::string_view words) {
    const std::vector<DocumentSection>& sections = Sections();
    std::vector<const DocumentSection*> exact, by_role, holding;
    for (const DocumentSection& section : sections) {
        if (SameWords(section.title, words)) exact.push_back(&section);
    }
    std::string role = Lower(words);
    if (role == "executive summary" || role == "report") role = "summary";
    if (role == "table") role = "data";
    for (const DocumentSection& section : sections) {
        bool made_for_it = std::ranges::any_of(memory_.sections, [&](const auto& known) {
            return known.anchor == section.anchor &&
                   (known.role == role || SameWords(known.title, words));
        });
        if (made_for_it) by_role.push_back(&section);
    }
    for (const DocumentSection& section : sections) {
        if (HoldsWords(section.title, words)) holding.push_back(&section);
    }
    for (const auto* candidates : {&exact, &by_role, &holding}) {
        if (candidates->size() == 1) return *candidates->front();
        if (candidates->empty()) continue;
        std::vector<std::string> names;
        for (const DocumentSection* section : *candidates) names.push_back(section->title);
        return InvalidRequest(fmt::format("{} sections match \"{}\": {}; name one", names.size(),
                                          words, Quoted(names)));
    }
    std::vector<std::string> names;
    for (const DocumentSection& section : sections) names.push_back(section.title);
    if (names.empty()) return InvalidRequest("the document has no sections");
    return InvalidRequest(
        fmt::format("no section is called \"{}\"; the sections are {}", words, Quoted(names)));
}

std::string WordEditor::SectionRole(std::string_view anchor) const {
    for (const RememberedSection& known : memory_.sections) {
        if (known.anchor == anchor) return known.role;
    }
    return "";
}

bool WordEditor::Remembered(const DocumentFigure& figure) const {
    return std::ranges::any_of(memory_.figures, [&](const RememberedFigure& known) {
        return known.anchor == figure.anchor;
    });
}

std::vector<DocumentFigure> WordEditor::FiguresByRecency(std::string_view kind) {
    std::vector<DocumentFigure> ordered;
    auto listed = [&](const DocumentFigure& figure) {
        return std::ranges::any_of(ordered, [&](auto& f) { return f.anchor == figure.anchor; });
    };
    for (auto known = memory_.figures.rbegin(); known != memory_.figures.rend(); ++known) {
        for (const DocumentFigure& figure : Figures()) {
            if (figure.kind == kind && figure.anchor == known->anchor && !listed(figure))
                ordered.push_back(figure);
        }
    }
    for (const DocumentFigure& figure : Figures()) {
        if (figure.kind == kind && !listed(figure)) ordered.push_back(figure);
    }
    return ordered;
}

Result<DocumentFigure> WordEditor::FindFigure(const FigureWords& words) {
    std::vector<DocumentFigure> ordered = FiguresByRecency(words.kind);
    if (ordered.empty()) return InvalidRequest(fmt::format("the document has no {}", words.kind));
    if (words.words.empty()) {
        if (Remembered(ordered.front()) || ordered.size() == 1) return ordered.front();
        return InvalidRequest(
            fmt::format("the document has {} {}s; name one", ordered.size(), words.kind));
    }
    // In document order, so that a refusal lists the candidates as the document has them.
    std::vector<const DocumentFigure*> exact, holding, in_section;
    for (const DocumentFigure& figure : Figures()) {
        if (figure.kind != words.kind) continue;
        if (SameWords(figure.title, words.words) || SameWords(figure.caption, words.words) ||
            SameWords(figure.name, words.words)) {
            exact.push_back(&figure);
        }
        if (HoldsWords(figure.title + " " + figure.caption + " " + figure.name, words.words))
            holding.push_back(&figure);
        if (HoldsWords(figure.section, words.words)) in_section.push_back(&figure);
    }
    for (const auto* candidates : {&exact, &holding, &in_section}) {
        if (candidates->size() == 1) return *candidates->front();
        if (candidates->empty()) continue;
        std::vector<std::string> names;
        for (const DocumentFigure* figure : *candidates) names.push_back(FigureTitle(*figure));
        return InvalidRequest(fmt::format("{} {}s match \"{}\": {}; name one", names.size(),
                                          words.kind, words.words, Quoted(names)));
    }
    return InvalidRequest(fmt::format("no {} is called \"{}\"", words.kind, words.words));
}

Result<std::string> WordEditor::StableAnchor(const std::string& anchor, std::string_view prefix) {
    static const std::regex kPositional(R"(b[0-9]+)");
    if (!std::regex_match(anchor, kPositional)) return anchor;
    Read();
    std::string name;
    for (int n = 1; name.empty() || bookmarks_.contains(name); ++n) {
        name = fmt::format("{}{}", prefix, n);
    }
    Result<json::value> added = Call("add_bookmark", {{"block", anchor}, {"name", name}});
    if (!added) return Propagate(added);
    return name;
}

void WordEditor::RememberSection(RememberedSection section) {
    std::erase_if(memory_.sections,
                  [&](const RememberedSection& known) { return known.anchor == section.anchor; });
    memory_.sections.push_back(std::move(section));
}

void WordEditor::RememberFigure(RememberedFigure figure) {
    std::erase_if(memory_.figures,
                  [&](const RememberedFigure& known) { return known.anchor == figure.anchor; });
    memory_.figures.push_back(std::move(figure));
}

WordMemory WordEditor::Memory() {
    std::set<std::string> anchors;
    for (const DocumentSection& section : Sections()) anchors.insert(section.anchor);
    for (const DocumentFigure& figure : Figures()) anchors.insert(figure.anchor);
    WordMemory kept;
    for (const RememberedSection& section : memory_.sections) {
        if (anchors.contains(section.anchor)) kept.sections.push_back(section);
    }
    for (const RememberedFigure& figure : memory_.figures) {
        if (anchors.contains(figure.anchor)) kept.figures.push_back(figure);
    }
    auto keep_last = [](auto& items) {
        if (items.size() > kMaxRemembered) items.erase(items.begin(), items.end() - kMaxRemembered);
    };
    keep_last(kept.sections);
    keep_last(kept.figures);
    return kept;
}

namespace {

// Where a block goes for a place relative to a section: the Title paragraph is no section of
// its own, so "after the title" is right after it.
std::pair<std::string, std::string> Target(const DocumentSection* section, WordPlace place) {
    if (section == nullptr || place == WordPlace::kEndOfDocument) return {"end", "after"};
    if (place == WordPlace::kBeforeSection) return {section->anchor, "before"};
    return {section->anchor, section->level == 0 ? "after" : "end_of_section"};
}

// "after \"Risks\"", "at the end" (for something added), "to the end" (for something moved).
std::string PlaceText(const DocumentSection* section, WordPlace place, bool moved = false) {
    if (section == nullptr || place == WordPlace::kEndOfDocument)
        return moved ? "to the end" : "at the end";
    if (place == WordPlace::kBeforeSection) return fmt::format("before \"{}\"", section->title);
    if (place == WordPlace::kAfterSection) return fmt::format("after \"{}\"", section->title);
    return fmt::format("to the end of \"{}\"", section->title);
}

// True when nothing but empty paragraphs lies between the heading at `heading` and the next
// heading of its level or above: a deeper heading, a table, a drawing, a text box or the end of a
// page section is content.
bool SectionIsEmpty(const std::vector<docx::BlockInfo>& blocks, std::size_t heading) {
    for (std::size_t i = heading + 1; i < blocks.size(); ++i) {
        const docx::BlockInfo& block = blocks[i];
        if (block.heading_level >= 0) return block.heading_level <= blocks[heading].heading_level;
        bool blank = block.kind == docx::BlockInfo::Kind::kParagraph && block.text.empty() &&
                     block.drawings.empty() && block.text_boxes.empty() && !block.section_break;
        if (!blank) return false;
    }
    return true;
}

// A report's "Chart" section holds its chart and its "Data" section its table. Once a move or a
// delete leaves such a section with nothing in it, its heading goes too, and the summary says so
// ("" when nothing was removed). A section the run did not make for that role, a user's, or one
// with anything left in it stays.
Result<std::string> RemoveEmptiedSection(WordEditor& editor, const DocumentFigure& figure) {
    std::string role = figure.kind == "chart" ? "chart" : "data";
    if (figure.section_anchor.empty() || editor.SectionRole(figure.section_anchor) != role) {
        return std::string();
    }
    std::vector<docx::BlockInfo> blocks = editor.document().Blocks();
    auto heading = std::ranges::find_if(
        blocks, [&](const docx::BlockInfo& block) { return block.id == figure.section_anchor; });
    if (heading == blocks.end() || heading->heading_level < 1 ||
        !SectionIsEmpty(blocks, static_cast<std::size_t>(heading - blocks.begin()))) {
        return std::string();
    }
    Result<json::value> deleted = editor.Call("delete_block", {{"block", figure.section_anchor}});
    if (!deleted) return Propagate(deleted);
    return fmt::format(" Removed the section \"{}\" the report had made for the {}, now empty.",
                       heading->text, figure.kind);
}

Result<ClauseOutcome> DoAddSection(WordEditor& editor, const AddSection& add) {
    std::optional<DocumentSection> near;
    if (add.place != WordPlace::kEndOfDocument) {
        Result<DocumentSection> found = editor.FindSection(add.section);
        if (!found) return RefusalOf(found);
        near = *found;
    }
    int level = near ? std::max(1, near->level) : 1;
    auto [anchor, position] = Target(near ? &*near : nullptr, add.place);
    json::array blocks{
        json::object{{"type", "heading"}, {"text", EscapeMarkup(add.title)}, {"level", level}}};
    Result<json::value> added = editor.Call(
        "insert_blocks", {{"anchor", anchor}, {"position", position}, {"blocks", blocks}});
    if (!added) return RefusalOf(added);
    const json::array& anchors = added->at("anchors").as_array();
    if (!anchors.empty()) {
        editor.RememberSection({std::string(anchors[0].as_string()), add.title, ""});
    }
    return Applied(fmt::format("Added section \"{}\" {}.", add.title,
                               PlaceText(near ? &*near : nullptr, add.place)));
}

Result<ClauseOutcome> DoMoveFigure(WordEditor& editor, const MoveFigure& move) {
    Result<DocumentFigure> figure = editor.FindFigure(move.figure);
    if (!figure) return RefusalOf(figure);
    std::optional<DocumentSection> to;
    if (move.place != WordPlace::kEndOfDocument) {
        Result<DocumentSection> found = editor.FindSection(move.section);
        if (!found) return RefusalOf(found);
        to = *found;
    }
    Result<std::string> stable =
        editor.StableAnchor(figure->anchor, figure->kind == "chart" ? "fig_" : "tbl_");
    if (!stable) return RefusalOf(stable);
    auto [anchor, position] = Target(to ? &*to : nullptr, move.place);
    Result<json::value> moved = editor.Call(
        "move_block", {{"block", *stable}, {"to_anchor", anchor}, {"position", position}});
    if (!moved) return RefusalOf(moved);
    std::string title = figure->caption.empty() ? figure->title : figure->caption;
    editor.RememberFigure({*stable, figure->kind, title});
    Result<std::string> removed = RemoveEmptiedSection(editor, *figure);
    if (!removed) return std::unexpected(removed.error());
    return Applied(fmt::format("Moved the {} \"{}\" {}.{}", figure->kind, title,
                               PlaceText(to ? &*to : nullptr, move.place, true), *removed));
}

Result<ClauseOutcome> DoMoveSection(WordEditor& editor, const MoveSection& move) {
    Result<DocumentSection> section = editor.FindSection(move.section);
    if (!section) return RefusalOf(section);
    if (section->level == 0) return Refused("the title is not a section that can move");
    std::optional<DocumentSection> other;
    if (move.place != WordPlace::kEndOfDocument) {
        Result<DocumentSection> found = editor.FindSection(move.other);
        if (!found) return RefusalOf(found);
        other = *found;
    }
    auto [anchor, position] = Target(other ? &*other : nullptr, move.place);
    Result<json::value> moved = editor.Call(
        "move_block", {{"block", section->anchor}, {"to_anchor", anchor}, {"position", position}});
    if (!moved) return RefusalOf(moved);
    return Applied(fmt::format("Moved section \"{}\" {}.", section->title,
                               PlaceText(other ? &*other : nullptr, move.place, true)));
}

Result<ClauseOutcome> DoDeleteSection(WordEditor& editor, const DeleteSection& remove) {
    Result<DocumentSection> section = editor.FindSection(remove.section);
    if (!section) return RefusalOf(section);
    if (section->level == 0) return Refused("the title is not a section that can be deleted");
    Result<json::value> deleted = editor.Call("delete_block", {{"block", section->anchor}});
    if (!deleted) return RefusalOf(deleted);
    return Applied(fmt::format("Deleted section \"{}\".", section->title));
}

Result<ClauseOutcome> DoDeleteFigure(WordEditor& editor, const DeleteFigure& remove) {
    Result<DocumentFigure> figure = editor.FindFigure(remove.figure);
    if (!figure) return RefusalOf(figure);
    Result<json::value> deleted = editor.Call("delete_block", {{"block", figure->anchor}});
    if (!deleted) return RefusalOf(deleted);
    std::string title = figure->caption.empty() ? figure->title : figure->caption;
    Result<std::string> removed = RemoveEmptiedSection(editor, *figure);
    if (!removed) return std::unexpected(removed.error());
    return Applied(fmt::format("Deleted the {} \"{}\".{}", figure->kind, title, *removed));
}

Result<ClauseOutcome> DoReplace(WordEditor& editor, const ReplaceWords& replace) {
    Result<json::value> replaced =
        editor.Call("replace_text",
                    {{"find", replace.find}, {"replace", replace.replace}, {"scope", "document"}});
    if (!replaced) return RefusalOf(replaced);
    std::int64_t count = replaced->at("replaced").to_number<std::int64_t>();
    if (count == 0) return Refused(fmt::format("\"{}\" does not occur", replace.find));
    return Applied(fmt::format("Replaced \"{}\" with \"{}\" ({} time{}).", replace.find,
                               replace.replace, count, count == 1 ? "" : "s"));
}

Result<ClauseOutcome> DoAddParagraph(WordEditor& editor, const AddParagraph& add) {
    std::optional<DocumentSection> section;
    if (!add.section.empty()) {
        Result<DocumentSection> found = editor.FindSection(add.section);
        if (!found) return RefusalOf(found);
        section = *found;
    }
    WordPlace place = section ? WordPlace::kEndOfSection : WordPlace::kEndOfDocument;
    auto [anchor, position] = Target(section ? &*section : nullptr, place);
    json::array blocks{json::object{{"type", "paragraph"}, {"text", PlainParagraph(add.text)}}};
    Result<json::value> added = editor.Call(
        "insert_blocks", {{"anchor", anchor}, {"position", position}, {"blocks", blocks}});
    if (!added) return RefusalOf(added);
    return Applied(section ? fmt::format("Added a paragraph to \"{}\".", section->title)
                           : std::string("Added a paragraph at the end."));
}

// The title is changed in place when its text occurs nowhere else; a document without a Title
// paragraph gets one at the start.
Result<ClauseOutcome> DoRetitle(WordEditor& editor, const RetitleDocument& retitle) {
    const std::vector<DocumentSection>& sections = editor.Sections();
    auto title = std::ranges::find_if(sections, [](auto& s) { return s.level == 0; });
    if (title == sections.end()) {
        json::array blocks{
            json::object{{"type", "heading"}, {"text", EscapeMarkup(retitle.title)}, {"level", 0}}};
        Result<json::value> added = editor.Call(
            "insert_blocks", {{"anchor", "start"}, {"position", "before"}, {"blocks", blocks}});
        if (!added) return RefusalOf(added);
        return Applied(fmt::format("Titled the document \"{}\".", retitle.title));
    }
    std::string old = title->title;
    std::size_t occurrences = 0;
    for (const docx::BlockInfo& block : editor.document().Blocks()) {
        for (std::size_t at = block.text.find(old); at != std::string::npos;
             at = block.text.find(old, at + old.size())) {
            ++occurrences;
        }
    }
    if (occurrences != 1) {
        return Refused(fmt::format("the title \"{}\" also occurs elsewhere in the text", old));
    }
    Result<json::value> replaced =
        editor.Call("replace_text", {{"find", old}, {"replace", retitle.title}, {"scope", "all"}});
    if (!replaced) return RefusalOf(replaced);
    return Applied(fmt::format("Retitled the document \"{}\" (was \"{}\").", retitle.title, old));
}

Result<ClauseOutcome> DoResolveChanges(WordEditor& editor, const ResolveChanges& resolve) {
    Result<json::value> resolved =
        editor.Call(resolve.accept ? "accept_all_changes" : "reject_all_changes", {});
    if (!resolved) return RefusalOf(resolved);
    std::int64_t count = resolved->at("changes").to_number<std::int64_t>();
    if (count == 0) return Refused("the document has no tracked changes");
    return Applied(fmt::format("{} {} tracked change{}.", resolve.accept ? "Accepted" : "Rejected",
                               count, count == 1 ? "" : "s"));
}

}  // namespace

Result<ClauseOutcome> ApplyWordInstruction(WordEditor& editor, const WordInstruction& instruction) {
    return std::visit(
        [&](const auto& step) -> Result<ClauseOutcome> {
            using T = std::decay_t<decltype(step)>;
            if constexpr (std::is_same_v<T, AddSection>) return DoAddSection(editor, step);
            if constexpr (std::is_same_v<T, MoveFigure>) return DoMoveFigure(editor, step);
            if constexpr (std::is_same_v<T, MoveSection>) return DoMoveSection(editor, step);
            if constexpr (std::is_same_v<T, DeleteSection>) return DoDeleteSection(editor, step);
            if constexpr (std::is_same_v<T, DeleteFigure>) return DoDeleteFigure(editor, step);
            if constexpr (std::is_same_v<T, ReplaceWords>) return DoReplace(editor, step);
            if constexpr (std::is_same_v<T, AddParagraph>) return DoAddParagraph(editor, step);
            if constexpr (std::is_same_v<T, RetitleDocument>) return DoRetitle(editor, step);
            if constexpr (std::is_same_v<T, ResolveChanges>) return DoResolveChanges(editor, step);
        },
        instruction);
}

}  // namespace quire::agent
