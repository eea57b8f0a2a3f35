#include "agent/context_text.hpp"

#include <fmt/format.h>

#include <pugixml.hpp>

#include <cctype>
#include <map>
#include <string_view>

#include "common/utf8.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/workbook.hpp"

namespace quire::agent {
namespace {

std::string Extension(std::string_view name) {
    std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) return {};
    std::string ext(name.substr(dot + 1));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

std::string CellText(const xlsx::CellValue& value, bool date1904) {
    switch (value.kind) {
        case xlsx::CellValue::Kind::kEmpty:
            return {};
        case xlsx::CellValue::Kind::kNumber:
            return fmt::format("{}", value.number);
        case xlsx::CellValue::Kind::kDate:
            return xlsx::DateText(value.number, date1904);
        case xlsx::CellValue::Kind::kBoolean:
            return value.number != 0 ? "TRUE" : "FALSE";
        case xlsx::CellValue::Kind::kText:
        case xlsx::CellValue::Kind::kFormula:
            return value.text;
    }
    return {};
}

Result<std::string> WorkbookText(const ContextFile& file, std::size_t max_chars) {
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(file.bytes);
    if (!workbook) return Propagate(workbook);
    Result<std::vector<xlsx::SheetInfo>> sheets = workbook->Sheets();
    if (!sheets) return Propagate(sheets);
    std::string text;
    for (const xlsx::SheetInfo& sheet : *sheets) {
        if (sheet.kind != "worksheet" || sheet.dimension.empty()) continue;
        text += fmt::format("## Sheet {}\n", sheet.name);
        Result<xlsx::RangeContent> cells =
            workbook->ReadRange(sheet.name, sheet.dimension, max_chars / 4 + 1);
        if (!cells) return Propagate(cells);
        for (const auto& row : cells->rows) {
            std::string line;
            for (std::size_t i = 0; i < row.size(); ++i) {
                if (i > 0) line += '\t';
                line += CellText(row[i].value, workbook->Uses1904Dates());
            }
            text += line + "\n";
            if (text.size() > max_chars) return text;
        }
    }
    return text;
}

// The text of every paragraph (`paragraph` elements) in a part, one per line.
void ParagraphText(pugi::xml_node root, std::string_view paragraph, std::string& out) {
    auto walk = [&](auto&& self, pugi::xml_node node, std::string& line) -> void {
        for (pugi::xml_node child : node.children()) {
            if (child.type() == pugi::node_pcdata && ooxml::LocalName(node) == "t") {
                line += child.value();
            } else if (child.type() == pugi::node_element) {
                std::string_view local = ooxml::LocalName(child);
                if (local == "tab") line += '\t';
                if (local == "br") line += '\n';
                if (local == paragraph) {
                    std::string inner;
                    self(self, child, inner);
                    if (!inner.empty()) out += inner + "\n";
                } else {
                    self(self, child, line);
                }
            }
        }
    };
    std::string loose;
    walk(walk, root, loose);
    if (!loose.empty()) out += loose + "\n";
}

Result<std::string> PackageText(const ContextFile& file, bool slides) {
    Result<ooxml::Package> package = ooxml::Package::Open(file.bytes);
    if (!package) return Propagate(package);
    std::map<int, std::string> parts;  // in reading order
    for (const std::string& name : package->PartNames()) {
        if (!slides && name == "word/document.xml") parts[0] = name;
        if (slides && name.starts_with("ppt/slides/slide") && name.ends_with(".xml")) {
            std::string_view number(name);
            number.remove_prefix(16);
            number.remove_suffix(4);
            int n = 0;
            for (char c : number)
                n = std::isdigit(static_cast<unsigned char>(c)) ? n * 10 + (c - '0') : n;
            parts[n] = name;
        }
    }
    std::string text;
    for (const auto& [number, name] : parts) {
        Result<std::string> xml = package->ReadPart(name);
        if (!xml) return Propagate(xml);
        Result<std::unique_ptr<pugi::xml_document>> doc = ooxml::ParseXml(*xml, name);
        if (!doc) return Propagate(doc);
        if (slides) text += fmt::format("## Slide {}\n", number);
        ParagraphText((*doc)->document_element(), "p", text);
    }
    return text;
}

}  // namespace

Result<std::string> ContextText(const ContextFile& file, std::size_t max_chars) {
    std::string ext = Extension(file.file_name);
    Result<std::string> text = [&]() -> Result<std::string> {
        if (ext == "xlsx" || ext == "xlsm") return WorkbookText(file, max_chars);
        if (ext == "docx" || ext == "docm") return PackageText(file, false);
        if (ext == "pptx" || ext == "pptm") return PackageText(file, true);
        std::string_view bytes = file.bytes;
        if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
        if (bytes.find('\0') != std::string_view::npos || !IsValidUtf8(bytes)) {
            return InvalidRequest("it is neither UTF-8 text nor an xlsx, docx or pptx document");
        }
        return std::string(bytes);
    }();
    if (!text) {
        return InvalidRequest(
            fmt::format("context file {}: {}", file.file_name, text.error().message));
    }
    if (text->size() > max_chars) {
        std::size_t cut = text->rfind('\n', max_chars);
        if (cut == std::string::npos || cut == 0) {
            cut = max_chars;
            while (cut > 0 && (static_cast<unsigned char>((*text)[cut]) & 0xC0) == 0x80) --cut;
        } else {
            ++cut;
        }
        text->resize(cut);
    }
    return text;
}

}  // namespace quire::agent
