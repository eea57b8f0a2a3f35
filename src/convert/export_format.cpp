#include "convert/export_format.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace quire::convert {
namespace {

using enum TargetFormat;

struct TargetInfo {
    TargetFormat target;
    std::string_view name;
    std::string_view extension;
    std::string_view content_type;
};

constexpr std::array kTargets = {
    TargetInfo{kPdf, "pdf", ".pdf", "application/pdf"},
    TargetInfo{kPng, "png", ".png", "image/png"},
    TargetInfo{kHtml, "html", ".html", "text/html; charset=utf-8"},
    TargetInfo{kCsv, "csv", ".csv", "text/csv; charset=utf-8"},
    TargetInfo{kTxt, "txt", ".txt", "text/plain; charset=utf-8"},
    TargetInfo{kOdt, "odt", ".odt", "application/vnd.oasis.opendocument.text"},
    TargetInfo{kOdp, "odp", ".odp", "application/vnd.oasis.opendocument.presentation"},
    TargetInfo{kXlsx, "xlsx", ".xlsx",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    TargetInfo{kDocx, "docx", ".docx",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    TargetInfo{kPptx, "pptx", ".pptx",
               "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
};

constexpr std::array kFromXlsx = {kPdf, kCsv, kPng, kHtml};
constexpr std::array kFromDocx = {kPdf, kHtml, kTxt, kOdt};
constexpr std::array kFromPptx = {kPdf, kPng, kOdp};
constexpr std::array kFromXls = {kPdf, kCsv, kXlsx, kHtml};
constexpr std::array kFromDoc = {kPdf, kDocx, kHtml, kTxt};
constexpr std::array kFromPpt = {kPdf, kPptx, kPng};

const TargetInfo& Info(TargetFormat target) {
    return *std::find_if(kTargets.begin(), kTargets.end(),
                         [target](const TargetInfo& info) { return info.target == target; });
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Each source's extension first, then the other extensions the office detects as that format
// and loads as a document (not as a template, which would open as a new untitled one).
struct SourceExtensions {
    SourceFormat source;
    std::array<std::string_view, 2> extensions;
};

constexpr std::array kSourceExtensions = {
    SourceExtensions{SourceFormat::kXlsx, {".xlsx", ".xlsm"}},
    SourceExtensions{SourceFormat::kDocx, {".docx", ".docm"}},
    SourceExtensions{SourceFormat::kPptx, {".pptx", ".pptm"}},
    SourceExtensions{SourceFormat::kXls, {".xls", ""}},
    SourceExtensions{SourceFormat::kDoc, {".doc", ""}},
    SourceExtensions{SourceFormat::kPpt, {".ppt", ""}},
};

const SourceExtensions& ExtensionsOf(SourceFormat source) {
    return *std::find_if(
        kSourceExtensions.begin(), kSourceExtensions.end(),
        [source](const SourceExtensions& entry) { return entry.source == source; });
}

// The length of the UTF-8 sequence that starts `text`, 0 when it is not a valid one.
std::size_t Utf8Length(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    std::size_t length = byte(0) < 0x80           ? 1
                         : (byte(0) >> 5) == 0x6  ? 2
                         : (byte(0) >> 4) == 0xe  ? 3
                         : (byte(0) >> 3) == 0x1e ? 4
                                                  : 0;
    if (length == 0 || length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) >> 6) != 0x2) return 0;
    }
    // Overlong forms and code points past U+10FFFF are not UTF-8 either.
    if (length == 2 && byte(0) < 0xc2) return 0;
    if (length == 3 && byte(0) == 0xe0 && byte(1) < 0xa0) return 0;
    if (length == 4 && (byte(0) > 0xf4 || (byte(0) == 0xf0 && byte(1) < 0x90) ||
                        (byte(0) == 0xf4 && byte(1) > 0x8f))) {
        return 0;
    }
    return length;
}

// `name` with control characters and bytes that are not UTF-8 replaced by '_', as a list of
// characters so that it can be cut between them.
std::vector<std::string> PlainCharacters(std::string_view name) {
    std::vector<std::string> out;
    while (!name.empty()) {
        std::size_t length = Utf8Length(name);
        bool control =
            length == 1 && (static_cast<unsigned char>(name[0]) < 0x20 || name[0] == 0x7f);
        out.push_back(length == 0 || control ? "_" : std::string(name.substr(0, length)));
        name.remove_prefix(std::max<std::size_t>(length, 1));
    }
    return out;
}

}  // namespace

std::string OfficeFileName(std::string_view file_name, SourceFormat source) {
    if (auto slash = file_name.find_last_of("/\\"); slash != std::string_view::npos) {
        file_name.remove_prefix(slash + 1);
    }
    const SourceExtensions& known = ExtensionsOf(source);
    std::string extension(known.extensions[0]);
    if (auto dot = file_name.rfind('.'); dot != std::string_view::npos) {
        std::string own = Lower(file_name.substr(dot));
        bool kept = std::find(known.extensions.begin(), known.extensions.end(), own) !=
                    known.extensions.end();
        if (kept) extension = own;
        // A template form of the source ("Form.xltx") is replaced, not kept in the stem.
        if (kept || SourceFromFileName(file_name) == source) file_name = file_name.substr(0, dot);
    }

    std::vector<std::string> stem = PlainCharacters(file_name);
    auto blank = [](const std::string& c) { return c == " " || c == "."; };
    while (!stem.empty() && blank(stem.front())) stem.erase(stem.begin());
    while (!stem.empty() && blank(stem.back())) stem.pop_back();
    std::string out;
    for (const std::string& character : stem) {
        if (out.size() + character.size() + extension.size() > kMaxOfficeFileName) break;
        out += character;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
    return (out.empty() ? std::string("document") : out) + extension;
}

std::string_view SourceName(SourceFormat source) {
    switch (source) {
        case SourceFormat::kXlsx:
            return "xlsx";
        case SourceFormat::kDocx:
            return "docx";
        case SourceFormat::kPptx:
            return "pptx";
        case SourceFormat::kXls:
            return "xls";
        case SourceFormat::kDoc:
            return "doc";
        case SourceFormat::kPpt:
            return "ppt";
    }
    return "xlsx";
}

std::string_view TargetName(TargetFormat target) { return Info(target).name; }

std::optional<TargetFormat> ParseTargetName(std::string_view name) {
    std::string lower = Lower(name);
    for (const TargetInfo& info : kTargets) {
        if (info.name == lower) return info.target;
    }
    return std::nullopt;
}

std::optional<SourceFormat> SourceFromFileName(std::string_view file_name) {
    auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::string ext = Lower(file_name.substr(dot + 1));
    if (ext == "xlsx" || ext == "xlsm" || ext == "xltx" || ext == "xltm")
        return SourceFormat::kXlsx;
    if (ext == "docx" || ext == "docm" || ext == "dotx" || ext == "dotm")
        return SourceFormat::kDocx;
    if (ext == "pptx" || ext == "pptm" || ext == "potx" || ext == "potm")
        return SourceFormat::kPptx;
    if (ext == "xls") return SourceFormat::kXls;
    if (ext == "doc") return SourceFormat::kDoc;
    if (ext == "ppt") return SourceFormat::kPpt;
    return std::nullopt;
}

std::span<const TargetFormat> ValidTargets(SourceFormat source) {
    switch (source) {
        case SourceFormat::kXlsx:
            return kFromXlsx;
        case SourceFormat::kDocx:
            return kFromDocx;
        case SourceFormat::kPptx:
            return kFromPptx;
        case SourceFormat::kXls:
            return kFromXls;
        case SourceFormat::kDoc:
            return kFromDoc;
        case SourceFormat::kPpt:
            return kFromPpt;
    }
    return {};
}

Status CheckPair(SourceFormat source, TargetFormat target) {
    auto targets = ValidTargets(source);
    if (std::find(targets.begin(), targets.end(), target) != targets.end()) return {};
    std::string list;
    for (TargetFormat valid : targets) {
        if (!list.empty()) list += ", ";
        list += TargetName(valid);
    }
    std::string_view name = SourceName(source);
    // "an xlsx", "an xls", "a docx", "a pptx"
    std::string_view article = name.starts_with('x') ? "an" : "a";
    return InvalidRequest(fmt::format("{} {} document cannot be converted to {}; valid formats: {}",
                                      article, name, TargetName(target), list));
}

bool IsNativePair(SourceFormat source, TargetFormat target) {
    return (source == SourceFormat::kXlsx && target == kCsv) ||
           (source == SourceFormat::kDocx && target == kTxt);
}

std::string_view TargetExtension(TargetFormat target) { return Info(target).extension; }

std::string_view TargetContentType(TargetFormat target) { return Info(target).content_type; }

}  // namespace quire::convert
