#pragma once

// Helpers the xlsx engine's tests share: corpus files, opening and saving with a failed
// expectation instead of a crash, and looking at the parts of saved bytes.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "ooxml/package/package.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "shared_dir.hpp"

namespace quire::xlsx::workbook_testing {

// The bytes of a file of the shared corpus ("xlsx/poi-57181.xlsm").
inline std::string ReadCorpus(std::string_view name) {
    std::ifstream in(::quire::test_support::SharedDir() / "corpus" / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_FALSE(bytes.empty()) << "missing corpus file " << name;
    return bytes;
}

inline Workbook MustOpen(std::string bytes) {
    Result<Workbook> workbook = Workbook::Open(std::move(bytes));
    EXPECT_TRUE(workbook) << workbook.error().message;
    return std::move(*workbook);
}

inline std::string MustSave(const Workbook& workbook) {
    Result<std::string> bytes = workbook.Save();
    EXPECT_TRUE(bytes) << bytes.error().message;
    return bytes ? *bytes : std::string{};
}

inline ooxml::Package MustOpenPackage(const std::string& bytes) {
    Result<ooxml::Package> package = ooxml::Package::Open(bytes);
    EXPECT_TRUE(package) << package.error().message;
    return std::move(*package);
}

// One part's text of saved package bytes, "" (and a failed expectation) when it is missing.
inline std::string PartText(const std::string& bytes, std::string_view part) {
    ooxml::Package package = MustOpenPackage(bytes);
    Result<std::string> text = package.ReadPart(part);
    EXPECT_TRUE(text) << part;
    return text ? *text : std::string{};
}

inline std::map<std::string, std::string> AllParts(const std::string& bytes) {
    ooxml::Package package = MustOpenPackage(bytes);
    std::map<std::string, std::string> parts;
    for (const std::string& name : package.PartNames()) parts[name] = *package.ReadPart(name);
    return parts;
}

// Parts whose bytes differ between two packages, or that only one of them has.
inline std::set<std::string> ChangedParts(const std::string& before, const std::string& after) {
    std::map<std::string, std::string> a = AllParts(before);
    std::map<std::string, std::string> b = AllParts(after);
    std::set<std::string> changed;
    for (const auto& [name, text] : a) {
        if (!b.contains(name) || b[name] != text) changed.insert(name);
    }
    for (const auto& [name, text] : b) {
        if (!a.contains(name)) changed.insert(name);
    }
    return changed;
}

inline bool Contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace quire::xlsx::workbook_testing
