#pragma once

// What the first bytes of an uploaded document say it is: an OOXML package (a zip) or an OLE
// compound file (MS-CFB), the container of the legacy binary formats and of encrypted OOXML.

#include <string_view>

namespace quire::convert {

// True when `bytes` start with a zip local file header ("PK\x03\x04"), as every OOXML package
// does.
bool IsZip(std::string_view bytes);

// True when `bytes` start with the compound file signature D0 CF 11 E0 A1 B1 1A E1.
bool IsCompoundFile(std::string_view bytes);

// True when `bytes` are a compound file whose root storage holds the streams "EncryptionInfo"
// and "EncryptedPackage": an OOXML package encrypted with a password (MS-OFFCRYPTO 2.3.4),
// whatever its file name says. False for any other bytes, including a compound file whose
// directory cannot be read (the office then decides what it is).
bool IsEncryptedPackage(std::string_view bytes);

}  // namespace quire::convert
