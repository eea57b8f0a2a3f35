#pragma once

// Durations as people type them on the command line: "30d", "12h", "15m", "3s", "1500ms", or a
// bare number of seconds.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace quire {

// Milliseconds of a duration: a whole number followed by ms, s, m, h or d (or nothing, meaning
// seconds). kInvalidRequest naming the accepted forms for anything else, for a negative number,
// and for a duration past a hundred years.
[[nodiscard]] Result<std::int64_t> ParseDurationMs(std::string_view text);

// The shortest of those forms that says `ms` exactly ("30d", "90s"), "0s" for zero; milliseconds
// that make no whole second are written "1500ms".
std::string DurationText(std::int64_t ms);

}  // namespace quire
