#include "http/server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "common/ids.hpp"
#include "common/log.hpp"

namespace quire::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeaderLimit = 32u << 10;
constexpr std::size_t kMaxIovecs = 16;
constexpr int kAcceptTickMs = 1000;
// How long a rejected connection may keep sending before it is closed: reading what the peer sent
// keeps the kernel from answering it with a reset that would destroy the error response.
constexpr int kLingerMs = 2000;
constexpr std::size_t kMaxLingeringRejects = 64;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

bool HasLineBreak(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

// Closes a file descriptor on destruction.
class UniqueFd {
public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Gives the descriptor up without closing it.
    int Release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

// "host:port", the host in brackets when it is an IPv6 address.
std::string AddressText(std::string_view host, std::uint16_t port) {
    if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

// A blocking stream over a connected socket in which every wait is bounded, so a silent peer
// cannot hold a connection thread forever. Beast's synchronous algorithms drive it. Sends use
// MSG_NOSIGNAL: a peer that went away is an error code here, never a SIGPIPE for the process.
class TimedStream {
public:
    TimedStream(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}

    template <class Buffers>
    std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
        std::array<iovec, kMaxIovecs> iov{};
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = FillIovecs(buffers, iov);
        ec = {};
        if (msg.msg_iovlen == 0) return 0;
        for (;;) {
            ssize_t got = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
            if (got > 0) return static_cast<std::size_t>(got);
            if (got == 0) {
                ec = asio::error::eof;
                return 0;
            }
            if (!Retryable(errno, POLLIN, ec)) return 0;
        }
    }

    template <class Buffers>
    std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
        std::array<iovec, kMaxIovecs> iov{};
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = FillIovecs(buffers, iov);
        ec = {};
        if (msg.msg_iovlen == 0) return 0;
        for (;;) {
            ssize_t sent = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent >= 0) return static_cast<std::size_t>(sent);
            if (!Retryable(errno, POLLOUT, ec)) return 0;
        }
    }

    // Beast's stream concepts also require the throwing overloads; Quire only calls the ones
    // above, which report through `ec`.
    template <class Buffers>
    std::size_t read_some(const Buffers& buffers) {
        beast::error_code ec;
        std::size_t n = read_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }
    template <class Buffers>
    std::size_t write_some(const Buffers& buffers) {
        beast::error_code ec;
        std::size_t n = write_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }

private:
    template <class Buffers>
    static std::size_t FillIovecs(const Buffers& buffers, std::array<iovec, kMaxIovecs>& iov) {
        std::size_t count = 0;
        auto end = asio::buffer_sequence_end(buffers);
        for (auto it = asio::buffer_sequence_begin(buffers); it != end && count < kMaxIovecs;
             ++it) {
            auto buffer = *it;
            if (buffer.size() == 0) continue;
            iov[count].iov_base = const_cast<void*>(static_cast<const void*>(buffer.data()));
            iov[count].iov_len = buffer.size();
            ++count;
        }
        return count;
    }

    // After a failed call: true when it should be retried (interrupted, or would block and the
    // socket became ready in time); otherwise sets `ec`.
    bool Retryable(int error, short events, beast::error_code& ec) {
        if (error == EINTR) return true;
        if (error != EAGAIN && error != EWOULDBLOCK) {
            ec = beast::error_code(error, boost::system::system_category());
            return false;
        }
        pollfd pfd{fd_, events, 0};
        int ready = ::poll(&pfd, 1, timeout_ms_);
        if (ready > 0 || (ready < 0 && errno == EINTR)) return true;
        ec = ready == 0 ? beast::error_code(asio::error::timed_out)
                        : beast::error_code(errno, boost::system::system_category());
        return false;
    }

    int fd_;
    int timeout_ms_;
};

std::string ErrorEnvelope(std::string_view code, std::string_view message,
                          std::string_view request_id) {
    boost::json::object envelope;
    envelope["success"] = false;
    envelope["error"] = code;
    envelope["message"] = message;
    envelope["request_id"] = request_id;
    return boost::json::serialize(envelope);
}

// The few answers the server gives on its own, before or instead of the handler, with the
// statuses the API gives these codes.
HttpResponse ErrorResponse(int status, ErrorCode code, std::string_view message) {
    std::string request_id = NewId("req_");
    HttpResponse response;
    response.status = status;
    response.body = ErrorEnvelope(ErrorCodeName(code), message, request_id);
    response.SetHeader("Content-Type", "application/json");
    response.SetHeader("X-Request-Id", request_id);
    return response;
}

bool IsBodylessStatus(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bhttp::response<bhttp::string_body> ToBeastResponse(HttpResponse response, unsigned version,
                                                    bool keep_alive) {
    if (response.status < 100 || response.status > 999) {
        QUIRE_LOG_ERROR("handler returned an invalid status status={}", response.status);
        response = ErrorResponse(500, ErrorCode::kInternal, "The server failed to answer.");
    }
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
    for (auto& [name, value] : response.headers) {
        // A line break in a header would let one response smuggle another.
        if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
            QUIRE_LOG_WARN("dropped a response header with a line break");
            continue;
        }
        out.insert(name, value);
    }
    if (IsBodylessStatus(response.status)) response.body.clear();
    out.body() = std::move(response.body);
    out.prepare_payload();
    out.keep_alive(keep_alive);
    return out;
}

// Fills `path` and `query` from an origin-form ("/a?b") or absolute-form ("http://h/a?b")
// request target (RFC 9112 §3.2).
Status ParseTarget(std::string_view target, HttpRequest& request) {
    // Brackets are not allowed unencoded in a query (RFC 3986 §3.4), but clients send them raw
    // in names such as metadata[team]=finance; read them as their encoded selves.
    std::string repaired;
    if (auto query = target.find('?');
        query != std::string_view::npos &&
        target.find_first_of("[]", query) != std::string_view::npos) {
        repaired = std::string(target.substr(0, query));
        for (char c : target.substr(query)) {
            repaired += c == '['   ? std::string("%5B")
                        : c == ']' ? std::string("%5D")
                                   : std::string(1, c);
        }
        target = repaired;
    }
    auto url = boost::urls::parse_origin_form(target);
    if (!url) url = boost::urls::parse_absolute_uri(target);
    if (!url) return InvalidRequest("The request target is not a valid URL.");
    request.path = url->path();
    if (request.path.empty()) request.path = "/";
    // Query strings come from HTML forms and curl --data-urlencode alike, where '+' is a space.
    for (auto param : url->params(boost::urls::encoding_opts(true))) {
        request.query.emplace_back(std::move(param.key), std::move(param.value));
    }
    return {};
}

bool IsHttpParseError(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

HttpResponse UnreadableAnswer(const beast::error_code& ec, std::size_t max_body_bytes) {
    if (ec == bhttp::error::body_limit) {
        return ErrorResponse(
            413, ErrorCode::kPayloadTooLarge,
            fmt::format("The request body is over the limit of {} bytes.", max_body_bytes));
    }
    if (ec == bhttp::error::header_limit) {
        return ErrorResponse(400, ErrorCode::kInvalidRequest, "The request headers are too large.");
    }
    return ErrorResponse(400, ErrorCode::kInvalidRequest, "The request is not valid HTTP/1.1.");
}

// Reads and discards what the peer still sends, for a bounded time, after our side is shut for
// writing; closing with unread data would reset the connection and lose the response.
void LingeringClose(int fd) {
    ::shutdown(fd, SHUT_WR);
    auto deadline = Clock::now() + std::chrono::milliseconds(kLingerMs);
    std::array<char, 16384> sink;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return;
        pollfd pfd{fd, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return;
        ssize_t got = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return;
    }
}

}  // namespace

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreCase(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

std::optional<std::string_view> HttpRequest::QueryParam(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) return std::string_view(value);
    }
    return std::nullopt;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
    for (auto& [key, existing] : headers) {
        if (EqualsIgnoreCase(key, name)) {
            existing = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

struct HttpServer::Impl {
    // One accepted connection. The node lives in `connections_` until its thread is joined.
    struct Connection {
        std::thread thread;
        // Guarded by mu_: the socket, or -1 once the connection closed it (so Shutdown never
        // touches a descriptor number the process may have reused).
        int fd = -1;
        bool done = false;  // guarded by mu_: the thread is about to return
    };

    // A connection refused for being over max_connections: answered 503, drained, then closed.
    struct Rejected {
        tcp::socket socket;
        Clock::time_point deadline;
    };

    Impl(HttpServerOptions options_in, HttpHandler handler_in)
        : options_(std::move(options_in)), handler_(std::move(handler_in)) {}

    Status Start(int listening_fd, bool ipv6);
    void AcceptLoop();
    void AcceptOne(std::vector<Rejected>& rejected);
    void Reject(tcp::socket socket, std::vector<Rejected>& rejected);
    static void DrainRejected(std::vector<Rejected>& rejected, const std::vector<pollfd>& fds);
    void ReapFinished();
    void StopAccepting();
    void Shutdown(int grace_ms);

    void Serve(Connection& connection, tcp::socket socket);
    bool WaitForRequest(int fd, const beast::flat_buffer& buffer) const;
    void Close(Connection& connection, tcp::socket& socket);
    bool ServeOne(TimedStream& stream, int fd, beast::flat_buffer& buffer,
                  const std::string& remote_address);
    bool ReadRequest(TimedStream& stream, int fd, beast::flat_buffer& buffer,
                     bhttp::request_parser<bhttp::string_body>& parser);
    bool AnswerUnreadable(TimedStream& stream, int fd, const beast::error_code& ec);
    HttpResponse CallHandler(const HttpRequest& request);
    static bool Write(TimedStream& stream, HttpResponse response, unsigned version, bool head,
                      bool keep_alive);
    static void WriteStreamed(TimedStream& stream, HttpResponse response, unsigned version);

    // Set once at construction.
    const HttpServerOptions options_;
    const HttpHandler handler_;

    // Owned by the lifecycle calls (Start, StopAccepting, Shutdown), serialised by lifecycle_mu_.
    std::mutex lifecycle_mu_;
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    UniqueFd wake_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};  // readable once stopping
    std::thread accept_thread_;
    std::uint16_t bound_port_ = 0;
    bool started_ = false;

    // Set once by StopAccepting, never cleared; connection threads check it between requests.
    std::atomic<bool> stopping_{false};

    // Guarded by mu_.
    std::mutex mu_;
    std::condition_variable changed_;  // a connection finished
    std::list<Connection> connections_;
    std::size_t open_count_ = 0;  // connections whose thread has not finished
};

// Takes the socket over whatever happens, so a refused start closes it.
Status HttpServer::Impl::Start(int listening_fd, bool ipv6) {
    UniqueFd socket(listening_fd);
    std::lock_guard lifecycle(lifecycle_mu_);
    if (started_) return Fail(ErrorCode::kInternal, "The server was already started.");
    if (wake_.get() < 0) return Internal("Cannot start the HTTP server.", "eventfd failed");

    beast::error_code ec;
    acceptor_.assign(ipv6 ? tcp::v6() : tcp::v4(), socket.get(), ec);
    if (ec) return Internal("Cannot start the HTTP server.", ec.message());
    socket.Release();
    acceptor_.non_blocking(true, ec);
    tcp::endpoint bound = acceptor_.local_endpoint(ec);
    if (ec) {
        beast::error_code ignored;
        acceptor_.close(ignored);
        return Internal("Cannot start the HTTP server.", ec.message());
    }
    bound_port_ = bound.port();
    started_ = true;
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    QUIRE_LOG_INFO("http server listening address={}",
                   AddressText(bound.address().to_string(), bound_port_));
    return {};
}

void HttpServer::Impl::AcceptLoop() {
    std::vector<Rejected> rejected;
    std::vector<pollfd> fds;
    for (;;) {
        fds = {{acceptor_.native_handle(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        for (auto& entry : rejected) fds.push_back({entry.socket.native_handle(), POLLIN, 0});
        int ready = ::poll(fds.data(), fds.size(), kAcceptTickMs);
        if (ready < 0 && errno != EINTR) {
            QUIRE_LOG_ERROR("http accept loop stopped errno={}", errno);
            break;
        }
        if (fds[1].revents != 0) break;
        ReapFinished();
        DrainRejected(rejected, fds);
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) AcceptOne(rejected);
    }
    beast::error_code ec;
    acceptor_.close(ec);
}

void HttpServer::Impl::AcceptOne(std::vector<Rejected>& rejected) {
    beast::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (ec) {
        // Out of descriptors, typically: pause so the loop does not spin on a ready listener.
        QUIRE_LOG_WARN("http accept failed error={}", ec.message());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return;
    }
    socket.set_option(tcp::no_delay(true), ec);

    std::unique_lock lock(mu_);
    if (open_count_ >= options_.max_connections) {
        lock.unlock();
        Reject(std::move(socket), rejected);
        return;
    }
    Connection& connection = connections_.emplace_back();
    connection.fd = socket.native_handle();
    ++open_count_;
    try {
        connection.thread = std::thread([this, &connection, s = std::move(socket)]() mutable {
            Serve(connection, std::move(s));
        });
    } catch (const std::system_error& e) {
        // The lambda (and the socket in it) is destroyed when the thread cannot start.
        QUIRE_LOG_ERROR("cannot start a connection thread error={}", e.what());
        connections_.pop_back();
        --open_count_;
    }
}

void HttpServer::Impl::Reject(tcp::socket socket, std::vector<Rejected>& rejected) {
    HttpResponse response =
        ErrorResponse(503, ErrorCode::kUnavailable, "The server is at its connection limit.");
    response.SetHeader("Retry-After", "1");
    // A zero timeout: the short answer fits the fresh socket's send buffer, and the accept loop
    // must never wait on a client.
    TimedStream stream(socket.native_handle(), 0);
    Write(stream, std::move(response), 11, false, false);
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (rejected.size() >= kMaxLingeringRejects) rejected.erase(rejected.begin());
    rejected.push_back({std::move(socket), Clock::now() + std::chrono::milliseconds(kLingerMs)});
}

void HttpServer::Impl::DrainRejected(std::vector<Rejected>& rejected,
                                     const std::vector<pollfd>& fds) {
    auto now = Clock::now();
    std::array<char, 4096> sink;
    std::erase_if(rejected, [&](Rejected& entry) {
        int fd = entry.socket.native_handle();
        auto polled =
            std::find_if(fds.begin(), fds.end(), [fd](const pollfd& p) { return p.fd == fd; });
        if (polled != fds.end() && polled->revents != 0) {
            ssize_t got = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return true;
        }
        return now >= entry.deadline;
    });
}

void HttpServer::Impl::ReapFinished() {
    std::list<Connection> finished;
    {
        std::lock_guard lock(mu_);
        for (auto it = connections_.begin(); it != connections_.end();) {
            auto next = std::next(it);
            if (it->done) finished.splice(finished.end(), connections_, it);
            it = next;
        }
    }
    for (auto& connection : finished) connection.thread.join();
}

void HttpServer::Impl::StopAccepting() {
    std::lock_guard lifecycle(lifecycle_mu_);
    stopping_ = true;
    std::uint64_t one = 1;
    if (wake_.get() >= 0 && ::write(wake_.get(), &one, sizeof one) < 0) {
        QUIRE_LOG_ERROR("cannot signal the http server to stop errno={}", errno);
    }
    if (accept_thread_.joinable()) accept_thread_.join();
}

void HttpServer::Impl::Shutdown(int grace_ms) {
    StopAccepting();
    std::list<Connection> all;
    {
        std::unique_lock lock(mu_);
        auto deadline = Clock::now() + std::chrono::milliseconds(std::max(grace_ms, 0));
        changed_.wait_until(lock, deadline, [this] { return open_count_ == 0; });
        for (auto& connection : connections_) {
            if (connection.fd >= 0) ::shutdown(connection.fd, SHUT_RDWR);
        }
        all.splice(all.end(), connections_);
    }
    // Node addresses survive the splice, so threads still running keep valid references.
    for (auto& connection : all) {
        if (connection.thread.joinable()) connection.thread.join();
    }
}

void HttpServer::Impl::Serve(Connection& connection, tcp::socket socket) {
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string remote_address = ec ? std::string() : remote.address().to_string();
    int fd = socket.native_handle();
    TimedStream stream(fd, options_.io_timeout_ms);
    beast::flat_buffer buffer;
    while (!stopping_ && WaitForRequest(fd, buffer)) {
        if (!ServeOne(stream, fd, buffer, remote_address)) break;
    }
    Close(connection, socket);
}

// Waits for the first byte of the next request: false when the connection stayed idle past the
// idle timeout or the server is stopping.
bool HttpServer::Impl::WaitForRequest(int fd, const beast::flat_buffer& buffer) const {
    if (buffer.size() > 0) return true;  // a pipelined request is already here
    std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
    for (;;) {
        int ready = ::poll(fds.data(), fds.size(), options_.idle_timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        return ready > 0 && fds[1].revents == 0;
    }
}

void HttpServer::Impl::Close(Connection& connection, tcp::socket& socket) {
    std::lock_guard lock(mu_);
    beast::error_code ec;
    socket.close(ec);
    connection.fd = -1;
    connection.done = true;
    --open_count_;
    changed_.notify_all();
}

// Reads, handles and answers one request. Returns whether the connection may carry another.
bool HttpServer::Impl::ServeOne(TimedStream& stream, int fd, beast::flat_buffer& buffer,
                                const std::string& remote_address) {
    bhttp::request_parser<bhttp::string_body> parser;
    if (!ReadRequest(stream, fd, buffer, parser)) return false;
    auto& message = parser.get();

    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.remote_address = remote_address;
    if (auto parsed = ParseTarget(request.target, request); !parsed) {
        Write(stream, ErrorResponse(400, parsed.error().code, parsed.error().message),
              message.version(), false, false);
        return false;
    }
    for (const auto& field : message) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());

    HttpResponse response = CallHandler(request);
    if (response.stream) {
        WriteStreamed(stream, std::move(response), message.version());
        return false;
    }
    bool keep_alive = message.keep_alive() && !stopping_;
    bool head = message.method() == bhttp::verb::head;
    return Write(stream, std::move(response), message.version(), head, keep_alive) && keep_alive;
}

// Reads the header, answers "100 Continue" when the client waits for it, then reads the body.
// On failure answers what can be answered and returns false.
bool HttpServer::Impl::ReadRequest(TimedStream& stream, int fd, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>& parser) {
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options_.max_body_bytes);
    beast::error_code ec;
    bhttp::read_header(stream, buffer, parser, ec);
    if (ec) return AnswerUnreadable(stream, fd, ec);
    if (parser.is_done()) return true;

    const auto& header = parser.get();
    if (header.version() >= 11 && beast::iequals(header[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, header.version()};
        bhttp::write(stream, proceed, ec);
        if (ec) return false;
    }
    bhttp::read(stream, buffer, parser, ec);
    if (ec) return AnswerUnreadable(stream, fd, ec);
    return true;
}

bool HttpServer::Impl::AnswerUnreadable(TimedStream& stream, int fd, const beast::error_code& ec) {
    // A peer that closed, reset or went silent gets no answer: nobody would read it.
    if (!IsHttpParseError(ec) || ec == bhttp::error::end_of_stream ||
        ec == bhttp::error::partial_message) {
        return false;
    }
    HttpResponse response = UnreadableAnswer(ec, options_.max_body_bytes);
    QUIRE_LOG_DEBUG("rejected an unreadable request status={} reason={}", response.status,
                    ec.message());
    if (Write(stream, std::move(response), 11, false, false)) LingeringClose(fd);
    return false;
}

HttpResponse HttpServer::Impl::CallHandler(const HttpRequest& request) {
    // Handlers report expected failures as responses; an exception here is a bug, and one bad
    // request must not take the process down with it.
    try {
        return handler_(request);
    } catch (const std::exception& e) {
        QUIRE_LOG_ERROR("http handler threw method={} path={} what={}", request.method,
                        request.path, e.what());
    } catch (...) {
        QUIRE_LOG_ERROR("http handler threw method={} path={}", request.method, request.path);
    }
    return ErrorResponse(500, ErrorCode::kInternal, "The server failed to answer.");
}

bool HttpServer::Impl::Write(TimedStream& stream, HttpResponse response, unsigned version,
                             bool head, bool keep_alive) {
    auto message = ToBeastResponse(std::move(response), version, keep_alive);
    beast::error_code ec;
    bhttp::response_serializer<bhttp::string_body> serializer{message};
    if (head) {
        bhttp::write_header(stream, serializer, ec);
    } else {
        bhttp::write(stream, serializer, ec);
    }
    if (ec) QUIRE_LOG_DEBUG("http write failed error={}", ec.message());
    return !ec;
}

void HttpServer::Impl::WriteStreamed(TimedStream& stream, HttpResponse response, unsigned version) {
    bhttp::response<bhttp::empty_body> header{static_cast<bhttp::status>(response.status), version};
    for (auto& [name, value] : response.headers) {
        if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) continue;
        header.insert(name, value);
    }
    header.chunked(true);
    header.keep_alive(false);
    beast::error_code ec;
    bhttp::response_serializer<bhttp::empty_body> serializer{header};
    bhttp::write_header(stream, serializer, ec);
    if (ec) return;

    bool broken = false;
    BodyWriter write = [&](std::string_view piece) {
        if (broken) return false;
        if (piece.empty()) return true;
        beast::error_code write_ec;
        asio::write(stream, bhttp::make_chunk(asio::const_buffer(piece.data(), piece.size())),
                    write_ec);
        broken = static_cast<bool>(write_ec);
        return !broken;
    };
    try {
        response.stream(write);
    } catch (const std::exception& e) {
        QUIRE_LOG_ERROR("http stream threw what={}", e.what());
    }
    if (!broken) asio::write(stream, bhttp::make_chunk_last(), ec);
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return InvalidRequest(fmt::format("{} is not HOST:PORT", text));
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) return InvalidRequest(fmt::format("{} has no host (HOST:PORT)", text));

    // Every character must be a digit: from_chars alone would read "80x" as 80.
    std::string_view digits = text.substr(colon + 1);
    unsigned long port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec == std::errc::invalid_argument ||
        end != digits.data() + digits.size()) {
        return InvalidRequest(fmt::format("the port of {} is not a number", text));
    }
    if (ec == std::errc::result_out_of_range || port > 65535) {
        return InvalidRequest(fmt::format("the port of {} is over 65535", text));
    }
    return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

Result<Listener> Listener::Open(const std::string& host, std::uint16_t port) {
    const std::string address = AddressText(host, port);
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, std::to_string(port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
        return Fail(ErrorCode::kUnavailable,
                    fmt::format("cannot resolve the listen address {}: {}", address,
                                ec ? ec.message() : "no address found"));
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();

    // Close-on-exec: the office processes the server starts must not hold its port.
    UniqueFd fd(::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
    const int one = 1;
    if (fd.get() < 0 || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd.get(), endpoint.data(), endpoint.size()) != 0 ||
        ::listen(fd.get(), SOMAXCONN) != 0) {
        return Fail(ErrorCode::kUnavailable, fmt::format("cannot listen on {}: {}", address,
                                                         std::system_category().message(errno)));
    }
    tcp::endpoint bound;
    socklen_t length = static_cast<socklen_t>(bound.capacity());
    if (::getsockname(fd.get(), bound.data(), &length) != 0) {
        return Fail(ErrorCode::kUnavailable, fmt::format("cannot listen on {}: {}", address,
                                                         std::system_category().message(errno)));
    }
    bound.resize(length);
    const bool ipv6 = endpoint.protocol() == tcp::v6();
    return Listener(fd.Release(), ipv6, bound.port());
}

Listener::Listener(Listener&& other) noexcept
    : fd_(other.Release()), ipv6_(other.ipv6_), port_(other.port_) {}

Listener& Listener::operator=(Listener&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        ipv6_ = other.ipv6_;
        port_ = other.port_;
        fd_ = other.Release();
    }
    return *this;
}

Listener::~Listener() {
    if (fd_ >= 0) ::close(fd_);
}

int Listener::Release() { return std::exchange(fd_, -1); }

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Shutdown(0); }

Status HttpServer::Start() {
    auto listener = Listener::Open(impl_->options_.host, impl_->options_.port);
    if (!listener) return Propagate(listener);
    return Start(std::move(*listener));
}

Status HttpServer::Start(Listener listener) {
    const bool ipv6 = listener.ipv6_;
    return impl_->Start(listener.Release(), ipv6);
}

std::uint16_t HttpServer::port() const { return impl_->bound_port_; }

void HttpServer::StopAccepting() { impl_->StopAccepting(); }

void HttpServer::Shutdown(int grace_ms) { impl_->Shutdown(grace_ms); }

}  // namespace quire::http
