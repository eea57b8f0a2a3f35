#include "ooxml/package/xml.hpp"

#include "common/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace quire::ooxml {
namespace {

// parse_default drops comments and processing instructions; both are kept so that a part we touch
// loses nothing. parse_doctype makes a DOCTYPE visible as a node, so it can be refused.
constexpr unsigned kParseFlags = pugi::parse_default | pugi::parse_ws_pcdata |
                                 pugi::parse_declaration | pugi::parse_doctype |
                                 pugi::parse_comments | pugi::parse_pi;

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, std::size_t size) override {
        out.append(static_cast<const char*>(data), size);
    }
};

std::string_view PrefixOf(std::string_view qualified) {
    auto colon = qualified.find(':');
    return colon == std::string_view::npos ? std::string_view{} : qualified.substr(0, colon);
}

std::string_view LocalOf(std::string_view qualified) {
    auto colon = qualified.find(':');
    return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

// The namespace bound to `prefix` ("" for the default namespace) in scope at `node`.
std::string ResolvePrefix(const pugi::xml_node& node, std::string_view prefix) {
    if (prefix == "xml") return std::string(ns::kXml);
    std::string attr_name = prefix.empty() ? "xmlns" : fmt::format("xmlns:{}", prefix);
    for (pugi::xml_node n = node; n; n = n.parent()) {
        if (n.type() != pugi::node_element) continue;
        if (pugi::xml_attribute attr = n.attribute(attr_name.c_str())) return attr.value();
    }
    return {};
}

// Walks every node once without recursion, so a hostile nesting depth cannot exhaust the stack.
// Returns the deepest element nesting and whether a doctype node was seen.
struct TreeFacts {
    int max_depth = 0;
    bool has_doctype = false;
};

TreeFacts InspectTree(const pugi::xml_document& doc) {
    TreeFacts facts;
    int depth = 0;
    pugi::xml_node node = doc.first_child();
    while (node) {
        if (node.type() == pugi::node_doctype) facts.has_doctype = true;
        if (node.type() == pugi::node_element) {
            facts.max_depth = std::max(facts.max_depth, depth + 1);
            if (node.first_child()) {
                node = node.first_child();
                ++depth;
                continue;
            }
        }
        while (node && !node.next_sibling()) {
            node = node.parent();
            --depth;
            if (depth < 0) return facts;
        }
        if (node) node = node.next_sibling();
    }
    return facts;
}

// The document is stored and saved as UTF-8, so a declaration naming another encoding would lie.
void DeclareUtf8(pugi::xml_document& doc) {
    for (pugi::xml_node node = doc.first_child(); node; node = node.next_sibling()) {
        if (node.type() != pugi::node_declaration) continue;
        pugi::xml_attribute encoding = node.attribute("encoding");
        if (encoding && strcasecmp(encoding.value(), "utf-8") != 0) encoding.set_value("UTF-8");
        return;
    }
}

// pugixml keeps no text outside the root element, so the line break most writers put after the
// declaration would be lost; it is found here, before an in-place parse changes the text, and put
// back as a text node of the document.
std::string SpaceAfterDeclaration(std::string_view xml) {
    if (xml.starts_with("\xEF\xBB\xBF")) xml.remove_prefix(3);
    if (!xml.starts_with("<?xml")) return {};
    std::size_t end = xml.find("?>");
    if (end == std::string_view::npos) return {};
    std::size_t start = end + 2;
    std::size_t stop = xml.find_first_not_of(" \t\r\n", start);
    if (stop == std::string_view::npos) return {};
    return std::string(xml.substr(start, stop - start));
}

void KeepSpaceAfterDeclaration(const std::string& space, pugi::xml_document& doc) {
    if (space.empty()) return;
    pugi::xml_node declaration = doc.first_child();
    if (declaration.type() != pugi::node_declaration) return;
    doc.insert_child_after(pugi::node_pcdata, declaration).set_value(space.c_str());
}

// The checks every parse ends with, shared by the copying and the in-place parse.
Result<std::unique_ptr<pugi::xml_document>> CheckParsed(std::unique_ptr<pugi::xml_document> doc,
                                                        const pugi::xml_parse_result& parsed,
                                                        std::string_view part_name, int max_depth,
                                                        const std::string& space) {
    if (!parsed) {
        return Fail(ErrorCode::kInvalidRequest,
                    fmt::format("the part {} is not well-formed XML", part_name),
                    fmt::format("{} at offset {}", parsed.description(), parsed.offset));
    }

    TreeFacts facts = InspectTree(*doc);
    if (facts.has_doctype) {
        return InvalidRequest(fmt::format(
            "the part {} declares a DOCTYPE; XML with DTDs or entity declarations is refused",
            part_name));
    }
    if (facts.max_depth > max_depth) {
        return InvalidRequest(fmt::format("the part {} nests elements deeper than the limit of {}",
                                          part_name, max_depth));
    }

    DeclareUtf8(*doc);
    KeepSpaceAfterDeclaration(space, *doc);
    return doc;
}

}  // namespace

Result<std::unique_ptr<pugi::xml_document>> ParseXml(std::string_view xml,
                                                     std::string_view part_name, int max_depth) {
    auto doc = std::make_unique<pugi::xml_document>();
    const std::string space = SpaceAfterDeclaration(xml);
    const pugi::xml_parse_result parsed =
        doc->load_buffer(xml.data(), xml.size(), kParseFlags, pugi::encoding_auto);
    return CheckParsed(std::move(doc), parsed, part_name, max_depth, space);
}

Result<std::unique_ptr<pugi::xml_document>> ParseXmlInPlace(std::string& text,
                                                            std::string_view part_name,
                                                            int max_depth) {
    auto doc = std::make_unique<pugi::xml_document>();
    const std::string space = SpaceAfterDeclaration(text);
    // pugixml converts text in another encoding into a buffer of its own and parses UTF-8 where
    // it lies.
    const pugi::xml_parse_result parsed =
        doc->load_buffer_inplace(text.data(), text.size(), kParseFlags, pugi::encoding_auto);
    return CheckParsed(std::move(doc), parsed, part_name, max_depth, space);
}

std::string SerializeXml(const pugi::xml_document& doc) {
    StringWriter writer;
    SerializeXml(doc, writer);
    return std::move(writer.out);
}

void SerializeXml(const pugi::xml_document& doc, pugi::xml_writer& writer) {
    doc.save(writer, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
}

std::string NamespaceOf(const pugi::xml_node& node) {
    return ResolvePrefix(node, PrefixOf(node.name()));
}

std::string_view LocalName(const pugi::xml_node& node) { return LocalOf(node.name()); }

bool IsElement(const pugi::xml_node& node, std::string_view ns, std::string_view local_name) {
    return node.type() == pugi::node_element && LocalName(node) == local_name &&
           NamespaceOf(node) == ns;
}

pugi::xml_node FindChild(const pugi::xml_node& parent, std::string_view ns,
                         std::string_view local_name) {
    for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
        if (IsElement(child, ns, local_name)) return child;
    }
    return {};
}

std::optional<std::string> PrefixFor(const pugi::xml_node& node, std::string_view ns) {
    // A nearer declaration of a prefix hides an outer one, so remember what was already seen.
    std::set<std::string, std::less<>> shadowed;
    for (pugi::xml_node n = node; n; n = n.parent()) {
        if (n.type() != pugi::node_element) continue;
        for (pugi::xml_attribute attr : n.attributes()) {
            std::string_view name = attr.name();
            std::string_view prefix;
            if (name == "xmlns") {
                prefix = "";
            } else if (name.starts_with("xmlns:")) {
                prefix = name.substr(6);
            } else {
                continue;
            }
            if (shadowed.contains(prefix)) continue;
            if (attr.value() == ns) return std::string(prefix);
            shadowed.emplace(prefix);
        }
    }
    return std::nullopt;
}

pugi::xml_attribute FindAttribute(const pugi::xml_node& node, std::string_view ns,
                                  std::string_view local_name) {
    for (pugi::xml_attribute attr : node.attributes()) {
        std::string_view name = attr.name();
        if (LocalOf(name) != local_name) continue;
        std::string_view prefix = PrefixOf(name);
        if (prefix == "xmlns" || (prefix.empty() && name == "xmlns")) continue;
        // Unprefixed attributes are in no namespace, whatever the default namespace is.
        if (prefix.empty() ? ns.empty() : ResolvePrefix(node, prefix) == ns) return attr;
    }
    return {};
}

std::optional<std::string> QualifiedName(const pugi::xml_node& scope, std::string_view ns,
                                         std::string_view local_name) {
    std::optional<std::string> prefix = PrefixFor(scope, ns);
    if (!prefix) return std::nullopt;
    if (prefix->empty()) return std::string(local_name);
    return fmt::format("{}:{}", *prefix, local_name);
}

namespace {

// XML 1.0 excludes U+FFFE and U+FFFF (EF BF BE, EF BF BF) and C0 controls other than tab and
// line breaks.
bool IsXmlCharacter(std::string_view sequence) {
    if (sequence.size() == 1) {
        const char c = sequence[0];
        return static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n';
    }
    return !(sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF");
}

// The end of the run from `i` of bytes XML takes as they are: printable ASCII (DEL included),
// tab and line feed.
std::size_t PlainAsciiEnd(std::string_view text, std::size_t i) {
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!((c >= 0x20 && c < 0x80) || c == '\t' || c == '\n')) break;
        ++i;
    }
    return i;
}

bool IsMarkup(char c) { return c == '&' || c == '<' || c == '>' || c == '"'; }

}  // namespace

std::string XmlSafeText(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        // Printable ASCII, tabs and line feeds pass as they are, a run at a time.
        const std::size_t plain = PlainAsciiEnd(text, i);
        out.append(text.substr(i, plain - i));
        i = plain;
        if (i == text.size()) break;
        if (text[i] == '\r') {
            out += '\n';
            i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        const std::size_t length = Utf8SequenceLength(text, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        const std::string_view sequence = text.substr(i, length);
        if (IsXmlCharacter(sequence)) out.append(sequence);
        i += length;
    }
    return out;
}

std::string EscapeXml(std::string_view text) {
    const std::string safe = XmlSafeText(text);
    std::string out;
    out.reserve(safe.size());
    std::size_t start = 0;
    while (start < safe.size()) {
        // A plain loop: find_first_of would search the set once for every character.
        std::size_t special = start;
        while (special < safe.size() && !IsMarkup(safe[special])) ++special;
        out.append(safe, start, special - start);
        if (special == safe.size()) break;
        switch (safe[special]) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out += "&quot;";
        }
        start = special + 1;
    }
    return out;
}

}  // namespace quire::ooxml
