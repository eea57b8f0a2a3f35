#include "convert/compound_file.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace quire::convert {
namespace {

std::string Corpus(const std::string& name) {
    std::ifstream in(std::string(QUIRE_SHARED_DIR) + "/corpus/" + name, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

TEST(CompoundFile, EncryptedPackageIsFoundWhateverItsName) {
    std::string encrypted = Corpus("docx/poi-protected_agile.docx");
    ASSERT_FALSE(encrypted.empty());
    EXPECT_TRUE(IsCompoundFile(encrypted));
    EXPECT_FALSE(IsZip(encrypted));
    EXPECT_TRUE(IsEncryptedPackage(encrypted));
}

TEST(CompoundFile, PackageIsAZipAndNotEncrypted) {
    std::string package = Corpus("xlsx/poi-54764.xlsx");
    ASSERT_FALSE(package.empty());
    EXPECT_TRUE(IsZip(package));
    EXPECT_FALSE(IsCompoundFile(package));
    EXPECT_FALSE(IsEncryptedPackage(package));
}

TEST(CompoundFile, DamagedDirectoryIsNotTakenForAnEncryptedPackage) {
    std::string encrypted = Corpus("docx/poi-protected_agile.docx");
    ASSERT_GT(encrypted.size(), 1024u);
    struct Row {
        const char* what;
        std::string bytes;
    };
    std::string bad_shift = encrypted;
    bad_shift[0x1E] = 7;
    std::string far_directory = encrypted;
    far_directory.replace(0x30, 4, "\xF0\xFF\xFF\x0F", 4);
    std::string huge_fat = encrypted;
    huge_fat.replace(0x2C, 4, "\xFF\xFF\xFF\x0F", 4);
    for (const Row& row :
         {Row{"header only", encrypted.substr(0, 512)}, Row{"sector shift", bad_shift},
          Row{"directory sector", far_directory}, Row{"FAT sector count", huge_fat},
          Row{"truncated", encrypted.substr(0, 1024)}}) {
        SCOPED_TRACE(row.what);
        EXPECT_TRUE(IsCompoundFile(row.bytes));
        EXPECT_FALSE(IsEncryptedPackage(row.bytes));
    }
}

}  // namespace
}  // namespace quire::convert
