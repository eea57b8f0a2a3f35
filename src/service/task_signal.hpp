#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace quire::service {

// Wakes whoever waits for "something changed": workers waiting for queued tasks, and sync callers
// waiting for their task to finish. Waiters re-read the store after waking, so a missed or
// spurious wake-up costs at most one poll interval and never correctness.
class TaskSignal {
public:
    void Notify() {
        {
            std::lock_guard lock(mu_);
            ++generation_;
        }
        cv_.notify_all();
    }

    // Returns when Notify is called after `seen` was read, or at `deadline`.
    void WaitUntil(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mu_);
        cv_.wait_until(lock, deadline, [&] { return generation_ != seen; });
    }

    std::uint64_t generation() {
        std::lock_guard lock(mu_);
        return generation_;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::uint64_t generation_ = 0;  // guarded by mu_
};

}  // namespace quire::service
