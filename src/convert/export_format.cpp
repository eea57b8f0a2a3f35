#include "convert/export_format.hpp"

#include <algorithm>
#include <array>
#include <string>

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

}  // namespace

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
