#pragma once

// Internal to the xlsx engine: the state behind a Workbook and the helpers its operations share.
// Each group of operations (cells, formatting, objects, charts) lives in its own workbook_*.cpp
// and works through Impl; nothing outside src/ooxml/xlsx includes this header.

#include <pugixml.hpp>

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sheet_stream.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::xlsx {

inline constexpr std::string_view kWorksheetType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
inline constexpr std::string_view kStylesType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml";
inline constexpr std::string_view kWorkbookType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
inline constexpr std::string_view kCoreType =
    "application/vnd.openxmlformats-package.core-properties+xml";
inline constexpr std::string_view kAppType =
    "application/vnd.openxmlformats-officedocument.extended-properties+xml";
inline constexpr std::string_view kChartType =
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml";
inline constexpr std::string_view kPivotCacheType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml";

inline constexpr std::string_view kRelBase =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
inline constexpr std::string_view kRelBaseStrict =
    "http://purl.oclc.org/ooxml/officeDocument/relationships/";
inline constexpr std::string_view kPackageRelBase =
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/";

inline constexpr std::string_view kXmlDeclaration =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

// A number as the shortest text that reads back to the same double.
std::string FormatNumber(double value);

// True when a relationship type ends in "/suffix" (transitional or strict).
bool RelTypeIs(std::string_view type, std::string_view suffix);

// The relationship target of `part` as seen from `source`: relative when it sits below the
// source's folder, else absolute.
std::string RelativeTarget(std::string_view source, std::string_view part);

// The first "rIdN" no relationship in `rels` uses.
std::string FreshRelId(const std::vector<ooxml::Relationship>& rels);

// Built-in number formats that show dates or times (ECMA-376 Part 1, §18.8.30), and custom
// format codes with a date or time token outside quotes and brackets.
bool IsBuiltinDateFormat(int id);
bool IsDateFormatCode(std::string_view code);

// One <sheet> of workbook.xml with what its relationship says about it.
struct SheetEntry {
    pugi::xml_node node;
    std::string name;
    std::string state;
    std::string kind;
    std::string part;
};

struct LoadedPart {
    std::unique_ptr<pugi::xml_document> doc;
    bool dirty = false;
};

struct Workbook::Impl {
    explicit Impl(ooxml::Package p) : package(std::move(p)) {}

    // Set once at Open or Create.
    ooxml::Package package;
    std::string workbook_part;
    std::string sml_ns;    // SpreadsheetML namespace: transitional or strict
    std::string rel_ns;    // namespace of r:id attributes
    std::string rel_base;  // prefix of relationship types

    // Parsed parts; a dirty one is written back to the package at Flush.
    std::map<std::string, LoadedPart> parts;
    // Plain shared strings by text, built on first use, and the number of <si> items then.
    std::optional<std::unordered_map<std::string, int>> shared_index;
    int shared_count = 0;
    // The shared strings part as found once for a bulk call , so that
    // each text cell does not re-read the workbook's relationships. Empty outside such a call.
    std::optional<std::optional<std::string>> shared_strings_memo;
    // The stylesheet part, once found or made.
    std::optional<std::string> styles_part;

    Result<pugi::xml_document*> Load(const std::string& part);
    void MarkDirty(const std::string& part) { parts[part].dirty = true; }
    void Flush();
    pugi::xml_node WorkbookRoot() { return parts[workbook_part].doc->document_element(); }

    Result<std::vector<SheetEntry>> SheetEntries();
    Result<SheetEntry> FindSheet(std::string_view name);
    Result<SheetEntry> FindWorksheet(std::string_view name);
    Status CheckNameFree(std::string_view name, const pugi::xml_node& except);
    std::string NewSheetPart() const;
    Result<pugi::xml_node> AppendSheetElement(std::string_view name, const std::string& rel_id);

    Result<std::optional<std::string>> RelatedPart(std::string_view suffix);
    Result<std::string> StylesPart();
    Result<pugi::xml_node> StyleSheet();
    Result<int> NumberFormatId(std::string_view code);
    Result<int> BoldFont(int font_id);
    Result<int> DeriveStyle(int base_xf, bool bold, std::optional<std::string_view> format);
    Result<bool> IsDateStyle(int xf);
    Result<std::optional<std::string>> SharedStringsPart();
    Result<int> SharedStringIndex(std::string_view text);
    Result<std::string> SharedStringText(int index);

    Result<CellWrite> Prepare(const CellValue& value, std::optional<int> style);
    // A cell element's content as GetCell reports it.
    Result<CellValue> ReadCell(const pugi::xml_node& c);

    // ---- Cells of large parts, edited and read as text (workbook.cpp, sheet_stream.hpp) ----

    // When SetCells and GetCell stream: a pugixml DOM costs about six times the part's size,
    // and merging sorted edits into the text is linear. Set once at Open or Create.
    WorkbookOptions options;
    // The inflated text of one worksheet part that was read by a scan and never written, so that
    // repeated GetCell calls do not inflate it again; dropped once the part is written.
    std::string scanned_part;
    std::string scanned_text;

    // True when cells of `part` go through the stream path: the part is not held as a DOM
    // (then the DOM is edited, so the two never disagree) and it or the edit is large.
    bool StreamsPart(const std::string& part, std::size_t edit_count) const;
    // The current text of a part: written bytes in place, else inflated into `storage`.
    Result<std::string_view> PartText(const std::string& part, std::string& storage) const;
    // The same for GetCell, keeping an unwritten part's inflated text for the next call.
    Result<std::string_view> ScannedText(const std::string& part);
    void ForgetScannedText();
    // SetCells on the part's text. false (and nothing done) when the text cannot be streamed,
    // so the caller takes the DOM path.
    Result<bool> SetCellsStreamed(const SheetEntry& entry, std::span<const CellEdit> edits,
                                  const std::vector<CellRef>& refs);
    // Edits up to this many are merged in place into a part read for them.
    static constexpr std::size_t kInPlaceEdits = 10000;
    // Writes the merge of `cells` into `part`: in place in `storage` (the text `sheet` scanned,
    // when it was read for this edit) if it has room, else as a new string.
    Status WriteMerged(const std::string& part, const WorksheetText& sheet, std::string& storage,
                       std::span<const StreamedCell> cells,
                       std::span<const SharedFormulaGroup> detached);
    // GetCell by a scan of the part's text; nullopt when it cannot be streamed.
    Result<std::optional<CellValue>> GetCellStreamed(const std::string& part, CellRef ref);
    void RequestFullCalc();
    Status DropCalcChain();

    Status RenameInPart(const std::string& part, std::string_view old_name,
                        std::string_view new_name);
    Status RenameInDefinedNames(std::string_view old_name, std::string_view new_name);
    Status RenameInPivotCaches(std::string_view old_name, std::string_view new_name);
};

}  // namespace quire::xlsx
