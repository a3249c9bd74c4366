// `upgate store backup DEST`, `upgate store restore BACKUP --data-dir DIR` and
// `upgate store fsck [--repair]`: subcommands of `upgate store` that work on a data
// directory instead of serving it.
#pragma once

#include <CLI/CLI.hpp>

namespace upgate::cli {

void register_store_maintenance(CLI::App& store_command, int& exit_code);

}  // namespace upgate::cli
