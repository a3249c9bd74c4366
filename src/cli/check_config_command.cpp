// `upgate check-config`: the checks `upgate serve` makes of its configuration before it
// listens, and a SIGHUP reload makes before it swaps (serve_runtime.hpp), without serving:
// exit 0 when serve would start with it, 2 with the same one-line message otherwise.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "serve_runtime.hpp"
#include "upgate/api/api_config.hpp"

namespace upgate::cli {
namespace {

constexpr const char* kCheckConfigHelp =
    "Check upgate.toml (--config, else UPGATE_CONFIG) and the environment as `upgate serve`\n"
    "would before it listens: every table and value, the open-API guard (no [auth] only on\n"
    "loopback unless allow_anonymous = true), and the authenticators (the keys file, the\n"
    "JWKS file, the secret's variable; jwks_url is fetched once, and a failure is only a\n"
    "warning, as at start-up). Run it before `kill -HUP` to know the reload will be taken.\n"
    "Exit code 0: serve would start; 2: it would not, and stderr says why in one line.";

struct CheckOptions {
  api::ApiFlags flags;
  ServeStoreFlags store;
};

int run_check(CheckOptions& options) {
  const auto refuse = [](const std::string& message) {
    std::cerr << "upgate check-config: " << message << '\n';
    return kExitUsage;
  };
  auto config = api::load_api_config(config::Environment::process(), options.flags);
  if (!config) return refuse(config.error().describe());
  auto listeners = checked_listeners(*config, options.store);
  if (!listeners) return refuse(listeners.error().message);
  auto auth = build_auth_chain(*config, nullptr, false);
  if (!auth) return refuse(auth.error().message);
  std::string modes;
  for (const auto mode : config->auth.modes)
    modes += (modes.empty() ? "" : ",") + std::string(auth::to_string(mode));
  std::cout << "ok: " << (config->config_path.empty() ? "no config file" : config->config_path)
            << "; " << config->profiles.profiles().size() << " profile(s); authentication: "
            << (modes.empty() ? "none (open API, loopback only)" : modes) << '\n';
  return kExitOk;
}

}  // namespace

void register_check_config(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand("check-config", kCheckConfigHelp);
  cmd->add_option("--config", options->flags.config_path, "upgate.toml (UPGATE_CONFIG)");
  cmd->add_option("--listen", options->flags.listen, "HOST:PORT serve would bind");
  cmd->add_option("--store-listen", options->store.listen, "HOST:PORT of the embedded store");
  cmd->add_option("--store-domain", options->flags.store_domain,
                  "base domain of the embedded store's virtual-hosted buckets");
  cmd->add_flag("--no-store", options->store.disabled, "serve would run without the store");
  cmd->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace upgate::cli
