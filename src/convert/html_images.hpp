#pragma once

// Images of an HTML export carried inside the page. Calc's HTML filter has no option to embed
// them (Writer's EmbedImages): it writes each chart and picture as a file beside the page and
// refers to it by name, a file a download of the page alone does not have.

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace quire::convert {

// The files the office wrote beside a page, by plain file name, with their bytes.
using PageFiles = std::map<std::string, std::string, std::less<>>;

// `html` with each src attribute (any case, quoted with " or ') that names one of `files`
// replaced by a data: URI of that file's bytes in base64, its MIME type from ImageMimeType. A
// value names a file when it is the file's name, or a file: URL (percent escapes decoded) of
// that name in `folder`, the absolute path of the folder the files are in, as the office
// writes them when it keeps links absolute. Every other part of the page, other attributes
// included, is left as it was.
std::string InlineImages(std::string_view html, const PageFiles& files, std::string_view folder);

// The MIME type of an image file: from its leading bytes for PNG, JPEG, GIF, BMP, WebP and
// TIFF, else from its name's extension (also .svg, .wmf, .emf), else
// "application/octet-stream".
std::string_view ImageMimeType(std::string_view bytes, std::string_view name);

}  // namespace quire::convert
