#include "service/export_service.hpp"

#include <chrono>

#include <fmt/format.h>

#include "common/log.hpp"

#include "convert/export_cache.hpp"
#include "convert/exporter.hpp"
#include "convert/office_pool.hpp"
#include "service/formats.hpp"

namespace quire::service {
namespace {

constexpr std::size_t kValidatedSources = 10'000;

convert::SourceFormat SourceOfRun(std::string_view run_format) {
    if (run_format == "word") return convert::SourceFormat::kDocx;
    if (run_format == "slides") return convert::SourceFormat::kPptx;
    return convert::SourceFormat::kXlsx;
}

std::string Stem(std::string_view file_name) {
    auto dot = file_name.rfind('.');
    std::string stem(dot == std::string_view::npos || dot == 0 ? file_name
                                                               : file_name.substr(0, dot));
    return stem.empty() ? "export" : stem;
}

}  // namespace

Status BlobsDroppingExports::Remove(std::string_view sha256) {
    if (auto removed = inner_.Remove(sha256); !removed) return removed;
    std::vector<std::string> exported = index_.DropSource(sha256);
    if (exported.empty()) return {};
    auto unused = metadata_.UnreferencedOf(std::move(exported));
    if (!unused) return std::unexpected(unused.error());
    for (const std::string& blob : *unused) {
        if (auto gone = inner_.Remove(blob); !gone) return gone;
    }
    return {};
}

ExportService::ExportService(store::MetadataStore& metadata, store::BlobStore& blobs,
                             convert::Exporter& exporter, convert::OfficePool& office)
    : metadata_(metadata), blobs_(blobs), exporter_(exporter), office_(office) {}

Result<ExportAnswer> ExportService::ExportRun(std::string_view org_id, std::string_view run_id,
                                              std::string_view format,
                                              const convert::OptionInput& options) {
    auto run = metadata_.GetRun(org_id, run_id);
    if (!run) return Propagate(run);
    if (run->status == "expired") {
        return Fail(ErrorCode::kRunExpired, "the run has expired under the retention window");
    }
    if (run->version == 0 || run->blob.empty()) {
        return Fail(ErrorCode::kConflict, "the run has no document yet: no task has completed");
    }
    return Export(org_id, run->blob, SourceOfRun(run->format), format, options, run->file_name);
}

Result<ExportAnswer> ExportService::ConvertFile(std::string_view org_id, std::string_view file_id,
                                                std::string_view format,
                                                const convert::OptionInput& options) {
    auto file = metadata_.GetFile(org_id, file_id);
    if (!file) return Propagate(file);
    auto source = convert::SourceFromFileName(file->name);
    if (!source) {
        return InvalidRequest(
            "the file is not a document Quire converts: its name must end in .xlsx, .docx, "
            ".pptx (or their macro and template forms), .xls, .doc or .ppt");
    }
    // What the engine refuses as an init_file (a zip bomb, an entity expansion, an encrypted
    // package) never reaches the office converter either.
    if (std::optional<DocumentFormat> ooxml = FormatFromFileName(file->name)) {
        if (Status valid = ValidateOnce(*ooxml, file->blob); !valid) {
            return std::unexpected(valid.error());
        }
    }
    return Export(org_id, file->blob, *source, format, options, file->name);
}

Status ExportService::ValidateOnce(DocumentFormat format, const std::string& blob) {
    {
        std::lock_guard lock(validated_mu_);
        if (validated_.contains(blob)) return {};
    }
    auto started = std::chrono::steady_clock::now();
    auto bytes = blobs_.Get(blob);
    if (!bytes) return std::unexpected(bytes.error());
    if (Status valid = ValidateDocument(format, std::move(*bytes)); !valid) return valid;
    QUIRE_LOG_DEBUG(
        "export source validated ms={:.1f}",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    std::lock_guard lock(validated_mu_);
    if (validated_.size() >= kValidatedSources) validated_.clear();
    validated_.insert(blob);
    return {};
}

Result<ExportAnswer> ExportService::Export(std::string_view org_id, std::string blob,
                                           convert::SourceFormat source, std::string_view format,
                                           const convert::OptionInput& options,
                                           std::string_view file_name) {
    auto target = convert::ParseTargetName(format);
    if (!target) {
        std::string list;
        for (auto t : convert::ValidTargets(source)) {
            list += (list.empty() ? "" : ", ") + std::string(convert::TargetName(t));
        }
        return InvalidRequest(
            fmt::format("format '{}' is not an export format; valid formats "
                        "for a {} document: {}",
                        format, convert::SourceName(source), list));
    }
    if (auto pair = convert::CheckPair(source, *target); !pair) return Propagate(pair);
    auto parsed = convert::ParseExportOptions(*target, options);
    if (!parsed) return Propagate(parsed);

    convert::ExportInput input{std::string(org_id),   std::move(blob), source, *target, *parsed,
                               std::string(file_name)};
    auto result = exporter_.Export(input);
    if (!result) return Propagate(result);
    return ExportAnswer{source, *target, Stem(file_name), std::move(result->blobs), result->cached};
}

Result<std::string> ExportService::ConverterState() const {
    if (office_.disabled()) return std::string("disabled");
    if (!office_.installed()) return std::string("missing");
    if (auto ready = office_.Readiness(); !ready) return std::unexpected(ready.error());
    return std::string("ok");
}

bool ExportService::converter_installed() const { return office_.installed(); }

}  // namespace quire::service
