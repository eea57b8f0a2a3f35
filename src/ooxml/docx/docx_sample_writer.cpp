// Writes documents for the python-docx oracle test:
//   docx_sample_writer build OUT TITLE [PARAGRAPH...]   a new document
//   docx_sample_writer append IN OUT TEXT               IN with TEXT appended as a paragraph

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "ooxml/docx/document.hpp"
#include "ooxml/docx/word_document.hpp"

namespace {

int Usage() {
    std::cerr << "usage: docx_sample_writer build OUT TITLE [PARAGRAPH...]\n"
                 "       docx_sample_writer append IN OUT TEXT\n";
    return 2;
}

// `bytes` with `text` as a new paragraph at the end of the body, through the Word engine.
quire::Result<std::string> Append(std::string bytes, std::string text) {
    auto document = quire::docx::WordDocument::Open(std::move(bytes));
    if (!document) return std::unexpected(document.error());
    quire::docx::BlockSpec paragraph;
    paragraph.text = std::move(text);
    auto inserted =
        document->InsertBlocks("end", quire::docx::Position::kAfter, std::span(&paragraph, 1));
    if (!inserted) return std::unexpected(inserted.error());
    return document->Save();
}

int Write(const std::string& path, const quire::Result<std::string>& bytes) {
    if (!bytes) {
        std::cerr << "docx_sample_writer: " << bytes.error().message << "\n";
        return 1;
    }
    std::ofstream out(path, std::ios::binary);
    out << *bytes;
    return out.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() >= 3 && args[0] == "build") {
        const std::vector<std::string> paragraphs(args.begin() + 3, args.end());
        return Write(args[1], quire::docx::BuildDocument(args[2], paragraphs));
    }
    if (args.size() == 4 && args[0] == "append") {
        std::ifstream in(args[1], std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return Write(args[2], Append(std::move(bytes), args[3]));
    }
    return Usage();
}
