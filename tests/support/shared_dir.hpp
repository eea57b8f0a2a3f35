#pragma once

// Where the tests find the shared corpus and data sets: $QUIRE_SHARED_DIR when set, otherwise
// the folder CMake found when it configured the build (see the root CMakeLists.txt).

#include <cstdlib>
#include <filesystem>

namespace quire::test_support {

inline std::filesystem::path SharedDir() {
    if (const char* env = std::getenv("QUIRE_SHARED_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return QUIRE_SHARED_DIR;
}

}  // namespace quire::test_support
