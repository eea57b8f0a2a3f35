#pragma once

// Quire's HTTP API under /api/v1 (DESIGN.md §4): routing, authentication, request validation,
// the error envelope, and signed download links. Handlers call the service layer and the store;
// they never touch documents.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "http/server.hpp"

namespace quire::store {
class MetadataStore;
class BlobStore;
}  // namespace quire::store

namespace quire::service {
class ExportService;
class GenerateService;
}  // namespace quire::service

namespace quire::http {

struct ApiOptions {
    std::string public_url;  // "" derives it from the request (see --public-url)
    std::string listen_url;  // "http://HOST:PORT" of the listener, the default public base
    bool trust_proxy = false;
    std::int64_t download_ttl_seconds = 3600;
    std::size_t max_upload_bytes = 50u << 20;
    std::string signing_secret;
    // What /readyz checks besides the store, by name ("model"): each says what is wrong, or
    // nothing. Called on every /readyz request; a check that is slow caches its answer.
    std::vector<std::pair<std::string, std::function<Status()>>> readiness_checks;
};

// The HTTP status of an error code: the one place codes become statuses.
int HttpStatusOf(ErrorCode code);

class Api {
public:
    // Borrows the stores and the service; they must outlive the Api.
    Api(ApiOptions options, store::MetadataStore& metadata, store::BlobStore& blobs,
        service::GenerateService& generate);
    ~Api();

    // The listener's own base URL ("http://127.0.0.1:8080"), known once the server is bound; the
    // default public base when --public-url is not given.
    void SetListenUrl(std::string url);

    // Serves exports (POST /runs/{id}/export, POST /files/{id}/convert, their signed downloads)
    // and reports the converter in /readyz. Borrows the service; call before serving. Without
    // it those routes answer 503 converter_unavailable.
    void EnableExports(service::ExportService& exports);

    // Answers one request; never throws.
    HttpResponse Handle(const HttpRequest& request);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace quire::http
