#include "cli/doc_commands.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/json_text.hpp"
#include "ooxml/docx/tools.hpp"
#include "ooxml/docx/word_document.hpp"
#include "ooxml/xlsx/tools.hpp"
#include "ooxml/xlsx/workbook.hpp"
#include "service/formats.hpp"

namespace quire::cli {
namespace {

namespace json = boost::json;

[[noreturn]] void Die(std::string_view message) {
    std::cerr << "quire: " << message << "\n";
    std::exit(1);
}

std::string ReadFileOrDie(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) Die(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// Writes through a temporary file and a rename, so a failed write never leaves half a document.
void WriteFileOrDie(const std::string& path, const std::string& bytes) {
    const std::string temporary = path + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out.flush()) Die(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        std::remove(temporary.c_str());
        Die(fmt::format("cannot write {}: {}", path, std::strerror(error)));
    }
}

service::DocumentFormat FormatOrDie(const std::string& file) {
    auto format = service::FormatFromFileName(file);
    if (!format) Die(file + ": not an .xlsx, .docx or .pptx file name");
    return *format;
}

// The calls file: a JSON array of {"tool": NAME, "args": {...}}.
json::array ReadCallsOrDie(const std::string& path) {
    boost::system::error_code ec;
    json::value calls = json::parse(ReadFileOrDie(path), ec);
    if (ec) Die(fmt::format("{}: not valid JSON ({})", path, ec.message()));
    if (!calls.is_array()) Die(path + ": expected a JSON array of {\"tool\", \"args\"} calls");
    for (std::size_t i = 0; i < calls.get_array().size(); ++i) {
        const json::value& call = calls.get_array()[i];
        const json::object* object = call.if_object();
        bool valid = object != nullptr && object->contains("tool") &&
                     object->at("tool").is_string() &&
                     (!object->contains("args") || object->at("args").is_object());
        if (!valid) {
            Die(
                fmt::format("{}: call {} must be an object with a string \"tool\" and an object "
                            "\"args\"",
                            path, i));
        }
    }
    return std::move(calls.get_array());
}

void PrintOutline(const std::string& file, bool text) {
    if (FormatOrDie(file) == service::DocumentFormat::kWord) {
        auto document = docx::WordDocument::Open(ReadFileOrDie(file));
        if (!document) Die(file + ": " + document.error().message);
        std::cout << (text ? document->OutlineText() : document->OutlineJson() + "\n")
                  << std::flush;
        return;
    }
    if (text) Die("--text is for Word documents");
    auto outline = service::OutlineDocument(FormatOrDie(file), ReadFileOrDie(file));
    if (!outline) Die(file + ": " + outline.error().message);
    std::cout << *outline << std::endl;
}

void PrintTools(const std::string& format) {
    if (format == "docx") {
        std::cout << docx::ToolSchemasJson() << std::endl;
        return;
    }
    if (format != "xlsx")
        Die(fmt::format("no tool set for '{}' yet; xlsx and docx have one", format));
    std::cout << xlsx::ToolSchemasJson() << std::endl;
}

// Runs the calls in order on any document with a tool set, printing one JSON line per call. The
// first failing call is printed with its error and ends the program before anything is saved.
template <typename Document, typename Call>
void RunCalls(Document& document, const json::array& calls, Call call_tool) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const json::object& call = calls[i].get_object();
        std::string tool(call.at("tool").get_string());
        static const json::object kNoArgs;
        const json::object* args = call.contains("args") ? &call.at("args").get_object() : &kNoArgs;
        auto result = call_tool(document, tool, *args);
        json::object line{{"call", i}, {"tool", tool}};
        if (!result) {
            line["error"] = json::object{{"code", ErrorCodeName(result.error().code)},
                                         {"message", result.error().message}};
            std::cout << JsonText(line) << std::endl;
            std::exit(1);
        }
        line["result"] = std::move(*result);
        std::cout << JsonText(line) << std::endl;
    }
}

// Runs the calls in order and prints one JSON line per call. The first failing call is printed
// with its error, and then nothing is written.
void ApplyCalls(const std::string& file, const std::string& calls_path, const std::string& out) {
    const service::DocumentFormat format = FormatOrDie(file);
    if (format == service::DocumentFormat::kSlides) {
        Die(file + ": only workbooks and Word documents have a tool set yet");
    }
    // The edited document keeps its format, so its name must say so.
    if (service::FormatFromFileName(out) != format) {
        Die(fmt::format("--out {}: the edited document is {} file; name it so", out,
                        format == service::DocumentFormat::kWord ? "a .docx" : "an .xlsx"));
    }
    json::array calls = ReadCallsOrDie(calls_path);
    Result<std::string> bytes;
    if (format == service::DocumentFormat::kWord) {
        auto document = docx::WordDocument::Open(ReadFileOrDie(file));
        if (!document) Die(file + ": " + document.error().message);
        RunCalls(*document, calls,
                 [](docx::WordDocument& d, std::string_view tool, const json::object& args) {
                     return docx::CallTool(d, tool, args);
                 });
        bytes = document->Save();
    } else {
        auto workbook = xlsx::Workbook::Open(ReadFileOrDie(file));
        if (!workbook) Die(file + ": " + workbook.error().message);
        RunCalls(*workbook, calls,
                 [](xlsx::Workbook& w, std::string_view tool, const json::object& args) {
                     return xlsx::CallTool(w, tool, args);
                 });
        bytes = workbook->Save();
    }
    if (!bytes) Die(file + ": " + bytes.error().message);
    WriteFileOrDie(out, *bytes);
}

void NewDocument(const std::string& file) {
    if (FormatOrDie(file) != service::DocumentFormat::kWord) {
        Die(file + ": `doc new` makes Word documents (.docx)");
    }
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(file, ec))) {
        Die(file + ": exists already; `doc new` does not replace a file");
    }
    auto bytes = docx::WordDocument::Create().Save();
    if (!bytes) Die(file + ": " + bytes.error().message);
    WriteFileOrDie(file, *bytes);
}

}  // namespace

void AddDocCommands(CLI::App& app) {
    auto* doc = app.add_subcommand("doc", "Inspect and edit documents with the agent's tools");
    doc->require_subcommand(1);

    auto file = std::make_shared<std::string>();
    auto text = std::make_shared<bool>(false);
    auto* outline = doc->add_subcommand("outline", "Print a document's outline as JSON");
    outline->add_option("FILE", *file, "An .xlsx, .docx or .pptx file")->required();
    outline->add_flag("--text", *text, "Word documents: the outline as a few lines of text");
    outline->callback([file, text] { PrintOutline(*file, *text); });

    auto format = std::make_shared<std::string>("xlsx");
    auto* tools = doc->add_subcommand("tools", "Print a format's tool schemas as a JSON array");
    tools->add_option("--format", *format, "The document format (xlsx or docx)")
        ->capture_default_str();
    tools->callback([format] { PrintTools(*format); });

    auto* create = doc->add_subcommand("new", "Write a new, empty Word document");
    create->add_option("FILE", *file, "The .docx file to write")->required();
    create->callback([file] { NewDocument(*file); });

    auto calls = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto* apply = doc->add_subcommand("apply", "Run tool calls on a document and save it");
    apply->add_option("FILE", *file, "The document to edit")->required();
    apply->add_option("--calls", *calls, "A JSON array of {\"tool\", \"args\"} calls")->required();
    apply->add_option("--out", *out, "Where to save the edited document")->required();
    apply->callback([file, calls, out] { ApplyCalls(*file, *calls, *out); });
}

}  // namespace quire::cli
