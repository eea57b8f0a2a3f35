#include "service/generate_service.hpp"

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "common/log.hpp"
#include "ooxml/xlsx/csv_table.hpp"

namespace quire::service {
namespace json = boost::json;

bool IsTerminal(std::string_view task_status) {
    return task_status == "completed" || task_status == "failed" || task_status == "cancelled" ||
           task_status == "expired";
}

std::string EncodeTaskPlan(const TaskPlan& plan) {
    json::array sources;
    for (const auto& source : plan.data_sources) {
        sources.push_back(json::object{{"file_id", source.file_id}, {"kind", source.kind}});
    }
    json::object out{{"prompt", plan.prompt},
                     {"init_file", plan.init_file},
                     {"data_sources", std::move(sources)},
                     {"timeout_ms", plan.timeout_ms},
                     {"mode", plan.ask ? "ask" : "action"}};
    json::array context;
    for (const std::string& id : plan.context_files) context.emplace_back(id);
    out["context_files"] = std::move(context);
    return json::serialize(out);
}

Result<TaskPlan> DecodeTaskPlan(std::string_view text) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return Internal("stored task request is unreadable");
    const json::object& object = value.as_object();
    TaskPlan plan;
    try {
        plan.prompt = json::value_to<std::string>(object.at("prompt"));
        plan.init_file = json::value_to<std::string>(object.at("init_file"));
        plan.timeout_ms = json::value_to<int>(object.at("timeout_ms"));
        for (const auto& source : object.at("data_sources").as_array()) {
            plan.data_sources.push_back({json::value_to<std::string>(source.at("file_id")),
                                         json::value_to<std::string>(source.at("kind"))});
        }
        // Tasks queued before these fields existed have neither.
        if (const json::value* mode = object.if_contains("mode")) {
            plan.ask = json::value_to<std::string>(*mode) == "ask";
        }
        if (const json::value* context = object.if_contains("context_files")) {
            for (const auto& id : context->as_array()) {
                plan.context_files.push_back(json::value_to<std::string>(id));
            }
        }
    } catch (const std::exception& e) {
        return Internal("stored task request is unreadable", e.what());
    }
    return plan;
}

GenerateService::GenerateService(store::MetadataStore& metadata, store::BlobStore& blobs,
                                 TaskSignal& signal, std::chrono::seconds sync_ceiling)
    : metadata_(metadata), blobs_(blobs), signal_(signal), sync_ceiling_(sync_ceiling) {}

Result<GenerateOutcome> GenerateService::Generate(const GenerateRequest& request) {
    // An ask is judged first: its refusals say what an ask may not take.
    if (auto checked = CheckAskAndContext(request); !checked) {
        return std::unexpected(checked.error());
    }
    if (auto checked = CheckInitFile(request); !checked) return std::unexpected(checked.error());
    if (auto checked = CheckDataSources(request); !checked) {
        return std::unexpected(checked.error());
    }

    auto submission = PrepareSubmission(request);
    if (!submission) return Propagate(submission);
    auto submitted = metadata_.SubmitTask(*submission);
    if (!submitted) return Propagate(submitted);
    if (submitted->kind == store::SubmitOutcome::Kind::kQueued) {
        if (auto used = MarkFilesUsed(request, submitted->run.id); !used) {
            return std::unexpected(used.error());
        }
    }

    using Kind = store::SubmitOutcome::Kind;
    GenerateOutcome outcome{submitted->run, submitted->task};
    outcome.replayed = submitted->kind == Kind::kReplayed;
    outcome.run_busy = submitted->kind == Kind::kRunBusy;
    if (outcome.run_busy) return outcome;
    if (submitted->kind == Kind::kQueued) {
        QUIRE_LOG_INFO("task queued task_id={} run_id={} org_id={}", outcome.task.id,
                       outcome.run.id, request.org_id);
        signal_.Notify();
    }

    outcome.finished = IsTerminal(outcome.task.status);
    if (request.async || outcome.finished) return outcome;
    auto waited = WaitForTask(outcome.task);
    if (!waited) return Propagate(waited);
    outcome.task = *waited;
    outcome.finished = IsTerminal(waited->status);
    if (outcome.finished) {
        auto fresh = metadata_.GetRun(request.org_id, outcome.run.id);
        if (fresh) outcome.run = *fresh;
    }
    return outcome;
}

Result<store::Task> GenerateService::Cancel(std::string_view org_id, std::string_view task_id) {
    auto task = metadata_.CancelTask(org_id, task_id);
    if (!task) return task;
    QUIRE_LOG_INFO("task cancel task_id={} status={}", task->id, task->status);
    signal_.Notify();
    return task;
}

Status GenerateService::CheckInitFile(const GenerateRequest& request) {
    if (request.init_file.empty()) return {};
    if (!request.run_id.empty()) {
        return InvalidRequest("init_file: only a new run can start from an uploaded document");
    }
    auto file = metadata_.GetFile(request.org_id, request.init_file);
    if (!file) return NotFound("init_file: file not found");
    auto bytes = blobs_.Get(file->blob);
    if (!bytes) return std::unexpected(bytes.error());
    auto valid = ValidateDocument(request.format, std::move(*bytes));
    if (!valid) {
        return InvalidRequest(fmt::format("init_file is not a valid {} document: {}",
                                          FormatName(request.format), valid.error().message));
    }
    return {};
}

Status GenerateService::CheckDataSources(const GenerateRequest& request) {
    for (std::size_t i = 0; i < request.data_sources.size(); ++i) {
        const auto& source = request.data_sources[i];
        std::string field = fmt::format("data_sources[{}]", i);
        if (source.kind != "csv") {
            return InvalidRequest(field + ".kind: only \"csv\" is supported");
        }
        auto file = metadata_.GetFile(request.org_id, source.file_id);
        if (!file) return NotFound(field + ".file_id: file not found");
        auto bytes = blobs_.Get(file->blob);
        if (!bytes) return std::unexpected(bytes.error());
        auto table = xlsx::ParseCsv(*bytes);
        if (!table) return InvalidRequest(field + ": " + table.error().message);
    }
    return {};
}

// An ask needs a document to answer about and changes nothing, so it takes no data; context
// files must be the organisation's.
Status GenerateService::CheckAskAndContext(const GenerateRequest& request) {
    if (request.ask) {
        if (request.run_id.empty()) {
            return InvalidRequest("mode \"ask\" needs the run_id of a run with a document");
        }
        if (!request.data_sources.empty() || !request.init_file.empty()) {
            return InvalidRequest(
                "mode \"ask\" changes nothing: give data as context_files, not data_sources "
                "or init_file");
        }
        auto run = metadata_.GetRun(request.org_id, request.run_id);
        if (!run) return Propagate(run);
        if (run->version == 0) {
            return Fail(ErrorCode::kConflict, "the run has no document yet to ask about");
        }
    }
    for (std::size_t i = 0; i < request.context_files.size(); ++i) {
        auto file = metadata_.GetFile(request.org_id, request.context_files[i]);
        if (!file) return NotFound(fmt::format("context_files[{}]: file not found", i));
    }
    return {};
}

// The task to queue, on the named run or on a new one the store creates with it.
Result<store::TaskSubmission> GenerateService::PrepareSubmission(const GenerateRequest& request) {
    store::TaskSubmission submission;
    submission.task.id = NewId("task_");
    submission.task.org_id = request.org_id;
    submission.task.request_json =
        EncodeTaskPlan({request.prompt, request.init_file, request.data_sources, request.timeout_ms,
                        request.ask, request.context_files});
    submission.enqueue = request.enqueue;
    submission.idempotency_key = request.idempotency_key;
    submission.request_sha256 = request.request_sha256;

    if (!request.run_id.empty()) {
        auto run = metadata_.GetRun(request.org_id, request.run_id);
        if (!run) return Propagate(run);
        if (run->status == "expired") {
            return Fail(ErrorCode::kRunExpired, "the run has expired under the retention window");
        }
        if (!request.metadata.empty()) {
            return InvalidRequest("metadata: only a new run takes metadata");
        }
        if (run->format != FormatName(request.format)) {
            return InvalidRequest(
                fmt::format("run_id: run {} is {} run, not {}", run->id,
                            run->format == "excel" ? "an excel" : "a " + run->format,
                            FormatName(request.format)));
        }
        submission.task.run_id = run->id;
        return submission;
    }

    std::string name = request.file_name;
    if (name.empty() && !request.init_file.empty()) {
        auto file = metadata_.GetFile(request.org_id, request.init_file);
        if (file) name = file->name;
    }
    name = name.empty() ? std::string(DefaultFileName(request.format))
                        : WithExtension(name, request.format);
    store::Run run;
    run.id = NewId("run_");
    run.org_id = request.org_id;
    run.format = std::string(FormatName(request.format));
    run.file_name = std::move(name);
    run.metadata = request.metadata;
    submission.new_run = std::move(run);
    return submission;
}

// The uploads a run uses do not expire under it (retention).
Status GenerateService::MarkFilesUsed(const GenerateRequest& request, std::string_view run_id) {
    std::vector<std::string> files = request.context_files;
    if (!request.init_file.empty()) files.push_back(request.init_file);
    for (const DataSourceRef& source : request.data_sources) files.push_back(source.file_id);
    return metadata_.MarkFilesUsed(request.org_id, run_id, files);
}

void GenerateService::StopWaiting() {
    stop_waiting_.store(true);
    signal_.Notify();
}

Result<store::Task> GenerateService::WaitForTask(const store::Task& task) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + sync_ceiling_;
    while (true) {
        std::uint64_t seen = signal_.generation();
        auto current = metadata_.GetTask(task.org_id, task.id);
        if (!current) return current;
        if (IsTerminal(current->status) || Clock::now() >= deadline || stop_waiting_.load()) {
            return current;
        }
        // Poll as well as wait, so a task finished by another process is seen within a second.
        signal_.WaitUntil(seen, std::min(deadline, Clock::now() + std::chrono::seconds(1)));
    }
}

}  // namespace quire::service
