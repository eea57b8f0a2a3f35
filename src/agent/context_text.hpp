#pragma once

// The text of a context file, as the read_context_file tool gives it to the agent: CSV and other
// text files as they are, a workbook's sheets as tab-separated rows, a Word document's paragraphs
// and a deck's slides as plain text.

#include <string>

#include "agent/agent.hpp"
#include "common/error.hpp"

namespace quire::agent {

// At most `max_chars` characters of it (then cut at a line end). kInvalidRequest naming the
// file for bytes that are neither text nor a document Quire reads.
Result<std::string> ContextText(const ContextFile& file, std::size_t max_chars);

}  // namespace quire::agent
