#pragma once

// For tests: the examples docs/offline-agent.md gives for the offline agent's phrases, so that
// every documented example is a test and every tested phrase is documented.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace quire::agent::testing {

// The "For example" column of every table headed "You write | For example | It does" in the
// part of docs/offline-agent.md under the level-2 heading `section` ("Excel", "Word").
inline std::vector<std::string> DocumentedExamples(std::string_view section) {
    std::ifstream file(std::filesystem::path(QUIRE_SOURCE_DIR) / "docs" / "offline-agent.md");
    EXPECT_TRUE(file.good()) << "docs/offline-agent.md";
    std::vector<std::string> examples;
    bool in_section = false;
    bool in_table = false;
    for (std::string line; std::getline(file, line);) {
        if (line.starts_with("## ")) in_section = line.substr(3) == section;
        if (!in_section) continue;
        if (line.starts_with("| You write | For example | It does |")) {
            in_table = true;
            continue;
        }
        if (!line.starts_with("|")) in_table = false;
        if (!in_table || line.starts_with("|---")) continue;
        std::vector<std::string> cells;
        std::stringstream row(line.substr(1));
        for (std::string cell; std::getline(row, cell, '|');) cells.push_back(cell);
        EXPECT_GE(cells.size(), 3u) << line;
        if (cells.size() < 2) continue;
        std::string example = cells[1];
        example.erase(0, example.find_first_not_of(' '));
        example.erase(example.find_last_not_of(' ') + 1);
        EXPECT_TRUE(example.size() > 2 && example.front() == '`' && example.back() == '`')
            << "an example must be one `code` span: " << line;
        if (example.size() > 2) examples.push_back(example.substr(1, example.size() - 2));
    }
    return examples;
}

// Fails the test unless the examples of `section` and the `tested` prompts are the same set, with
// no example listed twice and at least `at_least` of them.
inline void ExpectDocumentedExamplesAreTested(std::string_view section,
                                              const std::set<std::string>& tested,
                                              std::size_t at_least) {
    std::vector<std::string> documented = DocumentedExamples(section);
    std::set<std::string> in_doc(documented.begin(), documented.end());
    EXPECT_EQ(in_doc.size(), documented.size()) << "an example is listed twice";
    for (const std::string& example : in_doc) {
        EXPECT_TRUE(tested.contains(example)) << "documented but not tested: " << example;
    }
    for (const std::string& example : tested) {
        EXPECT_TRUE(in_doc.contains(example)) << "tested but not documented: " << example;
    }
    EXPECT_GE(in_doc.size(), at_least);
}

}  // namespace quire::agent::testing
