// The fixture of the suites that read upgate.toml text (api_config, [auth], [limits], TLS,
// client limits, the demo page): a HOME of its own, so no ~/.aws file is read unless a test
// writes it; the text parsed as `upgate serve` parses it; and what a bad text is refused for.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "support/cases.hpp"
#include "support/temp_dir.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/config/environment.hpp"

namespace upgate::testing {

class ApiConfigFixture : public ::testing::Test {
 protected:
  using Variables = std::map<std::string, std::string, std::less<>>;

  // `vars` and HOME (the test's directory).
  config::Environment env(Variables vars = {}) {
    vars["HOME"] = dir.path();
    return config::Environment::from(std::move(vars));
  }
  Expected<api::ApiConfig, config::ConfigError> parse(std::optional<std::string_view> toml,
                                                      api::ApiFlags flags = {},
                                                      Variables vars = {}) {
    return api::parse_api_config(env(std::move(vars)), flags, toml);
  }
  // The refusal of a text that must be refused ({"<accepted>", ""} when it was not).
  config::ConfigError refusal(std::string_view toml, Variables vars = {}) {
    const auto config = parse(toml, {}, std::move(vars));
    EXPECT_FALSE(config) << toml;
    return config ? config::ConfigError{"<accepted>", ""} : config.error();
  }
  // The field a bad text is refused for.
  std::string refused_field(std::string_view toml) { return refusal(toml).field; }
  // A table of {text, the field it is refused for}.
  void expect_refused_fields(
      std::initializer_list<Case<std::string_view, std::string_view>> cases) {
    results_of([this](std::string_view toml) { return refused_field(toml); }).expect(cases);
  }

  TempDir dir;
};

}  // namespace upgate::testing
