// The subcommands of the `upgate` program. Each lives in its own file and adds
// itself to the application; main.cpp only lists them.
#pragma once

#include <CLI/CLI.hpp>

namespace upgate::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed (server said no, I/O error)
inline constexpr int kExitUsage = 2;    // bad arguments, configuration or environment

// Each register_* adds one subcommand; its callback stores the exit code in
// `exit_code` (CLI11 callbacks return void).
void register_presign(CLI::App& app, int& exit_code);
void register_presign_post(CLI::App& app, int& exit_code);
void register_aws_policy(CLI::App& app, int& exit_code);
void register_store(CLI::App& app, int& exit_code);
void register_serve(CLI::App& app, int& exit_code);
void register_upload(CLI::App& app, int& exit_code);
void register_bucket(CLI::App& app, int& exit_code);
// `upgate bucket lifecycle`, under the `bucket` command (bucket_lifecycle_command.cpp).
void register_bucket_lifecycle(CLI::App& bucket, int& exit_code);
// `upgate bucket notifications`: RGW's bucket notifications to upgate's events route.
void register_bucket_notifications(CLI::App& bucket, int& exit_code);
void register_apikey(CLI::App& app, int& exit_code);
void register_check_config(CLI::App& app, int& exit_code);
void register_webhooks(CLI::App& app, int& exit_code);

}  // namespace upgate::cli
