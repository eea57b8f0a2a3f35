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

// Sends one piece of a streamed body; false once the client is gone.
using BodyWriter = std::function<bool(std::string_view)>;

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // When set, `body` is ignored: the server sends the headers, then calls this on the
    // connection's thread with a writer of the body's pieces (chunked transfer coding), and
    // closes the connection when it returns. It must return in bounded time once the writer
    // fails or the server stops (see HttpServer::Shutdown).
    std::function<void(const BodyWriter&)> stream;

    void SetHeader(std::string name, std::string value);
};

// Called on the connection's own thread; it may block (a sync generation call waits for its task).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;               // 0 picks a free port
    std::size_t max_body_bytes = 64u << 20;  // larger bodies get 413 before the handler runs
    std::size_t max_connections = 512;       // more open connections are answered 503 and closed
    int idle_timeout_ms = 60000;  // a connection with no new request for this long is closed
    int io_timeout_ms = 60000;    // a read or write that makes no progress for this long fails
};

// A listening address as `quire serve --listen` takes it: "HOST:PORT", an IPv6 host in brackets
// ("[::1]:8080"). Port 0 asks the system for a free port.
struct ListenAddress {
    std::string host;  // without the brackets
    std::uint16_t port = 0;
};

// Parses "HOST:PORT". kInvalidRequest, naming the text, when there is no colon or no host, or the
// port is not a number from 0 to 65535 written in digits alone.
[[nodiscard]] Result<ListenAddress> ParseListenAddress(std::string_view text);

// A TCP socket bound to an address and listening, which no server accepts on yet. Opening it
// before anything else lets a program learn that its address is taken before it changes anything;
// connections that arrive meanwhile wait in the backlog until HttpServer::Start takes the socket.
// Move-only; the destructor closes a socket no server took.
class Listener {
public:
    // Resolves `host` (an address or a name), binds the first address it gives and listens.
    // kUnavailable when that fails, with a one-line message naming the address and the system's
    // reason ("cannot listen on 127.0.0.1:8080: Address already in use").
    [[nodiscard]] static Result<Listener> Open(const std::string& host, std::uint16_t port);

    Listener(Listener&& other) noexcept;
    Listener& operator=(Listener&& other) noexcept;
    ~Listener();

    // The bound port: the one asked for, or the one the system chose for port 0.
    std::uint16_t port() const { return port_; }

private:
    friend class HttpServer;
    Listener(int fd, bool ipv6, std::uint16_t port) : fd_(fd), ipv6_(ipv6), port_(port) {}
    // The socket, given up to the caller; -1 afterwards.
    int Release();

    int fd_ = -1;
    bool ipv6_ = false;
    std::uint16_t port_ = 0;
};

// A thread-per-connection server with keep-alive. A request whose body is over the limit is
// answered 413 with Quire's error envelope; a malformed request is answered 400 and closed. A
// request with `Expect: 100-continue` gets "100 Continue" before its body is read. The handler
// runs on the connection's thread; an exception escaping it is answered 500. Shutdown joins every
// thread the server started, so a handler must return in bounded time for Shutdown to return.
class HttpServer {
public:
    HttpServer(HttpServerOptions options, HttpHandler handler);
    ~HttpServer();

    // Binds options.host and options.port and starts accepting on a background thread.
    // kUnavailable, as Listener::Open says, if the address is taken.
    [[nodiscard]] Status Start();
    // Starts accepting on a listener opened beforehand; options.host and options.port are unused.
    [[nodiscard]] Status Start(Listener listener);
    // The bound port (useful with port 0).
    std::uint16_t port() const;
    // Stops accepting new connections and closes the listening socket before returning; open
    // connections finish their current request (answered with `Connection: close`) and idle
    // keep-alive connections are closed.
    void StopAccepting();
    // Stops accepting, waits up to `grace_ms` for requests in flight to be answered, then shuts
    // down the remaining sockets and joins every connection thread. Safe to call more than once;
    // the destructor calls Shutdown(0).
    void Shutdown(int grace_ms);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One part of a multipart/form-data body.
struct FormPart {
    std::string name;
    std::string file_name;     // "" for a plain field; `filename*=UTF-8''...` wins over `filename`
    std::string content_type;  // as sent; "" when the part has none
    std::string data;          // the exact bytes between the part's headers and the next boundary
};

// Parses a multipart/form-data body given the request's Content-Type header. Every part needs a
// `Content-Disposition: form-data` with a non-empty `name`. kInvalidRequest on another media type,
// a missing boundary or a malformed or truncated body.
[[nodiscard]] Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type,
                                                           std::string_view body);

}  // namespace quire::http
