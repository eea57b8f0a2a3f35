#include "convert/exporter.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include <fmt/format.h>

#include "common/log.hpp"
#include "convert/native_writers.hpp"
#include "convert/office_pool.hpp"
#include "convert/page_rasteriser.hpp"
#include "convert/recalculate.hpp"
#include "store/store.hpp"

namespace quire::convert {
namespace {

// Revision of Quire's own writers; part of the cache key of native results.
constexpr std::string_view kNativeVersion = "quire-native-2";

// Calc's CSV filter options (the tokens of its FilterOptions string): comma, double quote,
// UTF-8, from line 1, no column formats, default language, quote all text cells, detect special
// numbers, save cell contents as shown, no formulas, keep spaces.
constexpr std::string_view kCalcCsvOptions = "44,34,76,1,,0,true,true,true,false,false";

enum class Family { kCalc, kWriter, kImpress };

Family FamilyOf(SourceFormat source) {
    switch (source) {
        case SourceFormat::kXlsx:
        case SourceFormat::kXls:
            return Family::kCalc;
        case SourceFormat::kDocx:
        case SourceFormat::kDoc:
            return Family::kWriter;
        case SourceFormat::kPptx:
        case SourceFormat::kPpt:
            return Family::kImpress;
    }
    return Family::kWriter;
}

// The office export filter (and its options) of a pair; PNG goes through PDF.
OfficeRequest FilterFor(SourceFormat source, TargetFormat target) {
    Family family = FamilyOf(source);
    OfficeRequest request;
    request.output_extension = std::string(TargetExtension(target));
    switch (target) {
        case TargetFormat::kPdf:
        case TargetFormat::kPng:
            request.output_extension = ".pdf";
            request.filter = family == Family::kCalc     ? "calc_pdf_Export"
                             : family == Family::kWriter ? "writer_pdf_Export"
                                                         : "impress_pdf_Export";
            break;
        case TargetFormat::kHtml:
            request.filter = family == Family::kCalc ? "HTML (StarCalc)" : "HTML (StarWriter)";
            if (family == Family::kWriter) request.filter_options = "EmbedImages";
            request.inline_images = family == Family::kCalc;
            break;
        case TargetFormat::kCsv:
            request.filter = "Text - txt - csv (StarCalc)";
            request.filter_options = std::string(kCalcCsvOptions);
            break;
        case TargetFormat::kTxt:
            request.filter = "Text (encoded)";
            request.filter_options = "UTF8";
            break;
        case TargetFormat::kOdt:
            request.filter = "writer8";
            break;
        case TargetFormat::kOdp:
            request.filter = "impress8";
            break;
        case TargetFormat::kXlsx:
            request.filter = "Calc Office Open XML";
            break;
        case TargetFormat::kDocx:
            request.filter = "MS Word 2007 XML";
            break;
        case TargetFormat::kPptx:
            request.filter = "Impress Office Open XML";
            break;
    }
    return request;
}

}  // namespace

Exporter::Exporter(store::BlobStore& blobs, OfficePool& office, ExportIndex& index)
    : blobs_(blobs), office_(office), index_(index) {}

bool Exporter::NeedsOffice(SourceFormat source, TargetFormat target) {
    return !IsNativePair(source, target);
}

std::string Exporter::ConverterVersion(const ExportInput& input) const {
    // A workbook's CSV may hold values the office calculated (WorkbookCsv).
    if (input.source == SourceFormat::kXlsx && input.target == TargetFormat::kCsv) {
        return std::string(kNativeVersion) + ";" + (office_.installed() ? office_.version() : "");
    }
    if (!NeedsOffice(input.source, input.target)) return std::string(kNativeVersion);
    if (input.target == TargetFormat::kPng) return office_.version() + ";" + RasteriserVersion();
    return office_.version();
}

std::string Exporter::DocumentName(const ExportInput& input) {
    if (!NeedsOffice(input.source, input.target)) return "";
    return OfficeFileName(input.file_name, input.source);
}

Result<ExportResult> Exporter::Export(const ExportInput& input) {
    if (auto pair = CheckPair(input.source, input.target); !pair) return Propagate(pair);
    if (NeedsOffice(input.source, input.target) && !office_.installed()) {
        std::string_view why = office_.disabled()
                                   ? "which is disabled on this server (--office-processes 0)"
                                   : "which this server does not have";
        return Fail(
            ErrorCode::kConverterUnavailable,
            fmt::format("exports to {} need LibreOffice, {}", TargetName(input.target), why));
    }
    std::string key = ExportCacheKey(input.source_blob, input.target,
                                     NormalisedOptions(input.target, input.options),
                                     ConverterVersion(input), DocumentName(input));
    // An entry whose files went with a deleted run's document counts as none.
    if (auto cached = index_.Find(input.org_id, key);
        cached && std::all_of(cached->begin(), cached->end(),
                              [&](const std::string& blob) { return blobs_.Has(blob); })) {
        return ExportResult{*cached, true};
    }

    // A document that crashed the office on the retry too would most likely crash it again.
    std::string flight = input.org_id + "/" + key;
    if (failures_.FailedRecently(flight)) {
        return Fail(ErrorCode::kConversionFailed,
                    fmt::format("the converter stopped twice while converting this document "
                                "earlier; the same export is not tried again within {} minutes",
                                kFailureMemory.count()));
    }

    bool joined = false;
    auto blobs = flights_.Do(
        flight,
        [&]() -> Result<std::vector<std::string>> {
            auto started = std::chrono::steady_clock::now();
            auto files = Produce(input);
            if (!files && OfficePool::StoppedTwice(files.error())) {
                QUIRE_LOG_WARN("export failure remembered org_id={} key={} minutes={}",
                               input.org_id, key, kFailureMemory.count());
                failures_.Remember(flight);
            }
            if (!files) return files;
            auto produced_at = std::chrono::steady_clock::now();
            std::shared_lock gate(blobs_.Gate());  // until the index entry names the blobs
            // A source removed while it was converted (its run deleted or purged) has had its
            // exports dropped already: files stored now would be named by an entry nothing drops.
            if (!blobs_.Has(input.source_blob)) {
                return NotFound("the document was removed while it was being exported");
            }
            auto produced = StoreAll(*files);
            if (!produced) return produced;
            auto stored_at = std::chrono::steady_clock::now();
            if (auto put = index_.Put(input.org_id, key, *produced, input.source_blob); !put) {
                QUIRE_LOG_WARN("export index not written org_id={} detail={}", input.org_id,
                               put.error().detail);
            }
            auto ms = [](auto elapsed) {
                return std::chrono::duration<double, std::milli>(elapsed).count();
            };
            QUIRE_LOG_DEBUG(
                "export produced org_id={} produce_ms={:.1f} store_ms={:.1f} index_ms={:.1f}",
                input.org_id, ms(produced_at - started), ms(stored_at - produced_at),
                ms(std::chrono::steady_clock::now() - stored_at));
            return produced;
        },
        &joined);
    if (!blobs) return Propagate(blobs);
    return ExportResult{std::move(*blobs), joined};
}

Result<std::vector<std::string>> Exporter::Produce(const ExportInput& input) {
    auto bytes = blobs_.Get(input.source_blob);
    if (!bytes) return Propagate(bytes);

    std::vector<std::string> files;
    if (input.source == SourceFormat::kXlsx && input.target == TargetFormat::kCsv) {
        auto csv = WorkbookCsv(std::move(*bytes), input);
        if (!csv) return Propagate(csv);
        files.push_back(std::move(*csv));
    } else if (input.source == SourceFormat::kDocx && input.target == TargetFormat::kTxt) {
        auto text = DocumentToText(std::move(*bytes));
        if (!text) return Propagate(text);
        files.push_back(std::move(*text));
    } else if (input.target == TargetFormat::kPng) {
        auto pages = RenderPages(input);
        if (!pages) return Propagate(pages);
        files = std::move(*pages);
    } else {
        auto converted = ConvertWithOffice(*bytes, input);
        if (!converted) return Propagate(converted);
        files.push_back(std::move(*converted));
    }
    return files;
}

Result<std::string> Exporter::WorkbookCsv(std::string xlsx, const ExportInput& input) {
    auto csv = WorkbookToCsv(xlsx, input.options);
    if (!csv) return Propagate(csv);
    if (csv->formulas_without_values == 0 || !office_.installed()) return std::move(csv->text);

    // A failed recalculation fails the export rather than caching a CSV with empty fields.
    auto recalculated = Recalculate(office_, std::move(xlsx));
    if (!recalculated) return Propagate(recalculated);
    QUIRE_LOG_DEBUG("export csv recalculated org_id={} formulas={}", input.org_id,
                    csv->formulas_without_values);
    auto computed = WorkbookToCsv(std::move(recalculated->xlsx), input.options);
    if (!computed) return Propagate(computed);
    return std::move(computed->text);
}

// Pages come from the document's PDF export, itself cached: a PNG export after a PDF one (or at
// another dpi) does not run the office again, and the pages are the PDF's pages.
Result<std::vector<std::string>> Exporter::RenderPages(const ExportInput& input) {
    ExportInput pdf = input;
    pdf.target = TargetFormat::kPdf;
    pdf.options = ExportOptions{};
    auto document = Export(pdf);
    if (!document) return Propagate(document);
    auto bytes = blobs_.Get(document->blobs.at(0));
    if (!bytes) return Propagate(bytes);
    return RenderPdfPages(*bytes, input.options.dpi);
}

Result<std::string> Exporter::ConvertWithOffice(const std::string& bytes,
                                                const ExportInput& input) {
    OfficeRequest request = FilterFor(input.source, input.target);
    request.input_name = OfficeFileName(input.file_name, input.source);
    if (input.target == TargetFormat::kCsv) request.sheet = input.options.sheet;
    auto output = office_.Convert(bytes, request);
    if (!output) return Propagate(output);
    if (output->empty()) {
        return Fail(ErrorCode::kConversionFailed, "the converter produced an empty result");
    }
    if (input.target == TargetFormat::kCsv && !input.options.raw) {
        return GuardQuotedFormulaText(*output);
    }
    return output;
}

Result<std::vector<std::string>> Exporter::StoreAll(const std::vector<std::string>& files) {
    std::vector<std::string> blobs;
    for (const std::string& file : files) {
        auto blob = blobs_.Put(file);
        if (!blob) return Propagate(blob);
        blobs.push_back(std::move(*blob));
    }
    return blobs;
}

}  // namespace quire::convert
