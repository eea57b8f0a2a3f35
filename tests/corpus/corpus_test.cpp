// The shared corpus of real and hostile OOXML files (DESIGN.md §10), run through the package
// layer and the xlsx engine: a no-op open and save keeps every part, hostile files are refused
// quickly with a reason.

#include <gtest/gtest.h>
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "shared_dir.hpp"

namespace quire {
namespace {

namespace fs = std::filesystem;
using ooxml::Package;

constexpr auto kHostileBudget = std::chrono::seconds(2);
constexpr auto kOddBudget = std::chrono::seconds(20);

using quire::test_support::SharedDir;

struct CorpusFile {
    std::string file;      // "xlsx/poi-54764.xlsx"
    std::string features;  // the manifest's feature list
    bool hostile() const { return features.starts_with("hostile:"); }
    bool odd() const { return features.starts_with("odd:"); }
    bool xlsx() const { return file.starts_with("xlsx/"); }
};

std::vector<CorpusFile> LoadManifest() {
    std::vector<CorpusFile> files;
    for (const test_support::CorpusEntry& entry : test_support::CorpusManifest()) {
        files.push_back({entry.path, entry.features});
    }
    return files;
}

const std::vector<CorpusFile>& Manifest() {
    static const std::vector<CorpusFile> files = LoadManifest();
    return files;
}

std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Load(const CorpusFile& file) { return ReadFile(SharedDir() / "corpus" / file.file); }

std::string TestName(const ::testing::TestParamInfo<CorpusFile>& info) {
    std::string name = info.param.file;
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

std::vector<CorpusFile> Select(bool hostile, bool xlsx_only = false) {
    std::vector<CorpusFile> out;
    for (const CorpusFile& file : Manifest()) {
        if (file.hostile() == hostile && (!xlsx_only || file.xlsx())) out.push_back(file);
    }
    return out;
}

// Method, CRC, sizes and still-compressed bytes of every entry, read with libzip directly.
struct RawEntry {
    std::string name;
    std::int32_t method = 0;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
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
        RawEntry entry{st.name, st.comp_method, st.crc, st.size, std::string(st.comp_size, '\0')};
        zip_file_t* file = zip_fopen_index(zip, static_cast<zip_uint64_t>(i), ZIP_FL_COMPRESSED);
        if (file != nullptr) {
            zip_fread(file, entry.compressed.data(), entry.compressed.size());
            zip_fclose(file);
        }
        out.push_back(std::move(entry));
    }
    if (zip != nullptr) zip_discard(zip);
    zip_error_fini(&error);
    return out;
}

TEST(Corpus, ManifestIsFound) {
    ASSERT_FALSE(Manifest().empty())
        << "no MANIFEST.tsv under " << SharedDir() << "; set QUIRE_SHARED_DIR";
    EXPECT_FALSE(Select(true).empty());
    EXPECT_FALSE(Select(false).empty());
}

class CorpusRoundTrip : public ::testing::TestWithParam<CorpusFile> {};

TEST_P(CorpusRoundTrip, NoOpOpenAndSaveKeepsEveryPart) {
    const CorpusFile& file = GetParam();
    std::string original = Load(file);
    ASSERT_FALSE(original.empty()) << file.file;

    auto start = std::chrono::steady_clock::now();
    Result<Package> package = Package::Open(original);
    if (!package && file.odd()) {
        EXPECT_EQ(package.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(package.error().message.empty());
        EXPECT_LT(std::chrono::steady_clock::now() - start, kOddBudget);
        return;
    }
    ASSERT_TRUE(package) << file.file << ": " << package.error().message;
    Result<std::string> saved = package->Save();
    ASSERT_TRUE(saved) << saved.error().message;

    Result<Package> reopened = Package::Open(*saved);
    ASSERT_TRUE(reopened) << reopened.error().message;
    ASSERT_EQ(reopened->PartNames(), package->PartNames());
    for (const std::string& part : package->PartNames()) {
        Result<std::string> before = package->ReadPart(part);
        Result<std::string> after = reopened->ReadPart(part);
        ASSERT_TRUE(before) << part << ": " << before.error().message;
        ASSERT_TRUE(after) << part << ": " << after.error().message;
        EXPECT_TRUE(*before == *after) << file.file << " part " << part << " changed";
    }
    // Untouched parts are copied still compressed, so even the compressed bytes match.
    EXPECT_TRUE(RawEntries(*saved) == RawEntries(original)) << file.file;
    if (file.odd()) {
        EXPECT_LT(std::chrono::steady_clock::now() - start, kOddBudget);
    }
}

TEST_P(CorpusRoundTrip, MainPartParsesAsXml) {
    const CorpusFile& file = GetParam();
    Result<Package> package = Package::Open(Load(file));
    if (!package && file.odd()) return;  // refusing an odd file is allowed; checked above
    ASSERT_TRUE(package) << package.error().message;
    Result<std::string> main = package->MainPart();
    ASSERT_TRUE(main) << file.file << ": " << main.error().message;
    Result<std::string> text = package->ReadPart(*main);
    ASSERT_TRUE(text);
    auto doc = ooxml::ParseXml(*text, *main);
    EXPECT_TRUE(doc) << file.file << ": " << (doc ? "" : doc.error().message);
}

class CorpusWorkbook : public ::testing::TestWithParam<CorpusFile> {};

TEST_P(CorpusWorkbook, OpensAndListsSheets) {
    const CorpusFile& file = GetParam();
    auto start = std::chrono::steady_clock::now();
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(Load(file));
    if (!workbook && file.odd()) {
        EXPECT_EQ(workbook.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(workbook.error().message.empty());
        return;
    }
    ASSERT_TRUE(workbook) << file.file << ": " << workbook.error().message;
    Result<std::vector<xlsx::SheetInfo>> sheets = workbook->Sheets();
    ASSERT_TRUE(sheets) << sheets.error().message;
    EXPECT_FALSE(sheets->empty());
    for (const xlsx::SheetInfo& sheet : *sheets) {
        EXPECT_FALSE(sheet.name.empty());
        EXPECT_FALSE(sheet.kind.empty());
    }
    EXPECT_TRUE(workbook->OutlineJson());
    if (file.odd()) {
        EXPECT_LT(std::chrono::steady_clock::now() - start, kOddBudget);
    }
}

// Parts whose uncompressed bytes differ between two packages, including added or removed ones.
std::set<std::string> ChangedParts(const Package& before, const Package& after) {
    std::set<std::string> names;
    for (const std::string& part : before.PartNames()) names.insert(part);
    for (const std::string& part : after.PartNames()) names.insert(part);
    std::set<std::string> changed;
    for (const std::string& part : names) {
        Result<std::string> a = before.ReadPart(part);
        Result<std::string> b = after.ReadPart(part);
        if (!a || !b || *a != *b) changed.insert(part);
    }
    return changed;
}

TEST_P(CorpusWorkbook, SetCellTouchesOnlyTheSheetAndWorkbookParts) {
    const CorpusFile& file = GetParam();
    std::string original = Load(file);
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(original);
    if (!workbook && file.odd()) return;  // refusing an odd file is allowed; checked above
    ASSERT_TRUE(workbook) << workbook.error().message;
    Result<std::vector<xlsx::SheetInfo>> sheets = workbook->Sheets();
    ASSERT_TRUE(sheets);
    auto sheet = std::find_if(sheets->begin(), sheets->end(),
                              [](const xlsx::SheetInfo& s) { return s.kind == "worksheet"; });
    ASSERT_NE(sheet, sheets->end());

    ASSERT_TRUE(workbook->SetCell(sheet->name, "AB1000", xlsx::CellValue::Number(42.5)));
    Result<std::string> saved = workbook->Save();
    ASSERT_TRUE(saved) << saved.error().message;

    Result<Package> before = Package::Open(original);
    Result<Package> after = Package::Open(*saved);
    ASSERT_TRUE(before && after);
    Result<std::string> main = before->MainPart();
    ASSERT_TRUE(main);
    std::set<std::string> allowed = {*main, sheet->part_name};
    for (const std::string& part : ChangedParts(*before, *after)) {
        // Parts are compared by the names stored in the zip, which may use backslashes.
        std::string slashed = part;
        std::replace(slashed.begin(), slashed.end(), '\\', '/');
        EXPECT_TRUE(allowed.contains(slashed)) << file.file << ": " << part << " changed";
    }
    Result<xlsx::Workbook> reopened = xlsx::Workbook::Open(*saved);
    ASSERT_TRUE(reopened) << reopened.error().message;
    Result<xlsx::CellValue> cell = reopened->GetCell(sheet->name, "AB1000");
    ASSERT_TRUE(cell) << cell.error().message;
    EXPECT_EQ(cell->kind, xlsx::CellValue::Kind::kNumber);
    EXPECT_EQ(cell->number, 42.5);
}

// Large sheets are edited and read as text (DESIGN.md §5): setting and reading a cell leaves no
// DOM of the sheet part behind, and the cells around the edit read as before.
class CorpusLargeSheet : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusLargeSheet, SetCellStreamsWithoutADom) {
    auto start = std::chrono::steady_clock::now();
    std::string original = ReadFile(SharedDir() / "corpus" / GetParam());
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(original);
    ASSERT_TRUE(workbook) << workbook.error().message;
    Result<std::vector<xlsx::SheetInfo>> sheets = workbook->Sheets();
    ASSERT_TRUE(sheets);
    Result<Package> package = Package::Open(original);
    ASSERT_TRUE(package);
    auto largest = std::max_element(sheets->begin(), sheets->end(),
                                    [&](const xlsx::SheetInfo& a, const xlsx::SheetInfo& b) {
                                        return package->PartSize(a.part_name).value_or(0) <
                                               package->PartSize(b.part_name).value_or(0);
                                    });
    ASSERT_GE(package->PartSize(largest->part_name).value_or(0), 1u << 20);

    Result<xlsx::CellValue> a1 = workbook->GetCell(largest->name, "A1");
    ASSERT_TRUE(a1) << a1.error().message;
    ASSERT_TRUE(workbook->SetCell(largest->name, "B2", xlsx::CellValue::Text("streamed")));
    Result<std::string> saved = workbook->Save();
    ASSERT_TRUE(saved) << saved.error().message;
    for (const std::string& part : workbook->ParsedParts()) {
        EXPECT_NE(part, largest->part_name) << GetParam();
    }

    Result<xlsx::Workbook> reopened = xlsx::Workbook::Open(*saved);
    ASSERT_TRUE(reopened) << reopened.error().message;
    Result<xlsx::CellValue> b2 = reopened->GetCell(largest->name, "B2");
    ASSERT_TRUE(b2) << b2.error().message;
    EXPECT_EQ(b2->text, "streamed");
    Result<xlsx::CellValue> a1_again = reopened->GetCell(largest->name, "A1");
    ASSERT_TRUE(a1_again);
    EXPECT_EQ(a1_again->kind, a1->kind);
    EXPECT_EQ(a1_again->text, a1->text);
    EXPECT_EQ(a1_again->number, a1->number);
    EXPECT_LT(std::chrono::steady_clock::now() - start, kOddBudget);
}

INSTANTIATE_TEST_SUITE_P(Files, CorpusLargeSheet,
                         ::testing::Values("xlsx/sheetjs-large_strings.xlsx",
                                           "xlsx/poi-57893-many-merges.xlsx",
                                           "xlsx/calamine-issue_174.xlsx"),
                         [](const auto& info) {
                             std::string name = info.param;
                             for (char& ch : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             }
                             return name;
                         });

INSTANTIATE_TEST_SUITE_P(Files, CorpusRoundTrip, ::testing::ValuesIn(Select(false)), TestName);
INSTANTIATE_TEST_SUITE_P(Files, CorpusWorkbook, ::testing::ValuesIn(Select(false, true)), TestName);

class CorpusHostile : public ::testing::TestWithParam<CorpusFile> {};

TEST_P(CorpusHostile, IsRefusedQuicklyWithAReason) {
    const CorpusFile& file = GetParam();
    std::string bytes = Load(file);
    ASSERT_FALSE(bytes.empty()) << file.file;

    auto start = std::chrono::steady_clock::now();
    Result<Package> package = Package::Open(bytes);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(package) << file.file << " was accepted";
    EXPECT_EQ(package.error().code, ErrorCode::kInvalidRequest);
    EXPECT_FALSE(package.error().message.empty());
    EXPECT_LT(elapsed, kHostileBudget);
}

class CorpusHostileWorkbook : public ::testing::TestWithParam<CorpusFile> {};

TEST_P(CorpusHostileWorkbook, IsRefusedByWorkbookOpen) {
    const CorpusFile& file = GetParam();
    Result<xlsx::Workbook> workbook = xlsx::Workbook::Open(Load(file));
    ASSERT_FALSE(workbook) << file.file << " was accepted";
    EXPECT_EQ(workbook.error().code, ErrorCode::kInvalidRequest);
    EXPECT_FALSE(workbook.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Files, CorpusHostile, ::testing::ValuesIn(Select(true)), TestName);
INSTANTIATE_TEST_SUITE_P(Files, CorpusHostileWorkbook, ::testing::ValuesIn(Select(true, true)),
                         TestName);

}  // namespace
}  // namespace quire
