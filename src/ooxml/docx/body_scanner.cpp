#include "ooxml/docx/body_scanner.hpp"

#include <algorithm>
#include <cstring>

#include "common/utf8.hpp"
#include "ooxml/docx/word_impl.hpp"
#include "ooxml/package/xml.hpp"

namespace quire::docx {
namespace {

constexpr std::size_t kNone = std::string_view::npos;
// A construct (tag, comment) longer than this, or a final sectPr, is not read in text: the tree
// parse takes the part instead.
constexpr std::size_t kMaxConstruct = 1u << 20;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The characters pugixml takes for names: ASCII letters, '_', ':' and every byte of a
// multi-byte sequence to start one; digits, '-' and '.' after that.
bool IsNameStart(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':' || u >= 0x80;
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

std::string_view LocalOf(std::string_view name) {
    const std::size_t colon = name.find(':');
    return colon == kNone ? name : name.substr(colon + 1);
}

// A number as atoi and pugixml's as_int agree on it: optional minus, then up to nine digits
// ("" is 0). Anything else is nullopt.
std::optional<int> PlainNumber(std::string_view text) {
    if (text.empty()) return 0;
    const bool negative = text.front() == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty() || text.size() > 9) return std::nullopt;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return negative ? -value : value;
}

// An attribute value as the tree parse gives it (references decoded, tabs and line breaks made
// spaces), nullopt for a reference this does not decode.
std::optional<std::string> AttributeValue(std::string_view raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (IsSpace(c)) {
            // A line break written as CR LF is one break, so one space.
            if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
            out += ' ';
            continue;
        }
        if (c != '&') {
            out += c;
            continue;
        }
        const std::size_t semicolon = raw.find(';', i);
        if (semicolon == kNone) return std::nullopt;
        const std::string_view name = raw.substr(i + 1, semicolon - i - 1);
        i = semicolon;
        if (name == "lt") {
            out += '<';
        } else if (name == "gt") {
            out += '>';
        } else if (name == "amp") {
            out += '&';
        } else if (name == "quot") {
            out += '"';
        } else if (name == "apos") {
            out += '\'';
        } else if (name.size() > 1 && name[0] == '#') {
            const bool hex = name[1] == 'x';
            const std::string digits(name.substr(hex ? 2 : 1));
            if (digits.empty() || digits.size() > 6) return std::nullopt;
            char* stop = nullptr;
            const unsigned long code = std::strtoul(digits.c_str(), &stop, hex ? 16 : 10);
            if (*stop != '\0' || code == 0 || code > 0x10FFFF) return std::nullopt;
            AppendUtf8(out, static_cast<char32_t>(code));
        } else {
            return std::nullopt;
        }
    }
    return out;
}

BodyChildKind KindOf(std::string_view name) {
    if (name == "w:p") return BodyChildKind::kParagraph;
    if (name == "w:tbl") return BodyChildKind::kTable;
    if (name == "w:sdt") return BodyChildKind::kContentControl;
    if (name == "w:customXml") return BodyChildKind::kCustomXml;
    if (name == "w:altChunk") return BodyChildKind::kAltChunk;
    if (name == "w:sectPr") return BodyChildKind::kSectPr;
    if (name == "w:bookmarkStart" || name == "w:commentRangeStart" || name == "w:permStart" ||
        name == "w:moveToRangeStart" || name == "w:moveFromRangeStart") {
        return BodyChildKind::kMark;
    }
    return BodyChildKind::kOther;
}

// The elements whose w:id NextBookmarkId counts.
bool CountsForBookmarkId(std::string_view name) {
    return name == "w:bookmarkStart" || name == "w:ins" || name == "w:del" ||
           name == "w:moveFrom" || name == "w:moveTo" || name == "w:rPrChange" ||
           name == "w:pPrChange";
}

}  // namespace

BodyScanner::BodyScanner(Mode mode, int max_depth) : mode_(mode), max_depth_(max_depth) {
    child_depth_ = mode == Mode::kPart ? 2 : 0;
    in_body_ = mode == Mode::kFragment;
}

std::size_t BodyScanner::Fail() {
    failed_ = true;
    return kNone;
}

void BodyScanner::Feed(std::string_view piece) {
    if (failed_ || piece.empty()) return;
    // UTF-16 (zero bytes), and a byte order mark, are left to the tree parse, which also stops
    // at a zero byte anywhere.
    if (std::memchr(piece.data(), '\0', piece.size()) != nullptr) {
        failed_ = true;
        return;
    }
    if (mode_ == Mode::kPart && offset_ == 0 && carry_.empty()) {
        const std::string_view head = piece.substr(0, 3);
        if (head.starts_with("\xEF\xBB\xBF") || head.starts_with("\xFF\xFE") ||
            head.starts_with("\xFE\xFF")) {
            failed_ = true;
            return;
        }
    }
    std::size_t consumed = 0;
    if (carry_.empty()) {
        consumed = Scan(piece);
        if (!failed_) carry_.assign(piece.substr(consumed));
    } else {
        carry_.append(piece);
        consumed = Scan(carry_);
        if (!failed_) carry_.erase(0, consumed);
    }
    offset_ += consumed;
    if (carry_.size() > kMaxConstruct || capture_.size() > kMaxConstruct) failed_ = true;
}

std::optional<BodyScan> BodyScanner::Finish() {
    if (failed_ || !carry_.empty() || !open_.empty()) return std::nullopt;
    if (mode_ == Mode::kPart && !(root_closed_ && body_seen_ && !in_body_)) return std::nullopt;
    return std::move(scan_);
}

// Scans as much of `text` as holds whole constructs; returns where the unfinished rest starts.
std::size_t BodyScanner::Scan(std::string_view text) {
    text_ = text;
    std::size_t at = 0;
    while (!failed_) {
        const void* found = std::memchr(text.data() + at, '<', text.size() - at);
        const std::size_t lt = found ? static_cast<const char*>(found) - text.data() : text.size();
        if (lt > at && !TextAllowed(text.substr(at, lt - at))) {
            Fail();
            break;
        }
        if (lt == text.size()) {
            at = lt;
            break;
        }
        const std::size_t next = Markup(text, lt);
        if (next == kNone) {
            at = lt;
            break;
        }
        at = next;
    }
    if (capture_at_) {
        capture_.append(text.substr(*capture_at_, at - *capture_at_));
        capture_at_ = 0;  // the next text starts where this one stopped
    }
    return failed_ ? text.size() : at;
}

bool BodyScanner::TextAllowed(std::string_view text) const {
    if (!open_.empty()) return true;
    return std::all_of(text.begin(), text.end(), IsSpace);
}

// One construct starting with '<' at `at`: where it ends, or kNone when it is unfinished (or
// the scan failed).
std::size_t BodyScanner::Markup(std::string_view text, std::size_t at) {
    const std::string_view rest = text.substr(at);
    if (rest.size() < 2) return kNone;
    if (rest[1] == '!') {
        if (rest.starts_with("<!--")) {
            const std::size_t end = text.find("-->", at + 4);
            return end == kNone ? kNone : end + 3;
        }
        if (rest.starts_with("<![CDATA[")) {
            if (open_.empty()) return Fail();
            const std::size_t end = text.find("]]>", at + 9);
            return end == kNone ? kNone : end + 3;
        }
        // Too short to tell yet, or a DOCTYPE or anything else the tree parse judges.
        if (std::string_view("<![CDATA[").starts_with(rest) || rest == "<!-") return kNone;
        return Fail();
    }
    if (rest[1] == '?') return Instruction(text, at);
    if (rest[1] == '/') return EndTag(text, at);
    return StartTag(text, at);
}

std::size_t BodyScanner::Instruction(std::string_view text, std::size_t at) {
    const std::size_t end = text.find("?>", at + 2);
    if (end == kNone) return kNone;
    const std::string_view body = text.substr(at + 2, end - at - 2);
    std::size_t name_end = 0;
    while (name_end < body.size() && IsNameChar(body[name_end])) ++name_end;
    const std::string_view target = body.substr(0, name_end);
    if (target.empty() || !IsNameStart(target[0]) ||
        (name_end < body.size() && !IsSpace(body[name_end]))) {
        return Fail();
    }
    std::string lower(target);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "xml") return end + 2;
    // The declaration: only at the very start, and only for UTF-8, which is what gets spliced in.
    if (mode_ != Mode::kPart || offset_ + at != 0) return Fail();
    const std::size_t encoding = body.find("encoding");
    if (encoding != kNone) {
        const std::size_t quote = body.find_first_of("\"'", encoding);
        if (quote == kNone) return Fail();
        const std::size_t close = body.find(body[quote], quote + 1);
        if (close == kNone) return Fail();
        std::string value(body.substr(quote + 1, close - quote - 1));
        for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (value != "utf-8") return Fail();
    }
    return end + 2;
}

std::size_t BodyScanner::EndTag(std::string_view text, std::size_t at) {
    const void* found = std::memchr(text.data() + at, '>', text.size() - at);
    if (found == nullptr) return kNone;
    const std::size_t gt = static_cast<const char*>(found) - text.data();
    std::string_view name = text.substr(at + 2, gt - at - 2);
    while (!name.empty() && IsSpace(name.back())) name.remove_suffix(1);
    if (open_.empty() || name != open_.back()) return Fail();
    OnEnd(name, at, gt + 1);
    return failed_ ? kNone : gt + 1;
}

std::size_t BodyScanner::StartTag(std::string_view text, std::size_t at) {
    std::size_t i = at + 1;
    if (!IsNameStart(text[i])) return Fail();
    while (i < text.size() && IsNameChar(text[i])) ++i;
    const std::string_view name = text.substr(at + 1, i - at - 1);
    attributes_.clear();
    bool spaced = false;
    while (true) {
        if (i >= text.size()) return kNone;
        const char c = text[i];
        if (c == '>') {
            OnStart(name, attributes_, false, at, i + 1);
            return failed_ ? kNone : i + 1;
        }
        if (c == '/') {
            if (i + 1 >= text.size()) return kNone;
            if (text[i + 1] != '>') return Fail();
            OnStart(name, attributes_, true, at, i + 2);
            return failed_ ? kNone : i + 2;
        }
        if (IsSpace(c)) {
            spaced = true;
            ++i;
            continue;
        }
        if (!spaced || !IsNameStart(c)) return Fail();
        const std::size_t name_start = i;
        while (i < text.size() && IsNameChar(text[i])) ++i;
        const std::string_view attribute = text.substr(name_start, i - name_start);
        while (i < text.size() && IsSpace(text[i])) ++i;
        if (i >= text.size()) return kNone;
        if (text[i] != '=') return Fail();
        ++i;
        while (i < text.size() && IsSpace(text[i])) ++i;
        if (i >= text.size()) return kNone;
        const char quote = text[i];
        if (quote != '"' && quote != '\'') return Fail();
        const void* close = std::memchr(text.data() + i + 1, quote, text.size() - i - 1);
        if (close == nullptr) return kNone;
        const std::size_t value_end = static_cast<const char*>(close) - text.data();
        const std::string_view value = text.substr(i + 1, value_end - i - 1);
        if (value.find('<') != kNone) return Fail();
        attributes_.push_back({attribute, value});
        i = value_end + 1;
        spaced = false;
    }
}

void BodyScanner::OnStart(std::string_view name, const std::vector<Attribute>& attributes,
                          bool empty, std::size_t at, std::size_t end) {
    const std::size_t depth = open_.size();
    if (mode_ == Mode::kPart) {
        if (depth == 0) {
            OnRoot(name, attributes, empty);
            if (failed_) return;
        } else {
            for (const Attribute& attribute : attributes) {
                if (!attribute.name.starts_with("xmlns")) continue;
                scan_.declares_below_root = true;
                // Names are matched by their "w:" prefix, which is only right while nothing
                // below the root maps w: or r: elsewhere or gives WordprocessingML another
                // prefix (the default namespace included). Drawings repeat the root's r:.
                const bool same = (attribute.name == "xmlns:w" && attribute.value == root_w_) ||
                                  (attribute.name == "xmlns:r" && attribute.value == root_r_);
                const bool remaps = attribute.name == "xmlns:w" || attribute.name == "xmlns:r" ||
                                    attribute.value == ooxml::ns::kWordMain ||
                                    attribute.value == kWordStrictNs;
                if (remaps && !same) {
                    failed_ = true;
                    return;
                }
            }
        }
        if (depth == 1 && name == "w:body") {
            if (body_seen_ || empty) {
                failed_ = true;
                return;
            }
            body_seen_ = true;
            in_body_ = true;
            scan_.body_open_end = offset_ + end;
        }
        if (static_cast<int>(depth) + 1 > max_depth_) {
            failed_ = true;
            return;
        }
    }
    const bool inside = in_body_ && depth >= child_depth_;
    if (inside && depth == child_depth_) {
        BodyChild child;
        child.start = offset_ + at;
        child.kind = KindOf(name);
        scan_.children.push_back(child);
        child_ = scan_.children.size() - 1;
        if (child.kind == BodyChildKind::kSectPr) {
            capture_.clear();
            capture_at_ = at;
        }
    } else if (inside && child_ && name == "w:drawing") {
        scan_.children[*child_].has_drawing = true;
    }
    if (inside) Record(name, attributes);
    if (failed_) return;
    if (empty) {
        if (inside && depth == child_depth_) EndChild(end);
        return;
    }
    open_.emplace_back(name);
}

void BodyScanner::OnRoot(std::string_view name, const std::vector<Attribute>& attributes,
                         bool empty) {
    if (root_seen_ || empty || name != "w:document") {
        failed_ = true;
        return;
    }
    root_seen_ = true;
    std::string_view w_ns, r_ns;
    for (const Attribute& attribute : attributes) {
        if (!attribute.name.starts_with("xmlns")) continue;
        // Values with references are compared as written, which only sends them to the tree.
        if (attribute.name == "xmlns:w") {
            w_ns = attribute.value;
        } else if (attribute.name == "xmlns:r") {
            r_ns = attribute.value;
        } else if (attribute.value == ooxml::ns::kWordMain || attribute.value == kWordStrictNs) {
            failed_ = true;  // a second prefix (or the default) for WordprocessingML
            return;
        }
    }
    scan_.strict = w_ns == kWordStrictNs;
    root_w_ = w_ns;
    root_r_ = r_ns;
    const bool known = (w_ns == ooxml::ns::kWordMain && r_ns == kRelNs) ||
                       (w_ns == kWordStrictNs && r_ns == kRelNsStrict);
    if (!known) failed_ = true;
}

// Bookmark names and the largest ids, as BookmarkExists, NextBookmarkId and NextDrawingId
// collect them from the tree.
void BodyScanner::Record(std::string_view name, const std::vector<Attribute>& attributes) {
    const bool bookmark = name == "w:bookmarkStart";
    const bool revision = CountsForBookmarkId(name);
    const bool drawing = LocalOf(name) == "docPr";
    if (!bookmark && !revision && !drawing) return;
    std::string_view id, bookmark_name;
    for (const Attribute& attribute : attributes) {
        if (drawing && attribute.name == "id") id = attribute.value;
        if (revision && attribute.name == "w:id") id = attribute.value;
        if (bookmark && attribute.name == "w:name") bookmark_name = attribute.value;
    }
    const std::optional<int> number = PlainNumber(id);
    if (!number) {
        failed_ = true;
        return;
    }
    int& max_id = drawing ? scan_.max_drawing_id : scan_.max_bookmark_id;
    max_id = std::max(max_id, *number);
    if (!bookmark) return;
    std::optional<std::string> decoded = AttributeValue(bookmark_name);
    if (!decoded) {
        failed_ = true;
        return;
    }
    for (char& c : *decoded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    scan_.bookmark_names.insert(std::move(*decoded));
}

void BodyScanner::OnEnd(std::string_view name, std::size_t at, std::size_t end) {
    open_.pop_back();
    const std::size_t depth = open_.size();
    if (mode_ == Mode::kPart && depth == 0) root_closed_ = true;
    if (mode_ == Mode::kPart && depth == 1 && in_body_ && name == "w:body") {
        in_body_ = false;
        scan_.body_close_start = offset_ + at;
        return;
    }
    if (in_body_ && depth == child_depth_) EndChild(end);
}

void BodyScanner::EndChild(std::size_t end) {
    BodyChild& child = scan_.children[*child_];
    child.end = offset_ + end;
    child_.reset();
    if (capture_at_) {
        capture_.append(text_.substr(*capture_at_, end - *capture_at_));
        capture_at_.reset();
        scan_.final_sect_pr = std::move(capture_);
        capture_.clear();
    }
}

}  // namespace quire::docx
