#include "cli/client_commands.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "http/server.hpp"

namespace quire::cli {
namespace {

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

constexpr std::string_view kKey = "qk_test_0123456789";
const std::string kDocument = std::string("PK\x03\x04 workbook bytes \0\r\n end", 28);

// A scratch directory removed with everything in it.
class TempDir {
public:
    TempDir() : path_(std::filesystem::temp_directory_path() / ("quire-cli-test-" + RandomHex(8))) {
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path Write(const std::string& name, std::string_view contents) const {
        std::ofstream(path_ / name, std::ios::binary) << contents;
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

// Makes `dir` the current directory for its lifetime, as a user who runs a command there.
class InDirectory {
public:
    explicit InDirectory(const std::filesystem::path& dir)
        : previous_(std::filesystem::current_path()) {
        std::filesystem::current_path(dir);
    }
    ~InDirectory() { std::filesystem::current_path(previous_); }

private:
    std::filesystem::path previous_;
};

std::vector<std::string> FileNames(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

HttpResponse JsonResponse(int status, const json::value& body) {
    HttpResponse response;
    response.status = status;
    response.body = json::serialize(body);
    response.SetHeader("Content-Type", "application/json");
    return response;
}

HttpResponse Envelope(int status, std::string_view code, std::string_view message) {
    return JsonResponse(
        status,
        {{"success", false}, {"error", code}, {"message", message}, {"request_id", "req_test"}});
}

// Just enough of Quire's HTTP API, with the shapes the real server answers, to drive the client.
class FakeQuire {
public:
    FakeQuire()
        : server_(Options(), [this](const HttpRequest& request) { return Handle(request); }) {
        EXPECT_TRUE(server_.Start());
    }

    std::string url() const { return fmt::format("http://127.0.0.1:{}", server_.port()); }

    const std::string run_id = NewId("run_");
    const std::string task_id = NewId("task_");

    // Set by the test before the client runs.
    bool task_fails = false;
    int download_status = 302;
    std::string run_file_name = "Quarterly report";
    int runs_total = 5;

    // What the client sent; read after the client returned.
    struct Upload {
        std::string purpose;
        std::string file_name;
        std::string data;
    };
    std::vector<Upload> uploads;
    std::string generate_path;
    json::object generate_body;
    std::vector<std::string> run_list_targets;
    int task_polls = 0;
    json::object export_body;
    int cancels = 0;
    bool run_deleted = false;
    bool signed_link_fetched = false;
    bool signed_link_had_key = false;

private:
    static http::HttpServerOptions Options() {
        http::HttpServerOptions options;
        options.port = 0;
        return options;
    }

    HttpResponse Handle(const HttpRequest& request) {
        std::lock_guard lock(mu_);
        if (request.path.starts_with("/signed/")) return SignedDownload(request);
        if (request.Header("X-API-Key") != kKey) {
            return Envelope(401, "invalid_api_key", "Missing or unknown API key.");
        }
        if (request.method == "POST" && request.path == "/api/v1/files") return FileUpload(request);
        if (request.method == "POST" && request.path.ends_with("/generate")) {
            generate_path = request.path;
            generate_body = json::parse(request.body).as_object();
            return JsonResponse(202,
                                {{"run_id", run_id}, {"task_id", task_id}, {"status", "queued"}});
        }
        if (request.path == "/api/v1/tasks/" + task_id) return Task();
        if (request.method == "POST" && request.path == "/api/v1/tasks/" + task_id + "/cancel") {
            ++cancels;
            return JsonResponse(200, {{"task_id", task_id}, {"status", "cancelled"}});
        }
        if (request.method == "POST" && request.path == "/api/v1/runs/" + run_id + "/export") {
            return Export(request);
        }
        if (request.method == "DELETE" && request.path == "/api/v1/runs/" + run_id) {
            run_deleted = true;
            HttpResponse response;
            response.status = 204;
            return response;
        }
        if (request.path == "/api/v1/runs") return RunList(request);
        if (request.path == "/api/v1/runs/" + run_id) {
            return JsonResponse(
                200, {{"run_id", run_id}, {"format", "excel"}, {"file_name", run_file_name}});
        }
        if (request.path == "/api/v1/runs/" + run_id + "/download") return Download();
        return Envelope(404, "not_found", "No such object.");
    }

    HttpResponse FileUpload(const HttpRequest& request) {
        auto parts =
            http::ParseMultipart(request.Header("Content-Type").value_or(""), request.body);
        if (!parts) return Envelope(400, "invalid_request", parts.error().message);
        Upload upload;
        for (const auto& part : *parts) {
            if (part.name == "purpose") upload.purpose = part.data;
            if (part.name == "file") upload.file_name = part.file_name, upload.data = part.data;
        }
        uploads.push_back(upload);
        return JsonResponse(201, {{"file_id", fmt::format("file_{}", uploads.size())},
                                  {"name", upload.file_name},
                                  {"size", upload.data.size()}});
    }

    HttpResponse Task() {
        ++task_polls;
        json::object task{{"task_id", task_id}, {"run_id", run_id}};
        if (task_polls == 1) {
            task["status"] = "queued";
        } else if (task_polls < 4) {
            task["status"] = "running";
            task["phase"] = task_polls == 2 ? "reading_data" : "writing_document";
        } else if (task_fails) {
            task["status"] = "failed";
            task["error"] = {{"code", "agent_failed"}, {"message", "The sheet name is too long."}};
        } else {
            task["status"] = "completed";
            task["result"] = {{"summary", "Added sheet Sales."}, {"version", 1}};
        }
        return JsonResponse(200, task);
    }

    HttpResponse Download() {
        if (download_status != 302) return Envelope(download_status, "conflict", "No version yet.");
        HttpResponse response;
        response.status = 302;
        response.SetHeader("Location", "/signed/" + run_id + "?expires=1&signature=abc");
        return response;
    }

    // Answers with signed links to /signed/export/…, whose bodies name the page.
    HttpResponse Export(const HttpRequest& request) {
        export_body = json::parse(request.body).as_object();
        std::string format(export_body.at("format").as_string());
        auto link = [&](int page) {
            return fmt::format("{}/signed/export/page-{}?expires=1&signature=abc", url(), page);
        };
        json::object answer{{"run_id", run_id}, {"format", format}, {"download_url", link(1)}};
        if (format == "png") {
            answer["pages"] = json::array{{{"page", 1}, {"download_url", link(1)}},
                                          {{"page", 2}, {"download_url", link(2)}}};
        }
        return JsonResponse(200, answer);
    }

    HttpResponse SignedDownload(const HttpRequest& request) {
        signed_link_fetched = true;
        signed_link_had_key = request.Header("X-API-Key").has_value();
        HttpResponse response;
        response.body =
            request.path.starts_with("/signed/export/") ? std::string(request.path) : kDocument;
        response.SetHeader("Content-Type", "application/octet-stream");
        return response;
    }

    // Runs run_{0..total}, two per page, the cursor being the index of the next one.
    HttpResponse RunList(const HttpRequest& request) {
        run_list_targets.push_back(request.target);
        int limit = std::stoi(std::string(request.QueryParam("limit").value_or("20")));
        int start = std::stoi(std::string(request.QueryParam("cursor").value_or("0")));
        json::array data;
        for (int i = start; i < std::min(start + limit, runs_total); ++i) {
            data.push_back({{"run_id", fmt::format("run_{}", i)},
                            {"format", "excel"},
                            {"version", i},
                            {"updated_at", "2026-01-01T00:00:00.000Z"},
                            {"file_name", i % 2 ? json::value(fmt::format("r{}.xlsx", i))
                                                : json::value(nullptr)}});
        }
        bool more = start + limit < runs_total;
        return JsonResponse(200, {{"data", data},
                                  {"has_more", more},
                                  {"next_cursor", more ? json::value(std::to_string(start + limit))
                                                       : json::value(nullptr)}});
    }

    std::mutex mu_;
    http::HttpServer server_;
};

struct Captured {
    std::ostringstream out;
    std::ostringstream err;
    ClientIo io{out, err, std::chrono::milliseconds(1)};
};

TEST(LoadClientConfig, KeyComesFromTheEnvironmentOrTheKeyFile) {
    TempDir dir;
    auto key_file = dir.Write("local-api-key", "  qk_from_file\n");
    auto missing = dir.path() / "absent";

    auto from_env = LoadClientConfig(nullptr, " qk_env\n", key_file);
    ASSERT_TRUE(from_env);
    EXPECT_EQ(from_env->api_key, "qk_env");
    EXPECT_EQ(from_env->base_url, "http://127.0.0.1:8080");

    auto from_file = LoadClientConfig("http://quire.example:9000/", "", key_file);
    ASSERT_TRUE(from_file);
    EXPECT_EQ(from_file->api_key, "qk_from_file");
    EXPECT_EQ(from_file->base_url, "http://quire.example:9000");

    auto none = LoadClientConfig(nullptr, nullptr, missing);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("QUIRE_API_KEY"), std::string::npos);

    auto blank_file = LoadClientConfig(nullptr, nullptr, dir.Write("blank", " \n"));
    EXPECT_FALSE(blank_file);

    auto bad_url = LoadClientConfig("127.0.0.1:8080", "qk_env", key_file);
    ASSERT_FALSE(bad_url);
    EXPECT_EQ(bad_url.error().message.find("qk_env"), std::string::npos);
}

TEST(ValidateGenerateOptions, RejectsWhatCannotWork) {
    TempDir dir;
    auto csv = dir.Write("sales.csv", "a,b\n1,2\n");
    GenerateOptions good{.format = "excel", .prompt = "Summarise", .data_files = {csv}};
    ASSERT_TRUE(ValidateGenerateOptions(good));
    GenerateOptions with_run = good;
    with_run.run_id = NewId("run_");
    with_run.out = dir.path() / "out.xlsx";
    EXPECT_TRUE(ValidateGenerateOptions(with_run));

    struct Case {
        std::string label;
        std::function<void(GenerateOptions&)> change;
    };
    const std::vector<Case> cases = {
        {"unknown format", [](GenerateOptions& o) { o.format = "pdf"; }},
        {"empty prompt", [](GenerateOptions& o) { o.prompt = ""; }},
        {"run id of another kind", [](GenerateOptions& o) { o.run_id = NewId("task_"); }},
        {"run id with a path", [](GenerateOptions& o) { o.run_id = "../files"; }},
        {"missing data file",
         [&](GenerateOptions& o) { o.data_files.push_back(dir.path() / "x"); }},
        {"data file is a directory", [&](GenerateOptions& o) { o.data_files = {dir.path()}; }},
        {"missing init file", [&](GenerateOptions& o) { o.init_file = dir.path() / "x.xlsx"; }},
        {"out in a missing directory",
         [&](GenerateOptions& o) { o.out = dir.path() / "no/o.xlsx"; }},
        {"out is a directory", [&](GenerateOptions& o) { o.out = dir.path(); }},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.label);
        GenerateOptions options = good;
        row.change(options);
        auto valid = ValidateGenerateOptions(options);
        ASSERT_FALSE(valid);
        EXPECT_EQ(valid.error().code, ErrorCode::kInvalidRequest);
    }
}

TEST(GenerateRequestBody, CarriesEveryOptionAndIsAlwaysAsync) {
    GenerateOptions options{.format = "excel",
                            .prompt = "Chart \"revenue\"",
                            .run_id = "run_01",
                            .file_name = "Q3.xlsx"};
    auto body = json::parse(GenerateRequestBody(options, {"file_a", "file_b"}, "file_init"));
    json::value expected = {
        {"prompt", "Chart \"revenue\""},
        {"run_id", "run_01"},
        {"data_sources",
         {{{"file_id", "file_a"}, {"kind", "csv"}}, {{"file_id", "file_b"}, {"kind", "csv"}}}},
        {"init_file", "file_init"},
        {"file_name", "Q3.xlsx"},
        {"async", true}};
    EXPECT_EQ(body, expected);

    auto minimal = json::parse(GenerateRequestBody({.format = "word", .prompt = "Memo"}, {}, ""));
    EXPECT_EQ(minimal, json::value({{"prompt", "Memo"}, {"async", true}}));
}

TEST(DescribeHttpFailure, ShowsTheEnvelopeOrTheStatus) {
    struct Case {
        long status;
        std::string body;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {409,
         R"({"success":false,"error":"run_busy","message":"The run has an active task.",)"
         R"("request_id":"req_1"})",
         "run_busy: The run has an active task. (HTTP 409, request req_1)"},
        {401, R"({"success":false,"error":"invalid_api_key","message":"Unknown key."})",
         "invalid_api_key: Unknown key. (HTTP 401)"},
        {502, "<html>Bad gateway</html>", "the server answered HTTP 502"},
        {500, "", "the server answered HTTP 500"},
        {400, R"({"error":"invalid_request","message":"bad\u001b[2Jfield"})",
         "invalid_request: bad?[2Jfield (HTTP 400)"},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.body);
        EXPECT_EQ(DescribeHttpFailure(row.status, row.body), row.expected);
    }
}

TEST(DefaultOutputName, IsAPlainNameWithTheFormatsExtension) {
    struct Case {
        std::string format;
        std::string file_name;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"excel", "report.xlsx", "report.xlsx"},
        {"excel", "report.XLSX", "report.XLSX"},
        {"excel", "Quarterly report", "Quarterly report.xlsx"},
        {"word", "memo", "memo.docx"},
        {"slides", "deck.pptx", "deck.pptx"},
        {"excel", "../../etc/passwd", "passwd.xlsx"},
        {"excel", "C:\\Users\\x\\evil.xlsx", "evil.xlsx"},
        {"excel", "dir/", "run_X.xlsx"},
        {"excel", "..", "run_X.xlsx"},
        {"word", "", "run_X.docx"},
        {"slides", "  ", "run_X.pptx"},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.file_name);
        EXPECT_EQ(DefaultOutputName(row.format, "run_X", row.file_name), row.expected);
    }
}

TEST(RunsTable, ParsesAPageAndAlignsColumns) {
    auto page =
        ParseRunsPage(R"({"data":[{"run_id":"run_A","format":"excel","version":3,)"
                      R"("updated_at":"2026-01-02T00:00:00.000Z","file_name":"sales.xlsx"},)"
                      R"({"run_id":"run_BB","format":"slides","version":0,)"
                      R"("updated_at":"2026-01-01T00:00:00.000Z","file_name":null}],)"
                      R"("has_more":true,"next_cursor":"run_BB"})");
    ASSERT_TRUE(page);
    ASSERT_EQ(page->runs.size(), 2u);
    EXPECT_EQ(page->next_cursor, "run_BB");
    EXPECT_EQ(FormatRunsTable(page->runs),
              "RUN_ID  FORMAT  VERSION  UPDATED_AT                FILE_NAME\n"
              "run_A   excel   3        2026-01-02T00:00:00.000Z  sales.xlsx\n"
              "run_BB  slides  0        2026-01-01T00:00:00.000Z  -\n");

    auto last = ParseRunsPage(R"({"data":[],"has_more":false,"next_cursor":null})");
    ASSERT_TRUE(last);
    EXPECT_EQ(last->next_cursor, std::nullopt);
    EXPECT_FALSE(ParseRunsPage(R"({"success":false,"error":"not_found"})"));
    EXPECT_FALSE(ParseRunsPage("not json"));
}

TEST(ClientCommands, ArgumentErrorsAreCaughtBeforeAnyRequest) {
    const std::vector<std::string> command_lines = {
        "generate excel",
        "generate pdf --prompt x",
        "generate --prompt x",
        "runs list --limit 0",
        "runs list --limit 101",
        "runs download",
        "runs",
        "tasks show",
    };
    for (const auto& line : command_lines) {
        SCOPED_TRACE(line);
        CLI::App app{"quire"};
        AddClientCommands(app);
        EXPECT_THROW(app.parse(line), CLI::ParseError);
    }
}

TEST(ClientCommands, GenerateUploadsPollsAndSavesTheDocument) {
    FakeQuire fake;
    TempDir dir;
    auto csv = dir.Write("sales.csv", "region,revenue\nnorth,\"1,200\"\n");
    auto init = dir.Write("start.xlsx", std::string("PK\x03\x04init", 8));
    auto out = dir.path() / "result.xlsx";
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    GenerateOptions options{.format = "excel",
                            .prompt = "Build a report",
                            .data_files = {csv},
                            .init_file = init,
                            .out = out};

    ASSERT_EQ(RunGenerate(client, options, captured.io), ExitCode::kOk) << captured.err.str();

    ASSERT_EQ(fake.uploads.size(), 2u);
    EXPECT_EQ(fake.uploads[0].purpose, "context");
    EXPECT_EQ(fake.uploads[0].file_name, "sales.csv");
    EXPECT_EQ(fake.uploads[0].data, ReadFile(csv));
    EXPECT_EQ(fake.uploads[1].purpose, "init");
    EXPECT_EQ(fake.uploads[1].data, ReadFile(init));
    EXPECT_EQ(fake.generate_path, "/api/v1/excel/generate");
    EXPECT_EQ(fake.generate_body.at("data_sources").as_array().at(0).at("file_id"), "file_1");
    EXPECT_EQ(fake.generate_body.at("init_file"), "file_2");
    EXPECT_EQ(fake.generate_body.at("async"), true);
    EXPECT_EQ(ReadFile(out), kDocument);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "result.xlsx.part"));
    EXPECT_TRUE(fake.signed_link_fetched);
    EXPECT_FALSE(fake.signed_link_had_key);

    std::string err = captured.err.str();
    EXPECT_NE(err.find("queued"), std::string::npos);
    EXPECT_NE(err.find("running (reading_data)"), std::string::npos);
    EXPECT_NE(err.find("running (writing_document)"), std::string::npos);
    EXPECT_NE(err.find("summary: Added sheet Sales."), std::string::npos);
    EXPECT_EQ(err.find(kKey), std::string::npos);
    EXPECT_EQ(captured.out.str(), fmt::format("run_id: {}\ntask_id: {}\nversion: 1\nsaved: {}\n",
                                              fake.run_id, fake.task_id, out.string()));
}

TEST(ClientCommands, GenerateAsyncPrintsIdsWithoutWaiting) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    GenerateOptions options{.format = "word", .prompt = "Memo", .async = true};
    ASSERT_EQ(RunGenerate(client, options, captured.io), ExitCode::kOk);
    EXPECT_EQ(captured.out.str(),
              fmt::format("run_id: {}\ntask_id: {}\n", fake.run_id, fake.task_id));
    EXPECT_EQ(fake.generate_path, "/api/v1/word/generate");
    EXPECT_EQ(fake.task_polls, 0);
}

TEST(ClientCommands, FailedTaskExitsOneWithItsCodeAndMessage) {
    FakeQuire fake;
    fake.task_fails = true;
    TempDir dir;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    GenerateOptions options{.format = "excel", .prompt = "x", .out = dir.path() / "o.xlsx"};
    EXPECT_EQ(RunGenerate(client, options, captured.io), ExitCode::kFailed);
    EXPECT_NE(captured.err.str().find("error: agent_failed: The sheet name is too long."),
              std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "o.xlsx"));
}

TEST(ClientCommands, RejectedKeyExitsThreeWithTheEnvelope) {
    FakeQuire fake;
    ApiClient client(fake.url(), "qk_wrong");
    Captured captured;
    EXPECT_EQ(RunGenerate(client, {.format = "excel", .prompt = "x"}, captured.io),
              ExitCode::kServer);
    EXPECT_EQ(captured.err.str(),
              "error: invalid_api_key: Missing or unknown API key. (HTTP 401, request req_test)\n");
    EXPECT_EQ(captured.err.str().find("qk_wrong"), std::string::npos);
}

TEST(ClientCommands, UnreachableServerExitsThree) {
    std::uint16_t closed_port;
    {
        http::HttpServer server({.port = 0}, [](const HttpRequest&) { return HttpResponse{}; });
        ASSERT_TRUE(server.Start());
        closed_port = server.port();
    }
    ApiClient client(fmt::format("http://127.0.0.1:{}", closed_port), std::string(kKey));
    Captured captured;
    EXPECT_EQ(RunTasksShow(client, NewId("task_"), captured.io), ExitCode::kServer);
    EXPECT_NE(captured.err.str().find("Cannot reach"), std::string::npos);
}

TEST(ClientCommands, UsageErrorsExitTwoWithoutRequests) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    EXPECT_EQ(RunTasksShow(client, "../runs", captured.io), ExitCode::kUsage);
    EXPECT_EQ(RunRunsDownload(client, {.run_id = "task_x"}, captured.io), ExitCode::kUsage);
    EXPECT_EQ(RunRunsList(client, 0, false, captured.io), ExitCode::kUsage);
    EXPECT_EQ(RunGenerate(client, {.format = "excel", .prompt = ""}, captured.io),
              ExitCode::kUsage);
    EXPECT_TRUE(fake.run_list_targets.empty());
    EXPECT_TRUE(fake.generate_path.empty());
}

TEST(ClientCommands, RunsListWithAllFollowsEveryCursor) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ASSERT_EQ(RunRunsList(client, 2, true, captured.io), ExitCode::kOk) << captured.err.str();
    EXPECT_EQ(fake.run_list_targets,
              (std::vector<std::string>{"/api/v1/runs?limit=2", "/api/v1/runs?limit=2&cursor=2",
                                        "/api/v1/runs?limit=2&cursor=4"}));
    std::string table = captured.out.str();
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 6);  // header and five runs
    EXPECT_NE(table.find("run_4 "), std::string::npos);
    EXPECT_NE(table.find("r3.xlsx"), std::string::npos);
    EXPECT_EQ(captured.err.str(), "");
}

TEST(ClientCommands, RunsListWithoutAllShowsOnePage) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ASSERT_EQ(RunRunsList(client, 2, false, captured.io), ExitCode::kOk);
    EXPECT_EQ(fake.run_list_targets.size(), 1u);
    std::string table = captured.out.str();
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3);
    EXPECT_NE(captured.err.str().find("--all"), std::string::npos);
}

TEST(ClientCommands, RunsDownloadNamesTheFileAfterTheRun) {
    FakeQuire fake;
    fake.run_file_name = "../Quarterly report";
    TempDir dir;
    auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ExitCode exit = RunRunsDownload(client, {.run_id = fake.run_id}, captured.io);
    std::filesystem::current_path(previous);
    ASSERT_EQ(exit, ExitCode::kOk) << captured.err.str();
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report.xlsx"), kDocument);
    EXPECT_EQ(captured.out.str(), "saved: Quarterly report.xlsx\n");
}

TEST(ClientCommands, DownloadErrorLeavesNoFile) {
    FakeQuire fake;
    fake.download_status = 409;
    TempDir dir;
    auto out = dir.path() / "o.xlsx";
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    EXPECT_EQ(RunRunsDownload(client, {.run_id = fake.run_id, .out = out}, captured.io),
              ExitCode::kServer);
    EXPECT_NE(captured.err.str().find("conflict: No version yet. (HTTP 409"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ClientCommands, RunsExportSavesTheConversionUnderTheRunsNameWithoutTheKey) {
    FakeQuire fake;
    TempDir dir;
    auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ExitCode exit = RunRunsExport(
        client, {.run_id = fake.run_id, .format = "csv", .sheet = "Data", .raw = true},
        captured.io);
    std::filesystem::current_path(previous);
    ASSERT_EQ(exit, ExitCode::kOk) << captured.err.str();
    EXPECT_EQ(fake.export_body.at("format"), "csv");
    EXPECT_EQ(fake.export_body.at("options").at("sheet"), "Data");
    EXPECT_EQ(fake.export_body.at("options").at("raw"), true);
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report.csv"), "/signed/export/page-1");
    EXPECT_TRUE(fake.signed_link_fetched);
    EXPECT_FALSE(fake.signed_link_had_key);
    EXPECT_EQ(captured.out.str(), "saved: Quarterly report.csv\n");
}

TEST(ClientCommands, RunsExportToPngSavesOneFilePerPage) {
    FakeQuire fake;
    TempDir dir;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ASSERT_EQ(
        RunRunsExport(
            client,
            {.run_id = fake.run_id, .format = "png", .dpi = 72, .out = dir.path() / "deck.png"},
            captured.io),
        ExitCode::kOk)
        << captured.err.str();
    EXPECT_EQ(fake.export_body.at("options").at("dpi"), 72);
    EXPECT_EQ(ReadFile(dir.path() / "deck-1.png"), "/signed/export/page-1");
    EXPECT_EQ(ReadFile(dir.path() / "deck-2.png"), "/signed/export/page-2");
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "deck.png"));
}

// A second download or export without -o used to replace the first one's file without a word.
TEST(ClientCommands, RunsDownloadWithoutOutRefusesToReplaceAFile) {
    FakeQuire fake;
    TempDir dir;
    dir.Write("Quarterly report.xlsx", "the user's own file");
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    {
        InDirectory in(dir.path());
        EXPECT_EQ(RunRunsDownload(client, {.run_id = fake.run_id}, captured.io), ExitCode::kFailed);
    }
    EXPECT_EQ(captured.err.str(),
              "error: Quarterly report.xlsx exists already; give -o PATH to save elsewhere, or "
              "--force to replace it\n");
    EXPECT_EQ(captured.out.str(), "");
    EXPECT_FALSE(fake.signed_link_fetched);
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report.xlsx"), "the user's own file");
    EXPECT_EQ(FileNames(dir.path()), std::vector<std::string>{"Quarterly report.xlsx"});
}

TEST(ClientCommands, RunsDownloadWithoutOutCountsALinkToNothingAsAFile) {
    FakeQuire fake;
    TempDir dir;
    std::filesystem::create_symlink(dir.path() / "gone", dir.path() / "Quarterly report.xlsx");
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    InDirectory in(dir.path());
    EXPECT_EQ(RunRunsDownload(client, {.run_id = fake.run_id}, captured.io), ExitCode::kFailed);
    EXPECT_TRUE(std::filesystem::is_symlink(dir.path() / "Quarterly report.xlsx"));
    EXPECT_FALSE(fake.signed_link_fetched);
}

TEST(ClientCommands, RunsDownloadWithForceOrOutReplacesTheFile) {
    FakeQuire fake;
    TempDir dir;
    auto named = dir.Write("mine.xlsx", "old");
    dir.Write("Quarterly report.xlsx", "old");
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    {
        InDirectory in(dir.path());
        ASSERT_EQ(RunRunsDownload(client, {.run_id = fake.run_id, .force = true}, captured.io),
                  ExitCode::kOk)
            << captured.err.str();
    }
    ASSERT_EQ(RunRunsDownload(client, {.run_id = fake.run_id, .out = named}, captured.io),
              ExitCode::kOk)
        << captured.err.str();
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report.xlsx"), kDocument);
    EXPECT_EQ(ReadFile(named), kDocument);
    EXPECT_EQ(captured.out.str(),
              fmt::format("saved: Quarterly report.xlsx\nsaved: {}\n", named.string()));
    EXPECT_EQ(FileNames(dir.path()),
              (std::vector<std::string>{"Quarterly report.xlsx", "mine.xlsx"}));
}

TEST(ClientCommands, RunsExportWithoutOutChecksEveryPageBeforeWritingAny) {
    FakeQuire fake;
    TempDir dir;
    dir.Write("Quarterly report-2.png", "page two of before");
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    {
        InDirectory in(dir.path());
        EXPECT_EQ(RunRunsExport(client, {.run_id = fake.run_id, .format = "png"}, captured.io),
                  ExitCode::kFailed);
    }
    EXPECT_EQ(captured.err.str(),
              "error: Quarterly report-2.png exists already; give -o PATH to save elsewhere, or "
              "--force to replace it\n");
    EXPECT_FALSE(fake.signed_link_fetched);
    EXPECT_EQ(FileNames(dir.path()), std::vector<std::string>{"Quarterly report-2.png"});
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report-2.png"), "page two of before");
}

TEST(ClientCommands, RunsExportWithoutOutNamesTheFirstOfSeveralExistingFiles) {
    FakeQuire fake;
    TempDir dir;
    dir.Write("Quarterly report-1.png", "1");
    dir.Write("Quarterly report-2.png", "2");
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    InDirectory in(dir.path());
    EXPECT_EQ(RunRunsExport(client, {.run_id = fake.run_id, .format = "png"}, captured.io),
              ExitCode::kFailed);
    EXPECT_EQ(captured.err.str(),
              "error: Quarterly report-1.png and 1 more exist already; give -o PATH to save "
              "elsewhere, or --force to replace them\n");
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report-1.png"), "1");
}

TEST(ClientCommands, RunsExportWithForceOrOutReplacesThePages) {
    FakeQuire fake;
    TempDir dir;
    dir.Write("Quarterly report-2.png", "old");
    dir.Write("deck-1.png", "old");
    dir.Write("Quarterly report.csv", "old");
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    {
        InDirectory in(dir.path());
        ASSERT_EQ(RunRunsExport(client, {.run_id = fake.run_id, .format = "png", .force = true},
                                captured.io),
                  ExitCode::kOk)
            << captured.err.str();
        ASSERT_EQ(RunRunsExport(client, {.run_id = fake.run_id, .format = "csv", .force = true},
                                captured.io),
                  ExitCode::kOk)
            << captured.err.str();
    }
    ASSERT_EQ(RunRunsExport(
                  client, {.run_id = fake.run_id, .format = "png", .out = dir.path() / "deck.png"},
                  captured.io),
              ExitCode::kOk)
        << captured.err.str();
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report-1.png"), "/signed/export/page-1");
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report-2.png"), "/signed/export/page-2");
    EXPECT_EQ(ReadFile(dir.path() / "Quarterly report.csv"), "/signed/export/page-1");
    EXPECT_EQ(ReadFile(dir.path() / "deck-1.png"), "/signed/export/page-1");
    EXPECT_EQ(ReadFile(dir.path() / "deck-2.png"), "/signed/export/page-2");
}

TEST(ApiClient, DownloadThatMustKeepAFileLeavesItAndNoPartialFile) {
    // The file appears after the command checked for it, while the body arrives.
    FakeQuire fake;
    TempDir dir;
    auto out = dir.Write("report.xlsx", "appeared meanwhile");
    ApiClient client(fake.url(), std::string(kKey));
    auto downloaded =
        client.Download("/api/v1/runs/" + fake.run_id + "/download", out, ExistingFile::kKeep);
    ASSERT_FALSE(downloaded);
    EXPECT_EQ(downloaded.error().code, ErrorCode::kConflict);
    EXPECT_EQ(downloaded.error().message, out.string() + " exists already.");
    EXPECT_TRUE(fake.signed_link_fetched);
    EXPECT_EQ(ReadFile(out), "appeared meanwhile");
    EXPECT_EQ(FileNames(dir.path()), std::vector<std::string>{"report.xlsx"});

    auto fresh = dir.path() / "fresh.xlsx";
    ASSERT_TRUE(
        client.Download("/api/v1/runs/" + fake.run_id + "/download", fresh, ExistingFile::kKeep));
    EXPECT_EQ(ReadFile(fresh), kDocument);
}

TEST(ClientCommands, RunsExportAndDeleteRefuseBadArgumentsWithoutRequests) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    EXPECT_EQ(RunRunsExport(client, {.run_id = "nope", .format = "pdf"}, captured.io),
              ExitCode::kUsage);
    EXPECT_EQ(RunRunsExport(client, {.run_id = fake.run_id, .format = "../pdf"}, captured.io),
              ExitCode::kUsage);
    EXPECT_EQ(RunRunsDelete(client, "run", captured.io), ExitCode::kUsage);
    EXPECT_EQ(RunTasksCancel(client, "task", captured.io), ExitCode::kUsage);
    EXPECT_TRUE(fake.export_body.empty());
    EXPECT_FALSE(fake.run_deleted);
    EXPECT_EQ(fake.cancels, 0);
}

TEST(ClientCommands, RunsDeleteAndTasksCancelSayWhatBecameOfThem) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ASSERT_EQ(RunRunsDelete(client, fake.run_id, captured.io), ExitCode::kOk);
    ASSERT_EQ(RunTasksCancel(client, fake.task_id, captured.io), ExitCode::kOk);
    EXPECT_TRUE(fake.run_deleted);
    EXPECT_EQ(fake.cancels, 1);
    EXPECT_EQ(captured.out.str(),
              fmt::format("deleted: {}\n{}: cancelled\n", fake.run_id, fake.task_id));
}

TEST(ClientCommands, TasksShowPrintsTheTaskJson) {
    FakeQuire fake;
    ApiClient client(fake.url(), std::string(kKey));
    Captured captured;
    ASSERT_EQ(RunTasksShow(client, fake.task_id, captured.io), ExitCode::kOk);
    auto task = json::parse(captured.out.str()).as_object();
    EXPECT_EQ(task.at("task_id").as_string(), fake.task_id);
    EXPECT_EQ(task.at("status"), "queued");
}

TEST(ClientCommands, CommandLineRunsAgainstQuireUrlAndReportsExitCodes) {
    FakeQuire fake;
    TempDir dir;
    auto out = dir.path() / "cli.xlsx";
    setenv("QUIRE_URL", fake.url().c_str(), 1);
    setenv("QUIRE_API_KEY", std::string(kKey).c_str(), 1);
    {
        CLI::App app{"quire"};
        AddClientCommands(app);
        auto csv = dir.Write("data.csv", "a,b\n1,2\n");
        EXPECT_NO_THROW(app.parse(fmt::format("generate excel --prompt 'a report' --data {} -o {}",
                                              csv.string(), out.string())));
        EXPECT_EQ(ReadFile(out), kDocument);
        ASSERT_EQ(fake.uploads.size(), 1u);
        EXPECT_EQ(fake.uploads[0].data, "a,b\n1,2\n");
        EXPECT_EQ(fake.generate_body.at("prompt").as_string(), "a report");
    }
    setenv("QUIRE_API_KEY", "qk_wrong", 1);
    {
        CLI::App app{"quire"};
        AddClientCommands(app);
        try {
            app.parse("tasks show " + fake.task_id);
            ADD_FAILURE() << "a rejected key must fail the command";
        } catch (const CLI::RuntimeError& e) {
            EXPECT_EQ(e.get_exit_code(), 3);
            EXPECT_EQ(app.exit(e), 3);
        }
    }
    unsetenv("QUIRE_URL");
    unsetenv("QUIRE_API_KEY");
}

TEST(ClientCommands, CommandLineForceReplacesWhatADefaultNameWouldKeep) {
    FakeQuire fake;
    TempDir dir;
    dir.Write("Quarterly report.xlsx", "old");
    dir.Write("Quarterly report.pdf", "old");
    setenv("QUIRE_URL", fake.url().c_str(), 1);
    setenv("QUIRE_API_KEY", std::string(kKey).c_str(), 1);
    InDirectory in(dir.path());
    auto exit_of = [](const std::string& command) {
        CLI::App app{"quire"};
        AddClientCommands(app);
        try {
            app.parse(command);
        } catch (const CLI::RuntimeError& e) {
            return e.get_exit_code();
        }
        return 0;
    };
    EXPECT_EQ(exit_of("runs download " + fake.run_id), 1);
    EXPECT_EQ(exit_of("runs export " + fake.run_id + " --format pdf"), 1);
    EXPECT_EQ(ReadFile("Quarterly report.xlsx"), "old");
    EXPECT_EQ(ReadFile("Quarterly report.pdf"), "old");
    EXPECT_EQ(exit_of("runs download " + fake.run_id + " --force"), 0);
    EXPECT_EQ(exit_of("runs export " + fake.run_id + " --format pdf --force"), 0);
    EXPECT_EQ(ReadFile("Quarterly report.xlsx"), kDocument);
    EXPECT_EQ(ReadFile("Quarterly report.pdf"), "/signed/export/page-1");
    unsetenv("QUIRE_URL");
    unsetenv("QUIRE_API_KEY");
}

}  // namespace
}  // namespace quire::cli
