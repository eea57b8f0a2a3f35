// Run deletion against a real SQLite store and blob directory, with an upload of the same bytes
// landing in the middle of it.

#include "service/run_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/ids.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::service {
namespace {

using namespace std::chrono_literals;

template <typename T>
T Must(Result<T> result) {
    if (!result) throw std::runtime_error(result.error().message + " | " + result.error().detail);
    return std::move(*result);
}

std::string SmallWorkbook() {
    xlsx::Workbook workbook = xlsx::Workbook::Create();
    EXPECT_TRUE(workbook.AddSheet("Data"));
    return Must(workbook.Save());
}

// Deleting a run found its document's blob unreferenced and removed it, even when an upload of
// the same bytes had just found that blob stored and was about to record its file: the upload
// then named a blob that was gone. Blob writers and removers now share the store's gate.
TEST(RunService, DeletingARunKeepsABlobAnUploadOfTheSameBytesIsRecording) {
    store::TempDir dir;
    auto metadata = Must(store::OpenSqliteStore(dir.path() / "quire.db"));
    auto blobs = Must(store::OpenFileBlobStore(dir.path() / "blobs"));
    store::Org org = Must(metadata->EnsureOrg("acme"));
    store::Run run = Must(metadata->CreateRun(org.id, "excel", "book.xlsx"));
    RunService runs(*metadata, *blobs);
    const std::string bytes = SmallWorkbook();
    store::Version version = Must(runs.UploadDocument(org.id, run.id, bytes));

    // An upload of the same bytes, paused between storing the blob and recording its file.
    std::promise<void> stored;
    std::promise<void> record;
    std::future<store::FileRecord> uploaded = std::async(std::launch::async, [&] {
        std::shared_lock gate(blobs->Gate());
        std::string blob = Must(blobs->Put(bytes));
        stored.set_value();
        record.get_future().wait();
        store::FileRecord file;
        file.id = NewId("file_");
        file.org_id = org.id;
        file.name = "same.xlsx";
        file.size = static_cast<std::int64_t>(bytes.size());
        file.purpose = "init";
        file.blob = blob;
        return Must(metadata->CreateFile(file));
    });
    stored.get_future().wait();
    std::future<Status> deleted =
        std::async(std::launch::async, [&] { return runs.DeleteRun(org.id, run.id); });
    // Give the deletion every chance to run ahead of the upload; it must wait for it.
    EXPECT_EQ(deleted.wait_for(200ms), std::future_status::timeout);
    record.set_value();
    store::FileRecord file = uploaded.get();
    ASSERT_TRUE(deleted.get());

    EXPECT_EQ(file.blob, version.blob);
    EXPECT_TRUE(blobs->Has(file.blob));
    EXPECT_EQ(Must(blobs->Get(file.blob)), bytes);
    EXPECT_FALSE(metadata->GetRun(org.id, run.id));
}

}  // namespace
}  // namespace quire::service
