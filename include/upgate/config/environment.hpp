// upgate::config::Environment: read-only access to environment variables.
//
// Configuration code reads variables through this instead of getenv, so tests describe
// the environment as a map and never mutate the process's own. An empty value counts as
// unset, as the AWS SDKs treat it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::config {

class Environment {
 public:
  // The process environment (getenv at each call).
  static Environment process();
  // A fixed set of variables, for tests and for embedding.
  static Environment from(std::map<std::string, std::string, std::less<>> variables);

  // The value, or nullopt when unset or empty.
  std::optional<std::string> get(std::string_view name) const;

 private:
  bool use_process_ = false;
  std::map<std::string, std::string, std::less<>> variables_;
};

// A setting that a command-line flag or, failing that, an environment variable
// may override: when the flag was given it wins, else a set variable does, and
// `value` and `field` (the name an error message will blame) are replaced;
// otherwise both keep what an earlier source (a config file) gave them.
void override_setting(const Environment& env, const std::optional<std::string>& flag,
                      std::string_view flag_name, std::string_view variable,
                      std::optional<std::string>& value, std::string& field);

}  // namespace upgate::config
