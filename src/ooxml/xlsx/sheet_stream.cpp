#include "ooxml/xlsx/sheet_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/raw_tags.hpp"
#include "ooxml/xlsx/sml_xml.hpp"

namespace quire::xlsx {
namespace {

constexpr std::size_t kNpos = std::string_view::npos;

// One attribute of a start tag's attribute text: its whole text and its value, as written.
struct RawAttr {
    std::string_view name;
    std::string_view value;
    std::size_t begin = 0;  // offset of the name in the attribute text
    std::size_t end = 0;    // one past the closing quote
};

// The attribute of a start tag's attribute text that starts at or after `pos`; false at the end
// or at anything malformed.
bool NextAttr(std::string_view attrs, std::size_t& pos, RawAttr& attr) {
    std::size_t i = attrs.find_first_not_of(" \t\r\n", pos);
    if (i == kNpos) return false;
    std::size_t name_end = attrs.find_first_of(" \t\r\n=", i);
    if (name_end == kNpos) return false;
    std::size_t eq = attrs.find_first_not_of(" \t\r\n", name_end);
    if (eq == kNpos || attrs[eq] != '=') return false;
    std::size_t open = attrs.find_first_not_of(" \t\r\n", eq + 1);
    if (open == kNpos || (attrs[open] != '"' && attrs[open] != '\'')) return false;
    std::size_t close = attrs.find(attrs[open], open + 1);
    if (close == kNpos) return false;
    attr = {attrs.substr(i, name_end - i), attrs.substr(open + 1, close - open - 1), i, close + 1};
    pos = close + 1;
    return true;
}

// Attributes are read in order, so "r" never matches inside "spans" or a value.
std::optional<RawAttr> FindAttr(std::string_view attrs, std::string_view name) {
    std::size_t pos = 0;
    RawAttr attr;
    while (NextAttr(attrs, pos, attr)) {
        if (attr.name == name) return attr;
    }
    return std::nullopt;
}

// An attribute's value as pugixml's as_int reads it: the leading integer, 0 when there is none.
int IntValue(std::string_view value) {
    std::size_t start = value.find_first_not_of(" \t\r\n");
    if (start == kNpos) return 0;
    if (value[start] == '+') ++start;
    int number = 0;
    std::from_chars(value.data() + start, value.data() + value.size(), number);
    return number;
}

// A start tag rebuilt with `name` set to `value` (added at the end when missing) or, with no
// value, removed. The value must already be escaped for a double-quoted attribute.
std::string RebuildTag(std::string_view qname, std::string_view attrs, bool empty,
                       std::string_view name, std::optional<std::string_view> value) {
    std::string edited(attrs);
    if (std::optional<RawAttr> found = FindAttr(attrs, name)) {
        if (value) {
            edited.replace(found->begin, found->end - found->begin,
                           fmt::format("{}=\"{}\"", name, *value));
        } else {
            std::size_t from = found->begin;
            while (from > 0 && std::isspace(static_cast<unsigned char>(edited[from - 1]))) --from;
            edited.erase(from, found->end - from);
        }
    } else if (value) {
        edited += fmt::format(" {}=\"{}\"", name, *value);
    }
    return fmt::format("<{}{}{}", qname, edited, empty ? "/>" : ">");
}

std::string_view PrefixOf(std::string_view qname) {
    std::size_t colon = qname.find(':');
    return colon == kNpos ? std::string_view{} : qname.substr(0, colon + 1);
}

void AppendInt(std::string& out, int value) {
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

// Writes a cell into room made for its longest form: a bulk write appends a million cells, and a
// capacity check on every small append costs more than the bytes.
class CellBytes {
public:
    explicit CellBytes(char* at) : at_(at) {}

    // The most bytes a cell with this prefix and text can take: each text byte escapes to at
    // most five, the markup around it is fixed.
    static std::size_t MostFor(std::string_view prefix, std::string_view text) {
        return 160 + 8 * prefix.size() + 5 * text.size();
    }

    // Markup of a known length, copied without a call.
    template <std::size_t N>
    void Put(const char (&literal)[N]) {
        std::memcpy(at_, literal, N - 1);
        at_ += N - 1;
    }
    void Put(std::string_view text) {
        std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
    }
    // Most parts use the default namespace: no prefix.
    void Prefix(std::string_view prefix) {
        if (!prefix.empty()) Put(prefix);
    }
    void Put(char ch) { *at_++ = ch; }
    void Int(int value) { at_ = std::to_chars(at_, at_ + 12, value).ptr; }

    // CellName without a temporary string.
    void CellName(CellRef ref) {
        char letters[4];
        int n = 0;
        for (int col = ref.col; col > 0 && n < 4; col = (col - 1) / 26) {
            letters[n++] = static_cast<char>('A' + (col - 1) % 26);
        }
        while (n > 0) Put(letters[--n]);
        Int(ref.row);
    }

    // Element text escaped the way pugixml writes it, so that both paths give the same bytes.
    void Escaped(std::string_view text) {
        static constexpr std::array<bool, 256> kPlain = [] {
            std::array<bool, 256> plain{};
            for (int byte = 0; byte < 256; ++byte) {
                plain[byte] = byte != '&' && byte != '<' && byte != '>' &&
                              (byte >= 0x20 || byte == '\t' || byte == '\n' || byte == '\r');
            }
            return plain;
        }();
        auto plain = [](char ch) { return kPlain[static_cast<unsigned char>(ch)]; };
        std::size_t run = 0;
        while (run < text.size() && plain(text[run])) ++run;
        Put(text.substr(0, run));
        for (char ch : text.substr(run)) {
            auto byte = static_cast<unsigned char>(ch);
            if (ch == '&') {
                Put("&amp;");
            } else if (ch == '<') {
                Put("&lt;");
            } else if (ch == '>') {
                Put("&gt;");
            } else if (byte < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
                Put("&#");
                Put(static_cast<char>('0' + byte / 10));
                Put(static_cast<char>('0' + byte % 10));
                Put(';');
            } else {
                Put(ch);
            }
        }
    }

    void Element(std::string_view prefix, char local, std::string_view text) {
        Put('<');
        Prefix(prefix);
        Put(local);
        Put('>');
        Escaped(text);
        Put("</");
        Prefix(prefix);
        Put(local);
        Put('>');
    }

    char* at() const { return at_; }

private:
    char* at_;
};

void WriteNewCell(CellBytes& out, std::string_view prefix, const StreamedCell& cell) {
    const CellWrite& write = cell.write;
    out.Put('<');
    out.Prefix(prefix);
    out.Put("c r=\"");
    out.CellName(cell.ref);
    out.Put('"');
    if (write.style) {
        out.Put(" s=\"");
        out.Int(*write.style);
        out.Put('"');
    }
    switch (write.kind) {
        case CellWrite::Kind::kClear:
            out.Put("/>");
            return;
        case CellWrite::Kind::kNumber:
            out.Put('>');
            out.Element(prefix, 'v', write.Text());
            break;
        case CellWrite::Kind::kSharedString:
            out.Put(" t=\"s\">");
            out.Element(prefix, 'v', write.Text());
            break;
        case CellWrite::Kind::kBoolean:
            out.Put(" t=\"b\">");
            out.Element(prefix, 'v', write.Text());
            break;
        case CellWrite::Kind::kFormula:
            out.Put('>');
            out.Element(prefix, 'f', write.Text());
            break;
        case CellWrite::Kind::kInlineString: {
            out.Put(" t=\"inlineStr\"><");
            out.Prefix(prefix);
            out.Put("is><");
            out.Prefix(prefix);
            out.Put('t');
            if (NeedsSpacePreserved(write.Text())) out.Put(" xml:space=\"preserve\"");
            out.Put('>');
            out.Escaped(write.Text());
            out.Put("</");
            out.Prefix(prefix);
            out.Put("t></");
            out.Prefix(prefix);
            out.Put("is>");
            break;
        }
    }
    out.Put("</");
    out.Prefix(prefix);
    out.Put("c>");
}

// A cell that did not exist, as WriteCell makes it on a new <c r="..">.
void AppendNewCell(std::string& out, std::string_view prefix, const StreamedCell& cell) {
    const std::size_t size = out.size();
    const std::size_t most = size + CellBytes::MostFor(prefix, cell.write.Text());
    // Doubling keeps appending linear where the caller reserved too little.
    if (most > out.capacity()) out.reserve(std::max(most, 2 * out.capacity()));
    // The room is written, not zeroed first: most cells take a fraction of their bound.
    out.resize_and_overwrite(most, [&](char* data, std::size_t) {
        CellBytes bytes(data + size);
        WriteNewCell(bytes, prefix, cell);
        return static_cast<std::size_t>(bytes.at() - data);
    });
}

bool IsUtf8Text(std::string_view xml) {
    if (xml.starts_with("\xFE\xFF") || xml.starts_with("\xFF\xFE")) return false;
    if (!xml.starts_with("<?xml")) return true;
    std::size_t end = xml.find("?>");
    if (end == kNpos) return false;
    std::optional<RawAttr> encoding = FindAttr(xml.substr(5, end - 5), "encoding");
    return !encoding || EqualsIgnoreCase(encoding->value, "utf-8");
}

bool FollowsDimension(std::string_view local) {
    auto dim = std::find(kWorksheetOrder.begin(), kWorksheetOrder.end(), "dimension");
    return std::find(dim + 1, kWorksheetOrder.end(), local) != kWorksheetOrder.end();
}

std::unexpected<Error> Malformed(std::string_view part_name) {
    return InvalidRequest(fmt::format("the part {} is not well-formed XML", part_name));
}

// One cell of a row: where its element starts and ends, and its column.
struct RawCell {
    Tag tag;
    std::size_t end = 0;
    int col = 0;
    bool has_r = false;
};

// One row of <sheetData>.
struct RawRow {
    Tag tag;
    int number = 0;
    bool has_r = false;
    std::size_t close_begin = 0;  // at its end tag, or its end when written "<row/>"
    std::size_t end = 0;
    std::vector<RawCell> cells;  // filled only when asked for
};

// The rows of <sheetData> in order, numbered as SheetWriter numbers them: a row without r is the
// one after the previous row, a cell without r the one right of the previous cell.
class RowReader {
public:
    RowReader(std::string_view xml, std::size_t content_begin)
        : xml_(xml), tags_(xml, content_begin) {}

    // The next row's start tag; false at </sheetData> (ok() then) or at malformed text.
    bool NextRow(RawRow& row) {
        Tag tag;
        while (tags_.Next(tag)) {
            if (tag.closing) {
                close_begin_ = tag.begin;
                return false;
            }
            if (tag.local != "row") {
                if (!tags_.SkipElement(tag)) return false;
                continue;
            }
            row.tag = tag;
            std::optional<RawAttr> r = FindAttr(tag.attrs, "r");
            row.has_r = r.has_value();
            row.number = r ? IntValue(r->value) : previous_ + 1;
            previous_ = row.number;
            row.cells.clear();
            return true;
        }
        return false;
    }

    // Reads the row's content up to its end tag, collecting its cells when `with_cells`.
    bool ReadBody(RawRow& row, bool with_cells) {
        if (row.tag.empty) {
            row.close_begin = row.end = row.tag.end;
            return true;
        }
        if (!with_cells && SkipBody(row)) return true;
        int col = 0;
        Tag tag;
        while (tags_.Next(tag)) {
            if (tag.closing) {
                row.close_begin = tag.begin;
                row.end = tag.end;
                return true;
            }
            Tag close = tag;
            if (!tags_.SkipElement(tag, &close)) return false;
            if (!with_cells || tag.local != "c") continue;
            RawCell cell{tag, close.end, 0, false};
            std::optional<RawAttr> r = FindAttr(tag.attrs, "r");
            std::optional<CellRef> at = r ? ParseCellRef(r->value) : std::nullopt;
            cell.has_r = at.has_value();
            cell.col = at ? at->col : col + 1;
            col = cell.col;
            row.cells.push_back(cell);
        }
        return false;
    }

    bool ok() const { return close_begin_ != kNpos; }
    std::size_t close_begin() const { return close_begin_; }

private:
    // Most rows are skipped whole: a search for the end tag is many times faster than reading
    // every tag. It is trusted only when nothing between could hide or fake one (a comment,
    // CDATA, or the start of another row); otherwise the row is read tag by tag.
    bool SkipBody(RawRow& row) {
        if (row.tag.qname != close_name_) {
            close_name_ = row.tag.qname;
            close_tag_ = fmt::format("</{}>", close_name_);
            open_tag_ = fmt::format("<{}", close_name_);
        }
        std::size_t at = xml_.find(close_tag_, row.tag.end);
        if (at == kNpos) return false;
        std::string_view body = xml_.substr(row.tag.end, at - row.tag.end);
        if (body.find("<!") != kNpos || body.find(open_tag_) != kNpos) return false;
        row.close_begin = at;
        row.end = at + close_tag_.size();
        tags_.Seek(row.end);
        return true;
    }

    std::string_view xml_;
    std::string_view close_name_;
    std::string close_tag_;
    std::string open_tag_;
    TagReader tags_;
    int previous_ = 0;
    std::size_t close_begin_ = kNpos;
};

std::string XmlnsAttributes(std::string_view attrs) {
    std::string out;
    std::size_t pos = 0;
    RawAttr attr;
    while (NextAttr(attrs, pos, attr)) {
        if (attr.name == "xmlns" || attr.name.starts_with("xmlns:")) {
            out += ' ';
            out += attrs.substr(attr.begin, attr.end - attr.begin);
        }
    }
    return out;
}

}  // namespace

std::optional<WorksheetText> WorksheetText::Scan(std::string_view xml) {
    if (!IsUtf8Text(xml)) return std::nullopt;
    WorksheetText text(xml);
    if (!text.ScanProlog()) return std::nullopt;
    return text;
}

bool WorksheetText::ScanProlog() {
    TagReader reader(xml_, 0);
    Tag tag;
    if (!reader.Next(tag) || tag.closing || tag.empty) return false;
    root_qname_ = tag.qname;
    namespaces_ = XmlnsAttributes(tag.attrs);
    dimension_insert_ = kNpos;
    int depth = 1;
    while (reader.Next(tag)) {
        if (tag.closing) {
            if (--depth == 0) return false;
            continue;
        }
        if (depth == 1 && tag.local == "sheetData") {
            if (dimension_insert_ == kNpos) dimension_insert_ = tag.begin;
            data_begin_ = tag.begin;
            data_content_ = tag.end;
            data_qname_ = tag.qname;
            data_attrs_ = tag.attrs;
            data_empty_ = tag.empty;
            return true;
        }
        if (depth == 1 && tag.local == "dimension" && !dimension_) {
            dimension_ = std::pair(tag.begin, tag.end);
            dimension_attrs_ = tag.attrs;
            dimension_empty_ = tag.empty;
        }
        if (depth == 1 && dimension_insert_ == kNpos && FollowsDimension(tag.local)) {
            dimension_insert_ = tag.begin;
        }
        if (!tag.empty) ++depth;
    }
    return false;
}

Result<std::vector<std::string_view>> WorksheetText::FindCells(
    std::span<const CellRef> refs, std::string_view part_name, bool whole,
    std::vector<std::optional<int>>* row_styles) const {
    std::vector<std::string_view> found(refs.size());
    if (row_styles != nullptr) row_styles->assign(refs.size(), std::nullopt);
    if ((refs.empty() && !whole) || data_empty_) return found;
    std::vector<std::size_t> order(refs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return refs[a].row != refs[b].row ? refs[a].row < refs[b].row : refs[a].col < refs[b].col;
    });

    RowReader rows(xml_, data_content_);
    RawRow row;
    std::size_t next = 0;
    while ((whole || next < order.size()) && rows.NextRow(row)) {
        while (next < order.size() && refs[order[next]].row < row.number) ++next;
        bool wanted = next < order.size() && refs[order[next]].row == row.number;
        if (!rows.ReadBody(row, wanted)) return Malformed(part_name);
        if (!wanted) continue;
        std::size_t first = next;
        while (next < order.size() && refs[order[next]].row == row.number) ++next;
        if (row_styles != nullptr) {
            std::optional<RawAttr> custom = FindAttr(row.tag.attrs, "customFormat");
            std::optional<RawAttr> s = FindAttr(row.tag.attrs, "s");
            if (custom && (custom->value == "1" || custom->value == "true") && s) {
                for (std::size_t k = first; k < next; ++k)
                    (*row_styles)[order[k]] = IntValue(s->value);
            }
        }
        for (std::size_t k = first; k < next; ++k) {
            for (const RawCell& cell : row.cells) {
                if (cell.col != refs[order[k]].col) continue;
                found[order[k]] = xml_.substr(cell.tag.begin, cell.end - cell.tag.begin);
                break;
            }
        }
    }
    if ((whole || next < order.size()) && !rows.ok()) return Malformed(part_name);
    return found;
}

Result<std::unique_ptr<pugi::xml_document>> WorksheetText::ParseCell(
    std::string_view cell, std::string_view part_name) const {
    std::string wrapped = fmt::format("<{}{}>{}</{}>", root_qname_, namespaces_, cell, root_qname_);
    return ooxml::ParseXml(wrapped, part_name);
}

ColumnStyles WorksheetText::ColumnStylesOf() const {
    ColumnStyles styles;
    TagReader reader(xml_, 0);
    Tag tag;
    while (reader.Next(tag) && tag.begin < data_begin_) {
        if (tag.closing || tag.local != "col") continue;
        std::optional<RawAttr> style = FindAttr(tag.attrs, "style");
        if (!style) continue;
        std::optional<RawAttr> min = FindAttr(tag.attrs, "min");
        std::optional<RawAttr> max = FindAttr(tag.attrs, "max");
        int low = min ? IntValue(min->value) : 1;
        styles.Add(low, max ? IntValue(max->value) : low, IntValue(style->value));
    }
    return styles;
}

std::optional<int> WorksheetText::CellStyle(std::string_view cell) {
    TagReader reader(cell, 0);
    Tag tag;
    if (!reader.Next(tag)) return std::nullopt;
    std::optional<RawAttr> s = FindAttr(tag.attrs, "s");
    if (!s) return std::nullopt;
    return IntValue(s->value);
}

// Where merged text goes: either a new string, or a list of splices to apply to the scanned
// text in place. The merge says which ranges of the input it keeps (Copy, in order) and appends
// what it makes to Text().
class MergeSink {
public:
    struct Splice {
        std::size_t begin = 0;  // the input range it replaces
        std::size_t end = 0;
        std::string text;
    };

    // Into `out` when given, else into splices().
    MergeSink(std::string_view xml, std::string* out) : xml_(xml), out_(out) {}

    void Copy(std::size_t from, std::size_t to) {
        if (from == to) return;
        if (out_ != nullptr) {
            out_->append(xml_.substr(from, to - from));
            return;
        }
        if (open_ || from != kept_) {
            if (!open_) splices_.push_back({kept_, from, {}});
            splices_.back().end = from;
            open_ = false;
        }
        kept_ = to;
    }

    std::string& Text() {
        if (out_ != nullptr) return *out_;
        if (!open_) {
            splices_.push_back({kept_, kept_, {}});
            open_ = true;
        }
        return splices_.back().text;
    }

    // The splices, once the merge has copied up to the end of the input.
    std::vector<Splice>& splices() { return splices_; }

private:
    std::string_view xml_;
    std::string* out_;
    std::vector<Splice> splices_;
    std::size_t kept_ = 0;
    bool open_ = false;
};

namespace {

// Applies splices (in input order, not overlapping) to `text` without reallocating it. Kept
// ranges that move left are moved first, front to back, then those that move right, back to
// front: neither pass overwrites a range not yet moved.
void ApplySplices(std::string& text, std::vector<MergeSink::Splice>& splices) {
    struct Range {
        std::size_t from, to;
        std::ptrdiff_t shift;
    };
    std::vector<Range> kept;
    std::ptrdiff_t shift = 0;
    std::size_t at = 0;
    for (const MergeSink::Splice& splice : splices) {
        kept.push_back({at, splice.begin, shift});
        shift += static_cast<std::ptrdiff_t>(splice.text.size()) -
                 static_cast<std::ptrdiff_t>(splice.end - splice.begin);
        at = splice.end;
    }
    kept.push_back({at, text.size(), shift});
    const std::size_t old_size = text.size();
    if (shift > 0) text.resize(old_size + static_cast<std::size_t>(shift));
    char* data = text.data();
    auto move = [&](const Range& r) {
        if (r.to > r.from && r.shift != 0) {
            std::memmove(data + static_cast<std::ptrdiff_t>(r.from) + r.shift, data + r.from,
                         r.to - r.from);
        }
    };
    for (const Range& r : kept) {
        if (r.shift < 0) move(r);
    }
    for (auto r = kept.rbegin(); r != kept.rend(); ++r) {
        if (r->shift > 0) move(*r);
    }
    for (std::size_t i = 0; i < splices.size(); ++i) {
        // Each splice's text goes right after the kept range before it, moved.
        std::size_t dest =
            static_cast<std::size_t>(static_cast<std::ptrdiff_t>(kept[i].to) + kept[i].shift);
        std::memcpy(data + dest, splices[i].text.data(), splices[i].text.size());
    }
    if (shift < 0) text.resize(old_size - static_cast<std::size_t>(-shift));
}

}  // namespace

Status WorksheetText::Merge(MergeSink& sink, std::span<const StreamedCell> cells,
                            std::span<const SharedFormulaGroup> detached,
                            std::string_view part_name) const {
    Result<std::string> dimension = DimensionTag(cells, part_name);
    if (!dimension) return std::unexpected(dimension.error());
    WriteHead(sink, *dimension);
    return MergeRows(sink, cells, detached, part_name);
}

void WorksheetText::WriteHead(MergeSink& sink, std::string_view dimension) const {
    sink.Copy(0, dimension_ ? dimension_->first : dimension_insert_);
    sink.Text() += dimension;
    std::size_t resume = dimension_ ? dimension_->second : dimension_insert_;
    if (data_empty_) {
        sink.Copy(resume, data_begin_);
        sink.Text() += fmt::format("<{}{}>", data_qname_, data_attrs_);
    } else {
        sink.Copy(resume, data_content_);
    }
}

Result<std::string> WorksheetText::MergeCells(std::span<const StreamedCell> cells,
                                              std::span<const SharedFormulaGroup> detached,
                                              std::string_view part_name) const {
    if (cells.empty()) return std::string(xml_);
    // One allocation for the whole result: a reallocation would copy a large part once more.
    std::size_t estimate = xml_.size() + 256;
    for (const StreamedCell& cell : cells) estimate += cell.write.Text().size() + 56;
    std::string out;
    out.reserve(estimate);
    MergeSink sink(xml_, &out);
    if (Status merged = Merge(sink, cells, detached, part_name); !merged) {
        return std::unexpected(merged.error());
    }
    return out;
}

Result<bool> WorksheetText::MergeCellsInPlace(std::string& text,
                                              std::span<const StreamedCell> cells,
                                              std::span<const SharedFormulaGroup> detached,
                                              std::string_view part_name) const {
    if (cells.empty()) return true;
    MergeSink sink(xml_, nullptr);
    if (Status merged = Merge(sink, cells, detached, part_name); !merged) {
        return std::unexpected(merged.error());
    }
    std::size_t growth = 0;
    for (const MergeSink::Splice& splice : sink.splices()) {
        growth += splice.text.size();
    }
    if (text.size() + growth > text.capacity()) return false;
    ApplySplices(text, sink.splices());
    return true;
}

// The <dimension> start tag widened to the edited cells, as SheetWriter::UpdateDimension does.
Result<std::string> WorksheetText::DimensionTag(std::span<const StreamedCell> cells,
                                                std::string_view part_name) const {
    CellRange written{cells.front().ref, cells.front().ref};
    bool writes_a1 = false;
    for (const StreamedCell& cell : cells) {
        written = Union(written, cell.ref);
        writes_a1 = writes_a1 || cell.ref == CellRef{1, 1};
    }
    return DimensionTag(written, writes_a1, part_name);
}

Result<std::string> WorksheetText::DimensionTag(CellRange written, bool writes_a1,
                                                std::string_view part_name) const {
    std::optional<CellRange> range;
    if (dimension_) {
        std::optional<RawAttr> ref = FindAttr(dimension_attrs_, "ref");
        if (ref) range = ParseRange(ref->value);
    }
    // Writers put "A1" in empty sheets too; it only counts when there is a cell A1.
    if (range && *range == CellRange{{1, 1}, {1, 1}} && !writes_a1) {
        const CellRef a1{1, 1};
        Result<std::vector<std::string_view>> found = FindCells({&a1, 1}, part_name);
        if (!found) return std::unexpected(found.error());
        if (found->front().empty()) range.reset();
    }
    CellRange merged = range ? Union(Union(*range, written.first), written.last) : written;
    if (dimension_) {
        std::string_view qname = xml_.substr(dimension_->first + 1);
        qname = qname.substr(0, qname.find_first_of(" \t\r\n/>"));
        return RebuildTag(qname, dimension_attrs_, dimension_empty_, "ref", RangeName(merged));
    }
    return fmt::format("<{}dimension ref=\"{}\"/>", PrefixOf(root_qname_), RangeName(merged));
}

namespace {

// Writes one row of the merged text: its start tag (with r, and spans widened to new cells),
// its cells merged with the edits, and its end.
class RowMerger {
public:
    RowMerger(std::string_view xml, const WorksheetText& sheet,
              std::span<const SharedFormulaGroup> detached, std::string_view part_name)
        : xml_(xml), sheet_(sheet), detached_(detached), part_name_(part_name) {}

    bool InDetachedRows(int r) const {
        return std::any_of(detached_.begin(), detached_.end(), [r](const SharedFormulaGroup& g) {
            return r >= g.range.first.row && r <= g.range.last.row;
        });
    }

    // A row that did not exist, holding only new cells.
    void NewRow(MergeSink& sink, std::string_view prefix, std::span<const StreamedCell> cells) {
        std::string& out = sink.Text();
        out += '<';
        out += prefix;
        out += "row r=\"";
        AppendInt(out, cells.front().ref.row);
        out += "\">";
        for (const StreamedCell& cell : cells) AppendNewCell(out, prefix, cell);
        out += "</";
        out += prefix;
        out += "row>";
    }

    Status ExistingRow(MergeSink& sink, const RawRow& row, std::span<const StreamedCell> cells) {
        std::string_view prefix = PrefixOf(row.tag.qname);
        sink.Text() += StartTag(row, cells);
        if (row.tag.empty) {
            for (const StreamedCell& cell : cells) AppendNewCell(sink.Text(), prefix, cell);
            sink.Text() += fmt::format("</{}>", row.tag.qname);
            return {};
        }
        std::size_t copied = row.tag.end;
        std::size_t k = 0;
        for (const RawCell& raw : row.cells) {
            sink.Copy(copied, raw.tag.begin);
            while (k < cells.size() && cells[k].ref.col < raw.col) {
                AppendNewCell(sink.Text(), prefix, cells[k++]);
            }
            Status written = k < cells.size() && cells[k].ref.col == raw.col
                                 ? Rewrite(sink, raw, row.number, &cells[k++].write)
                                 : CopyCell(sink, raw, row.number);
            if (!written) return written;
            copied = raw.end;
        }
        sink.Copy(copied, row.close_begin);
        for (; k < cells.size(); ++k) AppendNewCell(sink.Text(), prefix, cells[k]);
        sink.Copy(row.close_begin, row.end);
        return {};
    }

private:
    std::string StartTag(const RawRow& row, std::span<const StreamedCell> cells) const {
        std::string tag(xml_.substr(row.tag.begin, row.tag.end - row.tag.begin));
        if (!row.has_r) {
            tag = RebuildTag(row.tag.qname, row.tag.attrs, row.tag.empty, "r",
                             std::to_string(row.number));
        }
        std::optional<RawAttr> spans = FindAttr(row.tag.attrs, "spans");
        if (!spans) return tag;
        std::vector<int> added;
        for (const StreamedCell& cell : cells) {
            bool exists = std::any_of(row.cells.begin(), row.cells.end(),
                                      [&](const RawCell& raw) { return raw.col == cell.ref.col; });
            if (!exists) added.push_back(cell.ref.col);
        }
        if (added.empty()) return tag;
        // spans ("1:5") is an optional hint of the row's first and last column; it must not
        // exclude a new cell, and a list of ranges is dropped rather than rewritten.
        std::string_view text = spans->value;
        std::size_t colon = text.find(':');
        std::optional<std::string> widened;
        if (colon != kNpos && text.find(' ') == kNpos) {
            int low = IntValue(text.substr(0, colon));
            int high = IntValue(text.substr(colon + 1));
            for (int col : added) {
                low = std::min(low, col);
                high = std::max(high, col);
            }
            widened = fmt::format("{}:{}", low, high);
        }
        TagReader reader(tag, 0);
        Tag parsed;
        reader.Next(parsed);
        return RebuildTag(parsed.qname, parsed.attrs, parsed.empty, "spans", widened);
    }

    Status CopyCell(MergeSink& sink, const RawCell& raw, int row_number) {
        std::string_view text = xml_.substr(raw.tag.begin, raw.end - raw.tag.begin);
        if (InDetachedRows(row_number) && text.find("shared") != kNpos) {
            return Rewrite(sink, raw, row_number, nullptr);
        }
        if (!raw.has_r) {
            sink.Text() += RebuildTag(raw.tag.qname, raw.tag.attrs, raw.tag.empty, "r",
                                      CellName({raw.col, row_number}));
            sink.Copy(raw.tag.end, raw.end);
            return {};
        }
        sink.Copy(raw.tag.begin, raw.end);
        return {};
    }

    // The cell parsed alone and given `write`, or, without one, its share of a detached group.
    Status Rewrite(MergeSink& sink, const RawCell& raw, int row_number, const CellWrite* write) {
        std::string_view text = xml_.substr(raw.tag.begin, raw.end - raw.tag.begin);
        auto doc = sheet_.ParseCell(text, part_name_);
        if (!doc) return std::unexpected(doc.error());
        pugi::xml_node c = (*doc)->document_element().find_child(
            [](const pugi::xml_node& node) { return node.type() == pugi::node_element; });
        const CellRef at{raw.col, row_number};
        if (!raw.has_r) SetAttr(c, "r", CellName(at));
        if (write != nullptr) {
            WriteCell(c, *write);
        } else {
            Detach(c, at);
        }
        sink.Text() += OuterXml(c);
        return {};
    }

    // As DetachSharedFormula does for each member of a group whose anchor is overwritten.
    void Detach(pugi::xml_node c, CellRef at) const {
        pugi::xml_node f = Child(c, "f");
        if (!f || std::string_view(f.attribute("t").value()) != "shared") return;
        std::string_view si = f.attribute("si").value();
        for (const SharedFormulaGroup& group : detached_) {
            if (group.si != si || at.row < group.range.first.row || at.row > group.range.last.row) {
                continue;
            }
            f.remove_attribute("t");
            f.remove_attribute("si");
            f.remove_attribute("ref");
            SetNodeText(f, ShiftFormula(group.formula, at.row - group.anchor.row,
                                        at.col - group.anchor.col));
            return;
        }
    }

    std::string_view xml_;
    const WorksheetText& sheet_;
    std::span<const SharedFormulaGroup> detached_;
    std::string_view part_name_;
};

}  // namespace

Status WorksheetText::MergeRows(MergeSink& sink, std::span<const StreamedCell> cells,
                                std::span<const SharedFormulaGroup> detached,
                                std::string_view part_name) const {
    RowMerger merger(xml_, *this, detached, part_name);
    std::string_view prefix = PrefixOf(data_qname_);
    auto row_end = [&](std::size_t from) {
        std::size_t to = from;
        while (to < cells.size() && cells[to].ref.row == cells[from].ref.row) ++to;
        return to;
    };
    std::size_t next = 0;
    if (!data_empty_) {
        RowReader rows(xml_, data_content_);
        RawRow row;
        std::size_t copied = data_content_;
        while (rows.NextRow(row)) {
            bool edited = next < cells.size() && cells[next].ref.row <= row.number;
            bool detaching = merger.InDetachedRows(row.number);
            if (!rows.ReadBody(row, edited || detaching)) return Malformed(part_name);
            if (!edited && !detaching && row.has_r) continue;

            sink.Copy(copied, row.tag.begin);
            while (next < cells.size() && cells[next].ref.row < row.number) {
                std::size_t to = row_end(next);
                merger.NewRow(sink, prefix, cells.subspan(next, to - next));
                next = to;
            }
            std::size_t to = next;
            while (to < cells.size() && cells[to].ref.row == row.number) ++to;
            Status merged = merger.ExistingRow(sink, row, cells.subspan(next, to - next));
            if (!merged) return merged;
            next = to;
            copied = row.end;
        }
        if (!rows.ok()) return Malformed(part_name);
        sink.Copy(copied, rows.close_begin());
        while (next < cells.size()) {
            std::size_t to = row_end(next);
            merger.NewRow(sink, prefix, cells.subspan(next, to - next));
            next = to;
        }
        sink.Copy(rows.close_begin(), xml_.size());
        return {};
    }
    while (next < cells.size()) {
        std::size_t to = row_end(next);
        merger.NewRow(sink, prefix, cells.subspan(next, to - next));
        next = to;
    }
    sink.Text() += fmt::format("</{}>", data_qname_);
    sink.Copy(data_content_, xml_.size());
    return {};
}

Result<std::string> WorksheetText::FillCells(CellRange written, bool writes_a1,
                                             std::size_t estimate, const CellSource& next,
                                             std::string_view part_name) const {
    if (!data_empty_) return Internal("FillCells needs a sheet without cells");
    Result<std::string> dimension = DimensionTag(written, writes_a1, part_name);
    if (!dimension) return std::unexpected(dimension.error());
    std::string out;
    out.reserve(xml_.size() + estimate);
    MergeSink sink(xml_, &out);
    WriteHead(sink, *dimension);

    RowMerger merger(xml_, *this, {}, part_name);
    std::string_view prefix = PrefixOf(data_qname_);
    std::vector<StreamedCell> cells;
    for (;;) {
        if (Status got = next(cells); !got) return std::unexpected(got.error());
        if (cells.empty()) break;
        for (std::size_t from = 0; from < cells.size();) {
            std::size_t to = from;
            while (to < cells.size() && cells[to].ref.row == cells[from].ref.row) ++to;
            merger.NewRow(sink, prefix,
                          std::span<const StreamedCell>(cells).subspan(from, to - from));
            from = to;
        }
    }
    out += fmt::format("</{}>", data_qname_);
    sink.Copy(data_content_, xml_.size());
    return out;
}

}  // namespace quire::xlsx
