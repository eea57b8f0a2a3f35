#pragma once

// Internal to the xlsx engine: the state behind a Workbook and the helpers its operations share.
// Each group of operations (cells, formatting, objects, charts) lives in its own workbook_*.cpp
// and works through Impl; nothing outside src/ooxml/xlsx includes this header.

#include <boost/json/object.hpp>
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

// Rough display width of a value in characters, and the column width (in Excel's character
// units) that shows that many characters with a little padding, within sensible bounds.
std::size_t DisplayLength(const CellValue& value);
double FittedColumnWidth(std::size_t chars);

// Style record collections of styles.xml (<fonts>, <fills>, <cellXfs>...). Recount sets the
// collection's count attribute, when it has one, to its number of `item` children. FindOrAppend
// gives the index of an `item` child equal to `candidate` (same elements, attributes and text,
// whatever the attribute order or indentation), appending a copy when there is none.
void Recount(pugi::xml_node collection, std::string_view item);
int FindOrAppend(pugi::xml_node collection, std::string_view item, const pugi::xml_node& candidate);

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

// A chart on a sheet's drawing, as the chart operations find it.
struct ChartPlacement {
    std::string name;  // the graphic frame's cNvPr name
    SheetEntry sheet;
    std::string drawing_part;
    pugi::xml_node anchor;  // the xdr:*Anchor element in the loaded drawing
    std::string rel_id;     // the chart's relationship in the drawing's .rels
    std::string chart_part;
};

// One value to store and where. `style`, when set, replaces the cell's style (a CSV's bold
// header); otherwise an existing cell keeps its own.
struct PlacedValue {
    CellRef ref;
    const CellValue* value = nullptr;
    std::optional<int> style;
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
    // What reading shared strings needs, found once: the part's name, and its <si> items by
    // index in the document they belong to (rebuilt when that document is parsed again).
    std::optional<std::optional<std::string>> shared_part_for_reading;
    std::vector<pugi::xml_node> shared_items;
    const pugi::xml_document* shared_items_doc = nullptr;
    // The stylesheet part, once found or made.
    std::optional<std::string> styles_part;

    Result<pugi::xml_document*> Load(const std::string& part);
    void MarkDirty(const std::string& part) { parts[part].dirty = true; }
    void Flush();
    // Writes a parsed part back if it changed and forgets its DOM, so that the stream path may
    // take it next.
    void Release(const std::string& part);
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

    // Why a value cannot be stored, without changing anything; Prepare checks it too, then may
    // add the shared string or date style the value needs.
    Status CheckValue(const CellValue& value);
    Result<CellWrite> Prepare(const CellValue& value, std::optional<int> style);
    // Prepare for a value CheckValue already passed, as SetCells does for all before any. With
    // `borrow`, the write may point into `value`'s text instead of copying it.
    Result<CellWrite> PrepareChecked(const CellValue& value, std::optional<int> style,
                                     bool borrow = false);
    // A cell element's content as GetCell reports it.
    Result<CellValue> ReadCell(const pugi::xml_node& c);

    // ---- Cells of large parts, edited and read as text (workbook.cpp, sheet_stream.hpp) ----

    // SetCells, WriteRows and WriteTable: CheckPlaced, then WritePlaced.
    Status SetPlaced(const SheetEntry& entry, std::span<const PlacedValue> cells);
    // Preparing a value may add a shared string or a style, so every value is checked before
    // any is prepared: a bad one must leave the workbook as it was.
    Status CheckPlaced(std::span<const PlacedValue> cells);
    // Writes values CheckPlaced passed, through the DOM or, for large parts and edits, the
    // stream path.
    Status WritePlaced(const SheetEntry& entry, std::span<const PlacedValue> cells);

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
    Result<bool> SetCellsStreamed(const SheetEntry& entry, std::span<const PlacedValue> edits);
    Result<bool> FillNewCells(const SheetEntry& entry, const WorksheetText& sheet,
                              std::span<const PlacedValue> edits, const ColumnStyles& columns);
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

    // Outline (workbook_outline.cpp): one sheet's entry, from a scan of its part.
    Result<boost::json::object> SheetOutline(const SheetEntry& entry);

    // Reading (workbook_read.cpp): one <c> element's value and formula as stored.
    Result<CellContent> ReadCellNode(const pugi::xml_node& c);

    // Sheets (workbook_sheets.cpp): removes `root` with the parts only it reaches.
    Status RemovePartTree(const std::string& root);

    // Objects (workbook_objects.cpp)
    Result<std::vector<TableInfo>> SheetTables(const SheetEntry& sheet);
    Result<std::vector<TableInfo>> AllTables();
    Result<std::vector<DefinedNameInfo>> ListDefinedNames();
    Status CheckObjectNameFree(std::string_view name);
    Result<int> NextTableId();
    Result<int> DifferentialFormat(std::string_view fill_rgb, std::string_view font_rgb);
    Result<std::vector<CellWrite>> PrepareTexts(const std::vector<std::string>& texts);
    Status WriteTexts(const SheetEntry& sheet, const std::vector<CellRef>& refs,
                      const std::vector<CellWrite>& writes);
    // The qualified name of an r:id attribute under `root` ("r:id"), declaring the relationships
    // namespace on `root` when no prefix for it is in scope.
    std::string RelIdAttrName(pugi::xml_node root);
    std::string FreshPartName(std::string_view folder, std::string_view stem,
                              std::string_view extension) const;
    Result<std::string> AddPartRelationship(const std::string& source, const std::string& target,
                                            std::string_view type);
    Result<std::optional<std::string>> SheetRelatedPart(const std::string& sheet_part,
                                                        std::string_view type);
    Status CheckTableStyle(const std::string& style);
    Status CheckTableRangeFree(const SheetEntry& sheet, const CellRange& range,
                               const std::vector<TableInfo>& tables);
    Result<pugi::xml_node> FindDefinedName(std::string_view name, std::string_view sheet,
                                           std::optional<int>* local_id);
    Result<std::string> ChooseTableName(std::string_view name, std::size_t table_count);
    Status LinkTablePart(const SheetEntry& sheet, const std::string& part);
    Result<std::string> CheckLocation(std::string_view location, const SheetEntry& here);
    Result<HyperlinkSpec> CheckHyperlink(const HyperlinkSpec& link, const SheetEntry& here);
    void PutHyperlink(pugi::xml_node root, std::vector<ooxml::Relationship>& rels,
                      const CellRange& at, const HyperlinkSpec& link);
    Result<std::optional<std::string>> SheetVmlPart(const SheetEntry& sheet, pugi::xml_node root);
    Status CheckNoThreadedComment(const SheetEntry& sheet, CellRef cell);
    Result<int> NextVmlIdmap();
    Result<std::string> AddCommentsPart(const SheetEntry& sheet);
    Result<std::string> AddVmlPart(const SheetEntry& sheet, pugi::xml_node root, int idmap);
    void PutComment(const std::string& part, CellRef cell, std::string_view text,
                    std::string_view author);
    void PutNoteShape(const std::string& part, CellRef cell);

    // Formatting
    // The number of characters a cell shows, for fitting column widths: its text, its number
    // (a date as yyyy-mm-dd) or, for a formula, its cached result.
    Result<std::size_t> DisplayedLength(const pugi::xml_node& c);
    // 0-based position of a sheet in the workbook's sheet list, as localSheetId counts.
    Result<int> SheetIndex(std::string_view sheet);
    // kInvalidRequest, saying `why`, when `range` reaches into a table of the sheet.
    Status CheckClearOfTables(const SheetEntry& entry, const CellRange& range,
                              std::string_view why);

    // Charts
    // The drawing part a worksheet or chartsheet shows through its <drawing r:id>, if any.
    Result<std::optional<std::string>> DrawingPart(const SheetEntry& sheet);
    // Every chart on every sheet's drawing, in sheet and drawing order; drawings are loaded.
    Result<std::vector<ChartPlacement>> ChartPlacements();
    // The worksheet's drawing, created with its relationship, content type and <drawing> element
    // when it has none. Call only after validating: it changes the package.
    Result<std::string> EnsureDrawing(const SheetEntry& sheet);
    // Removes a drawing that holds no anchors any more, and the sheet's link to it.
    Status DropDrawingIfEmpty(const SheetEntry& sheet, const std::string& drawing_part);
    // The date format code of a cell's style ("yyyy-mm-dd", or the code of a built-in date
    // format), "" when the cell has no date format (chart category caches use it).
    Result<std::string> CellDateFormat(std::string_view sheet, CellRef at);
    // Loads what DropDrawingIfEmpty will need once the chart's anchor is gone from its drawing.
    Status PrepareToRemoveAnchor(const ChartPlacement& placement);
    // The prefix under which r:id attributes can be written on `root`, declared if needed.
    std::string RelIdPrefix(pugi::xml_node root);
    // Writes a chart part for a resolved spec and anchors it on the worksheet's drawing as
    // `name`, making the drawing if needed. Call only after validating: it changes the package.
    Status PlaceChart(const SheetEntry& sheet, const CellRange& area, const std::string& name,
                      const chart::ChartSpec& spec);
    // Moves a chart's anchor to another worksheet's drawing at `area`, relinking its chart part.
    Status MoveChartTo(const ChartPlacement& placement, const SheetEntry& target,
                       const CellRange& area);
    // Removes a chart part with its relationships and the style and colour parts only it uses.
    Status RemoveChartPart(const std::string& chart_part);
};

}  // namespace quire::xlsx
