#pragma once

// The model-driven agent: a language model edits the run's document through the format's tools,
// one model call per step, until it calls finish or answers without a tool call. Excel runs use
// the workbook tools (src/ooxml/xlsx/tools.hpp), Word runs the document tools
// (src/ooxml/docx/tools.hpp). docs/agent.md describes the loop, the context each call gets and
// the run memory that keeps follow-up turns cheap.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "agent/agent.hpp"

namespace quire::agent {

namespace llm {
class Provider;
}

struct ModelAgentOptions {
    int max_steps = 40;  // model calls in one turn
    std::int64_t max_turn_tokens =
        2'000'000;                 // input and output tokens of one turn, cache included
    int max_output_tokens = 4096;  // per model call
    std::size_t max_cells_written = 1'000'000;  // cells set_cells may write in one turn
    // Word blocks insert_blocks and add_chart may write in one turn: a heading, paragraph or
    // chart is one, a list one per item, a table one per row.
    std::size_t max_blocks_written = 100'000;
    std::size_t max_document_bytes = 200u << 20;
    // Earlier turns are given to the model as their prompt and summary; past this
    // many characters, the oldest are folded into one line each.
    std::size_t history_chars = 12'000;
    // Run memory: the outline, notes and earlier turns go into the context. Off, each turn
    // starts knowing nothing but the prompt (for the turn-cost benchmark).
    bool use_memory = true;
    // Backs the recalculate tool of Excel turns; empty when no office converter runs, and the
    // tool then answers so. Must outlive the agent.
    Recalculator recalculate;
};

// A model agent over `provider` for Excel and Word runs. PowerPoint has no tool set for a model
// yet, so Slides runs are handed to the offline agent.
std::unique_ptr<Agent> MakeModelAgent(std::shared_ptr<llm::Provider> provider,
                                      ModelAgentOptions options = {});

}  // namespace quire::agent
