#pragma once

// The run lifecycle use cases outside generation: versions made outside the agent (an uploaded
// document, a revert), and deleting runs and uploads with the blobs only they used.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "store/store.hpp"

namespace quire::service {

class RunService {
public:
    // Borrows the stores; they must outlive the service.
    RunService(store::MetadataStore& metadata, store::BlobStore& blobs);

    // Records `bytes` as the run's next version, made by "upload". kInvalidRequest with the
    // engine's reason unless the bytes are a valid document of the run's format; otherwise the
    // errors of MetadataStore::AddOutsideVersion (kNotFound, kRunExpired, kRunBusy). Nothing
    // changes on any error.
    [[nodiscard]] Result<store::Version> UploadDocument(std::string_view org_id,
                                                        std::string_view run_id, std::string bytes);

    // Makes the run's next version equal to version `number`, made by "revert".
    [[nodiscard]] Result<store::Version> Revert(std::string_view org_id, std::string_view run_id,
                                                int number);

    // Deletes a run (kRunBusy while a task is queued or running) or an upload, then the blobs
    // nothing refers to any more. A blob that cannot be removed is logged and left: the rows are
    // already gone.
    [[nodiscard]] Status DeleteRun(std::string_view org_id, std::string_view run_id);
    [[nodiscard]] Status DeleteFile(std::string_view org_id, std::string_view file_id);

private:
    // Set once at construction.
    store::MetadataStore& metadata_;
    store::BlobStore& blobs_;
};

// What changed in `run`'s document since the version its last completed task ended at, as
// agent::DescribeDiff words it, for the next turn: "" when nothing did, when no task completed
// yet, or when the diff cannot be made (then logged: the turn goes on without it).
// `current` is the bytes of the run's current version.
std::string ChangesSinceLastTurn(store::MetadataStore& metadata, store::BlobStore& blobs,
                                 const store::Run& run, const std::string& current);

// Removes blobs a store step reported as unreferenced; returns how many went. The caller holds
// the blob store's gate exclusively from that step until this returns (BlobStore::Gate), so an
// upload of the same bytes in between cannot lose its blob.
int RemoveBlobs(store::BlobStore& blobs, const std::vector<std::string>& unreferenced);

}  // namespace quire::service
