#pragma once

// Helpers for SpreadsheetML parts held as pugixml documents: the schema order of children, text
// as ST_Xstring stores it, and navigation within a part's own namespace (the prefix a file uses
// is taken from the parent, so "x:row" is made under "x:sheetData").

#include <pugixml.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quire::xlsx {

// Child order of the CT_Workbook, CT_Worksheet and CT_Stylesheet sequences (ECMA-376 Part 1,
// §18.2.27, §18.3.1.99, §18.8.39): a new child must go in its place or Excel calls the file
// corrupt.
inline const std::vector<std::string_view> kWorkbookOrder = {
    "fileVersion",    "fileSharing",
    "workbookPr",     "workbookProtection",
    "bookViews",      "sheets",
    "functionGroups", "externalReferences",
    "definedNames",   "calcPr",
    "oleSize",        "customWorkbookViews",
    "pivotCaches",    "smartTagPr",
    "smartTagTypes",  "webPublishing",
    "fileRecoveryPr", "webPublishObjects",
    "extLst"};
inline const std::vector<std::string_view> kWorksheetOrder = {"sheetPr",
                                                              "dimension",
                                                              "sheetViews",
                                                              "sheetFormatPr",
                                                              "cols",
                                                              "sheetData",
                                                              "sheetCalcPr",
                                                              "sheetProtection",
                                                              "protectedRanges",
                                                              "scenarios",
                                                              "autoFilter",
                                                              "sortState",
                                                              "dataConsolidate",
                                                              "customSheetViews",
                                                              "mergeCells",
                                                              "phoneticPr",
                                                              "conditionalFormatting",
                                                              "dataValidations",
                                                              "hyperlinks",
                                                              "printOptions",
                                                              "pageMargins",
                                                              "pageSetup",
                                                              "headerFooter",
                                                              "rowBreaks",
                                                              "colBreaks",
                                                              "customProperties",
                                                              "cellWatches",
                                                              "ignoredErrors",
                                                              "smartTags",
                                                              "drawing",
                                                              "legacyDrawing",
                                                              "legacyDrawingHF",
                                                              "drawingHF",
                                                              "picture",
                                                              "oleObjects",
                                                              "controls",
                                                              "webPublishItems",
                                                              "tableParts",
                                                              "extLst"};
inline const std::vector<std::string_view> kStylesheetOrder = {
    "numFmts",    "fonts", "fills",       "borders", "cellStyleXfs", "cellXfs",
    "cellStyles", "dxfs",  "tableStyles", "colors",  "extLst"};
inline const std::vector<std::string_view> kCellOrder = {"f", "v", "is", "extLst"};
inline const std::vector<std::string_view> kSheetViewOrder = {"pane", "selection", "pivotSelection",
                                                              "extLst"};

// ASCII case folding, as Excel compares sheet names for the characters that matter here.
std::string AsciiLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Decodes UTF-8 into code points; nullopt for malformed or overlong input or surrogates.
std::optional<std::u32string> DecodeUtf8(std::string_view text);

// A text's length as Excel counts it: UTF-16 code units.
std::size_t Utf16Length(const std::u32string& text);

// ST_Xstring (ECMA-376 Part 1, §22.9.2.19): control characters XML cannot hold become _xHHHH_,
// and an underscore that would read as such an escape is itself escaped. DecodeXstring undoes
// the escapes of ASCII characters.
std::string EncodeXstring(std::string_view text);
std::string DecodeXstring(std::string_view text);

// The first element child of `parent` with this local name in `parent`'s own namespace.
pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local);

// The qualified name for a new child of `parent` in its namespace ("x:row" under "x:sheetData").
std::string SiblingName(const pugi::xml_node& parent, std::string_view local);

// Adds a child in `parent`'s namespace at its schema position given by `order`: before the first
// known child that must follow it. Unknown children (extensions) do not move it.
pugi::xml_node InsertInOrder(pugi::xml_node parent, std::string_view local,
                             const std::vector<std::string_view>& order);

// The child if present, else a new one at its schema position.
pugi::xml_node ChildOrInsert(pugi::xml_node parent, std::string_view local,
                             const std::vector<std::string_view>& order);

// Sets an attribute, adding it at the end when missing.
void SetAttr(pugi::xml_node node, const char* name, std::string_view value);

// An integer attribute, or `fallback` when it is absent.
int IntAttr(const pugi::xml_node& node, const char* name, int fallback);

// Element children with this local name: how many, and the one at a 0-based index.
int CountElementChildren(const pugi::xml_node& node, std::string_view local);
pugi::xml_node NthElementChild(const pugi::xml_node& node, std::string_view local, int index);

// The concatenated text and CDATA children of an element; SetNodeText replaces all children.
std::string NodeText(const pugi::xml_node& node);
void SetNodeText(pugi::xml_node node, std::string_view text);

// An element as raw XML text, for comparing elements.
std::string OuterXml(const pugi::xml_node& node);

// An element in a form that compares equal for equal content: attributes sorted by name and
// whitespace-only text between elements left out.
std::string CanonicalXml(const pugi::xml_node& node);

// Visits every element below `root` in document order, without recursion.
void ForEachElement(pugi::xml_node root, const std::function<void(pugi::xml_node)>& visit);

}  // namespace quire::xlsx
