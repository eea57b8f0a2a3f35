#pragma once

// The lossless OOXML package layer (DESIGN.md §5): a zip of parts, opened lazily. Parts the caller
// never writes are copied to the saved package as they are, still compressed, so a no-op open and
// save keeps every part's bytes.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::ooxml {

// Bounds on what Open accepts. A package over any of them is refused with kInvalidRequest and a
// reason naming the limit; nothing past the central directory is inflated before the check.
struct PackageLimits {
    std::size_t max_input_bytes = 200u << 20;
    std::size_t max_entries = 10000;
    std::uint64_t max_entry_uncompressed = 512ull << 20;
    std::uint64_t max_total_uncompressed = 1024ull << 20;
    // Entries that inflate above this ratio are refused once they are larger than 1 MiB.
    std::uint64_t max_compression_ratio = 1000;
    int max_xml_depth = 256;
};

// One relationship of a part's .rels: Id, Type, Target, and whether TargetMode is External.
struct Relationship {
    std::string id;
    std::string type;
    std::string target;
    bool external = false;
};

// The well-known relationship type of a package's main document.
inline constexpr std::string_view kOfficeDocumentRel =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";

// Receives the bytes of a part being written, in order, in pieces of any size.
class PartSink {
public:
    virtual void Append(std::string_view bytes) = 0;

protected:
    ~PartSink() = default;
};

// Receives the bytes of a part being read, in order, in pieces of any size. Returning false
// stops the reading early.
using PartConsumer = std::function<bool(std::string_view)>;

// A package is a single-owner value: move it, do not share it between threads. Reading parts
// goes through the source zip, so even the const members must not run concurrently.
class Package {
public:
    // Opens a package from its bytes. Fails with kInvalidRequest and a plain reason for: bytes
    // that are not a zip ("not a valid zip file"), an OLE2 container ("the file is encrypted or
    // in the legacy binary Office format"), an empty zip, password-protected entries, duplicate
    // part names (compared ignoring ASCII case, as OPC does), unsafe entry names (absolute, ".."),
    // a part name that another part uses as a folder, a missing [Content_Types].xml, an XML or
    // .rels part whose prolog declares a DOCTYPE, and anything over `limits`. Backslashes in
    // entry names are kept as written and never used as paths; lookups treat them as "/".
    // Only entry prologs are inflated here; a part's full bytes are inflated when read.
    [[nodiscard]] static Result<Package> Open(std::string bytes, const PackageLimits& limits = {});

    // A package whose only part is a [Content_Types].xml with the usual Defaults for "rels" and
    // "xml" and no Overrides, for building documents.
    static Package Create();

    Package(Package&&) noexcept;
    Package& operator=(Package&&) noexcept;
    ~Package();

    // Part names as stored in the zip, without a leading slash ("xl/workbook.xml"), in zip order.
    std::vector<std::string> PartNames() const;
    bool HasPart(std::string_view name) const;

    // The part's uncompressed bytes. kNotFound when there is no such part; kInvalidRequest when
    // its data is corrupt or inflates to more than its declared size.
    [[nodiscard]] Result<std::string> ReadPart(std::string_view name) const;
    // The same, with room for `spare_capacity` more bytes reserved in the string, so that an
    // edit in place that grows the part need not copy it.
    [[nodiscard]] Result<std::string> ReadPart(std::string_view name,
                                               std::size_t spare_capacity) const;

    // The part's uncompressed bytes handed to `consume` in pieces of at most 64 KiB as they are
    // inflated, so that a large part is never held whole; the checks and errors are those of
    // ReadPart (a part that inflates to more or less than its size, or whose CRC-32 does not
    // match, fails once its end is reached, after the pieces before were handed on). A
    // consumer that returns false ends the reading early, with success.
    [[nodiscard]] Status ReadPartStreamed(std::string_view name, const PartConsumer& consume) const;

    // The first `max_bytes` of a part (all of it when shorter), inflating no more than that;
    // errors as for ReadPart.
    [[nodiscard]] Result<std::string> ReadPartPrefix(std::string_view name,
                                                     std::size_t max_bytes) const;

    // The bytes of a part written through WritePart, in place: valid until the part is next
    // written or removed, or the package moves. nullopt for a part not written, written through
    // WritePartStreamed (read it with ReadPart) or not present. It saves a copy of large parts
    // that are edited repeatedly.
    std::optional<std::string_view> WrittenPart(std::string_view name) const;

    // The uncompressed size of a part (as written, or as its zip entry declares), nullopt when
    // there is no such part. Nothing is inflated.
    std::optional<std::uint64_t> PartSize(std::string_view name) const;

    // Replaces or adds a part. The saved package re-deflates it; untouched parts stay raw. A
    // replaced part keeps its place and stored name; a new part is added at the end.
    void WritePart(std::string_view name, std::string bytes);
    // Replaces or adds a part as WritePart does, with the bytes `produce` hands to the sink. A
    // part of 256 KiB or more is deflated (ISA-L level 1, as Save deflates large parts) as the
    // pieces arrive and only its compressed bytes are kept, so the whole part is never held
    // uncompressed; ReadPart inflates it again. The part is replaced only after `produce`
    // returns, so `produce` may read the part it replaces (ReadPartStreamed). The error
    // `produce` returns, or kInternal when deflating fails; the package is then unchanged.
    [[nodiscard]] Status WritePartStreamed(std::string_view name,
                                           const std::function<Status(PartSink&)>& produce);
    // Removes a part and its content type Override, if any.
    void RemovePart(std::string_view name);

    // [Content_Types].xml: the content type of a part by Override, else by Default extension.
    std::optional<std::string> ContentType(std::string_view part_name) const;
    // Adds or replaces the Override for a part (touches [Content_Types].xml only if it changes).
    void SetContentTypeOverride(std::string_view part_name, std::string_view content_type);
    // Adds a Default for an extension if it is missing.
    void EnsureDefaultContentType(std::string_view extension, std::string_view content_type);

    // Relationships of a part ("" for the package's own _rels/.rels). Targets are as written;
    // use ResolveTarget to get a part name. An absent .rels gives an empty list.
    [[nodiscard]] Result<std::vector<Relationship>> Relationships(std::string_view source) const;
    // Writes the .rels of `source`.
    void SetRelationships(std::string_view source, const std::vector<Relationship>& rels);
    // The part name a relative or absolute target of `source` refers to
    // ("xl/worksheets/sheet1.xml").
    static std::string ResolveTarget(std::string_view source, std::string_view target);

    // The part named by the package's officeDocument relationship. kInvalidRequest if missing.
    [[nodiscard]] Result<std::string> MainPart() const;

    // The package as zip bytes. Untouched entries are copied still compressed, with their
    // compression method; written parts are deflated (level 1 for large ones). kInternal if the
    // zip cannot be written.
    [[nodiscard]] Result<std::string> Save() const;

    const PackageLimits& limits() const;

private:
    struct Impl;
    explicit Package(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace quire::ooxml
