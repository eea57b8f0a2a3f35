#pragma once

namespace CLI {
class App;
}

namespace quire::cli {

// Registers `serve` and `keys` (create, list, revoke) on the app.
void AddServerCommands(CLI::App& app);

}  // namespace quire::cli
