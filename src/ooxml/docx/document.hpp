#pragma once

// The blank Word document WordDocument::Create starts from, with a title and paragraphs: the
// package's parts (styles, settings, document properties) written whole.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::docx {

// A new .docx with `title` as a Title-styled paragraph followed by `paragraphs`.
[[nodiscard]] Result<std::string> BuildDocument(std::string_view title,
                                                const std::vector<std::string>& paragraphs);

}  // namespace quire::docx
