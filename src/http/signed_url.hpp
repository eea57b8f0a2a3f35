#pragma once

// Signed, expiring links: a path that anyone may fetch without an API key until a moment, because
// the server signed it with a secret only it knows.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace quire::http {

// Signs `path` (as HttpRequest::path gives it: decoded, without the query) until
// `expires_unix_seconds` under `secret`, which must be non-empty. Returns the query suffix to
// append after '?': "expires=<seconds>&signature=<64 hex digits>". The signature is HMAC-SHA-256
// over the path and the expiry, so neither can be changed without the secret.
std::string SignPath(std::string_view secret, std::string_view path,
                     std::int64_t expires_unix_seconds);

// Checks a signed link: `expires` and `signature` are the query values SignPath produced for
// `path`. kForbidden "invalid signature" when the path, the expiry text or the signature differs
// in any way from what SignPath made (or the secret is empty); kForbidden "link expired" when a
// valid link's expiry is at or before `now_unix_seconds`. The signature is compared in constant
// time.
[[nodiscard]] Status VerifySignedPath(std::string_view secret, std::string_view path,
                                      std::string_view expires, std::string_view signature,
                                      std::int64_t now_unix_seconds);

}  // namespace quire::http
