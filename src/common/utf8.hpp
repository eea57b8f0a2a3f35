#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace quire {

// The length of the well-formed UTF-8 sequence that starts at byte `i` of `s`, or 0 when the
// bytes there are ill-formed: overlong forms, surrogates and code points above U+10FFFF are
// (Unicode 15, table 3-7).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i);

// True when all of `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// The number of code points in well-formed UTF-8 text (each lead byte counts once).
std::size_t Utf8CodePointCount(std::string_view s);

// Appends the UTF-8 form of a code point; one that no UTF-8 can hold (a surrogate, above
// U+10FFFF) becomes U+FFFD.
void AppendUtf8(std::string& out, char32_t code_point);

}  // namespace quire
