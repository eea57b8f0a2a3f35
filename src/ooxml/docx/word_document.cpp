// Opening and saving Word documents, the parts and relationships around the main part, and
// anchors: how the ids the outline gives are found again.

#include "ooxml/docx/word_document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "common/utf8.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

constexpr std::string_view kRelBase =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
constexpr std::string_view kRelBaseStrict =
    "http://purl.oclc.org/ooxml/officeDocument/relationships/";

// The main part content types of .docx, .dotx, .docm and .dotm (ECMA-376 Part 1, 11.3.10, and
// the macro-enabled variants Word writes).
constexpr std::array<std::string_view, 4> kWordMainContentTypes = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
};

std::string NotWordReason(std::string_view content_type) {
    if (content_type.find("spreadsheetml") != std::string_view::npos ||
        content_type.find("ms-excel") != std::string_view::npos) {
        return "the file is a spreadsheet, not a Word document";
    }
    if (content_type.find("presentationml") != std::string_view::npos ||
        content_type.find("ms-powerpoint") != std::string_view::npos) {
        return "the file is a presentation, not a Word document";
    }
    return "the file is not a Word document";
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// True when a namespace prefix is declared anywhere below the root element, which makes text
// comparison of names unsafe.
bool HasNestedDeclarations(const pugi::xml_node& root) {
    bool nested = false;
    ForEachElement(root, [&](const pugi::xml_node& node) {
        for (pugi::xml_attribute attr : node.attributes()) {
            if (std::strncmp(attr.name(), "xmlns", 5) == 0) nested = true;
        }
        return !nested;
    });
    return nested;
}

bool IsNumber(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names

WordNames::WordNames(const pugi::xml_document& doc, std::string_view word_ns) : ns_(word_ns) {
    const pugi::xml_node root = doc.document_element();
    std::optional<std::string> prefix = ooxml::PrefixFor(root, word_ns);
    fast_ = prefix.has_value() && !HasNestedDeclarations(root);
    if (prefix && !prefix->empty()) prefix_ = *prefix + ":";
}

WordNames::WordNames(const pugi::xml_document& doc, std::string_view word_ns,
                     bool declares_below_root)
    : ns_(word_ns) {
    std::optional<std::string> prefix = ooxml::PrefixFor(doc.document_element(), word_ns);
    fast_ = prefix.has_value() && !declares_below_root;
    if (prefix && !prefix->empty()) prefix_ = *prefix + ":";
}

WordNames::WordNames(std::string_view word_ns, std::string_view prefix)
    : ns_(word_ns), prefix_(prefix), fast_(true) {}

bool DeclaresBelowRoot(std::string_view text) {
    // UTF-16 text (zero bytes or a byte order mark at the start) is not scanned.
    const std::string_view head = text.substr(0, 4);
    if (head.find('\0') != std::string_view::npos || head.starts_with("\xFF\xFE") ||
        head.starts_with("\xFE\xFF")) {
        return true;
    }
    // The root's start tag is the first markup that is not a declaration, processing
    // instruction, comment or DOCTYPE.
    std::size_t at = 0;
    while ((at = text.find('<', at)) != std::string_view::npos) {
        const std::string_view rest = text.substr(at);
        std::size_t close = std::string_view::npos;
        if (rest.starts_with("<?")) {
            close = text.find("?>", at);
        } else if (rest.starts_with("<!--")) {
            close = text.find("-->", at);
        } else if (rest.starts_with("<!")) {
            close = text.find('>', at);
        } else {
            const std::size_t root_end = text.find('>', at);
            return root_end == std::string_view::npos ||
                   text.find("xmlns", root_end) != std::string_view::npos;
        }
        if (close == std::string_view::npos) return true;
        at = close + 1;
    }
    return true;
}

bool WordNames::Is(const pugi::xml_node& node, std::string_view local) const {
    if (node.type() != pugi::node_element) return false;
    if (!fast_) return ooxml::IsElement(node, ns_, local);
    // strncmp stops at the name's end, so no strlen is needed on this hot path.
    const char* name = node.name();
    if (std::strncmp(name, prefix_.c_str(), prefix_.size()) != 0) return false;
    name += prefix_.size();
    return std::strncmp(name, local.data(), local.size()) == 0 && name[local.size()] == '\0';
}

std::string_view WordNames::Attr(const pugi::xml_node& node, std::string_view local) const {
    if (fast_ && !prefix_.empty()) {
        std::string name = prefix_;
        name += local;
        return node.attribute(name.c_str()).value();
    }
    return ooxml::FindAttribute(node, ns_, local).value();
}

std::string_view Local(const pugi::xml_node& node) { return ooxml::LocalName(node); }

bool IsBlockElement(const WordNames& w, const pugi::xml_node& node) {
    return w.Is(node, "p") || w.Is(node, "tbl") || w.Is(node, "sdt") || w.Is(node, "customXml") ||
           w.Is(node, "altChunk");
}

pugi::xml_node FirstElement(const pugi::xml_node& parent) {
    pugi::xml_node node = parent.first_child();
    while (node && node.type() != pugi::node_element) node = node.next_sibling();
    return node;
}

pugi::xml_node NextElement(const pugi::xml_node& node) {
    pugi::xml_node next = node.next_sibling();
    while (next && next.type() != pugi::node_element) next = next.next_sibling();
    return next;
}

pugi::xml_node PreviousElement(const pugi::xml_node& node) {
    pugi::xml_node previous = node.previous_sibling();
    while (previous && previous.type() != pugi::node_element) {
        previous = previous.previous_sibling();
    }
    return previous;
}

pugi::xml_node NextBlock(const WordNames& w, const pugi::xml_node& block) {
    pugi::xml_node next = block.next_sibling();
    while (next && !IsBlockElement(w, next)) next = next.next_sibling();
    return next;
}

pugi::xml_node PreviousBlock(const WordNames& w, const pugi::xml_node& block) {
    pugi::xml_node previous = block.previous_sibling();
    while (previous && !IsBlockElement(w, previous)) previous = previous.previous_sibling();
    return previous;
}

// ---------------------------------------------------------------------------------------------
// Opening and saving

WordDocument::WordDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WordDocument::WordDocument(WordDocument&&) noexcept = default;
WordDocument& WordDocument::operator=(WordDocument&&) noexcept = default;
WordDocument::~WordDocument() = default;

Result<WordDocument> WordDocument::Open(std::string bytes) {
    auto package = ooxml::Package::Open(std::move(bytes));
    if (!package) return Propagate(package);
    auto main_part = package->MainPart();
    if (!main_part) return Propagate(main_part);
    const std::string content_type = package->ContentType(*main_part).value_or("");
    if (std::find(kWordMainContentTypes.begin(), kWordMainContentTypes.end(), content_type) ==
        kWordMainContentTypes.end()) {
        return InvalidRequest(NotWordReason(content_type));
    }
    auto impl = std::make_unique<Impl>(Impl{std::move(*package), std::move(*main_part)});
    // The part is scanned as it is inflated, and kept as stored; only a part the scanner does not
    // read is parsed into a tree here.
    const int max_depth = impl->package.limits().max_xml_depth;
    impl->text = MainText::Scan(impl->package, impl->main_part, max_depth);
    if (impl->text) {
        impl->strict = impl->text->scan().strict;
        impl->w = WordNames(impl->strict ? kWordStrictNs : ooxml::ns::kWordMain, "w:");
        return WordDocument(std::move(impl));
    }
    auto xml = impl->package.ReadPart(impl->main_part);
    if (!xml) return Propagate(xml);
    const bool declares_below_root = DeclaresBelowRoot(*xml);
    if (Status parsed = impl->ParseTree(std::move(*xml), declares_below_root); !parsed) {
        return std::unexpected(parsed.error());
    }
    return WordDocument(std::move(impl));
}

namespace {

// pugixml's serialisation handed on to a part being written.
struct SinkWriter final : pugi::xml_writer {
    explicit SinkWriter(ooxml::PartSink& sink) : sink(sink) {}
    void write(const void* data, std::size_t size) override {
        sink.Append(std::string_view(static_cast<const char*>(data), size));
    }
    ooxml::PartSink& sink;
};

}  // namespace

Result<std::string> WordDocument::Save() const {
    Impl& impl = *impl_;
    if (impl.text) {
        // The stored part stays as it is unless blocks were spliced into it.
        if (impl.text->pending() > 0) {
            if (Status folded = impl.FoldText(); !folded) return std::unexpected(folded.error());
        }
        impl.main_dirty = false;
    } else if (impl.main_dirty) {
        // The main part can be large: it goes to the package in pieces, deflated as they come.
        Status written =
            impl.package.WritePartStreamed(impl.main_part, [&](ooxml::PartSink& sink) -> Status {
                SinkWriter writer(sink);
                ooxml::SerializeXml(*impl.doc, writer);
                return {};
            });
        if (!written) return std::unexpected(written.error());
        impl.main_dirty = false;
    }
    for (const std::string& name : impl.dirty_parts) {
        auto found = impl.parts.find(name);
        if (found != impl.parts.end() && found->second) {
            impl.package.WritePart(name, ooxml::SerializeXml(*found->second));
        }
    }
    impl.dirty_parts.clear();
    if (impl.rels_dirty && impl.rels) {
        impl.package.SetRelationships(impl.main_part, *impl.rels);
        impl.rels_dirty = false;
    }
    return impl.package.Save();
}

// ---------------------------------------------------------------------------------------------
// Parts and relationships

std::string WordDocument::Impl::RelType(std::string_view suffix) const {
    return std::string(strict ? kRelBaseStrict : kRelBase) + std::string(suffix);
}

bool WordDocument::Impl::RelTypeIs(const ooxml::Relationship& rel, std::string_view suffix) const {
    return rel.type == std::string(kRelBase) + std::string(suffix) ||
           rel.type == std::string(kRelBaseStrict) + std::string(suffix);
}

const std::vector<ooxml::Relationship>& WordDocument::Impl::Rels() {
    if (!rels) {
        auto read = package.Relationships(main_part);
        rels = read ? std::move(*read) : std::vector<ooxml::Relationship>{};
    }
    return *rels;
}

std::string WordDocument::Impl::RelatedPart(std::string_view suffix) {
    for (const ooxml::Relationship& rel : Rels()) {
        if (!rel.external && RelTypeIs(rel, suffix)) {
            return ooxml::Package::ResolveTarget(main_part, rel.target);
        }
    }
    return "";
}

std::string WordDocument::Impl::TargetOf(std::string_view rel_id) {
    for (const ooxml::Relationship& rel : Rels()) {
        if (rel.id == rel_id) {
            return rel.external ? rel.target : ooxml::Package::ResolveTarget(main_part, rel.target);
        }
    }
    return "";
}

std::string WordDocument::Impl::AddRel(std::string_view suffix, std::string target, bool external) {
    Rels();
    std::set<std::string> taken;
    for (const ooxml::Relationship& rel : *rels) taken.insert(rel.id);
    std::string id;
    for (std::size_t n = rels->size() + 1;; ++n) {
        id = fmt::format("rId{}", n);
        if (!taken.contains(id)) break;
    }
    rels->push_back({id, RelType(suffix), std::move(target), external});
    rels_dirty = true;
    return id;
}

void WordDocument::Impl::RemoveRel(std::string_view rel_id) {
    Rels();
    std::erase_if(*rels, [&](const ooxml::Relationship& rel) { return rel.id == rel_id; });
    rels_dirty = true;
}

pugi::xml_document* WordDocument::Impl::Part(const std::string& name) {
    auto found = parts.find(name);
    if (found != parts.end()) return found->second.get();
    std::unique_ptr<pugi::xml_document> parsed;
    if (auto xml = package.ReadPart(name)) {
        if (auto doc = ooxml::ParseXml(*xml, name, package.limits().max_xml_depth)) {
            parsed = std::move(*doc);
        }
    }
    return parts.emplace(name, std::move(parsed)).first->second.get();
}

pugi::xml_document* WordDocument::Impl::CreatePart(const std::string& name,
                                                   std::string_view content_type,
                                                   std::string_view xml) {
    auto doc = ooxml::ParseXml(xml, name);
    if (!doc) return nullptr;
    package.WritePart(name, std::string(xml));
    package.SetContentTypeOverride(name, content_type);
    dirty_parts.insert(name);
    parts[name] = std::move(*doc);
    return parts[name].get();
}

std::string WordDocument::Impl::FreePartName(std::string_view stem,
                                             std::string_view extension) const {
    for (int n = 1;; ++n) {
        std::string name = fmt::format("{}{}.{}", stem, n, extension);
        if (!package.HasPart(name)) return name;
    }
}

// ---------------------------------------------------------------------------------------------
// Styles and headings

const std::map<std::string, int>& WordDocument::Impl::HeadingStyles() {
    if (heading_styles) return *heading_styles;
    heading_styles.emplace();
    style_ids.emplace();
    pugi::xml_document* styles = Part(RelatedPart("styles"));
    if (styles == nullptr) return *heading_styles;
    const WordNames sw(*styles, w.ns());
    for (pugi::xml_node style : styles->document_element().children()) {
        if (!sw.Is(style, "style")) continue;
        const std::string id(sw.Attr(style, "styleId"));
        const std::string name = Lower(sw.Attr(ooxml::FindChild(style, w.ns(), "name"), "val"));
        (*style_ids)[name] = id;
        const pugi::xml_node level =
            ooxml::FindChild(ooxml::FindChild(style, w.ns(), "pPr"), w.ns(), "outlineLvl");
        if (name == "title") {
            (*heading_styles)[id] = 0;
        } else if (name.starts_with("heading ") && IsNumber(name.substr(8))) {
            (*heading_styles)[id] = std::stoi(name.substr(8));
        } else if (level && IsNumber(sw.Attr(level, "val"))) {
            const int value = std::stoi(std::string(sw.Attr(level, "val")));
            if (value < 9) (*heading_styles)[id] = value + 1;
        }
    }
    return *heading_styles;
}

std::string WordDocument::Impl::StyleIdByName(std::string_view name) {
    HeadingStyles();
    auto found = style_ids->find(Lower(name));
    return found == style_ids->end() ? "" : found->second;
}

int WordDocument::Impl::HeadingLevel(const pugi::xml_node& paragraph) {
    // pPr is a paragraph's first element (ECMA-376 Part 1, 17.3.1.22), after any layout
    // whitespace.
    const pugi::xml_node p_pr = FirstElement(paragraph);
    if (!w.Is(p_pr, "pPr")) return -1;
    int level = -1;
    for (pugi::xml_node child : p_pr.children()) {
        if (w.Is(child, "outlineLvl")) {
            const std::string_view value = w.Attr(child, "val");
            if (IsNumber(value) && std::stoi(std::string(value)) < 9) {
                return std::stoi(std::string(value)) + 1;
            }
            return -1;
        }
        if (w.Is(child, "pStyle")) {
            const auto& styles = HeadingStyles();
            auto found = styles.find(std::string(w.Attr(child, "val")));
            if (found != styles.end()) level = found->second;
            // Documents without a styles part still use the built-in ids.
            if (styles.empty()) {
                const std::string_view id = w.Attr(child, "val");
                if (id == "Title") level = 0;
                if (id.starts_with("Heading") && IsNumber(id.substr(7))) {
                    level = std::stoi(std::string(id.substr(7)));
                }
            }
        }
    }
    return level;
}

// ---------------------------------------------------------------------------------------------
// The body

std::vector<BodyBlock> WordDocument::Impl::BodyBlocks() {
    std::vector<BodyBlock> blocks;
    for (pugi::xml_node node : body.children()) {
        if (!IsBlockElement(w, node)) continue;
        blocks.push_back({node, w.Is(node, "p") ? HeadingLevel(node) : -1});
    }
    return blocks;
}

std::size_t WordDocument::BlockCount() const {
    if (impl_->text) return impl_->text->BlockCount();
    std::size_t count = 0;
    for (pugi::xml_node node : impl_->body.children()) count += IsBlockElement(impl_->w, node);
    return count;
}

pugi::xml_node WordDocument::Impl::FinalSectPr() const {
    for (pugi::xml_node node = body.last_child(); node; node = node.previous_sibling()) {
        if (node.type() != pugi::node_element) continue;
        return w.Is(node, "sectPr") ? node : pugi::xml_node();
    }
    return {};
}

std::string WordDocument::Impl::BlockAnchor(const pugi::xml_node& block, std::size_t index) {
    std::string found;
    ForEachElement(block, [&](const pugi::xml_node& node) {
        if (found.empty() && w.Is(node, "bookmarkStart")) {
            const std::string_view name = w.Attr(node, "name");
            if (!name.empty() && name != "_GoBack") found = name;
        }
        return found.empty() && !w.Is(node, "txbxContent");
    });
    return found.empty() ? fmt::format("b{}", index + 1) : found;
}

// ---------------------------------------------------------------------------------------------
// Anchors

namespace {

// The body child that holds `node`.
pugi::xml_node BodyChildOf(pugi::xml_node node, const pugi::xml_node& body) {
    while (node && node.parent() != body) node = node.parent();
    return node;
}

// A figure is a paragraph with a DrawingML drawing; VML pictures and objects count as text.
bool HasDrawing(const WordNames& w, const pugi::xml_node& paragraph) {
    bool found = false;
    ForEachElement(paragraph, [&](const pugi::xml_node& node) {
        if (w.Is(node, "drawing")) found = true;
        return !found && !w.Is(node, "txbxContent");
    });
    return found;
}

}  // namespace

Result<pugi::xml_node> WordDocument::Impl::Resolve(std::string_view anchor) {
    if (anchor.size() > 1 && std::string_view("bhtf").find(anchor[0]) != std::string_view::npos &&
        IsNumber(anchor.substr(1)) && anchor.size() < 10) {
        const std::size_t n = std::stoul(std::string(anchor.substr(1)));
        // Blocks are counted in place; only "h" anchors need heading levels.
        auto counts = [&](const pugi::xml_node& node) {
            switch (anchor[0]) {
                case 'b':
                    return true;
                case 'h':
                    return w.Is(node, "p") && HeadingLevel(node) >= 0;
                case 't':
                    return w.Is(node, "tbl");
                default:
                    return w.Is(node, "p") && HasDrawing(w, node);
            }
        };
        std::size_t seen = 0;
        for (pugi::xml_node node : body.children()) {
            if (n > 0 && IsBlockElement(w, node) && counts(node) && ++seen == n) return node;
        }
    }
    pugi::xml_node found;
    ForEachElement(body, [&](const pugi::xml_node& node) {
        if (w.Is(node, "bookmarkStart") && w.Attr(node, "name") == anchor) found = node;
        return !found;
    });
    if (found) {
        pugi::xml_node block = BodyChildOf(found, body);
        // A bookmark between blocks marks the block that follows it.
        while (block && !IsBlockElement(w, block)) block = block.next_sibling();
        if (block) return block;
    }
    return NotFound(fmt::format("there is no block '{}' (use an id from the outline, or start/end)",
                                Shorten(anchor, 60)));
}

std::vector<pugi::xml_node> WordDocument::Impl::Unit(const pugi::xml_node& block,
                                                     bool whole_section) {
    std::vector<pugi::xml_node> unit{block};
    const int level = w.Is(block, "p") ? HeadingLevel(block) : -1;
    auto is_caption = [&](const pugi::xml_node& node) {
        if (!w.Is(node, "p")) return false;
        const std::string caption = StyleIdByName("caption");
        const pugi::xml_node style =
            ooxml::FindChild(ooxml::FindChild(node, w.ns(), "pPr"), w.ns(), "pStyle");
        return !caption.empty() && w.Attr(style, "val") == caption;
    };
    auto next_block = [&](const pugi::xml_node& node) { return NextBlock(w, node); };
    auto previous_block = [&](const pugi::xml_node& node) { return PreviousBlock(w, node); };
    if (level >= 0 && whole_section) {
        for (pugi::xml_node next = next_block(block); next; next = next_block(next)) {
            // A Title's section is what follows it up to the first heading of any level, so
            // that moving or deleting the title never takes the whole document along.
            const int next_level = w.Is(next, "p") ? HeadingLevel(next) : -1;
            if (next_level >= 0 && (next_level <= level || level == 0)) break;
            unit.push_back(next);
        }
        return unit;
    }
    const bool figure = w.Is(block, "p") && HasDrawing(w, block);
    if (figure || w.Is(block, "tbl")) {
        pugi::xml_node next = next_block(block);
        pugi::xml_node previous = previous_block(block);
        // Figures carry their caption below, tables above (as Word inserts them), but either
        // side is taken when only that one is a caption.
        const bool below = is_caption(next) && (figure || !is_caption(previous));
        if (below) {
            unit.push_back(next);
        } else if (is_caption(previous)) {
            unit.insert(unit.begin(), previous);
        }
    }
    return unit;
}

Result<InsertionPoint> WordDocument::Impl::Where(std::string_view anchor, Position position) {
    if (anchor == "start") {
        pugi::xml_node first = body.first_child();
        return InsertionPoint{body, first};
    }
    if (anchor == "end") return InsertionPoint{body, FinalSectPr()};
    Result<pugi::xml_node> block = Resolve(anchor);
    if (!block) return Propagate(block);

    if (position == Position::kEndOfSection) {
        // The section a block is in starts at the nearest heading at or before it.
        pugi::xml_node heading = *block;
        while (heading && !(w.Is(heading, "p") && HeadingLevel(heading) >= 0)) {
            heading = heading.previous_sibling();
        }
        if (!heading) {
            for (pugi::xml_node node = body.first_child(); node; node = node.next_sibling()) {
                if (w.Is(node, "p") && HeadingLevel(node) >= 0) return InsertionPoint{body, node};
            }
            return InsertionPoint{body, FinalSectPr()};
        }
        std::vector<pugi::xml_node> section = Unit(heading, true);
        pugi::xml_node after = section.back().next_sibling();
        // Stop before the blocks of the next section but after loose marks of this one.
        while (after && !IsBlockElement(w, after) && !w.Is(after, "sectPr")) {
            after = after.next_sibling();
        }
        return InsertionPoint{body, after ? after : FinalSectPr()};
    }
    std::vector<pugi::xml_node> unit = Unit(*block, false);
    if (position == Position::kBefore) return InsertionPoint{body, LeadingMarks(w, unit.front())};
    return InsertionPoint{body, unit.back().next_sibling()};
}

Result<std::vector<pugi::xml_node>> WordDocument::Impl::SeparateTables(
    const std::vector<pugi::xml_node>& around) {
    std::vector<pugi::xml_node> added;
    auto add_before = [&](const pugi::xml_node& before) -> Status {
        auto paragraph = InsertXml({body, before}, "<w:p/>");
        if (!paragraph) return std::unexpected(paragraph.error());
        added.insert(added.end(), paragraph->begin(), paragraph->end());
        return {};
    };
    for (const pugi::xml_node& block : around) {
        if (!block || block.parent() != body || !w.Is(block, "tbl")) continue;
        if (w.Is(PreviousBlock(w, block), "tbl")) {
            if (Status done = add_before(LeadingMarks(w, block)); !done) return Propagate(done);
        }
        if (const pugi::xml_node next = NextBlock(w, block); w.Is(next, "tbl")) {
            if (Status done = add_before(LeadingMarks(w, next)); !done) return Propagate(done);
        }
    }
    return added;
}

Status WordDocument::Impl::CloseBodyAfterTable() {
    pugi::xml_node last = body.last_child();
    while (last && !IsBlockElement(w, last)) last = last.previous_sibling();
    if (!w.Is(last, "tbl")) return {};
    auto paragraph = InsertXml({body, FinalSectPr()}, "<w:p/>");
    if (!paragraph) return std::unexpected(paragraph.error());
    if (!paragraph->empty()) added_closer = paragraph->front();
    return {};
}

pugi::xml_node WordDocument::Impl::BodyCloser() const {
    pugi::xml_node last = body.last_child();
    while (last && !IsBlockElement(w, last)) last = last.previous_sibling();
    if (!added_closer || last != added_closer || FirstElement(last) ||
        !w.Is(PreviousBlock(w, last), "tbl")) {
        return {};
    }
    return last;
}

pugi::xml_node LeadingMarks(const WordNames& w, pugi::xml_node block) {
    pugi::xml_node first = block;
    for (pugi::xml_node node = block.previous_sibling(); node; node = node.previous_sibling()) {
        if (node.type() != pugi::node_element) continue;
        const bool mark = w.Is(node, "bookmarkStart") || w.Is(node, "commentRangeStart") ||
                          w.Is(node, "permStart") || w.Is(node, "moveToRangeStart") ||
                          w.Is(node, "moveFromRangeStart");
        if (!mark) break;
        first = node;
    }
    return first;
}

// ---------------------------------------------------------------------------------------------
// Bookmarks and drawing ids

int WordDocument::Impl::NextBookmarkId() {
    if (next_bookmark_id < 0) {
        int max_id = text ? text->scan().max_bookmark_id : 0;
        // Bookmarks and tracked changes draw on one space of ids here, so that a new revision
        // mark never repeats a bookmark's id either. Note and comment references point into
        // other parts and do not count.
        ForEachElement(body, [&](const pugi::xml_node& node) {
            if (w.Is(node, "bookmarkStart") || w.Is(node, "ins") || w.Is(node, "del") ||
                w.Is(node, "moveFrom") || w.Is(node, "moveTo") || w.Is(node, "rPrChange") ||
                w.Is(node, "pPrChange")) {
                max_id = std::max(max_id, std::atoi(std::string(w.Attr(node, "id")).c_str()));
            }
            return true;
        });
        next_bookmark_id = max_id + 1;
    }
    return next_bookmark_id++;
}

int WordDocument::Impl::NextDrawingId() {
    if (next_drawing_id < 0) {
        int max_id = text ? text->scan().max_drawing_id : 0;
        ForEachElement(body, [&](const pugi::xml_node& node) {
            if (Local(node) == "docPr") max_id = std::max(max_id, node.attribute("id").as_int());
            return true;
        });
        next_drawing_id = max_id + 1;
    }
    return next_drawing_id++;
}

bool WordDocument::Impl::BookmarkExists(std::string_view name) {
    if (!bookmark_names && text) bookmark_names = text->scan().bookmark_names;
    if (!bookmark_names) {
        bookmark_names.emplace();
        ForEachElement(body, [&](const pugi::xml_node& node) {
            if (w.Is(node, "bookmarkStart")) bookmark_names->insert(Lower(w.Attr(node, "name")));
            return true;
        });
    }
    return bookmark_names->contains(Lower(name));
}

std::string WordDocument::Impl::UniqueBookmarkName(std::string_view wanted) {
    // Word keeps bookmark names to 40 characters.
    std::string base(wanted.substr(0, 36));
    std::string name = base;
    for (int n = 2; BookmarkExists(name); ++n) name = fmt::format("{}_{}", base, n);
    bookmark_names->insert(Lower(name));
    return name;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

std::size_t CountWords(std::string_view text) {
    std::size_t words = 0;
    bool in_word = false;
    for (char c : text) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (!space && !in_word) ++words;
        in_word = !space;
    }
    return words;
}

std::string Slug(std::string_view text) {
    std::string slug;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80) {
            slug += static_cast<char>(std::tolower(u));
        } else if (!slug.empty() && slug.back() != '_') {
            slug += '_';
        }
        if (slug.size() >= 28) break;
    }
    while (!slug.empty() && slug.back() == '_') slug.pop_back();
    return slug;
}

std::string Shorten(std::string_view text, std::size_t max_code_points) {
    std::string out;
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = Utf8SequenceLength(text, i);
        if (length == 0) {
            ++i;
            continue;
        }
        if (++count > max_code_points) return out + "…";
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

std::optional<Position> ParsePosition(std::string_view name) {
    if (name == "before") return Position::kBefore;
    if (name == "after") return Position::kAfter;
    if (name == "end_of_section") return Position::kEndOfSection;
    return std::nullopt;
}

}  // namespace quire::docx
