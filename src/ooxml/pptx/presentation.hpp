#pragma once

// The first pptx engine: builds a deck from a title and text and appends slides to an existing
// one. The Slides issue replaces it.

#include <string>
#include <string_view>
#include <vector>

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

// One slide's text, in presentation order.
struct SlideText {
    std::string part;   // "ppt/slides/slide3.xml": stays with the slide while it is edited
    std::string title;  // the title placeholder's text, "" when it has none
    std::string text;   // the text of every shape, one line per shape with text
};

// Every slide of the deck; errors as for Validate.
[[nodiscard]] Result<std::vector<SlideText>> SlideTexts(std::string bytes);

}  // namespace quire::pptx
