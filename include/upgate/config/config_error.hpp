// upgate::config::ConfigError: why a configuration was refused, naming the field.
//
// Start-up stops on a ConfigError and prints `describe()`, so the message must say
// which field is wrong and why ("profiles.avatars.max_size: must be between 1 byte and
// 5 TiB"). The field uses the config file's dotted path, the env var or the flag name,
// whichever the value came from. Messages never quote a secret.
#pragma once

#include <string>

#include "upgate/expected.hpp"

namespace upgate::config {

struct ConfigError {
  std::string field;    // "profiles.avatars.max_size", "AWS_PROFILE", "--listen"
  std::string message;  // what is wrong and what is expected

  std::string describe() const { return field.empty() ? message : field + ": " + message; }
};

// The refusal of a field as an Expected's error: `return fail("--threads", "must be ...");`.
inline Unexpected<ConfigError> fail(std::string field, std::string message) {
  return Unexpected(ConfigError{std::move(field), std::move(message)});
}

}  // namespace upgate::config
