#pragma once

// For tests: a run of offline turns, each given the document and the memory the turn before
// left, as the worker gives them.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent.hpp"
#include "shared_dir.hpp"

namespace quire::agent::testing {

// A CSV of the shared data folder, by file name.
inline std::string ReadSharedData(const std::string& name) {
    std::ifstream in(test_support::SharedDir() / "data" / name, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    EXPECT_FALSE(buffer.str().empty()) << name;
    return buffer.str();
}

class OfflineRun {
public:
    explicit OfflineRun(DocumentFormat format) : format_(format) {}
    OfflineRun(DocumentFormat format, std::string document, std::string memory)
        : format_(format), document_(std::move(document)), memory_(std::move(memory)) {}

    // Runs one turn with the named CSV files of the shared data as data sources. A failed turn
    // fails the test and leaves the run as it was.
    const TurnOutput& Say(const std::string& prompt, const std::vector<std::string>& csv = {}) {
        TurnInput input;
        input.format = format_;
        input.prompt = prompt;
        input.document = document_;
        input.memory_json = memory_;
        input.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
        for (const std::string& name : csv) {
            input.data_sources.push_back({name, "csv", ReadSharedData(name)});
        }
        Result<TurnOutput> output = MakeOfflineAgent()->RunTurn(input);
        EXPECT_TRUE(output) << prompt << ": " << output.error().message;
        if (!output) return last_;
        last_ = std::move(*output);
        document_ = last_.document;
        memory_ = last_.memory_json;
        return last_;
    }

    void ForgetMemory() { memory_ = "{}"; }
    void SetMemory(std::string memory) { memory_ = std::move(memory); }
    const std::string& document() const { return *document_; }
    const std::string& memory() const { return memory_; }
    const std::string& summary() const { return last_.summary; }

private:
    DocumentFormat format_;
    std::optional<std::string> document_;
    std::string memory_ = "{}";
    TurnOutput last_;
};

}  // namespace quire::agent::testing
