#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace quire {

void InitLogging(const std::string& level) {
    spdlog::drop("quire");
    auto logger = spdlog::stderr_color_mt("quire");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

}  // namespace quire
