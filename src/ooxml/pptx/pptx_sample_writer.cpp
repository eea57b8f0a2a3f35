// Writes decks for the structural oracle test:
//   pptx_sample_writer build OUT TITLE SUBTITLE       a new deck
//   pptx_sample_writer append IN OUT TITLE BODY       IN with a slide appended

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "ooxml/pptx/presentation.hpp"

namespace {

int Usage() {
    std::cerr << "usage: pptx_sample_writer build OUT TITLE SUBTITLE\n"
                 "       pptx_sample_writer append IN OUT TITLE BODY\n";
    return 2;
}

int Write(const std::string& path, const quire::Result<std::string>& bytes) {
    if (!bytes) {
        std::cerr << "pptx_sample_writer: " << bytes.error().message << "\n";
        return 1;
    }
    std::ofstream out(path, std::ios::binary);
    out << *bytes;
    return out.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 4 && args[0] == "build") {
        return Write(args[1], quire::pptx::BuildPresentation(args[2], args[3]));
    }
    if (args.size() == 5 && args[0] == "append") {
        std::ifstream in(args[1], std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return Write(args[2], quire::pptx::AppendSlide(std::move(bytes), args[3], args[4]));
    }
    return Usage();
}
