#pragma once

// One export from start to finish: check the pair, look in the cache, convert once however many
// callers ask at the same moment, keep the result as blobs.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "convert/export_cache.hpp"
#include "convert/export_format.hpp"
#include "convert/export_options.hpp"

namespace quire::store {
class BlobStore;
}

namespace quire::convert {

class OfficePool;

struct ExportInput {
    std::string org_id;
    std::string source_blob;  // SHA-256 of the source bytes, already in the blob store
    SourceFormat source = SourceFormat::kXlsx;
    TargetFormat target = TargetFormat::kPdf;
    ExportOptions options;
    // The document's name as its user knows it (an upload's name, a run's file name). The
    // office sees the document under OfficeFileName of it, which its headers, footers and fields
    // can print; "" gives "document" plus the source's extension.
    std::string file_name;
};

struct ExportResult {
    std::vector<std::string> blobs;  // the result's files in order: one, or one PNG per page
    bool cached = false;             // answered from the cache (or by joining a conversion)
};

class Exporter {
public:
    // How long a conversion that crashed the office twice is not tried again.
    static constexpr std::chrono::minutes kFailureMemory{10};

    // Borrows the blob store, the office pool (which may have no LibreOffice behind it) and the
    // index; they must outlive the exporter.
    Exporter(store::BlobStore& blobs, OfficePool& office, ExportIndex& index);

    // Checks the pair (kInvalidRequest listing the valid targets), then answers from the cache or
    // converts. Office pairs fail with kConverterUnavailable when LibreOffice is missing or busy,
    // kConversionFailed when the document cannot be converted; native pairs with
    // kInvalidRequest when the document cannot be read; kNotFound when the source blob was
    // removed while it was converted (nothing of the result is kept). Nothing is cached on
    // failure, except that a conversion whose office process crashed on its retry too answers
    // kConversionFailed at once, without the office, when asked again within kFailureMemory.
    [[nodiscard]] Result<ExportResult> Export(const ExportInput& input);

    // True when the pair needs LibreOffice.
    static bool NeedsOffice(SourceFormat source, TargetFormat target);

private:
    // The result's files, as bytes; Export stores them.
    [[nodiscard]] Result<std::vector<std::string>> Produce(const ExportInput& input);
    [[nodiscard]] Result<std::vector<std::string>> RenderPages(const ExportInput& input);
    // A worksheet as CSV. Formulas saved without values get them from the office when this
    // server has one; without it their fields stay empty.
    [[nodiscard]] Result<std::string> WorkbookCsv(std::string xlsx, const ExportInput& input);
    [[nodiscard]] Result<std::string> ConvertWithOffice(const std::string& bytes,
                                                        const ExportInput& input);
    [[nodiscard]] Result<std::vector<std::string>> StoreAll(const std::vector<std::string>& files);
    std::string ConverterVersion(const ExportInput& input) const;
    // The file name the converter sees the document under, "" for Quire's own writers.
    static std::string DocumentName(const ExportInput& input);

    // Set once at construction.
    store::BlobStore& blobs_;
    OfficePool& office_;
    ExportIndex& index_;

    SingleFlight flights_;
    FailedExports failures_{kFailureMemory};  // by organisation and cache key
};

}  // namespace quire::convert
