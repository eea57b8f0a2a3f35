#pragma once

namespace CLI {
class App;
}

namespace quire::cli {

// Registers `serve`, `keys` (create, list, revoke) and `doc` (outline) on the app.
void AddServerCommands(CLI::App& app);

}  // namespace quire::cli
