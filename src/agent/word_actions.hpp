#pragma once

// The offline agent's Word instructions carried out: names resolved against the document and
// the run memory, then the Word tools called (src/ooxml/docx/tools.hpp), as a model-driven
// agent would call them. Edits are plain unless the turn asked for tracked changes.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/prompt_clauses.hpp"
#include "agent/word_instructions.hpp"
#include "agent/word_memory.hpp"
#include "common/error.hpp"
#include "ooxml/docx/word_document.hpp"

namespace quire::agent {

// A heading of the document as instructions see it.
struct DocumentSection {
    std::string anchor;
    std::string title;
    int level = 1;  // 0 for the Title paragraph
};

// A chart or table of the document.
struct DocumentFigure {
    std::string anchor;
    std::string kind;            // "chart" or "table"
    std::string name;            // the drawing's name ("Chart 1"), "" for a table
    std::string title;           // a chart's alternative text (the engine writes its title there)
    std::string caption;         // "" when it has none
    std::string section;         // the title of the heading it is under, "" before the first
    std::string section_anchor;  // that heading's anchor, "" before the first
};

// The document a Word turn works on, with the tool calls made on it and what the run remembers.
// Not copyable: it refers to the document it was made for, which must outlive it.
class WordEditor {
public:
    using ToolObserver = std::function<void(std::string_view, std::string_view)>;

    WordEditor(docx::WordDocument& document, WordMemory memory, ToolObserver observer = {});
    WordEditor(const WordEditor&) = delete;
    WordEditor& operator=(const WordEditor&) = delete;

    // Runs one Word tool. The error, on failure, is the tool's without its name in front.
    // While tracking is on, a tool that edits content gets "tracked": true.
    [[nodiscard]] Result<boost::json::value> Call(std::string_view tool, boost::json::object args);

    // From now on, every edit the editor makes (insert_blocks, replace_text, move_block,
    // delete_block, add_chart) is a tracked change, or is plain again.
    void SetTracked(bool tracked) { tracked_ = tracked; }
    bool tracked() const { return tracked_; }

    // The document's headings and figures, read again after each tool call.
    const std::vector<DocumentSection>& Sections();
    const std::vector<DocumentFigure>& Figures();

    // The section the words name: the heading of that title (ignoring case and punctuation),
    // else the one section the run made for that role ("summary", "data", "chart"), else the one
    // heading whose title holds all the words. kInvalidRequest naming the candidates when
    // several fit at the same step, or the sections there are when none does.
    [[nodiscard]] Result<DocumentSection> FindSection(std::string_view words);
    // The chart or table the words name: the one whose title, caption (above or below it) or
    // name is the words, else the one that holds them there, else the one whose section's
    // title holds them ("the data table"). Several at the same step are refused with
    // kInvalidRequest naming them; the run never picks one for the user. "" is the one the run
    // touched last, else the document's only one of that kind.
    [[nodiscard]] Result<DocumentFigure> FindFigure(const FigureWords& words);

    // The role the run gave the section with this heading anchor ("summary", "chart", "data"),
    // "" for a section it did not make for a role or did not make at all.
    std::string SectionRole(std::string_view anchor) const;

    // The anchor a block keeps across edits: its own when that is a bookmark, else a new
    // bookmark (`prefix` and a number) put on it with add_bookmark, since a positional anchor
    // ("b12") names another block after the next insertion.
    [[nodiscard]] Result<std::string> StableAnchor(const std::string& anchor,
                                                   std::string_view prefix);

    // Memory: what the run made, and the figure it touched last.
    void RememberSection(RememberedSection section);
    void RememberFigure(RememberedFigure figure);
    // The memory with what no longer exists in the document left out.
    WordMemory Memory();

    int ToolCalls() const { return tool_calls_; }
    docx::WordDocument& document() { return document_; }

private:
    void Read();
    // The figures of a kind, those the run touched first (the latest first), then the others.
    std::vector<DocumentFigure> FiguresByRecency(std::string_view kind);
    bool Remembered(const DocumentFigure& figure) const;

    docx::WordDocument& document_;
    WordMemory memory_;
    ToolObserver observer_;
    int tool_calls_ = 0;
    bool tracked_ = false;
    bool read_ = false;
    std::vector<DocumentSection> sections_;
    std::vector<DocumentFigure> figures_;
    std::set<std::string> bookmarks_;  // every bookmark name of the body
};

// Text with the characters that start the engine's inline markup (\ * _ [) escaped, so that it
// is written as it reads.
std::string EscapeMarkup(std::string_view text);

// Carries out one instruction. Refusals (an unknown or ambiguous name, text not found) come back
// as a kRefused outcome and change nothing; a tool that fails otherwise is an error.
[[nodiscard]] Result<ClauseOutcome> ApplyWordInstruction(WordEditor& editor,
                                                         const WordInstruction& instruction);

}  // namespace quire::agent
