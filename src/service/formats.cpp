#include "service/formats.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/pptx/presentation.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::service {
namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::string_view FormatName(DocumentFormat format) {
    switch (format) {
        case DocumentFormat::kExcel:
            return "excel";
        case DocumentFormat::kWord:
            return "word";
        case DocumentFormat::kSlides:
            return "slides";
    }
    return "excel";
}

std::optional<DocumentFormat> ParseFormatName(std::string_view name) {
    if (name == "excel") return DocumentFormat::kExcel;
    if (name == "word") return DocumentFormat::kWord;
    if (name == "slides") return DocumentFormat::kSlides;
    return std::nullopt;
}

std::string_view FormatExtension(DocumentFormat format) {
    switch (format) {
        case DocumentFormat::kExcel:
            return ".xlsx";
        case DocumentFormat::kWord:
            return ".docx";
        case DocumentFormat::kSlides:
            return ".pptx";
    }
    return ".xlsx";
}

std::string_view FormatContentType(DocumentFormat format) {
    switch (format) {
        case DocumentFormat::kExcel:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        case DocumentFormat::kWord:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        case DocumentFormat::kSlides:
            return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    }
    return "application/octet-stream";
}

std::string_view ContentTypeForFile(std::string_view file_name, DocumentFormat format) {
    static constexpr std::pair<std::string_view, std::string_view> kByExtension[] = {
        {".xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"},
        {".xltx", "application/vnd.openxmlformats-officedocument.spreadsheetml.template"},
        {".xltm", "application/vnd.ms-excel.template.macroEnabled.12"},
        {".docm", "application/vnd.ms-word.document.macroEnabled.12"},
        {".dotx", "application/vnd.openxmlformats-officedocument.wordprocessingml.template"},
        {".dotm", "application/vnd.ms-word.template.macroEnabled.12"},
        {".pptm", "application/vnd.ms-powerpoint.presentation.macroEnabled.12"},
        {".potx", "application/vnd.openxmlformats-officedocument.presentationml.template"},
        {".potm", "application/vnd.ms-powerpoint.template.macroEnabled.12"},
    };
    std::size_t dot = file_name.rfind('.');
    if (dot != std::string_view::npos) {
        std::string extension(file_name.substr(dot));
        for (char& c : extension)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const auto& [known, type] : kByExtension) {
            if (extension == known) return type;
        }
    }
    return FormatContentType(format);
}

PackageKind PackageKindOfName(std::string_view file_name) {
    std::size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos || file_name.size() - dot != 5) return {};
    std::string extension(file_name.substr(dot + 1));
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static constexpr std::string_view kKnown[] = {"xlsx", "xlsm", "xltx", "xltm", "docx", "docm",
                                                  "dotx", "dotm", "pptx", "pptm", "potx", "potm"};
    if (std::find(std::begin(kKnown), std::end(kKnown), extension) == std::end(kKnown)) return {};
    return {extension[3] == 'm', extension[1] == 't' || extension[1] == 'o'};
}

std::optional<PackageKind> PackageKindOfBytes(const std::string& bytes) {
    auto package = ooxml::Package::Open(bytes);
    if (!package) return std::nullopt;
    auto main = package->MainPart();
    if (!main) return std::nullopt;
    const std::string type = package->ContentType(*main).value_or("");
    // The macro-enabled types say "macroEnabled"; the templates ".template." (ECMA-376 Part 2
    // content types and their Office extensions).
    return PackageKind{
        type.find("macroEnabled") != std::string::npos,
        type.find(".template") != std::string::npos || type.find("Template") != std::string::npos};
}

std::string_view DefaultFileName(DocumentFormat format) {
    switch (format) {
        case DocumentFormat::kExcel:
            return "workbook.xlsx";
        case DocumentFormat::kWord:
            return "document.docx";
        case DocumentFormat::kSlides:
            return "presentation.pptx";
    }
    return "workbook.xlsx";
}

std::string WithExtension(std::string_view name, DocumentFormat format) {
    std::string base(name);
    auto dot = base.rfind('.');
    if (dot != std::string::npos && FormatFromFileName(base) == format) return base;
    if (dot != std::string::npos && dot + 6 >= base.size() && dot > 0) base.resize(dot);
    return base + std::string(FormatExtension(format));
}

std::optional<DocumentFormat> FormatFromFileName(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, DocumentFormat>, 9> kExtensions{{
        {".xlsx", DocumentFormat::kExcel},
        {".xlsm", DocumentFormat::kExcel},
        {".xltx", DocumentFormat::kExcel},
        {".docx", DocumentFormat::kWord},
        {".docm", DocumentFormat::kWord},
        {".dotx", DocumentFormat::kWord},
        {".pptx", DocumentFormat::kSlides},
        {".pptm", DocumentFormat::kSlides},
        {".potx", DocumentFormat::kSlides},
    }};
    std::string lower = Lower(name);
    for (auto [extension, format] : kExtensions) {
        if (lower.ends_with(extension)) return format;
    }
    return std::nullopt;
}

Status ValidateDocument(DocumentFormat format, std::string bytes) {
    switch (format) {
        case DocumentFormat::kExcel: {
            auto workbook = xlsx::Workbook::Open(std::move(bytes));
            if (!workbook) return std::unexpected(workbook.error());
            auto sheets = workbook->Sheets();
            if (!sheets) return std::unexpected(sheets.error());
            return {};
        }
        case DocumentFormat::kWord: {
            auto document = docx::WordDocument::Open(std::move(bytes));
            if (!document) return std::unexpected(document.error());
            return {};
        }
        case DocumentFormat::kSlides:
            return pptx::Validate(std::move(bytes));
    }
    return InvalidRequest("unknown document format");
}

Result<std::string> OutlineDocument(DocumentFormat format, std::string bytes) {
    switch (format) {
        case DocumentFormat::kExcel: {
            auto workbook = xlsx::Workbook::Open(std::move(bytes));
            if (!workbook) return std::unexpected(workbook.error());
            return workbook->OutlineJson();
        }
        case DocumentFormat::kWord: {
            auto document = docx::WordDocument::Open(std::move(bytes));
            if (!document) return std::unexpected(document.error());
            return document->OutlineJson();
        }
        case DocumentFormat::kSlides:
            return pptx::OutlineJson(std::move(bytes));
    }
    return InvalidRequest("unknown document format");
}

}  // namespace quire::service
