#include "convert/page_rasteriser.hpp"

#ifdef QUIRE_HAVE_POPPLER
#include <poppler-document.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <poppler-version.h>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>
#endif

namespace quire::convert {

#ifdef QUIRE_HAVE_POPPLER
namespace {

Result<std::unique_ptr<poppler::document>> OpenPdf(std::string_view pdf) {
    std::vector<char> data(pdf.begin(), pdf.end());
    std::unique_ptr<poppler::document> document(poppler::document::load_from_data(&data));
    if (!document || document->is_locked() || document->pages() < 1) {
        return Fail(ErrorCode::kConversionFailed, "the converted PDF could not be read");
    }
    return document;
}

// poppler-cpp saves images to files only; a private temporary file carries each page.
Result<std::string> EncodePng(const poppler::image& image) {
    std::string path = (std::filesystem::temp_directory_path() / "quire-page-XXXXXX").string();
    int fd = ::mkstemp(path.data());
    if (fd < 0) return Internal("cannot create a temporary file");
    ::close(fd);
    bool saved = image.save(path, "png");
    std::string bytes;
    if (saved) {
        if (std::FILE* file = std::fopen(path.c_str(), "rb")) {
            char buffer[1 << 16];
            std::size_t n = 0;
            while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) bytes.append(buffer, n);
            std::fclose(file);
        }
    }
    ::unlink(path.c_str());
    if (!saved || bytes.empty()) return Internal("cannot encode a page as PNG");
    return bytes;
}

}  // namespace

Result<std::vector<std::string>> RenderPdfPages(std::string_view pdf, int dpi) {
    auto document = OpenPdf(pdf);
    if (!document) return Propagate(document);
    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_paper_color(0xffffffff);
    renderer.set_image_format(poppler::image::format_rgb24);

    std::vector<std::string> pages;
    for (int i = 0; i < (*document)->pages(); ++i) {
        std::unique_ptr<poppler::page> page((*document)->create_page(i));
        if (!page) return Fail(ErrorCode::kConversionFailed, "a page of the PDF could not be read");
        poppler::image image = renderer.render_page(page.get(), dpi, dpi);
        if (!image.is_valid()) {
            return Fail(ErrorCode::kConversionFailed, "a page of the PDF could not be rendered");
        }
        auto png = EncodePng(image);
        if (!png) return Propagate(png);
        pages.push_back(std::move(*png));
    }
    return pages;
}

Result<int> PdfPageCount(std::string_view pdf) {
    auto document = OpenPdf(pdf);
    if (!document) return Propagate(document);
    return (*document)->pages();
}

std::string RasteriserVersion() { return "poppler-" + poppler::version_string(); }

#else

Result<std::vector<std::string>> RenderPdfPages(std::string_view, int) {
    return Fail(ErrorCode::kConverterUnavailable,
                "this server was built without poppler, which renders PNG pages");
}

Result<int> PdfPageCount(std::string_view) {
    return Fail(ErrorCode::kConverterUnavailable, "this server was built without poppler");
}

std::string RasteriserVersion() { return ""; }

#endif

}  // namespace quire::convert
