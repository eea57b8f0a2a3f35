// multipart/form-data (RFC 7578) over the multipart syntax of RFC 2046 §5.1.1.

#include <cctype>
#include <optional>

#include "http/server.hpp"

namespace quire::http {
namespace {

// RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
constexpr std::size_t kMaxBoundary = 70;
constexpr std::string_view kCrlf = "\r\n";

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (Lower(a[i]) != Lower(b[i])) return false;
    }
    return true;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// A header value's parameters ("; name=value" or "; name=\"quoted\""), read one at a time.
class ParameterReader {
public:
    explicit ParameterReader(std::string_view text) : rest_(text) {}

    // The next parameter, nullopt at the end; sets failed() on a malformed list.
    std::optional<std::pair<std::string, std::string>> Next() {
        rest_ = Trim(rest_);
        if (rest_.empty() || failed_) return std::nullopt;
        if (rest_.front() != ';') return Failure();
        rest_ = Trim(rest_.substr(1));
        if (rest_.empty()) return std::nullopt;  // a trailing ';' is harmless
        std::size_t eq = rest_.find('=');
        if (eq == std::string_view::npos) return Failure();
        std::string name(Trim(rest_.substr(0, eq)));
        for (char& c : name) c = Lower(c);
        rest_ = Trim(rest_.substr(eq + 1));
        auto value = rest_.starts_with('"') ? ReadQuoted() : ReadToken();
        if (!value) return Failure();
        return std::pair{std::move(name), std::move(*value)};
    }

    bool failed() const { return failed_; }

private:
    std::nullopt_t Failure() {
        failed_ = true;
        return std::nullopt;
    }

    std::optional<std::string> ReadToken() {
        std::size_t end = rest_.find(';');
        std::string value(Trim(rest_.substr(0, end)));
        rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end);
        return value;
    }

    // RFC 2045 quoted-string: a backslash takes the next character literally.
    std::optional<std::string> ReadQuoted() {
        std::string value;
        for (std::size_t i = 1; i < rest_.size(); ++i) {
            char c = rest_[i];
            if (c == '"') {
                rest_ = rest_.substr(i + 1);
                return value;
            }
            if (c == '\\' && i + 1 < rest_.size()) c = rest_[++i];
            value.push_back(c);
        }
        return std::nullopt;  // unterminated
    }

    std::string_view rest_;
    bool failed_ = false;
};

Result<std::string> BoundaryOf(std::string_view content_type) {
    std::size_t semicolon = content_type.find(';');
    std::string_view media_type = Trim(content_type.substr(0, semicolon));
    if (!EqualsIgnoreCase(media_type, "multipart/form-data")) {
        return InvalidRequest("The body must be multipart/form-data.");
    }
    if (semicolon == std::string_view::npos) {
        return InvalidRequest("The multipart Content-Type has no boundary.");
    }
    ParameterReader reader(content_type.substr(semicolon));
    std::string boundary;
    while (auto parameter = reader.Next()) {
        if (parameter->first == "boundary") boundary = std::move(parameter->second);
    }
    if (reader.failed()) return InvalidRequest("The multipart Content-Type is malformed.");
    if (boundary.empty() || boundary.size() > kMaxBoundary) {
        return InvalidRequest("The multipart Content-Type has no valid boundary.");
    }
    return boundary;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = Lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// RFC 5987 ext-value ("UTF-8'lang'percent-encoded"); nullopt for another charset or bad escapes.
std::optional<std::string> DecodeExtendedValue(std::string_view value) {
    std::size_t first = value.find('\'');
    if (first == std::string_view::npos) return std::nullopt;
    std::size_t second = value.find('\'', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    if (!EqualsIgnoreCase(value.substr(0, first), "utf-8")) return std::nullopt;
    std::string decoded;
    for (std::size_t i = second + 1; i < value.size(); ++i) {
        if (value[i] != '%') {
            decoded.push_back(value[i]);
            continue;
        }
        if (i + 2 >= value.size()) return std::nullopt;
        int high = HexValue(value[i + 1]);
        int low = HexValue(value[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return decoded;
}

Status ApplyDisposition(std::string_view value, FormPart& part) {
    std::size_t semicolon = value.find(';');
    if (!EqualsIgnoreCase(Trim(value.substr(0, semicolon)), "form-data")) {
        return InvalidRequest("A multipart part is not form-data.");
    }
    if (semicolon == std::string_view::npos) {
        return InvalidRequest("A multipart part has no name.");
    }
    ParameterReader reader(value.substr(semicolon));
    std::optional<std::string> name;
    std::optional<std::string> extended_file_name;
    while (auto parameter = reader.Next()) {
        auto& [key, text] = *parameter;
        if (key == "name") name = std::move(text);
        if (key == "filename") part.file_name = std::move(text);
        if (key == "filename*") extended_file_name = DecodeExtendedValue(text);
    }
    if (reader.failed()) return InvalidRequest("A multipart Content-Disposition is malformed.");
    if (!name || name->empty()) return InvalidRequest("A multipart part has no name.");
    part.name = std::move(*name);
    if (extended_file_name) part.file_name = std::move(*extended_file_name);
    return {};
}

// Reads a part's header block (everything before the blank line).
Status ApplyHeaders(std::string_view block, FormPart& part) {
    bool has_disposition = false;
    while (!block.empty()) {
        std::size_t end = block.find(kCrlf);
        std::string_view line = block.substr(0, end);
        block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return InvalidRequest("A multipart part has a malformed header.");
        }
        std::string_view name = line.substr(0, colon);
        std::string_view value = Trim(line.substr(colon + 1));
        if (EqualsIgnoreCase(name, "Content-Disposition")) {
            auto applied = ApplyDisposition(value, part);
            if (!applied) return applied;
            has_disposition = true;
        } else if (EqualsIgnoreCase(name, "Content-Type")) {
            part.content_type = std::string(value);
        }
    }
    if (!has_disposition) return InvalidRequest("A multipart part has no Content-Disposition.");
    return {};
}

// What follows a delimiter "--boundary": the close delimiter's "--", or optional transport
// padding (spaces and tabs) and CRLF. Returns the offset just past it, nullopt when the match was
// not a delimiter line at all.
std::optional<std::pair<std::size_t, bool>> DelimiterEnd(std::string_view body, std::size_t at) {
    if (body.substr(at, 2) == "--") return std::pair{at + 2, true};
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (body.substr(at, 2) == kCrlf) return std::pair{at + 2, false};
    return std::nullopt;
}

// Finds the next delimiter at or after `from`: the CRLF before "--boundary" belongs to the
// delimiter (RFC 2046 §5.1.1), so a part's data ends where that CRLF starts.
struct Delimiter {
    std::size_t start;  // where the CRLF (or, for the first one, the dashes) begins
    std::size_t end;    // just past its line
    bool close;         // the close delimiter "--boundary--"
};

std::optional<Delimiter> NextDelimiter(std::string_view body, std::string_view dash_boundary,
                                       std::size_t from, bool allow_at_start) {
    if (allow_at_start && from == 0 && body.starts_with(dash_boundary)) {
        if (auto end = DelimiterEnd(body, dash_boundary.size())) {
            return Delimiter{0, end->first, end->second};
        }
    }
    std::string needle = std::string(kCrlf) + std::string(dash_boundary);
    for (std::size_t at = body.find(needle, from); at != std::string_view::npos;
         at = body.find(needle, at + 1)) {
        if (auto end = DelimiterEnd(body, at + needle.size())) {
            return Delimiter{at, end->first, end->second};
        }
    }
    return std::nullopt;
}

Result<FormPart> ParsePart(std::string_view raw) {
    FormPart part;
    std::size_t header_end;
    if (raw.starts_with(kCrlf)) {
        header_end = 0;  // no headers at all; ApplyHeaders then reports the missing disposition
    } else {
        header_end = raw.find("\r\n\r\n");
        if (header_end == std::string_view::npos) {
            return InvalidRequest("A multipart part's headers do not end.");
        }
        header_end += 2;
    }
    auto applied = ApplyHeaders(raw.substr(0, header_end), part);
    if (!applied) return std::unexpected(applied.error());
    part.data = std::string(raw.substr(header_end + 2));
    return part;
}

}  // namespace

Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body) {
    auto boundary = BoundaryOf(content_type);
    if (!boundary) return Propagate(boundary);
    std::string dash_boundary = "--" + *boundary;

    auto delimiter = NextDelimiter(body, dash_boundary, 0, true);
    if (!delimiter) return InvalidRequest("The multipart body has no boundary line.");
    std::vector<FormPart> parts;
    while (!delimiter->close) {
        auto next = NextDelimiter(body, dash_boundary, delimiter->end, false);
        if (!next) return InvalidRequest("The multipart body is truncated.");
        auto part = ParsePart(body.substr(delimiter->end, next->start - delimiter->end));
        if (!part) return Propagate(part);
        parts.push_back(std::move(*part));
        delimiter = next;
    }
    if (parts.empty()) return InvalidRequest("The multipart body has no parts.");
    return parts;
}

}  // namespace quire::http
