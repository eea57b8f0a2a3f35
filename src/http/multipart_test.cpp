#include <gtest/gtest.h>

#include "http/server.hpp"

namespace quire::http {
namespace {

using namespace std::string_literals;

struct ExpectedPart {
    std::string name;
    std::string file_name;
    std::string content_type;
    std::string data;
};

struct MultipartCase {
    std::string label;
    std::string content_type;
    std::string body;
    std::vector<ExpectedPart> parts;
};

void ExpectParts(const MultipartCase& row) {
    SCOPED_TRACE(row.label);
    auto parsed = ParseMultipart(row.content_type, row.body);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), row.parts.size());
    for (std::size_t i = 0; i < row.parts.size(); ++i) {
        SCOPED_TRACE(i);
        const FormPart& got = (*parsed)[i];
        EXPECT_EQ(got.name, row.parts[i].name);
        EXPECT_EQ(got.file_name, row.parts[i].file_name);
        EXPECT_EQ(got.content_type, row.parts[i].content_type);
        EXPECT_EQ(got.data, row.parts[i].data);
    }
}

// Everything a binary upload may contain that looks like framing but is not: dashes, CRLFs, the
// boundary without its leading CRLF, the boundary as a prefix of a longer word, and NUL bytes.
const std::string kTrickyData =
    "--\r\n\r\n--XY\r\n--XyZ-not-it\r\n--XyZsuffix\r\n-XyZ\0\x01\xff\r\n\r"s;

TEST(ParseMultipart, AcceptsWellFormedBodies) {
    const std::vector<MultipartCase> cases = {
        {"one field",
         "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ncontext\r\n--b--\r\n",
         {{"purpose", "", "", "context"}}},
        {"quoted boundary with spaces",
         "multipart/form-data; boundary=\"a b:c\"",
         "--a b:c\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--a b:c--",
         {{"x", "", "", "1"}}},
        {"case-insensitive media type and parameter name",
         "Multipart/Form-Data; charset=utf-8; Boundary=b",
         "--b\r\ncontent-disposition: FORM-DATA; NAME=\"x\"\r\n\r\n1\r\n--b--",
         {{"x", "", "", "1"}}},
        {"binary data with framing look-alikes",
         "multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" +
             kTrickyData + "\r\n--XyZ--\r\n",
         {{"file", "blob.bin", "application/octet-stream", kTrickyData}}},
        {"data ending in CRLF keeps it",
         "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=f\r\n\r\nline\r\n\r\n--b--",
         {{"f", "", "", "line\r\n"}}},
        {"empty data",
         "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=f; filename=\"\"\r\n\r\n\r\n--b--",
         {{"f", "", "", ""}}},
        {"preamble, padding after the boundary, epilogue",
         "multipart/form-data; boundary=b",
         "ignored preamble\r\n--b \t\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
         "--b\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n--b--\r\nignored epilogue",
         {{"a", "", "", "1"}, {"b", "", "", "2"}}},
        {"escaped quote in file name",
         "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"say \\\"hi\\\".csv\"\r\n"
         "\r\nx\r\n--b--",
         {{"file", "say \"hi\".csv", "", "x"}}},
        {"filename* wins over filename",
         "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=file; filename=\"cafe.csv\"; "
         "filename*=UTF-8''caf%C3%A9%20v2.csv\r\n\r\nx\r\n--b--",
         {{"file", "caf\xC3\xA9 v2.csv", "", "x"}}},
        {"undecodable filename* leaves filename",
         "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=file; filename=\"plain.csv\"; "
         "filename*=UTF-8''bad%zz\r\n\r\nx\r\n--b--",
         {{"file", "plain.csv", "", "x"}}},
    };
    for (const auto& row : cases) ExpectParts(row);
}

// Captured from `curl -F file=@sales.csv -F purpose=context` (curl 7.88.1).
TEST(ParseMultipart, ReadsABodyMadeByCurl) {
    const std::string boundary = "------------------------e4d317c039d30f46";
    const std::string body =
        "--" + boundary +
        "\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"sales.csv\"\r\n"
        "Content-Type: application/octet-stream\r\n"
        "\r\n"
        "region,revenue\nnorth,100\nsouth,\"1,200\"\n"
        "\r\n--" +
        boundary +
        "\r\n"
        "Content-Disposition: form-data; name=\"purpose\"\r\n"
        "\r\n"
        "context\r\n"
        "--" +
        boundary + "--\r\n";
    ASSERT_EQ(body.size(), 343u);  // the Content-Length curl sent
    ExpectParts({"curl -F",
                 "multipart/form-data; boundary=" + boundary,
                 body,
                 {{"file", "sales.csv", "application/octet-stream",
                   "region,revenue\nnorth,100\nsouth,\"1,200\"\n"},
                  {"purpose", "", "", "context"}}});
}

struct MalformedCase {
    std::string label;
    std::string content_type;
    std::string body;
};

TEST(ParseMultipart, RejectsMalformedInput) {
    const std::string part = "Content-Disposition: form-data; name=x\r\n\r\n1\r\n";
    const std::vector<MalformedCase> cases = {
        {"another media type", "application/json", "--b\r\n" + part + "--b--"},
        {"no boundary parameter", "multipart/form-data", "--b\r\n" + part + "--b--"},
        {"empty boundary", "multipart/form-data; boundary=", "--\r\n" + part + "----"},
        {"boundary over 70 characters", "multipart/form-data; boundary=" + std::string(71, 'b'),
         "--" + std::string(71, 'b') + "\r\n" + part + "--" + std::string(71, 'b') + "--"},
        {"unterminated quoted boundary", "multipart/form-data; boundary=\"b", "--b\r\n" + part},
        {"no delimiter in the body", "multipart/form-data; boundary=b", "just text"},
        {"no close delimiter", "multipart/form-data; boundary=b", "--b\r\n" + part},
        {"only a close delimiter", "multipart/form-data; boundary=b", "--b--\r\n"},
        {"part without Content-Disposition", "multipart/form-data; boundary=b",
         "--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--"},
        {"part without headers", "multipart/form-data; boundary=b", "--b\r\n\r\n1\r\n--b--"},
        {"disposition not form-data", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: attachment; name=x\r\n\r\n1\r\n--b--"},
        {"part without a name", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; filename=\"a.csv\"\r\n\r\n1\r\n--b--"},
        {"empty name", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--b--"},
        {"headers that never end", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=x\r\n--b--"},
        {"header line without a colon", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=x\r\ngarbage\r\n\r\n1\r\n--b--"},
        {"unterminated quoted name", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\n1\r\n--b--"},
        {"parameter without a value", "multipart/form-data; boundary=b",
         "--b\r\nContent-Disposition: form-data; name\r\n\r\n1\r\n--b--"},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.label);
        auto parsed = ParseMultipart(row.content_type, row.body);
        ASSERT_FALSE(parsed);
        EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidRequest);
        EXPECT_FALSE(parsed.error().message.empty());
    }
}

TEST(ParseMultipart, EveryTruncationOfAValidBodyIsRejectedCleanly) {
    const std::string content_type = "multipart/form-data; boundary=XyZ";
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\n\r\n" +
        kTrickyData + "\r\n--XyZ--";
    ASSERT_TRUE(ParseMultipart(content_type, body));
    for (std::size_t size = 0; size < body.size(); ++size) {
        auto parsed = ParseMultipart(content_type, std::string_view(body).substr(0, size));
        EXPECT_FALSE(parsed) << "prefix of " << size << " bytes parsed";
    }
}

}  // namespace
}  // namespace quire::http
