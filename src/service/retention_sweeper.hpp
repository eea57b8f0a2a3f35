#pragma once

// The retention sweeper (DESIGN.md §8): marks runs expired once their org's window has passed,
// purges the bytes, versions and conversation of runs expired longer than the purge delay
// (keeping their rows), and deletes uploads no run uses once they are older than the window.
// Blobs go only when nothing refers to them any more. Work is done in small batches, each its own
// transaction, so a pass never holds the store's write lock for long.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "store/store.hpp"

namespace quire::service {

struct SweepOptions {
    std::int64_t purge_after_ms = 30LL * 24 * 3600 * 1000;  // after expiry
    int batch = 100;                                        // rows per transaction
};

// What one pass did.
struct SweepReport {
    int runs_expired = 0;
    int runs_purged = 0;
    int files_expired = 0;
    int blobs_removed = 0;
};

class RetentionSweeper {
public:
    // Borrows the stores; they must outlive the sweeper.
    RetentionSweeper(store::MetadataStore& metadata, store::BlobStore& blobs, SweepOptions options);
    ~RetentionSweeper();

    // One whole pass now: batches until nothing is left to do. Stops at the first store error.
    [[nodiscard]] Result<SweepReport> SweepOnce();

    // Runs a pass every `interval` on a background thread until Stop. Errors are logged.
    void Start(std::chrono::milliseconds interval);
    void Stop();

private:
    void Loop(std::chrono::milliseconds interval);

    // Set once at construction.
    store::MetadataStore& metadata_;
    store::BlobStore& blobs_;
    const SweepOptions options_;

    std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mu_
    std::thread thread_;     // touched only by Start and Stop
};

}  // namespace quire::service
