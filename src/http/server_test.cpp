#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace quire::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct RawResponse {
    int status = 0;  // 0 when the connection closed before a whole response arrived
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string Header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (strcasecmp(key.c_str(), std::string(name).c_str()) == 0) return value;
        }
        return {};
    }
};

// A deliberately plain HTTP/1.1 client over a blocking socket, so the tests see exactly the bytes
// the server sends.
class RawClient {
public:
    explicit RawClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;
    ~RawClient() { Close(); }

    bool connected() const { return connected_; }

    bool Send(std::string_view data) {
        while (!data.empty()) {
            ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (sent <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(sent));
        }
        return true;
    }

    // Reads one response; with `head` the body is not read (a HEAD answer has none).
    RawResponse ReadResponse(bool head = false) {
        RawResponse response;
        std::size_t header_end;
        while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill()) return response;
        }
        std::string_view header(buffer_.data(), header_end);
        std::size_t line_end = header.find("\r\n");
        std::string_view status_line = header.substr(0, line_end);
        int status = std::stoi(std::string(status_line.substr(9, 3)));
        while (line_end != std::string_view::npos) {
            header.remove_prefix(line_end + 2);
            line_end = header.find("\r\n");
            std::string_view line = header.substr(0, line_end);
            std::size_t colon = line.find(':');
            std::string value(line.substr(colon + 1));
            value.erase(0, value.find_first_not_of(' '));
            response.headers.emplace_back(std::string(line.substr(0, colon)), value);
        }
        buffer_.erase(0, header_end + 4);
        std::string length = response.Header("Content-Length");
        std::size_t body_size = head || length.empty() ? 0 : std::stoul(length);
        while (buffer_.size() < body_size) {
            if (!Fill()) return response;
        }
        response.body = buffer_.substr(0, body_size);
        buffer_.erase(0, body_size);
        response.status = status;
        return response;
    }

    // Everything the server sends after what was read so far, until it closes the connection.
    std::string ReadToClose() {
        while (Fill()) {
        }
        return std::exchange(buffer_, std::string());
    }

    // True when the server closes the connection (rather than sending more) within the timeout.
    bool ClosedByServer() {
        char byte;
        return buffer_.empty() && ::recv(fd_, &byte, 1, 0) == 0;
    }

    // Closes with a reset, as a client that crashed would.
    void Abort() {
        linger hard{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        Close();
    }

    void Close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    bool Fill() {
        char chunk[65536];
        ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
        if (got <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(got));
        return true;
    }

    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

HttpResponse Text(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.SetHeader("Content-Type", "text/plain");
    return response;
}

// Echoes the request back: the body as the body, the rest in headers.
HttpResponse Echo(const HttpRequest& request) {
    HttpResponse response = Text(200, request.body);
    response.SetHeader("X-Method", request.method);
    response.SetHeader("X-Path", request.path);
    response.SetHeader("X-Target", request.target);
    response.SetHeader("X-Remote", request.remote_address);
    response.SetHeader("X-Trace", std::string(request.Header("x-trace").value_or("")));
    return response;
}

std::unique_ptr<HttpServer> StartServer(HttpHandler handler, HttpServerOptions options = {}) {
    options.port = 0;
    auto server = std::make_unique<HttpServer>(options, std::move(handler));
    auto started = server->Start();
    EXPECT_TRUE(started) << (started ? "" : started.error().detail);
    return server;
}

std::string Get(std::string_view target, std::string_view extra_headers = "") {
    return fmt::format("GET {} HTTP/1.1\r\nHost: localhost\r\n{}\r\n", target, extra_headers);
}

std::string Post(std::string_view target, std::string_view body) {
    return fmt::format("POST {} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n{}",
                       target, body.size(), body);
}

void ExpectEnvelope(const RawResponse& response, int status, std::string_view code) {
    EXPECT_EQ(response.status, status);
    EXPECT_EQ(response.Header("Content-Type"), "application/json");
    auto json = boost::json::parse(response.body).as_object();
    EXPECT_EQ(json.at("success"), false);
    EXPECT_EQ(json.at("error").as_string(), code);
    EXPECT_FALSE(json.at("message").as_string().empty());
    EXPECT_TRUE(json.at("request_id").as_string().starts_with("req_"));
    EXPECT_EQ(response.Header("X-Request-Id"), json.at("request_id").as_string());
}

TEST(HttpRequest, HeaderLookupIgnoresCase) {
    HttpRequest request;
    request.headers = {{"Content-Type", "text/csv"}, {"X-API-Key", "k"}};
    EXPECT_EQ(request.Header("content-type"), "text/csv");
    EXPECT_EQ(request.Header("X-Api-Key"), "k");
    EXPECT_EQ(request.Header("Accept"), std::nullopt);
}

TEST(HttpRequest, QueryParamGivesTheFirstValueAndMatchesCase) {
    HttpRequest request;
    request.query = {{"x", "1"}, {"x", "2"}, {"Limit", "5"}};
    EXPECT_EQ(request.QueryParam("x"), "1");
    EXPECT_EQ(request.QueryParam("limit"), std::nullopt);
    EXPECT_EQ(request.QueryParam("missing"), std::nullopt);
}

TEST(HttpResponse, SetHeaderReplacesAnyCase) {
    HttpResponse response;
    response.SetHeader("Content-Type", "text/plain");
    response.SetHeader("content-type", "application/json");
    ASSERT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(response.headers[0].second, "application/json");
}

TEST(HttpServer, GetReachesHandlerWithMethodPathAndHeaders) {
    auto server = StartServer(Echo);
    RawClient client(server->port());
    ASSERT_TRUE(client.connected());
    client.Send(Get("/api/v1/runs?limit=5", "X-Trace: t-1\r\n"));
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("X-Method"), "GET");
    EXPECT_EQ(response.Header("X-Path"), "/api/v1/runs");
    EXPECT_EQ(response.Header("X-Target"), "/api/v1/runs?limit=5");
    EXPECT_EQ(response.Header("X-Trace"), "t-1");
    EXPECT_EQ(response.Header("X-Remote"), "127.0.0.1");
}

TEST(HttpServer, RawBracketsInAQueryAreReadAsThemselves) {
    auto server = StartServer([](const HttpRequest& request) {
        HttpResponse response;
        response.SetHeader("X-Team",
                           std::string(request.QueryParam("metadata[team]").value_or("")));
        return response;
    });
    RawClient client(server->port());
    client.Send(Get("/api/v1/runs?metadata[team]=finance"));
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("X-Team"), "finance");
}

TEST(HttpServer, PostBodyArrivesWhole) {
    auto server = StartServer(Echo);
    RawClient client(server->port());
    std::string body(300000, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
    client.Send(Post("/upload", body));
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("X-Method"), "POST");
    EXPECT_TRUE(response.body == body);
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
    std::atomic<int> calls = 0;
    auto server = StartServer([&](const HttpRequest& request) {
        ++calls;
        return Text(200, request.path);
    });
    RawClient client(server->port());
    for (int i = 0; i < 5; ++i) {
        client.Send(Get(fmt::format("/r{}", i)));
        RawResponse response = client.ReadResponse();
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.body, fmt::format("/r{}", i));
        EXPECT_EQ(response.Header("Connection"), "");  // HTTP/1.1 keeps alive by default
    }
    EXPECT_EQ(calls, 5);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
    auto server = StartServer([](const HttpRequest& request) { return Text(200, request.path); });
    RawClient client(server->port());
    client.Send(Get("/first") + Post("/second", "xy") + Get("/third"));
    EXPECT_EQ(client.ReadResponse().body, "/first");
    EXPECT_EQ(client.ReadResponse().body, "/second");
    EXPECT_EQ(client.ReadResponse().body, "/third");
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
    auto server = StartServer(Echo);
    RawClient client(server->port());
    client.Send(Get("/", "Connection: close\r\n"));
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_TRUE(client.ClosedByServer());
}

TEST(HttpServer, HeadAnswerHasLengthButNoBody) {
    auto server = StartServer([](const HttpRequest& request) { return Text(200, request.path); });
    RawClient client(server->port());
    client.Send("HEAD /abc HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/next"));
    RawResponse head = client.ReadResponse(/*head=*/true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.Header("Content-Length"), "4");
    EXPECT_EQ(client.ReadResponse().body, "/next");  // would be garbage had HEAD sent a body
}

TEST(HttpServer, BodyOverLimitGetsPayloadTooLargeEnvelope) {
    bool called = false;
    HttpServerOptions options;
    options.max_body_bytes = 1000;
    auto server = StartServer(
        [&](const HttpRequest&) {
            called = true;
            return Text(200, "");
        },
        options);
    RawClient client(server->port());
    client.Send(Post("/api/v1/files", std::string(5000, 'a')));
    RawResponse response = client.ReadResponse();
    ExpectEnvelope(response, 413, "payload_too_large");
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_FALSE(called);
}

TEST(HttpServer, ChunkedBodyOverLimitGetsPayloadTooLarge) {
    HttpServerOptions options;
    options.max_body_bytes = 1000;
    auto server = StartServer(Echo, options);
    RawClient client(server->port());
    std::string request = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) request += "1f4\r\n" + std::string(500, 'b') + "\r\n";
    request += "0\r\n\r\n";
    client.Send(request);
    ExpectEnvelope(client.ReadResponse(), 413, "payload_too_large");
}

TEST(HttpServer, BodyAtLimitIsAccepted) {
    HttpServerOptions options;
    options.max_body_bytes = 1000;
    auto server = StartServer(Echo, options);
    RawClient client(server->port());
    client.Send(Post("/x", std::string(1000, 'c')));
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body.size(), 1000u);
}

TEST(HttpServer, ExpectContinueGetsContinueBeforeTheBodyIsSent) {
    auto server = StartServer(Echo);
    RawClient client(server->port());
    client.Send(
        "POST /api/v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
        "Expect: 100-continue\r\n\r\n");
    RawResponse interim = client.ReadResponse();
    EXPECT_EQ(interim.status, 100);
    client.Send("hello world");
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hello world");
}

TEST(HttpServer, ExpectContinueOverLimitGetsPayloadTooLargeInsteadOfContinue) {
    HttpServerOptions options;
    options.max_body_bytes = 10;
    auto server = StartServer(Echo, options);
    RawClient client(server->port());
    client.Send(
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
    ExpectEnvelope(client.ReadResponse(), 413, "payload_too_large");
}

TEST(HttpServer, MalformedRequestsGetInvalidRequestEnvelope) {
    const std::vector<std::string> requests = {
        "THIS IS NOT HTTP\r\n\r\n",
        "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Big: " + std::string(40000, 'h') + "\r\n\r\n",
    };
    auto server = StartServer(Echo);
    for (const auto& request : requests) {
        SCOPED_TRACE(request.substr(0, 40));
        RawClient client(server->port());
        client.Send(request);
        ExpectEnvelope(client.ReadResponse(), 400, "invalid_request");
    }
}

TEST(HttpServer, HandlerExceptionBecomesInternalErrorAndServerLives) {
    auto server = StartServer([](const HttpRequest& request) -> HttpResponse {
        if (request.path == "/boom") throw std::runtime_error("bug");
        return Text(200, "fine");
    });
    RawClient client(server->port());
    client.Send(Get("/boom"));
    ExpectEnvelope(client.ReadResponse(), 500, "internal_error");
    client.Send(Get("/ok"));
    EXPECT_EQ(client.ReadResponse().body, "fine");
}

TEST(HttpServer, HeaderWithLineBreakIsDropped) {
    auto server = StartServer([](const HttpRequest&) {
        HttpResponse response = Text(200, "x");
        response.SetHeader("X-Evil", "a\r\nSet-Cookie: stolen=1");
        return response;
    });
    RawClient client(server->port());
    client.Send(Get("/"));
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("X-Evil"), "");
    EXPECT_EQ(response.Header("Set-Cookie"), "");
}

struct QueryCase {
    std::string target;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
};

TEST(HttpServer, PathAndQueryAreDecoded) {
    const std::vector<QueryCase> cases = {
        {"/plain", "/plain", {}},
        {"/a%20b/c%2Fd", "/a b/c/d", {}},
        {"/runs?limit=5&cursor=run_01", "/runs", {{"limit", "5"}, {"cursor", "run_01"}}},
        {"/q?text=hello%20world&plus=a+b&amp=%26",
         "/q",
         {{"text", "hello world"}, {"plus", "a b"}, {"amp", "&"}}},
        {"/q?flag&empty=&x=1&x=2", "/q", {{"flag", ""}, {"empty", ""}, {"x", "1"}, {"x", "2"}}},
        {"/caf%C3%A9?n=%C3%A9", "/caf\xC3\xA9", {{"n", "\xC3\xA9"}}},
        {"http://example.com/abs?k=v", "/abs", {{"k", "v"}}},
    };
    std::mutex mu;
    HttpRequest seen;
    auto server = StartServer([&](const HttpRequest& request) {
        std::lock_guard lock(mu);
        seen = request;
        return Text(200, "");
    });
    RawClient client(server->port());
    for (const auto& row : cases) {
        SCOPED_TRACE(row.target);
        client.Send(Get(row.target));
        ASSERT_EQ(client.ReadResponse().status, 200);
        std::lock_guard lock(mu);
        EXPECT_EQ(seen.target, row.target);
        EXPECT_EQ(seen.path, row.path);
        EXPECT_EQ(seen.query, row.query);
    }
}

TEST(HttpServer, ManyConcurrentConnectionsAreAllServed) {
    auto server = StartServer(Echo);
    constexpr int kClients = 40;
    constexpr int kRequests = 10;
    std::atomic<int> good = 0;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            RawClient client(server->port());
            for (int r = 0; r < kRequests; ++r) {
                std::string body = fmt::format("client {} request {}", c, r);
                client.Send(Post("/echo", body));
                if (client.ReadResponse().body == body) ++good;
            }
        });
    }
    for (auto& thread : clients) thread.join();
    EXPECT_EQ(good, kClients * kRequests);
}

TEST(HttpServer, ConnectionsOverTheLimitGetUnavailable) {
    HttpServerOptions options;
    options.max_connections = 2;
    auto server = StartServer(Echo, options);
    auto first = std::make_unique<RawClient>(server->port());
    RawClient second(server->port());
    for (RawClient* client : {first.get(), &second}) {
        client->Send(Get("/"));
        ASSERT_EQ(client->ReadResponse().status, 200);
    }

    RawClient third(server->port());
    third.Send(Get("/"));
    RawResponse refused = third.ReadResponse();
    ExpectEnvelope(refused, 503, "unavailable");
    EXPECT_EQ(refused.Header("Retry-After"), "1");

    first.reset();
    bool served = false;
    for (auto deadline = Clock::now() + 5s; !served && Clock::now() < deadline;) {
        RawClient again(server->port());
        again.Send(Get("/"));
        served = again.ReadResponse().status == 200;
        if (!served) std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(served);
}

TEST(HttpServer, ClientThatVanishesMidResponseDoesNotHurtTheServer) {
    auto server =
        StartServer([](const HttpRequest&) { return Text(200, std::string(32 << 20, 'z')); });
    for (int i = 0; i < 3; ++i) {
        RawClient client(server->port());
        client.Send(Get("/big"));
        std::this_thread::sleep_for(20ms);
        client.Abort();
    }
    RawClient client(server->port());
    client.Send(Get("/big"));
    EXPECT_EQ(client.ReadResponse().body.size(), 32u << 20);
}

TEST(HttpServer, StreamedBodyArrivesChunkedAndTheConnectionCloses) {
    auto server = StartServer([](const HttpRequest&) {
        HttpResponse response;
        response.SetHeader("Content-Type", "text/event-stream");
        response.body = "ignored";
        response.stream = [](const BodyWriter& write) {
            write("a");
            write("");
            write("bc");
        };
        return response;
    });
    RawClient client(server->port());
    client.Send(Get("/events"));
    RawResponse response = client.ReadResponse(/*head=*/true);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_EQ(response.Header("Content-Type"), "text/event-stream");
    EXPECT_EQ(client.ReadToClose(), "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n");
}

TEST(HttpServer, StreamToAClientThatLeftSeesItsWriterFailAndServerLives) {
    std::promise<bool> writer_failed;
    auto server = StartServer([&writer_failed](const HttpRequest& request) {
        if (request.path != "/events") return Text(200, "still here");
        HttpResponse response;
        response.stream = [&writer_failed](const BodyWriter& write) {
            std::string piece(64 << 10, 'e');
            for (int i = 0; i < 100'000; ++i) {
                if (!write(piece)) {
                    writer_failed.set_value(true);
                    return;
                }
            }
            writer_failed.set_value(false);
        };
        return response;
    });
    {
        RawClient client(server->port());
        client.Send(Get("/events"));
        client.ReadResponse(/*head=*/true);
        client.Abort();
    }
    auto failed = writer_failed.get_future();
    ASSERT_EQ(failed.wait_for(30s), std::future_status::ready);
    EXPECT_TRUE(failed.get());
    RawClient client(server->port());
    client.Send(Get("/other"));
    EXPECT_EQ(client.ReadResponse().body, "still here");
}

TEST(HttpServer, IdleConnectionIsClosedAfterIdleTimeout) {
    HttpServerOptions options;
    options.idle_timeout_ms = 100;
    auto server = StartServer(Echo, options);
    RawClient client(server->port());
    client.Send(Get("/"));
    ASSERT_EQ(client.ReadResponse().status, 200);
    auto start = Clock::now();
    EXPECT_TRUE(client.ClosedByServer());
    EXPECT_LT(Clock::now() - start, 3s);
}

TEST(HttpServer, StalledRequestIsDroppedAfterIoTimeout) {
    HttpServerOptions options;
    options.io_timeout_ms = 100;
    auto server = StartServer(Echo, options);
    RawClient client(server->port());
    client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part");
    auto start = Clock::now();
    EXPECT_TRUE(client.ClosedByServer());
    EXPECT_LT(Clock::now() - start, 3s);
}

TEST(HttpServer, StartFailsWhenThePortIsTaken) {
    auto first = StartServer(Echo);
    HttpServerOptions options;
    options.port = first->port();
    HttpServer second(options, Echo);
    auto started = second.Start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
}

TEST(Listener, TakenPortFailsNamingTheAddressAndTheReason) {
    auto first = Listener::Open("127.0.0.1", 0);
    ASSERT_TRUE(first) << first.error().message;
    auto second = Listener::Open("127.0.0.1", first->port());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(second.error().message,
              fmt::format("cannot listen on 127.0.0.1:{}: Address already in use", first->port()));
}

TEST(Listener, AddressOfAnotherMachineFailsNamingIt) {
    // 192.0.2.0/24 is reserved for documentation: no machine here holds it.
    auto listener = Listener::Open("192.0.2.1", 8080);
    ASSERT_FALSE(listener);
    EXPECT_EQ(listener.error().code, ErrorCode::kUnavailable);
    EXPECT_TRUE(listener.error().message.starts_with("cannot listen on 192.0.2.1:8080: "))
        << listener.error().message;
}

TEST(Listener, ConnectionsWaitUntilAServerTakesTheSocket) {
    auto listener = Listener::Open("127.0.0.1", 0);
    ASSERT_TRUE(listener) << listener.error().message;
    const std::uint16_t port = listener->port();
    EXPECT_NE(port, 0);
    RawClient early(port);
    ASSERT_TRUE(early.connected());
    ASSERT_TRUE(early.Send(Get("/early")));

    HttpServer server({}, Echo);
    ASSERT_TRUE(server.Start(std::move(*listener)));
    EXPECT_EQ(server.port(), port);
    RawResponse response = early.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("X-Path"), "/early");
}

TEST(Listener, ClosedWithoutAServerFreesItsPort) {
    std::uint16_t port = 0;
    {
        auto listener = Listener::Open("127.0.0.1", 0);
        ASSERT_TRUE(listener) << listener.error().message;
        port = listener->port();
        Listener moved = std::move(*listener);
        EXPECT_EQ(moved.port(), port);
    }
    auto again = Listener::Open("127.0.0.1", port);
    EXPECT_TRUE(again) << again.error().message;
}

TEST(ParseListenAddress, TakesHostAndPortAndRefusesAnythingElse) {
    struct Case {
        std::string_view text;
        std::string host;  // "" when the text must be refused
        std::uint16_t port = 0;
        std::string_view reason = "";
    };
    const Case cases[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"localhost:0", "localhost", 0},
        {"[::1]:65535", "::1", 65535},
        {"0.0.0.0:00080", "0.0.0.0", 80},
        {"127.0.0.1", "", 0, "127.0.0.1 is not HOST:PORT"},
        {":8080", "", 0, ":8080 has no host"},
        {"[]:8080", "", 0, "[]:8080 has no host"},
        {"127.0.0.1:", "", 0, "the port of 127.0.0.1: is not a number"},
        // Read with stoi, "80x" used to listen on port 80.
        {"127.0.0.1:80x", "", 0, "the port of 127.0.0.1:80x is not a number"},
        {"127.0.0.1:+80", "", 0, "is not a number"},
        {"127.0.0.1:-1", "", 0, "is not a number"},
        {"127.0.0.1: 80", "", 0, "is not a number"},
        {"127.0.0.1:65536", "", 0, "the port of 127.0.0.1:65536 is over 65535"},
        {"127.0.0.1:99999999999999999999999", "", 0, "is over 65535"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        auto parsed = ParseListenAddress(c.text);
        if (c.host.empty()) {
            ASSERT_FALSE(parsed);
            EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidRequest);
            EXPECT_NE(parsed.error().message.find(c.reason), std::string::npos)
                << parsed.error().message;
            continue;
        }
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->host, c.host);
        EXPECT_EQ(parsed->port, c.port);
    }
}

TEST(HttpServer, ShutdownWaitsForARequestInFlight) {
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future().share();
    auto server = StartServer([&](const HttpRequest&) {
        entered.set_value();
        released.wait();
        return Text(200, "finished");
    });
    RawClient client(server->port());
    client.Send(Get("/slow"));
    entered.get_future().wait();

    auto shutdown = std::async(std::launch::async, [&] { server->Shutdown(10000); });
    EXPECT_EQ(shutdown.wait_for(200ms), std::future_status::timeout);
    RawClient late(server->port());
    EXPECT_FALSE(late.connected());  // the listener is already closed

    release.set_value();
    RawResponse response = client.ReadResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "finished");
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_EQ(shutdown.wait_for(5s), std::future_status::ready);
}

TEST(HttpServer, ShutdownClosesIdleConnectionsAtOnce) {
    auto server = StartServer(Echo);
    RawClient client(server->port());
    client.Send(Get("/"));
    ASSERT_EQ(client.ReadResponse().status, 200);
    auto start = Clock::now();
    server->Shutdown(10000);
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_TRUE(client.ClosedByServer());
}

TEST(HttpServer, ShutdownClosesStalledReadsAfterTheGracePeriod) {
    auto server = StartServer(Echo);
    RawClient client(server->port());
    client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part");
    std::this_thread::sleep_for(50ms);
    auto start = Clock::now();
    server->Shutdown(200);
    auto took = Clock::now() - start;
    EXPECT_GE(took, 150ms);
    EXPECT_LT(took, 3s);
    EXPECT_TRUE(client.ClosedByServer());
}

TEST(HttpServer, ShutdownTwiceAndDestroyAreSafe) {
    auto server = StartServer(Echo);
    server->StopAccepting();
    server->Shutdown(0);
    server->Shutdown(0);
    server.reset();
    HttpServer never_started(HttpServerOptions{}, Echo);
    never_started.Shutdown(0);
}

}  // namespace
}  // namespace quire::http
