#pragma once

// The export matrix (DESIGN.md §4): which document formats Quire converts into which targets,
// and how each target is named on the wire, saved and served.

#include <optional>
#include <span>
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
