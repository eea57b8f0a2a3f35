#include "cli/serve_command.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "agent/agent.hpp"
#include "agent/llm/provider.hpp"
#include "agent/model_agent.hpp"
#include "common/duration.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "convert/export_cache.hpp"
#include "convert/exporter.hpp"
#include "convert/office_pool.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "service/export_service.hpp"
#include "service/formats.hpp"
#include "service/generate_service.hpp"
#include "service/recalculating_agent.hpp"
#include "service/retention_sweeper.hpp"
#include "service/worker_pool.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace quire::cli {
namespace {
namespace fs = std::filesystem;

struct ServeOptions {
    std::string listen = "127.0.0.1:8080";
    std::string data_dir = "./quire-data";
    int workers = 2;
    std::string sync_ceiling = "300s";
    std::string public_url;
    bool trust_proxy = false;
    std::string download_ttl = "3600s";
    std::string sweep_interval = "1m";
    std::string purge_after = "30d";
    int max_upload_mb = 50;
    std::string log_level = "info";
    // What one model-agent turn may use and produce (docs/agent.md, "The loop").
    int max_steps = 40;
    std::int64_t max_turn_tokens = 2'000'000;
    // Signed, so that a negative value is refused rather than read as a huge unsigned one.
    std::int64_t max_cells = 1'000'000;
    int max_document_mb = 200;
    std::string task_lease = "30s";
    std::string queue_ttl = "24h";
    std::string shutdown_grace = "10s";
    // The office converter (exports): processes, 0 to run without it.
    int office_processes = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);
    // LibreOffice's soffice.bin; shown as the one found at build time, "" for none.
    std::string office_program = convert::DefaultOfficeProgram().string();
    int convert_timeout_s = 60;
    int office_max_conversions = 200;
    int office_rss_mb = 1536;
    // Preloaded into office processes; "" for the C library's allocator.
    std::string office_allocator = convert::DefaultOfficeAllocator().string();
    int convert_queue = 64;
};

// Exits with a message on standard error; used only before the server is running.
[[noreturn]] void Die(std::string_view message) {
    std::cerr << "quire: " << message << "\n";
    std::exit(1);
}

// The stores of a data directory, opened (and created on first use).
// `blobs` removes a document's exports with it (see BlobsDroppingExports).
struct DataDir {
    std::unique_ptr<store::MetadataStore> metadata;
    std::unique_ptr<store::BlobStore> files;
    std::unique_ptr<convert::ExportIndex> export_index;
    std::unique_ptr<store::BlobStore> blobs;
};

// Opens the stores of a data directory. Unless `create` is set, the directory must already hold
// a Quire database, so a mistyped --data-dir is an error rather than a new, empty directory.
DataDir OpenDataDir(const std::string& dir, bool create = true) {
    std::error_code ec;
    if (!create && !fs::exists(fs::path(dir) / "quire.db", ec)) {
        Die(fmt::format("{} is not a Quire data directory (no quire.db there)", dir));
    }
    fs::create_directories(dir, ec);
    if (ec) Die(fmt::format("cannot create the data directory {}: {}", dir, ec.message()));
    ::chmod(dir.c_str(), 0700);
    auto metadata = store::OpenSqliteStore(fs::path(dir) / "quire.db");
    if (!metadata) Die(metadata.error().message);
    auto files = store::OpenFileBlobStore(fs::path(dir) / "blobs");
    if (!files) Die(files.error().message);
    DataDir data{std::move(*metadata), std::move(*files),
                 std::make_unique<convert::ExportIndex>(fs::path(dir) / "exports"), nullptr};
    data.blobs = std::make_unique<service::BlobsDroppingExports>(*data.files, *data.metadata,
                                                                 *data.export_index);
    return data;
}

// Holds DIR/serve.lock for the life of the process, so that a second `quire serve` on the same
// directory stops at once instead of taking over the first one's running tasks. The lock goes
// with the process, however it ends.
void LockDataDir(const std::string& dir) {
    fs::path path = fs::path(dir) / "serve.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) Die("cannot open " + path.string());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        Die(
            fmt::format("another quire serve is using the data directory {}; stop it first or "
                        "give this one its own --data-dir",
                        dir));
    }
}

// On a fresh data directory: the organisation "local" and its first key, written to
// DIR/local-api-key (0600); the server says where, never the key.
void BootstrapLocalKey(store::MetadataStore& metadata, const std::string& dir) {
    auto empty = metadata.IsEmpty();
    if (!empty) Die(empty.error().message);
    if (!*empty) return;
    auto org = metadata.EnsureOrg("local");
    if (!org) Die(org.error().message);
    auto key = metadata.CreateApiKey(org->id);
    if (!key) Die(key.error().message);

    fs::path path = fs::path(dir) / "local-api-key";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) Die("cannot write " + path.string());
    std::string line = *key + "\n";
    bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::fsync(fd);
    ::close(fd);
    if (!written) Die("cannot write " + path.string());
    // The key itself is not printed: what a server prints usually ends up in a log.
    std::cout << "Created organisation \"local\" and its API key, saved to " << path.string()
              << " (readable by this user only)." << std::endl;
}

// The agent QUIRE_LLM names: the offline planner, or a model agent over one shared provider.
struct AgentSetup {
    service::AgentFactory make_agent;
    std::shared_ptr<agent::llm::Provider> provider;  // null for the offline planner
};

AgentSetup SetUpAgent(const ServeOptions& options, agent::Recalculator recalculate) {
    auto config = agent::llm::ProviderConfig::FromEnvironment();
    if (!config) Die(config.error().message);
    auto provider = agent::llm::MakeProvider(*config);
    if (!provider) Die(provider.error().message);
    if (!*provider) return {agent::MakeOfflineAgent, nullptr};
    std::shared_ptr<agent::llm::Provider> shared(std::move(*provider));
    QUIRE_LOG_INFO("model agent provider={} model={}", shared->Name(), shared->Model());
    agent::ModelAgentOptions limits;
    limits.max_steps = options.max_steps;
    limits.max_turn_tokens = options.max_turn_tokens;
    limits.max_cells_written = static_cast<std::size_t>(options.max_cells);
    limits.max_document_bytes = static_cast<std::size_t>(options.max_document_mb) << 20;
    limits.recalculate = std::move(recalculate);
    return {[shared, limits] { return agent::MakeModelAgent(shared, limits); }, shared};
}

// /readyz asks the provider at most every 30 s: it is a network call, and may cost.
std::function<Status()> CachedProbe(std::shared_ptr<agent::llm::Provider> provider) {
    struct State {
        std::mutex mu;
        std::chrono::steady_clock::time_point checked;
        Status last;
    };
    auto state = std::make_shared<State>();
    return [provider, state]() -> Status {
        std::lock_guard lock(state->mu);
        auto now = std::chrono::steady_clock::now();
        if (state->checked == std::chrono::steady_clock::time_point{} ||
            now - state->checked > std::chrono::seconds(30)) {
            state->last = provider->Probe();
            state->checked = now;
        }
        return state->last;
    };
}

// The milliseconds of a duration option ("30d", "3s", or plain seconds), or exit naming it.
std::int64_t DurationOrDie(std::string_view option, const std::string& text) {
    auto ms = ParseDurationMs(text);
    if (!ms) Die(fmt::format("{}: {}", option, ms.error().message));
    return *ms;
}

convert::OfficePoolOptions OfficeOptions(const ServeOptions& options) {
    convert::OfficePoolOptions office;
    office.work_dir = fs::path(options.data_dir) / "office";
    office.program = options.office_program;
    office.processes = options.office_processes;
    office.timeout = std::chrono::seconds(options.convert_timeout_s);
    // Large inputs get more time: a sixth of the base per MB.
    office.timeout_per_mb = std::chrono::milliseconds(options.convert_timeout_s * 1000 / 6);
    office.max_conversions = options.office_max_conversions;
    office.rss_ceiling_bytes = std::int64_t{options.office_rss_mb} << 20;
    office.allocator = options.office_allocator;
    office.queue_limit = static_cast<std::size_t>(options.convert_queue);
    return office;
}

int Serve(const ServeOptions& options) {
    InitLogging(options.log_level);
    auto listen = http::ParseListenAddress(options.listen);
    if (!listen) Die("--listen: " + listen.error().message);
    if (options.workers < 1 || options.workers > 256) Die("--workers must be 1 to 256");
    const std::int64_t sync_ceiling_ms = DurationOrDie("--sync-ceiling", options.sync_ceiling);
    if (sync_ceiling_ms < 1000) Die("--sync-ceiling must be at least 1 second");
    if (sync_ceiling_ms % 1000 != 0) Die("--sync-ceiling must be whole seconds");
    const std::int64_t download_ttl_ms = DurationOrDie("--download-ttl", options.download_ttl);
    if (download_ttl_ms < 1000) Die("--download-ttl must be at least 1 second");
    if (download_ttl_ms % 1000 != 0) Die("--download-ttl must be whole seconds");
    const std::int64_t sweep_interval_ms =
        DurationOrDie("--sweep-interval", options.sweep_interval);
    if (sweep_interval_ms < 1000) Die("--sweep-interval must be at least 1 second");
    service::SweepOptions sweep_options;
    sweep_options.purge_after_ms = DurationOrDie("--purge-after", options.purge_after);
    service::TaskLifecycle lifecycle;
    lifecycle.lease_ms = DurationOrDie("--task-lease", options.task_lease);
    lifecycle.queue_ttl_ms = DurationOrDie("--queue-ttl", options.queue_ttl);
    if (lifecycle.lease_ms < 300) Die("--task-lease must be at least 300ms");
    const std::int64_t grace_ms = DurationOrDie("--shutdown-grace", options.shutdown_grace);
    if (options.office_processes < 0 || options.office_processes > 64) {
        Die("--office-processes must be 0 to 64");
    }
    if (options.convert_timeout_s < 1) Die("--convert-timeout must be at least 1 second");
    if (options.office_max_conversions < 1) Die("--office-max-conversions must be at least 1");
    if (options.convert_queue < 0) Die("--convert-queue must not be negative");

    // Signals are taken by sigwait below, so every thread started from here on blocks them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // A misconfigured model stops the server before it touches the data directory.
    if (options.max_steps < 1) Die("--max-steps must be at least 1");
    if (options.max_turn_tokens < 1) Die("--max-turn-tokens must be at least 1");
    if (options.max_cells < 1) Die("--max-cells must be at least 1");
    if (options.max_document_mb < 1 || options.max_document_mb > 4096)
        Die("--max-document-mb must be 1 to 4096");
    // Excel turns are recalculated through the office pool when it runs, and the model agent
    // may recalculate mid-turn through its recalculate tool.
    convert::OfficePool office(OfficeOptions(options));
    AgentSetup agent_setup = SetUpAgent(options, service::OfficeRecalculator(office));
    // A taken address stops the server here, before it creates or changes anything on disk.
    auto listener = http::Listener::Open(listen->host, listen->port);
    if (!listener) Die(listener.error().message);
    DataDir data = OpenDataDir(options.data_dir);
    LockDataDir(options.data_dir);
    BootstrapLocalKey(*data.metadata, options.data_dir);
    auto secret = data.metadata->ServerSecret("download-signing");
    if (!secret) Die(secret.error().message);

    service::TaskSignal signal;
    service::GenerateService generate(*data.metadata, *data.blobs, signal,
                                      std::chrono::seconds(sync_ceiling_ms / 1000));
    service::AgentFactory make_agent = [&office, inner = agent_setup.make_agent] {
        return service::WithRecalculation(inner(), office);
    };
    service::WorkerPool workers(*data.metadata, *data.blobs, signal, make_agent, options.workers,
                                lifecycle);

    http::ApiOptions api_options;
    api_options.public_url = options.public_url;
    while (!api_options.public_url.empty() && api_options.public_url.back() == '/') {
        api_options.public_url.pop_back();
    }
    api_options.trust_proxy = options.trust_proxy;
    api_options.download_ttl_seconds = download_ttl_ms / 1000;
    api_options.max_upload_bytes = static_cast<std::size_t>(options.max_upload_mb) << 20;
    api_options.signing_secret = *secret;
    if (agent_setup.provider) {
        api_options.readiness_checks.emplace_back("model", CachedProbe(agent_setup.provider));
    }
    http::HttpServerOptions server_options;
    server_options.max_body_bytes = api_options.max_upload_bytes + (1u << 20);

    convert::Exporter exporter(*data.blobs, office, *data.export_index);
    service::ExportService exports(*data.metadata, *data.blobs, exporter, office);

    http::Api api(api_options, *data.metadata, *data.blobs, generate);
    api.EnableExports(exports);
    http::HttpServer server(
        server_options, [&api](const http::HttpRequest& request) { return api.Handle(request); });
    if (auto started = server.Start(std::move(*listener)); !started) {
        Die(started.error().message);
    }
    const std::string& host = listen->host;
    std::string bound_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    api.SetListenUrl(fmt::format("http://{}:{}", bound_host, server.port()));
    if (auto started = workers.Start(); !started) Die(started.error().message);
    service::RetentionSweeper sweeper(*data.metadata, *data.blobs, sweep_options);
    sweeper.Start(std::chrono::milliseconds(sweep_interval_ms));
    QUIRE_LOG_INFO("quire serving listen=http://{}:{} data_dir={} workers={}", bound_host,
                   server.port(), options.data_dir, options.workers);
    // /healthz answers while the converter starts; /readyz says ready once it accepts.
    if (auto started = office.Start(); !started) {
        QUIRE_LOG_WARN("office converter not running reason={}", started.error().message);
    } else {
        QUIRE_LOG_INFO("office converter ready processes={}", options.office_processes);
    }

    int received = 0;
    sigwait(&signals, &received);
    QUIRE_LOG_INFO("shutting down signal={} grace_ms={}", received, grace_ms);
    server.StopAccepting();
    sweeper.Stop();
    bool drained = workers.Stop(static_cast<int>(std::min<std::int64_t>(grace_ms, INT32_MAX)));
    generate.StopWaiting();
    office.Stop();
    server.Shutdown(1000);
    spdlog::default_logger()->flush();
    if (!drained) {
        // A worker is still inside a task; its task stays running and is requeued on the next
        // start. Leave without running destructors that the worker still uses.
        std::_Exit(0);
    }
    return 0;
}

void AddServe(CLI::App& app) {
    auto options = std::make_shared<ServeOptions>();
    auto* serve = app.add_subcommand("serve", "Run the HTTP API, the workers and the stores");
    serve->add_option("--listen", options->listen, "HOST:PORT to listen on")
        ->envname("QUIRE_LISTEN")
        ->capture_default_str();
    serve->add_option("--data-dir", options->data_dir, "Data directory (database, blobs, key)")
        ->envname("QUIRE_DATA_DIR")
        ->capture_default_str();
    serve->add_option("--workers", options->workers, "Worker threads running tasks")
        ->envname("QUIRE_WORKERS")
        ->capture_default_str();
    serve
        ->add_option("--sync-ceiling", options->sync_ceiling,
                     "How long a sync call waits before answering 202 (s, m, h, d)")
        ->envname("QUIRE_SYNC_CEILING")
        ->capture_default_str();
    serve
        ->add_option("--public-url", options->public_url,
                     "Base URL used in download_url, Location and signed links")
        ->envname("QUIRE_PUBLIC_URL");
    serve
        ->add_flag("--trust-proxy", options->trust_proxy,
                   "Take scheme and host from X-Forwarded-Proto/X-Forwarded-Host")
        ->envname("QUIRE_TRUST_PROXY");
    serve->add_option("--download-ttl", options->download_ttl, "Signed link lifetime (s, m, h, d)")
        ->envname("QUIRE_DOWNLOAD_TTL")
        ->capture_default_str();
    serve
        ->add_option("--sweep-interval", options->sweep_interval,
                     "How often the retention sweeper runs (s, m, h, d)")
        ->envname("QUIRE_SWEEP_INTERVAL")
        ->capture_default_str();
    serve
        ->add_option("--purge-after", options->purge_after,
                     "How long after expiry a run's bytes and conversation are purged")
        ->envname("QUIRE_PURGE_AFTER")
        ->capture_default_str();
    serve->add_option("--max-upload-mb", options->max_upload_mb, "Largest upload, in MB")
        ->check(CLI::Range(1, 4096))
        ->envname("QUIRE_MAX_UPLOAD_MB")
        ->capture_default_str();
    serve->add_option("--log-level", options->log_level, "debug, info, warn or error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
        ->envname("QUIRE_LOG_LEVEL")
        ->capture_default_str();
    serve->add_option("--max-steps", options->max_steps, "Model calls one turn may make")
        ->envname("QUIRE_MAX_STEPS")
        ->capture_default_str();
    serve
        ->add_option("--max-turn-tokens", options->max_turn_tokens,
                     "Tokens one turn may use, input and output, cache included")
        ->envname("QUIRE_MAX_TURN_TOKENS")
        ->capture_default_str();
    serve->add_option("--max-cells", options->max_cells, "Cells one turn may write")
        ->envname("QUIRE_MAX_CELLS")
        ->capture_default_str();
    serve
        ->add_option("--max-document-mb", options->max_document_mb,
                     "Largest document a turn may save, in MB")
        ->envname("QUIRE_MAX_DOCUMENT_MB")
        ->capture_default_str();
    serve
        ->add_option("--task-lease", options->task_lease,
                     "How long a worker's claim on a task lasts unless renewed (30s, 2m)")
        ->envname("QUIRE_TASK_LEASE")
        ->capture_default_str();
    serve
        ->add_option("--queue-ttl", options->queue_ttl,
                     "A task queued longer than this expires (24h, 30m)")
        ->envname("QUIRE_QUEUE_TTL")
        ->capture_default_str();
    serve
        ->add_option("--shutdown-grace", options->shutdown_grace,
                     "How long running tasks may take to finish on SIGTERM (10s)")
        ->envname("QUIRE_SHUTDOWN_GRACE")
        ->capture_default_str();
    serve
        ->add_option("--office-processes", options->office_processes,
                     "Warm LibreOffice processes for exports (0: none)")
        ->envname("QUIRE_OFFICE_PROCESSES")
        ->capture_default_str();
    serve
        ->add_option("--office-program", options->office_program,
                     "LibreOffice's soffice.bin; without it there, office exports answer 503")
        ->envname("QUIRE_OFFICE_PROGRAM")
        ->capture_default_str();
    serve
        ->add_option("--convert-timeout", options->convert_timeout_s,
                     "Seconds one conversion may take (more for large inputs)")
        ->envname("QUIRE_CONVERT_TIMEOUT")
        ->capture_default_str();
    serve
        ->add_option("--office-max-conversions", options->office_max_conversions,
                     "Conversions before a LibreOffice process is replaced")
        ->envname("QUIRE_OFFICE_MAX_CONVERSIONS")
        ->capture_default_str();
    serve
        ->add_option("--office-rss-mb", options->office_rss_mb,
                     "Memory above which a LibreOffice process is replaced, MB")
        ->envname("QUIRE_OFFICE_RSS_MB")
        ->capture_default_str();
    serve
        ->add_option("--office-allocator", options->office_allocator,
                     "Memory allocator library preloaded into LibreOffice processes, \"\" for "
                     "the C library's")
        ->envname("QUIRE_OFFICE_ALLOCATOR")
        ->capture_default_str();
    serve
        ->add_option("--convert-queue", options->convert_queue,
                     "Conversions that may wait for a process before 503")
        ->envname("QUIRE_CONVERT_QUEUE")
        ->capture_default_str();
    serve->callback([options] { std::exit(Serve(*options)); });
}

void AddKeys(CLI::App& app) {
    auto* keys = app.add_subcommand("keys", "Manage API keys in a data directory");
    keys->require_subcommand(1);
    auto data_dir = std::make_shared<std::string>("./quire-data");
    keys->add_option("--data-dir", *data_dir, "Data directory")
        ->envname("QUIRE_DATA_DIR")
        ->capture_default_str();

    auto org = std::make_shared<std::string>("local");
    auto* create = keys->add_subcommand("create", "Create a key (and its organisation)");
    create->add_option("--org", *org, "Organisation name")->capture_default_str();
    create->add_option("--data-dir", *data_dir, "Data directory");
    create->callback([data_dir, org] {
        DataDir data = OpenDataDir(*data_dir);
        auto found = data.metadata->EnsureOrg(*org);
        if (!found) Die(found.error().message);
        auto key = data.metadata->CreateApiKey(found->id);
        if (!key) Die(key.error().message);
        std::cout << *key << std::endl;
    });

    auto* list = keys->add_subcommand("list", "List keys by prefix");
    list->add_option("--data-dir", *data_dir, "Data directory");
    list->callback([data_dir] {
        DataDir data = OpenDataDir(*data_dir, false);
        auto keys = data.metadata->ListApiKeys();
        if (!keys) Die(keys.error().message);
        std::cout << fmt::format("{:<14} {:<20} {:<26} {}\n", "PREFIX", "ORG", "CREATED",
                                 "REVOKED");
        for (const auto& key : *keys) {
            std::cout << fmt::format("{:<14} {:<20} {:<26} {}\n", key.prefix, key.org_name,
                                     MillisToRfc3339(key.created_at),
                                     key.revoked_at ? MillisToRfc3339(key.revoked_at) : "-");
        }
    });

    auto target = std::make_shared<std::string>();
    auto* revoke = keys->add_subcommand("revoke", "Revoke a key by the whole key or its prefix");
    revoke->add_option("KEY_OR_PREFIX", *target, "The key, or the prefix `keys list` shows")
        ->required();
    revoke->add_option("--data-dir", *data_dir, "Data directory");
    revoke->callback([data_dir, target] {
        DataDir data = OpenDataDir(*data_dir, false);
        if (auto revoked = data.metadata->RevokeApiKey(*target); !revoked) {
            Die(revoked.error().message);
        }
        std::cout << "revoked\n";
    });
}

void AddOrgs(CLI::App& app) {
    auto* orgs = app.add_subcommand("orgs", "Manage organisations in a data directory");
    orgs->require_subcommand(1);
    auto data_dir = std::make_shared<std::string>("./quire-data");
    orgs->add_option("--data-dir", *data_dir, "Data directory")
        ->envname("QUIRE_DATA_DIR")
        ->capture_default_str();

    auto org = std::make_shared<std::string>();
    auto window = std::make_shared<std::string>();
    auto* retention = orgs->add_subcommand(
        "set-retention", "Set how long runs and unused uploads are kept after their last use");
    retention->add_option("--data-dir", *data_dir, "Data directory");
    retention->add_option("ORG", *org, "Organisation name or id")->required();
    retention->add_option("DURATION", *window, "The window: 30d, 12h, 15m, 3s")->required();
    retention->callback([data_dir, org, window] {
        std::int64_t ms = DurationOrDie("DURATION", *window);
        DataDir data = OpenDataDir(*data_dir, false);
        auto updated = data.metadata->SetRetention(*org, ms);
        if (!updated) Die(updated.error().message);
        std::cout << fmt::format("{} ({}) keeps runs for {}\n", updated->name, updated->id,
                                 DurationText(ms));
    });
}

void AddSweep(CLI::App& app) {
    auto data_dir = std::make_shared<std::string>("./quire-data");
    auto purge_after = std::make_shared<std::string>("30d");
    auto* sweep = app.add_subcommand("sweep", "Run one retention pass over a data directory now");
    sweep->add_option("--data-dir", *data_dir, "Data directory")
        ->envname("QUIRE_DATA_DIR")
        ->capture_default_str();
    sweep->add_option("--purge-after", *purge_after, "How long after expiry bytes are purged")
        ->envname("QUIRE_PURGE_AFTER")
        ->capture_default_str();
    sweep->callback([data_dir, purge_after] {
        service::SweepOptions options;
        options.purge_after_ms = DurationOrDie("--purge-after", *purge_after);
        DataDir data = OpenDataDir(*data_dir, false);
        service::RetentionSweeper sweeper(*data.metadata, *data.blobs, options);
        auto report = sweeper.SweepOnce();
        if (!report) Die(report.error().message);
        std::cout << fmt::format(
            "runs expired: {}\nruns purged: {}\nuploads expired: {}\nblobs removed: {}\n",
            report->runs_expired, report->runs_purged, report->files_expired,
            report->blobs_removed);
    });
}

}  // namespace

void AddServerCommands(CLI::App& app) {
    AddServe(app);
    AddKeys(app);
    AddOrgs(app);
    AddSweep(app);
}

}  // namespace quire::cli
