#pragma once

// Where finished exports are remembered: the result files live in the blob store (by content),
// and a small index maps each organisation's cache key to the blobs of its result.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::convert {

// A directory of index entries, one file per (organisation, cache key), each listing the SHA-256
// of the result's blobs in order. Entries are written whole (temporary file, rename), so a
// reader sees an old entry, a new one or none. Safe to use from many threads.
class ExportIndex {
public:
    explicit ExportIndex(std::filesystem::path dir);

    // The blobs of a cached result, nullopt when there is none.
    std::optional<std::vector<std::string>> Find(std::string_view org_id,
                                                 std::string_view key) const;

    // Records a result made from the bytes `source_blob`. kInternal when the entry cannot be
    // written (the export still answers).
    [[nodiscard]] Status Put(std::string_view org_id, std::string_view key,
                             const std::vector<std::string>& blobs,
                             std::string_view source_blob = {});

    // Forgets every result made from `source_blob` and returns their blobs, for a source that
    // is being removed (a deleted or purged run's document).
    std::vector<std::string> DropSource(std::string_view source_blob);

private:
    std::filesystem::path EntryPath(std::string_view org_id, std::string_view key) const;

    const std::filesystem::path dir_;
};

// Runs identical work once: callers with the same key while one is in flight wait for its
// result instead of starting their own.
class SingleFlight {
public:
    using Blobs = std::vector<std::string>;

    // Runs `work` unless a call with `key` is in flight, in which case it waits for that call and
    // returns its result. `joined` tells the caller which happened.
    Result<Blobs> Do(const std::string& key, const std::function<Result<Blobs>()>& work,
                     bool* joined);

    // How many callers are waiting for the call with `key` now (0 when none is in flight).
    std::size_t Waiters(const std::string& key);

private:
    struct Flight {
        bool done = false;
        std::size_t waiters = 0;
        std::optional<Result<Blobs>> result;
    };

    std::mutex mu_;
    std::condition_variable finished_;
    std::map<std::string, std::shared_ptr<Flight>, std::less<>> flights_;  // guarded by mu_
};

// Exports whose conversion crashed the office on its retry too, remembered for a while so that
// asking again answers at once instead of crashing a process twice more. In memory only (a
// restart forgets); safe to use from many threads.
class FailedExports {
public:
    using Clock = std::chrono::steady_clock;

    // Remembers each failure for `ttl` as `now` tells the time (the steady clock unless a test
    // gives its own), and at most `capacity` failures at once: past it the oldest is forgotten.
    explicit FailedExports(Clock::duration ttl, std::function<Clock::time_point()> now = Clock::now,
                           std::size_t capacity = 1024);

    // Records that the export with `key` failed now; a key already remembered starts again.
    void Remember(const std::string& key);

    // True while the failure of `key` is remembered.
    bool FailedRecently(const std::string& key);

private:
    void ForgetExpired(Clock::time_point now);

    // Set once at construction.
    const Clock::duration ttl_;
    const std::function<Clock::time_point()> now_;
    const std::size_t capacity_;

    std::mutex mu_;
    std::map<std::string, Clock::time_point, std::less<>> failed_at_;  // guarded by mu_
    // Keys in the order they were remembered, with the time they were (guarded by mu_); an
    // entry whose time no longer matches failed_at_ was remembered again later.
    std::deque<std::pair<std::string, Clock::time_point>> order_;
};

}  // namespace quire::convert
