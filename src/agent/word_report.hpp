#pragma once

// The offline agent's Word recipes (docs/offline-agent.md): a report from a CSV, with an
// executive summary whose figures are computed from the data, a chart with a caption and the
// data as a table, and a memo skeleton from the prompt alone. Both work only through the Word
// tools, as a model-driven agent would, and remember what they made for later turns.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::xlsx {
struct CsvTable;
}  // namespace quire::xlsx

namespace quire::agent {

class WordEditor;

// What the first sentence of a prompt asks the document to be.
struct WordRequest {
    std::string title;                  // "" when the prompt gives none
    std::string kind = "document";      // "report", "memo", ... as the prompt says
    std::vector<std::string> sections;  // the sections the prompt names, in order
    // The prompt after its first sentence, without the section list: the clauses left to read.
    std::string rest;
};

// Reads the title and the sections from a prompt: `titled X` (called, named), or the topic of
// "write a memo about X" (on, for, regarding; cut before "with", "from", "using"), else the
// prompt's first sentence; sections from "with sections A, B and C" (a section list anywhere in
// the prompt).
WordRequest ReadWordRequest(std::string_view prompt);

// Numbers as the report writes them: rounded to two decimals, trailing zeros dropped, thousands
// grouped with commas ("1,234.5", "-0.25", "12").
std::string ReportNumber(double value);

// One sentence per thing a recipe did, for the task's summary.
using RecipeLog = std::vector<std::string>;

// Appends the report of `table` (read from `file_name`) at the end of the document: a Title
// when `with_title` (for a new document), an "Executive summary", the prompt's extra sections
// (empty), a "Chart" section with the chart and its caption (when the data has a time axis or a
// category column), and a "Data" section with the table, at most 20 rows and 8 columns, and a
// sentence saying how many of how many it shows. With `name_the_file` the headings end in the
// file's stem ("Data (sales)"), which tells the sections of several sources apart. A tool that
// refuses a call fails with kAgentFailed.
[[nodiscard]] Result<RecipeLog> BuildWordReport(WordEditor& editor, const WordRequest& request,
                                                std::string_view file_name,
                                                const xlsx::CsvTable& table, bool with_title,
                                                bool name_the_file);

// Writes a memo skeleton into an empty document: the title, `paragraphs` (text of the prompt,
// escaped, as written) and the request's sections as empty Heading 1 sections. No figures.
[[nodiscard]] Result<RecipeLog> BuildWordMemo(WordEditor& editor, const WordRequest& request,
                                              const std::vector<std::string>& paragraphs);

}  // namespace quire::agent
