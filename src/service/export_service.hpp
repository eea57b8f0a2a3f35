#pragma once

// The export use cases: a run's current document or an uploaded file, converted into another
// format through the export matrix (DESIGN.md §4, §7).

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "convert/export_format.hpp"
#include "convert/export_options.hpp"
#include "store/store.hpp"

namespace quire::agent {
enum class DocumentFormat;
}

namespace quire::convert {
class ExportIndex;
class Exporter;
class OfficePool;
}  // namespace quire::convert

namespace quire::service {

// A blob store whose Remove also removes what was exported from the removed blob: the export
// index's entries, and their files when no version, run or upload refers to them. Run deletion
// and the retention sweeper remove documents through it, so a run's exports go with the run.
class BlobsDroppingExports final : public store::BlobStore {
public:
    // Borrows all three; they must outlive it.
    BlobsDroppingExports(store::BlobStore& inner, store::MetadataStore& metadata,
                         convert::ExportIndex& index)
        : inner_(inner), metadata_(metadata), index_(index) {}

    Result<std::string> Put(std::string_view bytes) override { return inner_.Put(bytes); }
    Result<std::string> Get(std::string_view sha256) override { return inner_.Get(sha256); }
    bool Has(std::string_view sha256) override { return inner_.Has(sha256); }
    std::shared_mutex& Gate() override { return inner_.Gate(); }
    Status Remove(std::string_view sha256) override;

private:
    store::BlobStore& inner_;
    store::MetadataStore& metadata_;
    convert::ExportIndex& index_;
};

// One finished export as the HTTP layer answers it.
struct ExportAnswer {
    convert::SourceFormat source = convert::SourceFormat::kXlsx;
    convert::TargetFormat target = convert::TargetFormat::kPdf;
    std::string file_stem;           // the download's name without extension ("Q3 report")
    std::vector<std::string> blobs;  // one file, or one PNG per page
    bool cached = false;
};

class ExportService {
public:
    // Borrows everything; all must outlive the service.
    ExportService(store::MetadataStore& metadata, store::BlobStore& blobs,
                  convert::Exporter& exporter, convert::OfficePool& office);

    // The run's current version in `format` ("pdf", ...) with `options`. Errors: kNotFound for a
    // run this org cannot see; kConflict at version 0; kRunExpired for an expired run;
    // kInvalidRequest for an unknown format, an unsupported pair (listing the valid targets) or
    // bad options; then what the exporter answers.
    [[nodiscard]] Result<ExportAnswer> ExportRun(std::string_view org_id, std::string_view run_id,
                                                 std::string_view format,
                                                 const convert::OptionInput& options);

    // An uploaded file in `format`. Its name's extension gives the family (workbook, text,
    // slides), its bytes the kind: a zip is converted as the family's OOXML format, a compound
    // file as its legacy one. A file of another kind, an encrypted package, or an xlsx, docx or
    // pptx the engine refuses to open (damaged, hostile), is kInvalidRequest with the reason.
    // Other errors as ExportRun.
    [[nodiscard]] Result<ExportAnswer> ConvertFile(std::string_view org_id,
                                                   std::string_view file_id,
                                                   std::string_view format,
                                                   const convert::OptionInput& options);

    // What /readyz says of the converter: "ok", "missing" (not installed), "disabled" (run
    // with no office processes) or "failing" (installed, but its processes fail to start) —
    // exports that need it answer 503 but the server is ready for everything else — or a
    // failing Status while its processes are not up yet.
    [[nodiscard]] Result<std::string> ConverterState() const;

    // True when LibreOffice is installed (a 503 from it then means "busy, retry").
    bool converter_installed() const;

    // When to ask again after a 503 from an installed converter: 2 s while it is busy, the time
    // until its next start attempt while its processes fail to start.
    std::chrono::seconds ConverterRetryAfter() const;

private:
    [[nodiscard]] Result<ExportAnswer> Export(std::string_view org_id, std::string blob,
                                              convert::SourceFormat source, std::string_view format,
                                              const convert::OptionInput& options,
                                              std::string_view file_name);

    // The source an upload named as `named` is converted as: the OOXML form of its family for
    // a zip, the legacy one for a compound file, `named` otherwise; kInvalidRequest for an
    // encrypted package and for an OOXML source the engine refuses. Remembers each pass.
    [[nodiscard]] Result<convert::SourceFormat> SourceOfUpload(convert::SourceFormat named,
                                                               const std::string& blob);

    // SourceOfUpload's verdict on the upload's bytes, without the memo.
    [[nodiscard]] static Result<convert::SourceFormat> CheckUpload(convert::SourceFormat named,
                                                                   std::string bytes);

    // Set once at construction.
    store::MetadataStore& metadata_;
    store::BlobStore& blobs_;
    convert::Exporter& exporter_;
    convert::OfficePool& office_;

    // Uploads that passed SourceOfUpload, as "<named source>:<SHA-256>", with the source they
    // are converted as: the verdict depends on the bytes and the name's format alone (a
    // workbook passes as xlsx and is refused as docx), so a repeated export of an upload does
    // not open it again. Emptied when full.
    std::mutex validated_mu_;
    std::unordered_map<std::string, convert::SourceFormat> validated_;  // guarded by validated_mu_
};

}  // namespace quire::service
