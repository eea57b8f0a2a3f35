#pragma once

// The Word tool set: every document operation an agent may call, with its JSON schema, as the
// Excel tool set does for workbooks (src/ooxml/xlsx/tools.hpp, whose ToolArgs it shares). A call
// gets a short JSON result or an error a model can correct; a failed call leaves the document as
// it was. `quire doc tools --format docx` prints the schemas and `quire doc apply` runs calls.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "ooxml/xlsx/tools.hpp"

namespace quire::docx {

class WordDocument;

struct DocumentTool {
    std::string name;
    std::string description;
    std::string input_schema;  // a JSON Schema object, as JSON text
    // Reads its arguments, calls args.Finish(), validates, and only then changes the document.
    std::function<Result<boost::json::value>(WordDocument&, xlsx::ToolArgs&)> run;
};

// Every Word tool, in a stable order: get_outline, read_section, insert_blocks, replace_text,
// move_block, delete_block, add_chart, add_bookmark, set_header_footer, set_page_setup,
// accept_all_changes, reject_all_changes.
const std::vector<DocumentTool>& DocumentTools();

// Runs one tool on the document. An unknown tool, bad arguments or a failed operation is an
// error prefixed with the tool's name.
Result<boost::json::value> CallTool(WordDocument& document, std::string_view name,
                                    const boost::json::object& args);

// The schemas as `quire doc tools --format docx` prints them.
std::string ToolSchemasJson();

}  // namespace quire::docx
