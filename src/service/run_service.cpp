#include "service/run_service.hpp"

#include <fmt/format.h>

#include <mutex>
#include <shared_mutex>

#include "agent/outline_diff.hpp"
#include "common/log.hpp"
#include "service/formats.hpp"

namespace quire::service {
namespace {

std::string_view KindName(const PackageKind& kind) {
    if (kind.macros) return kind.templated ? "macro-enabled template" : "macro-enabled";
    return kind.templated ? "template" : "plain (no macros)";
}

}  // namespace

std::string ChangesSinceLastTurn(store::MetadataStore& metadata, store::BlobStore& blobs,
                                 const store::Run& run, const std::string& current) {
    auto last = metadata.LastTurnVersion(run.id);
    if (!last || *last == 0 || *last >= run.version) return {};
    auto format = ParseFormatName(run.format);
    if (!format) return {};
    auto version = metadata.GetVersion(run.org_id, run.id, *last);
    if (!version) return {};
    if (version->blob == run.blob) return {};
    auto before = blobs.Get(version->blob);
    if (!before) return {};
    auto diff = agent::DiffDocuments(*format, *before, current);
    if (!diff) {
        QUIRE_LOG_WARN("outline diff not made run_id={} detail={}", run.id, diff.error().message);
        return {};
    }
    return agent::DescribeDiff(*format, *diff);
}

int RemoveBlobs(store::BlobStore& blobs, const std::vector<std::string>& unreferenced) {
    int removed = 0;
    for (const std::string& blob : unreferenced) {
        if (auto gone = blobs.Remove(blob); !gone) {
            QUIRE_LOG_WARN("blob not removed blob={} detail={}", blob, gone.error().detail);
            continue;
        }
        ++removed;
    }
    return removed;
}

RunService::RunService(store::MetadataStore& metadata, store::BlobStore& blobs)
    : metadata_(metadata), blobs_(blobs) {}

Result<store::Version> RunService::UploadDocument(std::string_view org_id, std::string_view run_id,
                                                  std::string bytes) {
    auto run = metadata_.GetRun(org_id, run_id);
    if (!run) return Propagate(run);
    if (run->status == "expired") {
        return Fail(ErrorCode::kRunExpired, "the run has expired under the retention window");
    }
    // Refused before the bytes are stored, so that a busy run gains no stray blob; the store
    // checks again in the transaction that records the version.
    auto active = metadata_.ActiveTaskOf(run->id);
    if (!active) return Propagate(active);
    if (active->has_value()) {
        return Fail(ErrorCode::kRunBusy, "the run has a task queued or running; try again later");
    }

    auto format = ParseFormatName(run->format);
    if (!format) return Internal("the run has an unknown format");
    if (auto valid = ValidateDocument(*format, bytes); !valid) {
        return InvalidRequest(fmt::format("the body is not a valid {} document: {}", run->format,
                                          valid.error().message));
    }
    // The run's file keeps its name, so the document must be of the kind that name says: Excel
    // refuses an .xlsx that holds macros.
    const std::string file_name =
        run->file_name.empty() ? std::string(DefaultFileName(*format)) : run->file_name;
    if (auto kind = PackageKindOfBytes(bytes); kind && *kind != PackageKindOfName(file_name)) {
        return InvalidRequest(fmt::format(
            "the body is a {} document and the run's file '{}' is {}; a document of another "
            "kind starts a run of its own (init_file)",
            KindName(*kind), file_name, KindName(PackageKindOfName(file_name))));
    }
    std::shared_lock gate(blobs_.Gate());  // until the version refers to the blob
    auto blob = blobs_.Put(bytes);
    if (!blob) return Propagate(blob);
    store::OutsideVersion version;
    version.created_by = "upload";
    version.blob = *blob;
    version.size = static_cast<std::int64_t>(bytes.size());
    auto made = metadata_.AddOutsideVersion(org_id, run_id, version);
    if (made) {
        QUIRE_LOG_INFO("document uploaded run_id={} org_id={} version={}", run_id, org_id,
                       made->number);
    }
    return made;
}

Result<store::Version> RunService::Revert(std::string_view org_id, std::string_view run_id,
                                          int number) {
    store::OutsideVersion version;
    version.created_by = "revert";
    version.revert_to = number;
    auto made = metadata_.AddOutsideVersion(org_id, run_id, version);
    if (made) {
        QUIRE_LOG_INFO("run reverted run_id={} org_id={} to={} version={}", run_id, org_id, number,
                       made->number);
    }
    return made;
}

Status RunService::DeleteRun(std::string_view org_id, std::string_view run_id) {
    std::unique_lock gate(blobs_.Gate());
    auto deleted = metadata_.DeleteRun(org_id, run_id);
    if (!deleted) return std::unexpected(deleted.error());
    int removed = RemoveBlobs(blobs_, deleted->unreferenced_blobs);
    QUIRE_LOG_INFO("run deleted run_id={} org_id={} blobs_removed={}", run_id, org_id, removed);
    return {};
}

Status RunService::DeleteFile(std::string_view org_id, std::string_view file_id) {
    std::unique_lock gate(blobs_.Gate());
    auto deleted = metadata_.DeleteFile(org_id, file_id);
    if (!deleted) return std::unexpected(deleted.error());
    int removed = RemoveBlobs(blobs_, deleted->unreferenced_blobs);
    QUIRE_LOG_INFO("file deleted file_id={} org_id={} blobs_removed={}", file_id, org_id, removed);
    return {};
}

}  // namespace quire::service
