#pragma once

// The export matrix (DESIGN.md §4): which document formats Quire converts into which targets,
// and how each target is named on the wire, saved and served.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace quire::convert {

// A document a conversion starts from: a run's version or an uploaded file.
enum class SourceFormat { kXlsx, kDocx, kPptx, kXls, kDoc, kPpt };

// What a conversion produces.
enum class TargetFormat { kPdf, kPng, kHtml, kCsv, kTxt, kOdt, kOdp, kXlsx, kDocx, kPptx };

// "xlsx", "docx", ... as the API names sources and targets.
std::string_view SourceName(SourceFormat source);
std::string_view TargetName(TargetFormat target);

// The target with this wire name ("pdf"), compared ignoring ASCII case; nullopt for others.
std::optional<TargetFormat> ParseTargetName(std::string_view name);

// The source a file name's extension names: .xlsx, .xlsm, .xltx (and their macro forms) are
// xlsx, likewise for docx and pptx; .xls, .doc, .ppt are the legacy binary formats. nullopt for
// anything else.
std::optional<SourceFormat> SourceFromFileName(std::string_view file_name);

// The longest name, in bytes, OfficeFileName gives a document.
constexpr std::size_t kMaxOfficeFileName = 120;

// The plain file name a document of `source` is handed to the office under, made from the name
// a user gave it (`file_name`: an upload's name, a run's file name), which headers, footers and
// fields that show the file name print. Only the last path component is kept; control
// characters and bytes that are not UTF-8 become '_'; leading and trailing dots and spaces
// go; the stem is cut (at a character boundary) so that the whole name fits in
// kMaxOfficeFileName bytes. The extension is the name's own, in lower case, when it is one of
// the source's document or macro forms (".xlsx", ".xlsm"); any other name (a template form, none,
// another format's) gets the source's extension (".xlsx"), which is what leads the office's type
// detection to the right filter. A name left with no stem becomes "document" plus the extension.
std::string OfficeFileName(std::string_view file_name, SourceFormat source);

// The targets a source converts into, in the order the matrix lists them.
std::span<const TargetFormat> ValidTargets(SourceFormat source);

// kInvalidRequest naming the valid targets of `source` unless the pair is in the matrix.
[[nodiscard]] Status CheckPair(SourceFormat source, TargetFormat target);

// True when Quire writes the target itself (xlsx → csv, docx → txt); every other pair goes
// through the office converter.
bool IsNativePair(SourceFormat source, TargetFormat target);

// The file extension of a target, with its dot (".pdf"); PNG pages get ".png".
std::string_view TargetExtension(TargetFormat target);

// The HTTP Content-Type a converted file is served with.
std::string_view TargetContentType(TargetFormat target);

}  // namespace quire::convert
