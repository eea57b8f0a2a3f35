#pragma once

// The CLI's one seam over libcurl: HTTP calls from `quire generate`, `quire runs` and
// `quire tasks` to a Quire server. libcurl stays inside api_client.cpp.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace quire::cli {

// What the server answered. Any HTTP status is an answer; only transport failures are errors.
struct ApiResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // of the final response, as sent
    std::string body;  // for Download, only a non-2xx answer's body (the error envelope)

    // Case-insensitive header lookup; nullopt when absent.
    std::optional<std::string_view> Header(std::string_view name) const;
};

// One field of a multipart/form-data upload: the text `value`, or, when `file_path` is set, that
// file's bytes streamed from disk under its own file name.
struct UploadField {
    std::string name;
    std::string value;
    std::filesystem::path file_path;
};

// What ApiClient::Download does when its file exists by the time the whole body has arrived.
enum class ExistingFile {
    kReplace,  // replace it: the user named the file, or asked for it to be replaced
    kKeep,     // keep it, drop what arrived and fail with kConflict naming it
};

// A client of one Quire server at `base_url` (e.g. "http://127.0.0.1:8080", no trailing slash
// needed). Every call takes a path under base_url ("/api/v1/runs") and sends the API key in
// `X-API-Key`. Redirects are never followed with the key: Download follows them without it, the
// other calls return the 3xx as is. The key is never printed, logged or put in an error message.
// Not thread-safe: one client per thread.
class ApiClient {
public:
    ApiClient(std::string base_url, std::string api_key);
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    // kUnavailable when the server cannot be reached or the connection fails.
    [[nodiscard]] Result<ApiResponse> Get(std::string_view path);
    [[nodiscard]] Result<ApiResponse> PostJson(std::string_view path, std::string_view json);
    [[nodiscard]] Result<ApiResponse> Delete(std::string_view path);
    // Also kInvalidRequest when a file field's file cannot be read.
    [[nodiscard]] Result<ApiResponse> PostMultipart(std::string_view path,
                                                    const std::vector<UploadField>& fields);

    // GETs `path` with the key, then follows up to five redirects without it (a signed link
    // needs none); an absolute `path` ("http://…", a signed link the server gave) is fetched
    // without the key from the start. Streams a 2xx body into `out` through a temporary file beside
    // it that is renamed into place only when the whole body arrived; with ExistingFile::kKeep
    // only if nothing is at `out` then (kConflict otherwise). On a non-2xx answer `out` is left
    // untouched and the answer's body is returned. kInternal when `out` cannot be written.
    [[nodiscard]] Result<ApiResponse> Download(std::string_view path,
                                               const std::filesystem::path& out,
                                               ExistingFile existing = ExistingFile::kReplace);

    const std::string& base_url() const { return base_url_; }

private:
    struct Curl;

    // One request with a JSON answer: `json`, when given, is sent as the body.
    [[nodiscard]] Result<ApiResponse> Call(const char* method, std::string_view path,
                                           std::optional<std::string_view> json);

    std::string base_url_;
    std::string api_key_;
    std::unique_ptr<Curl> curl_;
};

}  // namespace quire::cli
