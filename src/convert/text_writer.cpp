#include <string>
#include <string_view>
#include <utility>

#include "convert/native_writers.hpp"
#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::convert {
namespace {

constexpr std::string_view kWordStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main";

// Collects the text of one WordprocessingML body, in the namespace the document uses.
class BodyText {
public:
    explicit BodyText(std::string ns) : ns_(std::move(ns)) {}

    std::string Take() { return std::move(out_); }

    // A block-level container: paragraphs become lines, tables rows of tab-separated cells.
    void Blocks(const pugi::xml_node& parent) {
        for (pugi::xml_node child : parent.children()) {
            if (child.type() != pugi::node_element) continue;
            std::string_view name = ooxml::LocalName(child);
            if (ooxml::NamespaceOf(child) != ns_) continue;
            if (name == "p") {
                out_ += ParagraphText(child);
                out_ += '\n';
            } else if (name == "tbl") {
                Table(child);
            } else if (name == "sdt" || name == "customXml" || name == "ins") {
                Blocks(name == "sdt" ? ooxml::FindChild(child, ns_, "sdtContent") : child);
            }
        }
    }

private:
    void Table(const pugi::xml_node& table) {
        for (pugi::xml_node row : table.children()) {
            if (!ooxml::IsElement(row, ns_, "tr")) continue;
            bool first = true;
            for (pugi::xml_node cell : row.children()) {
                if (!ooxml::IsElement(cell, ns_, "tc")) continue;
                if (!first) out_ += '\t';
                first = false;
                out_ += CellText(cell);
            }
            out_ += '\n';
        }
    }

    // A cell's paragraphs joined by spaces, so that a row stays on one line.
    std::string CellText(const pugi::xml_node& cell) {
        std::string text;
        for (pugi::xml_node p : cell.children()) {
            if (!ooxml::IsElement(p, ns_, "p")) continue;
            if (!text.empty()) text += ' ';
            text += ParagraphText(p);
        }
        return text;
    }

    std::string ParagraphText(const pugi::xml_node& paragraph) {
        std::string text;
        Runs(paragraph, text);
        return text;
    }

    // Walks runs and their wrappers (hyperlinks, smart tags, content controls, insertions);
    // deletions and moved-away text are not part of the document as it reads.
    void Runs(const pugi::xml_node& parent, std::string& text) {
        for (pugi::xml_node child : parent.children()) {
            if (child.type() != pugi::node_element || ooxml::NamespaceOf(child) != ns_) continue;
            std::string_view name = ooxml::LocalName(child);
            if (name == "t") {
                text += child.text().get();
            } else if (name == "tab" || name == "ptab") {
                text += '\t';
            } else if (name == "br" || name == "cr") {
                text += '\n';
            } else if (name == "noBreakHyphen") {
                text += '-';
            } else if (name == "del" || name == "moveFrom" || name == "delText" ||
                       name == "instrText" || name == "pPr" || name == "rPr") {
                continue;
            } else {
                Runs(child, text);
            }
        }
    }

    std::string ns_;
    std::string out_;
};

}  // namespace

Result<std::string> DocumentToText(std::string docx) {
    auto package = ooxml::Package::Open(std::move(docx));
    if (!package) return Propagate(package);
    auto main = package->MainPart();
    if (!main) return Propagate(main);
    auto xml = package->ReadPart(*main);
    if (!xml) return Propagate(xml);
    auto doc = ooxml::ParseXml(*xml, *main);
    if (!doc) return Propagate(doc);

    pugi::xml_node document = (*doc)->document_element();
    std::string ns = ooxml::NamespaceOf(document);
    if (ns != ooxml::ns::kWordMain && ns != kWordStrict) {
        return InvalidRequest("the file is not a Word document");
    }
    pugi::xml_node body = ooxml::FindChild(document, ns, "body");
    if (!body) return InvalidRequest("the Word document has no body");
    BodyText text(ns);
    text.Blocks(body);
    return text.Take();
}

}  // namespace quire::convert
