#include "ooxml/docx/tools.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

#include "ooxml/docx/word_document.hpp"
#include "ooxml/docx/word_impl.hpp"

namespace quire::docx {
namespace {

namespace json = boost::json;
using xlsx::ToolArgs;

constexpr std::size_t kMaxBlockText = 4000;     // code points of one block read_section returns
constexpr std::size_t kMaxSectionBlocks = 200;  // blocks read_section returns

Result<std::string> DecodeBase64(std::string_view text) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
        const std::size_t value = kAlphabet.find(c);
        if (value == std::string_view::npos) return InvalidRequest("'data' is not base64");
        buffer = buffer << 6 | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>(buffer >> bits & 0xFF);
        }
    }
    return out;
}

Result<std::string> CellText(const json::value& cell, std::size_t row, std::size_t column) {
    if (cell.is_string()) return std::string(cell.get_string());
    if (cell.is_null()) return std::string();
    if (cell.is_number()) {
        const double value = cell.to_number<double>();
        if (std::floor(value) == value && std::fabs(value) < 1e15)
            return fmt::format("{}", static_cast<long long>(value));
        return fmt::format("{}", value);
    }
    if (cell.is_bool()) return std::string(cell.get_bool() ? "TRUE" : "FALSE");
    return InvalidRequest(fmt::format("rows[{}][{}] must be text or a number", row, column));
}

Result<std::vector<std::string>> StringList(const json::value& value, std::string_view what) {
    const json::array* list = value.if_array();
    if (list == nullptr) return InvalidRequest(fmt::format("'{}' must be an array", what));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        Result<std::string> text = CellText((*list)[i], 0, i);
        if (!text) return InvalidRequest(fmt::format("'{}' holds text or numbers", what));
        out.push_back(std::move(*text));
    }
    return out;
}

Result<std::vector<ChartSeries>> ReadSeries(const json::array& list) {
    std::vector<ChartSeries> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json::object* object = list[i].if_object();
        const json::value* values = object ? object->if_contains("values") : nullptr;
        if (values == nullptr || !values->is_array()) {
            return InvalidRequest(fmt::format("series[{}] needs 'values', an array of numbers", i));
        }
        ChartSeries series;
        if (const json::value* name = object->if_contains("name"); name && name->is_string()) {
            series.name = name->get_string();
        } else {
            series.name = fmt::format("Series {}", i + 1);
        }
        for (const json::value& value : values->get_array()) {
            if (value.is_null()) {
                series.values.push_back(std::nullopt);
            } else if (value.is_number()) {
                series.values.push_back(value.to_number<double>());
            } else {
                return InvalidRequest(fmt::format("series[{}].values holds numbers or null", i));
            }
        }
        out.push_back(std::move(series));
    }
    return out;
}

// Reads the members of a chart object shared by insert_blocks' chart blocks and add_chart.
template <typename Get>
Status ReadChart(BlockSpec& spec, Get get) {
    if (const json::value* type = get("type"); type) {
        auto parsed = type->is_string() ? chart::ParseChartType(type->get_string()) : std::nullopt;
        if (!parsed)
            return InvalidRequest("'type' is column, bar, line, area, pie, doughnut or scatter");
        spec.chart_type = *parsed;
    }
    if (const json::value* title = get("title"); title && title->is_string())
        spec.title = title->get_string();
    const json::value* categories = get("categories");
    if (categories == nullptr) return InvalidRequest("a chart needs 'categories'");
    Result<std::vector<std::string>> labels = StringList(*categories, "categories");
    if (!labels) return std::unexpected(labels.error());
    spec.categories = std::move(*labels);
    const json::value* series = get("series");
    if (series == nullptr || !series->is_array()) return InvalidRequest("a chart needs 'series'");
    Result<std::vector<ChartSeries>> read = ReadSeries(series->get_array());
    if (!read) return std::unexpected(read.error());
    spec.series = std::move(*read);
    return {};
}

const std::vector<std::string_view>& KnownBlockKeys() {
    static const std::vector<std::string_view> keys = {
        "type",   "text",      "level",       "style",  "items",     "ordered",  "rows",
        "header", "widths_cm", "table_style", "data",   "alt_text",  "width_cm", "caption",
        "name",   "title",     "categories",  "series", "chart_type"};
    return keys;
}

Result<BlockSpec> ReadBlock(const json::value& item, std::size_t index) {
    const json::object* block = item.if_object();
    auto fail = [&](std::string_view what) {
        return InvalidRequest(fmt::format("blocks[{}]: {}", index, what));
    };
    if (block == nullptr) return fail("must be an object");
    for (const auto& [key, unused] : *block) {
        const auto& known = KnownBlockKeys();
        if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
            return fail(fmt::format("unknown key '{}'", std::string_view(key)));
        }
    }
    auto get = [&](std::string_view key) -> const json::value* {
        const json::value* value = block->if_contains(key);
        return value != nullptr && !value->is_null() ? value : nullptr;
    };
    auto text = [&](std::string_view key) -> std::string {
        const json::value* value = get(key);
        return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
    };
    const json::value* type = get("type");
    if (type == nullptr || !type->is_string()) return fail("needs a string 'type'");
    const std::string_view kind = type->get_string();
    BlockSpec spec;
    spec.text = text("text");
    spec.name = text("name");
    spec.caption = text("caption");
    spec.alt_text = text("alt_text");
    if (const json::value* width = get("width_cm"); width && width->is_number()) {
        spec.width_cm = width->to_number<double>();
    }
    if (kind == "heading") {
        spec.kind = BlockSpec::Kind::kHeading;
        const json::value* level = get("level");
        spec.level = level && level->is_number() ? static_cast<int>(level->to_number<double>()) : 1;
    } else if (kind == "paragraph") {
        spec.kind = BlockSpec::Kind::kParagraph;
        spec.style = text("style");
    } else if (kind == "list") {
        spec.kind = BlockSpec::Kind::kList;
        const json::value* ordered = get("ordered");
        spec.ordered = ordered && ordered->is_bool() && ordered->get_bool();
        const json::value* items = get("items");
        if (items == nullptr || !items->is_array()) return fail("a list needs 'items'");
        for (const json::value& entry : items->get_array()) {
            if (entry.is_string()) {
                spec.items.push_back({std::string(entry.get_string()), 0});
            } else if (const json::object* object = entry.if_object();
                       object && object->contains("text") && object->at("text").is_string()) {
                const json::value* level = object->if_contains("level");
                spec.items.push_back({std::string(object->at("text").get_string()),
                                      level && level->is_number()
                                          ? static_cast<int>(level->to_number<double>())
                                          : 0});
            } else {
                return fail("list items are strings or {\"text\", \"level\"}");
            }
        }
    } else if (kind == "table") {
        spec.kind = BlockSpec::Kind::kTable;
        const json::value* rows = get("rows");
        if (rows == nullptr || !rows->is_array()) return fail("a table needs 'rows'");
        for (std::size_t r = 0; r < rows->get_array().size(); ++r) {
            const json::array* row = rows->get_array()[r].if_array();
            if (row == nullptr) return fail(fmt::format("rows[{}] must be an array", r));
            std::vector<std::string> cells;
            for (std::size_t c = 0; c < row->size(); ++c) {
                Result<std::string> cell = CellText((*row)[c], r, c);
                if (!cell) return fail(cell.error().message);
                cells.push_back(std::move(*cell));
            }
            spec.rows.push_back(std::move(cells));
        }
        const json::value* header = get("header");
        spec.header = header == nullptr || !header->is_bool() || header->get_bool();
        spec.table_style = text("table_style");
        if (const json::value* widths = get("widths_cm"); widths && widths->is_array()) {
            for (const json::value& width : widths->get_array()) {
                if (!width.is_number()) return fail("'widths_cm' holds numbers");
                spec.column_widths_cm.push_back(width.to_number<double>());
            }
        }
    } else if (kind == "page_break") {
        spec.kind = BlockSpec::Kind::kPageBreak;
    } else if (kind == "toc") {
        spec.kind = BlockSpec::Kind::kToc;
    } else if (kind == "image") {
        spec.kind = BlockSpec::Kind::kImage;
        Result<std::string> bytes = DecodeBase64(text("data"));
        if (!bytes) return fail(bytes.error().message);
        spec.image = std::move(*bytes);
    } else if (kind == "chart") {
        spec.kind = BlockSpec::Kind::kChart;
        auto chart_get = [&](std::string_view key) {
            return get(key == "type" ? "chart_type" : key);
        };
        if (Status read = ReadChart(spec, chart_get); !read) return fail(read.error().message);
    } else {
        return fail("'type' is heading, paragraph, list, table, page_break, toc, image or chart");
    }
    return spec;
}

Result<Position> ReadPosition(ToolArgs& args) {
    Result<std::optional<std::string>> name = args.OptionalString("position");
    if (!name) return std::unexpected(name.error());
    if (!*name) return Position::kAfter;
    std::optional<Position> position = ParsePosition(**name);
    if (!position) return InvalidRequest("'position' is before, after or end_of_section");
    return *position;
}

json::array Anchors(const std::vector<std::string>& anchors) {
    json::array out;
    for (const std::string& anchor : anchors) out.emplace_back(anchor);
    return out;
}

// The `tracked` argument of the tools that edit: edits are plain unless the user asked for
// tracked changes.
constexpr std::string_view kTrackedProperty =
    R"("tracked":{"type":"boolean","description":"true marks the edit as a tracked change )"
    R"((a suggestion to accept or reject). Leave it out unless the user asks for tracked )"
    R"(changes or suggestions: edits are plain by default."})";

Result<bool> ReadTracked(ToolArgs& args) {
    Result<std::optional<bool>> tracked = args.OptionalBool("tracked");
    if (!tracked) return Propagate(tracked);
    return tracked->value_or(false);
}

Result<json::value> InsertBlocksTool(WordDocument& document, ToolArgs& args) {
    Result<std::string> anchor = args.String("anchor");
    if (!anchor) return Propagate(anchor);
    Result<Position> position = ReadPosition(args);
    if (!position) return Propagate(position);
    Result<const json::array*> list = args.Array("blocks");
    if (!list) return Propagate(list);
    Result<bool> tracked = ReadTracked(args);
    if (!tracked) return Propagate(tracked);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    std::vector<BlockSpec> blocks;
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        Result<BlockSpec> block = ReadBlock((**list)[i], i);
        if (!block) return Propagate(block);
        blocks.push_back(std::move(*block));
    }
    Result<std::vector<std::string>> anchors =
        document.InsertBlocks(*anchor, *position, blocks, *tracked);
    if (!anchors) return Propagate(anchors);
    return json::object{{"inserted", blocks.size()}, {"anchors", Anchors(*anchors)}};
}

Result<json::value> AddChartTool(WordDocument& document, ToolArgs& args) {
    Result<std::string> anchor = args.String("anchor");
    if (!anchor) return Propagate(anchor);
    Result<Position> position = ReadPosition(args);
    if (!position) return Propagate(position);
    BlockSpec spec;
    spec.kind = BlockSpec::Kind::kChart;
    std::vector<std::pair<std::string, const json::value*>> read;
    for (std::string_view key :
         {"type", "title", "categories", "series", "name", "caption", "alt_text", "width_cm"}) {
        Result<const json::value*> value = args.Value(key);
        read.emplace_back(std::string(key), value ? *value : nullptr);
    }
    Result<bool> tracked = ReadTracked(args);
    if (!tracked) return Propagate(tracked);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    auto get = [&](std::string_view key) -> const json::value* {
        for (const auto& [name, value] : read) {
            if (name == key) return value;
        }
        return nullptr;
    };
    if (Status chart = ReadChart(spec, get); !chart) return std::unexpected(chart.error());
    // Checked here so that the message names this tool's arguments, not a block of a list.
    if (Status valid = ValidateChartData(spec); !valid) return std::unexpected(valid.error());
    for (auto [key, target] : {std::pair{"name", &spec.name}, std::pair{"caption", &spec.caption},
                               std::pair{"alt_text", &spec.alt_text}}) {
        if (const json::value* value = get(key); value && value->is_string())
            *target = value->get_string();
    }
    if (const json::value* width = get("width_cm"); width && width->is_number()) {
        spec.width_cm = width->to_number<double>();
    }
    Result<std::vector<std::string>> anchors =
        document.InsertBlocks(*anchor, *position, {&spec, 1}, *tracked);
    if (!anchors) return Propagate(anchors);
    return json::object{{"chart", anchors->front()}};
}

json::object BlockJson(const BlockInfo& block) {
    static constexpr std::string_view kKinds[] = {"paragraph", "table", "content_control", "other"};
    json::object out{{"id", block.id}, {"kind", kKinds[static_cast<int>(block.kind)]}};
    if (!block.style.empty()) out["style"] = block.style;
    if (block.heading_level >= 0) out["heading_level"] = block.heading_level;
    out["text"] = Shorten(block.text, kMaxBlockText);
    if (block.kind == BlockInfo::Kind::kTable) {
        out["rows"] = block.rows;
        out["columns"] = block.columns;
    }
    if (!block.drawings.empty()) {
        json::array drawings;
        for (const DrawingInfo& drawing : block.drawings) {
            drawings.push_back(json::object{{"name", drawing.name}, {"kind", drawing.kind}});
        }
        out["drawings"] = std::move(drawings);
    }
    if (block.caption) out["caption"] = true;
    if (block.list_item) out["list_item"] = true;
    return out;
}

Result<json::value> ReadSectionTool(WordDocument& document, ToolArgs& args) {
    Result<std::string> anchor = args.String("anchor");
    if (!anchor) return Propagate(anchor);
    if (Status done = args.Finish(); !done) return std::unexpected(done.error());
    Result<std::vector<BlockInfo>> blocks = document.ReadSection(*anchor);
    if (!blocks) return Propagate(blocks);
    json::array out;
    for (const BlockInfo& block : *blocks) {
        if (out.size() == kMaxSectionBlocks) break;
        out.push_back(BlockJson(block));
    }
    json::object result{{"anchor", *anchor}, {"blocks", std::move(out)}};
    if (blocks->size() > kMaxSectionBlocks) {
        result["truncated"] = true;
        result["total_blocks"] = blocks->size();
    }
    return result;
}

std::vector<DocumentTool> BuildTools() {
    const std::string tracked(kTrackedProperty);
    std::vector<DocumentTool> tools;
    tools.push_back({"get_outline",
                     "The document's map: sections with ids, tables, figures, bookmarks, headers "
                     "and footers, notes, comments, tracked changes.",
                     R"({"type":"object","properties":{},"additionalProperties":false})",
                     [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
                         if (Status done = args.Finish(); !done)
                             return std::unexpected(done.error());
                         return json::parse(document.OutlineJson());
                     }});
    tools.push_back({"read_section",
                     "The blocks of a section (a heading's id) or one block, with their text.",
                     R"({"type":"object","properties":{"anchor":{"type":"string"}},)"
                     R"("required":["anchor"],"additionalProperties":false})",
                     ReadSectionTool});
    tools.push_back(
        {"insert_blocks",
         "Insert blocks before or after an anchor (an outline id, or start/end of the body) or at "
         "the end of its section. Text takes **bold**, *italic*, __underline__, [text](url) and "
         "[^footnote]. Returns the new headings', tables' and figures' ids. Edits are plain; set "
         "tracked only when the user asks for tracked changes.",
         R"({"type":"object","properties":{"anchor":{"type":"string"},)"
         R"("position":{"enum":["before","after","end_of_section"]},)"
         R"("blocks":{"type":"array","items":{"type":"object","properties":{)"
         R"("type":{"enum":["heading","paragraph","list","table","page_break","toc",)"
         R"("image","chart"]},)"
         R"("text":{"type":"string"},"level":{"type":"integer","minimum":0,"maximum":6},)"
         R"("style":{"type":"string",)"
         R"("description":"a paragraph's style: the document's, by id or name"},)"
         R"("items":{"type":"array","items":{"anyOf":[{"type":"string"},)"
         R"({"type":"object",)"
         R"("properties":{"text":{"type":"string"},"level":{"type":"integer"}}}]}},)"
         R"("ordered":{"type":"boolean"},"rows":{"type":"array","items":{"type":"array"}},)"
         R"("header":{"type":"boolean"},"widths_cm":{"type":"array","items":{"type":"number"}},)"
         R"("table_style":{"type":"string","description":"the document's table style, by id or )"
         R"(name; default Table Grid"},"data":{"type":"string",)"
         R"("description":"base64 PNG or JPEG"},)"
         R"("alt_text":{"type":"string"},"width_cm":{"type":"number"},"caption":{"type":"string"},)"
         R"("name":{"type":"string"},"title":{"type":"string"},"chart_type":{"type":"string"},)"
         R"("categories":{"type":"array"},"series":{"type":"array"}},"required":["type"]}},)" +
             tracked + R"(},"required":["anchor","blocks"],"additionalProperties":false})",
         InsertBlocksTool});
    tools.push_back(
        {"replace_text",
         "Replace text everywhere in the body or in one section, across run boundaries, keeping "
         "the formatting where each match starts. Edits are plain; set tracked only when the "
         "user asks for tracked changes.",
         R"({"type":"object","properties":{"find":{"type":"string"},"replace":{"type":"string"},)"
         R"("scope":{"type":"string","description":"all (the body), document (with headers, )"
         R"(footers and notes), or a section's id"},)" +
             tracked + R"(},"required":["find","replace"],"additionalProperties":false})",
         [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
             Result<std::string> find = args.String("find");
             if (!find) return Propagate(find);
             Result<std::string> replace = args.String("replace");
             if (!replace) return Propagate(replace);
             Result<std::optional<std::string>> scope = args.OptionalString("scope");
             if (!scope) return Propagate(scope);
             Result<bool> tracked = ReadTracked(args);
             if (!tracked) return Propagate(tracked);
             if (Status done = args.Finish(); !done) return std::unexpected(done.error());
             Result<std::size_t> count =
                 document.ReplaceText(*find, *replace, scope->value_or("all"), *tracked);
             if (!count) return Propagate(count);
             return json::object{{"replaced", *count}};
         }});
    tools.push_back(
        {"move_block",
         "Move a block with what belongs to it (a heading's whole section, a figure's or table's "
         "caption) to an anchor. Edits are plain; set tracked only when the user asks for "
         "tracked changes (the move then shows as a deletion and an insertion).",
         R"({"type":"object",)"
         R"("properties":{"block":{"type":"string"},"to_anchor":{"type":"string"},)"
         R"("position":{"enum":["before","after","end_of_section"]},)" +
             tracked + R"(},"required":["block","to_anchor"],"additionalProperties":false})",
         [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
             Result<std::string> block = args.String("block");
             if (!block) return Propagate(block);
             Result<std::string> to = args.String("to_anchor");
             if (!to) return Propagate(to);
             Result<Position> position = ReadPosition(args);
             if (!position) return Propagate(position);
             Result<bool> tracked = ReadTracked(args);
             if (!tracked) return Propagate(tracked);
             if (Status done = args.Finish(); !done) return std::unexpected(done.error());
             if (Status moved = document.MoveBlock(*block, *to, *position, *tracked); !moved) {
                 return std::unexpected(moved.error());
             }
             return json::object{{"moved", *block}};
         }});
    tools.push_back(
        {"delete_block",
         "Delete a block with what belongs to it (a heading's section, a caption, the image or "
         "chart parts only it used). Edits are plain; set tracked only when the user asks for "
         "tracked changes.",
         R"({"type":"object","properties":{"block":{"type":"string"},)" + tracked +
             R"(},"required":["block"],"additionalProperties":false})",
         [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
             Result<std::string> block = args.String("block");
             if (!block) return Propagate(block);
             Result<bool> tracked = ReadTracked(args);
             if (!tracked) return Propagate(tracked);
             if (Status done = args.Finish(); !done) return std::unexpected(done.error());
             if (Status deleted = document.DeleteBlock(*block, *tracked); !deleted) {
                 return std::unexpected(deleted.error());
             }
             return json::object{{"deleted", *block}};
         }});
    tools.push_back(
        {"add_chart",
         "Insert a chart (a real Word chart with its data in an embedded workbook) at an anchor. "
         "Edits are plain; set tracked only when the user asks for tracked changes.",
         R"({"type":"object","properties":{"anchor":{"type":"string"},)"
         R"("position":{"enum":["before","after","end_of_section"]},)"
         R"("type":{"enum":["column","bar","line","area","pie","doughnut","scatter"]},)"
         R"("title":{"type":"string"},"categories":{"type":"array"},)"
         R"("series":{"type":"array","items":{"type":"object",)"
         R"("properties":{"name":{"type":"string"},)"
         R"("values":{"type":"array","items":{"type":["number","null"]}}},"required":["values"]}},)"
         R"("name":{"type":"string"},"caption":{"type":"string"},"alt_text":{"type":"string"},)"
         R"("width_cm":{"type":"number"},)" +
             tracked +
             R"(},"required":["anchor","categories","series"],)"
             R"("additionalProperties":false})",
         AddChartTool});
    tools.push_back(
        {"add_bookmark", "Put a named bookmark on a block so it can be referred to later.",
         R"({"type":"object","properties":{"block":{"type":"string"},"name":{"type":"string"}},)"
         R"("required":["block","name"],"additionalProperties":false})",
         [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
             Result<std::string> block = args.String("block");
             if (!block) return Propagate(block);
             Result<std::string> name = args.String("name");
             if (!name) return Propagate(name);
             if (Status done = args.Finish(); !done) return std::unexpected(done.error());
             if (Status added = document.AddBookmark(*block, *name); !added) {
                 return std::unexpected(added.error());
             }
             return json::object{{"bookmark", *name}};
         }});
    tools.push_back(
        {"set_header_footer",
         "Set the header or footer text of every section; {page} and {pages} become page "
         "number fields.",
         R"({"type":"object","properties":{"kind":{"enum":["header","footer"]},)"
         R"("text":{"type":"string"},"which":{"enum":["default","first","even"]}},)"
         R"("required":["kind","text"],"additionalProperties":false})",
         [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
             Result<std::string> kind = args.String("kind");
             if (!kind) return Propagate(kind);
             Result<std::string> text = args.String("text");
             if (!text) return Propagate(text);
             Result<std::optional<std::string>> which = args.OptionalString("which");
             if (!which) return Propagate(which);
             if (Status done = args.Finish(); !done) return std::unexpected(done.error());
             if (*kind != "header" && *kind != "footer") {
                 return InvalidRequest("'kind' is header or footer");
             }
             HeaderFooterSpec spec{*kind == "footer", which->value_or("default"), *text};
             if (Status set = document.SetHeaderFooter(spec); !set)
                 return std::unexpected(set.error());
             return json::object{{"set", *kind}};
         }});
    tools.push_back(
        {"set_page_setup", "Set page size, orientation and margins of every section.",
         R"({"type":"object","properties":{"size":{"enum":["A4","A3","A5","Letter","Legal"]},)"
         R"("orientation":{"enum":["portrait","landscape"]},"margin_cm":{"type":"number"}},)"
         R"("additionalProperties":false})",
         [](WordDocument& document, ToolArgs& args) -> Result<json::value> {
             Result<std::optional<std::string>> size = args.OptionalString("size");
             if (!size) return Propagate(size);
             Result<std::optional<std::string>> orientation = args.OptionalString("orientation");
             if (!orientation) return Propagate(orientation);
             Result<std::optional<double>> margin = args.OptionalNumber("margin_cm");
             if (!margin) return Propagate(margin);
             if (Status done = args.Finish(); !done) return std::unexpected(done.error());
             PageSetup setup{*size, std::nullopt, *margin};
             if (*orientation) {
                 if (**orientation != "portrait" && **orientation != "landscape") {
                     return InvalidRequest("'orientation' is portrait or landscape");
                 }
                 setup.landscape = **orientation == "landscape";
             }
             if (Status set = document.SetPageSetup(setup); !set)
                 return std::unexpected(set.error());
             return json::object{{"page_setup", "set"}};
         }});
    for (bool accept : {true, false}) {
        tools.push_back({accept ? "accept_all_changes" : "reject_all_changes",
                         accept ? "Accept every tracked change." : "Reject every tracked change.",
                         R"({"type":"object","properties":{},"additionalProperties":false})",
                         [accept](WordDocument& document, ToolArgs& args) -> Result<json::value> {
                             if (Status done = args.Finish(); !done)
                                 return std::unexpected(done.error());
                             Result<std::size_t> count =
                                 accept ? document.AcceptAllChanges() : document.RejectAllChanges();
                             if (!count) return Propagate(count);
                             return json::object{{"changes", *count}};
                         }});
    }
    return tools;
}

}  // namespace

const std::vector<DocumentTool>& DocumentTools() {
    static const std::vector<DocumentTool> tools = BuildTools();
    return tools;
}

Result<json::value> CallTool(WordDocument& document, std::string_view name,
                             const json::object& args) {
    const std::vector<DocumentTool>& tools = DocumentTools();
    auto tool = std::find_if(tools.begin(), tools.end(),
                             [&](const DocumentTool& candidate) { return candidate.name == name; });
    std::function<Result<json::value>(xlsx::ToolArgs&)> run;
    if (tool != tools.end()) {
        run = [&](xlsx::ToolArgs& reader) { return tool->run(document, reader); };
    }
    return xlsx::RunToolCall(name, args, run);
}

std::string ToolSchemasJson() {
    json::array out;
    for (const DocumentTool& tool : DocumentTools()) {
        out.push_back(xlsx::ToolListing(tool.name, tool.description, tool.input_schema));
    }
    return json::serialize(out);
}

}  // namespace quire::docx
