#include "ooxml/xlsx/sheet_part.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/raw_tags.hpp"
#include "ooxml/xlsx/sml_xml.hpp"

namespace quire::xlsx {
namespace {

using ooxml::LocalName;

// The character data from the end of `tag` up to the next tag, as stored (entity references
// not decoded).
std::string_view TextAfter(std::string_view xml, const Tag& tag) {
    std::size_t lt = xml.find('<', tag.end);
    return xml.substr(tag.end, (lt == std::string_view::npos ? xml.size() : lt) - tag.end);
}

// The value of an unprefixed attribute inside a start tag's attribute text.
std::string_view AttrValue(std::string_view attrs, std::string_view name) {
    std::size_t pos = 0;
    while ((pos = attrs.find(name, pos)) != std::string_view::npos) {
        bool starts = pos > 0 && std::isspace(static_cast<unsigned char>(attrs[pos - 1]));
        std::size_t eq = attrs.find_first_not_of(" \t\r\n", pos + name.size());
        if (starts && eq != std::string_view::npos && attrs[eq] == '=') {
            std::size_t open = attrs.find_first_of("\"'", eq);
            if (open == std::string_view::npos) return {};
            std::size_t close = attrs.find(attrs[open], open + 1);
            if (close == std::string_view::npos) return {};
            return attrs.substr(open + 1, close - open - 1);
        }
        pos += name.size();
    }
    return {};
}

// The used range of a sheet part computed from its cells, "" when it has none.
std::string UsedRangeFromCells(std::string_view xml) {
    TagReader scanner(xml, 0);
    Tag tag;
    bool in_data = false;
    int row = 0;
    int col = 0;
    std::optional<CellRange> used;
    while (scanner.Next(tag)) {
        if (tag.local == "sheetData") {
            if (tag.closing) break;
            in_data = true;
        } else if (in_data && !tag.closing && tag.local == "row") {
            std::string_view r = AttrValue(tag.attrs, "r");
            row = r.empty() ? row + 1 : std::atoi(std::string(r).c_str());
            col = 0;
        } else if (in_data && !tag.closing && tag.local == "c") {
            std::optional<CellRef> ref = ParseCellRef(AttrValue(tag.attrs, "r"));
            CellRef at = ref ? *ref : CellRef{col + 1, std::max(row, 1)};
            row = at.row;
            col = at.col;
            used = used ? Union(*used, at) : CellRange{at, at};
        }
    }
    return used ? RangeName(*used) : std::string{};
}

}  // namespace

std::optional<std::string> DeclaredDimension(std::string_view head) {
    TagReader scanner(head, 0);
    Tag tag;
    while (scanner.Next(tag)) {
        if (tag.closing) continue;
        if (tag.local == "sheetData") return std::nullopt;
        if (tag.local == "dimension") {
            std::string_view ref = AttrValue(tag.attrs, "ref");
            if (!ref.empty() && ref != "A1") return std::string(ref);
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// A worksheet's used range: its <dimension ref> when it says more than "A1" (what writers put in
// empty sheets too), else computed from the cells.
std::string ScanDimension(std::string_view xml) {
    TagReader scanner(xml, 0);
    Tag tag;
    while (scanner.Next(tag)) {
        if (tag.closing) continue;
        if (tag.local == "dimension") {
            std::string_view ref = AttrValue(tag.attrs, "ref");
            if (!ref.empty() && ref != "A1") return std::string(ref);
            break;
        }
        if (tag.local == "sheetData") break;
    }
    return UsedRangeFromCells(xml);
}

namespace {

int IntOr(std::string_view text, int fallback) {
    return text.empty() ? fallback : std::atoi(std::string(text).c_str());
}

// A custom sheet view holds a pageSetup of its own (§18.3.1.25), before the sheet's: the last
// one read is the sheet's.
void ScanPrint(const Tag& tag, SheetCensus::Print& print) {
    if (tag.local == "pageSetUpPr") {
        std::string_view fit = AttrValue(tag.attrs, "fitToPage");
        print.fit_to_page = fit == "1" || fit == "true";
    } else if (tag.local == "pageSetup") {
        print.orientation = std::string(AttrValue(tag.attrs, "orientation"));
        print.scale = IntOr(AttrValue(tag.attrs, "scale"), 0);
        print.fit_to_width = IntOr(AttrValue(tag.attrs, "fitToWidth"), 1);
        print.fit_to_height = IntOr(AttrValue(tag.attrs, "fitToHeight"), 1);
    }
}

}  // namespace

SheetCensus ScanSheet(std::string_view xml, int head_rows) {
    SheetCensus census;
    TagReader scanner(xml, 0);
    Tag tag;
    bool in_data = false;
    bool in_inline = false;
    int row = 0;
    int col = 0;
    std::vector<SheetCensus::HeadCell>* head = nullptr;
    while (scanner.Next(tag)) {
        if (tag.local == "sheetData") {
            in_data = !tag.closing;
            continue;
        }
        if (tag.closing) {
            if (tag.local == "is") in_inline = false;
            continue;
        }
        if (tag.local == "mergeCell") {
            ++census.merged_ranges;
        } else if (!in_data) {
            census.validations += tag.local == "dataValidation";
            census.conditional_formats += tag.local == "cfRule";
            census.hyperlinks += tag.local == "hyperlink";
            ScanPrint(tag, census.print);
            continue;
        } else if (tag.local == "row") {
            std::string_view r = AttrValue(tag.attrs, "r");
            row = r.empty() ? row + 1 : std::atoi(std::string(r).c_str());
            col = 0;
            head = nullptr;
        } else if (tag.local == "c") {
            std::optional<CellRef> ref = ParseCellRef(AttrValue(tag.attrs, "r"));
            CellRef at = ref ? *ref : CellRef{col + 1, std::max(row, 1)};
            row = at.row;
            col = at.col;
            if (head == nullptr && static_cast<int>(census.head.size()) < head_rows) {
                head = &census.head.emplace_back();
            }
            if (head != nullptr && head->size() < kMaxHeadCells) {
                head->push_back({at, std::string(AttrValue(tag.attrs, "t")), {}});
            }
        } else if (tag.local == "f") {
            ++census.formulas;
        } else if (tag.local == "is") {
            in_inline = true;
        } else if (head != nullptr && !head->empty() &&
                   (tag.local == "v" || (tag.local == "t" && in_inline))) {
            head->back().value += TextAfter(xml, tag);
        }
    }
    return census;
}

namespace {

// Removes a cell's value, formula and metadata links, keeping its style and anything unknown.
void ClearCellContent(pugi::xml_node c) {
    c.remove_attribute("t");
    c.remove_attribute("cm");
    c.remove_attribute("vm");
    for (std::string_view local : {"f", "v", "is"}) {
        while (pugi::xml_node child = Child(c, local)) c.remove_child(child);
    }
}

void AppendText(pugi::xml_node parent, std::string_view local, std::string_view text) {
    pugi::xml_node node = InsertInOrder(parent, local, kCellOrder);
    node.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
}

}  // namespace

SheetWriter::SheetWriter(pugi::xml_document& doc) : root_(doc.document_element()) {
    data_ = ChildOrInsert(root_, "sheetData", kWorksheetOrder);
    IndexRows();
}

pugi::xml_node SheetWriter::FindCell(CellRef ref) {
    auto row = rows_.find(ref.row);
    if (row == rows_.end()) return {};
    NumberCells(row->second, ref.row);
    for (pugi::xml_node c = row->second.first_child(); c; c = c.next_sibling()) {
        if (IsCell(c) && ParseCellRef(c.attribute("r").value()) == ref) return c;
    }
    return {};
}

pugi::xml_node SheetWriter::Row(int r) {
    auto it = rows_.find(r);
    if (it != rows_.end()) return it->second;
    auto next = rows_.upper_bound(r);
    std::string name = SiblingName(data_, "row");
    pugi::xml_node row = next == rows_.end()
                             ? data_.append_child(name.c_str())
                             : data_.insert_child_before(name.c_str(), next->second);
    row.append_attribute("r").set_value(r);
    rows_.emplace(r, row);
    return row;
}

pugi::xml_node SheetWriter::Cell(pugi::xml_node row, CellRef ref, pugi::xml_node hint) {
    NumberCells(row, ref.row);
    pugi::xml_node c = hint ? hint : row.first_child();
    for (; c; c = c.next_sibling()) {
        if (!IsCell(c)) continue;
        std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
        if (at && at->col == ref.col) return Touch(c, ref);
        if (at && at->col > ref.col) break;
    }
    std::string name = SiblingName(row, "c");
    pugi::xml_node made =
        c ? row.insert_child_before(name.c_str(), c) : row.append_child(name.c_str());
    made.append_attribute("r").set_value(CellName(ref).c_str());
    WidenSpans(row, ref.col);
    return Touch(made, ref);
}

void SheetWriter::UpdateDimension() {
    if (!written_) return;
    pugi::xml_node dim = ChildOrInsert(root_, "dimension", kWorksheetOrder);
    std::optional<CellRange> range = ParseRange(dim.attribute("ref").value());
    // Writers put "A1" in empty sheets too; it only counts when there is a cell A1.
    if (range && *range == CellRange{{1, 1}, {1, 1}} && !FindCell({1, 1})) range.reset();
    CellRange merged = range ? Union(Union(*range, written_->first), written_->last) : *written_;
    SetAttr(dim, "ref", RangeName(merged));
}

bool SheetWriter::IsCell(const pugi::xml_node& node) {
    return node.type() == pugi::node_element && LocalName(node) == "c";
}

pugi::xml_node SheetWriter::Touch(pugi::xml_node c, CellRef ref) {
    written_ = written_ ? Union(*written_, ref) : CellRange{ref, ref};
    return c;
}

// Rows may omit r (then each is the one after the previous); a row inserted among them would
// shift their meaning, so every row gets its number written out.
void SheetWriter::IndexRows() {
    int implicit = 0;
    for (pugi::xml_node row = data_.first_child(); row; row = row.next_sibling()) {
        if (row.type() != pugi::node_element || LocalName(row) != "row") continue;
        pugi::xml_attribute r = row.attribute("r");
        int number = r ? r.as_int(implicit + 1) : implicit + 1;
        if (!r) row.append_attribute("r").set_value(number);
        implicit = number;
        rows_.emplace(number, row);
    }
}

// The same for cells without r inside a row about to be searched. Once is enough: every cell
// this writer adds has its r.
void SheetWriter::NumberCells(pugi::xml_node row, int r) {
    if (!numbered_.insert(r).second) return;
    int col = 0;
    for (pugi::xml_node c = row.first_child(); c; c = c.next_sibling()) {
        if (!IsCell(c)) continue;
        pugi::xml_attribute attr = c.attribute("r");
        std::optional<CellRef> at = attr ? ParseCellRef(attr.value()) : std::nullopt;
        if (!at) {
            at = CellRef{col + 1, r};
            SetAttr(c, "r", CellName(*at));
        }
        col = at->col;
    }
}

// spans ("1:5") is an optional hint of a row's first and last column; it must not exclude a
// new cell.
void SheetWriter::WidenSpans(pugi::xml_node row, int col) {
    pugi::xml_attribute spans = row.attribute("spans");
    if (!spans) return;
    std::string_view text = spans.value();
    auto colon = text.find(':');
    if (colon == std::string_view::npos || text.find(' ') != std::string_view::npos) {
        row.remove_attribute("spans");
        return;
    }
    int low = std::atoi(std::string(text.substr(0, colon)).c_str());
    int high = std::atoi(std::string(text.substr(colon + 1)).c_str());
    spans.set_value(fmt::format("{}:{}", std::min(low, col), std::max(high, col)).c_str());
}

// One pass: a bulk write asks this of every text cell.
bool NeedsSpacePreserved(std::string_view text) {
    if (text.empty()) return false;
    auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
    if (space(text.front()) || space(text.back())) return true;
    for (std::size_t i = 1; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '\t' || ch == '\n' || ch == '\r' || (ch == ' ' && text[i - 1] == ' ')) {
            return true;
        }
    }
    return false;
}

ColumnStyles ColumnStyles::Of(pugi::xml_node worksheet) {
    ColumnStyles styles;
    for (pugi::xml_node col : Child(worksheet, "cols").children()) {
        if (col.type() != pugi::node_element || LocalName(col) != "col") continue;
        if (!col.attribute("style")) continue;
        int min = IntAttr(col, "min", 1);
        styles.Add(min, IntAttr(col, "max", min), IntAttr(col, "style", 0));
    }
    return styles;
}

void ColumnStyles::Add(int min, int max, int style) { by_min_[min] = {max, style}; }

int ColumnStyles::At(int col) const {
    auto it = by_min_.upper_bound(col);
    if (it == by_min_.begin()) return 0;
    --it;
    return col <= it->second.first ? it->second.second : 0;
}

std::optional<int> NewCellStyle(pugi::xml_node row, int col, const ColumnStyles& columns) {
    int style =
        row && row.attribute("customFormat").as_bool() ? IntAttr(row, "s", 0) : columns.At(col);
    if (style == 0) return std::nullopt;
    return style;
}

bool HasFormula(const pugi::xml_node& c) { return static_cast<bool>(Child(c, "f")); }

void WriteCell(pugi::xml_node c, const CellWrite& write) {
    ClearCellContent(c);
    if (write.style) SetAttr(c, "s", std::to_string(*write.style));
    switch (write.kind) {
        case CellWrite::Kind::kClear:
            break;
        case CellWrite::Kind::kNumber:
            AppendText(c, "v", write.Text());
            break;
        case CellWrite::Kind::kSharedString:
            SetAttr(c, "t", "s");
            AppendText(c, "v", write.Text());
            break;
        case CellWrite::Kind::kBoolean:
            SetAttr(c, "t", "b");
            AppendText(c, "v", write.Text());
            break;
        case CellWrite::Kind::kFormula:
            AppendText(c, "f", write.Text());
            break;
        case CellWrite::Kind::kInlineString: {
            SetAttr(c, "t", "inlineStr");
            pugi::xml_node is = InsertInOrder(c, "is", kCellOrder);
            pugi::xml_node t = is.append_child(SiblingName(c, "t").c_str());
            if (NeedsSpacePreserved(write.Text()))
                t.append_attribute("xml:space").set_value("preserve");
            std::string_view text = write.Text();
            t.append_child(pugi::node_pcdata).set_value(text.data(), text.size());
            break;
        }
    }
}

// When the anchor of a shared formula is overwritten, the cells that borrow its text would be
// left with nothing: each gets the anchor's formula moved to its own position instead.
void DetachSharedFormula(SheetWriter& sheet, pugi::xml_node anchor, CellRef anchor_ref) {
    pugi::xml_node f = Child(anchor, "f");
    if (!f || std::string_view(f.attribute("t").value()) != "shared" || !f.attribute("ref")) {
        return;
    }
    std::string si = f.attribute("si").value();
    std::string text = NodeText(f);
    std::optional<CellRange> range = ParseRange(f.attribute("ref").value());
    if (!range) return;

    for (pugi::xml_node row : sheet.data().children()) {
        int r = IntAttr(row, "r", 0);
        if (r < range->first.row || r > range->last.row) continue;
        for (pugi::xml_node c : row.children()) {
            pugi::xml_node borrowed = Child(c, "f");
            if (c == anchor || !borrowed || si != borrowed.attribute("si").value() ||
                std::string_view(borrowed.attribute("t").value()) != "shared") {
                continue;
            }
            std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
            if (!at) continue;
            borrowed.remove_attribute("t");
            borrowed.remove_attribute("si");
            borrowed.remove_attribute("ref");
            SetNodeText(borrowed,
                        ShiftFormula(text, at->row - anchor_ref.row, at->col - anchor_ref.col));
        }
    }
}

namespace {

bool IsCol(const pugi::xml_node& node) {
    return node.type() == pugi::node_element && LocalName(node) == "col";
}

void SetWidth(pugi::xml_node col, int column, double width) {
    SetAttr(col, "min", std::to_string(column));
    SetAttr(col, "max", std::to_string(column));
    SetAttr(col, "width", fmt::format("{}", width));
    SetAttr(col, "customWidth", "1");
}

// Splits an entry covering [low, high] at the span's ends, then gives each column inside the
// span its own copy of it.
void SplitAndSize(pugi::xml_node cols, pugi::xml_node col, int first, int last,
                  const std::vector<double>& widths, std::vector<bool>& covered) {
    int low = IntAttr(col, "min", 1);
    int high = IntAttr(col, "max", low);
    if (high < first || low > last) return;
    if (low < first) {
        SetAttr(cols.insert_copy_before(col, col), "max", std::to_string(first - 1));
        low = first;
    }
    if (high > last) {
        SetAttr(cols.insert_copy_after(col, col), "min", std::to_string(last + 1));
        high = last;
    }
    pugi::xml_node previous = col;
    for (int j = low; j <= high; ++j) {
        pugi::xml_node entry = j == low ? col : cols.insert_copy_after(col, previous);
        SetWidth(entry, j, widths[static_cast<std::size_t>(j - first)]);
        covered[static_cast<std::size_t>(j - first)] = true;
        previous = entry;
    }
}

}  // namespace

void SetColumnWidths(pugi::xml_node worksheet, int first_col, const std::vector<double>& widths) {
    if (widths.empty()) return;
    const int last = first_col + static_cast<int>(widths.size()) - 1;
    pugi::xml_node cols = ChildOrInsert(worksheet, "cols", kWorksheetOrder);
    std::vector<pugi::xml_node> entries;
    for (pugi::xml_node col : cols.children()) {
        if (IsCol(col)) entries.push_back(col);
    }
    std::vector<bool> covered(widths.size(), false);
    for (pugi::xml_node col : entries) SplitAndSize(cols, col, first_col, last, widths, covered);

    // Columns without an entry get a new one in min order.
    std::string name = SiblingName(cols, "col");
    for (int j = first_col; j <= last; ++j) {
        if (covered[static_cast<std::size_t>(j - first_col)]) continue;
        pugi::xml_node after = cols.first_child();
        while (after && !(IsCol(after) && IntAttr(after, "min", 1) > j)) {
            after = after.next_sibling();
        }
        pugi::xml_node col =
            after ? cols.insert_child_before(name.c_str(), after) : cols.append_child(name.c_str());
        SetWidth(col, j, widths[static_cast<std::size_t>(j - first_col)]);
    }
}

void SetColumnWidths(pugi::xml_node worksheet, const std::vector<double>& widths) {
    SetColumnWidths(worksheet, 1, widths);
}

namespace {

void AddSelection(pugi::xml_node view, std::string_view pane, const std::string& cell) {
    pugi::xml_node selection = InsertInOrder(view, "selection", kSheetViewOrder);
    selection.append_attribute("pane").set_value(std::string(pane).c_str());
    selection.append_attribute("activeCell").set_value(cell.c_str());
    selection.append_attribute("sqref").set_value(cell.c_str());
}

}  // namespace

// With both splits the active pane is the bottom-right one, and Excel keeps one selection per
// pane it shows (§18.3.1.78); with one split only that pane's.
void FreezePanes(pugi::xml_node worksheet, CellRef top_left) {
    pugi::xml_node views = ChildOrInsert(worksheet, "sheetViews", kWorksheetOrder);
    pugi::xml_node view = Child(views, "sheetView");
    if (!view) {
        view = views.append_child(SiblingName(views, "sheetView").c_str());
        view.append_attribute("workbookViewId").set_value(0);
    }
    for (std::string_view local : {"pane", "selection"}) {
        while (pugi::xml_node old = Child(view, local)) view.remove_child(old);
    }
    const int columns = top_left.col - 1;
    const int rows = top_left.row - 1;
    if (columns == 0 && rows == 0) return;

    const std::string cell = CellName(top_left);
    const char* active = columns > 0 && rows > 0 ? "bottomRight"
                         : rows > 0              ? "bottomLeft"
                                                 : "topRight";
    pugi::xml_node pane = InsertInOrder(view, "pane", kSheetViewOrder);
    if (columns > 0) pane.append_attribute("xSplit").set_value(columns);
    if (rows > 0) pane.append_attribute("ySplit").set_value(rows);
    pane.append_attribute("topLeftCell").set_value(cell.c_str());
    pane.append_attribute("activePane").set_value(active);
    pane.append_attribute("state").set_value("frozen");
    if (columns > 0 && rows > 0) {
        AddSelection(view, "topRight", CellName({top_left.col, 1}));
        AddSelection(view, "bottomLeft", CellName({1, top_left.row}));
    }
    AddSelection(view, active, cell);
}

void FreezeHeaderRow(pugi::xml_node worksheet) { FreezePanes(worksheet, CellRef{1, 2}); }

}  // namespace quire::xlsx
