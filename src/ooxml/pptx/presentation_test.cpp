#include "ooxml/pptx/presentation.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ooxml/package/package.hpp"
#include "ooxml/package/xml.hpp"
#include "shared_dir.hpp"

namespace quire::pptx {
namespace {

using ooxml::Package;

constexpr std::string_view kSlideContentType =
    "application/vnd.openxmlformats-officedocument.presentationml.slide+xml";
constexpr std::string_view kLayoutContentType =
    "application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml";

using quire::test_support::SharedDir;

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct CorpusFile {
    std::string path;  // relative to the corpus folder: "pptx/x.pptx"
    std::string features;
    bool hostile() const { return features.starts_with("hostile:"); }
};

std::vector<CorpusFile> CorpusDecks() {
    std::vector<CorpusFile> files;
    for (const test_support::CorpusEntry& entry : test_support::CorpusManifest()) {
        if (entry.path.starts_with("pptx/")) files.push_back({entry.path, entry.features});
    }
    return files;
}

std::string ReadCorpus(std::string_view path) { return ReadFile(SharedDir() / "corpus" / path); }

Package OpenOk(const std::string& bytes) {
    auto package = Package::Open(bytes);
    EXPECT_TRUE(package.has_value()) << (package ? "" : package.error().message);
    return package ? std::move(*package) : Package::Create();
}

boost::json::array OutlineSlides(const std::string& pptx) {
    auto json = OutlineJson(pptx);
    EXPECT_TRUE(json.has_value()) << (json ? "" : json.error().message);
    if (!json) return {};
    return boost::json::parse(*json).as_object().at("slides").as_array();
}

std::string Build(std::string_view title, std::string_view subtitle) {
    auto pptx = BuildPresentation(title, subtitle);
    EXPECT_TRUE(pptx.has_value()) << (pptx ? "" : pptx.error().message);
    return pptx ? *pptx : std::string();
}

std::string Append(const std::string& pptx, std::string_view title, std::string_view body) {
    auto appended = AppendSlide(pptx, title, body);
    EXPECT_TRUE(appended.has_value()) << (appended ? "" : appended.error().message);
    return appended ? *appended : std::string();
}

// The slide ids of presentation.xml in order, whatever the prefix.
std::vector<unsigned> SlideIds(const Package& package) {
    std::vector<unsigned> ids;
    const std::string main = *package.MainPart();
    auto doc = ooxml::ParseXml(*package.ReadPart(main), main, 1000);
    if (!doc) return ids;
    const char* path = "/*/*[local-name()='sldIdLst']/*[local-name()='sldId']";
    for (pugi::xpath_node node : (*doc)->select_nodes(path)) {
        ids.push_back(node.node().attribute("id").as_uint());
    }
    return ids;
}

// The part the last slide's layout relationship points at.
std::string LayoutOf(const Package& package, const std::string& slide) {
    auto rels = package.Relationships(slide);
    if (!rels) return {};
    for (const auto& rel : *rels) {
        if (rel.type.ends_with("/slideLayout")) return Package::ResolveTarget(slide, rel.target);
    }
    return {};
}

// The slide part that `after` has and `before` has not.
std::string AddedSlide(const Package& before, const Package& after) {
    for (const std::string& part : after.PartNames()) {
        if (!before.HasPart(part) && !part.ends_with(".rels")) return part;
    }
    return {};
}

std::string RelsOf(const std::string& part) {
    const auto slash = part.rfind('/');
    return part.substr(0, slash + 1) + "_rels/" + part.substr(slash + 1) + ".rels";
}

TEST(Presentation, BuildMakesAValidSixteenByNineDeckWithATitleSlide) {
    const std::string pptx = Build("Quarterly review", "Prepared by Quire");
    ASSERT_TRUE(Validate(pptx).has_value());
    EXPECT_EQ(OutlineSlides(pptx),
              boost::json::parse(R"([{"index":1,"title":"Quarterly review"}])").as_array());

    const Package package = OpenOk(pptx);
    for (const std::string_view part :
         {"ppt/presentation.xml", "ppt/slideMasters/slideMaster1.xml",
          "ppt/slideLayouts/slideLayout1.xml", "ppt/slides/slide1.xml", "ppt/theme/theme1.xml",
          "ppt/presProps.xml", "ppt/viewProps.xml", "ppt/tableStyles.xml", "docProps/core.xml",
          "docProps/app.xml"}) {
        EXPECT_TRUE(package.HasPart(part)) << part;
    }
    for (const std::string& part : package.PartNames()) {
        SCOPED_TRACE(part);
        EXPECT_TRUE(package.ContentType(part).has_value());
        EXPECT_TRUE(ooxml::ParseXml(*package.ReadPart(part), part).has_value());
        auto rels = package.Relationships(part);
        ASSERT_TRUE(rels.has_value());
        for (const auto& rel : *rels) {
            EXPECT_TRUE(package.HasPart(Package::ResolveTarget(part, rel.target))) << rel.target;
        }
    }
    const std::string presentation = *package.ReadPart("ppt/presentation.xml");
    EXPECT_NE(presentation.find(R"(<p:sldSz cx="12192000" cy="6858000"/>)"), std::string::npos);
    EXPECT_EQ(SlideIds(package), std::vector<unsigned>{256});
    const std::string slide = *package.ReadPart("ppt/slides/slide1.xml");
    EXPECT_NE(slide.find("Prepared by Quire"), std::string::npos);
    EXPECT_NE(slide.find(R"(<p:ph type="subTitle" idx="1"/>)"), std::string::npos);
}

TEST(Presentation, BuildEscapesTextAndSplitsLines) {
    const std::string pptx = Build("A & B <c>", "line one\nline \x01two");
    ASSERT_TRUE(Validate(pptx).has_value());
    const Package package = OpenOk(pptx);
    const std::string slide = *package.ReadPart("ppt/slides/slide1.xml");
    EXPECT_NE(slide.find("<a:t>A &amp; B &lt;c&gt;</a:t>"), std::string::npos);
    EXPECT_NE(slide.find("<a:t>line one</a:t></a:r></a:p><a:p><a:r><a:rPr lang=\"en-US\" "
                         "dirty=\"0\"/><a:t>line two</a:t>"),
              std::string::npos)
        << slide;
    EXPECT_EQ(OutlineSlides(pptx)[0].as_object().at("title"), "A & B <c>");
}

TEST(Presentation, AppendSlideAddsASlideWithAFreshIdAndTheLayout) {
    const std::string first = Append(Build("Deck", "Intro"), "Second", "Body text");
    const std::string second = Append(first, "Third", "");
    ASSERT_TRUE(Validate(second).has_value());
    EXPECT_EQ(OutlineSlides(second), boost::json::parse(R"([{"index":1,"title":"Deck"},
        {"index":2,"title":"Second"},{"index":3,"title":"Third"}])")
                                         .as_array());

    const Package package = OpenOk(second);
    EXPECT_EQ(SlideIds(package), (std::vector<unsigned>{256, 257, 258}));
    EXPECT_EQ(package.ContentType("ppt/slides/slide3.xml"), std::string(kSlideContentType));
    EXPECT_EQ(LayoutOf(package, "ppt/slides/slide2.xml"), "ppt/slideLayouts/slideLayout1.xml");
    const std::string slide = *package.ReadPart("ppt/slides/slide2.xml");
    EXPECT_NE(slide.find("<a:t>Body text</a:t>"), std::string::npos);
    EXPECT_NE(slide.find(R"(<p:ph type="title"/>)"), std::string::npos);
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

TEST(Presentation, AppendSlideMatchesElementsByNamespaceNotPrefix) {
    Package package = OpenOk(Build("Deck", "Intro"));
    std::string xml = *package.ReadPart("ppt/presentation.xml");
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"<p:", "<pr:"},
                                                          {"</p:", "</pr:"},
                                                          {"xmlns:p=", "xmlns:pr="},
                                                          {" r:id=", " rel:id="},
                                                          {"xmlns:r=", "xmlns:rel="}}) {
        xml = ReplaceAll(xml, from, to);
    }
    package.WritePart("ppt/presentation.xml", xml);
    const std::string appended = Append(*package.Save(), "Second", "Body");
    ASSERT_TRUE(Validate(appended).has_value());
    const std::string presentation = *OpenOk(appended).ReadPart("ppt/presentation.xml");
    EXPECT_NE(presentation.find(R"(<pr:sldId id="257" rel:id="rId7"/></pr:sldIdLst>)"),
              std::string::npos)
        << presentation;
    EXPECT_EQ(OutlineSlides(appended).size(), 2u);
}

TEST(Presentation, AppendSlideKeepsAStrictDeckStrict) {
    const std::string appended =
        Append(ReadCorpus("pptx/oxsdk-algn_tab_tabalignment.pptx"), "Strict title", "Body");
    ASSERT_TRUE(Validate(appended).has_value());
    const Package package = OpenOk(appended);
    const std::string slide = *package.ReadPart("ppt/slides/slide2.xml");
    EXPECT_NE(slide.find(R"(xmlns:p="http://purl.oclc.org/ooxml/presentationml/main")"),
              std::string::npos);
    auto rels = package.Relationships("ppt/slides/slide2.xml");
    ASSERT_TRUE(rels.has_value() && rels->size() == 1);
    EXPECT_EQ((*rels)[0].type,
              "http://purl.oclc.org/ooxml/officeDocument/relationships/slideLayout");
    EXPECT_EQ(OutlineSlides(appended).back().as_object().at("title"), "Strict title");
}

TEST(Presentation, AppendSlideToADeckWithoutSlidesCreatesTheSlideList) {
    const std::string appended =
        Append(ReadCorpus("pptx/pptx-prs-slide-masters.pptx"), "First slide", "Body");
    const Package package = OpenOk(appended);
    const std::string presentation = *package.ReadPart("ppt/presentation.xml");
    const auto list = presentation.find("sldIdLst>");
    ASSERT_NE(list, std::string::npos);
    EXPECT_LT(presentation.find("sldMasterIdLst>"), list);
    EXPECT_LT(list, presentation.find("sldSz "));
    EXPECT_EQ(SlideIds(package), std::vector<unsigned>{256});
    EXPECT_EQ(OutlineSlides(appended).size(), 1u);
}

TEST(Presentation, AppendSlidePrefersTheTitleAndContentLayout) {
    const std::string before = ReadCorpus("pptx/pandoc-basic.pptx");
    const Package package = OpenOk(Append(before, "T", "B"));
    const std::string slide = AddedSlide(OpenOk(before), package);
    const std::string layout = LayoutOf(package, slide);
    ASSERT_FALSE(layout.empty()) << slide;
    EXPECT_NE(package.ReadPart(layout)->find(R"(type="obj")"), std::string::npos) << layout;
}

TEST(Presentation, AppendSlidePutsTheSlideInTheLastSection) {
    const std::string appended = Append(ReadCorpus("pptx/poi-bug64693.pptx"), "T", "B");
    const Package package = OpenOk(appended);
    const std::string presentation = *package.ReadPart("ppt/presentation.xml");
    EXPECT_EQ(SlideIds(package), (std::vector<unsigned>{306, 307}));
    EXPECT_NE(presentation.find(R"(<p14:section name="结束页" )"
                                R"(id="{3F9D54A7-3BE2-2540-BB4C-DFE5509085F3}"><p14:sldIdLst>)"
                                R"(<p14:sldId id="307"/></p14:sldIdLst>)"),
              std::string::npos);
}

TEST(PresentationCorpus, AppendSlideKeepsEveryOtherPartByteForByte) {
    std::size_t checked = 0;
    for (const CorpusFile& file : CorpusDecks()) {
        if (file.hostile()) continue;
        SCOPED_TRACE(file.path);
        const std::string before = ReadCorpus(file.path);
        const std::string after = Append(before, "Appended title", "Appended body");
        ASSERT_FALSE(after.empty());
        ASSERT_TRUE(Validate(after).has_value());

        const Package old_package = OpenOk(before);
        const Package new_package = OpenOk(after);
        const std::string main = *old_package.MainPart();
        const std::string main_rels = "ppt/_rels/presentation.xml.rels";
        const std::set<std::string> touched = {"[Content_Types].xml", main, main_rels};
        for (const std::string& part : old_package.PartNames()) {
            if (touched.contains(part)) continue;
            EXPECT_EQ(*old_package.ReadPart(part), *new_package.ReadPart(part)) << part;
        }
        ASSERT_EQ(new_package.PartNames().size(), old_package.PartNames().size() + 2);
        const std::string slide = AddedSlide(old_package, new_package);
        EXPECT_TRUE(new_package.HasPart(RelsOf(slide))) << slide;
        EXPECT_EQ(new_package.ContentType(slide), std::string(kSlideContentType));
        EXPECT_EQ(new_package.ContentType(LayoutOf(new_package, slide)),
                  std::string(kLayoutContentType));

        const std::vector<unsigned> old_ids = SlideIds(old_package);
        const std::vector<unsigned> new_ids = SlideIds(new_package);
        ASSERT_EQ(new_ids.size(), old_ids.size() + 1);
        for (const unsigned id : old_ids) EXPECT_GT(new_ids.back(), id);
        EXPECT_GE(new_ids.back(), 256u);

        const auto slides = OutlineSlides(after);
        EXPECT_EQ(slides.size(), OutlineSlides(before).size() + 1);
        EXPECT_EQ(slides.back().as_object().at("title"), "Appended title");
        ++checked;
    }
    EXPECT_GE(checked, 20u);
}

TEST(PresentationCorpus, OutlineListsEverySlideTheManifestCounts) {
    for (const CorpusFile& file : CorpusDecks()) {
        if (file.hostile()) continue;
        SCOPED_TRACE(file.path);
        const auto at = file.features.find("slides=");
        ASSERT_NE(at, std::string::npos);
        EXPECT_EQ(OutlineSlides(ReadCorpus(file.path)).size(),
                  std::stoul(file.features.substr(at + 7)));
    }
}

TEST(PresentationCorpus, HostileFilesAreRefusedWithAReason) {
    std::size_t refused = 0;
    for (const CorpusFile& file : CorpusDecks()) {
        if (!file.hostile()) continue;
        SCOPED_TRACE(file.path);
        const std::string bytes = ReadCorpus(file.path);
        const auto status = Validate(bytes);
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(status.error().message.empty());
        EXPECT_FALSE(AppendSlide(bytes, "x", "y").has_value());
        EXPECT_FALSE(OutlineJson(bytes).has_value());
        ++refused;
    }
    EXPECT_GE(refused, 3u);
}

struct OtherFormatCase {
    std::string path;
    std::string message;
};

TEST(PresentationCorpus, OtherFormatsAreRefusedAsNotPresentations) {
    const std::vector<OtherFormatCase> cases = {
        {"xlsx/oxsdk-basicspreadsheet.xlsx", "the file is a spreadsheet, not a presentation"},
        {"docx/pandoc-notes.docx", "the file is a Word document, not a presentation"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.path);
        const auto status = Validate(ReadCorpus(c.path));
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
        EXPECT_EQ(status.error().message, c.message);
    }
}

TEST(Presentation, ADeckListingAMissingSlideIsRefused) {
    Package package = OpenOk(Build("Deck", "Intro"));
    package.RemovePart("ppt/slides/slide1.xml");
    const std::string broken = *package.Save();
    const auto status = Validate(broken);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(status.error().message, "the presentation lists a slide that is missing");
    EXPECT_FALSE(AppendSlide(broken, "x", "y").has_value());
}

TEST(Presentation, BytesThatAreNotAPackageAreRefused) {
    for (const std::string& bytes : {std::string(), std::string("PK\x03\x04 not really")}) {
        const auto status = Validate(bytes);
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidRequest);
    }
}

}  // namespace
}  // namespace quire::pptx
