// The Word engine on a long report, one phase per process so that each phase's peak memory is
// its own:
//
//   docx_bench write OUT [CHAPTERS]   a report: CHAPTERS chapters of five sections of ten
//                                     paragraphs, and 50 tables of 10 rows x 5 columns
//   docx_bench edit IN OUT            opens IN, inserts a paragraph after its middle block, saves
//
// Each prints one line "phase=... seconds=... peak_rss_kb=..." (seconds measured inside the
// process, from before reading the input to after writing the output). bench/docx/run drives it
// next to python-docx and prints the ratios.

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "ooxml/docx/word_document.hpp"

namespace {

using quire::docx::BlockSpec;
using quire::docx::Position;
using quire::docx::WordDocument;

constexpr int kSections = 5;
constexpr int kParagraphs = 10;
constexpr int kWords = 100;
constexpr int kTables = 50;

// The words of paragraph i; python_docx_bench.py writes the same ones.
std::string ParagraphText(int i) {
    static const char* const kVocabulary[] = {
        "revenue", "quarter",  "growth", "market", "region",   "customer", "product",
        "margin",  "forecast", "budget", "team",   "risk",     "plan",     "result",
        "cost",    "sales",    "target", "review", "strategy", "report"};
    std::string text;
    for (int k = 0; k < kWords; ++k) {
        if (k > 0) text += ' ';
        text += kVocabulary[(i * 7 + k * 3) % 20];
    }
    return text + ".";
}

BlockSpec Block(BlockSpec::Kind kind, std::string text, int level = 1) {
    BlockSpec block;
    block.kind = kind;
    block.text = std::move(text);
    block.level = level;
    return block;
}

// Writes the report into `document` one section at a time, as python_docx_bench.py adds its
// blocks one by one: neither holds the whole report's text outside the document.
quire::Status WriteReport(WordDocument& document, int chapters) {
    std::vector<BlockSpec> blocks;
    blocks.push_back(Block(BlockSpec::Kind::kHeading, "Annual report", 0));
    const int sections = chapters * kSections;
    int paragraph = 0;
    int tables = 0;
    for (int c = 0; c < chapters; ++c) {
        blocks.push_back(Block(BlockSpec::Kind::kHeading, fmt::format("Chapter {}", c + 1), 1));
        for (int s = 0; s < kSections; ++s) {
            blocks.push_back(
                Block(BlockSpec::Kind::kHeading, fmt::format("Section {}.{}", c + 1, s + 1), 2));
            for (int p = 0; p < kParagraphs; ++p) {
                blocks.push_back(Block(BlockSpec::Kind::kParagraph, ParagraphText(paragraph++)));
            }
            // Tables spread evenly over the sections.
            const int section = c * kSections + s;
            if (tables < kTables && section * kTables / sections >= tables) {
                BlockSpec table;
                table.kind = BlockSpec::Kind::kTable;
                for (int r = 0; r < 10; ++r) {
                    std::vector<std::string> row;
                    for (int col = 0; col < 5; ++col) {
                        row.push_back(r == 0 ? fmt::format("Column {}", col + 1)
                                             : std::to_string(tables * 100 + r * 5 + col));
                    }
                    table.rows.push_back(std::move(row));
                }
                blocks.push_back(std::move(table));
                ++tables;
            }
            auto inserted = document.InsertBlocks("end", Position::kAfter, blocks);
            if (!inserted) return std::unexpected(inserted.error());
            blocks.clear();
        }
    }
    return {};
}

long PeakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

int Fail(std::string_view message) {
    std::cerr << "docx_bench: " << message << "\n";
    return 1;
}

bool WriteFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    return out.good();
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto start = std::chrono::steady_clock::now();
    std::string phase;
    if (args.size() >= 2 && args[0] == "write") {
        phase = "write";
        const int chapters = args.size() > 2 ? std::atoi(args[2].c_str()) : 30;
        WordDocument document = WordDocument::Create();
        if (auto written = WriteReport(document, chapters); !written) {
            return Fail(written.error().message);
        }
        auto bytes = document.Save();
        if (!bytes || !WriteFile(args[1], *bytes)) return Fail("cannot write the report");
    } else if (args.size() == 3 && args[0] == "edit") {
        phase = "edit";
        std::ifstream in(args[1], std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto document = WordDocument::Open(std::move(bytes));
        if (!document) return Fail(document.error().message);
        const std::size_t middle = document->BlockCount() / 2;
        auto inserted = document->InsertBlocks(
            fmt::format("b{}", middle), Position::kAfter,
            std::vector{Block(BlockSpec::Kind::kParagraph, "Inserted in the middle.")});
        if (!inserted) return Fail(inserted.error().message);
        auto saved = document->Save();
        if (!saved || !WriteFile(args[2], *saved)) return Fail("cannot write the edited report");
    } else {
        std::cerr << "usage: docx_bench write OUT [CHAPTERS] | docx_bench edit IN OUT\n";
        return 2;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("phase={} seconds={:.3f} peak_rss_kb={}\n", phase, seconds, PeakRssKb());
    return 0;
}
