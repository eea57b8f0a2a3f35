#include "service/worker_pool.hpp"

#include <boost/json.hpp>

#include <chrono>

#include "common/ids.hpp"
#include "common/log.hpp"
#include "service/formats.hpp"
#include "service/generate_service.hpp"
#include "service/run_service.hpp"
#include "store/records.hpp"

namespace quire::service {
namespace {

constexpr auto kIdlePoll = std::chrono::milliseconds(500);

}  // namespace

WorkerPool::WorkerPool(store::MetadataStore& metadata, store::BlobStore& blobs, TaskSignal& signal,
                       AgentFactory make_agent, int workers)
    : metadata_(metadata),
      blobs_(blobs),
      signal_(signal),
      make_agent_(std::move(make_agent)),
      worker_count_(workers) {}

WorkerPool::~WorkerPool() { Stop(0); }

Status WorkerPool::Start() {
    auto requeued = metadata_.RequeueRunningTasks();
    if (!requeued) return std::unexpected(requeued.error());
    if (*requeued > 0) {
        QUIRE_LOG_WARN("requeued tasks left running by an earlier process count={}", *requeued);
    }
    for (int i = 0; i < worker_count_; ++i) threads_.emplace_back([this] { Loop(); });
    return {};
}

bool WorkerPool::Stop(int grace_ms) {
    if (stopping_.exchange(true)) return busy_.load() == 0;
    signal_.Notify();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    while (busy_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto& thread : threads_) {
        // A worker still inside a task after the grace period is left to the process exit; its
        // task stays running and the next start requeues it.
        if (busy_.load() > 0) {
            thread.detach();
        } else {
            thread.join();
        }
    }
    threads_.clear();
    return busy_.load() == 0;
}

void WorkerPool::Loop() {
    while (!stopping_.load()) {
        std::uint64_t seen = signal_.generation();
        auto claimed = metadata_.ClaimNextTask();
        if (!claimed) {
            QUIRE_LOG_ERROR("claiming a task failed detail={}", claimed.error().detail);
        } else if (claimed->has_value()) {
            ++busy_;
            Execute(**claimed);
            --busy_;
            continue;
        }
        signal_.WaitUntil(seen, std::chrono::steady_clock::now() + kIdlePoll);
    }
}

void WorkerPool::Execute(const store::Task& task) {
    std::int64_t started_ms = NowMillis();
    QUIRE_LOG_INFO("task started task_id={} run_id={} attempt={}", task.id, task.run_id,
                   task.attempt);

    auto run = metadata_.GetRun(task.org_id, task.run_id);
    if (!run) return FailTask(task, "internal_error", "the task's run could not be loaded");

    auto input = PrepareTurn(task, *run);
    if (!input) {
        return FailTask(task, ErrorCodeName(input.error().code), input.error().message);
    }
    agent::TurnStats spent;
    input->spent = &spent;
    auto agent = make_agent_();
    auto output = agent->RunTurn(*input);
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
