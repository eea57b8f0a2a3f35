#pragma once

// Lenient readers of the JSON the agents keep in a run's memory: a member of the wrong type reads
// as absent, so memory written by an older Quire never stops a turn.

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace quire::agent {

// The string member `key`, or "" when it is missing or not a string.
std::string StringMember(const boost::json::object& object, std::string_view key);

// The objects of the array member `key`, skipping anything else.
std::vector<const boost::json::object*> ObjectItems(const boost::json::object& object,
                                                    std::string_view key);

// `text` parsed as a JSON object; an empty object when it is not one.
boost::json::value ParseObjectOrEmpty(std::string_view text);

}  // namespace quire::agent
