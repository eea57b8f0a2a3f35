#include "cli/client_commands.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "common/ids.hpp"

namespace quire::cli {
namespace {

namespace json = boost::json;

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8080";
constexpr int kMaxRunsPerPage = 100;

// A step's failure: what to tell the user, and how the process ends.
struct Failure {
    ExitCode exit;
    std::string message;
};
template <typename T>
using Step = std::expected<T, Failure>;

std::unexpected<Failure> Stop(ExitCode exit, std::string message) {
    return std::unexpected(Failure{exit, std::move(message)});
}

std::string_view Extension(std::string_view format) {
    if (format == "excel") return ".xlsx";
    if (format == "word") return ".docx";
    if (format == "slides") return ".pptx";
    return "";
}

std::string_view TrimSpace(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    std::size_t first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// Text from the server goes to a terminal: control characters could move the cursor or rewrite
// what the user sees.
std::string Printable(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return out;
}

std::string PercentEncode(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

std::optional<json::object> ParseObject(std::string_view body) {
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

// The string at `key`, or "" when absent or not a string.
std::string StringField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) return {};
    return std::string(value->as_string());
}

const json::object* ObjectField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr && value->is_object() ? &value->as_object() : nullptr;
}

std::int64_t IntegerField(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return 0;
    boost::system::error_code ec;
    auto number = value->to_number<std::int64_t>(ec);
    return ec ? 0 : number;
}

// Checks an answer: a transport failure or an unexpected status ends the command with kServer;
// otherwise the body must be a JSON object.
Step<json::object> ExpectJson(const Result<ApiResponse>& response,
                              std::initializer_list<long> ok_statuses) {
    if (!response) return Stop(ExitCode::kServer, response.error().message);
    if (std::find(ok_statuses.begin(), ok_statuses.end(), response->status) == ok_statuses.end()) {
        return Stop(ExitCode::kServer, DescribeHttpFailure(response->status, response->body));
    }
    auto object = ParseObject(response->body);
    if (!object) {
        return Stop(ExitCode::kServer,
                    fmt::format("unexpected answer from the server (HTTP {})", response->status));
    }
    return std::move(*object);
}

Step<std::string> Upload(ApiClient& client, const std::filesystem::path& file,
                         std::string_view purpose) {
    std::vector<UploadField> fields = {{.name = "file", .file_path = file},
                                       {.name = "purpose", .value = std::string(purpose)}};
    auto answer = ExpectJson(client.PostMultipart("/api/v1/files", fields), {200, 201});
    if (!answer) return std::unexpected(answer.error());
    std::string file_id = StringField(*answer, "file_id");
    if (file_id.empty()) return Stop(ExitCode::kServer, "the upload answer has no file_id");
    return file_id;
}

struct Submitted {
    std::string run_id;
    std::string task_id;
};

Step<Submitted> Submit(ApiClient& client, const GenerateOptions& options) {
    std::vector<std::string> data_ids;
    for (const auto& file : options.data_files) {
        auto id = Upload(client, file, "context");
        if (!id) return std::unexpected(id.error());
        data_ids.push_back(std::move(*id));
    }
    std::string init_id;
    if (!options.init_file.empty()) {
        auto id = Upload(client, options.init_file, "init");
        if (!id) return std::unexpected(id.error());
        init_id = std::move(*id);
    }
    std::string path = fmt::format("/api/v1/{}/generate", options.format);
    std::string body = GenerateRequestBody(options, data_ids, init_id);
    auto answer = ExpectJson(client.PostJson(path, body), {200, 201, 202});
    if (!answer) return std::unexpected(answer.error());
    Submitted submitted{StringField(*answer, "run_id"), StringField(*answer, "task_id")};
    if (submitted.run_id.empty() || submitted.task_id.empty()) {
        return Stop(ExitCode::kServer, "the generate answer has no run_id or task_id");
    }
    return submitted;
}

bool IsTerminal(std::string_view status) {
    return status == "completed" || status == "failed" || status == "cancelled" ||
           status == "expired";
}

// Polls the task until it ends, reporting each change of status or phase; returns the final
// task object.
Step<json::object> WaitForTask(ApiClient& client, const std::string& task_id, const ClientIo& io) {
    std::string shown;
    for (;;) {
        auto task = ExpectJson(client.Get("/api/v1/tasks/" + task_id), {200});
        if (!task) return task;
        std::string status = StringField(*task, "status");
        if (status.empty()) return Stop(ExitCode::kServer, "the task answer has no status");
        std::string phase = StringField(*task, "phase");
        std::string line = phase.empty() ? status : fmt::format("{} ({})", status, phase);
        if (line != shown) {
            io.err << "task " << task_id << ": " << Printable(line) << '\n';
            shown = line;
        }
        if (IsTerminal(status)) return task;
        std::this_thread::sleep_for(io.poll_interval);
    }
}

Step<void> CheckCompleted(const json::object& task) {
    std::string status = StringField(task, "status");
    if (status == "completed") return {};
    const json::object* error = ObjectField(task, "error");
    std::string code = error ? StringField(*error, "code") : "";
    std::string message = error ? StringField(*error, "message") : "";
    if (code.empty()) return Stop(ExitCode::kFailed, fmt::format("the task ended {}", status));
    return Stop(ExitCode::kFailed, fmt::format("{}: {}", code, message));
}

// Where to save a run's document: `out` when given, else a name from the run's metadata.
Step<std::filesystem::path> OutputPath(ApiClient& client, const std::string& run_id,
                                       const std::filesystem::path& out) {
    if (!out.empty()) return out;
    auto run = ExpectJson(client.Get("/api/v1/runs/" + run_id), {200});
    if (!run) return std::unexpected(run.error());
    return std::filesystem::path(
        DefaultOutputName(StringField(*run, "format"), run_id, StringField(*run, "file_name")));
}

// A file name the command chose is the user's only when they asked for replacing.
ExistingFile WhenExisting(const std::filesystem::path& out, bool force) {
    return out.empty() && !force ? ExistingFile::kKeep : ExistingFile::kReplace;
}

std::string ExistsMessage(const std::vector<std::filesystem::path>& existing) {
    std::string files =
        existing.size() == 1
            ? existing[0].string() + " exists"
            : fmt::format("{} and {} more exist", existing[0].string(), existing.size() - 1);
    return fmt::format("{} already; give -o PATH to save elsewhere, or --force to replace {}",
                       files, existing.size() == 1 ? "it" : "them");
}

// Checks every file a command is about to write, so that it stops before writing any of them.
Step<void> RefuseExisting(const std::vector<std::filesystem::path>& paths) {
    std::vector<std::filesystem::path> existing;
    for (const auto& path : paths) {
        std::error_code ec;
        // A link counts as a file, even one to nothing: the rename would replace it.
        if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
            existing.push_back(path);
        }
    }
    if (existing.empty()) return {};
    return Stop(ExitCode::kFailed, ExistsMessage(existing));
}

// Saves what `path` (an API path or a signed link) answers at `out`.
Step<void> Fetch(ApiClient& client, std::string_view path, const std::filesystem::path& out,
                 ExistingFile existing) {
    auto downloaded = client.Download(path, out, existing);
    if (!downloaded) {
        // The file appeared while the body was arriving.
        if (downloaded.error().code == ErrorCode::kConflict) {
            return Stop(ExitCode::kFailed, ExistsMessage({out}));
        }
        ExitCode exit = downloaded.error().code == ErrorCode::kUnavailable ? ExitCode::kServer
                                                                           : ExitCode::kFailed;
        return Stop(exit, downloaded.error().message);
    }
    if (downloaded->status < 200 || downloaded->status >= 300) {
        return Stop(ExitCode::kServer, DescribeHttpFailure(downloaded->status, downloaded->body));
    }
    return {};
}

Step<std::filesystem::path> SaveRun(ApiClient& client, const std::string& run_id,
                                    const std::filesystem::path& out, ExistingFile existing) {
    auto path = OutputPath(client, run_id, out);
    if (!path) return path;
    if (existing == ExistingFile::kKeep) {
        if (auto free = RefuseExisting({*path}); !free) return std::unexpected(free.error());
    }
    std::string url = "/api/v1/runs/" + run_id + "/download";
    if (auto fetched = Fetch(client, url, *path, existing); !fetched) {
        return std::unexpected(fetched.error());
    }
    return path;
}

// One file an export answer offers: its link, and where it is saved.
struct ExportFile {
    std::string url;
    std::filesystem::path path;
};

// The files of an export answer, saved at `out`: for a PNG of several pages, one per page named
// after `out` with "-N" before the extension.
std::vector<ExportFile> ExportFiles(const json::object& answer, const std::filesystem::path& out) {
    std::vector<ExportFile> files;
    const json::value* pages = answer.if_contains("pages");
    if (pages == nullptr || !pages->is_array() || pages->as_array().size() <= 1) {
        files.push_back({StringField(answer, "download_url"), out});
        return files;
    }
    for (const json::value& page : pages->as_array()) {
        if (!page.is_object()) continue;
        std::filesystem::path named = out;
        named.replace_filename(fmt::format("{}-{}{}", out.stem().string(),
                                           IntegerField(page.as_object(), "page"),
                                           out.extension().string()));
        files.push_back({StringField(page.as_object(), "download_url"), named});
    }
    return files;
}

// Saves every file, after checking all of them, so that nothing is half-saved for a reason
// known in advance.
Step<std::vector<std::filesystem::path>> SaveExportFiles(ApiClient& client,
                                                         const std::vector<ExportFile>& files,
                                                         ExistingFile existing) {
    std::vector<std::filesystem::path> paths;
    for (const auto& file : files) {
        if (file.url.empty())
            return Stop(ExitCode::kServer, "the export answer has no download_url");
        paths.push_back(file.path);
    }
    if (existing == ExistingFile::kKeep) {
        if (auto free = RefuseExisting(paths); !free) return std::unexpected(free.error());
    }
    for (const auto& file : files) {
        if (auto fetched = Fetch(client, file.url, file.path, existing); !fetched) {
            return std::unexpected(fetched.error());
        }
    }
    return paths;
}

// Exports the run and saves the result (see ExportFiles).
Step<std::vector<std::filesystem::path>> SaveExport(ApiClient& client,
                                                    const ExportOptions& options) {
    json::object body{{"format", options.format}};
    json::object extra;
    if (!options.sheet.empty()) extra["sheet"] = options.sheet;
    if (options.raw) extra["raw"] = true;
    if (options.dpi > 0) extra["dpi"] = options.dpi;
    if (!extra.empty()) body["options"] = std::move(extra);
    auto answer = ExpectJson(
        client.PostJson("/api/v1/runs/" + options.run_id + "/export", json::serialize(body)),
        {200});
    if (!answer) return std::unexpected(answer.error());

    std::filesystem::path out = options.out;
    if (out.empty()) {
        auto document = OutputPath(client, options.run_id, {});
        if (!document) return std::unexpected(document.error());
        out = document->replace_extension("." + options.format);
    }
    return SaveExportFiles(client, ExportFiles(*answer, out),
                           WhenExisting(options.out, options.force));
}

ExitCode Report(const ClientIo& io, const Failure& failure) {
    io.err << "error: " << Printable(failure.message) << '\n';
    return failure.exit;
}

Step<void> Generate(ApiClient& client, const GenerateOptions& options, const ClientIo& io) {
    auto submitted = Submit(client, options);
    if (!submitted) return std::unexpected(submitted.error());
    io.out << "run_id: " << submitted->run_id << "\ntask_id: " << submitted->task_id << '\n';
    if (options.async) return {};

    auto task = WaitForTask(client, submitted->task_id, io);
    if (!task) return std::unexpected(task.error());
    auto completed = CheckCompleted(*task);
    if (!completed) return completed;
    if (const json::object* result = ObjectField(*task, "result")) {
        std::string summary = StringField(*result, "summary");
        if (!summary.empty()) io.err << "summary: " << Printable(summary) << '\n';
        io.out << "version: " << IntegerField(*result, "version") << '\n';
    }
    auto saved = SaveRun(client, submitted->run_id, options.out, ExistingFile::kReplace);
    if (!saved) return std::unexpected(saved.error());
    io.out << "saved: " << saved->string() << '\n';
    return {};
}

Step<std::vector<RunRow>> ListRuns(ApiClient& client, int limit, bool all, const ClientIo& io) {
    std::vector<RunRow> rows;
    std::optional<std::string> cursor;
    do {
        std::string path = fmt::format("/api/v1/runs?limit={}", limit);
        if (cursor) path += "&cursor=" + PercentEncode(*cursor);
        auto answer = client.Get(path);
        auto checked = ExpectJson(answer, {200});
        if (!checked) return std::unexpected(checked.error());
        auto page = ParseRunsPage(answer->body);
        if (!page) return Stop(ExitCode::kServer, page.error().message);
        std::move(page->runs.begin(), page->runs.end(), std::back_inserter(rows));
        cursor = std::move(page->next_cursor);
    } while (all && cursor);
    if (cursor) io.err << "(more runs: add --all to list every run)\n";
    return rows;
}

ExitCode Finish(const Step<void>& step, const ClientIo& io) {
    return step ? ExitCode::kOk : Report(io, step.error());
}

std::filesystem::path DefaultKeyFile() {
    const char* data_dir = std::getenv("QUIRE_DATA_DIR");
    std::filesystem::path dir = data_dir != nullptr && *data_dir != '\0' ? data_dir : "quire-data";
    return dir / "local-api-key";
}

// Runs a command with a client built from the environment, and turns a failure into the exit
// status CLI11 reports.
void RunCommand(const std::function<ExitCode(ApiClient&, const ClientIo&)>& command) {
    ClientIo io{std::cout, std::cerr};
    auto config =
        LoadClientConfig(std::getenv("QUIRE_URL"), std::getenv("QUIRE_API_KEY"), DefaultKeyFile());
    ExitCode exit = ExitCode::kUsage;
    if (config) {
        ApiClient client(config->base_url, config->api_key);
        exit = command(client, io);
    } else {
        Report(io, {ExitCode::kUsage, config.error().message});
    }
    std::cout.flush();
    if (exit != ExitCode::kOk) throw CLI::RuntimeError(static_cast<int>(exit));
}

void AddGenerateCommand(CLI::App& app) {
    auto options = std::make_shared<GenerateOptions>();
    CLI::App* generate = app.add_subcommand("generate", "Build or edit a document and save it");
    generate->add_option("format", options->format, "excel, word or slides")
        ->required()
        ->check(CLI::IsMember({"excel", "word", "slides"}));
    generate->add_option("--prompt", options->prompt, "What the agent should do")->required();
    generate->add_option("--run", options->run_id, "Continue this run instead of starting one");
    generate->add_option("--data", options->data_files, "A CSV data source (repeatable)");
    generate->add_option("--init", options->init_file, "A document to start from");
    generate->add_option("--out,-o", options->out, "Where to save the document");
    generate->add_option("--file-name", options->file_name, "The run's file name");
    generate->add_flag("--async", options->async, "Print the run and task ids without waiting");
    generate->callback([options] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunGenerate(client, *options, io);
        });
    });
}

void AddRunsCommand(CLI::App& app) {
    CLI::App* runs = app.add_subcommand("runs", "List, download, export and delete runs");
    runs->require_subcommand(1);

    struct ListArgs {
        int limit = 20;
        bool all = false;
    };
    auto list_args = std::make_shared<ListArgs>();
    CLI::App* list = runs->add_subcommand("list", "List runs, newest first");
    list->add_option("--limit", list_args->limit, "Runs per page (1-100)")
        ->check(CLI::Range(1, kMaxRunsPerPage));
    list->add_flag("--all", list_args->all, "Follow the pages to list every run");
    list->callback([list_args] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunRunsList(client, list_args->limit, list_args->all, io);
        });
    });

    auto download_args = std::make_shared<DownloadOptions>();
    CLI::App* download = runs->add_subcommand("download", "Save a run's current document");
    download->add_option("run_id", download_args->run_id, "The run")->required();
    download->add_option("--out,-o", download_args->out,
                         "Where to save it (default: the run's file name, never replacing a file)");
    download->add_flag("--force", download_args->force,
                       "Without -o: replace an existing file of that name");
    download->callback([download_args] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunRunsDownload(client, *download_args, io);
        });
    });

    auto export_args = std::make_shared<ExportOptions>();
    CLI::App* exported = runs->add_subcommand(
        "export", "Convert a run's current document (pdf, png, html, csv, txt, odt, odp)");
    exported->add_option("run_id", export_args->run_id, "The run")->required();
    exported->add_option("--format,-f", export_args->format, "What to convert it to")->required();
    exported->add_option("--sheet", export_args->sheet, "The sheet a CSV export writes");
    exported->add_flag("--raw", export_args->raw,
                       "CSV: write text that looks like a formula as it is, without a leading '");
    exported->add_option("--dpi", export_args->dpi, "Resolution of PNG pages (default 110)");
    exported->add_option("--out,-o", export_args->out,
                         "Where to save it (a PNG export of several pages saves one file per page, "
                         "-1, -2, … before the extension; "
                         "default: the run's file name, never replacing a file)");
    exported->add_flag("--force", export_args->force,
                       "Without -o: replace existing files of those names");
    exported->callback([export_args] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunRunsExport(client, *export_args, io);
        });
    });

    auto delete_id = std::make_shared<std::string>();
    CLI::App* deleted =
        runs->add_subcommand("delete", "Delete a run with its versions, tasks and exports");
    deleted->add_option("run_id", *delete_id, "The run")->required();
    deleted->callback([delete_id] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunRunsDelete(client, *delete_id, io);
        });
    });
}

void AddTasksCommand(CLI::App& app) {
    CLI::App* tasks = app.add_subcommand("tasks", "Inspect and cancel tasks");
    tasks->require_subcommand(1);
    auto task_id = std::make_shared<std::string>();
    CLI::App* show = tasks->add_subcommand("show", "Print a task as JSON");
    show->add_option("task_id", *task_id, "The task")->required();
    show->callback([task_id] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunTasksShow(client, *task_id, io);
        });
    });
    CLI::App* cancel = tasks->add_subcommand("cancel", "Cancel a queued or running task");
    cancel->add_option("task_id", *task_id, "The task")->required();
    cancel->callback([task_id] {
        RunCommand([&](ApiClient& client, const ClientIo& io) {
            return RunTasksCancel(client, *task_id, io);
        });
    });
}

}  // namespace

Result<ClientConfig> LoadClientConfig(const char* url, const char* key,
                                      const std::filesystem::path& key_file) {
    ClientConfig config;
    config.base_url = url != nullptr && *url != '\0' ? url : std::string(kDefaultUrl);
    while (config.base_url.ends_with('/')) config.base_url.pop_back();
    if (!config.base_url.starts_with("http://") && !config.base_url.starts_with("https://")) {
        return InvalidRequest("QUIRE_URL must start with http:// or https://.");
    }

    if (key != nullptr) config.api_key = std::string(TrimSpace(key));
    if (config.api_key.empty()) {
        std::ifstream file(key_file, std::ios::binary);
        std::stringstream contents;
        contents << file.rdbuf();
        config.api_key = std::string(TrimSpace(contents.str()));
    }
    if (config.api_key.empty()) {
        return InvalidRequest(
            fmt::format("No API key: set QUIRE_API_KEY or put the key in {}.", key_file.string()));
    }
    return config;
}

Status ValidateGenerateOptions(const GenerateOptions& options) {
    if (Extension(options.format).empty()) {
        return InvalidRequest("The format must be excel, word or slides.");
    }
    if (options.prompt.empty()) return InvalidRequest("The prompt is empty.");
    if (!options.run_id.empty() && !IsId(options.run_id, "run_")) {
        return InvalidRequest(fmt::format("{} is not a run id.", Printable(options.run_id)));
    }
    std::error_code ec;
    for (const auto& file : options.data_files) {
        if (!std::filesystem::is_regular_file(file, ec)) {
            return InvalidRequest(fmt::format("Cannot read the data file {}.", file.string()));
        }
    }
    if (!options.init_file.empty() && !std::filesystem::is_regular_file(options.init_file, ec)) {
        return InvalidRequest(
            fmt::format("Cannot read the init file {}.", options.init_file.string()));
    }
    if (!options.out.empty()) {
        std::filesystem::path dir = options.out.parent_path();
        if ((!dir.empty() && !std::filesystem::is_directory(dir, ec)) ||
            std::filesystem::is_directory(options.out, ec)) {
            return InvalidRequest(fmt::format("Cannot write {}.", options.out.string()));
        }
    }
    return {};
}

std::string GenerateRequestBody(const GenerateOptions& options,
                                const std::vector<std::string>& data_file_ids,
                                const std::string& init_file_id) {
    json::object body;
    body["prompt"] = options.prompt;
    if (!options.run_id.empty()) body["run_id"] = options.run_id;
    if (!data_file_ids.empty()) {
        json::array sources;
        for (const auto& id : data_file_ids) sources.push_back({{"file_id", id}, {"kind", "csv"}});
        body["data_sources"] = std::move(sources);
    }
    if (!init_file_id.empty()) body["init_file"] = init_file_id;
    if (!options.file_name.empty()) body["file_name"] = options.file_name;
    body["async"] = true;
    return json::serialize(body);
}

std::string DescribeHttpFailure(long status, std::string_view body) {
    auto envelope = ParseObject(body);
    std::string code = envelope ? StringField(*envelope, "error") : "";
    if (code.empty()) return fmt::format("the server answered HTTP {}", status);
    std::string message = StringField(*envelope, "message");
    std::string request_id = StringField(*envelope, "request_id");
    std::string where = request_id.empty() ? fmt::format("HTTP {}", status)
                                           : fmt::format("HTTP {}, request {}", status, request_id);
    return Printable(fmt::format("{}: {} ({})", code, message, where));
}

std::string DefaultOutputName(std::string_view format, std::string_view run_id,
                              std::string_view file_name) {
    std::string_view extension = Extension(format);
    std::size_t slash = file_name.find_last_of("/\\");
    std::string name =
        Printable(slash == std::string_view::npos ? file_name : file_name.substr(slash + 1));
    name = std::string(TrimSpace(name));
    if (name.empty() || name == "." || name == "..")
        return std::string(run_id) + std::string(extension);
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!lower.ends_with(extension)) name += extension;
    return name;
}

Result<RunsPage> ParseRunsPage(std::string_view body) {
    auto object = ParseObject(body);
    const json::value* data = object ? object->if_contains("data") : nullptr;
    if (data == nullptr || !data->is_array()) {
        return Internal("unexpected answer from the server: no run list");
    }
    RunsPage page;
    for (const json::value& item : data->as_array()) {
        if (!item.is_object()) return Internal("unexpected answer from the server: bad run");
        const json::object& run = item.as_object();
        page.runs.push_back({StringField(run, "run_id"), StringField(run, "format"),
                             IntegerField(run, "version"), StringField(run, "updated_at"),
                             StringField(run, "file_name")});
    }
    const json::value* more = object->if_contains("has_more");
    std::string cursor = StringField(*object, "next_cursor");
    if (more != nullptr && more->is_bool() && more->as_bool() && !cursor.empty()) {
        page.next_cursor = std::move(cursor);
    }
    return page;
}

std::string FormatRunsTable(const std::vector<RunRow>& rows) {
    std::vector<std::array<std::string, 5>> cells = {
        {"RUN_ID", "FORMAT", "VERSION", "UPDATED_AT", "FILE_NAME"}};
    for (const auto& row : rows) {
        cells.push_back({Printable(row.run_id), Printable(row.format), std::to_string(row.version),
                         Printable(row.updated_at),
                         row.file_name.empty() ? "-" : Printable(row.file_name)});
    }
    std::array<std::size_t, 5> widths{};
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], line[i].size());
        }
    }
    std::string table;
    for (const auto& line : cells) {
        for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
            table += fmt::format("{:<{}}  ", line[i], widths[i]);
        }
        table += line.back() + '\n';
    }
    return table;
}

ExitCode RunGenerate(ApiClient& client, const GenerateOptions& options, const ClientIo& io) {
    auto valid = ValidateGenerateOptions(options);
    if (!valid) return Report(io, {ExitCode::kUsage, valid.error().message});
    return Finish(Generate(client, options, io), io);
}

ExitCode RunRunsList(ApiClient& client, int limit, bool all, const ClientIo& io) {
    if (limit < 1 || limit > kMaxRunsPerPage) {
        return Report(io, {ExitCode::kUsage, "--limit must be between 1 and 100."});
    }
    auto rows = ListRuns(client, limit, all, io);
    if (!rows) return Report(io, rows.error());
    io.out << FormatRunsTable(*rows);
    return ExitCode::kOk;
}

ExitCode RunRunsDownload(ApiClient& client, const DownloadOptions& options, const ClientIo& io) {
    if (!IsId(options.run_id, "run_")) {
        return Report(
            io, {ExitCode::kUsage, fmt::format("{} is not a run id.", Printable(options.run_id))});
    }
    auto saved =
        SaveRun(client, options.run_id, options.out, WhenExisting(options.out, options.force));
    if (!saved) return Report(io, saved.error());
    io.out << "saved: " << saved->string() << '\n';
    return ExitCode::kOk;
}

ExitCode RunRunsExport(ApiClient& client, const ExportOptions& options, const ClientIo& io) {
    if (!IsId(options.run_id, "run_")) {
        return Report(
            io, {ExitCode::kUsage, fmt::format("{} is not a run id.", Printable(options.run_id))});
    }
    if (options.format.empty() ||
        !std::all_of(options.format.begin(), options.format.end(),
                     [](unsigned char c) { return std::islower(c) != 0; })) {
        return Report(io, {ExitCode::kUsage, "--format must be a format name such as pdf."});
    }
    if (options.dpi < 0) return Report(io, {ExitCode::kUsage, "--dpi must be positive."});
    auto saved = SaveExport(client, options);
    if (!saved) return Report(io, saved.error());
    for (const auto& path : *saved) io.out << "saved: " << path.string() << '\n';
    return ExitCode::kOk;
}

ExitCode RunRunsDelete(ApiClient& client, const std::string& run_id, const ClientIo& io) {
    if (!IsId(run_id, "run_")) {
        return Report(io,
                      {ExitCode::kUsage, fmt::format("{} is not a run id.", Printable(run_id))});
    }
    auto answer = client.Delete("/api/v1/runs/" + run_id);
    if (!answer) return Report(io, {ExitCode::kServer, answer.error().message});
    if (answer->status != 204) {
        return Report(io, {ExitCode::kServer, DescribeHttpFailure(answer->status, answer->body)});
    }
    io.out << "deleted: " << run_id << '\n';
    return ExitCode::kOk;
}

ExitCode RunTasksCancel(ApiClient& client, const std::string& task_id, const ClientIo& io) {
    if (!IsId(task_id, "task_")) {
        return Report(io,
                      {ExitCode::kUsage, fmt::format("{} is not a task id.", Printable(task_id))});
    }
    auto task = ExpectJson(client.PostJson("/api/v1/tasks/" + task_id + "/cancel", "{}"), {200});
    if (!task) return Report(io, task.error());
    io.out << task_id << ": " << Printable(StringField(*task, "status")) << '\n';
    return ExitCode::kOk;
}

ExitCode RunTasksShow(ApiClient& client, const std::string& task_id, const ClientIo& io) {
    if (!IsId(task_id, "task_")) {
        return Report(io,
                      {ExitCode::kUsage, fmt::format("{} is not a task id.", Printable(task_id))});
    }
    auto answer = client.Get("/api/v1/tasks/" + task_id);
    auto checked = ExpectJson(answer, {200});
    if (!checked) return Report(io, checked.error());
    io.out << answer->body;
    if (!answer->body.ends_with('\n')) io.out << '\n';
    return ExitCode::kOk;
}

void AddClientCommands(CLI::App& app) {
    AddGenerateCommand(app);
    AddRunsCommand(app);
    AddTasksCommand(app);
}

}  // namespace quire::cli
