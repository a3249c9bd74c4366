// Table-driven checks of a function: each row is one input and the result it must give, so a
// suite lists its cases as data instead of one EXPECT_EQ line each, and a failure names the
// row's input (the test's name says which table).
//
//   results_of(url_encode_key).expect({{"a b", "a%20b"}, {"a+b", "a%2Bb"}});
//   results_of(cors_origin_matches).true_for({{"*", "http://a"}}).false_for({{"a", "b"}});
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>
#include <utility>

namespace upgate::testing {

template <class In, class Out>
struct Case {
  In input;
  Out expected;
};

// The two inputs of a predicate.
using PairCase = std::pair<std::string_view, std::string_view>;

template <class F>
class ResultsOf {
 public:
  explicit ResultsOf(F f) : f_(std::move(f)) {}

  // EXPECT_EQ(f(input), expected) for every row. In and Out default to text; name them for
  // other types: results_of(parse).expect<std::string_view, ErrorCode>({...}).
  template <class In = std::string_view, class Out = std::string_view>
  void expect(std::initializer_list<Case<In, Out>> cases) const {
    for (const Case<In, Out>& c : cases) {
      EXPECT_EQ(f_(c.input), c.expected) << "input: " << ::testing::PrintToString(c.input);
    }
  }

  // EXPECT_TRUE(f(first, second)) for every row.
  const ResultsOf& true_for(std::initializer_list<PairCase> cases) const {
    return expect_pairs(cases, true);
  }
  // EXPECT_FALSE(f(first, second)) for every row.
  const ResultsOf& false_for(std::initializer_list<PairCase> cases) const {
    return expect_pairs(cases, false);
  }

 private:
  const ResultsOf& expect_pairs(std::initializer_list<PairCase> cases, bool holds) const {
    for (const auto& [first, second] : cases) {
      EXPECT_EQ(static_cast<bool>(f_(first, second)), holds)
          << ::testing::PrintToString(first) << ", " << ::testing::PrintToString(second);
    }
    return *this;
  }

  F f_;
};

template <class F>
ResultsOf<F> results_of(F f) {
  return ResultsOf<F>(std::move(f));
}

}  // namespace upgate::testing
