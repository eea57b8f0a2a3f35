// The main part held as stored text (see docs/docx.md, "Model"): the scan at Open, blocks
// inserted as splices, the splices folded into the stored part, and the tree made from the text
// when an operation needs one.

#include "ooxml/docx/main_text.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

// Splices are folded into the stored part once they hold this much, or a sixteenth of the part
// when that is more: a long run of insertions neither grows without bound in memory nor
// re-deflates a large part for every few blocks.
constexpr std::uint64_t kFoldFloor = 128u << 10;

bool IsNumber(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MainText

std::unique_ptr<MainText> MainText::Scan(const ooxml::Package& package, std::string_view part,
                                         int max_depth) {
    const std::optional<std::uint64_t> size = package.PartSize(part);
    if (!size) return nullptr;
    BodyScanner scanner(BodyScanner::Mode::kPart, max_depth);
    const Status read = package.ReadPartStreamed(part, [&](std::string_view piece) {
        scanner.Feed(piece);
        return !scanner.failed();
    });
    if (!read) return nullptr;
    std::optional<BodyScan> scan = scanner.Finish();
    if (!scan) return nullptr;
    auto text = std::make_unique<MainText>();
    text->scan_ = std::move(*scan);
    text->stored_size_ = *size;
    return text;
}

std::size_t MainText::BlockCount() const {
    return static_cast<std::size_t>(
        std::count_if(scan_.children.begin(), scan_.children.end(),
                      [](const BodyChild& child) { return child.IsBlock(); }));
}

std::optional<std::size_t> MainText::BlockIndex(std::size_t n) const {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < scan_.children.size(); ++i) {
        if (scan_.children[i].IsBlock() && ++seen == n) return i;
    }
    return std::nullopt;
}

std::size_t MainText::LeadingMarks(std::size_t index) const {
    while (index > 0 && scan_.children[index - 1].kind == BodyChildKind::kMark) --index;
    return index;
}

std::vector<std::size_t> MainText::Insert(std::uint64_t offset, std::size_t index,
                                          std::string_view xml,
                                          const std::vector<BodyChild>& children) {
    // The offset in the current text becomes a place in the stored part, or a place inside a
    // splice made before (blocks appended one after another grow one splice).
    std::uint64_t delta = 0;
    auto it = splices_.begin();
    for (; it != splices_.end(); ++it) {
        const std::uint64_t start = it->base + delta;
        if (offset < start) {
            splices_.insert(it, Splice{offset - delta, std::string(xml)});
            break;
        }
        if (offset <= start + it->text.size()) {
            it->text.insert(offset - start, xml);
            break;
        }
        delta += it->text.size();
    }
    if (it == splices_.end()) splices_.push_back(Splice{offset - delta, std::string(xml)});
    pending_ += xml.size();

    // Everything from the insertion on moves by the inserted length.
    for (std::size_t i = index; i < scan_.children.size(); ++i) {
        scan_.children[i].start += xml.size();
        scan_.children[i].end += xml.size();
    }
    scan_.body_close_start += xml.size();
    std::vector<std::size_t> added;
    for (std::size_t i = 0; i < children.size(); ++i) {
        BodyChild child = children[i];
        child.start += offset;
        child.end += offset;
        scan_.children.insert(scan_.children.begin() + static_cast<std::ptrdiff_t>(index + i),
                              child);
        added.push_back(index + i);
    }
    return added;
}

Status MainText::Stream(const ooxml::Package& package, std::string_view part,
                        const ooxml::PartConsumer& consume) const {
    std::uint64_t base = 0;
    std::size_t next = 0;
    bool stopped = false;
    Status read = package.ReadPartStreamed(part, [&](std::string_view piece) {
        while (!piece.empty()) {
            if (next < splices_.size() && splices_[next].base <= base) {
                if (!consume(splices_[next++].text)) return !(stopped = true);
                continue;
            }
            std::uint64_t take = piece.size();
            if (next < splices_.size()) take = std::min(take, splices_[next].base - base);
            if (!consume(piece.substr(0, take))) return !(stopped = true);
            piece.remove_prefix(take);
            base += take;
        }
        return true;
    });
    if (!read || stopped) return read;
    if (base != stored_size_) {
        return Internal("the document's main part cannot be read", "stored size changed");
    }
    for (; next < splices_.size(); ++next) {
        if (!consume(splices_[next].text)) break;
    }
    return {};
}

void MainText::Stored(std::uint64_t size) {
    splices_.clear();
    pending_ = 0;
    stored_size_ = size;
}

// ---------------------------------------------------------------------------------------------
// The engine in text mode

Status WordDocument::Impl::FoldText() {
    const Status written =
        package.WritePartStreamed(main_part, [&](ooxml::PartSink& sink) -> Status {
            return text->Stream(package, main_part, [&](std::string_view piece) {
                sink.Append(piece);
                return true;
            });
        });
    if (!written) return written;
    text->Stored(text->size());
    return {};
}

Status WordDocument::Impl::EnsureTree() {
    if (!text) return {};
    std::string whole;
    whole.reserve(text->size());
    const Status read = text->Stream(package, main_part, [&](std::string_view piece) {
        whole.append(piece);
        return true;
    });
    if (!read) return read;
    // Names are compared as Open would have compared them; the drawings inserted since declare
    // only their own prefixes, which never remap w:.
    if (Status parsed = ParseTree(std::move(whole), text->scan().declares_below_root); !parsed) {
        return parsed;
    }
    text.reset();
    return {};
}

Status WordDocument::Impl::ParseTree(std::string xml, bool declares_below_root) {
    main_text = std::move(xml);
    auto parsed = ooxml::ParseXmlInPlace(main_text, main_part, package.limits().max_xml_depth);
    if (!parsed) return std::unexpected(parsed.error());
    doc = std::move(*parsed);
    const pugi::xml_node root = doc->document_element();
    for (const std::string_view word_ns : {ooxml::ns::kWordMain, kWordStrictNs}) {
        if (!ooxml::IsElement(root, word_ns, "document")) continue;
        w = WordNames(*doc, word_ns, declares_below_root);
        strict = word_ns == kWordStrictNs;
        body = ooxml::FindChild(root, word_ns, "body");
        if (!body) return InvalidRequest("the Word document has no body");
        return {};
    }
    return InvalidRequest("the Word document's main part is not a WordprocessingML document");
}

pugi::xml_node WordDocument::Impl::TextFinalSectPr() {
    const std::vector<BodyChild>& children = text->scan().children;
    if (children.empty() || children.back().kind != BodyChildKind::kSectPr) return {};
    if (!final_sect_pr) {
        // The prefix is declared around it, as at the root, so that names resolve.
        final_sect_pr = std::make_unique<pugi::xml_document>();
        const std::string xml = fmt::format(R"(<quire-scope xmlns:w="{}">{}</quire-scope>)", w.ns(),
                                            text->scan().final_sect_pr);
        if (!final_sect_pr->load_buffer(xml.data(), xml.size())) return {};
    }
    return FirstElement(final_sect_pr->document_element());
}

std::optional<std::pair<std::uint64_t, std::size_t>> WordDocument::Impl::TextPlace(
    std::string_view anchor, Position position) const {
    const BodyScan& scan = text->scan();
    if (anchor == "start") return std::pair{scan.body_open_end, std::size_t{0}};
    if (anchor == "end") {
        const std::size_t last = scan.children.size();
        if (last > 0 && scan.children.back().kind == BodyChildKind::kSectPr) {
            return std::pair{scan.children.back().start, last - 1};
        }
        return std::pair{scan.body_close_start, last};
    }
    // "bN" as Resolve reads it; other anchors, and figures and tables (whose captions go with
    // them), are left to the tree.
    if (position == Position::kEndOfSection || anchor.size() < 2 || anchor.size() >= 10 ||
        anchor[0] != 'b' || !IsNumber(anchor.substr(1))) {
        return std::nullopt;
    }
    const std::size_t n = std::stoul(std::string(anchor.substr(1)));
    const std::optional<std::size_t> index = text->BlockIndex(n);
    if (n == 0 || !index) return std::nullopt;
    const BodyChild& block = scan.children[*index];
    if (block.kind == BodyChildKind::kTable || block.has_drawing) return std::nullopt;
    if (position == Position::kAfter) return std::pair{block.end, *index + 1};
    const std::size_t first = text->LeadingMarks(*index);
    return std::pair{scan.children[first].start, first};
}

std::optional<Result<std::vector<std::string>>> WordDocument::Impl::InsertText(
    std::string_view anchor, Position position, std::span<const BlockSpec> blocks, bool tracked) {
    if (tracked) return std::nullopt;
    const auto place = TextPlace(anchor, position);
    if (!place) return std::nullopt;

    std::vector<std::string> anchors;
    std::string xml;
    for (const BlockSpec& block : blocks) {
        Result<std::string> one = BlockXml(block, anchors);
        if (!one) return Propagate(one);
        xml += *one;
    }
    BodyScanner scanner(BodyScanner::Mode::kFragment, package.limits().max_xml_depth);
    scanner.Feed(xml);
    std::optional<BodyScan> fragment = scanner.Finish();
    if (!fragment) return Internal("a written block is not well-formed XML");
    std::vector<std::size_t> inserted =
        text->Insert(place->first, place->second, xml, fragment->children);
    SeparateTextTables(inserted);
    main_dirty = true;

    if (text->pending() >= std::max(kFoldFloor, text->size() / 16)) {
        if (Status folded = FoldText(); !folded) return std::unexpected(folded.error());
    }
    return anchors;
}

// SeparateTables on the index: an empty paragraph between each inserted table and a table next
// to it, before the marks that belong to the later one.
void WordDocument::Impl::SeparateTextTables(std::vector<std::size_t> inserted) {
    const std::vector<BodyChild>& children = text->scan().children;
    auto is_table = [&](std::size_t i) { return children[i].kind == BodyChildKind::kTable; };
    auto previous_block = [&](std::size_t i) -> std::optional<std::size_t> {
        while (i > 0) {
            if (children[--i].IsBlock()) return i;
        }
        return std::nullopt;
    };
    auto next_block = [&](std::size_t i) -> std::optional<std::size_t> {
        while (++i < children.size()) {
            if (children[i].IsBlock()) return i;
        }
        return std::nullopt;
    };
    auto add_before = [&](std::size_t index) {
        static constexpr std::string_view kEmpty = "<w:p/>";
        const std::size_t at = text->LeadingMarks(index);
        text->Insert(children[at].start, at, kEmpty,
                     {BodyChild{0, kEmpty.size(), BodyChildKind::kParagraph, false}});
        for (std::size_t& i : inserted) i += i >= at ? 1 : 0;
    };
    for (std::size_t k = 0; k < inserted.size(); ++k) {
        if (!is_table(inserted[k])) continue;
        if (auto previous = previous_block(inserted[k]); previous && is_table(*previous)) {
            add_before(inserted[k]);
        }
        if (auto next = next_block(inserted[k]); next && is_table(*next)) add_before(*next);
    }
}

Status WordDocument::Impl::DropTextParagraphs() {
    Result<std::string> xml = package.ReadPart(main_part);
    if (!xml) return Propagate(xml);
    const std::vector<BodyChild>& children = text->scan().children;
    for (auto child = children.rbegin(); child != children.rend(); ++child) {
        if (child->kind == BodyChildKind::kParagraph)
            xml->erase(child->start, child->end - child->start);
    }
    package.WritePart(main_part, std::move(*xml));
    text = MainText::Scan(package, main_part, package.limits().max_xml_depth);
    if (!text) return Internal("the new document's main part cannot be read");
    main_dirty = true;
    return {};
}

}  // namespace quire::docx
