#pragma once

// The options of one export, checked against its target and written in one canonical form so
// that equal requests share a cache entry.

#include <map>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "convert/export_format.hpp"

namespace quire::convert {

constexpr int kDefaultDpi = 110;
constexpr int kMinDpi = 36;
constexpr int kMaxDpi = 600;

struct ExportOptions {
    std::string sheet;      // csv: the sheet to write, "" for the workbook's active sheet
    bool raw = false;       // csv: write text starting with = + - @ as it is, without a leading '
    int dpi = kDefaultDpi;  // png: resolution of the rendered pages
};

// Option values as a request carries them, by name, as text: JSON strings as they are, booleans
// as "true"/"false", numbers in decimal.
using OptionInput = std::map<std::string, std::string, std::less<>>;

// Checks `input` for `target`: csv takes `sheet` and `raw`, png takes `dpi` (36–600), the other
// targets take none. kInvalidRequest naming the option for an unknown option or a bad value.
[[nodiscard]] Result<ExportOptions> ParseExportOptions(TargetFormat target,
                                                       const OptionInput& input);

// The options that matter for `target` in one canonical text ("dpi=110", "raw=0;sheet=Data",
// ""), so that {"dpi": 110} and {} give the same text.
std::string NormalisedOptions(TargetFormat target, const ExportOptions& options);

// The cache key of an export: SHA-256 hex over the source bytes' SHA-256, the target, the
// normalised options, the version of the converter that makes it, and the file name the
// converter sees the document under (OfficeFileName; "" for Quire's own writers, which show no
// file name), since headers, footers and fields can print it. Each part is length-prefixed, so
// no two different tuples give the same input.
std::string ExportCacheKey(std::string_view source_sha256, TargetFormat target,
                           std::string_view normalised_options, std::string_view converter_version,
                           std::string_view document_name);

}  // namespace quire::convert
