#pragma once

// The follow-up instructions the offline agent understands for Word documents, read from one
// clause of a prompt (docs/offline-agent.md lists every phrase with an example). As for Excel,
// reading is separate from doing: ParseWordInstruction says what a clause asks for with names as
// the user wrote them; word_actions.hpp resolves them against the document and calls the tools.
//
// Matching ignores letter case, openers such as "please", articles and punctuation at the end.
// A section is named as `Risks`, `section Risks`, `the Risks section`, `the section named
// "Costs and risks"`; a chart as `the chart`, `the revenue chart`, `chart "Figure 1"`; a table
// as `the table`, `the data table`. The word "section" makes a name a section's even when it is
// "Chart" or "Table"; where only a section can be meant (the place of `add a section`, the other
// section of `move the section`, the section of `add a paragraph`) a bare name is a section's.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace quire::agent {

// Where a new or moved block goes relative to a section: after its last block, before its
// heading, or at an end of the document (`section` is then "").
enum class WordPlace { kEndOfSection, kAfterSection, kBeforeSection, kEndOfDocument };

// A chart or a table, by the words that name it ("revenue"; "" for "the chart").
struct FigureWords {
    std::string kind;  // "chart" or "table"
    std::string words;
};

struct AddSection {
    std::string title;
    WordPlace place = WordPlace::kEndOfDocument;  // kAfterSection, kBeforeSection or this
    std::string section;                          // the section it goes after or before
};

struct MoveFigure {
    FigureWords figure;
    WordPlace place = WordPlace::kEndOfSection;
    std::string section;
};

struct MoveSection {
    std::string section;
    WordPlace place = WordPlace::kAfterSection;  // kAfterSection, kBeforeSection, kEndOfDocument
    std::string other;
};

struct DeleteSection {
    std::string section;
};

struct DeleteFigure {
    FigureWords figure;
};

struct ReplaceWords {
    std::string find;
    std::string replace;
};

// A paragraph at the end of a section, or of the document when `section` is "".
struct AddParagraph {
    std::string section;
    std::string text;
};

struct RetitleDocument {
    std::string title;
};

// Accepts, or rejects, every tracked change of the document.
struct ResolveChanges {
    bool accept = true;
};

using WordInstruction =
    std::variant<AddSection, MoveFigure, MoveSection, DeleteSection, DeleteFigure, ReplaceWords,
                 AddParagraph, RetitleDocument, ResolveChanges>;

// The instruction a clause gives, or nullopt when it matches none of the documented phrases.
std::optional<WordInstruction> ParseWordInstruction(std::string_view clause);

// What a clause says about tracked changes. The words that ask for them are taken off the clause
// before it is read as an instruction, so that they never become part of a name or of text to
// write: at its end `as a tracked change` (as tracked changes), `with tracked changes` (with
// track changes), `as a suggestion` (as suggestions), `, tracked`; at its start `as a tracked
// change,` or `with tracked changes,`. A clause that asks for nothing else: `track changes`
// (use, turn on; track your changes), `make the edits as suggestions` (as tracked changes).
struct TrackedWording {
    std::string clause;    // the clause without those words; the clause itself when it has none
    bool tracked = false;  // the clause asks for tracked changes
    bool alone = false;    // and for nothing else
};
TrackedWording ReadTrackedWording(std::string_view clause);

// The words of a section's name without "the", "section" and quotes: "the Risks section" ->
// "Risks". nullopt when the text names a chart or table instead.
std::optional<std::string> SectionWords(std::string_view text);

// The words naming a chart or table, or nullopt when the text names neither (a text with the
// word "section" first or last names a section: "the Chart section").
std::optional<FigureWords> ParseFigureWords(std::string_view text);

}  // namespace quire::agent
