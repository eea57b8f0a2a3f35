#pragma once

// Where the tests find the shared corpus and data sets: $QUIRE_SHARED_DIR when set, otherwise
// the folder CMake found when it configured the build (see the root CMakeLists.txt).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace quire::test_support {

inline std::filesystem::path SharedDir() {
    if (const char* env = std::getenv("QUIRE_SHARED_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return QUIRE_SHARED_DIR;
}

// One file of the shared corpus as MANIFEST.tsv lists it.
struct CorpusEntry {
    std::string path;      // under the corpus folder: "docx/pandoc-notes.docx"
    std::string features;  // the manifest's features column; "hostile: …" marks files to refuse
    bool hostile() const { return features.starts_with("hostile:"); }
};

// The rows of the corpus's MANIFEST.tsv in its order, its header left out; empty when the
// manifest is missing.
inline std::vector<CorpusEntry> CorpusManifest() {
    std::vector<CorpusEntry> entries;
    std::ifstream manifest(SharedDir() / "corpus" / "MANIFEST.tsv");
    std::string line;
    std::getline(manifest, line);
    while (std::getline(manifest, line)) {
        std::vector<std::string> fields;
        std::stringstream row(line);
        for (std::string field; std::getline(row, field, '\t');) fields.push_back(field);
        if (fields.size() >= 6) entries.push_back({fields[0], fields[5]});
    }
    return entries;
}

}  // namespace quire::test_support
