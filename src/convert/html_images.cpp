#include "convert/html_images.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

#include <openssl/evp.h>

namespace quire::convert {
namespace {

std::string Base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// True when the lower-cased page has an attribute named src at `at` ("src" after white space,
// then '=' and a quote, spaces allowed around '='); `value` is then the opening quote's offset.
bool SrcAttributeAt(std::string_view lower, std::size_t at, std::size_t& value) {
    if (at == 0 || !std::isspace(static_cast<unsigned char>(lower[at - 1]))) return false;
    std::size_t i = at + 3;
    while (i < lower.size() && std::isspace(static_cast<unsigned char>(lower[i]))) ++i;
    if (i >= lower.size() || lower[i] != '=') return false;
    ++i;
    while (i < lower.size() && std::isspace(static_cast<unsigned char>(lower[i]))) ++i;
    if (i >= lower.size() || (lower[i] != '"' && lower[i] != '\'')) return false;
    value = i;
    return true;
}

std::string PercentDecoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text[i] == '%' && i + 2 < text.size() &&
            std::sscanf(std::string(text.substr(i + 1, 2)).c_str(), "%2x", &value) == 1 &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out.push_back(static_cast<char>(value));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// The file name an src value refers to in `folder`: the value itself, or the last component of
// a file: URL of a path directly in `folder`; "" for anything else.
std::string FileNamed(std::string_view value, std::string_view folder) {
    if (!value.starts_with("file:")) return std::string(value);
    std::string path = PercentDecoded(value.substr(5));
    if (path.starts_with("//localhost/")) path.erase(0, 11);
    if (path.starts_with("//")) path.erase(0, 2);
    std::string prefix = std::string(folder) + "/";
    if (!path.starts_with(prefix)) return "";
    std::string name = path.substr(prefix.size());
    return name.find('/') == std::string::npos ? name : "";
}

}  // namespace

std::string_view ImageMimeType(std::string_view bytes, std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMagic{{
        {std::string_view("\x89PNG\r\n\x1a\n", 8), "image/png"},
        {"\xFF\xD8\xFF", "image/jpeg"},
        {"GIF87a", "image/gif"},
        {"GIF89a", "image/gif"},
        {"BM", "image/bmp"},
        {std::string_view("II*\0", 4), "image/tiff"},
        {std::string_view("MM\0*", 4), "image/tiff"},
    }};
    for (const auto& [magic, type] : kMagic) {
        if (bytes.starts_with(magic)) return type;
    }
    if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") {
        return "image/webp";
    }
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kExtensions{{
        {".svg", "image/svg+xml"},
        {".wmf", "image/wmf"},
        {".emf", "image/emf"},
        {".webp", "image/webp"},
    }};
    std::string lower = Lower(name);
    for (const auto& [extension, type] : kExtensions) {
        if (lower.ends_with(extension)) return type;
    }
    return "application/octet-stream";
}

std::string InlineImages(std::string_view html, const PageFiles& files, std::string_view folder) {
    if (files.empty()) return std::string(html);
    std::string lower = Lower(html);
    std::string out;
    std::size_t copied = 0;
    std::size_t at = 0;
    while ((at = lower.find("src", at)) != std::string::npos) {
        std::size_t open = 0;
        if (!SrcAttributeAt(lower, at, open)) {
            at += 3;
            continue;
        }
        std::size_t close = html.find(html[open], open + 1);
        if (close == std::string_view::npos) break;
        at = close + 1;
        auto file = files.find(FileNamed(html.substr(open + 1, close - open - 1), folder));
        if (file == files.end()) continue;
        out.append(html.substr(copied, open + 1 - copied));
        out += "data:";
        out += ImageMimeType(file->second, file->first);
        out += ";base64,";
        out += Base64(file->second);
        copied = close;
    }
    out.append(html.substr(copied));
    return out;
}

}  // namespace quire::convert
