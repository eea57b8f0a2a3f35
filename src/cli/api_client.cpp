#include "cli/api_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <system_error>

#include <fmt/format.h>

namespace quire::cli {
namespace {

constexpr int kMaxRedirects = 5;
constexpr long kConnectTimeoutMs = 10000;
// A transfer that moves less than one byte a second for a minute has stalled. There is no overall
// limit: uploads and downloads of large documents may take long.
constexpr long kLowSpeedBytes = 1;
constexpr long kLowSpeedSeconds = 60;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::string_view TrimLine(std::string_view text) {
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    return text;
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

struct MimeDeleter {
    void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};
using MimePtr = std::unique_ptr<curl_mime, MimeDeleter>;

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Appends a header line; an allocation failure leaves the list as it was.
void AppendHeader(SlistPtr& list, const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown != nullptr) {
        list.release();
        list.reset(grown);
    }
}

// Where a response's pieces go while curl receives them.
struct Sink {
    CURL* handle = nullptr;
    ApiResponse* response = nullptr;
    std::FILE* file = nullptr;  // set for downloads: a 2xx body goes here
    bool write_failed = false;
};

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    std::string_view line(data, size * count);
    // Each response (a "100 Continue", a redirect) starts with its status line: keep only the
    // headers of the last one.
    if (line.starts_with("HTTP/")) {
        sink->response->headers.clear();
        return size * count;
    }
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        sink->response->headers.emplace_back(std::string(TrimLine(line.substr(0, colon))),
                                             std::string(TrimLine(line.substr(colon + 1))));
    }
    return size * count;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    long status = 0;
    curl_easy_getinfo(sink->handle, CURLINFO_RESPONSE_CODE, &status);
    if (sink->file != nullptr && status >= 200 && status < 300) {
        if (std::fwrite(data, 1, size * count, sink->file) != size * count) {
            sink->write_failed = true;
            return 0;  // aborts the transfer
        }
        return size * count;
    }
    sink->response->body.append(data, size * count);
    return size * count;
}

void GlobalInitOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Renames `from` to `to`. With kKeep the kernel refuses (file_exists) when `to` exists, so a file
// that appeared during the download is not replaced either; a file system that cannot promise
// that gets a check just before the rename instead.
std::error_code MoveIntoPlace(const std::filesystem::path& from, const std::filesystem::path& to,
                              ExistingFile existing) {
    std::error_code ec;
    if (existing == ExistingFile::kReplace) {
        std::filesystem::rename(from, to, ec);
        return ec;
    }
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return {};
    const int error = errno;
    if (error != EINVAL && error != ENOSYS) return {error, std::generic_category()};
    if (std::filesystem::exists(std::filesystem::symlink_status(to, ec))) {
        return std::make_error_code(std::errc::file_exists);
    }
    std::filesystem::rename(from, to, ec);
    return ec;
}

}  // namespace

std::optional<std::string_view> ApiResponse::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreCase(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

// One easy handle, reused across calls so that connections are kept alive.
struct ApiClient::Curl {
    struct HandleDeleter {
        void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
    };
    std::unique_ptr<CURL, HandleDeleter> handle;

    // Resets the handle for one request to `url`; with `api_key` non-empty the key is sent.
    SlistPtr Prepare(const std::string& url, const std::string& api_key, Sink& sink) {
        CURL* h = handle.get();
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytes);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "quire-cli");
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
        sink.handle = h;
        SlistPtr headers;
        if (!api_key.empty()) AppendHeader(headers, "X-API-Key: " + api_key);
        return headers;
    }

    // Runs the prepared request. The error names the URL without its query, which may hold a
    // link's signature; the key is never part of a URL.
    Status Perform(const std::string& url, const Sink& sink) {
        CURLcode code = curl_easy_perform(handle.get());
        if (sink.write_failed) return Internal("Cannot write the downloaded file.");
        if (code != CURLE_OK) {
            std::string_view shown = std::string_view(url).substr(0, url.find('?'));
            return Fail(ErrorCode::kUnavailable,
                        fmt::format("Cannot reach {}: {}", shown, curl_easy_strerror(code)));
        }
        curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &sink.response->status);
        return {};
    }
};

ApiClient::ApiClient(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)),
      api_key_(std::move(api_key)),
      curl_(std::make_unique<Curl>()) {
    while (base_url_.ends_with('/')) base_url_.pop_back();
    GlobalInitOnce();
    curl_->handle.reset(curl_easy_init());
}

ApiClient::~ApiClient() = default;

Result<ApiResponse> ApiClient::Get(std::string_view path) { return Call("GET", path, {}); }

Result<ApiResponse> ApiClient::PostJson(std::string_view path, std::string_view json) {
    return Call("POST", path, json);
}

Result<ApiResponse> ApiClient::Delete(std::string_view path) { return Call("DELETE", path, {}); }

Result<ApiResponse> ApiClient::Call(const char* method, std::string_view path,
                                    std::optional<std::string_view> json) {
    if (!curl_->handle) return Internal("Cannot start an HTTP client.");
    std::string url = base_url_ + std::string(path);
    ApiResponse response;
    Sink sink{.response = &response};
    SlistPtr headers = curl_->Prepare(url, api_key_, sink);
    AppendHeader(headers, "Accept: application/json");
    CURL* h = curl_->handle.get();
    if (json) {
        AppendHeader(headers, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json->size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json->data());
    }
    if (std::string_view(method) != "GET" && std::string_view(method) != "POST") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    auto performed = curl_->Perform(url, sink);
    if (!performed) return std::unexpected(performed.error());
    return response;
}

Result<ApiResponse> ApiClient::PostMultipart(std::string_view path,
                                             const std::vector<UploadField>& fields) {
    if (!curl_->handle) return Internal("Cannot start an HTTP client.");
    CURL* h = curl_->handle.get();
    MimePtr mime(curl_mime_init(h));
    for (const auto& field : fields) {
        curl_mimepart* part = curl_mime_addpart(mime.get());
        curl_mime_name(part, field.name.c_str());
        if (field.file_path.empty()) {
            curl_mime_data(part, field.value.data(), field.value.size());
            continue;
        }
        std::error_code ec;
        if (!std::filesystem::is_regular_file(field.file_path, ec)) {
            return InvalidRequest(fmt::format("Cannot read {}.", field.file_path.string()));
        }
        curl_mime_filedata(part, field.file_path.c_str());
    }

    std::string url = base_url_ + std::string(path);
    ApiResponse response;
    Sink sink{.response = &response};
    SlistPtr headers = curl_->Prepare(url, api_key_, sink);
    AppendHeader(headers, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
    auto performed = curl_->Perform(url, sink);
    if (!performed) return std::unexpected(performed.error());
    return response;
}

Result<ApiResponse> ApiClient::Download(std::string_view path, const std::filesystem::path& out,
                                        ExistingFile existing) {
    if (!curl_->handle) return Internal("Cannot start an HTTP client.");
    std::filesystem::path partial = out;
    partial += ".part";
    FilePtr file(std::fopen(partial.c_str(), "wb"));
    if (!file) return Internal(fmt::format("Cannot write {}.", out.string()));

    // A link the server handed out is signed: the key stays with the API's own paths.
    const bool absolute = path.starts_with("http://") || path.starts_with("https://");
    std::string url = absolute ? std::string(path) : base_url_ + std::string(path);
    std::string key = absolute ? std::string() : api_key_;
    ApiResponse response;
    for (int hop = 0; hop <= kMaxRedirects; ++hop) {
        response = ApiResponse{};
        Sink sink{.response = &response, .file = file.get()};
        SlistPtr headers = curl_->Prepare(url, key, sink);
        curl_easy_setopt(curl_->handle.get(), CURLOPT_HTTPHEADER, headers.get());
        auto performed = curl_->Perform(url, sink);
        if (!performed) {
            file.reset();
            std::filesystem::remove(partial);
            return std::unexpected(performed.error());
        }
        char* next = nullptr;
        curl_easy_getinfo(curl_->handle.get(), CURLINFO_REDIRECT_URL, &next);
        if (response.status < 300 || response.status >= 400 || next == nullptr) break;
        url = next;   // curl resolves a relative Location against the request's URL
        key.clear();  // the next hop is a signed link: the key stays with the API
    }

    bool flushed = std::fflush(file.get()) == 0;
    file.reset();
    std::error_code ec;
    if (response.status < 200 || response.status >= 300) {
        std::filesystem::remove(partial, ec);
        return response;
    }
    if (flushed) ec = MoveIntoPlace(partial, out, existing);
    if (ec == std::errc::file_exists) {
        std::filesystem::remove(partial, ec);
        return Fail(ErrorCode::kConflict, fmt::format("{} exists already.", out.string()));
    }
    if (!flushed || ec) {
        std::filesystem::remove(partial, ec);
        return Internal(fmt::format("Cannot write {}.", out.string()));
    }
    return response;
}

}  // namespace quire::cli
