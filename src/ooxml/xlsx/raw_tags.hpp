#pragma once

// Internal to the xlsx engine: a reader of start and end tags over raw XML text, for the scans
// and streaming edits of large parts that must not build a DOM.

#include <cstddef>
#include <string_view>

namespace quire::xlsx {

struct Tag {
    std::size_t begin = 0;  // at '<'
    std::size_t end = 0;    // one past '>'
    std::string_view qname;
    std::string_view local;
    std::string_view attrs;  // between the name and '>' or "/>"
    bool closing = false;
    bool empty = false;  // "<x .../>"
};

// Start and end tags in document order. Comments, CDATA sections, processing instructions and
// declarations are skipped; text between tags is not looked at (it cannot hold a '<').
class TagReader {
public:
    TagReader(std::string_view xml, std::size_t pos) : xml_(xml), pos_(pos) {}

    // False at the end of the text, or at a tag or comment that is never closed.
    bool Next(Tag& tag) {
        while (true) {
            std::size_t lt = xml_.find('<', pos_);
            if (lt == std::string_view::npos) return false;
            std::string_view rest = xml_.substr(lt);
            std::string_view skip_to;
            if (rest.starts_with("<!--")) {
                skip_to = "-->";
            } else if (rest.starts_with("<![CDATA[")) {
                skip_to = "]]>";
            } else if (rest.starts_with("<?") || rest.starts_with("<!")) {
                skip_to = ">";
            } else {
                return ReadTag(lt, tag);
            }
            std::size_t at = xml_.find(skip_to, lt);
            if (at == std::string_view::npos) return false;
            pos_ = at + skip_to.size();
        }
    }

    void Seek(std::size_t pos) { pos_ = pos; }

    // Moves past the element that `start` opens; its end tag, if it has one, goes to `close`.
    bool SkipElement(const Tag& start, Tag* close = nullptr) {
        if (start.empty) return true;
        int depth = 1;
        Tag tag;
        while (Next(tag)) {
            if (tag.closing && --depth == 0) {
                if (close != nullptr) *close = tag;
                return true;
            }
            if (!tag.closing && !tag.empty) ++depth;
        }
        return false;
    }

private:
    bool ReadTag(std::size_t lt, Tag& tag) {
        std::size_t i = lt + 1;
        tag.begin = lt;
        tag.closing = i < xml_.size() && xml_[i] == '/';
        if (tag.closing) ++i;
        std::size_t name_end = xml_.find_first_of(" \t\r\n/>", i);
        if (name_end == std::string_view::npos) return false;
        tag.qname = xml_.substr(i, name_end - i);
        std::size_t colon = tag.qname.find(':');
        tag.local = colon == std::string_view::npos ? tag.qname : tag.qname.substr(colon + 1);

        char quote = 0;
        std::size_t gt = name_end;
        for (; gt < xml_.size(); ++gt) {
            char ch = xml_[gt];
            if (quote != 0) {
                if (ch == quote) quote = 0;
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '>') {
                break;
            }
        }
        if (gt >= xml_.size()) return false;
        tag.empty = !tag.closing && gt > name_end && xml_[gt - 1] == '/';
        tag.attrs = xml_.substr(name_end, gt - name_end - (tag.empty ? 1 : 0));
        tag.end = gt + 1;
        pos_ = tag.end;
        return true;
    }

    std::string_view xml_;
    std::size_t pos_;
};

}  // namespace quire::xlsx
