// Table-driven checks of a function: each row is one input and the result it must give, so a
// suite lists its cases as data instead of one EXPECT_EQ line each, and a failure names the
// row's input (the test's name says which table).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>

namespace upgate::testing {

template <class In, class Out>
struct Case {
  In input;
  Out expected;
};

// EXPECT_EQ(f(input), expected) for every row. In and Out default to text; name them for
// other types: expect_results<std::string_view, ErrorCode>(parse, {...}).
template <class In = std::string_view, class Out = std::string_view, class F>
void expect_results(F&& f, std::initializer_list<Case<In, Out>> cases) {
  for (const Case<In, Out>& c : cases) {
    EXPECT_EQ(f(c.input), c.expected) << "input: " << ::testing::PrintToString(c.input);
  }
}

}  // namespace upgate::testing
