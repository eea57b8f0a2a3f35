#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "common/hash.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/temp_dir.hpp"

namespace quire::store {
namespace {

class FileBlobStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = OpenFileBlobStore(Root());
        ASSERT_TRUE(opened) << opened.error().detail;
        blobs_ = std::move(*opened);
    }

    std::filesystem::path Root() const { return dir_.path() / "blobs"; }
    std::filesystem::path PathOf(const std::string& hash) const {
        return Root() / hash.substr(0, 2) / hash;
    }

    // Every file under the root, temporary files included.
    std::vector<std::filesystem::path> AllFiles() const {
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(Root())) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
        return files;
    }

    TempDir dir_;
    std::unique_ptr<BlobStore> blobs_;
};

TEST_F(FileBlobStoreTest, PutThenGetReturnsTheSameBytes) {
    std::string binary("a\0b\xff\n", 5);
    std::string large(3 * 1024 * 1024 + 7, '\0');
    for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 31 % 251);

    for (const std::string& bytes : {std::string(), std::string("hello"), binary, large}) {
        SCOPED_TRACE(bytes.size());
        auto hash = blobs_->Put(bytes);
        ASSERT_TRUE(hash) << hash.error().detail;
        EXPECT_EQ(*hash, Sha256Hex(bytes));

        auto back = blobs_->Get(*hash);
        ASSERT_TRUE(back) << back.error().detail;
        EXPECT_EQ(*back, bytes);
    }
}

TEST_F(FileBlobStoreTest, RemovedBlobIsGoneAndRemovingAgainSucceeds) {
    auto kept = blobs_->Put("kept");
    auto removed = blobs_->Put("removed");
    ASSERT_TRUE(kept && removed);

    ASSERT_TRUE(blobs_->Remove(*removed));
    EXPECT_FALSE(std::filesystem::exists(PathOf(*removed)));
    auto gone = blobs_->Get(*removed);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(blobs_->Remove(*removed));
    EXPECT_EQ(*blobs_->Get(*kept), "kept");

    auto bad = blobs_->Remove("../escape");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidRequest);
}

TEST_F(FileBlobStoreTest, BlobLivesUnderItsFanOutDirectoryReadableOnlyByOwner) {
    std::string hash = *blobs_->Put("document");

    struct stat info {};
    ASSERT_EQ(::stat(PathOf(hash).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_EQ(AllFiles(), std::vector<std::filesystem::path>{PathOf(hash)});
}

TEST_F(FileBlobStoreTest, PuttingExistingContentChangesNothing) {
    std::string hash = *blobs_->Put("same bytes");
    struct stat before {};
    ASSERT_EQ(::stat(PathOf(hash).c_str(), &before), 0);

    auto again = blobs_->Put("same bytes");

    ASSERT_TRUE(again);
    EXPECT_EQ(*again, hash);
    struct stat after {};
    ASSERT_EQ(::stat(PathOf(hash).c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino);
    EXPECT_EQ(AllFiles().size(), 1u);
}

TEST_F(FileBlobStoreTest, ConcurrentPutsOfTheSameBytesLeaveOneWholeFile) {
    std::string bytes(200000, 'q');
    std::vector<std::thread> threads;
    std::vector<std::string> hashes(8);
    for (std::size_t t = 0; t < hashes.size(); ++t) {
        threads.emplace_back([&, t] {
            auto hash = blobs_->Put(bytes);
            if (hash) hashes[t] = *hash;
        });
    }
    for (std::thread& thread : threads) thread.join();

    for (const std::string& hash : hashes) EXPECT_EQ(hash, Sha256Hex(bytes));
    EXPECT_EQ(AllFiles().size(), 1u);
    EXPECT_EQ(*blobs_->Get(Sha256Hex(bytes)), bytes);
}

TEST_F(FileBlobStoreTest, UnknownBlobIsNotFound) {
    auto missing = blobs_->Get(Sha256Hex("never stored"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(FileBlobStoreTest, MalformedNamesAreRefusedBeforeTouchingTheDisk) {
    // A file outside the blob directory that a path-escaping name could reach.
    std::ofstream(dir_.path() / "secret") << "not a blob";
    std::string valid = Sha256Hex("x");
    std::string upper = valid;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

    for (std::string name :
         {std::string(), std::string("../secret"), valid.substr(0, 63), valid + "0", upper,
          "../" + valid.substr(3), "ab/../../secret" + std::string(49, 'a'),
          std::string(valid).replace(10, 1, std::string(1, '\0')),
          std::string(valid).replace(0, 2, "..")}) {
        SCOPED_TRACE(name);
        auto got = blobs_->Get(name);
        ASSERT_FALSE(got);
        EXPECT_EQ(got.error().code, ErrorCode::kInvalidRequest);
    }
}

TEST_F(FileBlobStoreTest, DamagedBlobIsReportedNotServed) {
    std::string hash = *blobs_->Put("original");
    std::ofstream(PathOf(hash), std::ios::binary | std::ios::trunc) << "tampered";

    auto got = blobs_->Get(hash);

    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, ErrorCode::kInternal);
    EXPECT_EQ(got.error().message.find("tampered"), std::string::npos);
}

TEST_F(FileBlobStoreTest, PutRepairsATruncatedBlob) {
    std::string hash = *blobs_->Put("whole document");
    std::ofstream(PathOf(hash), std::ios::binary | std::ios::trunc) << "whole";

    ASSERT_TRUE(blobs_->Put("whole document"));

    EXPECT_EQ(*blobs_->Get(hash), "whole document");
    EXPECT_EQ(AllFiles().size(), 1u);
}

TEST(FileBlobStoreOpen, CreatesTheDirectory) {
    TempDir dir;
    auto root = dir.path() / "a" / "b";
    auto blobs = OpenFileBlobStore(root);
    ASSERT_TRUE(blobs);
    EXPECT_TRUE(std::filesystem::is_directory(root));
    EXPECT_TRUE((*blobs)->Put("x"));
}

}  // namespace
}  // namespace quire::store
