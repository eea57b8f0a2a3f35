#pragma once

// JSON text for people and models to read. Boost.JSON writes every double in exponent form
// ("4.2E1", "3.5E0"); this writes the shortest decimal that reads back to the same double
// ("42", "3.5", "1e+100"), and everything else as Boost.JSON does.

#include <boost/json/value.hpp>

#include <string>

namespace quire {

// `value` as compact JSON text. A NaN or infinite double, which JSON cannot hold, becomes null.
std::string JsonText(const boost::json::value& value);

}  // namespace quire
