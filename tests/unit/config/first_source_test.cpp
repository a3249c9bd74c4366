#include "upgate/config/first_source.hpp"

#include <gtest/gtest.h>

namespace upgate::config {
namespace {

std::optional<unsigned> small_number(std::string_view text) {
  if (text.size() != 1 || text[0] < '0' || text[0] > '9') return std::nullopt;
  return static_cast<unsigned>(text[0] - '0');
}

TEST(FirstOf, TheFirstSourceThatHasItWinsAndKeepsItsName) {
  const Environment env = Environment::from({{"UPGATE_X", "from-variable"}});
  const std::optional<std::string> file = "from-file";
  const auto flag_given = first_of(from(std::optional<std::string>("from-flag"), "--x"),
                                   variable(env, "UPGATE_X"), from(file, "table.x"));
  ASSERT_TRUE(flag_given);
  EXPECT_EQ(flag_given->value, "from-flag");
  EXPECT_EQ(flag_given->field, "--x");

  const auto no_flag = first_of(from(std::optional<std::string>(), "--x"),
                                variable(env, "UPGATE_X"), from(file, "table.x"));
  EXPECT_EQ(no_flag->field, "UPGATE_X");

  const auto only_file =
      first_of(variable(Environment::from({{"UPGATE_X", ""}}), "UPGATE_X"), from(file, "table.x"));
  EXPECT_EQ(only_file->field, "table.x");  // an empty variable is unset

  EXPECT_FALSE(first_of(from(std::optional<int>(), "--n"), from(std::optional<int>(), "n")));
}

TEST(FirstOf, AnUnreadableVariableFailsOnlyWhenItWouldBeChosen) {
  const Environment bad = Environment::from({{"UPGATE_N", "many"}});
  const auto chosen = first_of(from(std::optional<unsigned>(), "--n"),
                               variable(bad, "UPGATE_N", small_number, "must be a digit"),
                               from(std::optional<unsigned>(7), "n"));
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().field, "UPGATE_N");
  EXPECT_EQ(chosen.error().message, "must be a digit");

  // A flag overrides a malformed variable as it overrides a well-formed one.
  const auto flag = first_of(from(std::optional<unsigned>(3), "--n"),
                             variable(bad, "UPGATE_N", small_number, "must be a digit"));
  ASSERT_TRUE(flag);
  EXPECT_EQ((*flag)->value, 3U);

  const auto good = first_of(
      variable(Environment::from({{"UPGATE_N", "5"}}), "UPGATE_N", small_number, "must be a digit"),
      from(std::optional<unsigned>(7), "n"));
  ASSERT_TRUE(good);
  EXPECT_EQ((*good)->value, 5U);
}

TEST(FirstOf, AnEarlierChoiceIsOneSourceOfALaterOne) {
  const std::optional<Sourced<std::string>> merged = Sourced<std::string>{"eu-west-1", "--region"};
  const auto region = first_of(from(merged), variable(Environment::from({}), "AWS_REGION"));
  EXPECT_EQ(region->field, "--region");
  const auto none =
      first_of(from(std::optional<Sourced<std::string>>()),
               variable(Environment::from({{"AWS_REGION", "sa-east-1"}}), "AWS_REGION"));
  EXPECT_EQ(none->value, "sa-east-1");
}

TEST(FirstOf, AVariableCanBeConvertedWithoutFailing) {
  const auto length = first_of(variable(Environment::from({{"UPGATE_S", "abcd"}}), "UPGATE_S",
                                        [](std::string_view text) { return text.size(); }),
                               from(std::optional<std::size_t>(1), "s"));
  EXPECT_EQ(length->value, 4U);
}

}  // namespace
}  // namespace upgate::config
