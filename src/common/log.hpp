#pragma once

// Quire's one logging facade. Lines carry context as key=value fields, never keys, secrets or
// document contents:  QUIRE_LOG_INFO("task committed task_id={} run_id={}", task_id, run_id);

#include <spdlog/spdlog.h>

#define QUIRE_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define QUIRE_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define QUIRE_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define QUIRE_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)

namespace quire {

// Sets up the process-wide logger: lines go to standard error at `level` ("debug", "info",
// "warn", "error"). Standard output stays free for what a command prints. Calling it again
// replaces the logger.
void InitLogging(const std::string& level);

}  // namespace quire
