#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace quire {

// A new ULID (26 Crockford base-32 characters, 48-bit millisecond time then 80 random bits),
// prefixed as "run_", "task_", "file_"... Ids made later by this process sort after earlier ones,
// even within one millisecond, so newest-first listings can page by id.
std::string NewId(std::string_view prefix);

// True when `id` is `prefix` followed by a well-formed ULID.
bool IsId(std::string_view id, std::string_view prefix);

// Now as RFC 3339 UTC with milliseconds ("2026-12-03T19:08:50.123Z").
std::string NowRfc3339();

// Milliseconds since the Unix epoch, and the conversions used by the stores and the API.
std::int64_t NowMillis();
std::string MillisToRfc3339(std::int64_t millis);

}  // namespace quire
