#include "upgate/config/environment.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace upgate::config {
namespace {

TEST(Environment, FixedMapTreatsEmptyAsUnset) {
  const auto env = Environment::from({{"A", "1"}, {"EMPTY", ""}});
  EXPECT_EQ(env.get("A"), "1");
  EXPECT_EQ(env.get("EMPTY"), std::nullopt);
  EXPECT_EQ(env.get("MISSING"), std::nullopt);
}

TEST(Environment, ProcessReadsRealVariables) {
  ::setenv("UPGATE_ENVIRONMENT_TEST_VAR", "value", 1);
  EXPECT_EQ(Environment::process().get("UPGATE_ENVIRONMENT_TEST_VAR"), "value");
  ::unsetenv("UPGATE_ENVIRONMENT_TEST_VAR");
  EXPECT_EQ(Environment::process().get("UPGATE_ENVIRONMENT_TEST_VAR"), std::nullopt);
}

}  // namespace
}  // namespace upgate::config
