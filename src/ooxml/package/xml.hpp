#pragma once

// Namespace-aware XML on top of pugixml (DESIGN.md §5). Elements are matched by namespace URI and
// local name, whatever prefix the file uses; transitional and strict OOXML URIs can be matched
// together through the Ns table below.

#include <pugixml.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace quire::ooxml {

// Parses a part. Whitespace-only text, comments, processing instructions and the XML declaration
// are kept, so a parse and SerializeXml give back an equivalent part. A DOCTYPE, an entity
// declaration, XML that is not well-formed, or nesting deeper than `max_depth` elements fail with
// kInvalidRequest naming `part_name`. The document is held as UTF-8 whatever its input encoding;
// a declaration that names another encoding is rewritten to say UTF-8.
[[nodiscard]] Result<std::unique_ptr<pugi::xml_document>> ParseXml(std::string_view xml,
                                                                   std::string_view part_name,
                                                                   int max_depth = 256);

// ParseXml without a copy: the document's names and text point into `text`, which the parse
// changes, so `text` must stay alive and its buffer unmoved (keep the string where it is) for as
// long as the document is used. It saves holding a large part twice. Same checks and failures.
[[nodiscard]] Result<std::unique_ptr<pugi::xml_document>> ParseXmlInPlace(
    std::string& text, std::string_view part_name, int max_depth = 256);

// Serialises as UTF-8 without reformatting (format_raw). The declaration is written only when the
// document has one (as every parsed part that had one does).
std::string SerializeXml(const pugi::xml_document& doc);
// The same, handed to `writer` in pieces instead of gathered into one string.
void SerializeXml(const pugi::xml_document& doc, pugi::xml_writer& writer);

// The namespace URI of `node`'s own prefix, resolved through the xmlns declarations in scope.
std::string NamespaceOf(const pugi::xml_node& node);

// The name after the prefix ("sheet" for "x:sheet").
std::string_view LocalName(const pugi::xml_node& node);

// True when `node` is an element with this local name in namespace `ns`.
bool IsElement(const pugi::xml_node& node, std::string_view ns, std::string_view local_name);

// First child element of `parent` with this namespace and local name, or an empty node.
pugi::xml_node FindChild(const pugi::xml_node& parent, std::string_view ns,
                         std::string_view local_name);

// The prefix (possibly empty) under which `ns` is declared in scope at `node`, or nullopt.
std::optional<std::string> PrefixFor(const pugi::xml_node& node, std::string_view ns);

// The attribute of `node` with this namespace and local name ("r:id" for the relationships
// namespace and "id"), or an empty attribute. An unprefixed attribute has no namespace, so pass
// an empty `ns` to find one.
pugi::xml_attribute FindAttribute(const pugi::xml_node& node, std::string_view ns,
                                  std::string_view local_name);

// The qualified name for a new element in namespace `ns` placed under `scope`: "prefix:local"
// through a prefix in scope, "local" when `ns` is the default namespace there. nullopt when `ns`
// is not declared in scope (the caller must declare it first). Attributes in a namespace always
// need a prefix: use PrefixFor for them.
std::optional<std::string> QualifiedName(const pugi::xml_node& scope, std::string_view ns,
                                         std::string_view local_name);

// Text as XML 1.0 can carry it: ill-formed UTF-8 becomes U+FFFD, characters XML excludes (C0
// controls other than tab and line feed, U+FFFE, U+FFFF) are dropped, and CRLF or CR line
// breaks become "\n". Use it on every user-supplied string before it enters a part.
std::string XmlSafeText(std::string_view text);

// XmlSafeText, then &, <, > and " escaped for element text or a double-quoted attribute.
std::string EscapeXml(std::string_view text);

namespace ns {
inline constexpr std::string_view kXml = "http://www.w3.org/XML/1998/namespace";
inline constexpr std::string_view kSpreadsheetMain =
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
inline constexpr std::string_view kSpreadsheetStrict =
    "http://purl.oclc.org/ooxml/spreadsheetml/main";
inline constexpr std::string_view kRelationships =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
inline constexpr std::string_view kRelationshipsStrict =
    "http://purl.oclc.org/ooxml/officeDocument/relationships";
inline constexpr std::string_view kPackageRelationships =
    "http://schemas.openxmlformats.org/package/2006/relationships";
inline constexpr std::string_view kContentTypes =
    "http://schemas.openxmlformats.org/package/2006/content-types";
inline constexpr std::string_view kWordMain =
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
inline constexpr std::string_view kPresentationMain =
    "http://schemas.openxmlformats.org/presentationml/2006/main";
inline constexpr std::string_view kDrawingMain =
    "http://schemas.openxmlformats.org/drawingml/2006/main";
}  // namespace ns

}  // namespace quire::ooxml
