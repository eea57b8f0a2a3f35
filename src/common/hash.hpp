#pragma once

#include <string>
#include <string_view>

namespace quire {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Lower-case hex HMAC-SHA-256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// `count` bytes from the system's secure random source, as lower-case hex.
std::string RandomHex(std::size_t count);

// Compares two strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace quire
