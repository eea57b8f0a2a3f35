#include "convert/html_images.hpp"

#include <string>

#include <gtest/gtest.h>

namespace quire::convert {
namespace {

const std::string kPng("\x89PNG\r\n\x1a\nrest", 12);

TEST(HtmlImages, ImageFilesBesideThePageBecomeDataUris) {
    // Calc's HTML referred to charts as files beside the page, which a download does not have.
    PageFiles files{{"output_html_1a.png", kPng}, {"output_html_2b.gif", "GIF89a!"}};
    std::string html =
        "<p><img src=\"output_html_1a.png\" width=5>\n<IMG SRC = 'output_html_2b.gif'></p>";
    EXPECT_EQ(InlineImages(html, files, "/jobs/2/result"),
              "<p><img src=\"data:image/png;base64,iVBORw0KGgpyZXN0\" width=5>\n"
              "<IMG SRC = 'data:image/gif;base64,R0lGODlhIQ=='></p>");
}

TEST(HtmlImages, FileUrlsOfTheFolderBecomeDataUris) {
    // With links kept absolute the office refers to the files by their URL in the job folder.
    PageFiles files{{"output html.png", kPng}};
    std::string html = "<img src=\"file:///jobs/2/result/output%20html.png\">";
    EXPECT_EQ(InlineImages(html, files, "/jobs/2/result"),
              "<img src=\"data:image/png;base64,iVBORw0KGgpyZXN0\">");
}

TEST(HtmlImages, EverythingElseIsLeftAsItWas) {
    PageFiles files{{"a.png", kPng}};
    for (std::string html : {
             std::string("<img src=\"b.png\"> <a href=\"a.png\">a.png</a>"),
             std::string("<p>src=\"a.png\" typed as text</p><img data-src=\"a.png\">"),
             std::string("<img src=\"a.png"),
             std::string("<img src=a.png>"),
             std::string("<img src=\"file:///jobs/2/a.png\">"),
             std::string("<img src=\"file:///jobs/2/result/x/a.png\">"),
         }) {
        SCOPED_TRACE(html);
        EXPECT_EQ(InlineImages(html, files, "/jobs/2/result"), html);
    }
}

TEST(HtmlImages, MimeTypeComesFromTheBytesThenTheName) {
    struct Row {
        std::string bytes;
        const char* name;
        const char* type;
    };
    for (const Row& row : {
             Row{kPng, "x.jpg", "image/png"},
             Row{"\xFF\xD8\xFF\xE0", "x.png", "image/jpeg"},
             Row{"GIF87a", "x", "image/gif"},
             Row{std::string("RIFF\0\0\0\0WEBPVP8 ", 16), "x", "image/webp"},
             Row{"<svg/>", "x.SVG", "image/svg+xml"},
             Row{"??", "x.emf", "image/emf"},
             Row{"??", "x.bin", "application/octet-stream"},
         }) {
        SCOPED_TRACE(row.name);
        EXPECT_EQ(ImageMimeType(row.bytes, row.name), row.type);
    }
}

}  // namespace
}  // namespace quire::convert
