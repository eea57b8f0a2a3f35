#pragma once

// A pool of warm LibreOffice processes (DESIGN.md §7). Each process has its own profile
// directory and pipe, lives in its own process group, and is driven through the UNO bridge by one
// conversion at a time. A conversion past its timeout kills its process group; a process that
// dies, reaches its conversion count or grows past its memory ceiling is replaced in the
// background. Conversions beyond the free processes wait in a bounded queue.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "convert/office_bridge.hpp"

namespace quire::convert {

// The memory allocator preloaded into office processes (jemalloc's library as found at build
// time), "" when there was none. LibreOffice makes and frees a great many small objects while it
// loads and lays out a document; with jemalloc a warm conversion takes less time
// (docs/exports.md).
std::filesystem::path DefaultOfficeAllocator();

struct OfficePoolOptions {
    std::filesystem::path program;   // soffice.bin; "" for the one found at build time
    std::filesystem::path work_dir;  // profiles, logs and the files of conversions in flight
    int processes = 1;               // 0 runs without the converter, as if LibreOffice were missing
    int max_conversions = 200;       // a process is replaced after this many conversions
    std::int64_t rss_ceiling_bytes = std::int64_t{1536} << 20;
    // A conversion may take timeout + timeout_per_mb for each MB of its input.
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds timeout_per_mb{10'000};
    std::size_t queue_limit = 64;  // conversions waiting for a process
    std::chrono::milliseconds start_timeout{60'000};
    // After a failed start a process is started again after restart_delay, doubled with each
    // further failure in a row, at most restart_delay_max (see RestartDelay).
    std::chrono::milliseconds restart_delay{1'000};
    std::chrono::milliseconds restart_delay_max{30'000};
    // Preloaded (LD_PRELOAD) into each office process when the file exists; "" for none.
    std::filesystem::path allocator = DefaultOfficeAllocator();
};

// The time a conversion of `input_size` bytes may take: options.timeout plus
// options.timeout_per_mb for each MB (2^20 bytes) of input, in proportion, so that half a MB
// adds half of it (to the millisecond, rounded down).
std::chrono::milliseconds ConversionTimeout(const OfficePoolOptions& options,
                                            std::size_t input_size);

// How long the pool waits before starting a process again after `failures` failed starts in a
// row: zero for none, options.restart_delay after the first, doubled after each further one, at
// most options.restart_delay_max.
std::chrono::milliseconds RestartDelay(const OfficePoolOptions& options, int failures);

// True when the `failures`-th failed start in a row is logged: the first, each one after which
// RestartDelay grows, and then every power of two, so that a program that never starts leaves a
// few lines, each with its count, instead of one per attempt.
bool LogsStartFailure(const OfficePoolOptions& options, int failures);

// What an export asks of the office: the document's name, the filter and its options (where the
// input and output files live is the pool's business).
struct OfficeRequest {
    // The plain file name the document is loaded under ("Q3 budget.xlsx", see OfficeFileName),
    // which is what it sees of its own file; its extension leads the office's type detection.
    std::string input_name;
    std::string output_extension;
    std::string filter;
    std::string filter_options;
    std::string sheet;
    // True for pages whose images the filter writes as files beside them (Calc's HTML): they
    // are carried into the page as data: URIs (InlineImages) and not returned otherwise.
    bool inline_images = false;
};

class OfficePool {
public:
    explicit OfficePool(OfficePoolOptions options);
    // Stops and reaps every process.
    ~OfficePool();
    OfficePool(const OfficePool&) = delete;
    OfficePool& operator=(const OfficePool&) = delete;

    // Starts every process and waits until each accepts UNO calls or has failed to start (up to
    // start_timeout). kConverterUnavailable when LibreOffice or the UNO bridge is missing: the
    // pool then stays empty and every conversion answers the same. A process that fails to start
    // is retried in the background after RestartDelay; Start succeeds once at least one accepts.
    [[nodiscard]] Status Start();

    // Stops the pool for shutdown: waiting conversions answer kConverterUnavailable at once, and
    // every process is killed, so that running conversions fail promptly instead of holding
    // their callers; nothing is started again. The destructor finishes the clean-up.
    void Stop();

    // True when LibreOffice and the bridge are there, whether or not a process runs now.
    bool installed() const { return installed_; }
    // True when the server was told to run without the converter (no processes).
    bool disabled() const { return options_.processes == 0; }

    // True when LibreOffice is installed but its processes fail to start: every process has
    // failed its latest start (and none runs). Conversions then answer kConverterUnavailable at
    // once instead of waiting for a process, while the pool keeps retrying with RestartDelay;
    // the first start that succeeds ends it.
    bool failing() const;

    // While failing: the time until the pool next tries to start a process, in whole seconds
    // rounded up, at least 1. Zero when not failing.
    std::chrono::seconds NextStartIn() const;

    // OK while at least one process accepts conversions; else kConverterUnavailable saying why.
    [[nodiscard]] Status Readiness() const;

    // The converter's identity for cache keys: the bridge revision and the office program's size
    // and modification time, so an upgrade of LibreOffice invalidates earlier results.
    const std::string& version() const { return version_; }

    // Converts `input` as `request` says and returns the output's bytes. The office loads it
    // as "<jobs link>/<job number>/<input_name>" (see jobs_link), so that a field that shows the
    // document's file name prints the user's name and one that shows its location nothing of
    // the data directory. `input_name` must be a plain file name (kInternal otherwise). Errors:
    // kConverterUnavailable when the converter is missing, failing (see failing) or its queue
    // is full (retry later); kConversionFailed when the document cannot be converted, the
    // conversion ran past its timeout (its process is killed and replaced), or its process crashed
    // twice (the first crash is retried once on a fresh process).
    [[nodiscard]] Result<std::string> Convert(std::string_view input, const OfficeRequest& request);

    // True for the error of a Convert or Recalculate whose process crashed on both attempts.
    static bool StoppedTwice(const Error& error);

    // Recalculates a workbook in a process and reports every formula cell; errors as Convert.
    [[nodiscard]] Result<std::vector<RecalculatedCell>> Recalculate(std::string_view xlsx);

    // The folder the office reaches the jobs' files through: a link with a random name in the
    // system's temporary folder ("/tmp/office-1f0c9a2b7d4e") to work_dir/jobs, made by Start and
    // removed by the destructor; work_dir/jobs itself when no link could be made there.
    const std::filesystem::path& jobs_link() const { return jobs_link_; }

    // Process ids of the running office processes (for diagnostics and tests).
    std::vector<pid_t> ProcessIds() const;

private:
    // kTidying: the conversion has answered; the tidier closes its document, then frees it.
    enum class SlotState { kStarting, kIdle, kBusy, kTidying, kDead };
    struct Slot {
        int index = 0;
        pid_t pid = -1;
        int generation = 0;
        int conversions = 0;
        SlotState state = SlotState::kDead;
        bool tried = false;  // its first start has been attempted (guarded by mu_)
        int failures = 0;    // failed starts since its last successful one (guarded by mu_)
        std::chrono::steady_clock::time_point next_start{};  // when dead (guarded by mu_)
        std::unique_ptr<OfficeSession> session;
    };
    struct Attempt;

    // Waits for an idle process; beyond queue_limit waiting callers (unless `retry`) fails, and
    // while the pool is failing it fails at once.
    Result<Slot*> Acquire(bool retry);
    // failing() with mu_ held.
    bool FailingLocked() const;
    void Release(Slot& slot, bool replace);
    template <typename Call>
    Status RunWithTimeout(Slot& slot, std::chrono::milliseconds timeout, Call&& call,
                          bool& timed_out);
    // Runs `work` with a process and the job's folder as the office sees it (under jobs_link_).
    template <typename Work>
    Status RunJob(std::size_t input_size, Work&& work);
    // Makes jobs_link_ (see jobs_link).
    void LinkJobs();
    void MaintainLoop();
    // Notes the outcome of a start of `slot` (mu_ held): its state, and on failure its count
    // and next start. Returns true when a failure is to be logged (LogsStartFailure).
    bool RecordStart(Slot& slot, bool started);
    // Closes the documents of finished conversions, then frees or replaces their processes.
    void TidyLoop();
    // Starts the slot's process and connects to it; on failure the error's detail says why.
    Status StartProcess(Slot& slot);
    // The office's environment: this process's, with `allocator` preloaded.
    std::vector<std::string> OfficeEnvironment() const;
    pid_t Spawn(std::vector<char*>& argv, std::vector<char*>& envp, const std::string& log_path);
    // Kills and reaps the slot's process group; returns its wait status (0 when none ran).
    int StopProcess(Slot& slot);
    bool Alive(const Slot& slot) const;
    std::int64_t ResidentBytes(pid_t pid) const;

    // Set once at construction.
    const OfficePoolOptions options_;
    bool installed_ = false;
    std::string missing_reason_;
    std::string version_;

    // Set once by Start, before any conversion.
    std::filesystem::path jobs_link_;
    bool owns_jobs_link_ = false;

    mutable std::mutex mu_;
    std::condition_variable changed_;  // a slot changed state, or the pool is stopping
    std::vector<Slot> slots_;          // guarded by mu_ (each busy slot's session by its user)
    std::size_t waiting_ = 0;          // guarded by mu_
    std::uint64_t jobs_ = 0;           // guarded by mu_; names the files of each job
    bool stopping_ = false;            // guarded by mu_
    std::thread maintainer_;           // starts and replaces processes
    std::thread tidier_;               // runs TidyLoop
};

// The office program found at build time ("…/program/soffice.bin"), "" when there was none.
std::filesystem::path DefaultOfficeProgram();

}  // namespace quire::convert
