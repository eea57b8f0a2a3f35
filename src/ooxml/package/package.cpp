#include "ooxml/package/package.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <ctime>
#include <set>
#include <thread>
#include <unordered_map>

#include "ooxml/package/xml.hpp"

namespace quire::ooxml {
namespace {

constexpr std::string_view kContentTypesPart = "[Content_Types].xml";
constexpr std::string_view kOfficeDocumentRelStrict =
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument";
constexpr std::string_view kOle2Magic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
constexpr std::uint64_t kRatioCheckFloor = 1u << 20;
// A DOCTYPE may only stand before the root element, so only this much of a part is inflated to
// look for one at Open.
constexpr std::size_t kPrologScanBytes = 64u << 10;
// Parts at least this large are deflated at level 1 (much faster, barely larger), in pieces on
// several cores.
constexpr std::size_t kFastDeflateFloor = 256u << 10;

struct ZipDiscard {
    void operator()(zip_t* zip) const { zip_discard(zip); }
};
using ZipArchive = std::unique_ptr<zip_t, ZipDiscard>;

struct ZipFileClose {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipFile = std::unique_ptr<zip_file_t, ZipFileClose>;

struct ZipSourceFree {
    void operator()(zip_source_t* source) const { zip_source_free(source); }
};
using ZipSource = std::unique_ptr<zip_source_t, ZipSourceFree>;

// ---- Large parts deflated on several cores ------------------------------------------------------

// Parts are cut into pieces of this size, each deflated on its own (pigz does the same): the
// pieces' raw deflate streams, each but the last ended by a sync flush, concatenate into one
// valid stream. The size is fixed, so the bytes do not depend on the number of cores.
constexpr std::size_t kDeflatePiece = 4u << 20;

struct DeflatedPiece {
    std::string bytes;
    uLong crc = 0;
    bool ok = false;
};

// ISA-L's level 1 deflates XML about four times as fast as zlib's level 1 and a little smaller.
DeflatedPiece DeflatePiece(std::string_view data, bool last) {
    DeflatedPiece piece;
    std::vector<std::uint8_t> level_buffer(ISAL_DEF_LVL1_DEFAULT);
    isal_zstream stream;
    isal_deflate_init(&stream);
    stream.level = 1;
    stream.level_buf = level_buffer.data();
    stream.level_buf_size = static_cast<std::uint32_t>(level_buffer.size());
    stream.gzip_flag = IGZIP_DEFLATE;
    stream.end_of_stream = last ? 1 : 0;
    stream.flush = last ? NO_FLUSH : SYNC_FLUSH;
    stream.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<std::uint32_t>(data.size());
    // XML deflates to a fraction of its size; the buffer grows in the rare case it does not.
    piece.bytes.resize(data.size() / 4 + 1024);
    while (true) {
        stream.next_out = reinterpret_cast<std::uint8_t*>(piece.bytes.data() + stream.total_out);
        stream.avail_out = static_cast<std::uint32_t>(piece.bytes.size() - stream.total_out);
        if (isal_deflate(&stream) != COMP_OK) return piece;
        // Output room left over means everything given was written (and flushed).
        bool done = last ? stream.internal_state.state == ZSTATE_END
                         : stream.avail_in == 0 && stream.avail_out > 0;
        if (done) break;
        if (stream.avail_out > 0) return piece;
        piece.bytes.resize(piece.bytes.size() * 2);
    }
    piece.bytes.resize(stream.total_out);
    piece.crc =
        crc32_gzip_refl(0, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    piece.ok = true;
    return piece;
}

// The part as one raw deflate stream, kept as its pieces, and its CRC-32.
struct DeflatedPart {
    std::vector<std::string> pieces;
    std::uint64_t compressed_size = 0;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
};

std::optional<DeflatedPart> DeflateInPieces(std::string_view data) {
    const std::size_t count = (data.size() + kDeflatePiece - 1) / kDeflatePiece;
    std::vector<DeflatedPiece> pieces(count);
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    // Each thread takes the next piece not yet taken, so that a core busy with other work slows
    // the part down by its own share only; this thread works too.
    std::atomic<std::size_t> next = 0;
    auto work = [&] {
        for (std::size_t i = next++; i < count; i = next++) {
            pieces[i] = DeflatePiece(data.substr(i * kDeflatePiece, kDeflatePiece), i + 1 == count);
        }
    };
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < std::min(threads, count); ++t) workers.emplace_back(work);
    work();
    for (std::thread& worker : workers) worker.join();

    DeflatedPart part;
    part.size = data.size();
    uLong crc = crc32_z(0, nullptr, 0);
    for (std::size_t i = 0; i < count; ++i) {
        if (!pieces[i].ok) return std::nullopt;
        std::size_t length = std::min(kDeflatePiece, data.size() - i * kDeflatePiece);
        crc = crc32_combine(crc, pieces[i].crc, static_cast<z_off_t>(length));
        part.compressed_size += pieces[i].bytes.size();
        part.pieces.push_back(std::move(pieces[i].bytes));
    }
    part.crc = static_cast<std::uint32_t>(crc);
    return part;
}

// One raw deflate stream fed in pieces, at ISA-L's level 1 like the large parts above, its output
// and CRC-32 built as the pieces come. The stream state is large (its history window), so it
// lives on the heap.
class StreamDeflater {
public:
    StreamDeflater() : level_buffer_(ISAL_DEF_LVL1_SMALL) {
        isal_deflate_init(&stream_);
        stream_.level = 1;
        stream_.level_buf = level_buffer_.data();
        stream_.level_buf_size = static_cast<std::uint32_t>(level_buffer_.size());
        stream_.gzip_flag = IGZIP_DEFLATE;
        stream_.flush = NO_FLUSH;
    }

    bool Add(std::string_view data) { return Deflate(data, false); }

    std::optional<DeflatedPart> Finish() {
        if (!Deflate({}, true)) return std::nullopt;
        out_.resize(stream_.total_out);
        DeflatedPart part;
        part.compressed_size = out_.size();
        part.crc = crc_;
        part.size = size_;
        part.pieces.push_back(std::move(out_));
        return part;
    }

private:
    bool Deflate(std::string_view data, bool last) {
        stream_.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(data.data()));
        stream_.avail_in = static_cast<std::uint32_t>(data.size());
        stream_.end_of_stream = last ? 1 : 0;
        while (true) {
            // XML deflates to a fraction of its size; the output grows when it runs short.
            if (out_.size() - stream_.total_out < kMinOutputRoom) {
                out_.resize(std::max<std::size_t>(2 * out_.size(), 4 * kMinOutputRoom));
            }
            stream_.next_out = reinterpret_cast<std::uint8_t*>(out_.data() + stream_.total_out);
            stream_.avail_out = static_cast<std::uint32_t>(out_.size() - stream_.total_out);
            if (isal_deflate(&stream_) != COMP_OK) return false;
            if (last ? stream_.internal_state.state == ZSTATE_END : stream_.avail_in == 0) break;
            // Work left with output room to spare would mean the stream is stuck.
            if (stream_.avail_out > 0) return false;
        }
        crc_ =
            crc32_gzip_refl(crc_, reinterpret_cast<const unsigned char*>(data.data()), data.size());
        size_ += data.size();
        return true;
    }

    static constexpr std::size_t kMinOutputRoom = 16u << 10;

    std::vector<std::uint8_t> level_buffer_;
    isal_zstream stream_;
    std::string out_;
    std::uint32_t crc_ = 0;
    std::uint64_t size_ = 0;
};

// A libzip source of data already deflated: libzip stores it as it is, with the CRC and sizes
// given, instead of compressing it again. libzip reads it once, front to back, so each piece is
// freed as soon as it has been read.
struct DeflatedSource {
    DeflatedPart part;
    std::size_t piece = 0;
    std::size_t offset = 0;
    bool opened = false;
    zip_error_t error;
};

zip_int64_t ReadDeflatedSource(void* state, void* data, zip_uint64_t length,
                               zip_source_cmd_t command) {
    auto* source = static_cast<DeflatedSource*>(state);
    switch (command) {
        case ZIP_SOURCE_OPEN:
            if (source->opened) {
                zip_error_set(&source->error, ZIP_ER_OPNOTSUPP, 0);
                return -1;
            }
            source->opened = true;
            return 0;
        case ZIP_SOURCE_READ: {
            std::vector<std::string>& pieces = source->part.pieces;
            std::size_t n = 0;
            auto* out = static_cast<char*>(data);
            while (n < length && source->piece < pieces.size()) {
                std::string& piece = pieces[source->piece];
                std::size_t take = std::min<std::size_t>(length - n, piece.size() - source->offset);
                std::memcpy(out + n, piece.data() + source->offset, take);
                n += take;
                source->offset += take;
                if (source->offset == piece.size()) {
                    std::string().swap(piece);
                    ++source->piece;
                    source->offset = 0;
                }
            }
            return static_cast<zip_int64_t>(n);
        }
        case ZIP_SOURCE_CLOSE:
            return 0;
        case ZIP_SOURCE_STAT: {
            auto* st = static_cast<zip_stat_t*>(data);
            zip_stat_init(st);
            st->size = source->part.size;
            st->comp_size = source->part.compressed_size;
            st->comp_method = ZIP_CM_DEFLATE;
            st->crc = source->part.crc;
            st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC;
            return sizeof(zip_stat_t);
        }
        case ZIP_SOURCE_ERROR:
            return zip_error_to_data(&source->error, data, length);
        case ZIP_SOURCE_FREE:
            zip_error_fini(&source->error);
            delete source;
            return 0;
        case ZIP_SOURCE_SUPPORTS:
            return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
                                                  ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                                  ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
        default:
            zip_error_set(&source->error, ZIP_ER_OPNOTSUPP, 0);
            return -1;
    }
}

zip_source_t* MakeDeflatedSource(zip_t* out, DeflatedPart part) {
    auto* state = new DeflatedSource{std::move(part), 0, 0, false, {}};
    zip_error_init(&state->error);
    zip_source_t* source = zip_source_function(out, ReadDeflatedSource, state);
    if (source == nullptr) {
        zip_error_fini(&state->error);
        delete state;
    }
    return source;
}

struct ZipErrorText {
    zip_error_t error;
    ZipErrorText() { zip_error_init(&error); }
    ~ZipErrorText() { zip_error_fini(&error); }
    std::string str() { return zip_error_strerror(&error); }
};

// One zip entry: either still in the source archive, or written by the caller.
struct Entry {
    std::string name;  // as stored in the zip
    std::optional<zip_uint64_t> source_index;
    // A written part: its bytes, or (written streamed) only its deflated bytes.
    std::optional<std::string> content;
    std::optional<DeflatedPart> deflated;
    std::uint64_t declared_size = 0;
    bool directory = false;

    bool written() const { return content || deflated; }
};

// The bytes of a streamed part: held as they are while the part is small, so that a small part
// is saved exactly as WritePart would save it, then deflated piece by piece.
class StreamedPart final : public PartSink {
public:
    void Append(std::string_view bytes) override {
        if (failed_) return;
        if (deflater_) {
            failed_ = !deflater_->Add(bytes);
            return;
        }
        if (pending_.size() + bytes.size() < kFastDeflateFloor) {
            // Reserved once, the buffer never grows past the size at which deflating starts.
            if (pending_.capacity() < kFastDeflateFloor) pending_.reserve(kFastDeflateFloor);
            pending_.append(bytes);
            return;
        }
        deflater_ = std::make_unique<StreamDeflater>();
        failed_ = !deflater_->Add(pending_) || !deflater_->Add(bytes);
        std::string().swap(pending_);
    }

    // Fills the entry's bytes; false when deflating failed.
    bool Finish(Entry& entry) {
        if (failed_) return false;
        if (!deflater_) {
            entry.content = std::move(pending_);
            entry.deflated.reset();
            return true;
        }
        std::optional<DeflatedPart> part = deflater_->Finish();
        if (!part) return false;
        entry.deflated = std::move(part);
        entry.content.reset();
        return true;
    }

private:
    std::string pending_;
    std::unique_ptr<StreamDeflater> deflater_;
    bool failed_ = false;
};

// Inflates at most `max_bytes` of a raw deflate stream kept in pieces.
Result<std::string> InflateDeflated(const DeflatedPart& part, std::uint64_t max_bytes,
                                    std::size_t spare_capacity, std::string_view name) {
    const std::uint64_t want = std::min(max_bytes, part.size);
    std::string out;
    out.reserve(want + spare_capacity);
    out.resize(want);
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
        return Internal(fmt::format("the part {} cannot be read", name), "inflateInit2 failed");
    }
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(want);
    int rc = Z_OK;
    for (const std::string& piece : part.pieces) {
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
        stream.avail_in = static_cast<uInt>(piece.size());
        while (stream.avail_in > 0 && stream.avail_out > 0 && rc == Z_OK) {
            rc = inflate(&stream, Z_NO_FLUSH);
        }
        if (rc != Z_OK || stream.avail_out == 0) break;
    }
    inflateEnd(&stream);
    if ((rc != Z_OK && rc != Z_STREAM_END) || stream.avail_out != 0) {
        return Internal(fmt::format("the part {} cannot be read", name), "inflate failed");
    }
    return out;
}

// Pieces handed on by ReadPartStreamed are at most this large.
constexpr std::size_t kStreamPiece = 64u << 10;

// Inflates one raw deflate stream whose compressed bytes `next_input` hands over in pieces ("" at
// the end), passing the output on in pieces as it comes. The stream must end, inflate to exactly
// `size` bytes and match `crc`; nothing past `size` is ever produced.
Status InflateStream(std::string_view name, std::uint64_t size, std::uint32_t crc,
                     const std::function<std::string_view()>& next_input,
                     const PartConsumer& consume) {
    auto corrupt = [&](std::string detail) {
        return Fail(ErrorCode::kInvalidRequest, fmt::format("the part {} has corrupt data", name),
                    std::move(detail));
    };
    auto oversized = [&] {
        return InvalidRequest(
            fmt::format("the part {} does not inflate to its declared size", name));
    };
    auto state = std::make_unique<inflate_state>();
    isal_inflate_init(state.get());
    state->crc_flag = ISAL_GZIP_NO_HDR;
    std::string out(kStreamPiece, '\0');
    std::uint64_t total = 0;
    bool input_done = false;
    while (state->block_state != ISAL_BLOCK_FINISH) {
        if (state->avail_in == 0 && !input_done) {
            const std::string_view input = next_input();
            input_done = input.empty();
            state->next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(input.data()));
            state->avail_in = static_cast<std::uint32_t>(input.size());
        }
        state->next_out = reinterpret_cast<std::uint8_t*>(out.data());
        state->avail_out = static_cast<std::uint32_t>(out.size());
        if (const int rc = isal_inflate(state.get()); rc != ISAL_DECOMP_OK) {
            return corrupt(fmt::format("ISA-L inflate error {}", rc));
        }
        const std::size_t produced = out.size() - state->avail_out;
        total += produced;
        if (total > size) return oversized();
        if (produced > 0 && !consume(std::string_view(out.data(), produced))) return {};
        if (produced == 0 && state->avail_in == 0 && input_done &&
            state->block_state != ISAL_BLOCK_FINISH) {
            return corrupt("the deflate stream ends early");
        }
    }
    if (total != size) return oversized();
    if (state->crc != crc) return corrupt("CRC mismatch");
    return {};
}

// Lookup key of a part name: no leading slash, "/" for "\", ASCII lower case (OPC compares part
// names case-insensitively).
std::string PartKey(std::string_view name) {
    if (name.starts_with('/')) name.remove_prefix(1);
    std::string key(name);
    for (char& ch : key) {
        if (ch == '\\') ch = '/';
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return key;
}

bool IsDirectoryName(std::string_view name) { return name.ends_with('/') || name.ends_with('\\'); }

// Why an entry name must never be used, or nullopt when it is safe.
std::optional<std::string> UnsafeNameReason(std::string_view name) {
    if (name.empty()) return "an entry has an empty name";
    if (name.front() == '/' || name.front() == '\\' ||
        (name.size() > 1 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0])))) {
        return "an entry has an absolute path as its name";
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find_first_of("/\\", start);
        if (end == std::string_view::npos) end = name.size();
        if (name.substr(start, end - start) == "..") return "an entry name climbs out with \"..\"";
        start = end + 1;
    }
    return std::nullopt;
}

std::string MiB(std::uint64_t bytes) { return fmt::format("{} MiB", bytes >> 20); }

bool IsXmlPartName(std::string_view key) { return key.ends_with(".xml") || key.ends_with(".rels"); }

// A view of a prolog as single bytes: UTF-16 text loses its zero bytes, which is enough to find
// an ASCII "<!DOCTYPE".
std::string NarrowForScan(std::string_view bytes) {
    std::string narrow;
    narrow.reserve(bytes.size());
    for (char ch : bytes) {
        if (ch != '\0') narrow.push_back(ch);
    }
    return narrow;
}

bool PrologDeclaresDoctype(std::string_view head) {
    std::string text = NarrowForScan(head);
    std::size_t pos = 0;
    while ((pos = text.find('<', pos)) != std::string::npos) {
        std::string_view rest = std::string_view(text).substr(pos);
        if (rest.starts_with("<!DOCTYPE") || rest.starts_with("<!ENTITY")) return true;
        if (rest.starts_with("<?") || rest.starts_with("<!--")) {
            std::size_t close = text.find('>', pos);
            if (close == std::string::npos) return false;
            pos = close + 1;
            continue;
        }
        return false;  // the root element: nothing after it may be a DOCTYPE
    }
    return false;
}

int HexValue(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

std::string PercentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
            HexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels"; "" -> "_rels/.rels".
std::string RelsPartFor(std::string_view source) {
    auto slash = source.rfind('/');
    if (slash == std::string_view::npos) return fmt::format("_rels/{}.rels", source);
    return fmt::format("{}/_rels/{}.rels", source.substr(0, slash), source.substr(slash + 1));
}

std::string_view ExtensionOf(std::string_view name) {
    auto slash = name.find_last_of("/\\");
    std::string_view file = slash == std::string_view::npos ? name : name.substr(slash + 1);
    auto dot = file.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : file.substr(dot + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string ElementName(const pugi::xml_node& scope, std::string_view ns, std::string_view local) {
    return QualifiedName(scope, ns, local).value_or(std::string(local));
}

constexpr std::string_view kEmptyContentTypes =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";

constexpr std::string_view kEmptyRelationships =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>";

}  // namespace

struct Package::Impl {
    // Set once at Open or Create.
    PackageLimits limits;
    std::string bytes;  // the source zip; `source` reads from it in place
    ZipArchive source;

    std::vector<Entry> entries;                          // zip order, removed ones erased
    std::unordered_map<std::string, std::size_t> index;  // PartKey -> position in `entries`
    std::unique_ptr<pugi::xml_document> content_types;

    const Entry* Find(std::string_view name) const {
        auto it = index.find(PartKey(name));
        return it == index.end() ? nullptr : &entries[it->second];
    }

    void Reindex() {
        index.clear();
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (!entries[i].directory) index.emplace(PartKey(entries[i].name), i);
        }
    }

    Result<std::string> ReadSource(const Entry& entry, std::uint64_t max_bytes,
                                   std::size_t spare_capacity = 0) const;
    Result<std::string> InflateWhole(const Entry& entry, const zip_stat_t& st,
                                     std::size_t spare_capacity) const;
    Status StreamSource(const Entry& entry, const PartConsumer& consume) const;
    Status ScanEntries();
    Status CheckNames() const;
    Status CheckPrologs() const;
    Status LoadContentTypes();
    void StoreContentTypes();
    Status AddToZip(zip_t* out, const Entry& entry) const;
};

namespace {

Result<Package> OpenError(std::string message, std::string detail = {}) {
    return Fail(ErrorCode::kInvalidRequest, std::move(message), std::move(detail));
}

}  // namespace

// Reads at most `max_bytes` of an entry. Reading the whole entry also verifies that it inflates to
// exactly its declared size: a header that understates the size is not trusted.
Result<std::string> Package::Impl::ReadSource(const Entry& entry, std::uint64_t max_bytes,
                                              std::size_t spare_capacity) const {
    zip_stat_t st;
    zip_stat_init(&st);
    const zip_uint64_t wanted = ZIP_STAT_COMP_METHOD | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC;
    if (max_bytes >= entry.declared_size && entry.declared_size > 0 &&
        zip_stat_index(source.get(), *entry.source_index, 0, &st) == 0 &&
        (st.valid & wanted) == wanted && st.comp_method == ZIP_CM_DEFLATE) {
        return InflateWhole(entry, st, spare_capacity);
    }

    ZipFile file(zip_fopen_index(source.get(), *entry.source_index, 0));
    if (!file) {
        return Fail(ErrorCode::kInvalidRequest,
                    fmt::format("the part {} cannot be read", entry.name),
                    zip_strerror(source.get()));
    }
    const bool whole = max_bytes >= entry.declared_size;
    const std::uint64_t want = std::min(max_bytes, entry.declared_size);
    std::string out;
    out.reserve(want + spare_capacity);
    out.resize(want);
    std::uint64_t got = 0;
    while (got < want) {
        zip_int64_t n = zip_fread(file.get(), out.data() + got, want - got);
        if (n < 0) {
            return Fail(ErrorCode::kInvalidRequest,
                        fmt::format("the part {} has corrupt data", entry.name),
                        zip_file_strerror(file.get()));
        }
        if (n == 0) break;
        got += static_cast<std::uint64_t>(n);
    }
    out.resize(got);
    if (!whole) return out;

    char extra = 0;
    if (got < want || zip_fread(file.get(), &extra, 1) != 0) {
        return InvalidRequest(
            fmt::format("the part {} does not inflate to its declared size", entry.name));
    }
    return out;
}

// A whole deflated entry is inflated in one step with ISA-L from its compressed bytes (two to
// three times as fast as zlib behind libzip's layers), into room for one byte more than it
// declares, so that an entry that inflates further is caught; its CRC-32 is checked as libzip
// would check it.
Result<std::string> Package::Impl::InflateWhole(const Entry& entry, const zip_stat_t& st,
                                                std::size_t spare_capacity) const {
    auto corrupt = [&](std::string detail) {
        return Fail(ErrorCode::kInvalidRequest,
                    fmt::format("the part {} has corrupt data", entry.name), std::move(detail));
    };
    ZipFile file(zip_fopen_index(source.get(), *entry.source_index, ZIP_FL_COMPRESSED));
    if (!file) {
        return Fail(ErrorCode::kInvalidRequest,
                    fmt::format("the part {} cannot be read", entry.name),
                    zip_strerror(source.get()));
    }
    std::string compressed(st.comp_size, '\0');
    std::uint64_t got = 0;
    while (got < compressed.size()) {
        zip_int64_t n = zip_fread(file.get(), compressed.data() + got, compressed.size() - got);
        if (n <= 0) return corrupt("short compressed data");
        got += static_cast<std::uint64_t>(n);
    }

    std::string out;
    out.reserve(entry.declared_size + std::max<std::size_t>(spare_capacity, 1));
    out.resize(entry.declared_size + 1);
    auto state = std::make_unique<inflate_state>();
    isal_inflate_init(state.get());
    state->next_in = reinterpret_cast<std::uint8_t*>(compressed.data());
    state->avail_in = static_cast<std::uint32_t>(compressed.size());
    state->next_out = reinterpret_cast<std::uint8_t*>(out.data());
    state->avail_out = static_cast<std::uint32_t>(out.size());
    state->crc_flag = ISAL_GZIP_NO_HDR;
    const int rc = isal_inflate_stateless(state.get());
    if (rc == ISAL_OUT_OVERFLOW ||
        (rc == ISAL_DECOMP_OK && state->total_out != entry.declared_size)) {
        return InvalidRequest(
            fmt::format("the part {} does not inflate to its declared size", entry.name));
    }
    if (rc != ISAL_DECOMP_OK) return corrupt(fmt::format("ISA-L inflate error {}", rc));
    if (state->crc != st.crc) return corrupt("CRC mismatch");
    out.resize(entry.declared_size);
    return out;
}

// A source entry read piece by piece: a deflated one inflated from its compressed bytes with
// ISA-L and checked as InflateWhole checks it, a stored one read through libzip (which checks its
// CRC-32 at the end) and checked against its declared size as ReadSource checks it.
Status Package::Impl::StreamSource(const Entry& entry, const PartConsumer& consume) const {
    zip_stat_t st;
    zip_stat_init(&st);
    const zip_uint64_t wanted = ZIP_STAT_COMP_METHOD | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC;
    const bool deflated = zip_stat_index(source.get(), *entry.source_index, 0, &st) == 0 &&
                          (st.valid & wanted) == wanted && st.comp_method == ZIP_CM_DEFLATE;
    ZipFile file(
        zip_fopen_index(source.get(), *entry.source_index, deflated ? ZIP_FL_COMPRESSED : 0));
    if (!file) {
        return Fail(ErrorCode::kInvalidRequest,
                    fmt::format("the part {} cannot be read", entry.name),
                    zip_strerror(source.get()));
    }
    std::string buffer(kStreamPiece, '\0');
    bool read_failed = false;
    auto next = [&]() -> std::string_view {
        const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
        if (n < 0) read_failed = true;
        return n <= 0 ? std::string_view() : std::string_view(buffer.data(), n);
    };
    if (deflated) {
        Status inflated = InflateStream(entry.name, entry.declared_size, st.crc, next, consume);
        if (read_failed) {
            return Fail(ErrorCode::kInvalidRequest,
                        fmt::format("the part {} has corrupt data", entry.name),
                        zip_file_strerror(file.get()));
        }
        return inflated;
    }
    std::uint64_t total = 0;
    for (std::string_view piece = next(); !piece.empty(); piece = next()) {
        total += piece.size();
        if (total > entry.declared_size) break;
        if (!consume(piece)) return {};
    }
    if (read_failed) {
        return Fail(ErrorCode::kInvalidRequest,
                    fmt::format("the part {} has corrupt data", entry.name),
                    zip_file_strerror(file.get()));
    }
    if (total != entry.declared_size) {
        return InvalidRequest(
            fmt::format("the part {} does not inflate to its declared size", entry.name));
    }
    return {};
}

Status Package::Impl::ScanEntries() {
    zip_int64_t count = zip_get_num_entries(source.get(), 0);
    if (count <= 0) return InvalidRequest("the zip file is empty: it has no parts");
    if (static_cast<std::uint64_t>(count) > limits.max_entries) {
        return InvalidRequest(
            fmt::format("the zip file has more than {} entries", limits.max_entries));
    }

    std::uint64_t total = 0;
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(source.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
            !(st.valid & ZIP_STAT_NAME)) {
            return InvalidRequest("not a valid zip file");
        }
        if (st.encryption_method != ZIP_EM_NONE) {
            return InvalidRequest("the file is password-protected");
        }
        if (!zip_compression_method_supported(st.comp_method, 0)) {
            return InvalidRequest("the zip file uses an unsupported compression method");
        }
        if (st.size > limits.max_entry_uncompressed) {
            return InvalidRequest(fmt::format("a part inflates to more than the {} limit",
                                              MiB(limits.max_entry_uncompressed)));
        }
        if (st.size > kRatioCheckFloor &&
            st.size / std::max<zip_uint64_t>(st.comp_size, 1) > limits.max_compression_ratio) {
            return InvalidRequest(fmt::format("a part's compression ratio is over {}:1",
                                              limits.max_compression_ratio));
        }
        total += st.size;
        if (total > limits.max_total_uncompressed) {
            return InvalidRequest(fmt::format("the parts inflate to more than the {} limit",
                                              MiB(limits.max_total_uncompressed)));
        }

        Entry entry;
        entry.name = st.name;
        entry.source_index = static_cast<zip_uint64_t>(i);
        entry.declared_size = st.size;
        entry.directory = IsDirectoryName(entry.name) && st.size == 0;
        entries.push_back(std::move(entry));
    }
    return {};
}

Status Package::Impl::CheckNames() const {
    std::set<std::string> keys;
    for (const Entry& entry : entries) {
        if (std::optional<std::string> reason = UnsafeNameReason(entry.name)) {
            return Fail(ErrorCode::kInvalidRequest, *reason, entry.name);
        }
        if (entry.directory) continue;
        if (!keys.insert(PartKey(entry.name)).second) {
            return Fail(ErrorCode::kInvalidRequest, "the zip file has duplicate entry names",
                        entry.name);
        }
    }
    // OPC forbids a part name that is a prefix folder of another ("a.xml" and "a.xml/b.gif").
    for (const std::string& key : keys) {
        auto next = keys.upper_bound(key);
        if (next != keys.end() && next->starts_with(key + "/")) {
            return Fail(ErrorCode::kInvalidRequest,
                        "a part name is also used as the folder of another part", key);
        }
    }
    return {};
}

Status Package::Impl::CheckPrologs() const {
    for (const Entry& entry : entries) {
        if (entry.directory || !IsXmlPartName(PartKey(entry.name))) continue;
        Result<std::string> head = ReadSource(entry, kPrologScanBytes);
        if (!head) return std::unexpected(head.error());
        if (PrologDeclaresDoctype(*head)) {
            return InvalidRequest(fmt::format(
                "the part {} declares a DOCTYPE; XML with DTDs or entity declarations is refused",
                entry.name));
        }
    }
    return {};
}

Status Package::Impl::LoadContentTypes() {
    const Entry* entry = Find(kContentTypesPart);
    if (entry == nullptr) {
        return InvalidRequest(
            "the zip file has no [Content_Types].xml: it is not an Office Open XML package");
    }
    Result<std::string> text = ReadSource(*entry, entry->declared_size);
    if (!text) return std::unexpected(text.error());
    auto doc = ParseXml(*text, kContentTypesPart, limits.max_xml_depth);
    if (!doc) return std::unexpected(doc.error());
    if (!IsElement((*doc)->document_element(), ns::kContentTypes, "Types")) {
        return InvalidRequest("[Content_Types].xml is not a content types part");
    }
    content_types = std::move(*doc);
    return {};
}

void Package::Impl::StoreContentTypes() {
    std::string text = SerializeXml(*content_types);
    auto it = index.find(PartKey(kContentTypesPart));
    if (it != index.end()) {
        entries[it->second].content = std::move(text);
        entries[it->second].deflated.reset();
        return;
    }
    Entry entry;
    entry.name = std::string(kContentTypesPart);
    entry.content = std::move(text);
    entries.insert(entries.begin(), std::move(entry));
    Reindex();
}

Status Package::Impl::AddToZip(zip_t* out, const Entry& entry) const {
    if (entry.directory) {
        if (zip_dir_add(out, entry.name.c_str(), ZIP_FL_ENC_GUESS) < 0) {
            return Internal("the package could not be written", zip_strerror(out));
        }
        return {};
    }

    zip_source_t* data = nullptr;
    zip_stat_t st;
    zip_stat_init(&st);
    if (entry.source_index) zip_stat_index(source.get(), *entry.source_index, 0, &st);
    // Deflated here on several cores, large parts are handed to libzip already compressed.
    const bool predeflated =
        entry.deflated || (entry.content && entry.content->size() >= kFastDeflateFloor);
    if (entry.deflated) {
        // Saving may be repeated, so the source reads a copy of the compressed bytes.
        data = MakeDeflatedSource(out, *entry.deflated);
    } else if (predeflated) {
        std::optional<DeflatedPart> deflated = DeflateInPieces(*entry.content);
        if (!deflated) return Internal("the package could not be written", "deflate failed");
        data = MakeDeflatedSource(out, std::move(*deflated));
    } else if (entry.content) {
        data = zip_source_buffer(out, entry.content->data(), entry.content->size(), 0);
    } else {
        data = zip_source_zip(out, source.get(), *entry.source_index, ZIP_FL_COMPRESSED, 0, -1);
    }
    if (data == nullptr) return Internal("the package could not be written", zip_strerror(out));

    zip_int64_t index = zip_file_add(out, entry.name.c_str(), data, ZIP_FL_ENC_GUESS);
    if (index < 0) {
        zip_source_free(data);
        return Internal("the package could not be written", zip_strerror(out));
    }
    auto at = static_cast<zip_uint64_t>(index);
    int rc = 0;
    if (entry.written()) {
        if (!predeflated) rc = zip_set_file_compression(out, at, ZIP_CM_DEFLATE, 6);
        // A replaced part keeps its time; a new one gets a fixed time, so that saving the same
        // parts gives the same bytes.
        if (rc == 0 && (st.valid & ZIP_STAT_MTIME)) {
            rc = zip_file_set_mtime(out, at, st.mtime, 0);
        } else if (rc == 0) {
            rc = zip_file_set_dostime(out, at, 0, (1 << 5) | 1, 0);
        }
    } else {
        // The data is already compressed with this method; naming it keeps libzip from
        // re-compressing it.
        rc = zip_set_file_compression(out, at, st.comp_method, 0);
        if (rc == 0 && (st.valid & ZIP_STAT_MTIME)) rc = zip_file_set_mtime(out, at, st.mtime, 0);
    }
    if (rc != 0) return Internal("the package could not be written", zip_strerror(out));
    return {};
}

Package::Package(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Package::Package(Package&&) noexcept = default;
Package& Package::operator=(Package&&) noexcept = default;
Package::~Package() = default;

Result<Package> Package::Open(std::string bytes, const PackageLimits& limits) {
    if (bytes.size() > limits.max_input_bytes) {
        return OpenError(
            fmt::format("the file is larger than the {} limit", MiB(limits.max_input_bytes)));
    }
    if (bytes.empty()) return OpenError("the file is empty");
    if (std::string_view(bytes).starts_with(kOle2Magic)) {
        return OpenError("the file is encrypted or in the legacy binary Office format");
    }

    auto impl = std::make_unique<Impl>();
    impl->limits = limits;
    impl->bytes = std::move(bytes);

    ZipErrorText error;
    ZipSource buffer(
        zip_source_buffer_create(impl->bytes.data(), impl->bytes.size(), 0, &error.error));
    if (!buffer) return Internal("the file could not be read", error.str());
    zip_t* zip = zip_open_from_source(buffer.get(), ZIP_RDONLY, &error.error);
    if (zip == nullptr) return OpenError("not a valid zip file", error.str());
    buffer.release();  // the archive owns the source now
    impl->source.reset(zip);

    if (Status s = impl->ScanEntries(); !s) return std::unexpected(s.error());
    if (Status s = impl->CheckNames(); !s) return std::unexpected(s.error());
    impl->Reindex();
    if (Status s = impl->LoadContentTypes(); !s) return std::unexpected(s.error());
    if (Status s = impl->CheckPrologs(); !s) return std::unexpected(s.error());
    return Package(std::move(impl));
}

Package Package::Create() {
    auto impl = std::make_unique<Impl>();
    auto doc = ParseXml(kEmptyContentTypes, kContentTypesPart);
    impl->content_types = std::move(*doc);
    impl->StoreContentTypes();
    return Package(std::move(impl));
}

std::vector<std::string> Package::PartNames() const {
    std::vector<std::string> names;
    names.reserve(impl_->entries.size());
    for (const Entry& entry : impl_->entries) {
        if (!entry.directory) names.push_back(entry.name);
    }
    return names;
}

bool Package::HasPart(std::string_view name) const { return impl_->Find(name) != nullptr; }

Result<std::string> Package::ReadPart(std::string_view name) const { return ReadPart(name, 0); }

Result<std::string> Package::ReadPart(std::string_view name, std::size_t spare_capacity) const {
    const Entry* entry = impl_->Find(name);
    if (entry == nullptr) return NotFound(fmt::format("the package has no part {}", name));
    if (entry->content) {
        std::string copy;
        copy.reserve(entry->content->size() + spare_capacity);
        copy = *entry->content;
        return copy;
    }
    if (entry->deflated) {
        return InflateDeflated(*entry->deflated, entry->deflated->size, spare_capacity, name);
    }
    return impl_->ReadSource(*entry, entry->declared_size, spare_capacity);
}

Result<std::string> Package::ReadPartPrefix(std::string_view name, std::size_t max_bytes) const {
    const Entry* entry = impl_->Find(name);
    if (entry == nullptr) return NotFound(fmt::format("the package has no part {}", name));
    if (entry->content) return entry->content->substr(0, max_bytes);
    if (entry->deflated) return InflateDeflated(*entry->deflated, max_bytes, 0, name);
    return impl_->ReadSource(*entry, max_bytes);
}

Status Package::ReadPartStreamed(std::string_view name, const PartConsumer& consume) const {
    const Entry* entry = impl_->Find(name);
    if (entry == nullptr) return NotFound(fmt::format("the package has no part {}", name));
    if (entry->content) {
        const std::string_view content = *entry->content;
        for (std::size_t at = 0; at < content.size(); at += kStreamPiece) {
            if (!consume(content.substr(at, kStreamPiece))) break;
        }
        return {};
    }
    if (entry->deflated) {
        const DeflatedPart& part = *entry->deflated;
        std::size_t piece = 0;
        auto next = [&]() -> std::string_view {
            while (piece < part.pieces.size() && part.pieces[piece].empty()) ++piece;
            return piece < part.pieces.size() ? std::string_view(part.pieces[piece++])
                                              : std::string_view();
        };
        return InflateStream(name, part.size, part.crc, next, consume);
    }
    return impl_->StreamSource(*entry, consume);
}

std::optional<std::string_view> Package::WrittenPart(std::string_view name) const {
    const Entry* entry = impl_->Find(name);
    if (entry == nullptr || !entry->content) return std::nullopt;
    return std::string_view(*entry->content);
}

std::optional<std::uint64_t> Package::PartSize(std::string_view name) const {
    const Entry* entry = impl_->Find(name);
    if (entry == nullptr) return std::nullopt;
    if (entry->content) return entry->content->size();
    return entry->deflated ? entry->deflated->size : entry->declared_size;
}

void Package::WritePart(std::string_view name, std::string bytes) {
    std::string key = PartKey(name);
    if (key == PartKey(kContentTypesPart)) {
        auto doc = ParseXml(bytes, kContentTypesPart, impl_->limits.max_xml_depth);
        if (doc) impl_->content_types = std::move(*doc);
    }
    auto it = impl_->index.find(key);
    if (it != impl_->index.end()) {
        impl_->entries[it->second].content = std::move(bytes);
        impl_->entries[it->second].deflated.reset();
        return;
    }
    Entry entry;
    entry.name = std::string(name.starts_with('/') ? name.substr(1) : name);
    entry.content = std::move(bytes);
    impl_->entries.push_back(std::move(entry));
    impl_->index.emplace(std::move(key), impl_->entries.size() - 1);
}

Status Package::WritePartStreamed(std::string_view name,
                                  const std::function<Status(PartSink&)>& produce) {
    // [Content_Types].xml is parsed again on every write, so it is kept whole; it is small.
    if (PartKey(name) == PartKey(kContentTypesPart)) {
        struct WholePart final : PartSink {
            std::string bytes;
            void Append(std::string_view more) override { bytes.append(more); }
        } whole;
        if (Status produced = produce(whole); !produced) return produced;
        WritePart(name, std::move(whole.bytes));
        return {};
    }
    StreamedPart stream;
    if (Status produced = produce(stream); !produced) return produced;
    Entry written;
    if (!stream.Finish(written)) {
        return Internal("the package could not be written", "deflate failed");
    }
    auto it = impl_->index.find(PartKey(name));
    if (it != impl_->index.end()) {
        Entry& entry = impl_->entries[it->second];
        entry.content = std::move(written.content);
        entry.deflated = std::move(written.deflated);
        return {};
    }
    written.name = std::string(name.starts_with('/') ? name.substr(1) : name);
    impl_->entries.push_back(std::move(written));
    impl_->index.emplace(PartKey(name), impl_->entries.size() - 1);
    return {};
}

void Package::RemovePart(std::string_view name) {
    auto it = impl_->index.find(PartKey(name));
    if (it == impl_->index.end()) return;
    impl_->entries.erase(impl_->entries.begin() + static_cast<std::ptrdiff_t>(it->second));
    impl_->Reindex();

    pugi::xml_node types = impl_->content_types->document_element();
    std::string part_key = PartKey(name);
    for (pugi::xml_node child = types.first_child(); child; child = child.next_sibling()) {
        if (IsElement(child, ns::kContentTypes, "Override") &&
            PartKey(child.attribute("PartName").value()) == part_key) {
            types.remove_child(child);
            impl_->StoreContentTypes();
            return;
        }
    }
}

std::optional<std::string> Package::ContentType(std::string_view part_name) const {
    pugi::xml_node types = impl_->content_types->document_element();
    std::string key = PartKey(part_name);
    for (pugi::xml_node child = types.first_child(); child; child = child.next_sibling()) {
        if (IsElement(child, ns::kContentTypes, "Override") &&
            PartKey(child.attribute("PartName").value()) == key) {
            return child.attribute("ContentType").value();
        }
    }
    std::string_view extension = ExtensionOf(part_name);
    for (pugi::xml_node child = types.first_child(); child; child = child.next_sibling()) {
        if (IsElement(child, ns::kContentTypes, "Default") &&
            EqualsIgnoreCase(child.attribute("Extension").value(), extension)) {
            return child.attribute("ContentType").value();
        }
    }
    return std::nullopt;
}

void Package::SetContentTypeOverride(std::string_view part_name, std::string_view content_type) {
    pugi::xml_node types = impl_->content_types->document_element();
    std::string key = PartKey(part_name);
    for (pugi::xml_node child = types.first_child(); child; child = child.next_sibling()) {
        if (!IsElement(child, ns::kContentTypes, "Override") ||
            PartKey(child.attribute("PartName").value()) != key) {
            continue;
        }
        if (child.attribute("ContentType").value() == content_type) return;
        child.attribute("ContentType").set_value(std::string(content_type).c_str());
        impl_->StoreContentTypes();
        return;
    }
    pugi::xml_node added =
        types.append_child(ElementName(types, ns::kContentTypes, "Override").c_str());
    std::string part =
        fmt::format("/{}", part_name.starts_with('/') ? part_name.substr(1) : part_name);
    added.append_attribute("PartName").set_value(part.c_str());
    added.append_attribute("ContentType").set_value(std::string(content_type).c_str());
    impl_->StoreContentTypes();
}

void Package::EnsureDefaultContentType(std::string_view extension, std::string_view content_type) {
    pugi::xml_node types = impl_->content_types->document_element();
    pugi::xml_node last_default;
    for (pugi::xml_node child = types.first_child(); child; child = child.next_sibling()) {
        if (!IsElement(child, ns::kContentTypes, "Default")) continue;
        if (EqualsIgnoreCase(child.attribute("Extension").value(), extension)) return;
        last_default = child;
    }
    std::string name = ElementName(types, ns::kContentTypes, "Default");
    pugi::xml_node added = last_default ? types.insert_child_after(name.c_str(), last_default)
                                        : types.prepend_child(name.c_str());
    added.append_attribute("Extension").set_value(std::string(extension).c_str());
    added.append_attribute("ContentType").set_value(std::string(content_type).c_str());
    impl_->StoreContentTypes();
}

Result<std::vector<Relationship>> Package::Relationships(std::string_view source) const {
    std::string rels_part = RelsPartFor(source);
    std::vector<Relationship> rels;
    if (!HasPart(rels_part)) return rels;
    Result<std::string> text = ReadPart(rels_part);
    if (!text) return std::unexpected(text.error());
    auto doc = ParseXml(*text, rels_part, impl_->limits.max_xml_depth);
    if (!doc) return std::unexpected(doc.error());

    pugi::xml_node root = (*doc)->document_element();
    for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
        if (!IsElement(child, ns::kPackageRelationships, "Relationship")) continue;
        Relationship rel;
        rel.id = child.attribute("Id").value();
        rel.type = child.attribute("Type").value();
        rel.target = child.attribute("Target").value();
        rel.external = EqualsIgnoreCase(child.attribute("TargetMode").value(), "External");
        rels.push_back(std::move(rel));
    }
    return rels;
}

namespace {

void SetAttribute(pugi::xml_node node, const char* name, std::string_view value) {
    pugi::xml_attribute attr = node.attribute(name);
    if (!attr) attr = node.append_attribute(name);
    if (value != attr.value()) attr.set_value(std::string(value).c_str());
}

void ApplyRelationship(pugi::xml_node node, const Relationship& rel) {
    SetAttribute(node, "Id", rel.id);
    SetAttribute(node, "Type", rel.type);
    SetAttribute(node, "Target", rel.target);
    if (rel.external) {
        SetAttribute(node, "TargetMode", "External");
    } else {
        node.remove_attribute("TargetMode");
    }
}

}  // namespace

// Existing Relationship elements are updated in place, so their order and any unknown attributes
// survive; only the differences are applied.
void Package::SetRelationships(std::string_view source, const std::vector<Relationship>& rels) {
    std::string rels_part = RelsPartFor(source);
    std::unique_ptr<pugi::xml_document> doc;
    if (Result<std::string> text = ReadPart(rels_part)) {
        if (auto parsed = ParseXml(*text, rels_part, impl_->limits.max_xml_depth)) {
            doc = std::move(*parsed);
        }
    }
    if (!doc) doc = std::move(*ParseXml(kEmptyRelationships, rels_part));

    pugi::xml_node root = doc->document_element();
    std::map<std::string, const Relationship*> wanted;
    for (const Relationship& rel : rels) wanted.emplace(rel.id, &rel);
    std::set<std::string> present;
    for (pugi::xml_node child = root.first_child(); child;) {
        pugi::xml_node next = child.next_sibling();
        if (IsElement(child, ns::kPackageRelationships, "Relationship")) {
            auto it = wanted.find(child.attribute("Id").value());
            if (it == wanted.end()) {
                root.remove_child(child);
            } else {
                ApplyRelationship(child, *it->second);
                present.insert(it->first);
            }
        }
        child = next;
    }
    std::string name = ElementName(root, ns::kPackageRelationships, "Relationship");
    for (const Relationship& rel : rels) {
        if (!present.contains(rel.id)) ApplyRelationship(root.append_child(name.c_str()), rel);
    }

    WritePart(rels_part, SerializeXml(*doc));
    EnsureDefaultContentType("rels", "application/vnd.openxmlformats-package.relationships+xml");
}

std::string Package::ResolveTarget(std::string_view source, std::string_view target) {
    std::string path;
    if (target.starts_with('/')) {
        path = PercentDecode(target.substr(1));
    } else {
        auto slash = source.rfind('/');
        std::string_view base = slash == std::string_view::npos ? "" : source.substr(0, slash + 1);
        path = fmt::format("{}{}", base, PercentDecode(target));
    }

    std::vector<std::string> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string segment = path.substr(start, end - start);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(std::move(segment));
        }
        start = end + 1;
    }
    return fmt::format("{}", fmt::join(segments, "/"));
}

Result<std::string> Package::MainPart() const {
    Result<std::vector<Relationship>> rels = Relationships("");
    if (!rels) return std::unexpected(rels.error());
    for (const Relationship& rel : *rels) {
        if (rel.external) continue;
        if (rel.type != kOfficeDocumentRel && rel.type != kOfficeDocumentRelStrict) continue;
        std::string part = ResolveTarget("", rel.target);
        if (!HasPart(part)) {
            return InvalidRequest("the package's main document part is missing");
        }
        return part;
    }
    return InvalidRequest("the package has no main document");
}

Result<std::string> Package::Save() const {
    ZipErrorText error;
    ZipSource buffer(zip_source_buffer_create(nullptr, 0, 0, &error.error));
    if (!buffer) return Internal("the package could not be written", error.str());
    // One reference for the archive, one kept here to read the result after zip_close.
    zip_source_keep(buffer.get());
    ZipArchive out(zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error.error));
    if (!out) {
        zip_source_free(buffer.get());
        return Internal("the package could not be written", error.str());
    }

    for (const Entry& entry : impl_->entries) {
        if (Status added = impl_->AddToZip(out.get(), entry); !added) {
            return std::unexpected(added.error());
        }
    }
    if (zip_close(out.get()) != 0) {
        return Internal("the package could not be written", zip_strerror(out.get()));
    }
    out.release();

    zip_stat_t st;
    if (zip_source_stat(buffer.get(), &st) != 0 || zip_source_open(buffer.get()) != 0) {
        return Internal("the package could not be written", "reading the written zip failed");
    }
    std::string bytes(st.size, '\0');
    zip_int64_t n = zip_source_read(buffer.get(), bytes.data(), bytes.size());
    zip_source_close(buffer.get());
    if (n < 0 || static_cast<std::uint64_t>(n) != st.size) {
        return Internal("the package could not be written", "short read of the written zip");
    }
    return bytes;
}

const PackageLimits& Package::limits() const { return impl_->limits; }

}  // namespace quire::ooxml
