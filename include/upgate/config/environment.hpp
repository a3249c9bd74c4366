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

}  // namespace upgate::config
