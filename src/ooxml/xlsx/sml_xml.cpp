#include "ooxml/xlsx/sml_xml.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ooxml/package/xml.hpp"

namespace quire::xlsx {
namespace {

using ooxml::LocalName;
using ooxml::NamespaceOf;

bool IsHexDigit(char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) != 0; }

bool IsEscapeSequence(std::string_view text, std::size_t at) {
    return at + 7 <= text.size() && text[at] == '_' && text[at + 1] == 'x' &&
           std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at) + 2,
                       text.begin() + static_cast<std::ptrdiff_t>(at) + 6, IsHexDigit) &&
           text[at + 6] == '_';
}

std::string_view PrefixOfName(const pugi::xml_node& node) {
    std::string_view name = node.name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? std::string_view{} : name.substr(0, colon + 1);
}

}  // namespace

std::string AsciiLower(std::string_view text) {
    std::string out(text);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return AsciiLower(a) == AsciiLower(b);
}

// Decodes UTF-8 into code points; nullopt for malformed or overlong input.
std::optional<std::u32string> DecodeUtf8(std::string_view text) {
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        char32_t cp = byte;
        if (byte >= 0x80) {
            if ((byte & 0xE0) == 0xC0) {
                extra = 1;
                cp = byte & 0x1F;
            } else if ((byte & 0xF0) == 0xE0) {
                extra = 2;
                cp = byte & 0x0F;
            } else if ((byte & 0xF8) == 0xF0) {
                extra = 3;
                cp = byte & 0x07;
            } else {
                return std::nullopt;
            }
        }
        if (i + extra >= text.size() && extra > 0) return std::nullopt;
        for (std::size_t k = 1; k <= extra; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (next & 0x3F);
        }
        constexpr char32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kSmallest[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return std::nullopt;
        }
        out.push_back(cp);
        i += extra + 1;
    }
    return out;
}

// Length as Excel counts it: UTF-16 code units.
std::size_t Utf16Length(const std::u32string& text) {
    std::size_t n = 0;
    for (char32_t cp : text) n += cp > 0xFFFF ? 2 : 1;
    return n;
}

// ST_Xstring (ECMA-376 Part 1, §22.9.2.19): characters XML cannot hold are written as _xHHHH_,
// and an underscore that would read as such an escape is itself escaped.
std::string EncodeXstring(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto byte = static_cast<unsigned char>(text[i]);
        if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F) {
            out += fmt::format("_x{:04X}_", byte);
        } else if (IsEscapeSequence(text, i)) {
            out += "_x005F_";
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string DecodeXstring(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (IsEscapeSequence(text, i)) {
            auto code =
                static_cast<char32_t>(std::stoul(std::string(text.substr(i + 2, 4)), nullptr, 16));
            if (code < 0x80) {
                out += static_cast<char>(code);
                i += 6;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

// A child of `parent` in `parent`'s own namespace, found by local name.
pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local) {
    std::string ns_uri = NamespaceOf(parent);
    return ooxml::FindChild(parent, ns_uri, local);
}

std::string SiblingName(const pugi::xml_node& parent, std::string_view local) {
    return fmt::format("{}{}", PrefixOfName(parent), local);
}

// Adds a child in `parent`'s namespace at its schema position given by `order`: before the first
// known child that must follow it. Unknown children (extensions) do not move it.
pugi::xml_node InsertInOrder(pugi::xml_node parent, std::string_view local,
                             const std::vector<std::string_view>& order) {
    auto rank = [&](std::string_view name) {
        auto it = std::find(order.begin(), order.end(), name);
        return it == order.end() ? -1 : static_cast<int>(it - order.begin());
    };
    const int mine = rank(local);
    std::string ns_uri = NamespaceOf(parent);
    std::string name = SiblingName(parent, local);
    for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
        if (child.type() != pugi::node_element || NamespaceOf(child) != ns_uri) continue;
        if (rank(LocalName(child)) > mine) return parent.insert_child_before(name.c_str(), child);
    }
    return parent.append_child(name.c_str());
}

pugi::xml_node ChildOrInsert(pugi::xml_node parent, std::string_view local,
                             const std::vector<std::string_view>& order) {
    pugi::xml_node found = Child(parent, local);
    return found ? found : InsertInOrder(parent, local, order);
}

void SetAttr(pugi::xml_node node, const char* name, std::string_view value) {
    pugi::xml_attribute attr = node.attribute(name);
    if (!attr) attr = node.append_attribute(name);
    attr.set_value(std::string(value).c_str());
}

int IntAttr(const pugi::xml_node& node, const char* name, int fallback) {
    pugi::xml_attribute attr = node.attribute(name);
    return attr ? attr.as_int(fallback) : fallback;
}

int CountElementChildren(const pugi::xml_node& node, std::string_view local) {
    int n = 0;
    for (pugi::xml_node child : node.children()) {
        if (child.type() == pugi::node_element && LocalName(child) == local) ++n;
    }
    return n;
}

pugi::xml_node NthElementChild(const pugi::xml_node& node, std::string_view local, int index) {
    int n = 0;
    for (pugi::xml_node child : node.children()) {
        if (child.type() != pugi::node_element || LocalName(child) != local) continue;
        if (n++ == index) return child;
    }
    return {};
}

std::string NodeText(const pugi::xml_node& node) {
    std::string out;
    for (pugi::xml_node child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            out += child.value();
        }
    }
    return out;
}

void SetNodeText(pugi::xml_node node, std::string_view text) {
    while (node.first_child()) node.remove_child(node.first_child());
    node.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
}

// An element's XML text, to compare candidate styles with existing ones.
std::string OuterXml(const pugi::xml_node& node) {
    struct Writer : pugi::xml_writer {
        std::string out;
        void write(const void* data, std::size_t size) override {
            out.append(static_cast<const char*>(data), size);
        }
    } writer;
    node.print(writer, "", pugi::format_raw);
    return writer.out;
}

namespace {

bool IsWhitespaceText(const pugi::xml_node& node) {
    if (node.type() != pugi::node_pcdata) return false;
    std::string_view text = node.value();
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void AppendCanonical(const pugi::xml_node& node, std::string& out) {
    if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
        out += fmt::format("\"{}\"", node.value());
        return;
    }
    if (node.type() != pugi::node_element) return;
    std::vector<std::pair<std::string_view, std::string_view>> attrs;
    for (pugi::xml_attribute attr : node.attributes())
        attrs.emplace_back(attr.name(), attr.value());
    std::sort(attrs.begin(), attrs.end());
    out += fmt::format("<{}", node.name());
    for (const auto& [name, value] : attrs) out += fmt::format(" {}=\"{}\"", name, value);
    out += '>';
    for (pugi::xml_node child : node.children()) {
        if (!IsWhitespaceText(child)) AppendCanonical(child, out);
    }
    out += "</>";
}

}  // namespace

std::string CanonicalXml(const pugi::xml_node& node) {
    std::string out;
    AppendCanonical(node, out);
    return out;
}

// Visits every element under `root`, without recursion.
void ForEachElement(pugi::xml_node root, const std::function<void(pugi::xml_node)>& visit) {
    pugi::xml_node node = root.first_child();
    while (node && node != root) {
        if (node.type() == pugi::node_element) visit(node);
        if (node.first_child()) {
            node = node.first_child();
            continue;
        }
        while (node != root && !node.next_sibling()) node = node.parent();
        if (node != root) node = node.next_sibling();
    }
}

}  // namespace quire::xlsx
