#include "service/worker_pool.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <mutex>
#include <shared_mutex>

#include "common/ids.hpp"
#include "common/log.hpp"
#include "service/formats.hpp"
#include "service/generate_service.hpp"
#include "service/run_service.hpp"
#include "store/records.hpp"

namespace quire::service {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kIdlePoll = milliseconds(500);
// How often a running task looks for a cancel made by another process; one made by this
// process wakes it at once.
constexpr auto kCancelPoll = milliseconds(500);
constexpr auto kPruneInterval = std::chrono::minutes(1);
constexpr std::size_t kMaxToolNameChars = 64;
constexpr std::size_t kMaxArgumentSummaryChars = 120;

// Keeps a claimed task's lease alive while its turn runs, and tells the turn when to stop: its
// task was cancelled, or its lease lapsed and another attempt owns it now.
class LeaseKeeper {
public:
    LeaseKeeper(store::MetadataStore& metadata, TaskSignal& signal, const store::Task& task,
                std::int64_t lease_ms)
        : metadata_(metadata),
          signal_(signal),
          task_(task),
          renew_every_(std::max<std::int64_t>(lease_ms / 3, 1)),
          lease_ms_(lease_ms),
          thread_([this] { Watch(); }) {}

    ~LeaseKeeper() {
        done_.store(true);
        signal_.Notify();
        thread_.join();
    }

    bool stop_requested() const { return stop_.load(); }

    // Renews no more after `until`, so a turn that hangs past its deadline loses its lease and
    // the task is taken up again instead of staying claimed for ever.
    void HoldUntil(Clock::time_point until) { hold_until_.store(until.time_since_epoch().count()); }

private:
    void Watch() {
        auto next_renewal = Clock::now() + renew_every_;
        while (!done_.load()) {
            std::uint64_t seen = signal_.generation();
            signal_.WaitUntil(seen, std::min(next_renewal, Clock::now() + kCancelPoll));
            if (done_.load()) return;
            if (Clock::now() >= next_renewal) {
                next_renewal = Clock::now() + renew_every_;
                if (Clock::now().time_since_epoch().count() > hold_until_.load()) {
                    StopTurn("the turn is past its deadline; its lease is left to lapse");
                    return;
                }
                if (!Renew()) return;
            } else if (!StillOurs()) {
                return;
            }
        }
    }

    // False (and the turn told to stop) when the task is no longer running under this attempt.
    bool Renew() {
        auto renewed = metadata_.RenewLease(task_.id, task_.attempt, lease_ms_);
        if (renewed) return true;
        if (renewed.error().code != ErrorCode::kConflict) {
            // The store is briefly unavailable: the lease still has two thirds to run.
            QUIRE_LOG_WARN("lease not renewed task_id={} detail={}", task_.id,
                           renewed.error().detail);
            return true;
        }
        return StopTurn("the task is no longer running under this attempt");
    }

    bool StillOurs() {
        auto current = metadata_.GetTask(task_.org_id, task_.id);
        if (!current) return true;
        if (current->status == "running" && current->attempt == task_.attempt) return true;
        if (current->status == "cancelled") return StopTurn("the task was cancelled");
        if (current->attempt == task_.attempt) {
            // This attempt's own commit (or failure) ended the task, and its notice woke the
            // keeper before the turn's end stopped it: nothing to stop or to report.
            stop_.store(true);
            return false;
        }
        return StopTurn("another attempt owns the task");
    }

    bool StopTurn(std::string_view reason) {
        QUIRE_LOG_INFO("task stopping task_id={} attempt={} reason=\"{}\"", task_.id, task_.attempt,
                       reason);
        stop_.store(true);
        return false;
    }

    // Set once at construction.
    store::MetadataStore& metadata_;
    TaskSignal& signal_;
    const store::Task& task_;
    const milliseconds renew_every_;
    const std::int64_t lease_ms_;

    std::atomic<Clock::rep> hold_until_{std::numeric_limits<Clock::rep>::max()};
    std::atomic<bool> done_{false};  // set by the destructor
    std::atomic<bool> stop_{false};  // set by the watcher thread
    std::thread thread_;             // last: starts once the members above are ready
};

// The shape of a tool call's arguments for its event: their names, never their values, which
// may be document contents.
std::string ArgumentSummary(std::string_view arguments) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(arguments, ec);
    if (ec || !parsed.is_object()) return "";
    std::string summary;
    for (const auto& [name, value] : parsed.as_object()) {
        std::string_view key(name.data(), std::min<std::size_t>(name.size(), 32));
        if (summary.size() + key.size() + 2 > kMaxArgumentSummaryChars) {
            summary += summary.empty() ? "..." : ", ...";
            break;
        }
        if (!summary.empty()) summary += ", ";
        summary += key;
    }
    return summary;
}

}  // namespace

WorkerPool::WorkerPool(store::MetadataStore& metadata, store::BlobStore& blobs, TaskSignal& signal,
                       AgentFactory make_agent, int workers, TaskLifecycle lifecycle)
    : metadata_(metadata),
      blobs_(blobs),
      signal_(signal),
      make_agent_(std::move(make_agent)),
      worker_count_(workers),
      lifecycle_(lifecycle) {}

WorkerPool::~WorkerPool() { Stop(0); }

Status WorkerPool::Start() {
    // The data directory's lock says no other server runs: every running task is orphaned.
    auto recovered = metadata_.RecoverLapsedTasks(std::numeric_limits<std::int64_t>::max(),
                                                  lifecycle_.max_attempts);
    if (!recovered) return std::unexpected(recovered.error());
    if (recovered->requeued > 0) {
        QUIRE_LOG_WARN("requeued tasks left running by an earlier process count={}",
                       recovered->requeued);
    }
    if (recovered->failed > 0) {
        QUIRE_LOG_WARN("tasks out of attempts failed with worker_lost count={}", recovered->failed);
    }
    for (int i = 0; i < worker_count_; ++i) threads_.emplace_back([this] { Loop(); });
    keeper_ = std::thread([this] { Keep(); });
    return {};
}

void WorkerPool::Keep() {
    auto interval = milliseconds(std::clamp<std::int64_t>(lifecycle_.lease_ms / 4, 100, 5000));
    auto next_prune = Clock::now();
    while (!stopping_.load()) {
        bool prune = Clock::now() >= next_prune;
        if (prune) next_prune = Clock::now() + kPruneInterval;
        KeepOnce(prune);
        for (auto waited = milliseconds(0); waited < interval && !stopping_.load();
             waited += milliseconds(50)) {
            std::this_thread::sleep_for(milliseconds(50));
        }
    }
}

void WorkerPool::KeepOnce(bool prune) {
    const std::int64_t now = NowMillis();
    bool changed = false;
    auto lapsed = metadata_.RecoverLapsedTasks(now, lifecycle_.max_attempts);
    if (!lapsed) {
        QUIRE_LOG_WARN("lapsed leases not recovered detail={}", lapsed.error().detail);
    } else if (lapsed->requeued + lapsed->failed > 0) {
        QUIRE_LOG_WARN("lapsed leases recovered requeued={} failed={}", lapsed->requeued,
                       lapsed->failed);
        changed = true;
    }
    auto expired = metadata_.ExpireQueuedTasks(now - lifecycle_.queue_ttl_ms);
    if (!expired) {
        QUIRE_LOG_WARN("queued tasks not expired detail={}", expired.error().detail);
    } else if (*expired > 0) {
        QUIRE_LOG_INFO("queued tasks expired count={}", *expired);
        changed = true;
    }
    if (prune) {
        auto pruned = metadata_.PruneTaskHistory(now - lifecycle_.history_ttl_ms);
        if (!pruned) QUIRE_LOG_WARN("task history not pruned detail={}", pruned.error().detail);
    }
    if (changed) signal_.Notify();
}

bool WorkerPool::Stop(int grace_ms) {
    if (stopping_.exchange(true)) return busy_.load() == 0;
    signal_.Notify();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    while (busy_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Once the count is seen at zero after stopping_ is set, no worker claims again.
    const bool drained = busy_.load() == 0;
    if (keeper_.joinable()) keeper_.join();
    for (auto& thread : threads_) {
        // A worker still inside a task after the grace period is left to the process exit; its
        // task stays running and the next start requeues it.
        if (drained) {
            thread.join();
        } else {
            thread.detach();
        }
    }
    threads_.clear();
    return drained;
}

void WorkerPool::Loop() {
    while (true) {
        std::uint64_t seen = signal_.generation();
        // Counted busy before claiming and before looking at stopping_: Stop() either sees this
        // worker busy and waits for it, or this worker sees Stop() and claims nothing. Counting
        // only after the claim let a shutdown leave a just-claimed task running.
        ++busy_;
        if (stopping_.load()) {
            --busy_;
            return;
        }
        auto claimed = metadata_.ClaimNextTask(lifecycle_.lease_ms);
        if (claimed && claimed->has_value()) {
            Execute(**claimed);
            --busy_;
            continue;
        }
        --busy_;
        if (!claimed) QUIRE_LOG_ERROR("claiming a task failed detail={}", claimed.error().detail);
        signal_.WaitUntil(seen, std::chrono::steady_clock::now() + kIdlePoll);
    }
}

void WorkerPool::Execute(const store::Task& task) {
    std::int64_t started_ms = NowMillis();
    QUIRE_LOG_INFO("task started task_id={} run_id={} attempt={}", task.id, task.run_id,
                   task.attempt);
    LeaseKeeper lease(metadata_, signal_, task, lifecycle_.lease_ms);

    auto run = metadata_.GetRun(task.org_id, task.run_id);
    if (!run) return FailTask(task, "internal_error", "the task's run could not be loaded");

    auto input = PrepareTurn(task, *run);
    if (!input) {
        return FailTask(task, ErrorCodeName(input.error().code), input.error().message);
    }
    lease.HoldUntil(input->deadline + milliseconds(lifecycle_.lease_ms));
    agent::TurnStats spent;
    input->spent = &spent;
    input->stop_requested = [&lease] { return lease.stop_requested(); };
    auto agent = make_agent_();
    auto output = agent->RunTurn(*input);
    if (lease.stop_requested()) {
        // Cancelled, taken over by another attempt, or hung past its deadline (its lease then
        // lapses): the store says or will say what became of the task.
        QUIRE_LOG_INFO("task stopped without committing task_id={} attempt={}", task.id,
                       task.attempt);
        signal_.Notify();
        return;
    }
    if (output && std::chrono::steady_clock::now() > input->deadline) {
        output = Fail(ErrorCode::kTimeout, "the task ran past its timeout_ms");
    }
    Finish(task, output, started_ms, input->ask, spent);
}

namespace {

std::string UsageJson(const agent::TurnStats& stats) {
    return boost::json::serialize(
        boost::json::object{{"input_tokens", stats.input_tokens},
                            {"output_tokens", stats.output_tokens},
                            {"cache_read_tokens", stats.cache_read_tokens},
                            {"cache_write_tokens", stats.cache_write_tokens},
                            {"steps", stats.steps},
                            {"tool_calls", stats.tool_calls}});
}

}  // namespace

Result<agent::TurnInput> WorkerPool::PrepareTurn(const store::Task& task, const store::Run& run) {
    auto plan = DecodeTaskPlan(task.request_json);
    if (!plan) return Propagate(plan);
    auto format = ParseFormatName(run.format);
    if (!format) return Internal("the run has an unknown format");

    agent::TurnInput input;
    input.format = *format;
    input.prompt = plan->prompt;
    input.memory_json = run.memory_json;
    input.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(plan->timeout_ms);

    std::string document_blob = run.blob;
    if (document_blob.empty() && !plan->init_file.empty()) {
        auto file = metadata_.GetFile(task.org_id, plan->init_file);
        if (!file) return Propagate(file);
        document_blob = file->blob;
    }
    if (!document_blob.empty()) {
        auto bytes = blobs_.Get(document_blob);
        if (!bytes) return Propagate(bytes);
        input.document = std::move(*bytes);
    }
    if (input.document) {
        input.outside_changes = ChangesSinceLastTurn(metadata_, blobs_, run, *input.document);
    }

    for (const auto& source : plan->data_sources) {
        auto file = metadata_.GetFile(task.org_id, source.file_id);
        if (!file) return Propagate(file);
        auto bytes = blobs_.Get(file->blob);
        if (!bytes) return Propagate(bytes);
        input.data_sources.push_back({file->name, source.kind, std::move(*bytes)});
    }

    for (const std::string& file_id : plan->context_files) {
        auto file = metadata_.GetFile(task.org_id, file_id);
        if (!file) return Propagate(file);
        auto bytes = blobs_.Get(file->blob);
        if (!bytes) return Propagate(bytes);
        input.context_files.push_back({file->name, std::move(*bytes)});
    }
    input.ask = plan->ask;

    input.on_phase = [this, &task](std::string_view phase) {
        auto set = metadata_.SetTaskPhase(task.id, task.attempt, phase);
        if (!set) QUIRE_LOG_WARN("task phase not saved task_id={}", task.id);
        signal_.Notify();
    };
    input.on_tool_call = [this, &task](std::string_view tool, std::string_view arguments) {
        std::string data =
            boost::json::serialize(boost::json::object{{"tool", tool.substr(0, kMaxToolNameChars)},
                                                       {"arguments", ArgumentSummary(arguments)}});
        auto logged = metadata_.AppendTaskEvent(task.id, task.attempt, "tool_call", data);
        if (!logged) QUIRE_LOG_WARN("tool call event not saved task_id={}", task.id);
        signal_.Notify();
    };
    return input;
}

void WorkerPool::Finish(const store::Task& task, const Result<agent::TurnOutput>& output,
                        std::int64_t started_ms, bool ask, const agent::TurnStats& spent) {
    if (!output) {
        const Error& error = output.error();
        if (!error.detail.empty()) {
            QUIRE_LOG_WARN("agent failed task_id={} code={} detail={}", task.id,
                           ErrorCodeName(error.code), error.detail);
        }
        // What the turn spent before it failed is recorded with the failure.
        return FailTask(task, ErrorCodeName(error.code), error.message, UsageJson(spent));
    }

    store::TurnCommit turn;
    std::shared_lock gate(blobs_.Gate());  // until the committed version refers to the blob
    if (ask) {
        turn.new_version = false;
    } else {
        auto blob = blobs_.Put(output->document);
        if (!blob) return FailTask(task, "internal_error", "the new version could not be stored");
        turn.blob = *blob;
        turn.blob_size = static_cast<std::int64_t>(output->document.size());
    }
    turn.summary = output->summary;
    turn.credits_used = output->credits_used;
    turn.duration_ms = NowMillis() - started_ms;
    turn.memory_json = output->memory_json;
    turn.messages_json = output->messages_json;
    turn.usage_json = UsageJson(output->stats);
    turn.recalculation_json = output->recalculation_json;
    auto committed = metadata_.CommitTurn(task.id, task.attempt, turn);
    if (!committed) {
        QUIRE_LOG_WARN("turn not committed task_id={} detail={}", task.id,
                       committed.error().message);
    } else {
        QUIRE_LOG_INFO("task completed task_id={} run_id={} version={} duration_ms={}", task.id,
                       task.run_id, committed->version, turn.duration_ms);
    }
    signal_.Notify();
}

void WorkerPool::FailTask(const store::Task& task, std::string_view code, std::string_view message,
                          std::string_view usage_json) {
    auto failed = metadata_.FailTask(task.id, task.attempt, code, message, usage_json);
    if (!failed) {
        QUIRE_LOG_WARN("task failure not recorded task_id={}", task.id);
    } else {
        QUIRE_LOG_INFO("task failed task_id={} run_id={} code={}", task.id, task.run_id, code);
    }
    signal_.Notify();
}

}  // namespace quire::service
