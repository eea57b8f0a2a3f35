#include "common/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace quire {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Guarded by mu: the last time and randomness handed out, so that ids within one millisecond
// increase (the monotonic variant of the ULID specification).
std::mutex mu;
std::int64_t last_millis = -1;
std::array<std::uint8_t, 10> last_random{};

void IncrementRandom(std::array<std::uint8_t, 10>& random) {
    for (int i = 9; i >= 0; --i) {
        if (++random[i] != 0) return;
    }
}

}  // namespace

std::int64_t NowMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string MillisToRfc3339(std::int64_t millis) {
    std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis % 1000);
}

std::string NowRfc3339() { return MillisToRfc3339(NowMillis()); }

std::string NewId(std::string_view prefix) {
    std::int64_t millis = NowMillis();
    std::array<std::uint8_t, 10> random{};
    {
        std::lock_guard lock(mu);
        if (millis <= last_millis) {
            millis = last_millis;
            IncrementRandom(last_random);
        } else {
            RAND_bytes(last_random.data(), static_cast<int>(last_random.size()));
            last_millis = millis;
        }
        random = last_random;
    }

    // 128 bits: 48 of time, 80 of randomness, written as 26 base-32 digits (the first holds 3
    // bits).
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(millis >> (8 * (5 - i)));
    for (int i = 0; i < 10; ++i) bytes[6 + i] = random[i];

    std::string out(prefix);
    out.reserve(prefix.size() + 26);
    for (int digit = 0; digit < 26; ++digit) {
        int bit = 128 - 5 * (25 - digit) - 5;  // index of the digit's top bit, may be negative
        unsigned value = 0;
        for (int b = 0; b < 5; ++b) {
            int pos = bit + b;
            value <<= 1;
            if (pos >= 0) value |= (bytes[pos / 8] >> (7 - pos % 8)) & 1u;
        }
        out.push_back(kCrockford[value]);
    }
    return out;
}

bool IsId(std::string_view id, std::string_view prefix) {
    if (!id.starts_with(prefix) || id.size() != prefix.size() + 26) return false;
    for (char c : id.substr(prefix.size())) {
        if (kCrockford.find(c) == std::string_view::npos) return false;
    }
    return id[prefix.size()] <= '7';
}

}  // namespace quire
