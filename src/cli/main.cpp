// upgate: direct-to-object-storage uploads with SigV4 presigned URLs.
#include <cstdio>
#include <iostream>

#include "build_info.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"upgate: direct-to-object-storage upload gateway (SigV4 presigned URLs)", "upgate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("upgate ") + upgate::cli::kVersion + " (commit " +
                                        upgate::cli::kCommit + ")");

  int exit_code = upgate::cli::kExitOk;
  upgate::cli::register_presign(app, exit_code);
  upgate::cli::register_presign_post(app, exit_code);
  upgate::cli::register_aws_policy(app, exit_code);
  upgate::cli::register_store(app, exit_code);
  upgate::cli::register_serve(app, exit_code);
  upgate::cli::register_upload(app, exit_code);
  upgate::cli::register_bucket(app, exit_code);
  upgate::cli::register_apikey(app, exit_code);
  upgate::cli::register_check_config(app, exit_code);
  upgate::cli::register_webhooks(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, and the usage exit code every subcommand documents.
    std::cerr << "upgate: " << e.what() << " (see --help)\n";
    return upgate::cli::kExitUsage;
  }
  return exit_code;
}
