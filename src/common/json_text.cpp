#include "common/json_text.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cmath>

namespace quire {
namespace {

void Append(std::string& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::double_: {
            double number = value.get_double();
            out += std::isfinite(number) ? fmt::format("{}", number) : std::string("null");
            return;
        }
        case boost::json::kind::array: {
            out += '[';
            const char* separator = "";
            for (const boost::json::value& item : value.get_array()) {
                out += separator;
                Append(out, item);
                separator = ",";
            }
            out += ']';
            return;
        }
        case boost::json::kind::object: {
            out += '{';
            const char* separator = "";
            for (const auto& [key, item] : value.get_object()) {
                out += separator;
                out += boost::json::serialize(boost::json::string_view(key));
                out += ':';
                Append(out, item);
                separator = ",";
            }
            out += '}';
            return;
        }
        default:
            out += boost::json::serialize(value);
            return;
    }
}

}  // namespace

std::string JsonText(const boost::json::value& value) {
    std::string out;
    Append(out, value);
    return out;
}

}  // namespace quire
