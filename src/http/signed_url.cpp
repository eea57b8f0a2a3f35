#include "http/signed_url.hpp"

#include <charconv>

#include <fmt/format.h>

#include "common/hash.hpp"

namespace quire::http {
namespace {

// The newline cannot occur in a decimal expiry, so no other (path, expiry) pair signs the same
// bytes.
std::string SignedText(std::string_view path, std::string_view expires) {
    return fmt::format("{}\n{}", expires, path);
}

std::unexpected<Error> InvalidSignature() {
    return Fail(ErrorCode::kForbidden, "invalid signature");
}

}  // namespace

std::string SignPath(std::string_view secret, std::string_view path,
                     std::int64_t expires_unix_seconds) {
    std::string expires = std::to_string(expires_unix_seconds);
    std::string signature = HmacSha256Hex(secret, SignedText(path, expires));
    return fmt::format("expires={}&signature={}", expires, signature);
}

Status VerifySignedPath(std::string_view secret, std::string_view path, std::string_view expires,
                        std::string_view signature, std::int64_t now_unix_seconds) {
    if (secret.empty()) return InvalidSignature();
    std::string expected = HmacSha256Hex(secret, SignedText(path, expires));
    if (!ConstantTimeEquals(expected, signature)) return InvalidSignature();

    // The expiry text was signed, so it is SignPath's own decimal number; parsing still checks.
    std::int64_t expires_at = 0;
    auto [end, error] =
        std::from_chars(expires.data(), expires.data() + expires.size(), expires_at);
    if (error != std::errc() || end != expires.data() + expires.size()) return InvalidSignature();
    if (expires_at <= now_unix_seconds) return Fail(ErrorCode::kForbidden, "link expired");
    return {};
}

}  // namespace quire::http
