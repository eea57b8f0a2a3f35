#pragma once

// PDF pages as PNG images, rendered with poppler.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::convert {

// One PNG per page of `pdf`, in page order, rendered at `dpi` with anti-aliased text and lines on
// a white background. kConversionFailed for bytes poppler cannot read as a PDF (or a PDF without
// pages); kConverterUnavailable when Quire was built without poppler.
[[nodiscard]] Result<std::vector<std::string>> RenderPdfPages(std::string_view pdf, int dpi);

// The number of pages of a PDF; errors as for RenderPdfPages.
[[nodiscard]] Result<int> PdfPageCount(std::string_view pdf);

// "poppler-22.12.0", or "" when Quire was built without poppler.
std::string RasteriserVersion();

}  // namespace quire::convert
