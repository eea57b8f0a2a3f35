#include "http/api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "common/log.hpp"
#include "common/utf8.hpp"
#include "convert/export_format.hpp"
#include "http/signed_url.hpp"
#include "service/export_service.hpp"
#include "service/formats.hpp"
#include "service/generate_service.hpp"
#include "service/run_service.hpp"
#include "store/store.hpp"

namespace quire::http {
namespace json = boost::json;
using service::DocumentFormat;

namespace {

// What the turn cost: input, output, cache-read and cache-write tokens, model calls and tool
// calls, each 0 when not recorded (tasks from before usage was kept).
json::object UsageJson(const store::Task& task) {
    json::object usage{{"input_tokens", 0},       {"output_tokens", 0}, {"cache_read_tokens", 0},
                       {"cache_write_tokens", 0}, {"steps", 0},         {"tool_calls", 0}};
    boost::system::error_code ec;
    json::value stored = json::parse(task.usage_json, ec);
    if (ec || !stored.is_object()) return usage;
    for (auto& [key, value] : usage) {
        if (const json::value* found = stored.as_object().if_contains(key);
            found && found->is_int64()) {
            value = *found;
        }
    }
    return usage;
}

// What the recalculation after the turn found (docs/api.md, Tasks), null when none ran.
json::value RecalculationJson(const store::Task& task) {
    if (task.recalculation_json.empty()) return nullptr;
    boost::system::error_code ec;
    json::value stored = json::parse(task.recalculation_json, ec);
    if (ec || !stored.is_object()) return nullptr;
    return stored;
}

}  // namespace

int HttpStatusOf(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidRequest:
            return 400;
        case ErrorCode::kInvalidApiKey:
            return 401;
        case ErrorCode::kForbidden:
            return 403;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kMethodNotAllowed:
            return 405;
        case ErrorCode::kConflict:
            return 409;
        case ErrorCode::kRunBusy:
            return 409;
        case ErrorCode::kRunExpired:
            return 410;
        case ErrorCode::kPayloadTooLarge:
            return 413;
        case ErrorCode::kRateLimited:
            return 429;
        case ErrorCode::kAgentFailed:
        case ErrorCode::kProviderUnavailable:
        case ErrorCode::kProviderAuthFailed:
        case ErrorCode::kProviderRateLimited:
        case ErrorCode::kStepLimit:
        case ErrorCode::kOutputLimit:
        case ErrorCode::kWorkerLost:
        case ErrorCode::kConversionFailed:
            return 502;
        case ErrorCode::kTimeout:
            return 504;
        case ErrorCode::kUnavailable:
        case ErrorCode::kConverterUnavailable:
            return 503;
        case ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

namespace {

constexpr std::size_t kMaxPromptChars = 10000;
constexpr std::size_t kMaxIdempotencyKeyChars = 255;
// What a busy run's 409 suggests as the wait before asking again.
constexpr std::string_view kRunBusyRetryAfterSeconds = "2";
// Events read from the store at a time, and how often an idle stream shows it is alive.
constexpr int kEventBatch = 500;
constexpr auto kEventKeepAlive = std::chrono::seconds(15);
constexpr std::size_t kMaxContextFiles = 20;
constexpr int kMinTimeoutMs = 10'000;
constexpr int kMaxTimeoutMs = 1'800'000;
constexpr std::size_t kMaxMetadataPairs = 16;
constexpr std::size_t kMaxMetadataKeyBytes = 64;
constexpr std::size_t kMaxMetadataValueChars = 512;
constexpr std::string_view kRetryAfterBusySeconds = "2";

// Everything a handler needs to know about its call.
struct Call {
    const HttpRequest& request;
    std::string request_id;
    std::vector<std::string_view> segments;  // path split at '/', after /api/v1
    store::ApiKeyInfo key;                   // set for authenticated routes
};

HttpResponse JsonResponse(int status, const json::value& body) {
    HttpResponse response;
    response.status = status;
    response.SetHeader("Content-Type", "application/json");
    // Plain decimals ("0.2"), not Boost.JSON's exponent form ("2E-1").
    response.body = JsonText(body);
    return response;
}

HttpResponse ErrorResponse(const Error& error, json::object extra = {}) {
    json::object body{{"success", false},
                      {"error", std::string(ErrorCodeName(error.code))},
                      {"message", error.message}};
    for (auto& [key, value] : extra) body[key] = value;
    return JsonResponse(HttpStatusOf(error.code), body);
}

std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        auto slash = path.find('/');
        auto piece = path.substr(0, slash);
        if (!piece.empty()) out.push_back(piece);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

// The first host of an X-Forwarded-Host list, if it is a plain host name or address with an
// optional port; anything else (paths, spaces, user info) is ignored rather than echoed.
std::optional<std::string> ForwardedHost(std::string_view header) {
    header = header.substr(0, header.find(','));
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    if (header.empty() || header.size() > 255) return std::nullopt;
    for (char c : header) {
        if (!std::isalnum(static_cast<unsigned char>(c)) &&
            std::string_view(".-:[]").find(c) == std::string_view::npos) {
            return std::nullopt;
        }
    }
    return std::string(header);
}

// Whole credit counts are written as integers ("1", not "1E0").
json::value Credits(double credits) {
    // Sums of tenths and token fractions: six decimals are all there is to say.
    credits = std::round(credits * 1e6) / 1e6;
    if (credits == std::floor(credits) && std::abs(credits) < 1e15) {
        return json::value(static_cast<std::int64_t>(credits));
    }
    return json::value(credits);
}

json::value TimeOrNull(std::int64_t millis) {
    if (millis == 0) return nullptr;
    return json::value(MillisToRfc3339(millis));
}

// Reads optional typed fields of a JSON body, naming the field in every error.
class BodyReader {
public:
    explicit BodyReader(const json::object& object) : object_(object) {}

    Result<std::optional<std::string>> String(std::string_view field) const {
        auto it = object_.find(field);
        if (it == object_.end() || it->value().is_null()) return std::nullopt;
        if (!it->value().is_string()) return Wrong(field, "a string");
        return std::string(it->value().as_string());
    }

    Result<std::optional<bool>> Bool(std::string_view field) const {
        auto it = object_.find(field);
        if (it == object_.end() || it->value().is_null()) return std::nullopt;
        if (!it->value().is_bool()) return Wrong(field, "a boolean");
        return it->value().as_bool();
    }

    Result<std::optional<std::int64_t>> Integer(std::string_view field) const {
        auto it = object_.find(field);
        if (it == object_.end() || it->value().is_null()) return std::nullopt;
        const json::value& value = it->value();
        if (value.is_int64()) return value.as_int64();
        if (value.is_uint64() && value.as_uint64() <= INT64_MAX) {
            return static_cast<std::int64_t>(value.as_uint64());
        }
        if (value.is_double() && value.as_double() == static_cast<double>(static_cast<std::int64_t>(
                                                          value.as_double()))) {
            return static_cast<std::int64_t>(value.as_double());
        }
        return Wrong(field, "an integer");
    }

    const json::value* Raw(std::string_view field) const {
        auto it = object_.find(field);
        if (it == object_.end() || it->value().is_null()) return nullptr;
        return &it->value();
    }

    // kInvalidRequest naming the first member that is not one of `known`: a misspelt field
    // ("runId") must not quietly start a new run.
    Status OnlyKnown(std::initializer_list<std::string_view> known) const {
        for (const auto& member : object_) {
            if (std::ranges::find(known, std::string_view(member.key())) != known.end()) continue;
            std::string list;
            for (std::string_view name : known) {
                if (!list.empty()) list += ", ";
                list += name;
            }
            // The name goes back only when it is short and plain.
            std::string_view key(member.key());
            bool plain =
                !key.empty() && key.size() <= 64 && std::ranges::all_of(key, [](unsigned char c) {
                    return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.';
                });
            return InvalidRequest(fmt::format(
                "unknown field {}; the fields are: {}",
                plain ? fmt::format("\"{}\"", key) : std::string("(a name that is not plain)"),
                list));
        }
        return {};
    }

    static std::unexpected<Error> Wrong(std::string_view field, std::string_view what) {
        return InvalidRequest(fmt::format("{} must be {}", field, what));
    }

private:
    const json::object& object_;
};

// JSON text with every object's keys in sorted order, so that two bodies that say the same
// thing read the same.
std::string CanonicalJson(const json::value& value) {
    if (value.is_object()) {
        std::vector<const json::key_value_pair*> members;
        for (const auto& member : value.as_object()) members.push_back(&member);
        std::ranges::sort(members, {}, [](const json::key_value_pair* m) { return m->key(); });
        std::string out = "{";
        for (const json::key_value_pair* member : members) {
            if (out.size() > 1) out += ',';
            out +=
                json::serialize(json::string(member->key())) + ":" + CanonicalJson(member->value());
        }
        return out + "}";
    }
    if (value.is_array()) {
        std::string out = "[";
        for (const json::value& item : value.as_array()) {
            if (out.size() > 1) out += ',';
            out += CanonicalJson(item);
        }
        return out + "]";
    }
    return json::serialize(value);
}

// What an idempotent replay must match: the route's format and the body without its key.
std::string RequestFingerprint(DocumentFormat format, json::object body) {
    body.erase("idempotency_key");
    return Sha256Hex(fmt::format("{}\n{}", service::FormatName(format), CanonicalJson(body)));
}

Result<json::object> ParseJsonObject(std::string_view body) {
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    if (ec) return InvalidRequest("the body is not valid JSON");
    if (!value.is_object()) return InvalidRequest("the body must be a JSON object");
    return std::move(value.as_object());
}

// A file name a client gave: its last path component, without control characters.
std::string CleanFileName(std::string_view name) {
    if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
        name.remove_prefix(slash + 1);
    }
    std::string out;
    for (char c : name) {
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && c != '"') out.push_back(c);
    }
    if (out.size() > 255) out.resize(255);
    return out;
}

// An attachment header with an ASCII fallback name and the exact UTF-8 name (RFC 6266).
std::string ContentDisposition(std::string_view file_name) {
    std::string ascii;
    std::string encoded;
    for (unsigned char c : file_name) {
        ascii.push_back(c < 0x80 && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
        if (std::isalnum(c) ||
            std::string_view("-._~").find(static_cast<char>(c)) != std::string_view::npos) {
            encoded.push_back(static_cast<char>(c));
        } else {
            encoded += fmt::format("%{:02X}", c);
        }
    }
    return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ascii, encoded);
}

Error RunExpiredError() {
    return Error{ErrorCode::kRunExpired, "the run has expired under the retention window", {}};
}

HttpResponse MethodNotAllowed(std::string_view allowed) {
    HttpResponse response =
        ErrorResponse(Error{ErrorCode::kMethodNotAllowed, "method not allowed on this path", {}});
    response.SetHeader("Allow", std::string(allowed));
    return response;
}

bool IsMetadataKey(std::string_view key) {
    if (key.empty() || key.size() > kMaxMetadataKeyBytes) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

// A run's metadata: an object of at most 16 string values under keys of 1-64 letters, digits,
// '_', '-' or '.', each value at most 512 characters.
Result<store::RunMetadata> ParseMetadata(const json::value& value) {
    if (!value.is_object()) return BodyReader::Wrong("metadata", "an object of strings");
    const json::object& object = value.as_object();
    if (object.size() > kMaxMetadataPairs) {
        return InvalidRequest(fmt::format("metadata: at most {} pairs", kMaxMetadataPairs));
    }
    store::RunMetadata metadata;
    for (const auto& [key, entry] : object) {
        if (!IsMetadataKey(key)) {
            return InvalidRequest("metadata: keys are 1-64 letters, digits, '_', '-' or '.'");
        }
        std::string field = fmt::format("metadata.{}", std::string_view(key));
        if (!entry.is_string()) return BodyReader::Wrong(field, "a string");
        if (Utf8CodePointCount(entry.as_string()) > kMaxMetadataValueChars) {
            return InvalidRequest(
                fmt::format("{} must be at most {} characters", field, kMaxMetadataValueChars));
        }
        metadata.emplace_back(std::string(key), std::string(entry.as_string()));
    }
    return metadata;
}

// "limit" of a list request: 1-100, 20 when absent.
Result<int> PageLimit(const HttpRequest& request) {
    int limit = 20;
    auto text = request.QueryParam("limit");
    if (!text) return limit;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 100) {
        return InvalidRequest("limit must be an integer from 1 to 100");
    }
    return limit;
}

json::object PageJson(json::array data, bool has_more, const std::string& next_cursor) {
    json::value next = next_cursor.empty() ? json::value(nullptr) : json::value(next_cursor);
    return json::object{{"data", std::move(data)}, {"has_more", has_more}, {"next_cursor", next}};
}

}  // namespace

struct Api::Impl {
    ApiOptions options;
    store::MetadataStore& metadata;
    store::BlobStore& blobs;
    service::GenerateService& generate;
    service::RunService runs;

    mutable std::mutex listen_mu;
    std::string listen_url;  // guarded by listen_mu

    HttpResponse Route(Call& call);
    HttpResponse Readiness();
    Status Authenticate(Call& call);

    HttpResponse Verify(Call& call);
    HttpResponse UploadFile(Call& call);
    HttpResponse Generate(Call& call, DocumentFormat format);
    HttpResponse GenerateAnswer(const Call& call, const service::GenerateRequest& request,
                                const service::GenerateOutcome& outcome);
    HttpResponse GetTask(Call& call);
    HttpResponse CancelTask(Call& call);
    HttpResponse TaskEvents(Call& call);
    void StreamEvents(const std::string& org_id, const std::string& task_id, std::int64_t after_id,
                      const BodyWriter& write);
    HttpResponse ListRuns(Call& call);
    HttpResponse GetRun(Call& call);
    HttpResponse DownloadRun(Call& call);
    HttpResponse SignedDownload(Call& call);

    // Run lifecycle (api_runs section below).
    HttpResponse DeleteRun(Call& call);
    HttpResponse DeleteFile(Call& call);
    HttpResponse ListTasks(Call& call, std::string run_id);
    HttpResponse ListVersions(Call& call);
    HttpResponse DownloadVersion(Call& call);
    HttpResponse PutDocument(Call& call);
    HttpResponse Revert(Call& call);
    HttpResponse LifecycleError(const Error& error, std::string_view run_id);
    HttpResponse VersionCreated(const store::Version& version);
    // --- exports (see the block "Exports" below) ---
    service::ExportService* exports = nullptr;  // set once by EnableExports, before serving
    HttpResponse ExportRun(Call& call);
    HttpResponse ConvertFile(Call& call);
    HttpResponse SignedExportDownload(Call& call);
    HttpResponse ExportAnswerResponse(const Call& call, std::string_view id_field,
                                      std::string_view id, const service::ExportAnswer& answer);
    HttpResponse ExportError(const Error& error) const;
    std::string SignedExportUrl(const HttpRequest& request, std::string_view org_id,
                                std::string_view blob, std::string_view file_name,
                                std::int64_t expires) const;

    Impl(ApiOptions options_in, store::MetadataStore& metadata_in, store::BlobStore& blobs_in,
         service::GenerateService& generate_in)
        : options(std::move(options_in)),
          metadata(metadata_in),
          blobs(blobs_in),
          generate(generate_in),
          runs(metadata_in, blobs_in) {}

    Result<service::GenerateRequest> ParseGenerate(const Call& call, DocumentFormat format);
    std::string BaseUrl(const HttpRequest& request) const;
    std::string SignedVersionUrl(const HttpRequest& request, const store::Run& run,
                                 int version) const;
    json::object RunJson(const HttpRequest& request, const store::Run& run) const;
    json::object TaskJson(const HttpRequest& request, const store::Task& task) const;
};

Api::Api(ApiOptions options, store::MetadataStore& metadata, store::BlobStore& blobs,
         service::GenerateService& generate)
    : impl_(std::make_unique<Impl>(std::move(options), metadata, blobs, generate)) {
    impl_->listen_url = impl_->options.listen_url;
}

void Api::SetListenUrl(std::string url) {
    std::lock_guard lock(impl_->listen_mu);
    impl_->listen_url = std::move(url);
}

Api::~Api() = default;

void Api::EnableExports(service::ExportService& exports) { impl_->exports = &exports; }

HttpResponse Api::Handle(const HttpRequest& request) {
    auto started = std::chrono::steady_clock::now();
    Call call{request, NewId("req_"), {}, {}};
    HttpResponse response;
    try {
        response = impl_->Route(call);
    } catch (const std::exception& e) {
        QUIRE_LOG_ERROR("request failed request_id={} detail={}", call.request_id, e.what());
        response = ErrorResponse(Error{ErrorCode::kInternal, "internal error", {}});
    }

    // Every JSON error envelope carries the request id; every response carries the header.
    if (response.status >= 400 && response.body.starts_with("{\"success\":false")) {
        response.body.pop_back();
        response.body += fmt::format(",\"request_id\":\"{}\"}}", call.request_id);
    }
    response.SetHeader("X-Request-Id", call.request_id);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    QUIRE_LOG_INFO("http request_id={} method={} path={} status={} org_id={} ms={}",
                   call.request_id, request.method, request.path, response.status, call.key.org_id,
                   elapsed.count());
    return response;
}

// 200 when the store answers and every configured check passes, else 503 naming what failed.
HttpResponse Api::Impl::Readiness() {
    json::object checks;
    bool ready = true;
    Result<bool> store = metadata.IsEmpty();
    checks["store"] = store ? "ok" : "unavailable";
    ready = ready && store.has_value();
    // A server without a working LibreOffice is ready for everything else: "missing",
    // "disabled" and "failing" do not fail it.
    if (exports != nullptr) {
        auto converter = exports->ConverterState();
        if (converter) {
            checks["converter"] = *converter;
        } else {
            ready = false;
            checks["converter"] = json::object{{"code", ErrorCodeName(converter.error().code)},
                                               {"message", converter.error().message}};
        }
    }
    for (const auto& [name, check] : options.readiness_checks) {
        Status status = check();
        if (status) {
            checks[name] = "ok";
            continue;
        }
        ready = false;
        checks[name] = json::object{{"code", ErrorCodeName(status.error().code)},
                                    {"message", status.error().message}};
    }
    return JsonResponse(ready ? 200 : 503, json::object{{"status", ready ? "ready" : "not_ready"},
                                                        {"checks", checks}});
}

HttpResponse Api::Impl::Route(Call& call) {
    const HttpRequest& request = call.request;
    const std::string& method = request.method;
    if (request.path == "/healthz") {
        if (method != "GET" && method != "HEAD") return MethodNotAllowed("GET");
        return JsonResponse(200, json::object{{"status", "ok"}});
    }
    if (request.path == "/readyz") {
        if (method != "GET" && method != "HEAD") return MethodNotAllowed("GET");
        return Readiness();
    }

    auto segments = SplitPath(request.path);
    if (segments.size() < 2 || segments[0] != "api" || segments[1] != "v1") {
        return ErrorResponse(Error{ErrorCode::kNotFound, "no such path", {}});
    }
    call.segments.assign(segments.begin() + 2, segments.end());
    const auto& s = call.segments;
    // Signed links are what download tools fetch, and some of them ask with HEAD first; the
    // server sends the headers of the GET answer without its body.
    const bool signed_link = !s.empty() && s[0] == "signed";
    auto expect = [&](std::string_view allowed,
                      const std::function<HttpResponse()>& handler) -> HttpResponse {
        const bool head = signed_link && allowed == "GET" && method == "HEAD";
        if (method != allowed && !head) {
            return MethodNotAllowed(signed_link && allowed == "GET" ? "GET, HEAD" : allowed);
        }
        if (!signed_link) {
            if (auto auth = Authenticate(call); !auth) return ErrorResponse(auth.error());
        }
        return handler();
    };

    // A path with several methods: the handler of the request's method, else 405.
    using Handler = std::pair<std::string_view, std::function<HttpResponse()>>;
    auto methods = [&](std::initializer_list<Handler> handlers) -> HttpResponse {
        std::string allowed;
        for (const auto& [name, handler] : handlers) {
            if (name == method) return expect(name, handler);
            allowed += (allowed.empty() ? "" : ", ") + std::string(name);
        }
        return MethodNotAllowed(allowed);
    };

    if (s.size() == 1 && s[0] == "verify") return expect("GET", [&] { return Verify(call); });
    if (s.size() == 1 && s[0] == "files") return expect("POST", [&] { return UploadFile(call); });
    if (s.size() == 2 && s[0] == "files") {
        return expect("DELETE", [&] { return DeleteFile(call); });
    }
    if (s.size() == 1 && s[0] == "tasks") return expect("GET", [&] { return ListTasks(call, ""); });
    if (s.size() == 3 && s[0] == "runs" && s[2] == "tasks") {
        return expect("GET", [&] { return ListTasks(call, std::string(s[1])); });
    }
    if (s.size() == 3 && s[0] == "runs" && s[2] == "versions") {
        return expect("GET", [&] { return ListVersions(call); });
    }
    if (s.size() == 5 && s[0] == "runs" && s[2] == "versions" && s[4] == "download") {
        return expect("GET", [&] { return DownloadVersion(call); });
    }
    if (s.size() == 3 && s[0] == "runs" && s[2] == "document") {
        return expect("PUT", [&] { return PutDocument(call); });
    }
    if (s.size() == 3 && s[0] == "runs" && s[2] == "revert") {
        return expect("POST", [&] { return Revert(call); });
    }
    if (s.size() == 2 && s[1] == "generate") {
        if (auto format = service::ParseFormatName(s[0])) {
            return expect("POST", [&] { return Generate(call, *format); });
        }
    }
    if (s.size() == 2 && s[0] == "tasks") return expect("GET", [&] { return GetTask(call); });
    if (s.size() == 3 && s[0] == "tasks" && s[2] == "cancel") {
        return expect("POST", [&] { return CancelTask(call); });
    }
    if (s.size() == 3 && s[0] == "tasks" && s[2] == "events") {
        return expect("GET", [&] { return TaskEvents(call); });
    }
    if (s.size() == 1 && s[0] == "runs") return expect("GET", [&] { return ListRuns(call); });
    if (s.size() == 2 && s[0] == "runs") {
        return methods(
            {{"GET", [&] { return GetRun(call); }}, {"DELETE", [&] { return DeleteRun(call); }}});
    }
    if (s.size() == 3 && s[0] == "runs" && s[2] == "download") {
        return expect("GET", [&] { return DownloadRun(call); });
    }
    if (s.size() == 6 && s[0] == "signed" && s[2] == "runs" && s[4] == "versions") {
        return expect("GET", [&] { return SignedDownload(call); });
    }
    // Exports.
    if (s.size() == 3 && s[0] == "runs" && s[2] == "export") {
        return expect("POST", [&] { return ExportRun(call); });
    }
    if (s.size() == 3 && s[0] == "files" && s[2] == "convert") {
        return expect("POST", [&] { return ConvertFile(call); });
    }
    if (s.size() == 5 && s[0] == "signed" && s[2] == "exports") {
        return expect("GET", [&] { return SignedExportDownload(call); });
    }
    return ErrorResponse(Error{ErrorCode::kNotFound, "no such path", {}});
}

Status Api::Impl::Authenticate(Call& call) {
    std::optional<std::string_view> key = call.request.Header("X-API-Key");
    if (!key) {
        auto authorization = call.request.Header("Authorization");
        constexpr std::string_view kBearer = "Bearer ";
        if (authorization && authorization->size() > kBearer.size() &&
            std::equal(kBearer.begin(), kBearer.end(), authorization->begin(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
            key = authorization->substr(kBearer.size());
        }
    }
    if (!key || key->empty()) {
        return Fail(ErrorCode::kInvalidApiKey,
                    "missing API key: send X-API-Key or Authorization: Bearer");
    }
    auto info = metadata.Authenticate(*key);
    if (!info) {
        if (info.error().code == ErrorCode::kInvalidApiKey) {
            return Fail(ErrorCode::kInvalidApiKey, "invalid API key");
        }
        return std::unexpected(info.error());
    }
    call.key = *info;
    return {};
}

HttpResponse Api::Impl::Verify(Call& call) {
    return JsonResponse(200, json::object{{"success", true},
                                          {"org_id", call.key.org_id},
                                          {"org_name", call.key.org_name},
                                          {"key_prefix", call.key.prefix}});
}

HttpResponse Api::Impl::UploadFile(Call& call) {
    auto content_type = call.request.Header("Content-Type");
    if (!content_type) return ErrorResponse(InvalidRequest("expected multipart/form-data").error());
    auto parts = ParseMultipart(*content_type, call.request.body);
    if (!parts) return ErrorResponse(parts.error());

    const FormPart* file = nullptr;
    std::string purpose = "context";
    for (const auto& part : *parts) {
        if (part.name == "file" && file == nullptr) file = &part;
        if (part.name == "purpose") purpose = part.data;
    }
    if (file == nullptr) return ErrorResponse(InvalidRequest("file: missing form field").error());
    if (purpose != "context" && purpose != "init" && purpose != "reference") {
        return ErrorResponse(
            InvalidRequest("purpose must be one of context, init, reference").error());
    }
    if (file->data.size() > options.max_upload_bytes) {
        return ErrorResponse(Error{ErrorCode::kPayloadTooLarge,
                                   fmt::format("file is larger than the {} MB upload limit",
                                               options.max_upload_bytes >> 20),
                                   {}});
    }
    if (file->data.empty()) return ErrorResponse(InvalidRequest("file is empty").error());
    std::string name = CleanFileName(file->file_name);
    if (name.empty()) name = "upload";

    std::shared_lock gate(blobs.Gate());  // until the file row refers to the blob
    auto blob = blobs.Put(file->data);
    if (!blob) return ErrorResponse(blob.error());
    store::FileRecord record;
    record.id = NewId("file_");
    record.org_id = call.key.org_id;
    record.name = name;
    record.size = static_cast<std::int64_t>(file->data.size());
    record.purpose = purpose;
    record.blob = *blob;
    auto created = metadata.CreateFile(record);
    if (!created) return ErrorResponse(created.error());
    return JsonResponse(201, json::object{{"success", true},
                                          {"file_id", created->id},
                                          {"name", created->name},
                                          {"size", created->size},
                                          {"purpose", created->purpose},
                                          {"created_at", MillisToRfc3339(created->created_at)}});
}

Result<service::GenerateRequest> Api::Impl::ParseGenerate(const Call& call, DocumentFormat format) {
    auto object = ParseJsonObject(call.request.body);
    if (!object) return Propagate(object);
    BodyReader body(*object);
    if (auto known = body.OnlyKnown({"prompt", "run_id", "mode", "init_file", "context_files",
                                     "data_sources", "async", "multitask", "metadata",
                                     "idempotency_key", "file_name", "timeout_ms"});
        !known) {
        return std::unexpected(known.error());
    }
    service::GenerateRequest out;
    out.org_id = call.key.org_id;
    out.format = format;

    auto prompt = body.String("prompt");
    if (!prompt) return Propagate(prompt);
    if (!*prompt) return InvalidRequest("prompt is required");
    std::size_t length = Utf8CodePointCount(**prompt);
    if (length < 1 || length > kMaxPromptChars) {
        return InvalidRequest("prompt must be 1 to 10000 characters");
    }
    if ((*prompt)->find_first_not_of(" \t\r\n\v\f") == std::string::npos) {
        return InvalidRequest("prompt must say something: it is only white space");
    }
    out.prompt = **prompt;

    for (auto [field, target] :
         {std::pair{"run_id", &out.run_id}, std::pair{"init_file", &out.init_file},
          std::pair{"file_name", &out.file_name},
          std::pair{"idempotency_key", &out.idempotency_key}}) {
        auto value = body.String(field);
        if (!value) return Propagate(value);
        if (*value) *target = **value;
    }
    if (auto given = body.String("file_name"); given && *given && (*given)->empty()) {
        return InvalidRequest("file_name must not be empty; leave it out for the default name");
    }
    if (out.file_name.size() > 255) return InvalidRequest("file_name must be at most 255 bytes");
    if (!out.file_name.empty() && CleanFileName(out.file_name) != out.file_name) {
        return InvalidRequest("file_name must be a plain file name");
    }
    if (auto header = call.request.Header("Idempotency-Key")) {
        if (!out.idempotency_key.empty() && out.idempotency_key != *header) {
            return InvalidRequest(
                "the Idempotency-Key header and the idempotency_key field differ");
        }
        out.idempotency_key = std::string(*header);
    }
    if (out.idempotency_key.size() > kMaxIdempotencyKeyChars) {
        return InvalidRequest("idempotency_key must be at most 255 characters");
    }
    out.request_sha256 = RequestFingerprint(format, *object);

    auto multitask = body.String("multitask");
    if (!multitask) return Propagate(multitask);
    if (*multitask && **multitask != "reject" && **multitask != "enqueue") {
        return InvalidRequest("multitask must be \"reject\" or \"enqueue\"");
    }
    out.enqueue = *multitask && **multitask == "enqueue";

    auto async = body.Bool("async");
    if (!async) return Propagate(async);
    out.async = async->value_or(false);

    auto timeout = body.Integer("timeout_ms");
    if (!timeout) return Propagate(timeout);
    if (*timeout) {
        if (**timeout < kMinTimeoutMs || **timeout > kMaxTimeoutMs) {
            return InvalidRequest("timeout_ms must be between 10000 and 1800000");
        }
        out.timeout_ms = static_cast<int>(**timeout);
    }

    if (const json::value* sources = body.Raw("data_sources")) {
        if (!sources->is_array()) return BodyReader::Wrong("data_sources", "an array");
        const json::array& array = sources->as_array();
        for (std::size_t i = 0; i < array.size(); ++i) {
            std::string field = fmt::format("data_sources[{}]", i);
            if (!array[i].is_object()) return BodyReader::Wrong(field, "an object");
            BodyReader source(array[i].as_object());
            auto file_id = source.String("file_id");
            if (!file_id) return InvalidRequest(field + ".file_id must be a string");
            if (!*file_id) return InvalidRequest(field + ".file_id is required");
            auto kind = source.String("kind");
            if (!kind) return InvalidRequest(field + ".kind must be a string");
            out.data_sources.push_back({**file_id, kind->value_or("csv")});
        }
    }

    if (const json::value* metadata = body.Raw("metadata")) {
        auto pairs = ParseMetadata(*metadata);
        if (!pairs) return Propagate(pairs);
        out.metadata = std::move(*pairs);
    }

    auto mode = body.String("mode");
    if (!mode) return Propagate(mode);
    if (*mode && **mode != "action" && **mode != "ask") {
        return InvalidRequest("mode must be \"action\" or \"ask\"");
    }
    out.ask = *mode && **mode == "ask";

    if (const json::value* context = body.Raw("context_files")) {
        if (!context->is_array()) return BodyReader::Wrong("context_files", "an array");
        const json::array& array = context->as_array();
        if (array.size() > kMaxContextFiles) {
            return InvalidRequest(fmt::format("context_files: at most {} files", kMaxContextFiles));
        }
        for (std::size_t i = 0; i < array.size(); ++i) {
            std::string field = fmt::format("context_files[{}]", i);
            // A file id, or {"file_id": id} as data_sources take them.
            if (array[i].is_string()) {
                out.context_files.emplace_back(array[i].as_string());
                continue;
            }
            if (!array[i].is_object()) return BodyReader::Wrong(field, "a file id or an object");
            BodyReader file(array[i].as_object());
            auto file_id = file.String("file_id");
            if (!file_id) return InvalidRequest(field + ".file_id must be a string");
            if (!*file_id) return InvalidRequest(field + ".file_id is required");
            out.context_files.push_back(**file_id);
        }
    }
    return out;
}

HttpResponse Api::Impl::Generate(Call& call, DocumentFormat format) {
    auto request = ParseGenerate(call, format);
    if (!request) return ErrorResponse(request.error());
    auto outcome = generate.Generate(*request);
    if (!outcome) return ErrorResponse(outcome.error());

    const store::Task& task = outcome->task;
    const store::Run& run = outcome->run;
    if (outcome->run_busy) {
        HttpResponse busy = ErrorResponse(
            Error{ErrorCode::kRunBusy,
                  "the run has a queued or running task; wait for it, cancel it, or send "
                  "\"multitask\": \"enqueue\"",
                  {}},
            json::object{{"run_id", run.id}, {"active_task_id", task.id}});
        busy.SetHeader("Retry-After", std::string(kRunBusyRetryAfterSeconds));
        return busy;
    }
    HttpResponse response = GenerateAnswer(call, *request, *outcome);
    if (outcome->replayed) response.SetHeader("Idempotent-Replayed", "true");
    return response;
}

HttpResponse Api::Impl::GenerateAnswer(const Call& call, const service::GenerateRequest& request,
                                       const service::GenerateOutcome& outcome) {
    const store::Task& task = outcome.task;
    const store::Run& run = outcome.run;
    if (task.status == "completed") {
        return JsonResponse(
            200, json::object{{"success", true},
                              {"run_id", run.id},
                              {"task_id", task.id},
                              {"status", "completed"},
                              {"download_url", SignedVersionUrl(call.request, run, task.version)},
                              {"edit_url", nullptr},
                              {"summary", task.summary},
                              {"credits_used", Credits(task.credits_used)},
                              {"usage", UsageJson(task)},
                              {"recalculation", RecalculationJson(task)},
                              {"duration_ms", task.duration_ms},
                              {"version", task.version}});
    }
    if (task.status == "failed") {
        return ErrorResponse(Error{ErrorCodeFromName(task.error_code), task.error_message, {}},
                             json::object{{"run_id", run.id}, {"task_id", task.id}});
    }
    if (task.status == "cancelled" || task.status == "expired") {
        return ErrorResponse(
            Error{ErrorCode::kConflict, fmt::format("the task was {}", task.status), {}},
            json::object{{"run_id", run.id}, {"task_id", task.id}, {"status", task.status}});
    }

    json::object body{
        {"success", true}, {"run_id", run.id}, {"task_id", task.id}, {"status", task.status}};
    if (!request.async && generate.stopping()) {
        body["message"] =
            "The server is shutting down; the task continues asynchronously and finishes after "
            "a restart if it is interrupted.";
    } else if (!request.async) {
        body["message"] = fmt::format("Sync ceiling ({}s) exceeded; continuing asynchronously.",
                                      generate.sync_ceiling().count());
    }
    HttpResponse response = JsonResponse(202, body);
    response.SetHeader("Location", BaseUrl(call.request) + "/api/v1/tasks/" + task.id);
    return response;
}

HttpResponse Api::Impl::GetTask(Call& call) {
    auto task = metadata.GetTask(call.key.org_id, call.segments[1]);
    if (!task) return ErrorResponse(task.error());
    return JsonResponse(200, TaskJson(call.request, *task));
}

HttpResponse Api::Impl::CancelTask(Call& call) {
    auto task = generate.Cancel(call.key.org_id, call.segments[1]);
    if (!task) return ErrorResponse(task.error());
    return JsonResponse(200, TaskJson(call.request, *task));
}

// Server-sent events: the task's log from after Last-Event-ID, then what it records while it
// runs, ending after its final event.
HttpResponse Api::Impl::TaskEvents(Call& call) {
    // The task first: an unknown task is 404 whatever the request's headers say.
    auto task = metadata.GetTask(call.key.org_id, call.segments[1]);
    if (!task) return ErrorResponse(task.error());
    std::int64_t after_id = 0;
    if (auto last = call.request.Header("Last-Event-ID"); last && !last->empty()) {
        auto [end, ec] = std::from_chars(last->data(), last->data() + last->size(), after_id);
        if (ec != std::errc() || end != last->data() + last->size() || after_id < 0) {
            return ErrorResponse(
                InvalidRequest("Last-Event-ID must be an event id from this stream").error());
        }
    }

    HttpResponse response;
    response.status = 200;
    response.SetHeader("Content-Type", "text/event-stream");
    response.SetHeader("Cache-Control", "no-store");
    response.SetHeader("X-Accel-Buffering", "no");
    response.stream = [this, org_id = task->org_id, task_id = task->id,
                       after_id](const BodyWriter& write) {
        StreamEvents(org_id, task_id, after_id, write);
    };
    return response;
}

void Api::Impl::StreamEvents(const std::string& org_id, const std::string& task_id,
                             std::int64_t after_id, const BodyWriter& write) {
    using Clock = std::chrono::steady_clock;
    service::TaskSignal& signal = generate.signal();
    auto next_keep_alive = Clock::now() + kEventKeepAlive;
    while (!generate.stopping()) {
        // Read before the store, so a change between the two still wakes the wait below.
        std::uint64_t seen = signal.generation();
        // The status before the log: a task's final event is written with its final status, so
        // a log read after a final status holds the final event.
        auto task = metadata.GetTask(org_id, task_id);
        if (!task) return;
        auto events = metadata.ListTaskEvents(org_id, task_id, after_id, kEventBatch);
        if (!events) return;
        for (const store::TaskEvent& event : *events) {
            if (!write(fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.id, event.type,
                                   event.data_json))) {
                return;
            }
            after_id = event.id;
            if (service::IsTerminal(event.type)) return;
        }
        if (events->size() == static_cast<std::size_t>(kEventBatch)) continue;
        // A task that ended without a final event in its log (pruned, or older than the log).
        if (service::IsTerminal(task->status)) return;

        signal.WaitUntil(seen, std::min(next_keep_alive, Clock::now() + std::chrono::seconds(1)));
        if (Clock::now() >= next_keep_alive) {
            if (!write(": keep-alive\n\n")) return;
            next_keep_alive = Clock::now() + kEventKeepAlive;
        }
    }
}

HttpResponse Api::Impl::ListRuns(Call& call) {
    auto limit = PageLimit(call.request);
    if (!limit) return ErrorResponse(limit.error());
    std::string cursor(call.request.QueryParam("cursor").value_or(""));

    store::RunFilter filter;
    filter.status = call.request.QueryParam("status").value_or("");
    if (!filter.status.empty() && filter.status != "active" && filter.status != "expired") {
        return ErrorResponse(InvalidRequest("status must be active or expired").error());
    }
    filter.format = call.request.QueryParam("format").value_or("");
    if (!filter.format.empty() && !service::ParseFormatName(filter.format)) {
        return ErrorResponse(InvalidRequest("format must be excel, word or slides").error());
    }
    // One metadata pair, as metadata[key]=value.
    for (const auto& [name, value] : call.request.query) {
        std::string_view param = name;
        if (!param.starts_with("metadata[") || !param.ends_with("]")) continue;
        std::string key(param.substr(9, param.size() - 10));
        if (filter.metadata) {
            return ErrorResponse(InvalidRequest("filter by one metadata pair at a time").error());
        }
        if (!IsMetadataKey(key)) {
            return ErrorResponse(
                InvalidRequest("metadata[KEY]: keys are 1-64 letters, digits, '_', '-' or '.'")
                    .error());
        }
        filter.metadata = std::pair<std::string, std::string>(key, value);
    }

    auto page = metadata.ListRuns(call.key.org_id, *limit, cursor, filter);
    if (!page) return ErrorResponse(page.error());
    json::array data;
    for (const auto& run : page->runs) data.push_back(RunJson(call.request, run));
    return JsonResponse(200, PageJson(std::move(data), page->has_more, page->next_cursor));
}

HttpResponse Api::Impl::GetRun(Call& call) {
    auto run = metadata.GetRun(call.key.org_id, call.segments[1]);
    if (!run) return ErrorResponse(run.error());
    return JsonResponse(200, RunJson(call.request, *run));
}

HttpResponse Api::Impl::DownloadRun(Call& call) {
    auto run = metadata.GetRun(call.key.org_id, call.segments[1]);
    if (!run) return ErrorResponse(run.error());
    if (run->status == "expired") return ErrorResponse(RunExpiredError());
    if (run->version == 0) {
        return ErrorResponse(
            Error{ErrorCode::kConflict, "the run has no document yet: no task has completed", {}});
    }
    HttpResponse response;
    response.status = 302;
    response.SetHeader("Location", SignedVersionUrl(call.request, *run, run->version));
    response.SetHeader("Cache-Control", "no-store");
    return response;
}

HttpResponse Api::Impl::SignedDownload(Call& call) {
    const auto& s = call.segments;
    std::string path(call.request.path);
    // The link is exactly what was signed: its two parameters, once each, and nothing else.
    if (call.request.query.size() != 2) {
        return ErrorResponse(Error{ErrorCode::kForbidden, "invalid signature", {}});
    }
    auto expires = call.request.QueryParam("expires");
    auto signature = call.request.QueryParam("signature");
    auto verified = VerifySignedPath(options.signing_secret, path, expires.value_or(""),
                                     signature.value_or(""), NowMillis() / 1000);
    if (!verified) return ErrorResponse(verified.error());

    int number = 0;
    auto [end, ec] = std::from_chars(s[5].data(), s[5].data() + s[5].size(), number);
    if (ec != std::errc() || end != s[5].data() + s[5].size()) {
        return ErrorResponse(NotFound("version not found").error());
    }
    auto run = metadata.GetRun(s[1], s[3]);
    if (!run) return ErrorResponse(run.error());
    // A link made before the run expired stops working with it.
    if (run->status == "expired") return ErrorResponse(RunExpiredError());
    auto version = metadata.GetVersion(s[1], s[3], number);
    if (!version) return ErrorResponse(version.error());
    auto bytes = blobs.Get(version->blob);
    if (!bytes) return ErrorResponse(bytes.error());

    auto format = service::ParseFormatName(run->format).value_or(DocumentFormat::kExcel);
    HttpResponse response;
    response.status = 200;
    response.SetHeader("Content-Type",
                       std::string(service::ContentTypeForFile(run->file_name, format)));
    response.SetHeader("Content-Disposition", ContentDisposition(run->file_name));
    response.SetHeader("Cache-Control", "private, no-store");
    response.body = std::move(*bytes);
    return response;
}

// --- run lifecycle: deletion, task and version listings, versions made outside the agent ---

namespace {

json::object VersionJson(const store::Version& version) {
    json::value task =
        version.task_id.empty() ? json::value(nullptr) : json::value(version.task_id);
    return json::object{{"version", version.number},
                        {"created_at", MillisToRfc3339(version.created_at)},
                        {"created_by", version.created_by},
                        {"task_id", task},
                        {"size", version.size},
                        {"sha256", version.blob}};
}

bool IsTaskStatus(std::string_view status) {
    for (std::string_view known :
         {"queued", "running", "completed", "failed", "cancelled", "expired"}) {
        if (status == known) return true;
    }
    return false;
}

HttpResponse NoContent() {
    HttpResponse response;
    response.status = 204;
    return response;
}

}  // namespace

// A run_busy error names the task the run waits for and when to try again.
HttpResponse Api::Impl::LifecycleError(const Error& error, std::string_view run_id) {
    if (error.code != ErrorCode::kRunBusy) return ErrorResponse(error);
    auto active = metadata.ActiveTaskOf(run_id);
    json::value task = active && active->has_value() ? json::value(**active) : json::value(nullptr);
    HttpResponse response =
        ErrorResponse(error, json::object{{"run_id", run_id}, {"active_task_id", task}});
    response.SetHeader("Retry-After", std::string(kRetryAfterBusySeconds));
    return response;
}

HttpResponse Api::Impl::VersionCreated(const store::Version& version) {
    json::object body = VersionJson(version);
    body["success"] = true;
    body["run_id"] = version.run_id;
    return JsonResponse(201, body);
}

HttpResponse Api::Impl::DeleteRun(Call& call) {
    std::string run_id(call.segments[1]);
    if (auto deleted = runs.DeleteRun(call.key.org_id, run_id); !deleted) {
        return LifecycleError(deleted.error(), run_id);
    }
    return NoContent();
}

HttpResponse Api::Impl::DeleteFile(Call& call) {
    if (auto deleted = runs.DeleteFile(call.key.org_id, call.segments[1]); !deleted) {
        return ErrorResponse(deleted.error());
    }
    return NoContent();
}

HttpResponse Api::Impl::ListTasks(Call& call, std::string run_id) {
    auto limit = PageLimit(call.request);
    if (!limit) return ErrorResponse(limit.error());
    std::string cursor(call.request.QueryParam("cursor").value_or(""));
    store::TaskFilter filter;
    filter.status = call.request.QueryParam("status").value_or("");
    if (!filter.status.empty() && !IsTaskStatus(filter.status)) {
        return ErrorResponse(
            InvalidRequest(
                "status must be queued, running, completed, failed, cancelled or expired")
                .error());
    }
    if (run_id.empty()) {
        filter.run_id = call.request.QueryParam("run_id").value_or("");
    } else {
        // A run's own list is 404 for a run this org cannot see, as GET /runs/{id} is.
        if (auto run = metadata.GetRun(call.key.org_id, run_id); !run) {
            return ErrorResponse(run.error());
        }
        filter.run_id = run_id;
    }

    auto page = metadata.ListTasks(call.key.org_id, *limit, cursor, filter);
    if (!page) return ErrorResponse(page.error());
    json::array data;
    for (const auto& task : page->tasks) data.push_back(TaskJson(call.request, task));
    return JsonResponse(200, PageJson(std::move(data), page->has_more, page->next_cursor));
}

HttpResponse Api::Impl::ListVersions(Call& call) {
    auto limit = PageLimit(call.request);
    if (!limit) return ErrorResponse(limit.error());
    std::string cursor(call.request.QueryParam("cursor").value_or(""));
    auto page = metadata.ListVersions(call.key.org_id, call.segments[1], *limit, cursor);
    if (!page) return ErrorResponse(page.error());
    json::array data;
    for (const auto& version : page->versions) data.push_back(VersionJson(version));
    return JsonResponse(200, PageJson(std::move(data), page->has_more, page->next_cursor));
}

HttpResponse Api::Impl::DownloadVersion(Call& call) {
    std::string_view text = call.segments[3];
    int number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || number < 1) {
        return ErrorResponse(NotFound("version not found").error());
    }
    auto run = metadata.GetRun(call.key.org_id, call.segments[1]);
    if (!run) return ErrorResponse(run.error());
    if (run->status == "expired") return ErrorResponse(RunExpiredError());
    auto version = metadata.GetVersion(call.key.org_id, run->id, number);
    if (!version) return ErrorResponse(version.error());

    HttpResponse response;
    response.status = 302;
    response.SetHeader("Location", SignedVersionUrl(call.request, *run, number));
    response.SetHeader("Cache-Control", "no-store");
    return response;
}

HttpResponse Api::Impl::PutDocument(Call& call) {
    const std::string& body = call.request.body;
    if (body.size() > options.max_upload_bytes) {
        return ErrorResponse(Error{ErrorCode::kPayloadTooLarge,
                                   fmt::format("the document is larger than the {} MB upload limit",
                                               options.max_upload_bytes >> 20),
                                   {}});
    }
    if (body.empty()) {
        return ErrorResponse(InvalidRequest("the body must be the document's bytes").error());
    }
    std::string run_id(call.segments[1]);
    auto made = runs.UploadDocument(call.key.org_id, run_id, body);
    if (!made) return LifecycleError(made.error(), run_id);
    return VersionCreated(*made);
}

HttpResponse Api::Impl::Revert(Call& call) {
    auto object = ParseJsonObject(call.request.body);
    if (!object) return ErrorResponse(object.error());
    auto number = BodyReader(*object).Integer("version");
    if (!number) return ErrorResponse(number.error());
    if (!*number) return ErrorResponse(InvalidRequest("version is required").error());
    if (**number < 1 || **number > INT32_MAX) {
        return ErrorResponse(
            InvalidRequest("version must be a version number (1, 2, ...)").error());
    }
    std::string run_id(call.segments[1]);
    auto made = runs.Revert(call.key.org_id, run_id, static_cast<int>(**number));
    if (!made) return LifecycleError(made.error(), run_id);
    return VersionCreated(*made);
}

std::string Api::Impl::BaseUrl(const HttpRequest& request) const {
    if (!options.public_url.empty()) return options.public_url;
    if (options.trust_proxy) {
        auto host = ForwardedHost(request.Header("X-Forwarded-Host").value_or(""));
        if (host) {
            std::string proto(request.Header("X-Forwarded-Proto").value_or("http"));
            if (proto != "https") proto = "http";
            return proto + "://" + *host;
        }
    }
    std::string listen;
    {
        std::lock_guard lock(listen_mu);
        listen = listen_url;
    }
    // A wildcard listener has no name a client can use; the Host the client sent does.
    bool wildcard = listen.find("://0.0.0.0") != std::string::npos ||
                    listen.find("://[::]") != std::string::npos;
    if (wildcard) {
        if (auto host = ForwardedHost(request.Header("Host").value_or(""))) {
            return "http://" + *host;
        }
    }
    return listen;
}

std::string Api::Impl::SignedVersionUrl(const HttpRequest& request, const store::Run& run,
                                        int version) const {
    std::string path =
        fmt::format("/api/v1/signed/{}/runs/{}/versions/{}", run.org_id, run.id, version);
    std::int64_t expires = NowMillis() / 1000 + options.download_ttl_seconds;
    return BaseUrl(request) + path + "?" + SignPath(options.signing_secret, path, expires);
}

json::object Api::Impl::RunJson(const HttpRequest& request, const store::Run& run) const {
    json::value download = nullptr;
    if (run.version > 0) download = json::value(SignedVersionUrl(request, run, run.version));
    bool expired = run.status == "expired";
    if (expired) download = nullptr;
    json::object metadata_json;
    for (const auto& [key, value] : run.metadata) metadata_json[key] = value;
    json::object out{{"run_id", run.id},
                     {"format", run.format},
                     {"status", run.status},
                     {"created_at", MillisToRfc3339(run.created_at)},
                     {"updated_at", MillisToRfc3339(run.updated_at)},
                     {"last_task_at", TimeOrNull(run.last_task_at)},
                     {"version", run.version},
                     {"file_name", run.file_name},
                     {"download_url", download},
                     {"edit_url", nullptr},
                     {"metadata", std::move(metadata_json)},
                     {"expires_at", TimeOrNull(run.expires_at)}};
    if (expired) {
        out["expired_at"] = TimeOrNull(run.expired_at);
        out["purged_at"] = TimeOrNull(run.purged_at);
    }
    return out;
}

json::object Api::Impl::TaskJson(const HttpRequest& request, const store::Task& task) const {
    json::object out{{"task_id", task.id},
                     {"run_id", task.run_id},
                     {"status", task.status},
                     {"attempt", task.attempt},
                     {"created_at", MillisToRfc3339(task.created_at)},
                     {"started_at", TimeOrNull(task.started_at)},
                     {"finished_at", TimeOrNull(task.finished_at)}};
    if (task.status == "running") out["phase"] = task.phase.empty() ? "starting" : task.phase;
    if (task.status == "completed") {
        auto run = metadata.GetRun(task.org_id, task.run_id);
        json::value download = nullptr;
        if (run) download = json::value(SignedVersionUrl(request, *run, task.version));
        out["result"] = json::object{{"download_url", download},
                                     {"summary", task.summary},
                                     {"credits_used", Credits(task.credits_used)},
                                     {"usage", UsageJson(task)},
                                     {"recalculation", RecalculationJson(task)},
                                     {"duration_ms", task.duration_ms},
                                     {"version", task.version}};
    }
    if (task.status == "failed" || task.status == "expired") {
        out["error"] = json::object{{"code", task.error_code}, {"message", task.error_message}};
    }
    if (task.status == "failed") out["usage"] = UsageJson(task);
    return out;
}

// ---- Exports: POST /runs/{id}/export, POST /files/{id}/convert, signed export downloads ----

namespace {

// Export options from a JSON object, as the text values convert::ParseExportOptions checks.
Result<convert::OptionInput> OptionsFromJson(const json::value* value) {
    convert::OptionInput input;
    if (value == nullptr) return input;
    if (!value->is_object()) return InvalidRequest("options must be an object");
    for (const auto& [key, item] : value->as_object()) {
        std::string name(key);
        // JSON says what type an option is; a form can only send text.
        if ((name == "dpi" && !item.is_number()) || (name == "raw" && !item.is_bool()) ||
            (name == "sheet" && !item.is_string())) {
            std::string_view what = name == "dpi"   ? "a number"
                                    : name == "raw" ? "a boolean"
                                                    : "a string";
            return InvalidRequest(fmt::format("options.{} must be {}", name, what));
        }
        if (item.is_string()) {
            input[name] = std::string(item.as_string());
        } else if (item.is_bool()) {
            input[name] = item.as_bool() ? "true" : "false";
        } else if (item.is_int64()) {
            input[name] = std::to_string(item.as_int64());
        } else if (item.is_uint64()) {
            input[name] = std::to_string(item.as_uint64());
        } else if (item.is_double()) {
            input[name] = JsonText(item);
        } else if (!item.is_null()) {
            return InvalidRequest(
                fmt::format("options.{} must be a string, a number or a boolean", name));
        }
    }
    return input;
}

// The fields of a form body, multipart or urlencoded. A name given twice is kInvalidRequest
// naming it: which of two formats the caller meant cannot be guessed.
std::unexpected<Error> RepeatedField(std::string_view name) {
    return InvalidRequest(fmt::format("{}: the form field is given more than once", name));
}

Result<std::map<std::string, std::string, std::less<>>> FormFields(const HttpRequest& request) {
    std::string content_type(request.Header("Content-Type").value_or(""));
    std::map<std::string, std::string, std::less<>> fields;
    if (content_type.starts_with("multipart/form-data")) {
        auto parts = ParseMultipart(content_type, request.body);
        if (!parts) return Propagate(parts);
        for (const auto& part : *parts) {
            if (!fields.emplace(part.name, part.data).second) return RepeatedField(part.name);
        }
        return fields;
    }
    if (content_type.starts_with("application/x-www-form-urlencoded")) {
        if (!boost::urls::parse_query(request.body)) {
            return InvalidRequest("the form body is not valid urlencoded data");
        }
        // Names and values are percent-decoded, and '+' is a space, as browsers send forms.
        boost::urls::encoding_opts form;
        form.space_as_plus = true;
        for (auto param : boost::urls::params_view(request.body, form)) {
            if (!fields.emplace(param.key, param.value).second) return RepeatedField(param.key);
        }
        return fields;
    }
    return InvalidRequest(
        "expected a form (multipart/form-data or application/x-www-form-urlencoded) with a "
        "format field");
}

// A path segment with everything but unreserved characters percent-encoded.
std::string EncodeSegment(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) ||
            std::string_view("-._~").find(static_cast<char>(c)) != std::string_view::npos) {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

bool IsSha256Hex(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

}  // namespace

HttpResponse Api::Impl::ExportError(const Error& error) const {
    HttpResponse response = ErrorResponse(error);
    // A 503 from an installed converter means its queue is full or it is restarting.
    if (error.code == ErrorCode::kConverterUnavailable && exports != nullptr &&
        exports->converter_installed()) {
        response.SetHeader("Retry-After", std::to_string(exports->ConverterRetryAfter().count()));
    }
    return response;
}

HttpResponse Api::Impl::ExportRun(Call& call) {
    if (exports == nullptr) {
        return ErrorResponse(
            Error{ErrorCode::kConverterUnavailable, "exports are not enabled", {}});
    }
    auto object = ParseJsonObject(call.request.body);
    if (!object) return ErrorResponse(object.error());
    BodyReader body(*object);
    if (auto known = body.OnlyKnown({"format", "options"}); !known) {
        return ErrorResponse(known.error());
    }
    auto format = body.String("format");
    if (!format) return ErrorResponse(format.error());
    if (!*format) return ErrorResponse(InvalidRequest("format is required").error());
    auto options = OptionsFromJson(body.Raw("options"));
    if (!options) return ErrorResponse(options.error());

    std::string run_id(call.segments[1]);
    auto answer = exports->ExportRun(call.key.org_id, run_id, **format, *options);
    if (!answer) return ExportError(answer.error());
    return ExportAnswerResponse(call, "run_id", run_id, *answer);
}

HttpResponse Api::Impl::ConvertFile(Call& call) {
    if (exports == nullptr) {
        return ErrorResponse(
            Error{ErrorCode::kConverterUnavailable, "exports are not enabled", {}});
    }
    auto fields = FormFields(call.request);
    if (!fields) return ErrorResponse(fields.error());
    auto format = fields->find("format");
    if (format == fields->end() || format->second.empty()) {
        return ErrorResponse(InvalidRequest("format: missing form field").error());
    }
    // Every other field is an export option ("sheet", "raw", "dpi").
    convert::OptionInput options;
    for (const auto& [name, value] : *fields) {
        if (name != "format") options[name] = value;
    }

    std::string file_id(call.segments[1]);
    auto answer = exports->ConvertFile(call.key.org_id, file_id, format->second, options);
    if (!answer) return ExportError(answer.error());
    return ExportAnswerResponse(call, "file_id", file_id, *answer);
}

HttpResponse Api::Impl::ExportAnswerResponse(const Call& call, std::string_view id_field,
                                             std::string_view id,
                                             const service::ExportAnswer& answer) {
    std::int64_t expires = NowMillis() / 1000 + options.download_ttl_seconds;
    std::string extension(convert::TargetExtension(answer.target));
    json::object body{{"success", true},
                      {id_field, id},
                      {"source_format", convert::SourceName(answer.source)},
                      {"format", convert::TargetName(answer.target)},
                      {"cached", answer.cached},
                      {"expires_at", MillisToRfc3339(expires * 1000)}};
    if (answer.target == convert::TargetFormat::kPng) {
        json::array pages;
        for (std::size_t i = 0; i < answer.blobs.size(); ++i) {
            std::string name = fmt::format("{}-page-{}{}", answer.file_stem, i + 1, extension);
            pages.push_back(json::object{
                {"page", i + 1},
                {"download_url",
                 SignedExportUrl(call.request, call.key.org_id, answer.blobs[i], name, expires)}});
        }
        body["download_url"] = pages.empty() ? json::value(nullptr) : pages[0].at("download_url");
        body["pages"] = std::move(pages);
    } else {
        body["download_url"] = SignedExportUrl(call.request, call.key.org_id, answer.blobs.at(0),
                                               answer.file_stem + extension, expires);
    }
    return JsonResponse(200, body);
}

std::string Api::Impl::SignedExportUrl(const HttpRequest& request, std::string_view org_id,
                                       std::string_view blob, std::string_view file_name,
                                       std::int64_t expires) const {
    // The signature covers the decoded path, as the server sees it on the way back in.
    std::string path = fmt::format("/api/v1/signed/{}/exports/{}/{}", org_id, blob, file_name);
    std::string encoded = fmt::format("/api/v1/signed/{}/exports/{}/{}", EncodeSegment(org_id),
                                      blob, EncodeSegment(file_name));
    return BaseUrl(request) + encoded + "?" + SignPath(options.signing_secret, path, expires);
}

HttpResponse Api::Impl::SignedExportDownload(Call& call) {
    const auto& s = call.segments;
    if (call.request.query.size() != 2) {
        return ErrorResponse(Error{ErrorCode::kForbidden, "invalid signature", {}});
    }
    auto expires = call.request.QueryParam("expires");
    auto signature = call.request.QueryParam("signature");
    auto verified =
        VerifySignedPath(options.signing_secret, call.request.path, expires.value_or(""),
                         signature.value_or(""), NowMillis() / 1000);
    if (!verified) return ErrorResponse(verified.error());
    if (!IsSha256Hex(s[3])) return ErrorResponse(NotFound("export not found").error());
    auto bytes = blobs.Get(s[3]);
    if (!bytes) return ErrorResponse(NotFound("export not found").error());

    std::string name(s[4]);
    auto dot = name.rfind('.');
    auto target = convert::ParseTargetName(dot == std::string::npos ? "" : name.substr(dot + 1));
    HttpResponse response;
    response.status = 200;
    response.SetHeader("Content-Type", target ? std::string(convert::TargetContentType(*target))
                                              : std::string("application/octet-stream"));
    response.SetHeader("Content-Disposition", ContentDisposition(CleanFileName(name)));
    response.SetHeader("Cache-Control", "private, no-store");
    response.body = std::move(*bytes);
    return response;
}

}  // namespace quire::http
