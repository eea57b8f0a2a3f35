#pragma once

// Quire's HTTP/1.1 server seam. Boost.Beast stays inside server.cpp; the rest of Quire sees these
// plain types.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace quire::http {

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // as sent: path and query
    std::string path;    // percent-decoded path without the query
    std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
    std::vector<std::pair<std::string, std::string>> headers;  // names as sent
    std::string body;
    std::string remote_address;

    // Case-insensitive header lookup; nullopt when absent.
    std::optional<std::string_view> Header(std::string_view name) const;
    std::optional<std::string_view> QueryParam(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    void SetHeader(std::string name, std::string value);
};

// Called on the connection's own thread; it may block (a sync generation call waits for its task).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 picks a free port
    std::size_t max_body_bytes = 64u << 20;  // larger bodies get 413 before the handler runs
    std::size_t max_connections = 512;
};

// A thread-per-connection server with keep-alive. A request whose body is over the limit is
// answered 413 with Quire's error envelope; a malformed request is answered 400 and closed.
class HttpServer {
public:
    HttpServer(HttpServerOptions options, HttpHandler handler);
    ~HttpServer();

    // Binds and starts accepting on a background thread. kUnavailable if the address is taken.
    [[nodiscard]] Status Start();
    // The bound port (useful with port 0).
    std::uint16_t port() const;
    // Stops accepting new connections; open connections finish their current request.
    void StopAccepting();
    // Waits up to `grace_ms` for open connections to finish, then closes the rest.
    void Shutdown(int grace_ms);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One part of a multipart/form-data body.
struct FormPart {
    std::string name;
    std::string file_name;  // "" for a plain field
    std::string content_type;
    std::string data;
};

// Parses a multipart/form-data body given the request's Content-Type header. kInvalidRequest on
// a missing boundary or a malformed body.
[[nodiscard]] Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type,
                                                           std::string_view body);

}  // namespace quire::http
