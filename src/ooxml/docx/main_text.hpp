#pragma once

// Internal to the Word engine: the main part held as stored text instead of a tree. The part
// stays in the package (compressed) as it was last written; blocks inserted since are kept as
// splices into it, and an index of the body's children says where each one lies in the text as
// it is with the splices applied (the current text).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/docx/body_scanner.hpp"
#include "ooxml/package/package.hpp"

namespace quire::docx {

class MainText {
public:
    // Scans the stored part in one streaming pass; nullptr when the part is not one the scanner
    // reads (BodyScanner says which) or cannot be read, and the caller parses a tree instead.
    static std::unique_ptr<MainText> Scan(const ooxml::Package& package, std::string_view part,
                                          int max_depth);

    const BodyScan& scan() const { return scan_; }
    // The number of body blocks.
    std::size_t BlockCount() const;
    // The index in scan().children of the N-th block (counting from 1), nullopt when none.
    std::optional<std::size_t> BlockIndex(std::size_t n) const;
    // The first of the range-start marks directly before child `index`; `index` when none.
    std::size_t LeadingMarks(std::size_t index) const;

    // Inserts `xml`, whose top-level elements `children` describes (offsets within `xml`), at
    // `offset` of the current text, which must be where child `index` starts (or the end of
    // the body's content when `index` is past the last child). Returns the new children's
    // indices.
    std::vector<std::size_t> Insert(std::uint64_t offset, std::size_t index, std::string_view xml,
                                    const std::vector<BodyChild>& children);

    // How many bytes the splices hold.
    std::uint64_t pending() const { return pending_; }
    // Hands the current text to `consume` in pieces, inflating the stored part as it goes.
    Status Stream(const ooxml::Package& package, std::string_view part,
                  const ooxml::PartConsumer& consume) const;
    // The current text is now the stored part: the splices are dropped.
    void Stored(std::uint64_t size);
    std::uint64_t size() const { return stored_size_ + pending_; }

private:
    struct Splice {
        std::uint64_t base = 0;  // the offset in the stored part it goes before
        std::string text;
    };

    BodyScan scan_;
    std::uint64_t stored_size_ = 0;
    std::vector<Splice> splices_;  // by base offset, never two at one offset
    std::uint64_t pending_ = 0;
};

}  // namespace quire::docx
