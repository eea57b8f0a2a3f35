#pragma once

namespace CLI {
class App;
}

namespace quire::cli {

// Registers `doc` with `outline` (a document's outline as JSON), `tools` (the tool schemas of a
// format) and `apply` (runs a file of tool calls on a document and saves the result).
void AddDocCommands(CLI::App& app);

}  // namespace quire::cli
