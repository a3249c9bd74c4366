// Environment lookups: the process's, or a fixed map for tests.
#include "upgate/config/environment.hpp"

#include <cstdlib>

namespace upgate::config {

Environment Environment::process() {
  Environment env;
  env.use_process_ = true;
  return env;
}

Environment Environment::from(std::map<std::string, std::string, std::less<>> variables) {
  Environment env;
  env.variables_ = std::move(variables);
  return env;
}

std::optional<std::string> Environment::get(std::string_view name) const {
  if (use_process_) {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  }
  const auto it = variables_.find(name);
  if (it == variables_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace upgate::config
