#include "ooxml/package/package.hpp"

#include <gtest/gtest.h>
#include <zip.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quire::ooxml {
namespace {

constexpr std::string_view kContentTypes =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"XML\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/doc/main.xml\" ContentType=\"application/test.main+xml\"/></Types>";

constexpr std::string_view kRootRels =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"doc/main.xml\"/></Relationships>";

struct ZipEntry {
    std::string name;
    std::string data;
    bool stored = false;
};

// Builds a zip in memory with libzip, one entry per row, in order.
std::string MakeZip(const std::vector<ZipEntry>& entries) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    zip_source_keep(buffer);
    zip_t* zip = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    EXPECT_NE(zip, nullptr);
    for (const ZipEntry& entry : entries) {
        zip_source_t* data = zip_source_buffer(zip, entry.data.data(), entry.data.size(), 0);
        zip_int64_t index = zip_file_add(zip, entry.name.c_str(), data, ZIP_FL_ENC_GUESS);
        EXPECT_GE(index, 0) << entry.name;
        zip_set_file_compression(zip, static_cast<zip_uint64_t>(index),
                                 entry.stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 9);
    }
    EXPECT_EQ(zip_close(zip), 0);
    zip_stat_t st;
    zip_source_stat(buffer, &st);
    std::string bytes(st.size, '\0');
    zip_source_open(buffer);
    zip_source_read(buffer, bytes.data(), bytes.size());
    zip_source_close(buffer);
    zip_source_free(buffer);
    zip_error_fini(&error);
    return bytes;
}

std::vector<ZipEntry> MinimalEntries() {
    return {{"[Content_Types].xml", std::string(kContentTypes)},
            {"_rels/.rels", std::string(kRootRels)},
            {"doc/main.xml", "<main xmlns=\"urn:test\"><t xml:space=\"preserve\"> </t></main>"},
            {"media/image.bin", std::string(3000, '\x7f'), true}};
}

// What a raw entry looks like inside a zip: its method, sizes, CRC and compressed bytes.
struct RawEntry {
    std::string name;
    std::int32_t method = 0;
    std::uint64_t size = 0;
    std::uint32_t crc = 0;
    std::string compressed;
    bool operator==(const RawEntry&) const = default;
};

std::vector<RawEntry> RawEntries(const std::string& bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    zip_t* zip = zip_open_from_source(source, ZIP_RDONLY, &error);
    std::vector<RawEntry> out;
    for (zip_int64_t i = 0; zip && i < zip_get_num_entries(zip, 0); ++i) {
        zip_stat_t st;
        zip_stat_index(zip, static_cast<zip_uint64_t>(i), 0, &st);
        RawEntry entry{st.name, st.comp_method, st.size, st.crc, std::string(st.comp_size, '\0')};
        zip_file_t* file = zip_fopen_index(zip, static_cast<zip_uint64_t>(i), ZIP_FL_COMPRESSED);
        zip_fread(file, entry.compressed.data(), entry.compressed.size());
        zip_fclose(file);
        out.push_back(std::move(entry));
    }
    if (zip) zip_discard(zip);
    zip_error_fini(&error);
    return out;
}

void ExpectRefused(const std::string& bytes, std::string_view reason_part) {
    Result<Package> opened = Package::Open(bytes);
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(opened.error().message.find(reason_part), std::string::npos)
        << opened.error().message;
}

TEST(Package, NoOpSaveKeepsEveryEntryCompressedBytes) {
    std::string original = MakeZip(MinimalEntries());
    Result<Package> package = Package::Open(original);
    ASSERT_TRUE(package) << package.error().message;
    Result<std::string> saved = package->Save();
    ASSERT_TRUE(saved);
    EXPECT_EQ(RawEntries(*saved), RawEntries(original));
}

TEST(Package, WrittenPartIsReplacedInPlaceAndOthersStayRaw) {
    std::string original = MakeZip(MinimalEntries());
    Result<Package> package = Package::Open(original);
    ASSERT_TRUE(package);
    package->WritePart("doc/main.xml", "<main xmlns=\"urn:test\">changed</main>");
    package->WritePart("doc/extra.xml", "<extra/>");
    Result<std::string> saved = package->Save();
    ASSERT_TRUE(saved);

    std::vector<RawEntry> before = RawEntries(original);
    std::vector<RawEntry> after = RawEntries(*saved);
    ASSERT_EQ(after.size(), 5u);
    EXPECT_EQ(after[0], before[0]);
    EXPECT_EQ(after[1], before[1]);
    EXPECT_EQ(after[2].name, "doc/main.xml");
    EXPECT_EQ(after[2].method, ZIP_CM_DEFLATE);
    EXPECT_EQ(after[3], before[3]);
    EXPECT_EQ(after[4].name, "doc/extra.xml");

    Result<Package> reopened = Package::Open(*saved);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(*reopened->ReadPart("doc/main.xml"), "<main xmlns=\"urn:test\">changed</main>");
}

TEST(Package, SavingTwiceGivesTheSameBytes) {
    Package package = Package::Create();
    package.WritePart("a.xml", "<a/>");
    EXPECT_EQ(*package.Save(), *package.Save());
}

TEST(Package, CreatedPackageRoundTripsPartsTypesAndRelationships) {
    Package package = Package::Create();
    package.WritePart("doc/main.xml", "<main/>");
    package.SetContentTypeOverride("doc/main.xml", "application/test.main+xml");
    package.SetRelationships("", {{"rId1", std::string(kOfficeDocumentRel), "doc/main.xml"}});
    package.SetRelationships("doc/main.xml", {{"rId1", "urn:link", "https://example.com/", true}});
    Result<std::string> saved = package.Save();
    ASSERT_TRUE(saved);

    Result<Package> reopened = Package::Open(*saved);
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ(*reopened->MainPart(), "doc/main.xml");
    EXPECT_EQ(reopened->ContentType("doc/main.xml"), "application/test.main+xml");
    EXPECT_EQ(reopened->ContentType("_rels/.rels"),
              "application/vnd.openxmlformats-package.relationships+xml");
    Result<std::vector<Relationship>> rels = reopened->Relationships("doc/main.xml");
    ASSERT_TRUE(rels);
    ASSERT_EQ(rels->size(), 1u);
    EXPECT_TRUE((*rels)[0].external);
    EXPECT_EQ((*rels)[0].target, "https://example.com/");
}

TEST(Package, ContentTypeFallsBackToDefaultIgnoringCase) {
    Result<Package> package = Package::Open(MakeZip(MinimalEntries()));
    ASSERT_TRUE(package);
    EXPECT_EQ(package->ContentType("doc/main.xml"), "application/test.main+xml");
    EXPECT_EQ(package->ContentType("/DOC/MAIN.XML"), "application/test.main+xml");
    EXPECT_EQ(package->ContentType("doc/other.xml"), "application/xml");
    EXPECT_EQ(package->ContentType("media/image.bin"), std::nullopt);
}

TEST(Package, ContentTypesAreTouchedOnlyWhenTheyChange) {
    std::string original = MakeZip(MinimalEntries());
    Result<Package> package = Package::Open(original);
    ASSERT_TRUE(package);
    package->SetContentTypeOverride("doc/main.xml", "application/test.main+xml");
    package->EnsureDefaultContentType("xml", "application/xml");
    EXPECT_EQ(RawEntries(*package->Save())[0], RawEntries(original)[0]);

    package->EnsureDefaultContentType("png", "image/png");
    EXPECT_EQ(package->ContentType("media/a.png"), "image/png");
}

TEST(Package, RemovePartDropsItsOverride) {
    Result<Package> package = Package::Open(MakeZip(MinimalEntries()));
    ASSERT_TRUE(package);
    package->RemovePart("doc/main.xml");
    EXPECT_FALSE(package->HasPart("doc/main.xml"));
    EXPECT_EQ(package->ContentType("doc/main.xml"), "application/xml");
    EXPECT_EQ(package->ReadPart("doc/main.xml").error().code, ErrorCode::kNotFound);
}

TEST(Package, SetRelationshipsUpdatesInPlaceAndKeepsUnknownAttributes) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/_rels/main.xml.rels",
                       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                       "relationships\"><Relationship Id=\"rId1\" Type=\"urn:a\" Target=\"a.xml\" "
                       "Extra=\"kept\"/><Relationship Id=\"rId2\" Type=\"urn:b\" "
                       "Target=\"b.xml\"/></Relationships>"});
    Result<Package> package = Package::Open(MakeZip(entries));
    ASSERT_TRUE(package);
    package->SetRelationships("doc/main.xml",
                              {{"rId1", "urn:a", "a2.xml"}, {"rId3", "urn:c", "c.xml"}});
    std::string rels = *package->ReadPart("doc/_rels/main.xml.rels");
    EXPECT_NE(rels.find("Extra=\"kept\""), std::string::npos);
    EXPECT_NE(rels.find("Target=\"a2.xml\""), std::string::npos);
    EXPECT_EQ(rels.find("rId2"), std::string::npos);
    EXPECT_NE(rels.find("rId3"), std::string::npos);
}

struct TargetCase {
    const char* source;
    const char* target;
    const char* part;
};

class ResolveTargetTest : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ResolveTargetTest, GivesThePartName) {
    EXPECT_EQ(Package::ResolveTarget(GetParam().source, GetParam().target), GetParam().part);
}

INSTANTIATE_TEST_SUITE_P(
    Targets, ResolveTargetTest,
    ::testing::Values(TargetCase{"", "xl/workbook.xml", "xl/workbook.xml"},
                      TargetCase{"", "/xl/workbook.xml", "xl/workbook.xml"},
                      TargetCase{"xl/workbook.xml", "worksheets/sheet1.xml",
                                 "xl/worksheets/sheet1.xml"},
                      TargetCase{"xl/worksheets/sheet1.xml", "../drawings/drawing1.xml",
                                 "xl/drawings/drawing1.xml"},
                      TargetCase{"xl/workbook.xml", "/xl/styles.xml", "xl/styles.xml"},
                      TargetCase{"xl/workbook.xml", "./my%20sheet.xml", "xl/my sheet.xml"},
                      TargetCase{"a.xml", "../../../b.xml", "b.xml"}));

TEST(Package, Ole2ContainerIsRefusedAsEncryptedOrLegacy) {
    std::string ole2("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    ole2.resize(4096, '\0');
    ExpectRefused(ole2, "encrypted or in the legacy binary Office format");
}

TEST(Package, BytesThatAreNotAZipAreRefused) {
    ExpectRefused("just some text, not a zip at all", "not a valid zip file");
    ExpectRefused("", "the file is empty");
}

TEST(Package, TruncatedZipIsRefused) {
    std::string bytes = MakeZip(MinimalEntries());
    ExpectRefused(bytes.substr(0, bytes.size() / 2), "not a valid zip file");
}

TEST(Package, EmptyZipIsRefused) { ExpectRefused(MakeZip({}), "empty"); }

TEST(Package, ZipWithoutContentTypesIsRefused) {
    ExpectRefused(MakeZip({{"doc/main.xml", "<a/>"}}), "[Content_Types].xml");
}

TEST(Package, DuplicateEntryNamesAreRefused) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/twin.xml", "<a/>"});
    entries.push_back({"doc/twix.xml", "<b/>"});
    std::string bytes = MakeZip(entries);
    // Rename the last entry in both its local header and the central directory.
    for (std::size_t pos = 0; (pos = bytes.find("doc/twix.xml", pos)) != std::string::npos;) {
        bytes.replace(pos, 12, "doc/twin.xml");
    }
    ExpectRefused(bytes, "duplicate");
}

TEST(Package, NamesDifferingOnlyInCaseAreDuplicates) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/Main.xml", "<a/>"});
    ExpectRefused(MakeZip(entries), "duplicate");
}

class UnsafeEntryName : public ::testing::TestWithParam<const char*> {};

TEST_P(UnsafeEntryName, IsRefused) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({GetParam(), "payload"});
    Result<Package> opened = Package::Open(MakeZip(entries));
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidRequest);
    EXPECT_FALSE(opened.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Names, UnsafeEntryName,
                         ::testing::Values("../evil.txt", "a/../../evil.txt", "/etc/evil.txt",
                                           "..\\evil.txt", "C:/evil.txt", "\\evil.txt"));

TEST(Package, BackslashNamesAreKeptAndFoundWithSlashes) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries[1].name = "_rels\\.rels";
    entries[2].name = "doc\\main.xml";
    std::string original = MakeZip(entries);
    Result<Package> package = Package::Open(original);
    ASSERT_TRUE(package) << package.error().message;
    EXPECT_TRUE(package->HasPart("doc/main.xml"));
    EXPECT_EQ(*package->MainPart(), "doc/main.xml");
    EXPECT_EQ(package->PartNames()[2], "doc\\main.xml");
    EXPECT_EQ(RawEntries(*package->Save()), RawEntries(original));
}

TEST(Package, PartNameUsedAsAFolderIsRefused) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/main.xml/image1.gif", "GIF89a"});
    ExpectRefused(MakeZip(entries), "folder");
}

TEST(Package, DoctypeInAnXmlPartIsRefusedAtOpen) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"docProps/core.xml",
                       "<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE x [<!ENTITY a \"b\">]><x/>"});
    ExpectRefused(MakeZip(entries), "DOCTYPE");
}

TEST(Package, DoctypeTextAfterTheRootElementIsNotAProlog) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/text.xml", "<x>&lt;!DOCTYPE is only text here</x>"});
    EXPECT_TRUE(Package::Open(MakeZip(entries)));
}

TEST(Package, EntryCountOverTheLimitIsRefused) {
    std::vector<ZipEntry> entries = MinimalEntries();
    for (int i = 0; i < 10; ++i) entries.push_back({"media/f" + std::to_string(i), "x"});
    PackageLimits limits;
    limits.max_entries = 8;
    Result<Package> opened = Package::Open(MakeZip(entries), limits);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("more than 8 entries"), std::string::npos);
}

TEST(Package, InputOverTheByteLimitIsRefused) {
    PackageLimits limits;
    limits.max_input_bytes = 100;
    Result<Package> opened = Package::Open(MakeZip(MinimalEntries()), limits);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("larger than"), std::string::npos);
}

TEST(Package, PartOverTheSizeLimitIsRefused) {
    std::vector<ZipEntry> entries = MinimalEntries();
    // Pseudo-random bytes, so that the ratio check does not trip first.
    std::string noise(3u << 20, '\0');
    std::uint32_t state = 12345;
    for (char& ch : noise) {
        state = state * 1664525u + 1013904223u;
        ch = static_cast<char>(state >> 24);
    }
    entries.push_back({"media/big.bin", noise});
    PackageLimits limits;
    limits.max_entry_uncompressed = 2u << 20;
    Result<Package> opened = Package::Open(MakeZip(entries), limits);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("2 MiB"), std::string::npos);

    limits = {};
    limits.max_total_uncompressed = 2u << 20;
    opened = Package::Open(MakeZip(entries), limits);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("parts inflate to more than"), std::string::npos);
}

TEST(Package, ZipBombIsRefusedFromTheCentralDirectoryQuickly) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/bomb.xml", std::string(64u << 20, '\0')});
    std::string bytes = MakeZip(entries);
    auto start = std::chrono::steady_clock::now();
    Result<Package> opened = Package::Open(bytes);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("compression ratio"), std::string::npos);
    EXPECT_LT(elapsed, std::chrono::milliseconds(50));
}

void PatchUint32(std::string& bytes, std::size_t at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

TEST(Package, PartInflatingBeyondItsDeclaredSizeIsRefusedOnRead) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"media/liar.bin", std::string(100000, 'a')});
    std::string bytes = MakeZip(entries);
    // The last local header and the last central directory header belong to media/liar.bin;
    // both are made to claim 1000 uncompressed bytes.
    std::size_t local = bytes.rfind(std::string("PK\x03\x04", 4));
    std::size_t central = bytes.rfind(std::string("PK\x01\x02", 4));
    PatchUint32(bytes, local + 22, 1000);
    PatchUint32(bytes, central + 24, 1000);

    Result<Package> package = Package::Open(bytes);
    ASSERT_TRUE(package) << package.error().message;
    Result<std::string> read = package->ReadPart("media/liar.bin");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidRequest);
}

TEST(Package, PartWhoseCrcDoesNotMatchIsRefusedOnRead) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"media/changed.bin", std::string(100000, 'a')});
    std::string bytes = MakeZip(entries);
    std::size_t local = bytes.rfind(std::string("PK\x03\x04", 4));
    std::size_t central = bytes.rfind(std::string("PK\x01\x02", 4));
    PatchUint32(bytes, local + 14, 0x12345678);
    PatchUint32(bytes, central + 16, 0x12345678);

    Result<Package> package = Package::Open(bytes);
    ASSERT_TRUE(package) << package.error().message;
    Result<std::string> read = package->ReadPart("media/changed.bin");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidRequest);
    EXPECT_NE(read.error().message.find("corrupt"), std::string::npos) << read.error().message;
}

TEST(Package, PartInflatingShortOfItsDeclaredSizeIsRefusedOnRead) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"media/short.bin", std::string(1000, 'a')});
    std::string bytes = MakeZip(entries);
    std::size_t local = bytes.rfind(std::string("PK\x03\x04", 4));
    std::size_t central = bytes.rfind(std::string("PK\x01\x02", 4));
    PatchUint32(bytes, local + 22, 5000);
    PatchUint32(bytes, central + 24, 5000);

    Result<Package> package = Package::Open(bytes);
    ASSERT_TRUE(package) << package.error().message;
    Result<std::string> read = package->ReadPart("media/short.bin");
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message.find("declared size"), std::string::npos)
        << read.error().message;
}

TEST(Package, MissingMainPartIsAClearError) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.erase(entries.begin() + 2);
    Result<Package> package = Package::Open(MakeZip(entries));
    ASSERT_TRUE(package);
    Result<std::string> main = package->MainPart();
    ASSERT_FALSE(main);
    EXPECT_EQ(main.error().code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace quire::ooxml

namespace quire::ooxml {
namespace {

// Large parts are deflated in pieces on several cores and handed to libzip precompressed; what
// comes back must be the same bytes, with a CRC libzip accepts, whatever the data.
TEST(Package, LargePartsDeflatedInPiecesReadBackIdentical) {
    std::string xml;
    for (int i = 0; xml.size() < (9u << 20) + 12345; ++i) {
        xml += "<row r=\"" + std::to_string(i) + "\"><c><v>" + std::to_string(i * 7) + "</v></c>";
    }
    std::string noise(5u << 20, '\0');
    std::uint32_t state = 12345;
    for (char& ch : noise) {
        state = state * 1103515245u + 12345u;
        ch = static_cast<char>(state >> 24);
    }
    // Ends exactly where a piece ends: the last piece is a whole one.
    std::string whole_pieces = xml.substr(0, 8u << 20);
    Package package = Package::Create();
    package.WritePart("big.xml", xml);
    package.WritePart("noise.bin", noise);
    package.WritePart("whole-pieces.xml", whole_pieces);
    package.WritePart("small.xml", "<a/>");
    Result<std::string> saved = package.Save();
    ASSERT_TRUE(saved) << saved.error().message;
    Result<std::string> again = package.Save();
    ASSERT_TRUE(again);
    EXPECT_TRUE(*saved == *again) << "saving twice gave different bytes";

    Result<Package> reopened = Package::Open(*saved);
    ASSERT_TRUE(reopened) << reopened.error().message;
    Result<std::string> big = reopened->ReadPart("big.xml");
    Result<std::string> random = reopened->ReadPart("noise.bin");
    Result<std::string> whole = reopened->ReadPart("whole-pieces.xml");
    ASSERT_TRUE(big && random && whole);
    EXPECT_TRUE(*big == xml);
    EXPECT_TRUE(*random == noise);
    EXPECT_TRUE(*whole == whole_pieces);
    EXPECT_LT(saved->size(), (xml.size() + whole_pieces.size()) / 3 + noise.size() + 4096);
}

}  // namespace
}  // namespace quire::ooxml

namespace quire::ooxml {
namespace {

TEST(Package, PartPrefixInflatesOnlyTheStart) {
    // Text that does not compress so well that Open takes it for a zip bomb.
    std::string xml = "<a b>";
    for (int i = 0; xml.size() < (3u << 20); ++i) xml += std::to_string(i * 7919);
    Package package = Package::Create();
    package.WritePart("big.xml", xml);
    Result<std::string> written = package.ReadPartPrefix("big.xml", 5);
    ASSERT_TRUE(written);
    EXPECT_EQ(*written, "<a b>");
    Result<Package> reopened = Package::Open(*package.Save());
    ASSERT_TRUE(reopened);
    Result<std::string> stored = reopened->ReadPartPrefix("big.xml", 4);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, "<a b");
    EXPECT_EQ(reopened->ReadPartPrefix("big.xml", 10u << 20)->size(), xml.size());
    EXPECT_FALSE(reopened->ReadPartPrefix("missing.xml", 4));
}

}  // namespace
}  // namespace quire::ooxml

namespace quire::ooxml {
namespace {

// Hands `bytes` to the sink in pieces of `piece` bytes, as a serialiser would.
std::function<Status(PartSink&)> InPieces(const std::string& bytes, std::size_t piece) {
    return [&bytes, piece](PartSink& sink) -> Status {
        for (std::size_t at = 0; at < bytes.size(); at += piece) {
            sink.Append(std::string_view(bytes).substr(at, piece));
        }
        return {};
    };
}

std::string RowsXml(std::size_t size) {
    std::string xml = "<rows>";
    for (int i = 0; xml.size() < size; ++i) {
        xml += "<row r=\"" + std::to_string(i) + "\"><v>" + std::to_string(i * 7919) + "</v></row>";
    }
    return xml + "</rows>";
}

TEST(Package, LargeStreamedPartIsKeptDeflatedAndReadsBackIdentical) {
    const std::string xml = RowsXml(3u << 20);
    Package package = Package::Create();
    ASSERT_TRUE(package.WritePartStreamed("big.xml", InPieces(xml, 8191)));

    EXPECT_EQ(package.PartSize("big.xml"), xml.size());
    EXPECT_FALSE(package.WrittenPart("big.xml")) << "a large streamed part is held deflated";
    Result<std::string> read = package.ReadPart("big.xml");
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(*read == xml);
    EXPECT_EQ(*package.ReadPartPrefix("big.xml", 6), "<rows>");

    Result<std::string> saved = package.Save();
    ASSERT_TRUE(saved) << saved.error().message;
    EXPECT_TRUE(*saved == *package.Save()) << "saving twice gave different bytes";
    EXPECT_LT(saved->size(), xml.size() / 3);
    Result<Package> reopened = Package::Open(*saved);
    ASSERT_TRUE(reopened) << reopened.error().message;
    Result<std::string> stored = reopened->ReadPart("big.xml");
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_TRUE(*stored == xml);
}

TEST(Package, SmallStreamedPartIsSavedAsWritePartSavesIt) {
    const std::string xml = RowsXml(10000);
    Package streamed = Package::Create();
    ASSERT_TRUE(streamed.WritePartStreamed("a.xml", InPieces(xml, 100)));
    Package whole = Package::Create();
    whole.WritePart("a.xml", xml);
    EXPECT_EQ(streamed.WrittenPart("a.xml"), std::optional<std::string_view>(xml));
    EXPECT_EQ(*streamed.Save(), *whole.Save());
}

TEST(Package, StreamedPartReplacesAPartInPlaceAndOthersStayRaw) {
    const std::string original = MakeZip(MinimalEntries());
    Result<Package> package = Package::Open(original);
    ASSERT_TRUE(package);
    const std::string xml = RowsXml(1u << 20);
    ASSERT_TRUE(package->WritePartStreamed("doc/main.xml", InPieces(xml, 4096)));
    Result<std::string> saved = package->Save();
    ASSERT_TRUE(saved);

    std::vector<RawEntry> before = RawEntries(original);
    std::vector<RawEntry> after = RawEntries(*saved);
    ASSERT_EQ(after.size(), before.size());
    EXPECT_EQ(after[0], before[0]);
    EXPECT_EQ(after[1], before[1]);
    EXPECT_EQ(after[2].name, "doc/main.xml");
    EXPECT_EQ(after[2].size, xml.size());
    EXPECT_EQ(after[3], before[3]);
    Result<Package> reopened = Package::Open(*saved);
    ASSERT_TRUE(reopened);
    EXPECT_TRUE(*reopened->ReadPart("doc/main.xml") == xml);

    // Written again the usual way, the part is plain bytes once more.
    package->WritePart("doc/main.xml", "<main/>");
    EXPECT_EQ(package->WrittenPart("doc/main.xml"), std::optional<std::string_view>("<main/>"));
    EXPECT_EQ(*Package::Open(*package->Save())->ReadPart("doc/main.xml"), "<main/>");
}

}  // namespace
// What ReadPartStreamed hands on, joined, and the largest piece it gave.
struct StreamedRead {
    Status status;
    std::string bytes;
    std::size_t largest_piece = 0;
};

StreamedRead ReadStreamed(const Package& package, std::string_view name) {
    StreamedRead read;
    read.status = package.ReadPartStreamed(name, [&](std::string_view piece) {
        read.bytes.append(piece);
        read.largest_piece = std::max(read.largest_piece, piece.size());
        return true;
    });
    return read;
}

TEST(Package, PartReadStreamedEqualsReadPartForEveryKindOfEntry) {
    std::string big;
    for (int i = 0; big.size() < (700u << 10); ++i) big += "<w:p>" + std::to_string(i) + "</w:p>";
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/big.xml", big});
    entries.push_back({"doc/stored.xml", big, true});
    Result<Package> package = Package::Open(MakeZip(entries));
    ASSERT_TRUE(package) << package.error().message;
    package->WritePart("doc/written.xml", big);
    ASSERT_TRUE(package->WritePartStreamed("doc/streamed.xml", InPieces(big, 5000)));

    for (const char* name : {"doc/big.xml", "doc/stored.xml", "doc/written.xml", "doc/streamed.xml",
                             "doc/main.xml", "media/image.bin"}) {
        StreamedRead read = ReadStreamed(*package, name);
        ASSERT_TRUE(read.status) << name << ": " << read.status.error().message;
        EXPECT_TRUE(read.bytes == *package->ReadPart(name)) << name;
        EXPECT_LE(read.largest_piece, 64u << 10) << name;
    }
    EXPECT_EQ(ReadStreamed(*package, "doc/none.xml").status.error().code, ErrorCode::kNotFound);
}

TEST(Package, StreamedReadStopsWhenTheConsumerSaysSo) {
    std::vector<ZipEntry> entries = MinimalEntries();
    entries.push_back({"doc/big.xml", RowsXml(1u << 20)});
    Result<Package> package = Package::Open(MakeZip(entries));
    ASSERT_TRUE(package);
    int pieces = 0;
    Status read = package->ReadPartStreamed("doc/big.xml", [&](std::string_view) {
        ++pieces;
        return false;
    });
    EXPECT_TRUE(read);
    EXPECT_EQ(pieces, 1);
}

TEST(Package, StreamedReadRefusesWrongSizesAndCrcLikeReadPart) {
    struct Patch {
        std::size_t local_offset, central_offset;
        std::uint32_t value;
        std::string_view reason;
    };
    for (const Patch& patch :
         {Patch{22, 24, 1000, "declared size"}, Patch{22, 24, 500000, "declared size"},
          Patch{14, 16, 0x12345678, "corrupt"}}) {
        std::vector<ZipEntry> entries = MinimalEntries();
        entries.push_back({"media/liar.bin", RowsXml(200000)});
        std::string bytes = MakeZip(entries);
        PatchUint32(bytes, bytes.rfind(std::string("PK\x03\x04", 4)) + patch.local_offset,
                    patch.value);
        PatchUint32(bytes, bytes.rfind(std::string("PK\x01\x02", 4)) + patch.central_offset,
                    patch.value);
        Result<Package> package = Package::Open(bytes);
        ASSERT_TRUE(package) << package.error().message;
        StreamedRead read = ReadStreamed(*package, "media/liar.bin");
        ASSERT_FALSE(read.status) << patch.reason;
        EXPECT_EQ(read.status.error().code, ErrorCode::kInvalidRequest);
        EXPECT_NE(read.status.error().message.find(patch.reason), std::string::npos)
            << read.status.error().message;
        EXPECT_LE(read.bytes.size(), 500000u);
    }
}

TEST(Package, StreamedWriteMayReadThePartItReplaces) {
    const std::string xml = RowsXml(600u << 10);
    Package package = Package::Create();
    ASSERT_TRUE(package.WritePartStreamed("a.xml", InPieces(xml, 8191)));
    Status rewritten = package.WritePartStreamed("a.xml", [&](PartSink& sink) {
        sink.Append("<wrap>");
        Status read = package.ReadPartStreamed("a.xml", [&](std::string_view piece) {
            sink.Append(piece);
            return true;
        });
        sink.Append("</wrap>");
        return read;
    });
    ASSERT_TRUE(rewritten) << rewritten.error().message;
    EXPECT_TRUE(*package.ReadPart("a.xml") == "<wrap>" + xml + "</wrap>");
}

TEST(Package, StreamedWriteWhoseProducerFailsLeavesThePartAsItWas) {
    Package package = Package::Create();
    package.WritePart("a.xml", "<a/>");
    Status written = package.WritePartStreamed("a.xml", [](PartSink& sink) -> Status {
        sink.Append("<b>");
        return Internal("the producer failed");
    });
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().message, "the producer failed");
    EXPECT_EQ(*package.ReadPart("a.xml"), "<a/>");
}

}  // namespace quire::ooxml
