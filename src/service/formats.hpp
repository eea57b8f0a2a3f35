#pragma once

// What Quire knows about each document format it serves: names on the wire, file extensions,
// content types, and how to check that uploaded bytes really are such a document.

#include <optional>
#include <string>
#include <string_view>

#include "agent/agent.hpp"
#include "common/error.hpp"

namespace quire::service {

using agent::DocumentFormat;

// "excel", "word", "slides".
std::string_view FormatName(DocumentFormat format);
std::optional<DocumentFormat> ParseFormatName(std::string_view name);

// ".xlsx", ".docx", ".pptx".
std::string_view FormatExtension(DocumentFormat format);

// The HTTP Content-Type of a document of this format.
std::string_view FormatContentType(DocumentFormat format);

// The Content-Type of a document saved under `file_name`: the macro-enabled and template types
// for .xlsm, .docm, .pptm, .xltx, .dotx, .potx (and their macro forms), else the format's own.
std::string_view ContentTypeForFile(std::string_view file_name, DocumentFormat format);

// Kinds of OOXML package that each format has in a plain, macro-enabled and template form, and
// that a program opens only under their own extension (.xlsx, .xlsm, .xltx, .xltm, …).
struct PackageKind {
    bool macros = false;
    bool templated = false;
    bool operator==(const PackageKind&) const = default;
};
// The kind a file name's extension says; a plain package for a name without a known one.
PackageKind PackageKindOfName(std::string_view file_name);
// The kind the package's main part content type says; nullopt for bytes that are no package.
std::optional<PackageKind> PackageKindOfBytes(const std::string& bytes);

// The file name a run gets when the caller names none ("workbook.xlsx").
std::string_view DefaultFileName(DocumentFormat format);

// `name` with the format's extension, replacing a different one ("Q3 report" → "Q3 report.xlsx").
std::string WithExtension(std::string_view name, DocumentFormat format);

// kInvalidRequest with the engine's reason unless `bytes` is a readable document of `format`.
[[nodiscard]] Status ValidateDocument(DocumentFormat format, std::string bytes);

// The document's outline as JSON, for `quire doc outline` and the agent.
[[nodiscard]] Result<std::string> OutlineDocument(DocumentFormat format, std::string bytes);

// Guesses a document's format from its file name's extension (.xlsx/.xlsm/.xltx, .docx/.docm/
// .dotx, .pptx/.pptm/.potx); nullopt for anything else.
std::optional<DocumentFormat> FormatFromFileName(std::string_view name);

}  // namespace quire::service
