#include "convert/export_options.hpp"

#include <charconv>

#include <fmt/format.h>

#include "common/hash.hpp"

namespace quire::convert {
namespace {

std::string_view AllowedOptions(TargetFormat target) {
    switch (target) {
        case TargetFormat::kCsv:
            return "sheet, raw";
        case TargetFormat::kPng:
            return "dpi";
        default:
            return "";
    }
}

Result<bool> ParseBool(std::string_view name, std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    return InvalidRequest(fmt::format("options.{} must be true or false", name));
}

Result<int> ParseDpi(std::string_view text) {
    int dpi = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), dpi);
    if (ec != std::errc() || end != text.data() + text.size() || dpi < kMinDpi || dpi > kMaxDpi) {
        return InvalidRequest(
            fmt::format("options.dpi must be an integer from {} to {}", kMinDpi, kMaxDpi));
    }
    return dpi;
}

}  // namespace

Result<ExportOptions> ParseExportOptions(TargetFormat target, const OptionInput& input) {
    ExportOptions options;
    for (const auto& [name, value] : input) {
        if (target == TargetFormat::kCsv && name == "sheet") {
            if (value.empty() || value.size() > 31 * 4) {
                return InvalidRequest("options.sheet must be a sheet name");
            }
            options.sheet = value;
        } else if (target == TargetFormat::kCsv && name == "raw") {
            auto raw = ParseBool(name, value);
            if (!raw) return Propagate(raw);
            options.raw = *raw;
        } else if (target == TargetFormat::kPng && name == "dpi") {
            auto dpi = ParseDpi(value);
            if (!dpi) return Propagate(dpi);
            options.dpi = *dpi;
        } else {
            std::string_view allowed = AllowedOptions(target);
            return InvalidRequest(fmt::format(
                "options.{} is not an option of {} exports{}{}", name, TargetName(target),
                allowed.empty() ? "; it takes none" : "; it takes: ", allowed));
        }
    }
    return options;
}

std::string NormalisedOptions(TargetFormat target, const ExportOptions& options) {
    switch (target) {
        case TargetFormat::kCsv:
            return fmt::format("raw={};sheet={}", options.raw ? 1 : 0, options.sheet);
        case TargetFormat::kPng:
            return fmt::format("dpi={}", options.dpi);
        default:
            return "";
    }
}

std::string ExportCacheKey(std::string_view source_sha256, TargetFormat target,
                           std::string_view normalised_options, std::string_view converter_version,
                           std::string_view document_name) {
    std::string input;
    for (std::string_view part : {source_sha256, TargetName(target), normalised_options,
                                  converter_version, document_name}) {
        input += fmt::format("{}:{};", part.size(), part);
    }
    return Sha256Hex(input);
}

}  // namespace quire::convert
