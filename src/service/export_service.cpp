#include "service/export_service.hpp"

#include <chrono>

#include <fmt/format.h>

#include "common/log.hpp"

#include "convert/compound_file.hpp"
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

// The OOXML format of a source's family (xls → xlsx), and the legacy one (xlsx → xls).
convert::SourceFormat OoxmlOf(convert::SourceFormat source) {
    using convert::SourceFormat;
    if (source == SourceFormat::kXls) return SourceFormat::kXlsx;
    if (source == SourceFormat::kDoc) return SourceFormat::kDocx;
    if (source == SourceFormat::kPpt) return SourceFormat::kPptx;
    return source;
}

convert::SourceFormat LegacyOf(convert::SourceFormat source) {
    using convert::SourceFormat;
    if (source == SourceFormat::kXlsx) return SourceFormat::kXls;
    if (source == SourceFormat::kDocx) return SourceFormat::kDoc;
    if (source == SourceFormat::kPptx) return SourceFormat::kPpt;
    return source;
}

// The engine's format of an OOXML source.
DocumentFormat DocumentOf(convert::SourceFormat source) {
    if (source == convert::SourceFormat::kDocx) return DocumentFormat::kWord;
    if (source == convert::SourceFormat::kPptx) return DocumentFormat::kSlides;
    return DocumentFormat::kExcel;
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
    auto named = convert::SourceFromFileName(file->name);
    if (!named) {
        return InvalidRequest(
            "the file is not a document Quire converts: its name must end in .xlsx, .docx, "
            ".pptx (or their macro and template forms), .xls, .doc or .ppt");
    }
    auto source = SourceOfUpload(*named, file->blob);
    if (!source) return Propagate(source);
    return Export(org_id, file->blob, *source, format, options, file->name);
}

Result<convert::SourceFormat> ExportService::SourceOfUpload(convert::SourceFormat named,
                                                            const std::string& blob) {
    std::string key = fmt::format("{}:{}", convert::SourceName(named), blob);
    {
        std::lock_guard lock(validated_mu_);
        if (auto known = validated_.find(key); known != validated_.end()) return known->second;
    }
    auto bytes = blobs_.Get(blob);
    if (!bytes) return std::unexpected(bytes.error());
    auto source = CheckUpload(named, std::move(*bytes));
    if (!source) return source;
    std::lock_guard lock(validated_mu_);
    if (validated_.size() >= kValidatedSources) validated_.clear();
    validated_.emplace(std::move(key), *source);
    return source;
}

Result<convert::SourceFormat> ExportService::CheckUpload(convert::SourceFormat named,
                                                         std::string bytes) {
    // The bytes decide the kind of file, the name only its family: a zip named .xls is a
    // workbook package and gets the engine's checks, a compound file named .docx is a legacy
    // document, and an encrypted package (a compound file whatever its name) goes nowhere.
    if (convert::IsEncryptedPackage(bytes)) {
        return InvalidRequest(
            "the file is encrypted with a password; Quire does not convert encrypted documents");
    }
    convert::SourceFormat source = named;
    if (convert::IsZip(bytes)) source = OoxmlOf(named);
    if (convert::IsCompoundFile(bytes)) source = LegacyOf(named);
    if (OoxmlOf(source) != source) return source;  // a legacy format: the office reads it

    auto started = std::chrono::steady_clock::now();
    if (Status valid = ValidateDocument(DocumentOf(source), std::move(bytes)); !valid) {
        return std::unexpected(valid.error());
    }
    QUIRE_LOG_DEBUG(
        "export source validated ms={:.1f}",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    return source;
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
    if (office_.failing()) return std::string("failing");
    if (auto ready = office_.Readiness(); !ready) return std::unexpected(ready.error());
    return std::string("ok");
}

bool ExportService::converter_installed() const { return office_.installed(); }

std::chrono::seconds ExportService::ConverterRetryAfter() const {
    if (office_.failing()) return office_.NextStartIn();
    return std::chrono::seconds(2);
}

}  // namespace quire::service
