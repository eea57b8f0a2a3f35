#include "service/retention_sweeper.hpp"

#include <mutex>
#include <shared_mutex>

#include "common/ids.hpp"
#include "common/log.hpp"
#include "service/run_service.hpp"

namespace quire::service {

RetentionSweeper::RetentionSweeper(store::MetadataStore& metadata, store::BlobStore& blobs,
                                   SweepOptions options)
    : metadata_(metadata), blobs_(blobs), options_(options) {}

RetentionSweeper::~RetentionSweeper() { Stop(); }

Result<SweepReport> RetentionSweeper::SweepOnce() {
    SweepReport report;
    const std::int64_t now = NowMillis();
    // Each step repeats while its batches come back full. Marking comes first, so that a run
    // past both its expiry and the purge delay is purged in the same pass.
    auto drain = [&](auto step, int& counted) -> Status {
        while (true) {
            std::unique_lock gate(blobs_.Gate());
            Result<store::SweepStep> done = step();
            if (!done) return std::unexpected(done.error());
            counted += done->count;
            report.blobs_removed += RemoveBlobs(blobs_, done->unreferenced_blobs);
            if (done->count < options_.batch) return {};
        }
    };
    Status marked =
        drain([&] { return metadata_.MarkExpiredRuns(now, options_.batch); }, report.runs_expired);
    if (!marked) return std::unexpected(marked.error());
    Status purged = drain(
        [&] { return metadata_.PurgeExpiredRuns(now, options_.purge_after_ms, options_.batch); },
        report.runs_purged);
    if (!purged) return std::unexpected(purged.error());
    Status files = drain([&] { return metadata_.ExpireUnusedFiles(now, options_.batch); },
                         report.files_expired);
    if (!files) return std::unexpected(files.error());

    if (report.runs_expired + report.runs_purged + report.files_expired > 0) {
        QUIRE_LOG_INFO(
            "retention sweep runs_expired={} runs_purged={} files_expired={} "
            "blobs_removed={}",
            report.runs_expired, report.runs_purged, report.files_expired, report.blobs_removed);
    }
    return report;
}

void RetentionSweeper::Start(std::chrono::milliseconds interval) {
    thread_ = std::thread([this, interval] { Loop(interval); });
}

void RetentionSweeper::Stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::Loop(std::chrono::milliseconds interval) {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        lock.unlock();
        if (auto swept = SweepOnce(); !swept) {
            QUIRE_LOG_ERROR("retention sweep failed detail={}", swept.error().detail);
        }
        lock.lock();
        wake_.wait_for(lock, interval, [this] { return stopping_; });
    }
}

}  // namespace quire::service
