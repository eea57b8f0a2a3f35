#pragma once

// The client side of the `quire` command: `generate`, `runs` and `tasks` talk to a running Quire
// server over its HTTP API.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.hpp"
#include "common/error.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace quire::cli {

// Registers the subcommands `generate`, `runs` (list, download, export, delete) and `tasks` (show,
// cancel) on `app`.
// They reach the server at QUIRE_URL (default http://127.0.0.1:8080) with the key from
// QUIRE_API_KEY, or else from the file `local-api-key` in QUIRE_DATA_DIR (default ./quire-data).
// A command that fails prints the reason on standard error and throws CLI::RuntimeError carrying
// its ExitCode, which CLI11_PARSE (or App::exit) turns into the process's exit status without
// printing anything more.
void AddClientCommands(CLI::App& app);

// How a client command ends.
enum class ExitCode {
    kOk = 0,
    kFailed = 1,  // the task failed or was cancelled, or a local file could not be written
    kUsage = 2,   // bad arguments or configuration
    kServer = 3,  // the server could not be reached or answered with an HTTP error
};

// Where to reach the server, with which key.
struct ClientConfig {
    std::string base_url;
    std::string api_key;
};

// Builds the config from the environment's values (null when unset): `url` or the default
// address, and `key` or else the trimmed contents of `key_file`. kInvalidRequest, naming both
// sources, when neither gives a non-empty key. The key never appears in a message.
[[nodiscard]] Result<ClientConfig> LoadClientConfig(const char* url, const char* key,
                                                    const std::filesystem::path& key_file);

// The output streams and the polling pace of a command; tests substitute their own.
struct ClientIo {
    std::ostream& out;
    std::ostream& err;
    std::chrono::milliseconds poll_interval{300};
};

struct GenerateOptions {
    std::string format;  // "excel", "word" or "slides"
    std::string prompt;
    std::string run_id;                             // empty: a new run
    std::vector<std::filesystem::path> data_files;  // CSV data sources
    std::filesystem::path init_file;                // empty: none
    std::filesystem::path out;                      // empty: named after the run
    std::string file_name;                          // the run's file name; empty: server default
    bool async = false;                             // print the ids and return at once
};

// Checks what can be checked before talking to the server: a known format, a non-empty prompt,
// a well-formed run id, readable data and init files, and an existing directory for `out`.
// kInvalidRequest with the reason.
[[nodiscard]] Status ValidateGenerateOptions(const GenerateOptions& options);

// The JSON body of POST /api/v1/{format}/generate: always asynchronous, since the client polls.
std::string GenerateRequestBody(const GenerateOptions& options,
                                const std::vector<std::string>& data_file_ids,
                                const std::string& init_file_id);

// One line describing a failed HTTP answer: the envelope's code and message, the status and the
// request id ("run_busy: The run has an active task. (HTTP 409, request req_…)"), or the bare
// status when the body is not an envelope.
std::string DescribeHttpFailure(long status, std::string_view body);

// The file name to save a run's document under when the user gave none: the run's `file_name`
// reduced to a plain name in the current directory (with the format's extension added when
// missing), or "<run_id>.xlsx|.docx|.pptx" when that leaves nothing usable.
std::string DefaultOutputName(std::string_view format, std::string_view run_id,
                              std::string_view file_name);

// One row of `quire runs list`.
struct RunRow {
    std::string run_id;
    std::string format;
    std::int64_t version = 0;
    std::string updated_at;
    std::string file_name;  // "" when the run has none
};

// What `quire runs export` asks for.
struct ExportOptions {
    std::string run_id;
    std::string format;         // pdf, png, html, csv, txt, odt, odp
    std::string sheet;          // CSV of a workbook: the sheet (default: the active one)
    bool raw = false;           // CSV: no leading ' before text that looks like a formula
    int dpi = 0;                // PNG: 0 for the server's default
    std::filesystem::path out;  // default: the run's file name with the format's extension
    bool force = false;         // without `out`: replace files of the default names
};

// What `quire runs download` asks for.
struct DownloadOptions {
    std::string run_id;
    std::filesystem::path out;  // default: DefaultOutputName of the run, in the current directory
    bool force = false;         // without `out`: replace a file of the default name
};

// One page of GET /api/v1/runs.
struct RunsPage {
    std::vector<RunRow> runs;
    std::optional<std::string> next_cursor;  // nullopt on the last page
};

// Reads a GET /api/v1/runs answer. kInternal when the body is not such a page.
[[nodiscard]] Result<RunsPage> ParseRunsPage(std::string_view body);

// The rows as an aligned text table with a header line.
std::string FormatRunsTable(const std::vector<RunRow>& rows);

// The commands themselves, on an open client. Each prints its results on `io.out`, progress and
// errors on `io.err`. `runs download` and `runs export` without `out` pick the file names
// themselves and never replace a file there: unless `force` is set, an existing one (any page
// file of a PNG export) ends the command with kFailed, naming it, before any file is written.
// `generate` replaces the file it saves to.
ExitCode RunGenerate(ApiClient& client, const GenerateOptions& options, const ClientIo& io);
ExitCode RunRunsList(ApiClient& client, int limit, bool all, const ClientIo& io);
ExitCode RunRunsDownload(ApiClient& client, const DownloadOptions& options, const ClientIo& io);
ExitCode RunTasksShow(ApiClient& client, const std::string& task_id, const ClientIo& io);
ExitCode RunTasksCancel(ApiClient& client, const std::string& task_id, const ClientIo& io);
ExitCode RunRunsExport(ApiClient& client, const ExportOptions& options, const ClientIo& io);
ExitCode RunRunsDelete(ApiClient& client, const std::string& run_id, const ClientIo& io);

}  // namespace quire::cli
