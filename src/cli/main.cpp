#include <CLI/CLI.hpp>

#include "cli/client_commands.hpp"
#include "cli/doc_commands.hpp"
#include "cli/serve_command.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
    // Commands other than `serve` log only warnings, and never on standard output.
    quire::InitLogging("warn");
    CLI::App app{"Quire: a self-hosted document agent server"};
    app.require_subcommand(1);
    quire::cli::AddServerCommands(app);
    quire::cli::AddClientCommands(app);
    quire::cli::AddDocCommands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();  // a client command's own status, already reported
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    return 0;
}
