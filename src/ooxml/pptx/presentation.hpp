#pragma once

// The first pptx engine: builds a deck from a title and text and appends slides to an existing
// one. The Slides issue replaces it.

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace quire::pptx {

// A new 16:9 .pptx with one title slide holding `title` and `subtitle`.
[[nodiscard]] Result<std::string> BuildPresentation(std::string_view title,
                                                    std::string_view subtitle);

// Appends a slide with a title and a body text box to any pptx; every other part stays byte for
// byte.
[[nodiscard]] Result<std::string> AppendSlide(std::string bytes, std::string_view title,
                                              std::string_view body);

// kInvalidRequest with the reason unless `bytes` is a readable PowerPoint deck.
[[nodiscard]] Status Validate(std::string bytes);

// The outline as JSON: {"slides": [{"index", "title"}...]}.
[[nodiscard]] Result<std::string> OutlineJson(std::string bytes);

}  // namespace quire::pptx
