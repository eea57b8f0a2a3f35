#include "convert/office_pool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "common/hash.hpp"
#include "common/log.hpp"
#include "convert/html_images.hpp"

namespace quire::convert {
namespace fs = std::filesystem;
using std::chrono::steady_clock;

namespace {

double Millis(steady_clock::duration elapsed) {
    return std::chrono::duration<double, std::milli>(elapsed).count();
}

// Revision of the way Quire drives the office; part of every cache key of office results.
constexpr int kBridgeRevision = 3;

// The detail of the error of a job whose process crashed on both attempts.
constexpr std::string_view kStoppedTwiceDetail = "office process crashed on the retry too";

// What a caller is told while every process fails to start; the log has the details.
constexpr std::string_view kFailingMessage =
    "the office converter's processes fail to start on this server; retry later";

// A file: URL of a local path, with everything but unreserved characters and '/' escaped.
std::string FileUrl(const fs::path& path) {
    std::string url = "file://";
    for (unsigned char c : path.string()) {
        if (std::isalnum(c) ||
            std::string_view("-._~/").find(static_cast<char>(c)) != std::string_view::npos) {
            url.push_back(static_cast<char>(c));
        } else {
            url += fmt::format("%{:02X}", c);
        }
    }
    return url;
}

// A name that stays inside the folder it is put in.
bool IsPlainFileName(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

Status WriteFile(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return Internal("cannot write the office's file", path.string());
    return {};
}

Result<std::string> ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(ErrorCode::kConversionFailed, "the converter wrote no result");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every other file in the folder of `output`, by name: what a filter wrote beside its page.
Result<PageFiles> FilesBeside(const fs::path& output) {
    PageFiles files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(output.parent_path(), ec)) {
        if (entry.path() == output || !entry.is_regular_file(ec)) continue;
        auto bytes = ReadFile(entry.path());
        if (!bytes) return std::unexpected(bytes.error());
        files.emplace(entry.path().filename().string(), std::move(*bytes));
    }
    if (ec) return Internal("cannot list the office's files", ec.message());
    return files;
}

// Calc's CSV filter, told to write one sheet, names the file after it ("output-Data.csv"): the
// output is the file asked for, else the one file of that stem and extension the job wrote.
fs::path OutputFile(const fs::path& wanted) {
    std::error_code ec;
    if (fs::exists(wanted, ec)) return wanted;
    std::string stem = wanted.stem().string() + "-";
    for (const auto& entry : fs::directory_iterator(wanted.parent_path(), ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(stem) && entry.path().extension() == wanted.extension()) {
            return entry.path();
        }
    }
    return wanted;
}

// How a process that never accepted a connection ended, for the log.
std::string ExitDescription(int status) {
    if (WIFSIGNALED(status)) {
        return fmt::format("it was ended by signal {} before accepting connections",
                           WTERMSIG(status));
    }
    return fmt::format("it exited with status {} before accepting connections",
                       WEXITSTATUS(status));
}

std::string ProgramVersion(const fs::path& program) {
    struct stat info {};
    if (::stat(program.c_str(), &info) != 0) return "";
    return fmt::format("office-bridge-{};program-{}-{}", kBridgeRevision, info.st_size,
                       info.st_mtim.tv_sec);
}

// The settings each office process starts with, in the profile's own settings file. Writer
// collects every word of a loaded document for its word completion, from idle callbacks on the
// thread that also serves conversions; in a profile of warm exports of a 30-page report that was
// a fifth of the office's time, and a conversion never types. Online spelling, for the same
// reason, is off too. Neither changes what a document looks like. Saving, the office makes
// file-system and internet links relative to the document's own location by default, which for
// an export is the job folder: `file:///Users/a/b.docx` came out as `../../../../../..//Users/…`,
// broken, and counting the folder's depth. The Save/URL settings keep links as written.
constexpr std::string_view kOfficeSettings = R"(<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Writer/AutoFunction/Completion">
  <prop oor:name="Enable" oor:op="fuse"><value>false</value></prop>
  <prop oor:name="CollectWords" oor:op="fuse"><value>false</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Save/URL">
  <prop oor:name="FileSystem" oor:op="fuse"><value>false</value></prop>
  <prop oor:name="Internet" oor:op="fuse"><value>false</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Linguistic/SpellChecking">
  <prop oor:name="IsSpellAuto" oor:op="fuse"><value>false</value></prop>
</item>
</oor:items>
)";

// Writes kOfficeSettings into the profile before a start. The office rewrites the file with its
// own additions when it exits; Quire's items are written again before the next start. A profile
// that cannot take the file still works, only slower, so that is a warning, not a failure.
void WriteOfficeSettings(const fs::path& profile) {
    std::error_code ec;
    fs::create_directories(profile / "user", ec);
    fs::path settings = profile / "user" / "registrymodifications.xcu";
    fs::path partial = profile / "user" / "registrymodifications.xcu.partial";
    if (Status written = WriteFile(partial, kOfficeSettings); !written) {
        QUIRE_LOG_WARN("office settings not written detail={}", written.error().detail);
        return;
    }
    fs::rename(partial, settings, ec);
    if (ec) QUIRE_LOG_WARN("office settings not written detail={}", ec.message());
}

// The files of one conversion, removed with their folder when it ends.
class JobDir {
public:
    explicit JobDir(fs::path path) : path_(std::move(path)) {
        // A folder left by an earlier server must not lend its output to this job.
        std::error_code ec;
        fs::remove_all(path_, ec);
        fs::create_directories(path_, ec);
    }
    JobDir(const JobDir&) = delete;
    JobDir& operator=(const JobDir&) = delete;
    ~JobDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

}  // namespace

fs::path DefaultOfficeAllocator() {
#ifdef QUIRE_OFFICE_ALLOCATOR
    return fs::path(QUIRE_OFFICE_ALLOCATOR);
#else
    return {};
#endif
}

fs::path DefaultOfficeProgram() {
#ifdef QUIRE_OFFICE_PROGRAM_DIR
    return fs::path(QUIRE_OFFICE_PROGRAM_DIR) / "soffice.bin";
#else
    return {};
#endif
}

// The profile and job paths become file: URLs, which must be absolute: a relative data
// directory (QUIRE_DATA_DIR=./quire-data) left every process unable to start.
namespace {
OfficePoolOptions WithAbsoluteWorkDir(OfficePoolOptions options) {
    std::error_code ec;
    if (auto absolute = fs::absolute(options.work_dir, ec); !ec) options.work_dir = absolute;
    return options;
}
}  // namespace

OfficePool::OfficePool(OfficePoolOptions options)
    : options_(WithAbsoluteWorkDir(std::move(options))) {
    fs::path program = options_.program.empty() ? DefaultOfficeProgram() : options_.program;
    std::error_code ec;
    if (options_.processes == 0) {
        missing_reason_ = "this server runs without the office converter";
    } else if (!OfficeBridgeBuilt()) {
        missing_reason_ = "this server was built without the LibreOffice converter";
    } else if (program.empty() || !fs::exists(program, ec)) {
        missing_reason_ = "LibreOffice is not installed on this server";
    } else {
        installed_ = true;
        version_ = ProgramVersion(program);
        PrepareOfficeBridge();
    }
    slots_.resize(static_cast<std::size_t>(std::max(options_.processes, 1)));
    for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i].index = static_cast<int>(i);
}

void OfficePool::Stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (maintainer_.joinable()) maintainer_.join();
    {
        // Sessions of busy slots belong to their conversions still; only the processes go here.
        std::lock_guard lock(mu_);
        for (const Slot& slot : slots_) {
            if (slot.pid > 0) ::kill(-slot.pid, SIGKILL);
        }
    }
    // Last: a document it is closing answers once its process is gone.
    if (tidier_.joinable()) tidier_.join();
}

OfficePool::~OfficePool() {
    Stop();
    for (Slot& slot : slots_) {
        slot.session.reset();
        StopProcess(slot);
    }
    std::error_code ec;
    if (owns_jobs_link_) fs::remove(jobs_link_, ec);
}

namespace {

// A server that was killed left its link behind: links of that name pattern that lead to this
// pool's jobs folder go before a new one is made.
void RemoveStaleLinks(const fs::path& temp, const fs::path& jobs) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(temp, ec)) {
        std::error_code entry_ec;
        if (!entry.path().filename().string().starts_with("office-") ||
            !entry.is_symlink(entry_ec) || fs::read_symlink(entry.path(), entry_ec) != jobs) {
            continue;
        }
        fs::remove(entry.path(), entry_ec);
    }
}

}  // namespace

// A document shows its own path where a footer prints it (&Z) and in CELL("filename"), and
// LibreOffice takes it from the URL the document was loaded from. That must be the file: one read
// through a stream under the URL of a file that does not exist failed to store (an I/O access
// error) when it held macros or was an xls or ppt. So the files stay in the data directory, and
// the office reaches them through a link whose path says nothing of it.
void OfficePool::LinkJobs() {
    jobs_link_ = options_.work_dir / "jobs";
    std::error_code ec;
    fs::path temp = fs::temp_directory_path(ec);
    if (ec) return;
    RemoveStaleLinks(temp, jobs_link_);
    for (int attempt = 0; attempt < 3; ++attempt) {
        fs::path link = temp / ("office-" + RandomHex(6));
        fs::create_directory_symlink(options_.work_dir / "jobs", link, ec);
        if (!ec) {
            jobs_link_ = link;
            owns_jobs_link_ = true;
            return;
        }
    }
    QUIRE_LOG_WARN("office jobs link not made; documents see the data directory detail={}",
                   ec.message());
}

Status OfficePool::Start() {
    if (!installed_) return Fail(ErrorCode::kConverterUnavailable, missing_reason_);
    std::error_code ec;
    fs::create_directories(options_.work_dir / "jobs", ec);
    if (ec) return Internal("cannot create the converter's work directory", ec.message());
    LinkJobs();
    maintainer_ = std::thread([this] { MaintainLoop(); });
    tidier_ = std::thread([this] { TidyLoop(); });

    // Every process has had its first start: it accepts, or it failed and is retried later.
    std::unique_lock lock(mu_);
    auto all_tried = [this] {
        return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.tried; });
    };
    changed_.wait_for(lock, options_.start_timeout, all_tried);
    lock.unlock();
    return Readiness();
}

std::chrono::milliseconds ConversionTimeout(const OfficePoolOptions& options,
                                            std::size_t input_size) {
    constexpr std::int64_t kBytesPerMb = std::int64_t{1} << 20;
    std::int64_t extra_ms =
        options.timeout_per_mb.count() * static_cast<std::int64_t>(input_size) / kBytesPerMb;
    return options.timeout + std::chrono::milliseconds(extra_ms);
}

std::chrono::milliseconds RestartDelay(const OfficePoolOptions& options, int failures) {
    if (failures <= 0) return std::chrono::milliseconds(0);
    auto delay = options.restart_delay;
    for (int i = 1; i < failures && delay < options.restart_delay_max; ++i) delay *= 2;
    return std::min(delay, options.restart_delay_max);
}

bool LogsStartFailure(const OfficePoolOptions& options, int failures) {
    if (failures <= 0) return false;
    bool power_of_two = (failures & (failures - 1)) == 0;
    return power_of_two || RestartDelay(options, failures) != RestartDelay(options, failures - 1);
}

bool OfficePool::failing() const {
    if (!installed_) return false;
    std::lock_guard lock(mu_);
    return FailingLocked();
}

bool OfficePool::FailingLocked() const {
    // A process that failed its last start and is being started again counts as failing too:
    // a start that hangs would otherwise hold callers for the whole start timeout.
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const Slot& slot) { return slot.failures > 0; });
}

std::chrono::seconds OfficePool::NextStartIn() const {
    std::lock_guard lock(mu_);
    if (!installed_ || !FailingLocked()) return std::chrono::seconds(0);
    auto now = steady_clock::now();
    auto soonest = steady_clock::duration::max();
    for (const Slot& slot : slots_) soonest = std::min(soonest, slot.next_start - now);
    auto seconds = std::chrono::ceil<std::chrono::seconds>(soonest);
    return std::max(seconds, std::chrono::seconds(1));
}

Status OfficePool::Readiness() const {
    if (!installed_) return Fail(ErrorCode::kConverterUnavailable, missing_reason_);
    std::lock_guard lock(mu_);
    if (FailingLocked()) {
        return Fail(ErrorCode::kConverterUnavailable, std::string(kFailingMessage));
    }
    for (const Slot& slot : slots_) {
        if (slot.state == SlotState::kIdle || slot.state == SlotState::kBusy ||
            slot.state == SlotState::kTidying) {
            return {};
        }
    }
    return Fail(ErrorCode::kConverterUnavailable, "no converter process is running yet");
}

std::vector<pid_t> OfficePool::ProcessIds() const {
    std::lock_guard lock(mu_);
    std::vector<pid_t> pids;
    for (const Slot& slot : slots_) {
        if (slot.pid > 0) pids.push_back(slot.pid);
    }
    return pids;
}

Result<std::string> OfficePool::Convert(std::string_view input, const OfficeRequest& request) {
    if (!IsPlainFileName(request.input_name)) {
        return Internal("a conversion's input name is not a plain file name");
    }
    std::string output;
    Status status = RunJob(input.size(), [&](OfficeSession& session, const fs::path& dir) {
        // The output has a folder to itself, so that no name of the user's meets it.
        std::error_code ec;
        fs::create_directory(dir / "result", ec);
        OfficeJob job{dir / request.input_name,
                      dir / "result" / ("output" + request.output_extension), request.filter,
                      request.filter_options, request.sheet};
        auto started = steady_clock::now();
        if (auto written = WriteFile(job.input, input); !written) return written;
        auto written = steady_clock::now();
        if (auto converted = session.Convert(job); !converted) return converted;
        auto converted = steady_clock::now();
        fs::path produced = OutputFile(job.output);
        auto bytes = ReadFile(produced);
        if (!bytes) return Status(std::unexpected(bytes.error()));
        output = std::move(*bytes);
        if (request.inline_images) {
            auto files = FilesBeside(produced);
            if (!files) return Status(std::unexpected(files.error()));
            output = InlineImages(output, *files, produced.parent_path().string());
        }
        QUIRE_LOG_DEBUG("office job write_ms={:.1f} convert_ms={:.1f} read_ms={:.1f}",
                        Millis(written - started), Millis(converted - written),
                        Millis(steady_clock::now() - converted));
        return Status();
    });
    if (!status) return std::unexpected(status.error());
    return output;
}

Result<std::vector<RecalculatedCell>> OfficePool::Recalculate(std::string_view xlsx) {
    std::vector<RecalculatedCell> cells;
    Status status = RunJob(xlsx.size(), [&](OfficeSession& session, const fs::path& dir) {
        fs::path input = dir / "input.xlsx";
        if (auto written = WriteFile(input, xlsx); !written) return written;
        auto result = session.Recalculate(input);
        if (!result) return Status(std::unexpected(result.error()));
        cells = std::move(*result);
        return Status();
    });
    if (!status) return std::unexpected(status.error());
    return cells;
}

template <typename Work>
Status OfficePool::RunJob(std::size_t input_size, Work&& work) {
    auto timeout = ConversionTimeout(options_, input_size);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto asked = steady_clock::now();
        auto acquired = Acquire(attempt > 0);
        QUIRE_LOG_DEBUG("office job acquire_ms={:.1f}", Millis(steady_clock::now() - asked));
        if (!acquired) return std::unexpected(acquired.error());
        Slot& slot = **acquired;
        std::uint64_t job_number = 0;
        {
            std::lock_guard lock(mu_);
            job_number = ++jobs_;
        }
        JobDir dir(options_.work_dir / "jobs" / std::to_string(job_number));
        fs::path seen = jobs_link_ / std::to_string(job_number);

        bool timed_out = false;
        Status status = RunWithTimeout(
            slot, timeout, [&](OfficeSession& session) { return work(session, seen); }, timed_out);
        if (timed_out) {
            QUIRE_LOG_WARN("office conversion timed out slot={} pid={} timeout_ms={}", slot.index,
                           slot.pid, timeout.count());
            Release(slot, true);
            return Fail(ErrorCode::kConversionFailed,
                        fmt::format("the conversion took longer than {} s and was stopped",
                                    (timeout.count() + 999) / 1000));
        }
        bool crashed = !Alive(slot) || (!status && status.error().code == ErrorCode::kUnavailable);
        if (crashed) {
            QUIRE_LOG_WARN("office process crashed slot={} attempt={} detail={}", slot.index,
                           attempt + 1, status ? "" : status.error().detail);
            Release(slot, true);
            continue;
        }
        // Decided before answering, so that a caller who asks again sees the process replaced;
        // the memory is measured with the document still open.
        bool recycle = ++slot.conversions >= options_.max_conversions ||
                       ResidentBytes(slot.pid) > options_.rss_ceiling_bytes;
        if (recycle) {
            QUIRE_LOG_INFO("office process recycled slot={} conversions={}", slot.index,
                           slot.conversions);
            Release(slot, true);
            return status;
        }
        // The caller has its answer; the tidier closes the document and frees the process.
        {
            std::lock_guard lock(mu_);
            slot.state = SlotState::kTidying;
        }
        changed_.notify_all();
        return status;
    }
    return Fail(ErrorCode::kConversionFailed,
                "the converter stopped twice while converting this document",
                std::string(kStoppedTwiceDetail));
}

bool OfficePool::StoppedTwice(const Error& error) {
    return error.code == ErrorCode::kConversionFailed && error.detail == kStoppedTwiceDetail;
}

template <typename Call>
Status OfficePool::RunWithTimeout(Slot& slot, std::chrono::milliseconds timeout, Call&& call,
                                  bool& timed_out) {
    std::mutex mu;
    std::condition_variable finished;
    bool done = false;
    pid_t pid = slot.pid;
    std::thread watchdog([&] {
        std::unique_lock lock(mu);
        if (!finished.wait_for(lock, timeout, [&] { return done; })) {
            timed_out = true;
            // The whole group: soffice.bin may have started helpers of its own.
            ::kill(-pid, SIGKILL);
        }
    });
    Status status = call(*slot.session);
    {
        std::lock_guard lock(mu);
        done = true;
    }
    finished.notify_one();
    watchdog.join();
    return status;
}

Result<OfficePool::Slot*> OfficePool::Acquire(bool retry) {
    std::unique_lock lock(mu_);
    if (!installed_) return Fail(ErrorCode::kConverterUnavailable, missing_reason_);
    Slot* free_slot = nullptr;
    auto find_free = [&] {
        for (Slot& slot : slots_) {
            if (slot.state == SlotState::kIdle) {
                free_slot = &slot;
                return true;
            }
        }
        return stopping_ || FailingLocked();
    };
    if (!find_free()) {
        // A retry after a crash was admitted already; it waits for the replacement process. A
        // process closing its last document is free in a moment: one caller each may wait for
        // them beyond the queue limit, so that back-to-back conversions are not refused.
        auto tidying = static_cast<std::size_t>(
            std::count_if(slots_.begin(), slots_.end(),
                          [](const Slot& slot) { return slot.state == SlotState::kTidying; }));
        if (!retry && waiting_ >= options_.queue_limit + tidying) {
            return Fail(ErrorCode::kConverterUnavailable,
                        "the converter is busy: too many conversions are waiting; retry shortly");
        }
        ++waiting_;
        changed_.wait_for(lock, options_.start_timeout + options_.timeout, find_free);
        --waiting_;
    }
    if (free_slot == nullptr && stopping_) {
        return Fail(ErrorCode::kConverterUnavailable, "the server is shutting down; retry shortly");
    }
    if (free_slot == nullptr && FailingLocked()) {
        return Fail(ErrorCode::kConverterUnavailable, std::string(kFailingMessage));
    }
    if (free_slot == nullptr) {
        return Fail(ErrorCode::kConverterUnavailable,
                    "no converter process became free in time; retry shortly");
    }
    free_slot->state = SlotState::kBusy;
    return free_slot;
}

void OfficePool::Release(Slot& slot, bool replace) {
    if (replace) {
        StopProcess(slot);
        slot.session.reset();
    }
    {
        std::lock_guard lock(mu_);
        slot.state = replace ? SlotState::kDead : SlotState::kIdle;
    }
    changed_.notify_all();
}

void OfficePool::TidyLoop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        auto tidying = std::find_if(slots_.begin(), slots_.end(), [](const Slot& slot) {
            return slot.state == SlotState::kTidying;
        });
        if (tidying == slots_.end()) {
            changed_.wait(lock);
            continue;
        }
        Slot& slot = *tidying;
        lock.unlock();
        bool timed_out = false;
        [[maybe_unused]] Status closed = RunWithTimeout(
            slot, options_.timeout,
            [](OfficeSession& session) {
                session.CloseDocument();
                return Status();
            },
            timed_out);
        bool replace = timed_out || !Alive(slot);
        if (replace) {
            QUIRE_LOG_WARN("office process replaced after closing a document slot={} timed_out={}",
                           slot.index, timed_out);
        }
        Release(slot, replace);
        lock.lock();
    }
}

void OfficePool::MaintainLoop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        Slot* due = nullptr;
        std::optional<steady_clock::time_point> wake;
        auto now = steady_clock::now();
        for (Slot& slot : slots_) {
            if (slot.state != SlotState::kDead) continue;
            if (slot.next_start <= now) {
                due = &slot;
            } else if (!wake || slot.next_start < *wake) {
                wake = slot.next_start;
            }
        }
        if (due == nullptr) {
            if (wake) {
                changed_.wait_until(lock, *wake);
            } else {
                changed_.wait(lock);
            }
            continue;
        }
        due->state = SlotState::kStarting;
        lock.unlock();
        Status started = StartProcess(*due);
        lock.lock();
        bool log = RecordStart(*due, started.has_value());
        int failures = due->failures;
        auto delay = RestartDelay(options_, failures);
        lock.unlock();
        changed_.notify_all();
        if (log) {
            QUIRE_LOG_WARN(
                "office process did not start slot={} failures={} retry_in_ms={} detail={}",
                due->index, failures, delay.count(), started.error().detail);
        }
        lock.lock();
    }
}

bool OfficePool::RecordStart(Slot& slot, bool started) {
    slot.tried = true;
    if (started) {
        if (slot.failures > 0) {
            QUIRE_LOG_INFO("office process started after failed starts slot={} failures={}",
                           slot.index, slot.failures);
        }
        slot.failures = 0;
        slot.state = SlotState::kIdle;
        return false;
    }
    // Backing off: a program that exits at once was started again every second, and logged so.
    ++slot.failures;
    slot.next_start = steady_clock::now() + RestartDelay(options_, slot.failures);
    slot.state = SlotState::kDead;
    return LogsStartFailure(options_, slot.failures);
}

Status OfficePool::StartProcess(Slot& slot) {
    StopProcess(slot);
    fs::path profile = options_.work_dir / fmt::format("profile-{}", slot.index);
    std::error_code ec;
    fs::create_directories(profile, ec);
    // A process killed mid-conversion leaves its lock behind; the next one must not wait on it.
    fs::remove(profile / ".lock", ec);
    WriteOfficeSettings(profile);
    std::string pipe =
        fmt::format("quire-office-{}-{}-{}", ::getpid(), slot.index, ++slot.generation);

    fs::path program = options_.program.empty() ? DefaultOfficeProgram() : options_.program;
    std::vector<std::string> args = {
        program.string(),
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        "--nofirststartwizard",
        "-env:UserInstallation=" + FileUrl(profile),
        "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment = OfficeEnvironment();
    std::vector<char*> envp;
    for (std::string& variable : environment) envp.push_back(variable.data());
    envp.push_back(nullptr);
    std::string log_path = (options_.work_dir / fmt::format("office-{}.log", slot.index)).string();

    // A first start with a new profile exits with 81 ("restart") once the profile is made,
    // as the office's own launcher would restart it; so do we.
    constexpr int kRestartRequested = 81;
    std::string last_error;
    auto deadline = steady_clock::now() + options_.start_timeout;
    for (int spawn = 0; spawn < 3 && steady_clock::now() < deadline; ++spawn) {
        pid_t pid = Spawn(argv, envp, log_path);
        if (pid < 0) return Internal("the office process did not start", "fork failed");
        {
            std::lock_guard lock(mu_);
            slot.pid = pid;
            slot.conversions = 0;
        }
        while (steady_clock::now() < deadline) {
            if (!Alive(slot)) break;
            auto session = ConnectOffice(pipe);
            if (session) {
                slot.session = std::move(*session);
                QUIRE_LOG_INFO("office process ready slot={} pid={}", slot.index, pid);
                return {};
            }
            last_error = session.error().detail;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            std::lock_guard lock(mu_);
            if (stopping_) return Internal("the office process did not start", "stopping");
        }
        bool exited = !Alive(slot);
        int status = StopProcess(slot);
        if (exited && WIFEXITED(status) && WEXITSTATUS(status) == kRestartRequested) continue;
        last_error = exited ? ExitDescription(status)
                            : "it accepted no connection within the start timeout: " + last_error;
        break;
    }
    StopProcess(slot);
    return Internal("the office process did not start", last_error);
}

std::vector<std::string> OfficePool::OfficeEnvironment() const {
    std::string preload;
    std::error_code ec;
    if (!options_.allocator.empty() && fs::exists(options_.allocator, ec)) {
        preload = options_.allocator.string();
    }
    std::vector<std::string> out;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        std::string_view text(*variable);
        if (text.starts_with("LD_PRELOAD=")) {
            std::string_view rest = text.substr(std::string_view("LD_PRELOAD=").size());
            if (!rest.empty()) preload += (preload.empty() ? "" : ":") + std::string(rest);
            continue;
        }
        out.emplace_back(text);
    }
    if (!preload.empty()) out.push_back("LD_PRELOAD=" + preload);
    return out;
}

pid_t OfficePool::Spawn(std::vector<char*>& argv, std::vector<char*>& envp,
                        const std::string& log_path) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    // Only async-signal-safe calls until exec. Its own process group, so that a timeout can kill
    // everything it started; it dies with the thread that started it.
    ::setsid();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int null_fd = ::open("/dev/null", O_RDONLY);
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
    }
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
}

int OfficePool::StopProcess(Slot& slot) {
    pid_t pid = 0;
    {
        std::lock_guard lock(mu_);
        pid = std::exchange(slot.pid, -1);
    }
    if (pid <= 0) return 0;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

bool OfficePool::Alive(const Slot& slot) const {
    pid_t pid = 0;
    {
        std::lock_guard lock(mu_);
        pid = slot.pid;
    }
    if (pid <= 0) return false;
    // A child that exited stays a zombie until StopProcess reaps it, so kill(pid, 0) alone
    // cannot tell; peek without reaping.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        return false;
    }
    return info.si_pid == 0;
}

std::int64_t OfficePool::ResidentBytes(pid_t pid) const {
    std::ifstream statm(fmt::format("/proc/{}/statm", pid));
    std::int64_t size = 0;
    std::int64_t resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * ::sysconf(_SC_PAGESIZE);
}

}  // namespace quire::convert
