#include "common/duration.hpp"

#include <array>
#include <charconv>
#include <utility>

#include <fmt/format.h>

namespace quire {
namespace {

constexpr std::int64_t kSecondMs = 1000;
constexpr std::int64_t kMaxMs = 100LL * 366 * 24 * 3600 * kSecondMs;

constexpr std::array<std::pair<char, std::int64_t>, 4> kUnits{{
    {'d', 24 * 3600 * kSecondMs},
    {'h', 3600 * kSecondMs},
    {'m', 60 * kSecondMs},
    {'s', kSecondMs},
}};

std::unexpected<Error> Unreadable(std::string_view text) {
    return InvalidRequest(fmt::format(
        "'{}' is not a duration: give a whole number with ms, s, m, h or d (\"3s\", \"30d\")",
        text));
}

}  // namespace

Result<std::int64_t> ParseDurationMs(std::string_view text) {
    std::string_view number = text;
    std::int64_t unit_ms = kSecondMs;
    if (number.ends_with("ms")) {
        unit_ms = 1;
        number.remove_suffix(2);
    } else if (!number.empty()) {
        for (auto [suffix, ms] : kUnits) {
            if (number.back() == suffix) {
                unit_ms = ms;
                number.remove_suffix(1);
                break;
            }
        }
    }
    std::int64_t count = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() || count < 0) {
        return Unreadable(text);
    }
    if (count > kMaxMs / unit_ms) return InvalidRequest("a duration is at most a hundred years");
    return count * unit_ms;
}

std::string DurationText(std::int64_t ms) {
    if (ms == 0) return "0s";
    for (auto [suffix, unit_ms] : kUnits) {
        if (ms % unit_ms == 0) return fmt::format("{}{}", ms / unit_ms, suffix);
    }
    return fmt::format("{}ms", ms);
}

}  // namespace quire
