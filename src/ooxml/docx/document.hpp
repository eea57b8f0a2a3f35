#pragma once

// The first docx engine: builds a document from a title and paragraphs and appends paragraphs to
// an existing one. The Word engine issue (#6) replaces it.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::docx {

// A new .docx with `title` as a Title-styled paragraph followed by `paragraphs`.
[[nodiscard]] Result<std::string> BuildDocument(std::string_view title,
                                                const std::vector<std::string>& paragraphs);

// Appends a paragraph at the end of the body (before the final section properties) of any docx;
// every other part stays byte for byte.
[[nodiscard]] Result<std::string> AppendParagraph(std::string bytes, std::string_view text);

// kInvalidRequest with the reason unless `bytes` is a readable Word document.
[[nodiscard]] Status Validate(std::string bytes);

// The outline as JSON: {"paragraphs": N, "headings": [...]}.
[[nodiscard]] Result<std::string> OutlineJson(std::string bytes);

// One paragraph of the body, tables included, in document order.
struct BodyParagraph {
    std::string text;
    bool heading = false;  // a title or heading paragraph: it starts a section
};

// Every paragraph of the main document part; errors as for Validate.
[[nodiscard]] Result<std::vector<BodyParagraph>> Paragraphs(std::string bytes);

}  // namespace quire::docx
