#include "agent/outline_diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>

#include "common/utf8.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/pptx/presentation.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

// Cells compared per sheet at most: past it the diff says it did not look at the rest.
constexpr std::int64_t kMaxComparedCells = 250'000;
// Sequences longer than this product are aligned by position, not by their longest common
// subsequence, to bound the work (the table is this many cells).
constexpr std::size_t kMaxAlignmentCells = 2'000'000;
constexpr std::size_t kMaxValueChars = 60;
constexpr std::size_t kMaxQuoteChars = 160;

// --- aligning two sequences ---

// One difference between two sequences, by index into them.
struct Edit {
    enum class Kind { kChanged, kAdded, kRemoved };
    Kind kind;
    std::size_t before = 0;  // kChanged, kRemoved
    std::size_t after = 0;   // kChanged, kAdded
};

// Pairs up the elements removed and added between two matched ones: the first few as changed,
// the rest as removed or added.
void FlushGap(std::vector<std::size_t>& removed, std::vector<std::size_t>& added,
              std::vector<Edit>& edits) {
    std::size_t paired = std::min(removed.size(), added.size());
    for (std::size_t i = 0; i < paired; ++i) {
        edits.push_back({Edit::Kind::kChanged, removed[i], added[i]});
    }
    for (std::size_t i = paired; i < removed.size(); ++i) {
        edits.push_back({Edit::Kind::kRemoved, removed[i], 0});
    }
    for (std::size_t i = paired; i < added.size(); ++i) {
        edits.push_back({Edit::Kind::kAdded, 0, added[i]});
    }
    removed.clear();
    added.clear();
}

// The edits that turn `a` into `b`, in order: a longest common subsequence stays, the gaps
// between its elements are changes.
std::vector<Edit> Align(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
        ++suffix;
    }
    const std::size_t n = a.size() - prefix - suffix;
    const std::size_t m = b.size() - prefix - suffix;

    std::vector<std::size_t> removed;
    std::vector<std::size_t> added;
    std::vector<Edit> edits;
    if ((n + 1) * (m + 1) > kMaxAlignmentCells) {
        for (std::size_t i = 0; i < n; ++i) removed.push_back(prefix + i);
        for (std::size_t j = 0; j < m; ++j) added.push_back(prefix + j);
        FlushGap(removed, added, edits);
        return edits;
    }

    // lcs[i][j]: the longest common subsequence of the middles from i and j on.
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1
                                                      : std::max(at(i + 1, j), at(i, j + 1));
        }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
            FlushGap(removed, added, edits);
            ++i;
            ++j;
        } else if (j < m && (i == n || at(i, j + 1) >= at(i + 1, j))) {
            added.push_back(prefix + j++);
        } else {
            removed.push_back(prefix + i++);
        }
    }
    FlushGap(removed, added, edits);
    return edits;
}

// --- workbooks ---

std::string NumberText(double number) { return fmt::format("{}", number); }

std::string CellText(const xlsx::CellContent& cell, bool date1904) {
    if (!cell.formula.empty()) return "=" + cell.formula;
    const xlsx::CellValue& value = cell.value;
    switch (value.kind) {
        case xlsx::CellValue::Kind::kEmpty:
            return {};
        case xlsx::CellValue::Kind::kNumber:
            return NumberText(value.number);
        case xlsx::CellValue::Kind::kDate:
            return xlsx::DateText(value.number, date1904);
        case xlsx::CellValue::Kind::kBoolean:
            return value.number != 0 ? "TRUE" : "FALSE";
        case xlsx::CellValue::Kind::kText:
            return value.text;
        case xlsx::CellValue::Kind::kFormula:
            return "=" + value.text;
    }
    return {};
}

// A sheet's cells as read back, addressable by position.
struct SheetCells {
    xlsx::RangeContent content;
    xlsx::CellRef origin;  // the top-left cell of content.range
    bool date1904 = false;

    std::string At(int row, int col) const {
        int r = row - origin.row;
        int c = col - origin.col;
        if (r < 0 || c < 0 || static_cast<std::size_t>(r) >= content.rows.size()) return {};
        const auto& cells = content.rows[static_cast<std::size_t>(r)];
        if (static_cast<std::size_t>(c) >= cells.size()) return {};
        return CellText(cells[static_cast<std::size_t>(c)], date1904);
    }
};

Result<SheetCells> ReadCells(const xlsx::Workbook& workbook, const std::string& sheet,
                             const xlsx::CellRange& range) {
    SheetCells cells;
    cells.date1904 = workbook.Uses1904Dates();
    Result<xlsx::RangeContent> content = workbook.ReadRange(
        sheet, xlsx::RangeName(range), static_cast<std::size_t>(kMaxComparedCells));
    if (!content) return Propagate(content);
    cells.content = std::move(*content);
    auto read = xlsx::ParseRange(cells.content.range);
    cells.origin = read ? read->first : range.first;
    return cells;
}

std::optional<xlsx::CellRange> Covering(const std::string& a, const std::string& b) {
    auto first = xlsx::ParseRange(a);
    auto second = xlsx::ParseRange(b);
    if (!first) return second;
    if (!second) return first;
    return xlsx::Union(xlsx::Union(*first, second->first), second->last);
}

class WorkbookDiff {
public:
    WorkbookDiff(const std::string& before, const std::string& after)
        : before_bytes_(before), after_bytes_(after) {}

    Result<OutlineDiff> Run() {
        auto before = xlsx::Workbook::Open(before_bytes_);
        if (!before) return Propagate(before);
        auto after = xlsx::Workbook::Open(after_bytes_);
        if (!after) return Propagate(after);
        auto old_sheets = before->Sheets();
        if (!old_sheets) return Propagate(old_sheets);
        auto new_sheets = after->Sheets();
        if (!new_sheets) return Propagate(new_sheets);
        auto old_package = ooxml::Package::Open(before_bytes_);
        if (!old_package) return Propagate(old_package);
        auto new_package = ooxml::Package::Open(after_bytes_);
        if (!new_package) return Propagate(new_package);

        // A sheet keeps its part when it is renamed or edited.
        for (const xlsx::SheetInfo& now : *new_sheets) {
            auto was = std::find_if(old_sheets->begin(), old_sheets->end(), [&](const auto& old) {
                return old.part_name == now.part_name;
            });
            if (was == old_sheets->end()) {
                diff_.added.push_back(now.name);
                continue;
            }
            if (was->name != now.name) diff_.renamed.emplace_back(was->name, now.name);
            if (now.kind != "worksheet" || was->kind != "worksheet") continue;
            auto old_part = old_package->ReadPart(was->part_name);
            auto new_part = new_package->ReadPart(now.part_name);
            if (old_part && new_part && *old_part == *new_part) continue;
            if (auto compared = CompareCells(*before, *was, *after, now); !compared) {
                return std::unexpected(compared.error());
            }
        }
        for (const xlsx::SheetInfo& old : *old_sheets) {
            bool kept = std::any_of(new_sheets->begin(), new_sheets->end(), [&](const auto& now) {
                return now.part_name == old.part_name;
            });
            if (!kept) diff_.removed.push_back(old.name);
        }
        return std::move(diff_);
    }

private:
    Status CompareCells(const xlsx::Workbook& before, const xlsx::SheetInfo& old_sheet,
                        const xlsx::Workbook& after, const xlsx::SheetInfo& new_sheet) {
        auto range = Covering(old_sheet.dimension, new_sheet.dimension);
        if (!range) return {};
        std::int64_t width = range->last.col - range->first.col + 1;
        std::int64_t rows = range->last.row - range->first.row + 1;
        if (width * rows > kMaxComparedCells) {
            rows = std::max<std::int64_t>(1, kMaxComparedCells / width);
            range->last.row = range->first.row + static_cast<int>(rows) - 1;
            diff_.cells_capped = true;
        }
        auto old_cells = ReadCells(before, old_sheet.name, *range);
        if (!old_cells) return std::unexpected(old_cells.error());
        auto new_cells = ReadCells(after, new_sheet.name, *range);
        if (!new_cells) return std::unexpected(new_cells.error());
        if (old_cells->content.truncated || new_cells->content.truncated) {
            diff_.cells_capped = true;
        }

        for (int row = range->first.row; row <= range->last.row; ++row) {
            for (int col = range->first.col; col <= range->last.col; ++col) {
                std::string was = old_cells->At(row, col);
                std::string now = new_cells->At(row, col);
                if (was == now) continue;
                ++diff_.changed_cells;
                if (diff_.cells.size() < kMaxCellChanges) {
                    diff_.cells.push_back({new_sheet.name, xlsx::CellName({col, row}),
                                           std::move(was), std::move(now)});
                }
            }
        }
        return {};
    }

    const std::string& before_bytes_;
    const std::string& after_bytes_;
    OutlineDiff diff_;
};

// --- documents and decks ---

void CountTexts(const std::vector<std::string>& before, const std::vector<std::string>& after,
                std::string_view noun, OutlineDiff& diff) {
    for (const Edit& edit : Align(before, after)) {
        // Empty paragraphs come and go with layout (a table's closing paragraph, a section's
        // spacing); telling the agent "(empty) -> (empty)" says nothing.
        const bool empty_before = edit.kind == Edit::Kind::kAdded || before[edit.before].empty();
        const bool empty_after = edit.kind == Edit::Kind::kRemoved || after[edit.after].empty();
        if (empty_before && empty_after) continue;
        ++diff.changed_texts;
        if (diff.texts.size() >= kMaxQuotedTexts) continue;
        TextChange change;
        std::size_t position = edit.kind == Edit::Kind::kRemoved ? edit.before : edit.after;
        change.where = fmt::format("{} {}", noun, position + 1);
        if (edit.kind != Edit::Kind::kAdded) change.before = before[edit.before];
        if (edit.kind != Edit::Kind::kRemoved) change.after = after[edit.after];
        diff.texts.push_back(std::move(change));
    }
}

// One text per paragraph, heading or table row of the body, in reading order.
struct BodyText {
    std::string text;
    bool heading = false;  // a Title or heading paragraph: it starts a section
};

Result<std::vector<BodyText>> WordTexts(const std::string& bytes) {
    Result<docx::WordDocument> document = docx::WordDocument::Open(bytes);
    if (!document) return Propagate(document);
    std::vector<BodyText> texts;
    for (const docx::BlockInfo& block : document->Blocks()) {
        if (block.kind != docx::BlockInfo::Kind::kTable) {
            texts.push_back({block.text, block.heading_level >= 0});
            continue;
        }
        std::istringstream rows(block.text);
        for (std::string row; std::getline(rows, row);) texts.push_back({row, false});
    }
    return texts;
}

// The non-empty texts under each heading, up to the next one, in heading order.
std::vector<std::vector<std::string>> SectionBodies(const std::vector<BodyText>& paragraphs) {
    std::vector<std::vector<std::string>> bodies;
    for (const BodyText& paragraph : paragraphs) {
        if (paragraph.heading) {
            bodies.emplace_back();
        } else if (!bodies.empty() && !paragraph.text.empty()) {
            bodies.back().push_back(paragraph.text);
        }
    }
    return bodies;
}

Result<OutlineDiff> DiffWord(const std::string& before, const std::string& after) {
    auto old_paragraphs = WordTexts(before);
    if (!old_paragraphs) return Propagate(old_paragraphs);
    auto new_paragraphs = WordTexts(after);
    if (!new_paragraphs) return Propagate(new_paragraphs);

    auto texts = [](const std::vector<BodyText>& paragraphs, bool headings_only) {
        std::vector<std::string> out;
        for (const auto& paragraph : paragraphs) {
            if (!headings_only || paragraph.heading) out.push_back(paragraph.text);
        }
        return out;
    };
    OutlineDiff diff;
    std::vector<std::string> old_headings = texts(*old_paragraphs, true);
    std::vector<std::string> new_headings = texts(*new_paragraphs, true);
    const std::vector<std::vector<std::string>> old_bodies = SectionBodies(*old_paragraphs);
    const std::vector<std::vector<std::string>> new_bodies = SectionBodies(*new_paragraphs);
    for (const Edit& edit : Align(old_headings, new_headings)) {
        switch (edit.kind) {
            case Edit::Kind::kChanged:
                // Headings carry no identity: one in the place of another is the same section
                // renamed only when what it holds is the same.
                if (old_bodies[edit.before] == new_bodies[edit.after]) {
                    diff.renamed.emplace_back(old_headings[edit.before], new_headings[edit.after]);
                } else {
                    diff.removed.push_back(old_headings[edit.before]);
                    diff.added.push_back(new_headings[edit.after]);
                }
                break;
            case Edit::Kind::kAdded:
                diff.added.push_back(new_headings[edit.after]);
                break;
            case Edit::Kind::kRemoved:
                diff.removed.push_back(old_headings[edit.before]);
                break;
        }
    }
    CountTexts(texts(*old_paragraphs, false), texts(*new_paragraphs, false), "paragraph", diff);
    return diff;
}

std::string SlideName(const pptx::SlideText& slide, std::size_t index) {
    return slide.title.empty() ? fmt::format("slide {}", index + 1) : slide.title;
}

Result<OutlineDiff> DiffSlides(const std::string& before, const std::string& after) {
    auto old_slides = pptx::SlideTexts(before);
    if (!old_slides) return Propagate(old_slides);
    auto new_slides = pptx::SlideTexts(after);
    if (!new_slides) return Propagate(new_slides);

    OutlineDiff diff;
    std::vector<std::string> old_texts;
    std::vector<std::string> new_texts;
    // A slide keeps its part when it is edited or moved.
    for (std::size_t i = 0; i < new_slides->size(); ++i) {
        const pptx::SlideText& now = (*new_slides)[i];
        auto was = std::find_if(old_slides->begin(), old_slides->end(),
                                [&](const auto& old) { return old.part == now.part; });
        if (was == old_slides->end()) {
            diff.added.push_back(SlideName(now, i));
            continue;
        }
        std::size_t old_index = static_cast<std::size_t>(was - old_slides->begin());
        if (was->title != now.title) {
            diff.renamed.emplace_back(SlideName(*was, old_index), SlideName(now, i));
        }
        if (was->text != now.text) {
            ++diff.changed_texts;
            if (diff.texts.size() < kMaxQuotedTexts) {
                diff.texts.push_back({fmt::format("slide {}", i + 1), was->text, now.text});
            }
        }
    }
    for (std::size_t i = 0; i < old_slides->size(); ++i) {
        const pptx::SlideText& old = (*old_slides)[i];
        bool kept = std::any_of(new_slides->begin(), new_slides->end(),
                                [&](const auto& now) { return now.part == old.part; });
        if (!kept) diff.removed.push_back(SlideName(old, i));
    }
    return diff;
}

// --- describing ---

// At most `limit` characters, cut at a character boundary with an ellipsis.
std::string Cut(std::string_view text, std::size_t limit) {
    if (Utf8CodePointCount(text) <= limit) return std::string(text);
    std::size_t bytes = 0;
    for (std::size_t count = 0; bytes < text.size() && count < limit; ++count) {
        ++bytes;
        while (bytes < text.size() && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) {
            ++bytes;
        }
    }
    return std::string(text.substr(0, bytes)) + "…";
}

std::string Quoted(std::string_view text, std::size_t limit) {
    if (text.empty()) return "(empty)";
    return "\"" + Cut(text, limit) + "\"";
}

std::string Names(const std::vector<std::string>& names) {
    std::vector<std::string> quoted;
    for (const std::string& name : names) quoted.push_back("'" + Cut(name, kMaxValueChars) + "'");
    return fmt::format("{}", fmt::join(quoted, ", "));
}

}  // namespace

Result<OutlineDiff> DiffDocuments(DocumentFormat format, const std::string& before,
                                  const std::string& after) {
    switch (format) {
        case DocumentFormat::kExcel:
            return WorkbookDiff(before, after).Run();
        case DocumentFormat::kWord:
            return DiffWord(before, after);
        case DocumentFormat::kSlides:
            return DiffSlides(before, after);
    }
    return InvalidRequest("unknown document format");
}

std::string DescribeDiff(DocumentFormat format, const OutlineDiff& diff) {
    if (diff.Empty()) return {};
    std::string_view parts = format == DocumentFormat::kExcel  ? "sheets"
                             : format == DocumentFormat::kWord ? "sections"
                                                               : "slides";
    std::vector<std::string> lines;
    if (!diff.added.empty()) lines.push_back(fmt::format("{} added: {}", parts, Names(diff.added)));
    if (!diff.removed.empty()) {
        lines.push_back(fmt::format("{} removed: {}", parts, Names(diff.removed)));
    }
    if (!diff.renamed.empty()) {
        std::vector<std::string> pairs;
        for (const auto& [was, now] : diff.renamed) {
            pairs.push_back(
                fmt::format("'{}' -> '{}'", Cut(was, kMaxValueChars), Cut(now, kMaxValueChars)));
        }
        lines.push_back(fmt::format("{} renamed: {}", parts, fmt::join(pairs, ", ")));
    }
    if (diff.changed_cells > 0) {
        std::vector<std::string> cells;
        for (const CellChange& cell : diff.cells) {
            cells.push_back(fmt::format("'{}'!{} {} -> {}", cell.sheet, cell.cell,
                                        Quoted(cell.before, kMaxValueChars),
                                        Quoted(cell.after, kMaxValueChars)));
        }
        std::string more = diff.changed_cells > diff.cells.size()
                               ? fmt::format(" (the first {} listed)", diff.cells.size())
                               : std::string();
        lines.push_back(fmt::format(
            "{} cell{} changed{}{}: {}", diff.changed_cells, diff.changed_cells == 1 ? "" : "s",
            more, diff.cells_capped ? ", large sheets only in part" : "", fmt::join(cells, "; ")));
    }
    if (diff.changed_texts > 0) {
        std::string_view noun = format == DocumentFormat::kSlides ? "slide text" : "paragraph";
        std::vector<std::string> quotes;
        for (const TextChange& text : diff.texts) {
            quotes.push_back(fmt::format("{}: {} -> {}", text.where,
                                         Quoted(text.before, kMaxQuoteChars),
                                         Quoted(text.after, kMaxQuoteChars)));
        }
        lines.push_back(fmt::format("{} {}{} changed: {}", diff.changed_texts, noun,
                                    diff.changed_texts == 1 ? "" : "s", fmt::join(quotes, "; ")));
    }
    return fmt::format("{}", fmt::join(lines, "\n"));
}

}  // namespace quire::agent
