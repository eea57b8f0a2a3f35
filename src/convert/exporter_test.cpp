#include "convert/exporter.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "common/hash.hpp"
#include "convert/office_pool.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "store/sqlite/temp_dir.hpp"
#include "store/store.hpp"

namespace quire::convert {
namespace {

// Blobs in memory. `on_get` runs after a Get has read its bytes, as something else happening
// while the caller works with them.
class MemoryBlobs final : public store::BlobStore {
public:
    Result<std::string> Put(std::string_view bytes) override {
        std::string sha256 = Sha256Hex(bytes);
        std::lock_guard lock(mu_);
        blobs_[sha256] = std::string(bytes);
        return sha256;
    }

    Result<std::string> Get(std::string_view sha256) override {
        std::string bytes;
        {
            std::lock_guard lock(mu_);
            auto it = blobs_.find(std::string(sha256));
            if (it == blobs_.end()) return NotFound("no such blob");
            bytes = it->second;
        }
        if (on_get) std::exchange(on_get, nullptr)(sha256);
        return bytes;
    }

    Status Remove(std::string_view sha256) override {
        std::lock_guard lock(mu_);
        blobs_.erase(std::string(sha256));
        return {};
    }

    bool Has(std::string_view sha256) override {
        std::lock_guard lock(mu_);
        return blobs_.contains(std::string(sha256));
    }

    std::shared_mutex& Gate() override { return gate_; }

    std::size_t size() {
        std::lock_guard lock(mu_);
        return blobs_.size();
    }

    std::function<void(std::string_view)> on_get;

private:
    std::mutex mu_;
    std::map<std::string, std::string> blobs_;  // guarded by mu_
    std::shared_mutex gate_;
};

std::string WorkbookBytes() {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    std::vector<xlsx::CellEdit> cells = {{"B2", xlsx::CellValue::Number(5)}};
    EXPECT_TRUE(workbook.SetCells("Data", cells));
    auto bytes = workbook.Save();
    EXPECT_TRUE(bytes);
    return bytes ? *bytes : std::string();
}

// A workbook's CSV needs no office: a pool without processes will do.
class ExporterTest : public ::testing::Test {
protected:
    ExporterTest() : office_(Options(dir_)), index_(dir_.path() / "exports") {}

    static OfficePoolOptions Options(const store::TempDir& dir) {
        OfficePoolOptions options;
        options.work_dir = dir.path() / "office";
        options.processes = 0;
        return options;
    }

    ExportInput CsvOf(const std::string& source_blob) {
        ExportInput input;
        input.org_id = "org_a";
        input.source_blob = source_blob;
        input.source = SourceFormat::kXlsx;
        input.target = TargetFormat::kCsv;
        input.file_name = "book.xlsx";
        return input;
    }

    store::TempDir dir_;
    MemoryBlobs blobs_;
    OfficePool office_;
    ExportIndex index_;
};

TEST_F(ExporterTest, AnExportIsStoredAndIndexedUnderItsSource) {
    std::string source = *blobs_.Put(WorkbookBytes());
    Exporter exporter(blobs_, office_, index_);
    auto exported = exporter.Export(CsvOf(source));
    ASSERT_TRUE(exported) << exported.error().message;
    ASSERT_EQ(exported->blobs.size(), 1u);
    EXPECT_EQ(*blobs_.Get(exported->blobs[0]), "\r\n,5\r\n");
    EXPECT_EQ(index_.DropSource(source), exported->blobs);
}

// The source's run was deleted (or purged) while its export converted: the removal dropped the
// source's index entries before the export wrote its own, so the export's file and entry stayed
// on disk with nothing left to remove them.
TEST_F(ExporterTest, AnExportWhoseSourceWasRemovedMeanwhileLeavesNothingBehind) {
    std::string source = *blobs_.Put(WorkbookBytes());
    blobs_.on_get = [&](std::string_view sha256) {
        std::unique_lock gate(blobs_.Gate());
        ASSERT_TRUE(blobs_.Remove(sha256));
        EXPECT_TRUE(index_.DropSource(sha256).empty());
    };
    Exporter exporter(blobs_, office_, index_);

    auto exported = exporter.Export(CsvOf(source));
    EXPECT_EQ(blobs_.size(), 0u);
    EXPECT_TRUE(index_.DropSource(source).empty());
    ASSERT_FALSE(exported);
    EXPECT_EQ(exported.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace quire::convert
