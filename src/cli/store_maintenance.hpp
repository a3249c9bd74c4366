// `upgate store backup DEST`, `upgate store restore BACKUP --data-dir DIR` and
// `upgate store fsck [--repair]`: subcommands of `upgate store` that work on a data
// directory instead of serving it.
#pragma once

// Declared only: what adds the flags includes CLI11, whose cost (~10 s a source) the
// sources that merely use these types do not pay.
namespace CLI {
class App;
}  // namespace CLI

namespace upgate::cli {

void register_store_maintenance(CLI::App& store_command, int& exit_code);

}  // namespace upgate::cli
