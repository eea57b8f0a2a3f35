#include "convert/export_options.hpp"

#include <gtest/gtest.h>

#include <set>

namespace quire::convert {
namespace {

std::string Normalised(TargetFormat target, const OptionInput& input) {
    auto options = ParseExportOptions(target, input);
    EXPECT_TRUE(options) << (options ? "" : options.error().message);
    return options ? NormalisedOptions(target, *options) : "";
}

TEST(ExportOptions, DefaultsNormaliseLikeAbsentOptions) {
    EXPECT_EQ(Normalised(TargetFormat::kPng, {}), Normalised(TargetFormat::kPng, {{"dpi", "110"}}));
    EXPECT_EQ(Normalised(TargetFormat::kCsv, {}),
              Normalised(TargetFormat::kCsv, {{"raw", "false"}}));
    EXPECT_NE(Normalised(TargetFormat::kPng, {}), Normalised(TargetFormat::kPng, {{"dpi", "72"}}));
    EXPECT_NE(Normalised(TargetFormat::kCsv, {{"sheet", "Data"}}),
              Normalised(TargetFormat::kCsv, {{"sheet", "Data"}, {"raw", "true"}}));
    EXPECT_EQ(Normalised(TargetFormat::kPdf, {}), "");
}

TEST(ExportOptions, UnknownOptionsAreRefusedWithWhatTheTargetTakes) {
    auto pdf = ParseExportOptions(TargetFormat::kPdf, {{"dpi", "110"}});
    ASSERT_FALSE(pdf);
    EXPECT_EQ(pdf.error().message, "options.dpi is not an option of pdf exports; it takes none");
    auto csv = ParseExportOptions(TargetFormat::kCsv, {{"delimiter", ";"}});
    ASSERT_FALSE(csv);
    EXPECT_EQ(csv.error().message,
              "options.delimiter is not an option of csv exports; it takes: sheet, raw");
}

TEST(ExportOptions, BadValuesNameTheOption) {
    struct Row {
        TargetFormat target;
        OptionInput input;
        std::string message;
    };
    const Row rows[] = {
        {TargetFormat::kPng, {{"dpi", "35"}}, "options.dpi must be an integer from 36 to 600"},
        {TargetFormat::kPng, {{"dpi", "601"}}, "options.dpi must be an integer from 36 to 600"},
        {TargetFormat::kPng, {{"dpi", "1e2"}}, "options.dpi must be an integer from 36 to 600"},
        {TargetFormat::kCsv, {{"raw", "yes"}}, "options.raw must be true or false"},
        {TargetFormat::kCsv, {{"sheet", ""}}, "options.sheet must be a sheet name"},
    };
    for (const Row& row : rows) {
        auto options = ParseExportOptions(row.target, row.input);
        ASSERT_FALSE(options) << row.message;
        EXPECT_EQ(options.error().code, ErrorCode::kInvalidRequest);
        EXPECT_EQ(options.error().message, row.message);
    }
}

TEST(ExportCacheKey, EveryPartChangesTheKey) {
    std::string sha(64, 'a');
    std::set<std::string> keys = {
        ExportCacheKey(sha, TargetFormat::kPng, "dpi=110", "v1", "a.xlsx"),
        ExportCacheKey(std::string(64, 'b'), TargetFormat::kPng, "dpi=110", "v1", "a.xlsx"),
        ExportCacheKey(sha, TargetFormat::kPdf, "dpi=110", "v1", "a.xlsx"),
        ExportCacheKey(sha, TargetFormat::kPng, "dpi=72", "v1", "a.xlsx"),
        ExportCacheKey(sha, TargetFormat::kPng, "dpi=110", "v2", "a.xlsx"),
        ExportCacheKey(sha, TargetFormat::kPng, "dpi=110", "v1", "b.xlsx"),
    };
    EXPECT_EQ(keys.size(), 6u);
    EXPECT_EQ(ExportCacheKey(sha, TargetFormat::kPng, "dpi=110", "v1", "a.xlsx"),
              ExportCacheKey(sha, TargetFormat::kPng, "dpi=110", "v1", "a.xlsx"));
    EXPECT_EQ(ExportCacheKey(sha, TargetFormat::kPdf, "", "v", "").size(), 64u);
}

// Two uploads of the same bytes under different names shared one PDF, whose footer printed the
// name of the first.
TEST(ExportCacheKey, TheNameTheConverterSeesIsPartOfTheKey) {
    std::string sha(64, 'a');
    EXPECT_NE(ExportCacheKey(sha, TargetFormat::kPdf, "", "v1", "Budget.xlsx"),
              ExportCacheKey(sha, TargetFormat::kPdf, "", "v1", "Forecast.xlsx"));
}

TEST(ExportCacheKey, PartsCannotRunIntoEachOther) {
    std::string sha(64, 'a');
    EXPECT_NE(ExportCacheKey(sha, TargetFormat::kCsv, "raw=0;sheet=a", "b", ""),
              ExportCacheKey(sha, TargetFormat::kCsv, "raw=0;sheet=", "ab", ""));
    EXPECT_NE(ExportCacheKey(sha, TargetFormat::kPdf, "", "v1", "x.xlsx"),
              ExportCacheKey(sha, TargetFormat::kPdf, "", "v1x", ".xlsx"));
}

}  // namespace
}  // namespace quire::convert
