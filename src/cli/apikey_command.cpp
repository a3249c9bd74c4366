// `upgate apikey create`: a new API key for the [auth.api_keys] mode. The key is appended
// to the keys file (hashed; auth/api_keys.hpp says how the file is written) and its secret
// printed once, on stdout, alone on its line, so a script can capture it; what was
// created goes to stderr. The secret is never written anywhere else.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/auth/api_keys.hpp"

namespace upgate::cli {
namespace {

constexpr const char* kApikeyHelp =
    "Create an API key for servers and scripts ([auth.api_keys] in upgate.toml). The key is\n"
    "added, as its SHA-256, to the keys file (--keys-file, else auth.api_keys.keys_file of\n"
    "the configuration named by --config or UPGATE_CONFIG), which is created with mode 0600\n"
    "when missing. The secret (upk_...) is printed once, on stdout; keep it, it cannot be\n"
    "shown again. Clients send it as `Authorization: Bearer upk_...` or `X-Api-Key`.\n"
    "Revoke a key by deleting its line from the file, then reload (kill -HUP) the server.\n"
    "Errors: one line on stderr, exit code 2 (usage) or 1 (the file could not be written).";

struct CreateOptions {
  std::string principal;
  std::vector<std::string> profiles;
  std::optional<std::string> keys_file;
  api::ApiFlags flags;
};

int run_create(CreateOptions& options) {
  std::string keys_file = options.keys_file.value_or("");
  const bool want_config = options.flags.config_path || std::getenv("UPGATE_CONFIG") != nullptr;
  if (want_config) {
    options.flags.resolve_s3_target = false;
    auto config = api::load_api_config(config::Environment::process(), options.flags);
    if (!config) {
      std::cerr << "upgate apikey create: " << config.error().describe() << '\n';
      return kExitUsage;
    }
    if (keys_file.empty() && config->auth.api_keys) keys_file = config->auth.api_keys->keys_file;
    // A key for a profile the configuration does not have would never work.
    for (const std::string& profile : options.profiles) {
      const auto& all = config->profiles.profiles();
      const bool known = std::any_of(
          all.begin(), all.end(), [&](const api::UploadProfile& p) { return p.name == profile; });
      if (profile != "*" && !known) {
        std::cerr << "upgate apikey create: --profile " << profile << ": no such profile in "
                  << config->config_path << '\n';
        return kExitUsage;
      }
    }
  }
  if (keys_file.empty()) {
    std::cerr << "upgate apikey create: no keys file: pass --keys-file, or --config with "
                 "[auth.api_keys] keys_file\n";
    return kExitUsage;
  }
  auth::NewApiKey request;
  request.principal = options.principal;
  request.profiles = options.profiles;
  auto created = auth::create_api_key(
      keys_file, request,
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (!created) {
    std::cerr << "upgate apikey create: " << created.error() << '\n';
    return kExitFailure;
  }
  std::string profiles;
  for (const std::string& p : created->record.profiles)
    profiles += (profiles.empty() ? "" : ",") + p;
  std::cerr << "created API key " << created->record.id << " for principal \""
            << created->record.principal << "\" (profiles: " << profiles << ") in " << keys_file
            << "; the secret below is shown only now\n";
  std::cout << created->secret.reveal() << std::endl;
  return kExitOk;
}

}  // namespace

void register_apikey(CLI::App& app, int& exit_code) {
  CLI::App* apikey = app.add_subcommand("apikey", "API keys for servers and scripts");
  apikey->require_subcommand(1);
  auto options = std::make_shared<CreateOptions>();
  CLI::App* create = apikey->add_subcommand("create", kApikeyHelp);
  create
      ->add_option("--principal", options->principal,
                   "who the key authenticates as (the {principal} of key templates)")
      ->required();
  create->add_option("--profile", options->profiles,
                     "an upload profile the key may use (repeatable; default: all)");
  create->add_option("--keys-file", options->keys_file,
                     "the keys file (default: auth.api_keys.keys_file of the configuration)");
  create->add_option("--config", options->flags.config_path, "upgate.toml (UPGATE_CONFIG)");
  create->callback([options, &exit_code] { exit_code = run_create(*options); });
}

}  // namespace upgate::cli
