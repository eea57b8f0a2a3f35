// Cell styles, sizes, merges, panes and filters.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <utility>

#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/formula_refs.hpp"
#include "ooxml/xlsx/sheet_part.hpp"
#include "ooxml/xlsx/sml_xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "ooxml/xlsx/workbook_impl.hpp"

namespace quire::xlsx {
namespace {

using ooxml::LocalName;
using ooxml::NamespaceOf;
namespace ns = ooxml::ns;

constexpr std::int64_t kMaxFormattedCells = 1'000'000;
constexpr double kMaxColumnWidthChars = 255;
constexpr double kMaxRowHeight = 409;
constexpr double kMaxFontSize = 409;
constexpr std::size_t kMaxFontName = 31;
constexpr std::size_t kMaxFormatCode = 255;

// Children of CT_Font, CT_Border and CT_Xf in the order Excel writes them (ECMA-376 Part 1,
// §18.8.22, §18.8.4, §18.8.45); records built in this order compare equal to Excel's own.
const std::vector<std::string_view> kFontOrder = {
    "b",         "i",  "strike", "condense", "extend", "outline", "shadow", "u",
    "vertAlign", "sz", "color",  "name",     "family", "charset", "scheme"};
const std::vector<std::string_view> kBorderOrder = {
    "start", "left", "end", "right", "top", "bottom", "diagonal", "vertical", "horizontal"};
const std::vector<std::string_view> kXfOrder = {"alignment", "protection", "extLst"};

// Sides of a cell that get a border, as a bit set.
enum Edge : unsigned { kLeft = 1, kRight = 2, kTop = 4, kBottom = 8, kAllEdges = 15 };

// Built-in number formats with a fixed code in every locale (ECMA-376 Part 1, §18.8.30).
constexpr std::array<std::pair<std::string_view, int>, 12> kBuiltinFormats = {{
    {"General", 0},
    {"0", 1},
    {"0.00", 2},
    {"#,##0", 3},
    {"#,##0.00", 4},
    {"0%", 9},
    {"0.00%", 10},
    {"0.00E+00", 11},
    {"# ?/?", 12},
    {"# ?\?/?\?", 13},
    {"##0.0E+0", 48},
    {"@", 49},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kFormatPresets = {{
    {"general", "General"},
    {"number", "#,##0.00"},
    {"integer", "#,##0"},
    {"currency", "$#,##0.00"},
    {"percent", "0.00%"},
    {"date", "yyyy-mm-dd"},
    {"datetime", "yyyy-mm-dd hh:mm"},
    {"text", "@"},
}};

// A CellFormat checked and put in the terms styles.xml uses.
struct StyleEdit {
    std::optional<bool> bold;
    std::optional<bool> italic;
    std::optional<bool> underline;
    std::optional<std::string> font_color;  // ARGB
    std::optional<std::string> font_size;
    std::optional<std::string> font_name;
    std::optional<std::string> fill_color;    // ARGB
    std::optional<std::string> border_style;  // "none" or an ST_BorderStyle value
    std::optional<std::string> border_color;  // ARGB
    bool border_outline = false;
    std::optional<std::string> horizontal;
    std::optional<std::string> vertical;
    std::optional<bool> wrap;
    std::optional<int> number_format_id;  // a built-in one, or the custom code's once added
    std::optional<std::string> custom_format;

    bool ChangesFont() const {
        return bold || italic || underline || font_color || font_size || font_name;
    }
    bool ChangesAlignment() const { return horizontal || vertical || wrap; }
};

// "RRGGBB" or "#RRGGBB" as the ARGB value SpreadsheetML stores ("FFRRGGBB").
Result<std::string> ArgbColor(std::string_view text, std::string_view what) {
    if (text.starts_with('#')) text.remove_prefix(1);
    bool hex = text.size() == 6 && std::all_of(text.begin(), text.end(), [](char ch) {
                   return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
               });
    if (!hex) {
        return InvalidRequest(
            fmt::format("{} must be a hex colour like \"1F4E79\" or \"#1F4E79\"", what));
    }
    std::string argb = "FF";
    for (char ch : text) argb += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return argb;
}

template <std::size_t N>
Result<std::string> OneOf(std::string_view value, const std::array<std::string_view, N>& allowed,
                          std::string_view what) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) {
        return std::string(value);
    }
    std::string list;
    for (std::string_view option : allowed) {
        list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", option);
    }
    return InvalidRequest(fmt::format("{} must be one of {}, not \"{}\"", what, list, value));
}

// Why a custom number format code cannot be stored, or "" when it can: Excel takes at most 255
// characters and four sections, with quotes and brackets closed.
std::string FormatCodeProblem(std::string_view code) {
    if (code.empty()) return "number_format cannot be empty";
    std::optional<std::u32string> decoded = DecodeUtf8(code);
    if (!decoded) return "number_format must be valid UTF-8 text";
    if (decoded->size() > kMaxFormatCode) return "number_format can have at most 255 characters";
    bool quoted = false;
    bool bracket = false;
    int sections = 1;
    for (std::size_t i = 0; i < code.size(); ++i) {
        char ch = code[i];
        if (static_cast<unsigned char>(ch) < 0x20) {
            return "number_format cannot contain control characters";
        }
        if (quoted) {
            quoted = ch != '"';
        } else if (bracket) {
            bracket = ch != ']';
        } else if (ch == '\\') {
            ++i;
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == '[') {
            bracket = true;
        } else if (ch == ';') {
            ++sections;
        }
    }
    if (quoted) return "number_format has an unclosed \" quote";
    if (bracket) return "number_format has an unclosed [ bracket";
    if (sections > 4) return "number_format can have at most four sections separated by ';'";
    return "";
}

// A preset name or a format code, resolved to a built-in id or a custom code. A bare word that
// names no preset is taken for a misspelt preset: as a code it would show its letters as dates.
Status ResolveNumberFormat(std::string_view text, StyleEdit& edit) {
    std::string_view code = text;
    for (const auto& [preset, preset_code] : kFormatPresets) {
        if (EqualsIgnoreCase(text, preset)) code = preset_code;
    }
    bool word = !text.empty() && std::all_of(text.begin(), text.end(), [](char ch) {
        return std::isalpha(static_cast<unsigned char>(ch)) != 0;
    });
    if (code == text && word && !EqualsIgnoreCase(text, "General")) {
        return InvalidRequest(fmt::format(
            "unknown number_format preset \"{}\"; presets are general, number, integer, currency, "
            "percent, date, datetime and text, or give a format code such as 0.0%",
            text));
    }
    if (std::string problem = FormatCodeProblem(code); !problem.empty()) {
        return InvalidRequest(problem);
    }
    for (const auto& [builtin, id] : kBuiltinFormats) {
        if (EqualsIgnoreCase(code, builtin) && (id == 0 || code == builtin)) {
            edit.number_format_id = id;
            return {};
        }
    }
    edit.custom_format = std::string(code);
    return {};
}

Status ResolveFont(const Workbook::CellFormat& format, StyleEdit& edit) {
    edit.bold = format.bold;
    edit.italic = format.italic;
    edit.underline = format.underline;
    if (format.font_color) {
        Result<std::string> argb = ArgbColor(*format.font_color, "font_color");
        if (!argb) return std::unexpected(argb.error());
        edit.font_color = *argb;
    }
    if (format.font_size) {
        double size = *format.font_size;
        if (!(size >= 1 && size <= kMaxFontSize)) {
            return InvalidRequest("font_size must be between 1 and 409 points");
        }
        edit.font_size = FormatNumber(size);
    }
    if (format.font_name) {
        std::optional<std::u32string> decoded = DecodeUtf8(*format.font_name);
        if (!decoded || decoded->empty() || decoded->size() > kMaxFontName ||
            std::any_of(decoded->begin(), decoded->end(), [](char32_t cp) { return cp < 0x20; })) {
            return InvalidRequest("font_name must be a font name of 1 to 31 characters");
        }
        edit.font_name = *format.font_name;
    }
    return {};
}

Status ResolveBorder(const Workbook::CellFormat& format, StyleEdit& edit) {
    static constexpr std::array<std::string_view, 7> kStyles = {
        "none", "thin", "medium", "thick", "dashed", "dotted", "double"};
    edit.border_outline = format.border_outline;
    if (!format.border) {
        if (format.border_color) return InvalidRequest("border_color needs a border style");
        return {};
    }
    Result<std::string> style = OneOf(*format.border, kStyles, "border");
    if (!style) return std::unexpected(style.error());
    edit.border_style = *style;
    if (format.border_color) {
        if (*style == "none") return InvalidRequest("border_color cannot be used with border none");
        Result<std::string> argb = ArgbColor(*format.border_color, "border_color");
        if (!argb) return std::unexpected(argb.error());
        edit.border_color = *argb;
    }
    return {};
}

Status ResolveAlignment(const Workbook::CellFormat& format, StyleEdit& edit) {
    static constexpr std::array<std::string_view, 4> kHorizontal = {"left", "center", "right",
                                                                    "justify"};
    static constexpr std::array<std::string_view, 3> kVertical = {"top", "center", "bottom"};
    if (format.horizontal) {
        Result<std::string> value = OneOf(*format.horizontal, kHorizontal, "horizontal");
        if (!value) return std::unexpected(value.error());
        edit.horizontal = *value;
    }
    if (format.vertical) {
        Result<std::string> value = OneOf(*format.vertical, kVertical, "vertical");
        if (!value) return std::unexpected(value.error());
        edit.vertical = *value;
    }
    edit.wrap = format.wrap;
    return {};
}

Result<StyleEdit> ResolveFormat(const Workbook::CellFormat& format) {
    StyleEdit edit;
    if (Status s = ResolveFont(format, edit); !s) return std::unexpected(s.error());
    if (format.fill_color) {
        Result<std::string> argb = ArgbColor(*format.fill_color, "fill_color");
        if (!argb) return std::unexpected(argb.error());
        edit.fill_color = *argb;
    }
    if (Status s = ResolveBorder(format, edit); !s) return std::unexpected(s.error());
    if (Status s = ResolveAlignment(format, edit); !s) return std::unexpected(s.error());
    if (format.number_format) {
        if (Status s = ResolveNumberFormat(*format.number_format, edit); !s) {
            return std::unexpected(s.error());
        }
    }
    bool any = edit.ChangesFont() || edit.fill_color || edit.border_style ||
               edit.ChangesAlignment() || edit.number_format_id || edit.custom_format;
    if (!any) return InvalidRequest("nothing to format: set at least one formatting option");
    return edit;
}

// "A:C" and "2:5" are whole columns and rows, which FormatRange does not take.
bool IsWholeLineRange(std::string_view text) {
    std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    auto all = [](std::string_view part, int (*test)(int)) {
        std::string_view trimmed = part;
        while (trimmed.starts_with('$')) trimmed.remove_prefix(1);
        return !trimmed.empty() && std::all_of(trimmed.begin(), trimmed.end(), [&](char ch) {
            return test(static_cast<unsigned char>(ch)) != 0;
        });
    };
    std::string_view a = text.substr(0, colon);
    std::string_view b = text.substr(colon + 1);
    return (all(a, std::isalpha) && all(b, std::isalpha)) ||
           (all(a, std::isdigit) && all(b, std::isdigit));
}

Result<CellRange> ParseCellRange(std::string_view text, std::string_view what) {
    if (IsWholeLineRange(text)) {
        return InvalidRequest(fmt::format(
            "{} \"{}\" is whole columns or rows; give a cell range like A1:D20", what, text));
    }
    std::optional<CellRange> range = ParseRange(text);
    if (!range) {
        return InvalidRequest(
            fmt::format("{} \"{}\" is not a cell range like A1:D20 or a cell like C3", what, text));
    }
    return *range;
}

std::int64_t CellCount(const CellRange& range) {
    return static_cast<std::int64_t>(range.last.col - range.first.col + 1) *
           (range.last.row - range.first.row + 1);
}

// A span of columns ("B", "B:D") or rows ("3", "3:5") as first and last 1-based numbers.
using Span = std::pair<int, int>;

std::optional<int> ColumnNumber(std::string_view letters) {
    if (letters.starts_with('$')) letters.remove_prefix(1);
    if (letters.empty() || !std::all_of(letters.begin(), letters.end(), [](char ch) {
            return std::isalpha(static_cast<unsigned char>(ch)) != 0;
        })) {
        return std::nullopt;
    }
    std::optional<CellRef> ref = ParseCellRef(fmt::format("{}1", letters));
    if (!ref) return std::nullopt;
    return ref->col;
}

std::optional<int> RowNumber(std::string_view digits) {
    if (digits.starts_with('$')) digits.remove_prefix(1);
    std::optional<CellRef> ref = ParseCellRef(fmt::format("A{}", digits));
    if (!ref || digits.empty() || !std::isdigit(static_cast<unsigned char>(digits.front()))) {
        return std::nullopt;
    }
    return ref->row;
}

Result<Span> ParseSpan(std::string_view text, std::optional<int> (*number)(std::string_view),
                       std::string_view what, std::string_view example) {
    std::size_t colon = text.find(':');
    std::optional<int> first = number(text.substr(0, colon));
    std::optional<int> last =
        colon == std::string_view::npos ? first : number(text.substr(colon + 1));
    if (!first || !last) {
        return InvalidRequest(fmt::format("{} \"{}\" is not like {}", what, text, example));
    }
    return Span{std::min(*first, *last), std::max(*first, *last)};
}

// Derives cell formats (cellXfs entries) from existing ones by applying one StyleEdit, adding
// font, fill and border records only when no equal one exists. The result for a base style and
// set of border edges is computed once.
class StyleDeriver {
public:
    StyleDeriver(pugi::xml_node stylesheet, const StyleEdit& edit)
        : sheet_(stylesheet), edit_(edit) {
        strict_ = NamespaceOf(stylesheet) == ns::kSpreadsheetStrict;
    }

    int Derive(int base_xf, unsigned edges) {
        auto key = std::make_pair(base_xf, edit_.border_style ? edges : 0u);
        if (auto it = cache_.find(key); it != cache_.end()) return it->second;
        int index = Build(base_xf, key.second);
        cache_.emplace(key, index);
        return index;
    }

private:
    pugi::xml_node Collection(std::string_view name) {
        return ChildOrInsert(sheet_, name, kStylesheetOrder);
    }

    // Record 0 of a collection is what unstyled cells use; a file without one gets a plain one
    // before anything is derived, so that a derived record never becomes everyone's default.
    pugi::xml_node EnsureFirst(std::string_view collection, std::string_view item,
                               std::string_view xml) {
        pugi::xml_node node = Collection(collection);
        if (CountElementChildren(node, item) == 0) {
            pugi::xml_document scratch;
            scratch.load_string(
                fmt::format(fmt::runtime(std::string(xml)), SiblingName(node, "")).c_str());
            for (pugi::xml_node child : scratch.children()) node.append_copy(child);
            Recount(node, item);
        }
        return node;
    }

    int Build(int base_xf, unsigned edges) {
        pugi::xml_node xfs =
            EnsureFirst("cellXfs", "xf",
                        "<{0}xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" "
                        "xfId=\"0\"/>");
        pugi::xml_node base = NthElementChild(xfs, "xf", base_xf);
        if (!base) base = NthElementChild(xfs, "xf", 0);
        pugi::xml_document scratch;
        pugi::xml_node xf = scratch.append_copy(base);
        if (edit_.ChangesFont()) {
            SetAttr(xf, "fontId", std::to_string(Font(IntAttr(base, "fontId", 0))));
            SetAttr(xf, "applyFont", "1");
        }
        if (edit_.fill_color) {
            SetAttr(xf, "fillId", std::to_string(Fill()));
            SetAttr(xf, "applyFill", "1");
        }
        if (edit_.border_style && edges != 0) {
            SetAttr(xf, "borderId", std::to_string(Border(IntAttr(base, "borderId", 0), edges)));
            SetAttr(xf, "applyBorder", "1");
        }
        if (edit_.number_format_id) {
            SetAttr(xf, "numFmtId", std::to_string(*edit_.number_format_id));
            SetAttr(xf, "applyNumberFormat", "1");
        }
        if (edit_.ChangesAlignment()) Align(xf);
        return FindOrAppend(xfs, "xf", xf);
    }

    // Replaces every `local` child of `parent` with one new, empty child in its schema place.
    static pugi::xml_node Replace(pugi::xml_node parent, std::string_view local,
                                  const std::vector<std::string_view>& order) {
        while (pugi::xml_node old = Child(parent, local)) parent.remove_child(old);
        return InsertInOrder(parent, local, order);
    }

    static void Toggle(pugi::xml_node font, std::string_view local, std::optional<bool> on) {
        if (!on) return;
        if (*on) {
            Replace(font, local, kFontOrder);
        } else {
            while (pugi::xml_node old = Child(font, local)) font.remove_child(old);
        }
    }

    int Font(int base_font) {
        pugi::xml_node fonts = EnsureFirst("fonts", "font",
                                           "<{0}font><{0}sz val=\"11\"/><{0}name val=\"Calibri\"/>"
                                           "<{0}family val=\"2\"/></{0}font>");
        pugi::xml_document scratch;
        pugi::xml_node base = NthElementChild(fonts, "font", base_font);
        if (!base) base = NthElementChild(fonts, "font", 0);
        pugi::xml_node font = scratch.append_copy(base);
        Toggle(font, "b", edit_.bold);
        Toggle(font, "i", edit_.italic);
        Toggle(font, "u", edit_.underline);
        if (edit_.font_size) {
            SetAttr(Replace(font, "sz", kFontOrder), "val", *edit_.font_size);
        }
        if (edit_.font_color) {
            SetAttr(Replace(font, "color", kFontOrder), "rgb", *edit_.font_color);
        }
        if (edit_.font_name) {
            SetAttr(Replace(font, "name", kFontOrder), "val", *edit_.font_name);
            // A scheme font shows the theme's font whatever its name says (§18.8.35).
            while (pugi::xml_node scheme = Child(font, "scheme")) font.remove_child(scheme);
        }
        return FindOrAppend(fonts, "font", font);
    }

    int Fill() {
        // Fills 0 and 1 are reserved for "none" and "gray125" (§18.8.21).
        pugi::xml_node fills = EnsureFirst(
            "fills", "fill", "<{0}fill><{0}patternFill patternType=\"none\"/></{0}fill>");
        std::string p = SiblingName(fills, "");
        if (CountElementChildren(fills, "fill") == 1) {
            pugi::xml_document gray;
            gray.load_string(
                fmt::format("<{0}fill><{0}patternFill patternType=\"gray125\"/></{0}fill>", p)
                    .c_str());
            fills.append_copy(gray.first_child());
            Recount(fills, "fill");
        }
        pugi::xml_document scratch;
        scratch.load_string(
            fmt::format("<{0}fill><{0}patternFill patternType=\"solid\"><{0}fgColor rgb=\"{1}\"/>"
                        "<{0}bgColor indexed=\"64\"/></{0}patternFill></{0}fill>",
                        p, *edit_.fill_color)
                .c_str());
        return FindOrAppend(fills, "fill", scratch.first_child());
    }

    int Border(int base_border, unsigned edges) {
        pugi::xml_node borders = EnsureFirst(
            "borders", "border",
            "<{0}border><{0}left/><{0}right/><{0}top/><{0}bottom/><{0}diagonal/></{0}border>");
        pugi::xml_document scratch;
        pugi::xml_node base = NthElementChild(borders, "border", base_border);
        if (!base) base = NthElementChild(borders, "border", 0);
        pugi::xml_node border = scratch.append_copy(base);
        // Strict files name the side edges start and end; transitional ones left and right.
        bool start_end = Child(border, "start") || Child(border, "end") ||
                         (strict_ && !Child(border, "left") && !Child(border, "right"));
        const std::pair<Edge, std::string_view> sides[] = {{kLeft, start_end ? "start" : "left"},
                                                           {kRight, start_end ? "end" : "right"},
                                                           {kTop, "top"},
                                                           {kBottom, "bottom"}};
        for (const auto& [edge, local] : sides) {
            if ((edges & edge) == 0) continue;
            pugi::xml_node side = Replace(border, local, kBorderOrder);
            if (*edit_.border_style == "none") continue;
            side.append_attribute("style").set_value(edit_.border_style->c_str());
            if (edit_.border_color) {
                pugi::xml_node color = side.append_child(SiblingName(border, "color").c_str());
                color.append_attribute("rgb").set_value(edit_.border_color->c_str());
            }
        }
        return FindOrAppend(borders, "border", border);
    }

    void Align(pugi::xml_node xf) const {
        pugi::xml_node alignment = Child(xf, "alignment");
        if (!alignment) alignment = InsertInOrder(xf, "alignment", kXfOrder);
        if (edit_.horizontal) SetAttr(alignment, "horizontal", *edit_.horizontal);
        if (edit_.vertical) SetAttr(alignment, "vertical", *edit_.vertical);
        if (edit_.wrap && *edit_.wrap) SetAttr(alignment, "wrapText", "1");
        if (edit_.wrap && !*edit_.wrap) alignment.remove_attribute("wrapText");
        if (!alignment.first_attribute() && !alignment.first_child()) {
            xf.remove_child(alignment);
        }
        SetAttr(xf, "applyAlignment", "1");
    }

    pugi::xml_node sheet_;
    const StyleEdit& edit_;
    bool strict_ = false;
    std::map<std::pair<int, unsigned>, int> cache_;
};

// The border edges a cell gets: all of them, or those on the range's outline.
unsigned EdgesOf(const StyleEdit& edit, const CellRange& range, CellRef at) {
    if (!edit.border_style) return 0;
    if (!edit.border_outline) return kAllEdges;
    unsigned edges = 0;
    if (at.col == range.first.col) edges |= kLeft;
    if (at.col == range.last.col) edges |= kRight;
    if (at.row == range.first.row) edges |= kTop;
    if (at.row == range.last.row) edges |= kBottom;
    return edges;
}

// The cell at `at` if it is the one after `hint`, the cell left of it, else empty: rows keep
// their cells in order.
pugi::xml_node ExistingCellAfter(pugi::xml_node hint, CellRef at) {
    pugi::xml_node c = hint.next_sibling();
    while (c && (c.type() != pugi::node_element || LocalName(c) != "c")) c = c.next_sibling();
    if (c && ParseCellRef(c.attribute("r").value()) == at) return c;
    return {};
}

// Gives every cell of `range` its derived style, making the cells that are missing. A missing
// cell shows its row's style when the row has one (customFormat), else its column's (§18.3.1.73).
void StyleCells(SheetWriter& writer, const CellRange& range, const StyleEdit& edit,
                StyleDeriver& deriver) {
    const ColumnStyles column_styles = ColumnStyles::Of(writer.root());
    for (int r = range.first.row; r <= range.last.row; ++r) {
        pugi::xml_node row = writer.Row(r);
        std::optional<int> row_style;
        if (row.attribute("customFormat").as_bool()) row_style = IntAttr(row, "s", 0);
        pugi::xml_node hint;
        for (int col = range.first.col; col <= range.last.col; ++col) {
            CellRef at{col, r};
            pugi::xml_node existing = hint ? ExistingCellAfter(hint, at) : writer.FindCell(at);
            hint = writer.Cell(row, at, hint);
            int base =
                existing ? IntAttr(existing, "s", 0) : row_style.value_or(column_styles.At(col));
            SetAttr(hint, "s", std::to_string(deriver.Derive(base, EdgesOf(edit, range, at))));
        }
    }
}

// Whole columns or rows, as "B:D" or "2:5" names them.
struct WholeLines {
    bool columns = false;
    int first = 0;
    int last = 0;
};

std::optional<WholeLines> ParseWholeLines(std::string_view text) {
    if (!IsWholeLineRange(text)) return std::nullopt;
    std::size_t colon = text.find(':');
    bool columns = std::isalpha(static_cast<unsigned char>(text[text[0] == '$' ? 1 : 0])) != 0;
    auto number = columns ? ColumnNumber : RowNumber;
    std::optional<int> a = number(text.substr(0, colon));
    std::optional<int> b = number(text.substr(colon + 1));
    if (!a || !b) return std::nullopt;
    return WholeLines{columns, std::min(*a, *b), std::max(*a, *b)};
}

// The <col> entry `col`, cut so that it covers no column outside [first, last]: the parts
// outside become entries of their own, with the same attributes.
void CutColumnEntry(pugi::xml_node cols, pugi::xml_node col, int first, int last) {
    int low = IntAttr(col, "min", 1);
    int high = IntAttr(col, "max", low);
    if (low < first) {
        SetAttr(cols.insert_copy_before(col, col), "max", std::to_string(first - 1));
        SetAttr(col, "min", std::to_string(first));
    }
    if (high > last) {
        SetAttr(cols.insert_copy_after(col, col), "min", std::to_string(last + 1));
        SetAttr(col, "max", std::to_string(last));
    }
}

// Columns [first, last] get the style `restyle(old style)` on their <col> entries, which are cut
// at the span's ends; columns without an entry get one at the sheet's default width.
template <typename Restyle>
void RestyleColumns(pugi::xml_node worksheet, int first, int last, Restyle restyle) {
    pugi::xml_node cols = ChildOrInsert(worksheet, "cols", kWorksheetOrder);
    std::vector<pugi::xml_node> inside;
    for (pugi::xml_node col = cols.first_child(); col; col = col.next_sibling()) {
        if (col.type() != pugi::node_element || LocalName(col) != "col") continue;
        int low = IntAttr(col, "min", 1);
        int high = IntAttr(col, "max", low);
        if (high < first || low > last) continue;
        CutColumnEntry(cols, col, first, last);
        inside.push_back(col);
    }
    for (pugi::xml_node col : inside) {
        SetAttr(col, "style", std::to_string(restyle(IntAttr(col, "style", 0))));
    }

    double width = Child(worksheet, "sheetFormatPr").attribute("defaultColWidth").as_double(0);
    std::string default_width = fmt::format("{}", width > 0 ? width : 9.140625);
    std::string name = SiblingName(cols, "col");
    int next = first;  // the first column not yet known to have an entry
    auto fill_gap = [&](pugi::xml_node before, int up_to) {
        if (next > up_to) return;
        pugi::xml_node made = before ? cols.insert_child_before(name.c_str(), before)
                                     : cols.append_child(name.c_str());
        made.append_attribute("min").set_value(next);
        made.append_attribute("max").set_value(up_to);
        made.append_attribute("width").set_value(default_width.c_str());
        made.append_attribute("style").set_value(restyle(0));
    };
    for (pugi::xml_node col = cols.first_child(); col; col = col.next_sibling()) {
        if (col.type() != pugi::node_element || LocalName(col) != "col") continue;
        int low = IntAttr(col, "min", 1);
        int high = IntAttr(col, "max", low);
        if (high < next) continue;
        if (low > last) break;
        fill_gap(col, std::min(low - 1, last));
        next = std::max(next, high + 1);
    }
    pugi::xml_node after_last;
    for (pugi::xml_node col = cols.first_child(); col; col = col.next_sibling()) {
        if (col.type() == pugi::node_element && LocalName(col) == "col" &&
            IntAttr(col, "min", 1) > last) {
            after_last = col;
            break;
        }
    }
    fill_gap(after_last, last);
}

// Formats whole columns or rows the way Excel does: the <col> entries or the rows carry the
// style, so cells made later start from it, and every cell already there is restyled. Cells
// where a styled row meets a styled column are made, since a missing cell would show only one
// of the two styles (§18.3.1.73).
void StyleWholeLines(SheetWriter& writer, const WholeLines& lines, const StyleEdit& edit,
                     StyleDeriver& deriver) {
    const CellRange all = lines.columns ? CellRange{{lines.first, 1}, {lines.last, kMaxRows}}
                                        : CellRange{{1, lines.first}, {kMaxColumns, lines.last}};
    auto inside = [&](CellRef at) {
        return lines.columns ? at.col >= lines.first && at.col <= lines.last
                             : at.row >= lines.first && at.row <= lines.last;
    };
    const ColumnStyles column_styles = ColumnStyles::Of(writer.root());
    if (lines.columns) {
        // Outline borders differ at the two end columns, so those get entries of their own.
        std::vector<std::pair<int, int>> spans = {{lines.first, lines.last}};
        if (edit.border_style && edit.border_outline && lines.last > lines.first) {
            spans = {{lines.first, lines.first}, {lines.last, lines.last}};
            if (lines.last - lines.first > 1) spans.push_back({lines.first + 1, lines.last - 1});
        }
        for (const auto& [a, b] : spans) {
            unsigned edges = EdgesOf(edit, all, {a, 2}) & (kLeft | kRight);
            if (edit.border_style && !edit.border_outline) edges = kAllEdges;
            RestyleColumns(writer.root(), a, b,
                           [&](int old) { return deriver.Derive(old, edges); });
        }
    }

    pugi::xml_node data = writer.data();
    for (pugi::xml_node row = data.first_child(); row; row = row.next_sibling()) {
        if (row.type() != pugi::node_element || LocalName(row) != "row") continue;
        int r = IntAttr(row, "r", 0);
        if (r < 1) continue;
        writer.NumberCells(row, r);
        bool row_styled = row.attribute("customFormat").as_bool();
        for (pugi::xml_node c = row.first_child(); c; c = c.next_sibling()) {
            if (c.type() != pugi::node_element || LocalName(c) != "c") continue;
            std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
            if (!at || !inside(*at)) continue;
            SetAttr(c, "s",
                    std::to_string(deriver.Derive(IntAttr(c, "s", 0), EdgesOf(edit, all, *at))));
        }
        // A styled row's missing cells in the formatted columns would show the row's style.
        if (lines.columns && row_styled) {
            int row_style = IntAttr(row, "s", 0);
            pugi::xml_node hint;
            for (int col = lines.first; col <= lines.last; ++col) {
                CellRef at{col, r};
                pugi::xml_node existing = hint ? ExistingCellAfter(hint, at) : writer.FindCell(at);
                hint = writer.Cell(row, at, hint);
                if (!existing) {
                    SetAttr(hint, "s",
                            std::to_string(deriver.Derive(row_style, EdgesOf(edit, all, at))));
                }
            }
        }
    }
    if (lines.columns) return;

    for (int r = lines.first; r <= lines.last; ++r) {
        pugi::xml_node row = writer.Row(r);
        int old = row.attribute("customFormat").as_bool() ? IntAttr(row, "s", 0) : 0;
        unsigned edges = EdgesOf(edit, all, {2, r}) & (kTop | kBottom);
        if (edit.border_style && !edit.border_outline) edges = kAllEdges;
        SetAttr(row, "s", std::to_string(deriver.Derive(old, edges)));
        SetAttr(row, "customFormat", "1");
        // Where a styled column crosses the row, the cell keeps the column's style as its base.
        for (const auto& [min, entry] : column_styles.entries()) {
            const auto& [max, style] = entry;
            if (style == 0) continue;
            pugi::xml_node hint;
            for (int col = min; col <= max; ++col) {
                CellRef at{col, r};
                pugi::xml_node existing = hint ? ExistingCellAfter(hint, at) : writer.FindCell(at);
                hint = writer.Cell(row, at, hint);
                if (!existing) {
                    SetAttr(hint, "s",
                            std::to_string(deriver.Derive(style, EdgesOf(edit, all, at))));
                }
            }
        }
    }
}

bool Overlaps(const CellRange& a, const CellRange& b) {
    return a.first.col <= b.last.col && b.first.col <= a.last.col && a.first.row <= b.last.row &&
           b.first.row <= a.last.row;
}

constexpr std::string_view kFilterDatabase = "_xlnm._FilterDatabase";

// The hidden name Excel keeps for the auto-filter of the sheet at `index` (§18.2.5), or empty.
pugi::xml_node FilterDatabaseName(pugi::xml_node names, int index) {
    for (pugi::xml_node name : names.children()) {
        if (LocalName(name) == "definedName" && name.attribute("name").value() == kFilterDatabase &&
            IntAttr(name, "localSheetId", -1) == index) {
            return name;
        }
    }
    return {};
}

// Sets or (for nullopt) removes the sheet's <autoFilter>. Criteria of columns belong to the old
// range, so they go when the range changes.
void WriteAutoFilter(pugi::xml_node worksheet, const std::optional<CellRange>& cells) {
    pugi::xml_node filter = Child(worksheet, "autoFilter");
    if (!cells) {
        if (filter) worksheet.remove_child(filter);
        return;
    }
    if (!filter) filter = InsertInOrder(worksheet, "autoFilter", kWorksheetOrder);
    if (ParseRange(filter.attribute("ref").value()) != *cells) {
        while (pugi::xml_node criteria = filter.first_child()) filter.remove_child(criteria);
    }
    SetAttr(filter, "ref", RangeName(*cells));
}

// Sets or (for nullopt) removes the sheet's _xlnm._FilterDatabase name.
void WriteFilterDatabaseName(pugi::xml_node workbook, int index,
                             const std::optional<std::string>& formula) {
    pugi::xml_node names = Child(workbook, "definedNames");
    pugi::xml_node name = FilterDatabaseName(names, index);
    if (!formula) {
        if (name) names.remove_child(name);
        // CT_DefinedNames needs at least one definedName (§18.2.6).
        if (names && CountElementChildren(names, "definedName") == 0) workbook.remove_child(names);
        return;
    }
    if (!name) {
        names = ChildOrInsert(workbook, "definedNames", kWorkbookOrder);
        name = names.append_child(SiblingName(names, "definedName").c_str());
        name.append_attribute("name").set_value(std::string(kFilterDatabase).c_str());
        name.append_attribute("localSheetId").set_value(index);
        name.append_attribute("hidden").set_value(1);
    }
    SetNodeText(name, *formula);
}

}  // namespace

// ---- Workbook::Impl ----------------------------------------------------------------------------

// A formula calculated by no program yet shows nothing in the file but a figure once opened;
// this many characters leave room for one like "1,234,567.89" instead of "###".
constexpr std::size_t kUncalculatedFormulaWidth = 12;

Result<std::size_t> Workbook::Impl::DisplayedLength(const pugi::xml_node& c) {
    Result<CellContent> content = ReadCellNode(c);
    if (!content) return std::unexpected(content.error());
    if (!content->formula.empty() || Child(c, "f")) {
        if (content->value.kind == CellValue::Kind::kEmpty) return kUncalculatedFormulaWidth;
    }
    return DisplayLength(content->value);
}

Result<int> Workbook::Impl::SheetIndex(std::string_view sheet) {
    Result<SheetEntry> wanted = FindSheet(sheet);
    if (!wanted) return std::unexpected(wanted.error());
    Result<std::vector<SheetEntry>> entries = SheetEntries();
    if (!entries) return std::unexpected(entries.error());
    for (std::size_t i = 0; i < entries->size(); ++i) {
        if ((*entries)[i].node == wanted->node) return static_cast<int>(i);
    }
    return NotFound(fmt::format("the workbook has no sheet named '{}'", sheet));
}

// Excel refuses to merge cells of a table and keeps a table's filter apart from the sheet's, so
// a range that reaches into one is refused for both.
Status Workbook::Impl::CheckClearOfTables(const SheetEntry& entry, const CellRange& range,
                                          std::string_view why) {
    Result<std::vector<TableInfo>> tables = SheetTables(entry);
    if (!tables) return std::unexpected(tables.error());
    for (const TableInfo& table : *tables) {
        std::optional<CellRange> area = ParseRange(table.range);
        if (area && Overlaps(*area, range)) {
            return InvalidRequest(fmt::format("range {} overlaps table {} ({}) on sheet '{}': {}",
                                              RangeName(range), table.name, table.range, entry.name,
                                              why));
        }
    }
    return {};
}

// ---- Workbook ----------------------------------------------------------------------------------

Status Workbook::FormatRange(std::string_view sheet, std::string_view range,
                             const CellFormat& format) {
    Result<StyleEdit> edit = ResolveFormat(format);
    if (!edit) return std::unexpected(edit.error());
    std::optional<WholeLines> lines = ParseWholeLines(range);
    Result<CellRange> cells =
        lines ? Result<CellRange>(CellRange{}) : ParseCellRange(range, "range");
    if (!cells) return std::unexpected(cells.error());
    if (lines && !lines->columns && lines->last - lines->first + 1 > kMaxFormattedCells) {
        return InvalidRequest("format at most 1,000,000 whole rows at once");
    }
    if (!lines && CellCount(*cells) > kMaxFormattedCells) {
        return InvalidRequest(
            fmt::format("range {} has {} cells; format at most 1,000,000 cells at once", range,
                        CellCount(*cells)));
    }
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());
    Result<pugi::xml_node> styles = impl_->StyleSheet();
    if (!styles) return std::unexpected(styles.error());

    // Nothing below can fail: the stylesheet and the sheet are loaded.
    if (edit->custom_format) {
        Result<int> id = impl_->NumberFormatId(*edit->custom_format);
        if (!id) return std::unexpected(id.error());
        edit->number_format_id = *id;
    }
    StyleDeriver deriver(*styles, *edit);
    SheetWriter writer(**doc);
    if (lines) {
        StyleWholeLines(writer, *lines, *edit, deriver);
    } else {
        StyleCells(writer, *cells, *edit, deriver);
    }
    writer.UpdateDimension();
    impl_->MarkDirty(entry->part);
    impl_->MarkDirty(*impl_->styles_part);
    return {};
}

Status Workbook::SetColumnWidth(std::string_view sheet, std::string_view columns, double width) {
    Result<Span> span = ParseSpan(columns, ColumnNumber, "columns", "B or B:D");
    if (!span) return std::unexpected(span.error());
    if (!(width >= 0 && width <= kMaxColumnWidthChars)) {
        return InvalidRequest("width must be between 0 and 255 characters");
    }
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    std::vector<double> widths(static_cast<std::size_t>(span->second - span->first + 1), width);
    SetColumnWidths((*doc)->document_element(), span->first, widths);
    impl_->MarkDirty(entry->part);
    return {};
}

Status Workbook::FitColumnWidth(std::string_view sheet, std::string_view columns) {
    Result<Span> span = ParseSpan(columns, ColumnNumber, "columns", "B or B:D");
    if (!span) return std::unexpected(span.error());
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    std::vector<std::size_t> longest(static_cast<std::size_t>(span->second - span->first + 1), 0);
    pugi::xml_node data = Child((*doc)->document_element(), "sheetData");
    for (pugi::xml_node row : data.children()) {
        int col = 0;
        for (pugi::xml_node c : row.children()) {
            if (c.type() != pugi::node_element || LocalName(c) != "c") continue;
            std::optional<CellRef> at = ParseCellRef(c.attribute("r").value());
            col = at ? at->col : col + 1;
            if (col < span->first || col > span->second) continue;
            Result<std::size_t> length = impl_->DisplayedLength(c);
            if (!length) return std::unexpected(length.error());
            std::size_t& slot = longest[static_cast<std::size_t>(col - span->first)];
            slot = std::max(slot, *length);
        }
    }
    std::vector<double> widths;
    for (std::size_t n : longest) widths.push_back(FittedColumnWidth(n));
    SetColumnWidths((*doc)->document_element(), span->first, widths);
    impl_->MarkDirty(entry->part);
    return {};
}

Status Workbook::SetRowHeight(std::string_view sheet, std::string_view rows, double points) {
    Result<Span> span = ParseSpan(rows, RowNumber, "rows", "3 or 3:5");
    if (!span) return std::unexpected(span.error());
    if (span->second - span->first + 1 > kMaxFormattedCells) {
        return InvalidRequest("set the height of at most 1,000,000 rows at once");
    }
    if (!(points >= 0 && points <= kMaxRowHeight)) {
        return InvalidRequest("height must be between 0 and 409 points");
    }
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    SheetWriter writer(**doc);
    const std::string height = FormatNumber(points);
    for (int r = span->first; r <= span->second; ++r) {
        pugi::xml_node row = writer.Row(r);
        SetAttr(row, "ht", height);
        SetAttr(row, "customHeight", "1");
    }
    impl_->MarkDirty(entry->part);
    return {};
}

Status Workbook::MergeCells(std::string_view sheet, std::string_view range) {
    Result<CellRange> cells = ParseCellRange(range, "range");
    if (!cells) return std::unexpected(cells.error());
    if (cells->first == cells->last) {
        return InvalidRequest(
            fmt::format("range {} is one cell; merging needs two or more", range));
    }
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    if (Status clear = impl_->CheckClearOfTables(*entry, *cells, "table cells cannot be merged");
        !clear) {
        return clear;
    }
    pugi::xml_node root = (*doc)->document_element();
    for (pugi::xml_node merge : Child(root, "mergeCells").children()) {
        if (LocalName(merge) != "mergeCell") continue;
        std::optional<CellRange> taken = ParseRange(merge.attribute("ref").value());
        if (taken && Overlaps(*taken, *cells)) {
            return InvalidRequest(fmt::format("range {} overlaps the merged range {} on sheet '{}'",
                                              RangeName(*cells), RangeName(*taken), entry->name));
        }
    }
    pugi::xml_node merges = ChildOrInsert(root, "mergeCells", kWorksheetOrder);
    pugi::xml_node merge = merges.append_child(SiblingName(merges, "mergeCell").c_str());
    merge.append_attribute("ref").set_value(RangeName(*cells).c_str());
    SetAttr(merges, "count", std::to_string(CountElementChildren(merges, "mergeCell")));
    impl_->MarkDirty(entry->part);
    return {};
}

Status Workbook::UnmergeCells(std::string_view sheet, std::string_view range) {
    Result<CellRange> cells = ParseCellRange(range, "range");
    if (!cells) return std::unexpected(cells.error());
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    pugi::xml_node merges = Child((*doc)->document_element(), "mergeCells");
    pugi::xml_node found;
    for (pugi::xml_node merge : merges.children()) {
        if (LocalName(merge) == "mergeCell" &&
            ParseRange(merge.attribute("ref").value()) == *cells) {
            found = merge;
        }
    }
    if (!found) {
        return InvalidRequest(
            fmt::format("sheet '{}' has no merged range {}", entry->name, RangeName(*cells)));
    }
    merges.remove_child(found);
    // CT_MergeCells needs at least one mergeCell (§18.3.1.56).
    if (CountElementChildren(merges, "mergeCell") == 0) {
        merges.parent().remove_child(merges);
    } else {
        SetAttr(merges, "count", std::to_string(CountElementChildren(merges, "mergeCell")));
    }
    impl_->MarkDirty(entry->part);
    return {};
}

Status Workbook::FreezePanes(std::string_view sheet, std::string_view ref) {
    std::optional<CellRef> at = ParseCellRef(ref);
    if (!at) {
        return InvalidRequest(fmt::format(
            "ref \"{}\" is not a cell like B2 (the first cell below and right of the frozen part)",
            ref));
    }
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    xlsx::FreezePanes((*doc)->document_element(), *at);
    impl_->MarkDirty(entry->part);
    return {};
}

Status Workbook::SetAutoFilter(std::string_view sheet, std::optional<std::string_view> range) {
    std::optional<CellRange> cells;
    if (range && !range->empty()) {
        Result<CellRange> parsed = ParseCellRange(*range, "range");
        if (!parsed) return std::unexpected(parsed.error());
        cells = *parsed;
    }
    Result<SheetEntry> entry = impl_->FindWorksheet(sheet);
    if (!entry) return std::unexpected(entry.error());
    Result<int> index = impl_->SheetIndex(entry->name);
    if (!index) return std::unexpected(index.error());
    Result<pugi::xml_document*> doc = impl_->Load(entry->part);
    if (!doc) return std::unexpected(doc.error());

    if (cells) {
        Status clear = impl_->CheckClearOfTables(*entry, *cells, "a table has its own filter");
        if (!clear) return clear;
    }
    pugi::xml_node root = (*doc)->document_element();
    if (!cells && !Child(root, "autoFilter") &&
        !FilterDatabaseName(Child(impl_->WorkbookRoot(), "definedNames"), *index)) {
        return {};
    }
    WriteAutoFilter(root, cells);
    impl_->MarkDirty(entry->part);
    std::optional<std::string> formula;
    if (cells)
        formula = fmt::format("{}!{}", FormulaSheetName(entry->name), AbsoluteRangeName(*cells));
    WriteFilterDatabaseName(impl_->WorkbookRoot(), *index, formula);
    impl_->MarkDirty(impl_->workbook_part);
    return {};
}

}  // namespace quire::xlsx
