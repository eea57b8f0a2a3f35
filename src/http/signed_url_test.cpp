#include "http/signed_url.hpp"

#include <gtest/gtest.h>

#include "common/hash.hpp"

namespace quire::http {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kPath = "/files/run_01JABCDEFGHJKMNPQRSTVWXYZ0/download";
constexpr std::int64_t kExpires = 1900000000;
constexpr std::int64_t kNow = 1800000000;

struct SignedQuery {
    std::string expires;
    std::string signature;
};

// Splits SignPath's "expires=…&signature=…" into its two values.
SignedQuery Split(const std::string& query) {
    std::size_t amp = query.find('&');
    EXPECT_TRUE(query.starts_with("expires="));
    EXPECT_EQ(query.substr(amp, 11), "&signature=");
    return {query.substr(8, amp - 8), query.substr(amp + 11)};
}

TEST(SignedUrl, SignedPathVerifiesBeforeExpiry) {
    SignedQuery query = Split(SignPath(kSecret, kPath, kExpires));
    EXPECT_EQ(query.expires, "1900000000");
    EXPECT_EQ(query.signature.size(), 64u);
    EXPECT_TRUE(VerifySignedPath(kSecret, kPath, query.expires, query.signature, kNow));
    EXPECT_TRUE(VerifySignedPath(kSecret, kPath, query.expires, query.signature, kExpires - 1));
}

TEST(SignedUrl, SignatureIsHmacOverExpiryAndPath) {
    SignedQuery query = Split(SignPath(kSecret, kPath, kExpires));
    EXPECT_EQ(query.signature,
              HmacSha256Hex(kSecret, std::string("1900000000\n") + std::string(kPath)));
}

struct TamperCase {
    std::string label;
    std::string secret;
    std::string path;
    std::string expires;
    std::string signature;
};

TEST(SignedUrl, AnyChangeIsAnInvalidSignature) {
    SignedQuery good = Split(SignPath(kSecret, kPath, kExpires));
    std::string flipped = good.signature;
    flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
    std::string upper = good.signature;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string path(kPath);
    const std::string secret(kSecret);

    const std::vector<TamperCase> cases = {
        {"other path", secret, "/files/run_01JABCDEFGHJKMNPQRSTVWXYZ1/download", good.expires,
         good.signature},
        {"path with a suffix", secret, path + "/", good.expires, good.signature},
        {"later expiry", secret, path, "1900000001", good.signature},
        {"expiry with a leading zero", secret, path, "0" + good.expires, good.signature},
        {"expiry with a plus sign", secret, path, "+" + good.expires, good.signature},
        {"empty expiry", secret, path, "", good.signature},
        {"one signature digit changed", secret, path, good.expires, flipped},
        {"upper-case signature", secret, path, good.expires, upper},
        {"truncated signature", secret, path, good.expires, good.signature.substr(0, 63)},
        {"empty signature", secret, path, good.expires, ""},
        {"other secret", secret + "x", path, good.expires, good.signature},
        {"empty secret", "", path, good.expires, good.signature},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.label);
        auto verified = VerifySignedPath(row.secret, row.path, row.expires, row.signature, kNow);
        ASSERT_FALSE(verified);
        EXPECT_EQ(verified.error().code, ErrorCode::kForbidden);
        EXPECT_EQ(verified.error().message, "invalid signature");
    }
}

TEST(SignedUrl, LinkAtOrPastItsExpiryHasExpired) {
    SignedQuery query = Split(SignPath(kSecret, kPath, kExpires));
    for (std::int64_t now : {kExpires, kExpires + 1, kExpires + 86400}) {
        SCOPED_TRACE(now);
        auto verified = VerifySignedPath(kSecret, kPath, query.expires, query.signature, now);
        ASSERT_FALSE(verified);
        EXPECT_EQ(verified.error().code, ErrorCode::kForbidden);
        EXPECT_EQ(verified.error().message, "link expired");
    }
}

TEST(SignedUrl, TamperedExpiredLinkIsInvalidNotExpired) {
    SignedQuery query = Split(SignPath(kSecret, kPath, kNow - 10));
    auto verified = VerifySignedPath(kSecret, kPath, query.expires, query.signature + "0", kNow);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().message, "invalid signature");
}

}  // namespace
}  // namespace quire::http
